"""audit.config: [[trend]] tables (defaults, each refusal word for word) and where a top-level or [options]
key sits in the file (for the file:line of an error), by hand."""
import pytest

from audit.config import TOP_KEYS, _Lines, _parse_trend, _suggest, find_config, load_config, parse_fail_on
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


# --- [[check]] tables: defaults and every refusal word for word (the user sees "file:line: message", exit 2) ---

def check_error(tmp_path, body):
    """``body`` under one ``[[check]]`` header on line 1 -> the message, without the file's name."""
    p, msg = config_error(tmp_path, "[[check]]\n" + body)
    assert msg.startswith(f"{p}:")
    return msg[len(f"{p}:"):]


@pytest.mark.parametrize("body,message", [
    ('metric = "vendi_score"\nthreshold = 1\nseverty = "warn"\n',
     "4: unknown check key 'severty' (did you mean 'severity'?)"),
    ('metric = "vendi_score"\nthreshold = 1\nzzzz = 1\n', "4: unknown check key 'zzzz'"),
    ('threshold = 1\n', "1: check #1 has no 'metric'"),
    ('metric = "vendi_score"\n', "1: check #1 has no 'threshold'"),
    ('threshold = 1\nmetric = "vendy_score"\n', "3: unknown metric 'vendy_score' (did you mean 'vendi_score'?)"),
    ('metric = "vendi_score"\nthreshold = 1\nop = "=<"\n', "4: unknown op '=<'; choose from <=, <, >=, >, =="),
    ('metric = "mmd_drift"\nthreshold = 1\non = "synth"\n',
     "4: on = 'synth' does not apply to pairwise metric 'mmd_drift'; choose from value, p"),
    ('metric = "vendi_score"\nthreshold = 1\non = "value"\n',
     "4: on = 'value' does not apply to per_corpus metric 'vendi_score'; choose from synth, real, delta, abs_delta, p"),
    ('metric = "vendi_score"\nthreshold = "0.8 * rael"\n',
     "3: unknown reference 'rael' in threshold '0.8 * rael' (did you mean 'real'?); use real, baseline or noise"),
    ('metric = "vendi_score"\nthreshold = "0.8 * real"\non = "p_adjusted"\n',
     "3: a p-value check takes a plain number (e.g. 0.05), not an expression"),
    ('metric = "vendi_score"\non = "real"\nthreshold = "0.8 * real"\n',
     "4: on = 'real' cannot be compared with 'real'"),
    ('metric = "vendi_score"\non = "real"\nthreshold = "noise"\n',
     "4: on = 'real' cannot be compared with 'noise'"),
    ('metric = "vendi_score"\nthreshold = 1\nseverity = "error"\n',
     "4: severity must be 'fail' or 'warn' (got 'error')"),
    ('metric = "vendi_score"\nop = "=="\nthreshold = 1\ntol = -0.5\n',
     "5: tol must be a non-negative number (got -0.5)"),
    ('metric = "vendi_score"\nop = "=="\nthreshold = 1\ntol = true\n', "5: tol must be a non-negative number (got True)"),
    ('metric = "vendi_score"\nop = "=="\nthreshold = 1\ntol = "0.1"\n',
     "5: tol must be a non-negative number (got '0.1')"),
    ('metric = "vendi_score"\nop = "=="\nthreshold = 1\ntol = inf\n', "5: tol must be a non-negative number (got inf)"),
    ('metric = "vendi_score"\nop = "=="\nthreshold = 1\ntol = nan\n', "5: tol must be a non-negative number (got nan)"),
    ('metric = "vendi_score"\nthreshold = 1\nop = "<"\ntol = 0.1\n', "5: tol only applies to op '=='"),
    ('metric = "vendi_score"\nthreshold = 1\ntol = 0.1\n', "4: tol only applies to op '=='"),  # op defaults to <=
    ('metric = "vendi_score"\nthreshold = 1\nmin_docs = -3\n', "4: min_docs must be a non-negative integer (got -3)"),
    ('metric = "vendi_score"\nthreshold = 1\nmin_docs = 2.5\n', "4: min_docs must be a non-negative integer (got 2.5)"),
    ('metric = "vendi_score"\nthreshold = 1\nmin_docs = false\n',
     "4: min_docs must be a non-negative integer (got False)"),
    ('metric = "vendi_score"\nthreshold = 1\nname = 7\n', "4: name must be a string"),
])
def test_check_refusals_word_for_word(tmp_path, body, message):
    assert check_error(tmp_path, body) == message


def test_check_defaults_and_accepted_edges(tmp_path):
    p = tmp_path / "audit.toml"
    p.write_text('min_docs = 7\n\n[[check]]\nmetric = "vendi_score"\nthreshold = 3\n\n'
                 '[[check]]\nmetric = "mmd_drift"\nthreshold = 0.1\n\n'
                 '[[check]]\nmetric = "vendi_score"\nop = "=="\nthreshold = "real"\ntol = 0\nmin_docs = 0\n'
                 'name = "same as real"\n\n'
                 '[[check]]\nmetric = "vendi_score"\nop = "=="\nthreshold = 1\ntol = 2\non = "p"\n')
    a, b, c, d = load_config(p).checks
    # the defaults: op <=, severity fail, on = synth (per-corpus) or value (pairwise), tol 1e-9, the file's min_docs
    assert (a.op, a.severity, a.on, a.tol, a.min_docs, a.name, a.line) == ("<=", "fail", "synth", 1e-9, 7, None, 3)
    assert (b.on, b.line) == ("value", 7)
    # tol = 0 and min_docs = 0 are allowed (exact equality; a check that never says "insufficient")
    assert (c.tol, c.min_docs, c.name, c.threshold.ref, c.line) == (0.0, 0, "same as real", "real", 11)
    assert type(d.tol) is float and d.tol == 2.0 and d.on == "p"  # an integer tol, read as a number


def test_check_given_without_headers_has_no_line(tmp_path):
    # `check = {...}` (one inline table) or `check = [{...}]`: no [[check]] header to point at, so no line
    p = tmp_path / "audit.toml"
    p.write_text('check = {metric = "vendi_score", threshold = 2}\n')
    (c,) = load_config(p).checks
    assert (c.metric, c.threshold.offset, c.line) == ("vendi_score", 2.0, None)
    p, msg = config_error(tmp_path, 'check = [{metric = "vendi", threshold = 1}]\n')
    assert msg == f"{p}: unknown metric 'vendi' (did you mean 'vendi_score'?)"


@pytest.mark.parametrize("text,message", [
    ('\n\ncheck = 3\n', "3: 'check' must be an array of tables ([[check]])"),
    ('check = [1]\n', " each check must be a table with at least metric and threshold"),
    ('\ntrend = 3\n', "2: 'trend' must be an array of tables ([[trend]])"),
    ('trend = [{metric = "vendi_score"}, 2]\n', "1: 'trend' must be an array of tables ([[trend]])"),
    ('trend = {metric = "vendi_score"}\n', "1: 'trend' must be an array of tables ([[trend]])"),
    ('fail_on = 3\n', "1: fail_on must be a list of statuses (got 3)"),
    ('\nfail_on = "warn,maybe"\n',
     "2: unknown status 'maybe'; choose from fail, warn, insufficient, skipped"),
    ('min_docs = true\n', "1: min_docs must be a non-negative integer (got True)"),
    ('checks = []\n', "1: unknown key 'checks' (did you mean 'check'?)"),
    ('[options]\nshingle_size = "x"\n', "2: option 'shingle_size' must be a whole number from 1 to 64 (got 'x')"),
    ('options = 3\n', "1: [options] must be a table of key = value"),
])
def test_top_level_refusals_word_for_word(tmp_path, text, message):
    p, msg = config_error(tmp_path, text)
    assert msg == f"{p}:{message}"


def test_in_a_pyproject_only_tool_audit_check_headers_count(tmp_path):
    p = tmp_path / "pyproject.toml"
    p.write_text('[[check]]\nmetric = "other tool"\n\n[tool.audit]\n\n[[tool.audit.check]]\nmetric = "vendi"\n'
                 'threshold = 1\n')
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert str(e.value) == f"{p}:7: unknown metric 'vendi' (did you mean 'vendi_score'?)"


def test_a_key_is_looked_for_only_inside_its_own_check(tmp_path):
    # check #1 has no op of its own; the op of check #2 must not be reported as check #1's line
    p = tmp_path / "audit.toml"
    p.write_text('[[check]]\nmetric = "vendi_score"\nthreshold = 1\n\n[[check]]\nmetric = "vendi_score"\n'
                 'op = ">="\nthreshold = 1\n')
    a, b = load_config(p).checks
    assert (a.line, b.line) == (1, 5)
    p, msg = config_error(tmp_path, '[[check]]\nmetric = "vendi_score"\nthreshold = 1\n[options]\n'
                                    'severity = 1\n[[check]]\nmetric = "vendi_score"\nthreshold = 1\n'
                                    'severity = "bad"\n')
    assert msg == f"{p}:5: unknown option 'severity'"


# --- load_config: files that cannot be read or are not TOML ---

def refused(path):
    with pytest.raises(ConfigError) as e:
        load_config(path)
    return str(e.value)


def test_unreadable_files_word_for_word(tmp_path):
    missing = tmp_path / "missing.toml"
    assert refused(missing) == f"{missing}: no such config file"
    assert refused(str(missing)) == f"{missing}: no such config file"  # a str path too
    assert refused(tmp_path) == f"{tmp_path}: cannot read (Is a directory)"
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"# caf\xe9\n")
    assert refused(latin) == (f"{latin}: cannot read ('utf-8' codec can't decode byte 0xe9 in position 5: "
                              "invalid continuation byte)")


def test_not_toml_word_for_word(tmp_path):
    p, msg = config_error(tmp_path, 'min_docs = 5\n\nfail_on = [\n')
    # tomllib gives no line for an unfinished file; its "(at end of document)" is said in words, not nested brackets
    assert msg == f"{p}: not valid TOML (Invalid value at the end of the file)"
    p, msg = config_error(tmp_path, 'min_docs = 5\nmin_docs = 6\n')
    assert msg == f"{p}:2: not valid TOML (Cannot overwrite a value)"
    p, msg = config_error(tmp_path, "a = " + "[" * 5000 + "]" * 5000 + "\n")
    assert msg == f"{p}: not valid TOML (nested too deeply)"


@pytest.mark.parametrize("text,message", [
    ('[project]\nname = "x"\n', "has no [tool.audit] table"),
    ('tool = 3\n', "has no [tool.audit] table"),
    ('[tool]\naudit = 3\n', "[tool.audit] must be a table"),
])
def test_pyproject_without_an_audit_table(tmp_path, text, message):
    p = tmp_path / "pyproject.toml"
    p.write_text(text)
    assert refused(p) == f"{p}: {message}"


def test_load_config_keeps_path_and_discovered(tmp_path):
    p = tmp_path / "audit.toml"
    p.write_text("")
    cfg = load_config(p)
    assert (cfg.path, cfg.discovered, cfg.checks, cfg.min_docs, cfg.fail_on, cfg.options, cfg.trend_checks) == \
        (str(p), False, [], 50, ("fail",), {}, [])
    assert load_config(p, discovered=True).discovered is True
    # a name is a metric only if the registry given has it
    p.write_text('[[check]]\nmetric = "vendi_score"\nthreshold = 1\n')
    with pytest.raises(ConfigError) as e:
        load_config(p, registry={"vendi": None})
    assert str(e.value) == f"{p}:2: unknown metric 'vendi_score' (did you mean 'vendi'?)"


# --- [options]: a path is relative to the config file's folder, not to where the audit runs ---

def test_option_paths_are_relative_to_the_config_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sub = tmp_path / "ci" / "conf"
    sub.mkdir(parents=True)
    p = sub / "audit.toml"
    p.write_text(f'[options]\nbias_groups = "groups.toml"\ndefect_phrases = "../phrases.json"\nshingle_size = 4\n')
    assert load_config(p).options == {"bias_groups": str(sub / "groups.toml"),
                                      "defect_phrases": str(sub / ".." / "phrases.json"), "shingle_size": 4}
    # the config named relatively (as `--config ci/conf/audit.toml` gives it): still beside the config
    assert load_config("ci/conf/audit.toml").options["bias_groups"] == "ci/conf/groups.toml"
    absolute = tmp_path / "elsewhere" / "g.toml"
    p.write_text(f'[options]\nbias_groups = "{absolute}"\n')
    assert load_config(p).options == {"bias_groups": str(absolute)}


# --- find_config: --config, then ./audit.toml, then ./pyproject.toml with [tool.audit] ---

def test_find_config_refuses_a_bad_explicit_path(tmp_path):
    missing = str(tmp_path / "nope.toml")
    with pytest.raises(ConfigError) as e:
        find_config(missing, tmp_path)
    assert str(e.value) == f"{missing}: no such config file"
    with pytest.raises(ConfigError) as e:
        find_config(str(tmp_path), tmp_path)
    assert str(e.value) == f"{tmp_path}: is a directory, not a config file"


def test_find_config_order(tmp_path):
    (tmp_path / "audit.toml").mkdir()  # a folder named audit.toml is not a config
    assert find_config(None, tmp_path) == (None, False)
    (tmp_path / "pyproject.toml").write_text('[tool.audit]\nmin_docs = 5\n')
    assert find_config(None, str(tmp_path)) == (tmp_path / "pyproject.toml", True)
    (tmp_path / "audit.toml").rmdir()
    (tmp_path / "audit.toml").write_text("")
    assert find_config(None, tmp_path) == (tmp_path / "audit.toml", True)  # audit.toml before pyproject
    assert find_config(str(tmp_path / "pyproject.toml"), tmp_path) == (tmp_path / "pyproject.toml", False)
    assert find_config("", tmp_path) == (tmp_path / "audit.toml", True)  # an empty --config is no --config


@pytest.mark.parametrize("text", ['[tool.audit\n', '[tool]\nother = 1\n', 'tool = 3\n', '[tool.black]\nx = 1\n'])
def test_find_config_ignores_a_pyproject_that_is_not_ours(tmp_path, text):
    (tmp_path / "pyproject.toml").write_text(text)
    assert find_config(None, tmp_path) == (None, False)


def test_find_config_default_folder_is_the_current_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "audit.toml").write_text("")
    path, discovered = find_config(None)
    assert path.resolve() == (tmp_path / "audit.toml").resolve() and discovered


# --- fail_on and suggestions ---

def test_fail_on_order_blanks_and_error_type():
    assert parse_fail_on(" skipped ,, warn,") == ("fail", "warn", "skipped")  # blanks ignored, fixed order
    assert parse_fail_on(("insufficient",)) == ("fail", "insufficient")
    assert parse_fail_on([]) == ("fail",)  # fail always fails the run
    with pytest.raises(ConfigError) as e:
        parse_fail_on({"warn": 1})
    assert str(e.value) == "fail_on must be a list of statuses (got {'warn': 1})"
    with pytest.raises(ConfigError) as e:
        parse_fail_on("wran")
    assert str(e.value) == "unknown status 'wran' (did you mean 'warn'?); choose from fail, warn, insufficient, skipped"


def test_suggest_only_close_words():
    # difflib ratio 2*M/T: 'min' vs 'min_docs' = 6/11 = 0.545 < 0.6 -> nothing; 'min_doc' = 14/15 -> a suggestion
    assert _suggest("min", TOP_KEYS) == ""
    assert _suggest("min_doc", TOP_KEYS) == " (did you mean 'min_docs'?)"
    assert _suggest(3, ["3a"]) == " (did you mean '3a'?)"  # a non-string is compared as its text


def test_spaces_inside_a_dotted_header_are_the_same_table(tmp_path):
    # TOML allows `[ tool . audit . options ]`; the error must still point at the key's line
    lines = _Lines('[ tool . audit ]\nmin_docs = 5\n\n[ tool . audit . options ]\nshingle_size = 3\n', in_pyproject=True)
    assert lines.top_line("min_docs") == 2 and lines.top_line("shingle_size", "options") == 5
    p = tmp_path / "pyproject.toml"
    p.write_text('[ tool . audit ]\n[ tool . audit . options ]\nshingle_size = 0\n')
    assert refused(p) == f"{p}:3: option 'shingle_size' must be a whole number from 1 to 64 (got 0)"


def test_check_line_stops_at_the_next_table(tmp_path):
    # an error in check #1 with another table after it: the line is check #1's own
    p, msg = config_error(tmp_path, '[[check]]\nmetric = "vendi_score"\nthreshold = 1\nseverity = "bad"\n\n'
                                    '[[check]]\nmetric = "vendi_score"\nthreshold = 1\nseverity = "warn"\n')
    assert msg == f"{p}:4: severity must be 'fail' or 'warn' (got 'bad')"
    # a check whose `metric` is a sub-table: there is no `metric = ` line of the check's own, so the error points at
    # the check's header, not at the `metric = 1` line of its [check.threshold] sub-table
    p, msg = config_error(tmp_path, '[[check]]\n[check.threshold]\nmetric = 1\n[check.metric]\nx = 1\n')
    assert msg == f"{p}:1: unknown metric {{'x': 1}}"


def test_unknown_option_suggests_the_close_one(tmp_path):
    p, msg = config_error(tmp_path, '[options]\nshingle_sise = 3\n')
    assert msg == f"{p}:2: unknown option 'shingle_sise' (did you mean 'shingle_size'?)"


def test_parse_config_defaults_and_a_registry_without_kinds():
    from audit.config import parse_config

    cfg = parse_config({}, "given.toml", _Lines("", False), REG)
    assert (cfg.path, cfg.discovered) == ("given.toml", False)
    # a registry entry without a `kind` is a per-corpus metric: `on` defaults to synth and `value` is refused
    (c,) = parse_config({"check": [{"metric": "vendi_score", "threshold": 1}]}, "g", _Lines("", False), REG).checks
    assert c.on == "synth"
    with pytest.raises(ConfigError) as e:
        parse_config({"check": [{"metric": "vendi_score", "threshold": 1, "on": "value"}]}, "g", _Lines("", False), REG)
    assert str(e.value) == ("g: on = 'value' does not apply to per_corpus metric 'vendi_score'; "
                            "choose from synth, real, delta, abs_delta, p")
