"""audit.config: [[trend]] tables (defaults, each refusal word for word) and where a top-level or [options]
key sits in the file (for the file:line of an error), by hand."""
import pytest

from audit.config import _Lines, _parse_trend, load_config
from audit.errors import ConfigError

REG = {"vendi_score": None, "tail_survival_score": None, "compression_ratio": None}


def trend(item, i=0):
    return _parse_trend(item, i, REG, ValueError)


def test_trend_defaults():
    t = trend({})
    assert (t.metric, t.on, t.op, t.value, t.severity, t.name) == ("*", "trend", "!=", "fail", "fail", None)
    t = trend({"metric": "tail_survival_score", "on": "worsening_run"})
    assert (t.metric, t.on, t.op, t.value) == ("tail_survival_score", "worsening_run", "<", 2)
    t = trend({"metric": "compression_ratio_rate", "op": "==", "value": "ok", "severity": "warn", "name": "n"})
    assert (t.metric, t.op, t.value, t.severity, t.name) == ("compression_ratio", "==", "ok", "warn", "n")
    assert trend({"on": "worsening_run", "op": "<=", "value": 1}).value == 1


@pytest.mark.parametrize("item,message", [
    ({"metrc": "x"}, "trend check #3: unknown key 'metrc' (did you mean 'metric'?)"),
    ({"zzzz": 1}, "trend check #3: unknown key 'zzzz'"),
    ({"metric": "vendi"}, "trend check #3: unknown metric 'vendi' (did you mean 'vendi_score'?)"),
    ({"metric": 3}, "trend check #3: unknown metric 3"),
    ({"on": "slope"}, "trend check #3: on must be one of trend, worsening_run (got 'slope')"),
    ({"op": "<"}, "trend check #3: op for trend must be one of !=, == (got '<')"),
    ({"on": "worsening_run", "op": "!="}, "trend check #3: op for worsening_run must be one of <, <= (got '!=')"),
    ({"value": "bad"}, "trend check #3: value must be one of ok, warn, fail (got 'bad')"),
    ({"on": "worsening_run", "value": 0},
     "trend check #3: value must be a whole number of generations >= 1 (got 0)"),
    ({"on": "worsening_run", "value": True},
     "trend check #3: value must be a whole number of generations >= 1 (got True)"),
    ({"on": "worsening_run", "value": 1.5},
     "trend check #3: value must be a whole number of generations >= 1 (got 1.5)"),
    ({"severity": "error"}, "trend check #3: severity must be 'fail' or 'warn' (got 'error')"),
    ({"name": 5}, "trend check #3: name must be a string"),
])
def test_trend_refusals_word_for_word(item, message):
    with pytest.raises(ValueError) as e:
        trend(item, i=2)
    assert str(e.value) == message


def config_error(tmp_path, text):
    """The path of a config file holding ``text`` and the message load_config refuses it with."""
    p = tmp_path / "audit.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_config(p)
    return p, str(e.value)


def test_trend_errors_name_the_file(tmp_path):
    p, msg = config_error(tmp_path, '[[trend]]\nmetric = "vendi_score"\nvalue = "bad"\n')
    assert msg == f"{p}: trend check #1: value must be one of ok, warn, fail (got 'bad')"


TEXT = """min_docs = 5
fail_on = "warn"

[options]
seed = 3
  "bias_groups" = "g.toml"

[[check]]
metric = "vendi_score"
"""


def test_top_line_finds_a_key_at_the_top_or_in_a_table():
    lines = _Lines(TEXT, in_pyproject=False)
    assert lines.top_line("min_docs") == 1 and lines.top_line("fail_on") == 2
    assert lines.top_line("seed", "options") == 5
    assert lines.top_line("bias_groups", "options") == 6  # indented and quoted
    assert lines.top_line("seed") is None  # not at the top level
    assert lines.top_line("metric") is None  # inside [[check]]
    assert lines.top_line("seed", "nope") is None  # no such table


def test_top_line_in_a_pyproject_reads_tool_audit_only():
    text = """[project]
min_docs = 1

[tool.audit]
min_docs = 5

[tool.audit.options]
seed = 3

[tool.other]
seed = 4
"""
    lines = _Lines(text, in_pyproject=True)
    assert lines.top_line("min_docs") == 5
    assert lines.top_line("seed", "options") == 8
    assert lines.top_line("seed", "other") is None


def test_config_errors_point_at_the_line(tmp_path):
    p, msg = config_error(tmp_path, 'fail_on = "warn"\n\nmin_docs = -1\n')
    assert msg == f"{p}:3: min_docs must be a non-negative integer (got -1)"
    p, msg = config_error(tmp_path, 'min_docs = 1\n[options]\n\nsead = 3\n')
    assert msg == f"{p}:4: unknown option 'sead'"
