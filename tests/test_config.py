"""Gate config: audit.toml and [tool.audit], discovery, and errors that name file:line."""
import pytest

from audit.cli import main
from audit.config import find_config, load_config, parse_fail_on
from audit.errors import ConfigError
from tests.test_gate import standard_result

GOOD = """\
min_docs = 30
fail_on = ["warn"]

[[check]]
metric = "near_duplicate_rate"
op = "<="
threshold = 0.02

[[check]]
name = "diversity kept"
metric = "vendi_score"
op = ">="
threshold = "0.8 * real"
severity = "warn"

[[check]]
metric = "mmd_drift"
on = "p_adjusted"
op = ">="
threshold = 0.05
min_docs = 10

[[check]]
metric = "mean_words"
on = "abs_delta"
op = "=="
threshold = 0
tol = 5
"""


def test_loads_checks_with_defaults_and_lines(tmp_path):
    p = tmp_path / "audit.toml"
    p.write_text(GOOD)
    cfg = load_config(p)
    assert cfg.min_docs == 30 and cfg.fail_on == ("fail", "warn")
    a, b, c, d = cfg.checks
    assert (a.metric, a.op, a.threshold.offset, a.severity, a.on, a.line, a.min_docs) == \
        ("near_duplicate_rate", "<=", 0.02, "fail", "synth", 4, 30)
    assert (b.name, b.threshold.ref, b.threshold.scale, b.severity, b.line) == ("diversity kept", "real", 0.8, "warn", 9)
    assert (c.on, c.min_docs, c.line) == ("p", 10, 16)  # pairwise metric; p_adjusted is an alias of p
    assert (d.on, d.op, d.tol) == ("abs_delta", "==", 5.0)


def test_pairwise_metric_defaults_to_value(tmp_path):
    p = tmp_path / "audit.toml"
    p.write_text('[[check]]\nmetric = "mmd_drift"\nthreshold = "real + 0.01"\n')
    (c,) = load_config(p).checks
    assert c.on == "value" and c.op == "<="


def test_pyproject_tool_audit(tmp_path):
    p = tmp_path / "pyproject.toml"
    p.write_text('[project]\nname = "x"\n\n[tool.audit]\nmin_docs = 20\n\n[[tool.audit.check]]\n'
                 'metric = "vendi_score"\nop = ">="\nthreshold = 10\n\n[[tool.audit.check]]\nmetric = "vendy_score"\n'
                 'threshold = 1\n')
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert str(e.value) == f"{p}:13: unknown metric 'vendy_score' (did you mean 'vendi_score'?)"
    p.write_text('[project]\nname = "x"\n\n[tool.audit]\nmin_docs = 20\n\n[[tool.audit.check]]\n'
                 'metric = "vendi_score"\nop = ">="\nthreshold = 10\n')
    cfg = load_config(p)
    assert cfg.min_docs == 20 and cfg.checks[0].line == 7 and cfg.checks[0].min_docs == 20


def test_discovery_order(tmp_path):
    assert find_config(None, tmp_path) == (None, False)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(None, tmp_path) == (None, False)  # a pyproject without [tool.audit] is not a config
    (tmp_path / "pyproject.toml").write_text('[tool.audit]\nmin_docs = 5\n')
    assert find_config(None, tmp_path) == (tmp_path / "pyproject.toml", True)
    (tmp_path / "audit.toml").write_text("")
    assert find_config(None, tmp_path) == (tmp_path / "audit.toml", True)
    other = tmp_path / "other.toml"
    other.write_text("")
    assert find_config(str(other), tmp_path) == (other, False)
    with pytest.raises(ConfigError, match="no such config file"):
        find_config(str(tmp_path / "missing.toml"), tmp_path)


@pytest.mark.parametrize("body,message", [
    ('[[check]]\nmetric = "vendi"\nthreshold = 1\n', "2: unknown metric 'vendi' (did you mean 'vendi_score'?)"),
    ('# note\n\n[[check]]\nmetric = "vendi_score"\nop = "=<"\nthreshold = 1\n', "5: unknown op '=<'"),
    ('[[check]]\nmetric = "vendi_score"\nthreshold = "0.8 * rael"\n', "3: unknown reference 'rael'"),
    ('[[check]]\nmetric = "vendi_score"\nthreshold = 1\nseverity = "error"\n', "4: severity must be"),
    ('[[check]]\nmetric = "vendi_score"\nthreshhold = 1\n', "3: unknown check key 'threshhold' "
                                                           "(did you mean 'threshold'?)"),
    ('[[check]]\nmetric = "vendi_score"\nop = "<="\n', "1: check #1 has no 'threshold'"),
    ('[[check]]\nmetric = "mmd_drift"\non = "synth"\nthreshold = 1\n', "3: on = 'synth' does not apply"),
    ('[[check]]\nmetric = "mmd_drift"\non = "p"\nthreshold = "real"\n', "4: a p-value check takes a plain number"),
    ('[[check]]\nmetric = "vendi_score"\nthreshold = 1\ntol = 0.1\n', "4: tol only applies to op '=='"),
    ('min_doc = 5\n', "1: unknown key 'min_doc' (did you mean 'min_docs'?)"),
    ('min_docs = -1\n', "1: min_docs must be a non-negative integer"),
    ('fail_on = ["wrn"]\n', "1: unknown status 'wrn' (did you mean 'warn'?)"),
    ('[[check]]\nmetric = "vendi_score"\nthreshold = 1\n\n[[check]]\nmetric = 3\nthreshold = 1\n',
     "6: unknown metric 3"),
    ('[[check]\nmetric = "x"\n', "1: not valid TOML"),
])
def test_errors_name_the_line(tmp_path, body, message):
    p = tmp_path / "audit.toml"
    p.write_text(body)
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert str(e.value).startswith(f"{p}:"), str(e.value)
    assert message in str(e.value)


def test_bad_config_through_the_cli_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.json").write_text(standard_result().to_json())
    lines = ["# a comment"] * 11 + ["[[check]]", 'metric = "vendi"', "threshold = 1"]
    (tmp_path / "audit.toml").write_text("\n".join(lines) + "\n")
    assert main(["gate", "r.json"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "audit: error: audit.toml:13: unknown metric 'vendi' (did you mean 'vendi_score'?)"
    assert main(["gate", "r.json", "--config", "audit.toml", "--no-config"]) == 2


def test_fail_on_forms():
    assert parse_fail_on("warn") == ("fail", "warn")
    assert parse_fail_on("insufficient, warn") == ("fail", "warn", "insufficient")
    assert parse_fail_on(["skipped"]) == ("fail", "skipped")
    with pytest.raises(ConfigError):
        parse_fail_on("maybe")


def test_example_config_loads():
    from tests.conftest import ROOT

    cfg = load_config(ROOT / "examples" / "audit.toml")
    assert len(cfg.checks) >= 5
    assert {c.threshold.ref for c in cfg.checks} >= {None, "real", "noise", "baseline"}


def test_a_renamed_metric_keeps_old_configs_and_saved_results_working(tmp_path):
    """compression_ratio_rate is now compression_ratio (a ratio of sizes, not a rate): a config, a
    [[trend]] check, a saved result or baseline and AuditResult.metric still accept the former name."""
    from audit.diff import diff_results
    from audit.gate import evaluate
    from audit.result import AuditResult
    from tests.test_gate import entry, make_result

    cfg_path = tmp_path / "audit.toml"
    cfg_path.write_text('[[check]]\nmetric = "compression_ratio_rate"\nop = "<="\nthreshold = "1.1 * real"\n\n'
                        '[[trend]]\nmetric = "compression_ratio_rate"\non = "trend"\nop = "!="\nvalue = "fail"\n')
    cfg = load_config(cfg_path)
    assert cfg.checks[0].metric == "compression_ratio" and cfg.trend_checks[0].metric == "compression_ratio"
    new = make_result(entry("compression_ratio", real=2.0, synth=2.5, better="lower"))
    gate = evaluate(cfg.checks, new, config=str(cfg_path)).to_dict()
    assert gate["checks"][0]["status"] == "fail"  # 2.5 > 1.1 * 2.0: judged, not skipped as unknown
    old = new.to_dict()
    old["metrics"][0]["name"] = "compression_ratio_rate"  # a result saved before the rename
    (tmp_path / "old.json").write_text(__import__("json").dumps(old))
    loaded = AuditResult.load(tmp_path / "old.json")
    assert loaded.metrics[0].name == "compression_ratio" and loaded.metric("compression_ratio_rate").synth == 2.5
    worse = make_result(entry("compression_ratio", real=2.0, synth=3.5, better="lower"))
    rows = diff_results(loaded, worse)  # the old baseline and the new result name one metric
    assert [r["name"] for r in rows] == ["compression_ratio"] and rows[0]["change"] not in ("added", "removed")
    from audit.trend_result import TrendResult

    saved_trend = {"generations": ["real", "gen1"], "metrics": [{
        "name": "compression_ratio_rate", "family": "diversity", "title": "gzip compression ratio", "better": "lower",
        "kind": "per_corpus", "against": "real", "values": [2.0, 2.5], "band": {}, "verdicts": [None, "ok"]}]}
    assert TrendResult.from_dict(saved_trend).metrics[0].name == "compression_ratio"
