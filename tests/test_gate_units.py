"""audit.gate, check by check: the exact sentence each status gives, the boundaries of each rule, the
number formatting, the JSON of a gate, and the trend checks on hand-written series."""
from types import SimpleNamespace

import pytest

from audit.gate import (Check, CheckResult, GateResult, TrendCheck, evaluate, evaluate_check, evaluate_trend,
                        evaluate_trend_check, fmt, parse_threshold, read_field, reference)
from tests.test_gate import chk, entry, make_result, standard_result


# -- the sentence of each status ----------------------------------------------------------------------
def test_skipped_sentences_and_the_check_they_belong_to():
    res = standard_result()
    base = make_result(entry("near_duplicate_rate", real=0.01, synth=0.025))
    c = chk("pii_rate", "<=", 0)
    r = evaluate_check(c, res)
    assert (r.check, r.status, r.why) == (c, "skipped", "pii_rate is not in this result (its family was not run?)")
    c = chk("vendi_score", ">=", "baseline")
    r = evaluate_check(c, res)
    assert (r.check, r.status, r.why) == (c, "skipped", "threshold is relative to a baseline; no --baseline given")
    r = evaluate_check(c, res, base)
    assert (r.check, r.status, r.why) == (c, "skipped", "vendi_score is not in the baseline result")


def test_insufficient_verdict_keeps_the_value_and_says_the_reason():
    thin = entry("vendi_score", real=20.0, synth=15.0, verdict="insufficient")
    c = chk("vendi_score", ">=", 1)
    r = evaluate_check(c, make_result(thin))
    assert (r.check, r.status, r.why, r.actual) == (c, "insufficient", "insufficient data: vendi_score reason", 15.0)
    no_reason = entry("vendi_score", real=20.0, synth=15.0, verdict="insufficient")
    object.__setattr__(no_reason, "reason", "")
    r = evaluate_check(c, make_result(no_reason))
    assert r.why == "insufficient data: too few documents" and r.actual == 15.0


def test_min_docs_is_the_least_sample_that_is_judged():
    c = chk("vendi_score", ">=", 19, min_docs=50)
    at = evaluate_check(c, make_result(entry("vendi_score", real=20.0, synth=15.0, n=50)))
    assert at.status == "fail"  # exactly min_docs documents: judged
    below = evaluate_check(c, make_result(entry("vendi_score", real=20.0, synth=15.0, n=49)))
    assert (below.check, below.status, below.actual) == (c, "insufficient", 15.0)
    assert below.why == "insufficient data: 49 documents (min_docs = 50)"
    unknown = evaluate_check(c, make_result(entry("vendi_score", real=20.0, synth=15.0, n=None)))
    assert unknown.status == "fail"  # no sample size: nothing to hold it back


@pytest.mark.parametrize("on,kind,why", [
    ("synth", "per_corpus", "insufficient data: m has no synth value"),
    ("delta", "per_corpus", "insufficient data: m has no delta value"),
    ("value", "pairwise", "insufficient data: m has no value value"),
    ("p", "pairwise", "insufficient data: m has no p-value"),
])
def test_a_missing_number_is_named(on, kind, why):
    c = chk("m", "<=", 1, on=on)
    r = evaluate_check(c, make_result(entry("m", kind=kind, real=1.0)))
    assert (r.check, r.status, r.why, r.actual) == (c, "insufficient", why, None)


@pytest.mark.parametrize("threshold,entry_kw,source", [
    ("2 * noise", {"noise": None}, "the noise floor"),
    ("0.8 * real", {"noise": 1.0}, "the real corpus"),
    ("baseline + 1", {"noise": 1.0}, "the baseline"),
])
def test_no_reference_value_is_insufficient_and_says_which(threshold, entry_kw, source):
    res = make_result(entry("m", synth=3.0, **entry_kw))  # real is None
    base = make_result(entry("m", synth=None))
    c = chk("m", "<=", threshold)
    r = evaluate_check(c, res, base)
    assert (r.check, r.status, r.actual, r.threshold) == (c, "insufficient", 3.0, None)
    assert r.why == f"insufficient data: no value from {source} to compare with"


# -- comparisons --------------------------------------------------------------------------------------
@pytest.mark.parametrize("op,threshold,status,why", [
    ("<=", 16.0, "pass", "synth 15 <= 16"), ("<=", 14.0, "fail", "synth 15 > 14"),
    ("<", 16.0, "pass", "synth 15 < 16"), ("<", 15.0, "fail", "synth 15 >= 15"),
    (">=", 14.0, "pass", "synth 15 >= 14"), (">=", 16.0, "fail", "synth 15 < 16"),
    (">", 14.0, "pass", "synth 15 > 14"), (">", 15.0, "fail", "synth 15 <= 15"),
    ("==", 15.0, "pass", "synth 15 == 15 ± 1e-09"), ("==", 16.0, "fail", "synth 15 != 16 ± 1e-09"),
])
def test_each_operators_sentence(op, threshold, status, why):
    r = evaluate_check(chk("vendi_score", op, threshold), standard_result())
    assert (r.status, r.why, r.actual, r.threshold) == (status, why, 15.0, threshold)


def test_equality_holds_at_exactly_the_tolerance():
    res = standard_result()  # vendi synth 15
    assert evaluate_check(chk("vendi_score", "==", 15.5, tol=0.5), res).status == "pass"
    assert evaluate_check(chk("vendi_score", "==", 15.5, tol=0.25), res).status == "fail"


def test_sentences_name_the_reference_and_the_number_read():
    res = standard_result()
    r = evaluate_check(chk("vendi_score", ">=", "0.7 * real"), res)
    assert r.why == "synth 15 >= 14 (= 0.7 * real, real 20)"
    r = evaluate_check(chk("vendi_score", ">=", "0.8  *  real", severity="warn"), res)
    assert (r.status, r.why) == ("warn", "synth 15 < 16 (= 0.8 * real, real 20)")
    r = evaluate_check(chk("mmd_drift", ">=", 0.01, on="p"), res)
    assert r.why == "p_adjusted (BH) 0.03 >= 0.01"
    r = evaluate_check(chk("mmd_drift", "<=", "real + 0.01", on="value"), res)
    assert r.why == "value 0.02 > 0.011 (= real + 0.01, real 0.001)"
    r = evaluate_check(chk("mean_words", "<=", "3 * noise", on="abs_delta"), res)
    assert r.why == "abs_delta 4 <= 6 (= 3 * noise, noise 2)"


def test_delta_is_signed_and_abs_delta_is_not():
    res = standard_result()  # vendi real 20, synth 15
    assert read_field(res.metric("vendi_score"), "delta") == -5.0
    assert read_field(res.metric("vendi_score"), "abs_delta") == 5.0
    r = evaluate_check(chk("vendi_score", ">=", -5, on="delta"), res)
    assert (r.status, r.actual) == ("pass", -5.0)
    half = entry("m", real=None, synth=2.0)
    assert read_field(half, "delta") is None and read_field(half, "abs_delta") is None
    assert read_field(entry("m", real=2.0, synth=None), "delta") is None


def test_reference_of_real_is_the_noise_floor_for_gaps_and_pairwise_values():
    e = entry("m", real=20.0, synth=15.0, noise=0.5)
    for on in ("value", "delta", "abs_delta"):
        assert reference(e, chk("m", "<=", "2 * real", on=on)) == 0.5
    assert reference(e, chk("m", "<=", "2 * real", on="synth")) == 20.0
    assert reference(e, chk("m", "<=", "2 * noise", on="synth")) == 0.5
    assert reference(e, chk("m", "<=", "baseline", on="synth"), None) is None
    assert reference(e, chk("m", "<=", "baseline", on="real"), entry("m", real=7.0)) == 7.0
    assert reference(e, chk("m", "<=", 3)) is None
    r = evaluate_check(chk("m", ">=", "real + 1", on="delta"), make_result(e))
    assert (r.status, r.threshold) == ("fail", 1.5)  # delta -5 against noise 0.5 + 1


def test_threshold_resolves_only_against_a_finite_reference():
    t = parse_threshold("2 * real + 1")
    assert t.resolve(3.0) == 7.0
    assert t.resolve(None) is None and t.resolve(float("nan")) is None and t.resolve(float("inf")) is None
    assert parse_threshold(4).resolve(None) == 4.0


# -- number formatting and the grammar's messages -------------------------------------------------------
@pytest.mark.parametrize("x,text", [
    (None, "n/a"), (0.0, "0"), (1.0, "1"), (0.1234, "0.1234"), (0.0012345, "0.001234"), (0.001, "0.001"),
    (0.00012345, "0.000123"), (-0.00012345, "-0.000123"), (9999.0, "9999"), (12345.0, "1.23e+04"),
    (-12345.0, "-1.23e+04"),
])
def test_fmt(x, text):
    assert fmt(x) == text


def test_expression_text_is_kept_with_single_spaces():
    assert parse_threshold(3).expr == "3"
    assert parse_threshold(0.02).expr == "0.02"
    assert parse_threshold(" 0.5 ").expr == "0.5"
    assert parse_threshold("0.8   *\treal").expr == "0.8 * real"
    t = parse_threshold("real - 2")
    assert (t.offset, t.scale, t.expr) == (-2.0, 1.0, "real - 2")
    assert parse_threshold("noise + 2").offset == 2.0


def test_grammar_messages_word_for_word():
    with pytest.raises(ValueError) as e:
        parse_threshold("real ** 2")
    assert str(e.value) == ("cannot read threshold 'real ** 2': use N, 'N * real', 'real + N', 'baseline - N', "
                            "'N * baseline' (references: real, baseline, noise)")
    with pytest.raises(ValueError) as e:
        parse_threshold("0.8 * rael")
    assert str(e.value) == ("unknown reference 'rael' in threshold '0.8 * rael' (did you mean 'real'?); "
                            "use real, baseline or noise")
    with pytest.raises(ValueError) as e:
        parse_threshold("0.8 * xyzzy")  # nothing close: no hint
    assert str(e.value) == "unknown reference 'xyzzy' in threshold '0.8 * xyzzy'; use real, baseline or noise"


# -- names and JSON ----------------------------------------------------------------------------------
def test_describe_names_the_number_read():
    t = parse_threshold("0.8 * real")
    assert Check("vendi_score", ">=", t).describe() == "vendi_score >= 0.8 * real"
    assert Check("mmd_drift", "<=", t, on="value").describe() == "mmd_drift <= 0.8 * real"
    assert Check("mmd_drift", ">=", t, on="p").describe() == "mmd_drift p_adjusted >= 0.8 * real"
    assert Check("m", "<=", t, on="abs_delta").describe() == "m (abs_delta) <= 0.8 * real"
    assert Check("m", "<=", t, on="real").describe() == "m (real) <= 0.8 * real"
    assert Check("m", "<=", t, name="my check").describe() == "my check"
    assert TrendCheck("m", "trend", "!=", "fail").describe() == "m trend != fail"
    assert TrendCheck("m", "trend", "!=", "fail", name="n").describe() == "n"


def test_check_result_json_never_holds_a_non_finite_number():
    c = Check("m", "<=", parse_threshold(1), on="delta", severity="warn", line=7)
    d = CheckResult(c, "warn", "why", actual=float("inf"), threshold=2).to_dict()
    assert d == {"name": "m (delta) <= 1", "metric": "m", "on": "delta", "op": "<=", "threshold_expr": "1",
                 "threshold": 2.0, "actual": None, "status": "warn", "why": "why", "severity": "warn", "line": 7}
    assert CheckResult(c, "pass", "", actual=None, threshold=float("nan")).to_dict()["threshold"] is None


def test_evaluate_fills_the_gate_and_its_note():
    res = standard_result()
    g = evaluate([chk("vendi_score", ">=", 10)], res, config="a.toml", baseline_path="b.json")
    assert g.to_dict() == {
        "status": "pass", "fail_on": ["fail"], "config": "a.toml", "min_docs": 50, "baseline": "b.json", "note": "",
        "counts": {"pass": 1, "warn": 0, "fail": 0, "insufficient": 0, "skipped": 0},
        "checks": [{"name": "vendi_score >= 10", "metric": "vendi_score", "on": "synth", "op": ">=",
                    "threshold_expr": "10", "threshold": 10.0, "actual": 15.0, "status": "pass",
                    "why": "synth 15 >= 10", "severity": "fail", "line": None}]}
    assert evaluate([], res, min_docs=30).min_docs == 30
    assert evaluate([], res).note == ("no gate config (audit.toml, [tool.audit] in pyproject.toml or --config): "
                                      "report only, exit 0")
    assert evaluate([], res, config="a.toml").note == "a.toml defines no checks: report only, exit 0"


# -- trend checks --------------------------------------------------------------------------------------
def tm(name, trend="ok", *, against="real", run=0, crossed=None, reason=""):
    return SimpleNamespace(name=name, trend=trend, against=against, worsening_run=run, crossed_at=crossed,
                           reason=reason)


def trend_result(*metrics):
    return SimpleNamespace(metrics=list(metrics))


NOT_FAIL = TrendCheck("*", "trend", "!=", "fail")


def test_trend_check_over_every_judged_metric():
    res = trend_result(tm("a"), tm("b", "warn"), tm("c", "fail", against="previous"), tm("d", "info"))
    r = evaluate_trend_check(NOT_FAIL, res)  # c is judged against the previous generation, d is info
    assert (r.check, r.status, r.why, r.actual) == (NOT_FAIL, "pass", "every judged metric: trend != fail holds",
                                                    None)
    res.metrics.append(tm("e", "fail", crossed="gen2"))
    res.metrics.append(tm("f", "fail"))
    r = evaluate_trend_check(NOT_FAIL, res)
    assert (r.status, r.why) == ("fail", "trend fail: e (crossed at gen2), f")
    warn = TrendCheck("*", "trend", "!=", "fail", severity="warn")
    assert evaluate_trend_check(warn, res).status == "warn"


def test_trend_check_lists_six_names_then_counts():
    res = trend_result(*[tm(f"m{i}", "fail") for i in range(8)])
    r = evaluate_trend_check(NOT_FAIL, res)
    assert r.why == "trend fail: m0, m1, m2, m3, m4, m5 and 2 more"
    r = evaluate_trend_check(NOT_FAIL, trend_result(*[tm(f"m{i}", "fail") for i in range(6)]))
    assert r.why == "trend fail: m0, m1, m2, m3, m4, m5"
    r = evaluate_trend_check(NOT_FAIL, trend_result(*[tm(f"m{i}", "fail") for i in range(7)]))
    assert (r.check, r.why) == (NOT_FAIL, "trend fail: m0, m1, m2, m3, m4, m5 and 1 more")


def test_trend_equality_check_and_named_metric():
    is_ok = TrendCheck("a", "trend", "==", "ok")
    assert evaluate_trend_check(is_ok, trend_result(tm("a"), tm("b", "fail"))).status == "pass"
    r = evaluate_trend_check(is_ok, trend_result(tm("a", "warn")))
    assert (r.status, r.why) == ("fail", "trend warn: a")
    r = evaluate_trend_check(TrendCheck("a", "trend", "!=", "fail"), trend_result(tm("a")))
    assert r.why == "a: trend != fail holds"


def test_trend_check_skipped_and_insufficient():
    c = TrendCheck("zz", "trend", "!=", "fail")
    r = evaluate_trend_check(c, trend_result(tm("a")))
    assert (r.check, r.status, r.why) == (c, "skipped", "zz is not in this result (its family was not run?)")
    r = evaluate_trend_check(NOT_FAIL, trend_result(tm("a", "info")))
    assert r.status == "skipped"
    res = trend_result(tm("a", "insufficient", reason="two generations only"), tm("b", "insufficient", reason="x"))
    r = evaluate_trend_check(NOT_FAIL, res)
    assert (r.check, r.status, r.why) == (NOT_FAIL, "insufficient", "insufficient data: two generations only")
    res = trend_result(tm("a", "insufficient"), tm("b", "fail"))
    assert evaluate_trend_check(NOT_FAIL, res).why == "trend fail: b"  # only the ready ones are judged


@pytest.mark.parametrize("op,run,status", [("<", 1, "pass"), ("<", 2, "fail"), ("<=", 2, "pass"), ("<=", 3, "fail")])
def test_worsening_run_boundaries(op, run, status):
    c = TrendCheck("t", "worsening_run", op, 2)
    r = evaluate_trend_check(c, trend_result(tm("t", run=run)))
    assert (r.status, r.actual) == (status, float(run))
    if status == "pass":
        assert r.why == f"t: worsening_run {op} 2 holds" and r.threshold is None
    else:
        assert r.why == f"t got worse by more than the real noise floor {run} generations in a row"
        assert r.check is c
        assert r.threshold == 2.0


def test_evaluate_trend_gate():
    res = trend_result(tm("a", "fail"))
    g = evaluate_trend([NOT_FAIL], res, fail_on=("fail", "warn"), config="c.toml")
    assert (g.status, g.exit_code, g.fail_on, g.config, g.note) == ("fail", 1, ("fail", "warn"), "c.toml", "")
    g = evaluate_trend([], res)
    assert (g.status, g.exit_code) == ("none", 0)
    assert g.note == "no trend checks (add [[trend]] tables to the config, or --check for the defaults): exit 0"
    assert evaluate_trend([TrendCheck("a", "trend", "!=", "fail", severity="warn")], res).status == "warn"


def test_gate_status_counts_and_exit_code():
    c = Check("m", "<=", parse_threshold(1))
    rows = [CheckResult(c, s, "") for s in ("pass", "warn", "insufficient", "skipped", "pass")]
    g = GateResult(rows)
    assert (g.status, g.exit_code) == ("warn", 0)
    assert g.counts() == {"pass": 2, "warn": 1, "fail": 0, "insufficient": 1, "skipped": 1}
    assert GateResult(rows, fail_on=("insufficient",)).status == "fail"
    assert GateResult(rows[:1]).status == "pass"
    # no check passed, warned or failed (every one insufficient or skipped): the gate cannot say "pass"
    thin = [CheckResult(c, s, "") for s in ("insufficient", "skipped", "insufficient")]
    assert (GateResult(thin).status, GateResult(thin).exit_code) == ("insufficient", 0)
    assert (GateResult(thin, fail_on=("insufficient",)).status, GateResult(thin, fail_on=("insufficient",)).exit_code) \
        == ("fail", 1)
    assert GateResult(thin + [CheckResult(c, "pass", "")]).status == "pass"
    assert GateResult(thin + [CheckResult(c, "warn", "")]).status == "warn"
