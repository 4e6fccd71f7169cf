"""Gate checks: threshold grammar, each operator and reference, statuses, fail_on, exit codes."""
import json
import math

import pytest

from audit.cli import main
from audit.gate import Check, evaluate, evaluate_check, parse_threshold
from audit.result import AuditResult, MetricEntry


def entry(name, *, kind="per_corpus", real=None, synth=None, value=None, noise=None, p=None, q=None,
          n=200, verdict="ok", family="diversity", better="higher"):
    return MetricEntry(family=family, name=name, title=name.replace("_", " "), description="", better=better,
                       kind=kind, verdict=verdict, reason=f"{name} reason", real=real, synth=synth, value=value,
                       delta=None if real is None or synth is None else synth - real, noise_floor=noise,
                       p_value=p, p_adjusted=q, sample_size=n)


def make_result(*entries, gate=None):
    return AuditResult(inputs={"real": {"path": "real.jsonl", "n_documents": 200, "n_sampled": 200},
                               "synth": {"path": "synth.jsonl", "n_documents": 200, "n_sampled": 200}},
                       settings={"embedder": "hash-64", "seed": 0, "compared_docs_per_corpus": 200},
                       metrics=list(entries), gate=gate)


def standard_result():
    return make_result(
        entry("vendi_score", real=20.0, synth=15.0, noise=0.5),
        entry("near_duplicate_rate", real=0.01, synth=0.03, noise=0.002, family="duplication", better="lower"),
        entry("mmd_drift", kind="pairwise", value=0.02, noise=0.001, p=0.004, q=0.03, family="drift",
              better="lower"),
        entry("mean_words", real=100.0, synth=104.0, noise=2.0, family="properties", better="closer"),
    )


def chk(metric, op, threshold, **kw):
    return Check(metric=metric, op=op, threshold=parse_threshold(threshold), **kw)


# -- grammar -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw,ref,scale,offset,resolved", [
    (0.02, None, 1.0, 0.02, 0.02),
    (3, None, 1.0, 3.0, 3.0),
    ("0.5", None, 1.0, 0.5, 0.5),
    ("0.8 * real", "real", 0.8, 0.0, 16.0),
    ("real * 0.8", "real", 0.8, 0.0, 16.0),
    ("real + 0.01", "real", 1.0, 0.01, 20.01),
    ("real - 1.5", "real", 1.0, -1.5, 18.5),
    ("baseline + 0.01", "baseline", 1.0, 0.01, 20.01),
    ("1.1 * baseline", "baseline", 1.1, 0.0, 22.0),
    ("2 * noise + 1e-3", "noise", 2.0, 0.001, 40.001),
    ("  real  ", "real", 1.0, 0.0, 20.0),
])
def test_threshold_forms(raw, ref, scale, offset, resolved):
    t = parse_threshold(raw)
    assert (t.ref, t.scale, t.offset) == (ref, scale, pytest.approx(offset))
    assert t.resolve(20.0) == pytest.approx(resolved)


@pytest.mark.parametrize("raw,message", [
    ("0.8 * rael", "did you mean 'real'"),
    ("0.8 * real * 2", "one factor"),
    ("real ** 2", "cannot read threshold"),
    ("", "cannot read threshold"),
    (True, "must be a number"),
    (float("nan"), "finite"),
    ([1], "must be a number"),
])
def test_bad_thresholds_say_why(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_threshold(raw)


# -- operators ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("op,threshold,status", [
    ("<=", 15.0, "pass"), ("<=", 14.99, "fail"),
    ("<", 15.01, "pass"), ("<", 15.0, "fail"),
    (">=", 15.0, "pass"), (">=", 15.01, "fail"),
    (">", 14.99, "pass"), (">", 15.0, "fail"),
    ("==", 15.0, "pass"), ("==", 15.1, "fail"),
])
def test_each_operator(op, threshold, status):
    r = evaluate_check(chk("vendi_score", op, threshold), standard_result())
    assert r.status == status, r.why
    assert r.actual == 15.0 and r.threshold == pytest.approx(threshold)


def test_equality_uses_tol():
    res = standard_result()
    assert evaluate_check(chk("vendi_score", "==", 15.05, tol=0.1), res).status == "pass"
    r = evaluate_check(chk("vendi_score", "==", 15.5, tol=0.1), res)
    assert r.status == "fail" and "± 0.1" in r.why


def test_relative_to_real_and_noise():
    res = standard_result()
    # 15 >= 0.8 * 20 = 16 fails; 15 >= 0.7 * 20 = 14 passes
    r = evaluate_check(chk("vendi_score", ">=", "0.8 * real"), res)
    assert r.status == "fail" and r.threshold == pytest.approx(16.0) and "real 20" in r.why
    assert evaluate_check(chk("vendi_score", ">=", "0.7 * real"), res).status == "pass"
    # |104 - 100| = 4 <= 3 * noise (2) = 6
    r = evaluate_check(chk("mean_words", "<=", "3 * noise", on="abs_delta"), res)
    assert r.status == "pass" and r.actual == 4.0 and r.threshold == 6.0
    assert evaluate_check(chk("mean_words", "<=", "1.5 * noise", on="abs_delta"), res).status == "fail"
    assert evaluate_check(chk("mean_words", ">", 3.9, on="delta"), res).status == "pass"
    assert evaluate_check(chk("mean_words", "==", 100, on="real"), res).status == "pass"
    # pairwise: `real` is the real-vs-real value (the noise floor entry)
    r = evaluate_check(chk("mmd_drift", "<=", "real + 0.01", on="value"), res)
    assert r.threshold == pytest.approx(0.011) and r.status == "fail"


def test_baseline_reference():
    res = standard_result()
    base = make_result(entry("near_duplicate_rate", real=0.01, synth=0.025, family="duplication", better="lower"))
    c = chk("near_duplicate_rate", "<=", "baseline + 0.01")
    r = evaluate_check(c, res, base)
    assert r.status == "pass" and r.threshold == pytest.approx(0.035)
    r = evaluate_check(chk("near_duplicate_rate", "<=", "baseline + 0.001"), res, base)
    assert r.status == "fail"
    r = evaluate_check(c, res, None)
    assert r.status == "skipped" and "no --baseline" in r.why
    r = evaluate_check(chk("vendi_score", ">=", "baseline"), res, base)
    assert r.status == "skipped" and "not in the baseline" in r.why


def test_p_value_checks_use_the_bh_adjusted_p():
    res = standard_result()  # mmd_drift: raw p 0.004, BH-adjusted 0.03
    r = evaluate_check(chk("mmd_drift", ">=", 0.01, on="p"), res)
    assert r.status == "pass" and r.actual == 0.03, "must read p_adjusted, not the raw p-value"
    assert evaluate_check(chk("mmd_drift", ">=", 0.05, on="p"), res).status == "fail"
    r = evaluate_check(chk("vendi_score", ">=", 0.05, on="p"), res)
    assert r.status == "insufficient" and "no p-value" in r.why


def test_insufficient_data_neither_passes_nor_fails():
    res = make_result(entry("vendi_score", real=20.0, synth=1.0, n=30),
                      entry("near_duplicate_rate", real=None, synth=None, verdict="insufficient", family="duplication"))
    r = evaluate_check(chk("vendi_score", ">=", 19, min_docs=50), res)
    assert r.status == "insufficient" and "30 documents" in r.why and "min_docs = 50" in r.why
    assert evaluate_check(chk("vendi_score", ">=", 19, min_docs=20), res).status == "fail"
    r = evaluate_check(chk("near_duplicate_rate", "<=", 0.02), res)
    assert r.status == "insufficient" and r.why.startswith("insufficient data")


def test_missing_metric_is_skipped_and_severity_warn():
    res = standard_result()
    assert evaluate_check(chk("pii_rate", "<=", 0), res).status == "skipped"
    assert evaluate_check(chk("vendi_score", ">=", 16, severity="warn"), res).status == "warn"


def test_gate_status_and_fail_on():
    res = standard_result()
    warn = chk("vendi_score", ">=", 16, severity="warn")
    ok = chk("vendi_score", ">=", 10)
    fail = chk("near_duplicate_rate", "<=", 0.02)
    skip = chk("pii_rate", "<=", 0)
    assert evaluate([ok], res).status == "pass"
    g = evaluate([ok, warn], res)
    assert g.status == "warn" and g.exit_code == 0
    g = evaluate([ok, warn], res, fail_on=("fail", "warn"))
    assert g.status == "fail" and g.exit_code == 1
    assert evaluate([ok, fail], res).exit_code == 1
    assert evaluate([ok, skip], res).exit_code == 0
    assert evaluate([ok, skip], res, fail_on=("fail", "skipped")).exit_code == 1
    g = evaluate([], res)
    assert g.status == "none" and g.exit_code == 0 and "report only" in g.note
    d = evaluate([ok, warn, fail, skip], res).to_dict()
    assert d["counts"] == {"pass": 1, "warn": 1, "fail": 1, "insufficient": 0, "skipped": 1}
    assert set(d["checks"][0]) >= {"metric", "op", "threshold_expr", "threshold", "actual", "status", "why",
                                   "severity", "line"}
    json.dumps(d, allow_nan=False)


def test_nan_values_are_insufficient_not_pass():
    res = make_result(entry("vendi_score", real=20.0, synth=math.nan))
    assert evaluate_check(chk("vendi_score", ">=", 0), res).status == "insufficient"


# -- exit codes through the CLI (saved result: no recomputation) ---------------------------------------
@pytest.fixture
def saved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    p = tmp_path / "result.json"
    p.write_text(standard_result().to_json())
    return p


def write_cfg(path, body):
    path.write_text(body)
    return str(path)


def test_exit_0_1_2_from_checks(saved, tmp_path, capsys):
    good = write_cfg(tmp_path / "good.toml", '[[check]]\nmetric = "vendi_score"\nop = ">="\nthreshold = "0.7 * real"\n')
    bad = write_cfg(tmp_path / "bad.toml", '[[check]]\nmetric = "near_duplicate_rate"\nthreshold = 0.02\n')
    warn = write_cfg(tmp_path / "warn.toml",
                     '[[check]]\nmetric = "near_duplicate_rate"\nthreshold = 0.02\nseverity = "warn"\n')
    assert main(["gate", str(saved), "--config", good, "-q"]) == 0
    assert main(["gate", str(saved), "--config", bad, "-q"]) == 1
    assert main(["gate", str(saved), "--config", warn, "-q"]) == 0
    assert main(["gate", str(saved), "--config", warn, "--fail-on", "warn", "-q"]) == 1
    capsys.readouterr()
    assert main(["gate", str(saved), "--config", str(tmp_path / "nope.toml")]) == 2
    assert "no such config file" in capsys.readouterr().err
    assert main(["gate", str(saved), "--config", good, "--fail-on", "wrn"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'warn'" in err and len(err.strip().splitlines()) == 1


def test_no_config_is_report_only(saved, capsys):
    assert main(["gate", str(saved), "--json", "out.json"]) == 0
    out = capsys.readouterr().out
    assert "report only" in out
    gate = json.loads(open("out.json").read())["gate"]
    assert gate["status"] == "none" and gate["checks"] == []


def test_gate_json_and_step_summary(saved, tmp_path, monkeypatch):
    cfg = write_cfg(tmp_path / "audit.toml", '\n[[check]]\nmetric = "near_duplicate_rate"\nthreshold = 0.02\n')
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["gate", str(saved), "--json", "g.json", "-q"]) == 1  # ./audit.toml discovered
    gate = json.loads(open("g.json").read())["gate"]
    assert gate["status"] == "fail" and gate["config_discovered"] is True
    c = gate["checks"][0]
    assert (c["metric"], c["op"], c["threshold_expr"], c["threshold"], c["actual"], c["status"], c["line"]) == \
        ("near_duplicate_rate", "<=", "0.02", 0.02, 0.03, "fail", 2)
    text = summary.read_text()
    assert text.startswith("earlier step\n") and "gate failed" in text and "near_duplicate_rate" in text
    assert main(["gate", str(saved), "--no-config", "-q"]) == 0


def test_compare_in_process_exit_codes(tmp_path, monkeypatch, capsys):
    """The real pipeline (fast families, fake embedder): the exit code follows the checks only."""
    from tests.conftest import ROOT

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    real, synth = str(ROOT / "sample_data/real.jsonl"), str(ROOT / "sample_data/synth.jsonl")
    fast = ["--embedder", "hash", "--no-map", "--no-cache", "--families", "properties", "-q"]
    ok = write_cfg(tmp_path / "ok.toml", '[[check]]\nmetric = "near_empty_rate"\nop = "<="\nthreshold = 0.05\n')
    # real sample data has more digits than the synthetic one: a check that synthetic matches real fails
    bad = write_cfg(tmp_path / "bad.toml", '[[check]]\nmetric = "digit_share"\nop = ">="\nthreshold = "0.9 * real"\n')
    assert main(["compare", real, synth, *fast, "--config", ok, "--json", "a.json"]) == 0
    assert json.loads(open("a.json").read())["gate"]["status"] == "pass"
    assert main(["compare", real, synth, *fast, "--config", bad, "--junit", "j.xml"]) == 1
    # a bad config fails before any work, with exit 2
    broken = write_cfg(tmp_path / "broken.toml", '[[check]]\nmetric = "vendi"\nthreshold = 1\n')
    capsys.readouterr()
    assert main(["compare", real, synth, *fast, "--config", broken]) == 2
    assert "broken.toml:2: unknown metric 'vendi' (did you mean 'vendi_score'?)" in capsys.readouterr().err
