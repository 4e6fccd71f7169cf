"""The verdict rule of ``audit.compare``, branch by branch, against hand-computed rows.

Each test registers its own metric spec (``monkeypatch`` on the registry), so thresholds are known exactly
and the tests do not move when the shipped thresholds are tuned. Values are binary-exact (0.125, 0.25,
0.0625...) so a gap that sits *on* a threshold or a noise floor is exactly on it, which makes ``>=`` vs
``>`` observable. Every expected number and reason below is worked out by hand from the rule in the
module docstring (README "What is measured"), never read back from the code.
"""
import math
import warnings
from dataclasses import replace

import pytest
from scipy.stats import t

from audit.compare import check_support, info_entry, insufficient, lift, pairwise_entry, per_corpus_entry
from metrics.registry import REGISTRY, MetricSpec
from metrics.result import MetricResult


@pytest.fixture
def spec(monkeypatch):
    def make(name="t_metric", **kw):
        fields = dict(name=name, family="diversity", title="Test metric", description="what it measures",
                      better="higher", unit="tok", warn=0.125, fail=0.25)
        fields.update(kw)
        s = MetricSpec(**fields)
        monkeypatch.setitem(REGISTRY, name, s)
        return s
    return make


def R(v, ci=None, n=100, p=None, sampled=False, warnings=(), **details):
    return MetricResult(v, ci=ci, n=n, p_value=p, sampled=sampled, details=details, warnings=list(warnings))


def effect(e):
    return e.details["effect"]["value"], e.details["effect"]["low"], e.details["effect"]["high"]


# --- what every row carries ---------------------------------------------------------------------------
def test_every_row_carries_its_spec(spec):
    s = spec()
    p = spec("t_pair", kind="pairwise", better="lower", family="drift", title="Pair", description="d2",
             unit="bits")
    rows = [(per_corpus_entry("t_metric", R(1.0), R(1.0)), s), (pairwise_entry("t_pair", R(0.0)), p),
            (info_entry("t_metric"), s)]
    for e, sp in rows:
        assert (e.family, e.name, e.title, e.description, e.better, e.kind, e.unit) == \
            (sp.family, sp.name, sp.title, sp.description, sp.better, sp.kind, sp.unit)


def test_an_unregistered_metric_is_an_error_naming_it():
    with pytest.raises(KeyError, match="'no_such_metric' is not in metrics.registry.REGISTRY"):
        per_corpus_entry("no_such_metric", R(1.0), R(1.0))


def test_per_corpus_row_fields(spec):
    spec()
    real = R(1.0, ci=(0.875, 1.125), n=100, warnings=["b", "a"], types=7)
    synth = R(1.5, ci=(1.25, 1.75), n=80, sampled=True, warnings=["a", "c"])
    e = per_corpus_entry("t_metric", real, synth, details={"extra": 5})
    assert (e.real, e.synth, e.value, e.delta) == (1.0, 1.5, None, 0.5)
    assert e.ci == {"real": [0.875, 1.125], "synth": [1.25, 1.75]}
    assert e.sample_size == 80 and e.sampled is True
    assert e.warnings == ["a", "b", "c"]
    assert e.details["real"] == {"types": 7} and e.details["synth"] == {} and e.details["extra"] == 5
    assert e.support == {"real_documents": 100, "synth_documents": 80}
    assert e.noise_floor is None and "noise" not in e.details and e.p_value is None
    # a corpus without a count: the other's; neither: none. Neither has details: no real/synth keys
    assert per_corpus_entry("t_metric", R(1.0, n=None), R(1.0, n=80)).sample_size == 80
    bare = per_corpus_entry("t_metric", R(1.0, n=None), R(1.0, n=None), min_n=0)
    assert bare.sample_size is None and "real" not in bare.details and bare.ci == {}
    assert bare.sampled is False
    assert per_corpus_entry("t_metric", R(1.0, sampled=True), R(1.0)).sampled is True


# --- per-corpus metrics: direction, thresholds, size -------------------------------------------------
@pytest.mark.parametrize("synth, verdict, reason", [
    (0.75, "fail", "synthetic 0.750 is 25% lower than real 1.000"),     # size 0.25 = fail: fail
    (0.875, "warn", "synthetic 0.875 is 12% lower than real 1.000"),    # size 0.125 = warn: warn
    (0.9375, "ok", "synthetic 0.938 is 6% lower than real 1.000 (beyond noise, below threshold)"),
    (1.0, "ok", "synthetic 1.000 vs real 1.000: no worse than real"),  # no gap: never judged
    (1.25, "ok", "synthetic 1.250 vs real 1.000: no worse than real"),  # the good direction
])
def test_higher_is_better_thresholds_are_inclusive(spec, synth, verdict, reason):
    spec()
    e = per_corpus_entry("t_metric", R(1.0), R(synth))
    assert (e.verdict, e.reason) == (verdict, reason)


def test_lower_and_closer_directions(spec):
    spec(better="lower")
    e = per_corpus_entry("t_metric", R(1.0), R(1.25))
    assert (e.verdict, e.reason) == ("fail", "synthetic 1.250 is 25% higher than real 1.000")
    assert per_corpus_entry("t_metric", R(1.0), R(0.5)).verdict == "ok"
    spec(better="closer")
    for s, verdict in ((1.25, "fail"), (0.75, "fail"), (1.125, "warn"), (0.875, "warn")):
        e = per_corpus_entry("t_metric", R(1.0), R(s))
        assert e.verdict == verdict and " away from real 1.000" in e.reason


def test_absolute_thresholds_and_a_zero_real_value(spec):
    spec(better="lower", absolute=True)
    e = per_corpus_entry("t_metric", R(2.0), R(2.25))  # relative 12.5%, but absolute 0.25: fail
    assert (e.verdict, e.reason) == ("fail", "synthetic 2.250 is 0.250 higher than real 2.000")
    spec("t_rel", better="lower")
    e = per_corpus_entry("t_rel", R(0.0), R(0.5))  # relative to ~0 (1e-12): any rise is a fail
    shown = e.reason.removeprefix("synthetic 0.500 is ").removesuffix("% higher than real 0.000")
    assert e.verdict == "fail" and float(shown) > 1e13


def test_a_missing_threshold_never_fires(spec):
    spec(warn=None)  # fail only
    assert per_corpus_entry("t_metric", R(1.0), R(0.875)).verdict == "ok"
    assert per_corpus_entry("t_metric", R(1.0), R(0.75)).verdict == "fail"
    spec("t_warn_only", fail=None)  # warn only: a large gap is still a warning
    assert per_corpus_entry("t_warn_only", R(1.0), R(0.125)).verdict == "warn"


def test_numbers_in_reasons(spec):
    spec()
    assert per_corpus_entry("t_metric", R(2000.0), R(1000.0)).reason == \
        "synthetic 1e+03 is 50% lower than real 2e+03"  # from 1000 up: 3 significant digits
    assert per_corpus_entry("t_metric", R(999.0), R(500.0)).reason == \
        "synthetic 500.000 is 50% lower than real 999.000"
    assert per_corpus_entry("t_metric", R(0.0004), R(0.0002)).reason == \
        "synthetic 0.0002 is 50% lower than real 0.0004"  # below 0.001 too
    assert per_corpus_entry("t_metric", R(0.5), R(0.0)).reason == \
        "synthetic 0.000 is 100% lower than real 0.500"  # 0 is "0.000", not "0"


# --- the effect (how far towards the fail threshold) -------------------------------------------------
def test_effect_is_the_gap_over_the_fail_threshold_with_the_noise_as_range(spec):
    spec()
    # halves 0.5 / 0.5625: one split, floor = 2 x 0.0625 = 0.125; gap 0.25 over fail 0.25 x |real| 1
    e = per_corpus_entry("t_metric", R(1.0), R(0.75), R(0.5), R(0.5625))
    assert effect(e) == (1.0, 0.5, 1.5)
    assert e.noise_floor == 0.125
    # at the fail threshold, but only half-way to it beyond the noise floor: a warning (the next test too)
    assert (e.verdict, e.reason) == ("warn", "synthetic 0.750 is 25% lower than real 1.000, past the fail "
                                             "threshold (25%), but 12% once the real corpus's noise floor "
                                             "(0.125) is taken off, short of it: warn only")
    assert e.details["noise"] == {"method": "one split of the real sample into two halves", "replicates": 1,
                                  "rule": "twice the one split's gap", "floor": 0.125,
                                  "median_gap": 0.0625, "max_gap": 0.0625}
    assert e.p_value is None  # one split gives no p-value
    # no noise: no range
    assert effect(per_corpus_entry("t_metric", R(1.0), R(0.75))) == (1.0, 1.0, 1.0)
    # relative to |real| = 2: gap 0.25 is 12.5%, half-way to fail
    assert effect(per_corpus_entry("t_metric", R(2.0), R(1.75))) == (0.5, 0.5, 0.5)
    # the good direction: no effect
    assert effect(per_corpus_entry("t_metric", R(1.0), R(1.25))) == (0.0, 0.0, 0.0)


def test_effect_scale_falls_back_to_warn_then_one(spec):
    spec(fail=None)
    assert effect(per_corpus_entry("t_metric", R(1.0), R(0.75))) == (2.0, 2.0, 2.0)  # 0.25 / 0.125
    spec("t_none", fail=None, warn=None)
    assert effect(per_corpus_entry("t_none", R(1.0), R(0.75))) == (0.25, 0.25, 0.25)
    spec("t_abs", absolute=True, better="lower")
    assert effect(per_corpus_entry("t_abs", R(2.0), R(2.25))) == (1.0, 1.0, 1.0)


# --- per-corpus metrics: the noise floor and the CIs --------------------------------------------------
def test_a_gap_equal_to_the_noise_floor_is_chance(spec):
    spec()
    e = per_corpus_entry("t_metric", R(1.0), R(0.875), R(0.5), R(0.5625))  # gap 0.125 = floor 0.125
    assert (e.verdict, e.reason) == ("ok", "gap 0.125 is within the real corpus's noise floor (0.125)")
    assert effect(e) == (0.0, 0.0, 1.0)  # counted as none; the range keeps gap + floor = 0.25 / 0.25
    beyond = per_corpus_entry("t_metric", R(1.0), R(0.625), R(0.5), R(0.5625), noise_method="my split")
    assert beyond.verdict == "fail" and beyond.details["noise"]["method"] == "my split"
    assert beyond.reason == "synthetic 0.625 is 38% lower than real 1.000"  # 0.375 - 0.125 = the threshold


@pytest.mark.parametrize("synth, verdict", [
    (0.625, "fail"),    # gap 0.375, minus the floor 0.125: 0.25, the fail threshold (25% of |real|)
    (0.6875, "warn"),   # gap 0.3125, past fail; minus the floor 0.1875, not
    (0.75, "warn"),     # gap 0.25, at fail; minus the floor 0.125
    (0.8125, "warn"),   # gap 0.1875: past warn (10%), not fail
])
def test_a_per_corpus_fail_needs_the_gap_beyond_the_noise_to_reach_the_threshold(spec, synth, verdict):
    spec()
    e = per_corpus_entry("t_metric", R(1.0), R(synth), R(0.5), R(0.5625))  # floor 0.125
    assert e.verdict == verdict
    assert e.reason.endswith("warn only") == (verdict == "warn" and synth <= 0.75)
    spec("t_abs", absolute=True, better="lower")  # absolute: the same on the gap itself
    e = per_corpus_entry("t_abs", R(0.0), R(0.3125), R(0.5), R(0.5625))
    assert (e.verdict, e.reason) == ("warn", "synthetic 0.312 is 0.312 higher than real 0.000, past the fail "
                                             "threshold (0.250), but 0.188 once the real corpus's noise floor "
                                             "(0.125) is taken off, short of it: warn only")
    # no noise measured: the point alone decides, as before
    assert per_corpus_entry("t_metric", R(1.0), R(0.75)).verdict == "fail"


def test_halves_without_values_give_no_noise(spec):
    spec()
    for a, b in ((R(None), R(0.5)), (R(0.5), R(None)), (R(0.5), None), (None, R(0.5))):
        e = per_corpus_entry("t_metric", R(1.0), R(0.875), a, b)
        assert e.noise_floor is None and "noise" not in e.details and e.verdict == "warn"


def test_several_gaps_replace_the_one_split_and_give_a_p_value(spec):
    spec()
    gaps = [0.0625, -0.0625, 0.03125, -0.03125]
    rms = math.sqrt((2 * 0.0625 ** 2 + 2 * 0.03125 ** 2) / 4)
    e = per_corpus_entry("t_metric", R(1.0), R(0.75), R(0.5), R(0.5625), null_gaps=gaps, noise_method="4 splits")
    assert e.details["noise"]["replicates"] == 4 and e.details["noise"]["method"] == "4 splits"
    assert e.noise_floor == pytest.approx(t.ppf(0.975, 4) * rms)
    assert e.p_value == pytest.approx(t.sf(0.25 / rms, 4))  # one-sided: the bad direction only
    spec("t_closer", better="closer")
    e = per_corpus_entry("t_closer", R(1.0), R(1.25), null_gaps=gaps)
    assert e.p_value == pytest.approx(2 * t.sf(0.25 / rms, 4))  # either direction is bad
    assert e.details["noise"]["method"] == ""
    two = per_corpus_entry("t_metric", R(1.0), R(0.75), null_gaps=[0.0625, -0.0625])  # two: a p-value
    assert two.p_value == pytest.approx(t.sf(0.25 / 0.0625, 2))


def test_touching_confidence_intervals_overlap(spec):
    spec()
    touching = per_corpus_entry("t_metric", R(1.0, ci=(0.875, 1.125)), R(0.75, ci=(0.5, 0.875)))
    assert (touching.verdict, touching.reason) == ("ok", "gap 0.250: confidence intervals overlap")
    apart = per_corpus_entry("t_metric", R(1.0, ci=(0.875, 1.125)), R(0.75, ci=(0.5, 0.8125)))
    assert apart.verdict == "fail"
    inside = per_corpus_entry("t_metric", R(1.0, ci=(0.5, 1.5)), R(0.75, ci=(0.625, 0.875)))
    assert inside.verdict == "ok"
    spec("t_low", better="lower")
    touching = per_corpus_entry("t_low", R(1.0, ci=(0.875, 1.125)), R(1.25, ci=(1.125, 1.5)))
    assert touching.verdict == "ok" and "overlap" in touching.reason
    # one CI only: nothing to compare
    assert per_corpus_entry("t_metric", R(1.0, ci=(0.5, 1.5)), R(0.75)).verdict == "fail"
    assert per_corpus_entry("t_metric", R(1.0), R(0.75, ci=(0.5, 1.5))).verdict == "fail"


def test_counted_rows_are_not_judged_by_overlapping_intervals(spec):
    # a defect the real corpus never shows: 0 of 255 real documents, 10 of 460 synthetic ones (a planted
    # refusal). The two Wilson intervals overlap (real's upper end ~0.0149 is above synthetic's lower end
    # ~0.0118), yet the counts differ significantly: for a counted row the count test decides, not the overlap.
    from audit.compare import with_count_test
    from metrics.stats import wilson_interval

    spec("t_defect", better="lower", warn=0.005, fail=0.02, absolute=True, family="defects")
    real, synth = R(0 / 255, ci=wilson_interval(0, 255), n=255), R(10 / 460, ci=wilson_interval(10, 460), n=460)
    assert real.ci[1] > synth.ci[0]  # they overlap
    plain = per_corpus_entry("t_defect", real, synth, null_gaps=[0.0] * 8)
    assert plain.verdict == "ok" and "overlap" in plain.reason  # the shortcut, for rows without a count test
    row = with_count_test(per_corpus_entry("t_defect", real, synth, null_gaps=[0.0] * 8, counted=True),
                          0, 255, 10, 460)
    # gap 10/460 = 0.0217 >= fail 0.02, and no noise (the real halves never differ): fail
    assert (row.verdict, row.reason) == ("fail", "synthetic 0.022 is 0.022 higher than real 0.000")
    # its p-value: Fisher's one-sided test, P(all 10 flagged documents fall among the 460 synthetic ones)
    # = C(460, 10) / C(715, 10), the hypergeometric tail worked out by hand
    assert row.p_value == pytest.approx(math.prod((460 - i) / (715 - i) for i in range(10)), rel=1e-9)
    assert 0.01 < row.p_value < 0.013
    # 2 of 460 against 0 of 255: below the fail threshold, past warn, and not significant (Fisher 0.41)
    weak = with_count_test(per_corpus_entry("t_defect", real, R(2 / 460, ci=wilson_interval(2, 460), n=460),
                                            null_gaps=[0.0] * 8, counted=True), 0, 255, 2, 460)
    assert weak.verdict == "ok" and weak.p_value == pytest.approx(460 * 459 / (715 * 714))


# --- per-corpus metrics: no verdict without data ------------------------------------------------------
def test_missing_or_nan_values_are_insufficient(spec):
    spec()
    for r, s in ((None, 1.0), (1.0, None), (math.nan, 1.0)):
        e = per_corpus_entry("t_metric", R(r), R(s))
        assert (e.verdict, e.reason) == ("insufficient", "not enough data to compute on both corpora")
    assert per_corpus_entry("t_metric", R(None), R(1.0)).delta is None
    e = per_corpus_entry("t_metric", R(None, n=5), R(1.0))
    assert (e.verdict, e.reason) == ("insufficient", "too little support: the real corpus has only 5 documents"
                                                     " (needs 20)")


def test_support_below_the_minimum_is_insufficient_whatever_the_gap(spec):
    spec()
    e = per_corpus_entry("t_metric", R(1.0, n=19), R(0.0, n=20))
    assert e.verdict == "insufficient"
    assert e.reason == "too little support: the real corpus has only 19 documents (needs 20)"
    one = per_corpus_entry("t_metric", R(1.0, n=1), R(0.0, n=20))
    assert one.reason == "too little support: the real corpus has only 1 document (needs 20)"  # not "1 documents"
    assert per_corpus_entry("t_metric", R(1.0, n=20), R(0.0, n=20)).verdict == "fail"  # at the minimum
    # min_n replaces the documents minimum
    assert per_corpus_entry("t_metric", R(1.0, n=5), R(0.0, n=5), min_n=5).verdict == "fail"
    e = per_corpus_entry("t_metric", R(1.0, n=30), R(0.0, n=30), min_n=31)
    assert e.reason == ("too little support: the real corpus has only 30 documents (needs 31); "
                        "the synthetic corpus has only 30 documents (needs 31)")


def test_support_words_shares_and_thousands(spec):
    spec(support=(("documents", 2000), ("share_long", 0.5), ("odd_units", 10), ("clusters", 5)))
    real = R(1.0, n=1234, share_long=0.875, odd_units=3, clusters="many")  # a non-number is no support
    synth = R(1.0, n=5000, share_long=0.45, odd_units=12, clusters=2)
    e = per_corpus_entry("t_metric", real, synth)
    assert e.reason == ("too little support: the real corpus has only 1,234 documents (needs 2,000); "
                        "only 45% of the synthetic corpus's share long (needs 50%); "
                        "the real corpus has only 3 odd units (needs 10); "
                        "the synthetic corpus has only 2 clusters (needs 5)")
    assert e.support == {"real_documents": 1234, "synth_documents": 5000, "real_share_long": 0.875,
                         "synth_share_long": 0.45, "real_odd_units": 3, "synth_odd_units": 12,
                         "synth_clusters": 2}
    # a share shown as a percentage of 100, not 101: 0.9 is "90%"
    spec("t_share", support=(("share_long", 0.95),))
    e = per_corpus_entry("t_share", R(1.0, share_long=0.9), R(1.0, share_long=1.0))
    assert e.reason == "too little support: only 90% of the real corpus's share long (needs 95%)"


def test_documents_count_from_details_overrides_n(spec):
    spec()
    e = per_corpus_entry("t_metric", R(1.0, n=100, documents=10), R(1.0, n=100))
    assert e.verdict == "insufficient" and e.support["real_documents"] == 10


# --- pairwise metrics -----------------------------------------------------------------------------------
@pytest.fixture
def pair(spec):
    return spec("t_pair", kind="pairwise", better="lower", family="drift")


@pytest.mark.parametrize("v, verdict, reason", [
    (0.25, "fail", "0.250, past the fail threshold 0.250"),
    (0.1875, "warn", "0.188, past the warn threshold 0.125"),
    (0.125, "warn", "0.125, past the warn threshold 0.125"),
    (0.0625, "ok", "0.062, below thresholds"),
])
def test_pairwise_thresholds_lower_is_better(pair, v, verdict, reason):
    e = pairwise_entry("t_pair", R(v))
    assert (e.verdict, e.reason) == (verdict, reason)


@pytest.mark.parametrize("v, verdict", [(0.5, "fail"), (0.625, "warn"), (0.75, "warn"), (0.875, "ok")])
def test_pairwise_thresholds_higher_is_better(spec, v, verdict):
    spec("t_hi", kind="pairwise", better="higher", warn=0.75, fail=0.5)
    assert pairwise_entry("t_hi", R(v)).verdict == verdict


def test_pairwise_row_fields(pair):
    e = pairwise_entry("t_pair", R(0.0, ci=(0.0, 0.125), n=42, p=0.01, sampled=True, warnings=["w"], k=3),
                       details={"extra": 1})
    assert (e.value, e.real, e.synth, e.p_value, e.sample_size, e.sampled) == (0.0, None, None, 0.01, 42, True)
    assert e.ci == {"value": [0.0, 0.125]} and e.warnings == ["w"]
    assert e.details["k"] == 3 and e.details["extra"] == 1
    assert e.support == {"documents": 42}  # the pair's own support: no side prefix
    plain = pairwise_entry("t_pair", R(0.0))
    assert plain.ci == {} and plain.sampled is False and plain.p_value is None


def test_pairwise_closer_is_refused(spec):
    spec("t_closer_pair", kind="pairwise", better="closer")
    with pytest.raises(ValueError, match="^pairwise metrics must be 'lower' or 'higher' is better$"):
        pairwise_entry("t_closer_pair", R(0.5))


def test_pairwise_without_a_value_or_support_is_insufficient(pair):
    e = pairwise_entry("t_pair", R(None))
    assert (e.verdict, e.reason) == ("insufficient", "not enough data to compute")
    e = pairwise_entry("t_pair", R(None, n=3))
    assert (e.verdict, e.reason) == ("insufficient", "too little support: the pair has only 3 documents "
                                                     "(needs 20)")
    e = pairwise_entry("t_pair", R(0.5, n=3))
    assert (e.verdict, e.reason) == ("insufficient", "too little support: the pair has only 3 documents "
                                                     "(needs 20)")
    assert pairwise_entry("t_pair", R(0.5, n=3), min_n=3).verdict == "fail"


def test_pairwise_against_the_real_vs_real_value(pair):
    e = pairwise_entry("t_pair", R(0.25), R(0.0625))
    assert e.noise_floor == 0.0625
    assert (e.verdict, e.reason) == ("fail", "0.250 vs real-vs-real 0.062, past the fail threshold 0.250")
    # no ideal: the thresholds apply to the value itself; effect measured from the real-vs-real value
    assert effect(e) == (1.0, 1.0, 1.0)  # (0.25 - 0.0625) / (0.25 - 0.0625)
    same = pairwise_entry("t_pair", R(0.0625), R(0.0625))
    assert (same.verdict, same.reason) == ("ok", "0.062 is no worse than real-vs-real (0.062)")
    assert pairwise_entry("t_pair", R(0.3125)).details.get("effect") is None  # nothing to measure from


def test_pairwise_effect_undefined_when_the_threshold_is_not_past_the_base(pair):
    e = pairwise_entry("t_pair", R(0.3125), R(0.25))  # base 0.25 = fail threshold: no span
    assert e.verdict == "fail" and "effect" not in e.details
    e = pairwise_entry("t_pair", R(0.5), R(0.375))  # base beyond the threshold
    assert e.verdict == "fail" and "effect" not in e.details


def test_pairwise_ideal_removes_the_small_sample_bias(spec):
    spec("t_div", kind="pairwise", better="lower", ideal=0.0)
    # real-vs-real 0.0625 above the ideal 0: judged 0.3125 - 0.0625 = 0.25, on the fail threshold
    e = pairwise_entry("t_div", R(0.3125, ci=(0.3125, 0.5)), R(0.0625))
    assert (e.verdict, e.reason) == ("fail", "0.312 vs real-vs-real 0.062 (chance-corrected 0.250), "
                                             "past the fail threshold 0.250")
    assert effect(e) == (1.0, 1.0, 1.75)  # CI shifted by the bias: (0.25, 0.4375) over span 0.25
    # the interval's good end, corrected too, only reaches a warning; the reason gives both ends, since the
    # raw 0.250 alone would read as on the fail threshold
    e = pairwise_entry("t_div", R(0.3125, ci=(0.25, 0.5)), R(0.0625))
    assert e.verdict == "warn" and e.reason.endswith("reaches 0.250 (chance-corrected 0.188): warn only")
    assert effect(e) == (1.0, 0.75, 1.75)
    spec("t_auc", kind="pairwise", better="lower", ideal=0.5, warn=0.625, fail=0.75)
    # real-vs-real *better* than the ideal: noise, no bias to remove
    e = pairwise_entry("t_auc", R(0.75), R(0.375))
    assert (e.verdict, e.reason) == ("fail", "0.750 vs real-vs-real 0.375, past the fail threshold 0.750")
    # an ideal and no real-vs-real value: no bias; effect measured from the ideal
    e = pairwise_entry("t_auc", R(0.625))
    assert e.verdict == "warn" and effect(e) == (0.5, 0.5, 0.5)


def test_pairwise_higher_is_better_ideal_and_ci(spec):
    spec("t_prec", kind="pairwise", better="higher", ideal=1.0, warn=0.75, fail=0.5)
    # real-vs-real 0.9375: bias 0.0625; judged 0.4375 + 0.0625 = 0.5, the fail threshold
    e = pairwise_entry("t_prec", R(0.4375, ci=(0.375, 0.4375)), R(0.9375))
    assert e.verdict == "fail" and "(chance-corrected 0.500)" in e.reason
    assert effect(e) == (1.0, 1.0, 1.125)  # span 0.5 from the ideal; CI (0.4375, 0.5) corrected
    # the CI's good end (upper, for higher-is-better) reaches past warn: a warning only
    e = pairwise_entry("t_prec", R(0.4375, ci=(0.375, 0.6875)), R(0.9375))
    assert e.verdict == "warn" and "reaches 0.688 (chance-corrected 0.750): warn only" in e.reason


@pytest.mark.parametrize("ci, verdict, tail", [
    ((0.25, 0.5), "fail", None),                       # the whole CI past fail: fail
    ((0.1875, 0.5), "warn", "reaches 0.188: warn only"),
    ((0.0625, 0.5), "ok", "reaches 0.062: not conclusive"),
])
def test_pairwise_whole_ci_must_be_past_the_threshold(pair, ci, verdict, tail):
    e = pairwise_entry("t_pair", R(0.3125, ci=ci))
    assert e.verdict == verdict
    if tail:
        assert e.reason == (f"0.312, past the fail threshold 0.250, but its 95% CI [{ci[0]:.3f}, 0.500] "
                            f"{tail}")
    else:
        assert e.reason == "0.312, past the fail threshold 0.250"


def test_pairwise_ci_never_raises_a_verdict(pair):
    # a CI that does not even hold its point (a percentile bootstrap can do that) only ever caps
    e = pairwise_entry("t_pair", R(0.0625, ci=(0.3125, 0.5)))
    assert (e.verdict, e.reason) == ("ok", "0.062, below thresholds")


def test_pairwise_effect_falls_back_to_the_warn_threshold(spec):
    spec("t_warn_only", kind="pairwise", better="lower", ideal=0.0, fail=None)
    e = pairwise_entry("t_warn_only", R(0.1875))
    assert e.verdict == "warn" and effect(e) == (1.5, 1.5, 1.5)  # 0.1875 over the span 0.125 from 0


def test_pairwise_ci_on_the_warn_threshold_keeps_the_warning(pair):
    e = pairwise_entry("t_pair", R(0.1875, ci=(0.125, 0.25)))
    assert (e.verdict, e.reason) == ("warn", "0.188, past the warn threshold 0.125")


def test_pairwise_ci_containing_the_real_vs_real_value_at_either_end(spec, pair):
    e = pairwise_entry("t_pair", R(0.3125, ci=(0.0625, 0.5)), R(0.0625))
    assert (e.verdict, e.reason) == ("ok", "0.312: its 95% CI [0.062, 0.500] contains the real-vs-real "
                                           "value 0.062")
    spec("t_hi", kind="pairwise", better="higher", warn=0.75, fail=0.5)
    e = pairwise_entry("t_hi", R(0.25, ci=(0.125, 0.5)), R(0.5))  # real-vs-real on the CI's upper end
    assert e.verdict == "ok" and "contains the real-vs-real value 0.500" in e.reason


def test_pairwise_p_value_at_alpha_is_not_significant(pair):
    e = pairwise_entry("t_pair", R(0.3125, p=0.05))
    assert (e.verdict, e.reason) == ("ok", "0.312, not significant (p = 0.050)")
    assert pairwise_entry("t_pair", R(0.3125, p=0.04)).verdict == "fail"
    assert pairwise_entry("t_pair", R(0.3125, p=0.04), alpha=0.01).verdict == "ok"
    assert pairwise_entry("t_pair", R(0.3125, p=0.5)).verdict == "ok"


def test_pairwise_null_values(pair):
    # 21 real-vs-real values i/32: mean 10/32; 95th percentile at index 19 exactly (20 x 0.95 = 19)
    null = [i / 32 for i in range(21)]
    e = pairwise_entry("t_pair", R(19 / 32), null_values=null, noise_method="21 splits")
    assert e.noise_floor == 10 / 32
    assert e.details["noise"] == {"method": "21 splits", "replicates": 21, "mean": 10 / 32,
                                  "quantile_95": 19 / 32, "min": 0.0, "max": 20 / 32}
    assert (e.verdict, e.reason) == ("ok", "0.594 is within what real-vs-real splits give (95% of 21 splits "
                                           "reach 0.594)")
    e = pairwise_entry("t_pair", R(20 / 32), null_values=null)
    assert e.verdict == "fail" and e.reason == "0.625 vs real-vs-real 0.312, past the fail threshold 0.250"
    # its p-value: Student-t on the centred null values (rms = sqrt(2 x 385 / 21) / 32), 21 df, one-sided
    rms = math.sqrt(2 * 385 / 21) / 32
    assert e.p_value == pytest.approx(t.sf((20 / 32 - 10 / 32) / rms, 21))
    assert e.details["noise"]["method"] == ""


def test_pairwise_null_values_higher_is_better_use_the_5th_percentile(spec):
    spec("t_hi", kind="pairwise", better="higher", warn=0.75, fail=0.5)
    null = [0.5 + i / 64 for i in range(21)]  # mean 0.65625, 5th percentile 0.5 + 1/64 (index 1)
    e = pairwise_entry("t_hi", R(0.5 + 1 / 64), null_values=null)
    assert e.details["noise"]["quantile_95"] == 0.5 + 1 / 64
    assert e.verdict == "ok" and "within what real-vs-real splits give" in e.reason
    e = pairwise_entry("t_hi", R(0.5), null_values=null)
    assert e.verdict == "fail"
    rms = math.sqrt(2 * 385 / 21) / 64
    assert e.p_value == pytest.approx(t.sf((0.65625 - 0.5) / rms, 21))


def test_pairwise_null_values_need_five_for_a_percentile_and_two_for_a_p_value(pair):
    e = pairwise_entry("t_pair", R(0.5), null_values=[0.0, 0.0625, None, math.nan, 0.125, 0.1875, 0.25])
    assert e.details["noise"]["replicates"] == 5 and e.details["noise"]["quantile_95"] is not None
    four = pairwise_entry("t_pair", R(0.5), null_values=[0.0, 0.0625, 0.125, 0.1875])
    assert four.details["noise"]["quantile_95"] is None and four.verdict == "fail"
    assert four.p_value is not None
    one = pairwise_entry("t_pair", R(0.5), null_values=[0.0625])
    assert one.details["noise"]["replicates"] == 1 and one.p_value is None and one.noise_floor == 0.0625
    none = pairwise_entry("t_pair", R(0.5), R(0.0625), null_values=[None, math.nan])
    assert "noise" not in none.details and none.noise_floor == 0.0625  # the baseline stands
    two = pairwise_entry("t_pair", R(0.5), null_values=[0.0, 0.125])  # two values: enough for a p-value
    assert two.p_value == pytest.approx(t.sf((0.5 - 0.0625) / 0.0625, 2))  # rms of +-0.0625 is 0.0625
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning from an empty list of null values
        assert pairwise_entry("t_pair", R(0.5), null_values=[math.nan]).p_value is None
    given = pairwise_entry("t_pair", R(0.5, p=0.001), null_values=[0.0, 0.0625, 0.125])
    assert given.p_value == 0.001  # the metric's own test wins


# --- info rows and lifting ---------------------------------------------------------------------------
def test_info_entry(spec):
    spec()
    e = info_entry("t_metric", R(3.0), real=R(1.0), synth=R(2.0), reason="for context", details={"k": 1})
    assert (e.verdict, e.reason, e.value, e.real, e.synth, e.details) == ("info", "for context", 3.0, 1.0, 2.0,
                                                                          {"k": 1})
    bare = info_entry("t_metric")
    assert (bare.verdict, bare.reason, bare.value, bare.real, bare.synth, bare.details) == \
        ("info", "", None, None, None, {})


def test_lift_turns_a_flag_into_chance_and_keeps_the_reason(spec):
    spec()
    e = per_corpus_entry("t_metric", R(1.0), R(0.625), R(0.5), R(0.5625))
    assert e.verdict == "fail"
    lifted = lift(e, "q = 0.3 after Benjamini-Hochberg")  # a changed copy: the row itself is frozen
    assert lifted.verdict == "ok" and e.verdict == "fail"
    assert lifted.reason == "synthetic 0.625 is 38% lower than real 1.000; q = 0.3 after Benjamini-Hochberg"
    assert effect(lifted) == (0.0, 0.0, 2.0)



def test_check_support_skips_a_side_without_a_result(spec):
    s = spec()
    assert check_support(s, {"real": None, "synth": R(1.0, n=5)}) == (
        {"synth_documents": 5}, "too little support: the synthetic corpus has only 5 documents (needs 20)")
    assert check_support(s, {"real": R(1.0, n=20), "synth": R(1.0, n=20)}) == (
        {"real_documents": 20, "synth_documents": 20}, None)


def test_scope_support_and_a_given_p_value_are_stated_as_given(spec, pair):
    spec()
    gaps = [0.0625, -0.0625, 0.03125, -0.03125]
    e = per_corpus_entry("t_metric", R(1.0), R(0.75), null_gaps=gaps, p_value=0.5, scope="full",
                         support={"real_tokens": 9})
    assert e.p_value == 0.5 and e.scope == "full" and e.support["real_tokens"] == 9
    assert per_corpus_entry("t_metric", R(1.0), R(0.75), null_gaps=gaps).p_value is not None  # the noise's
    assert pairwise_entry("t_pair", R(0.0), scope="sample").scope == "sample"


def test_chance_rows_keep_the_range_of_their_effect(spec, pair):
    spec()
    overlap = per_corpus_entry("t_metric", R(1.0, ci=(0.875, 1.125)), R(0.75, ci=(0.5, 0.875)))
    assert overlap.verdict == "ok" and effect(overlap) == (0.0, 0.0, 1.0)
    # pairwise, effect measured from the real-vs-real value 0.0625 over the span 0.25 - 0.0625
    for e in (pairwise_entry("t_pair", R(0.0625), R(0.0625)),                          # no worse
              pairwise_entry("t_pair", R(0.25, p=0.5), R(0.0625)),                     # not significant
              pairwise_entry("t_pair", R(0.25, ci=(0.0625, 0.5)), R(0.0625))):         # CI holds it
        assert e.verdict == "ok" and e.details["effect"]["value"] == 0.0 and e.details["effect"]["low"] == 0.0
    assert effect(pairwise_entry("t_pair", R(0.25, p=0.5), R(0.0625)))[2] == 1.0
    null = [i / 64 for i in range(21)]  # mean 10/64 under the fail threshold; 95th percentile 19/64
    e = pairwise_entry("t_pair", R(19 / 64), null_values=null)
    assert e.verdict == "ok" and "within what real-vs-real splits give" in e.reason
    assert e.details["effect"]["value"] == 0.0 and e.details["effect"]["high"] > 0


def test_insufficient_copies_the_row_without_a_verdict(spec, pair):
    spec()
    e = per_corpus_entry("t_metric", R(1.0, ci=(0.875, 1.125)), R(0.625, ci=(0.5, 0.75)), R(0.5), R(0.5625))
    kept = insufficient(e, "too few halves")
    assert (kept.verdict, kept.reason, kept.real, kept.synth, kept.noise_floor) == \
        ("insufficient", "too few halves", 1.0, 0.625, 0.125)
    assert e.verdict == "fail"  # the original row is untouched
    gone = insufficient(e, "n/a: English only", clear=True, support={"real_english": 3})
    assert (gone.real, gone.synth, gone.value, gone.delta, gone.noise_floor, gone.p_value, gone.p_adjusted,
            gone.ci) == (None, None, None, None, None, None, None, {})
    assert gone.reason == "n/a: English only" and gone.support == {"real_english": 3}
    pair = replace(pairwise_entry("t_pair", R(0.3125, ci=(0.25, 0.5), p=0.01)), p_adjusted=0.02)
    gone = insufficient(pair, "n/a", clear=True)
    assert (gone.value, gone.p_value, gone.p_adjusted, gone.ci) == (None, None, None, {})


def test_a_count_row_keeps_fishers_p_when_the_real_corpus_has_no_event(spec):
    """Toxic-language, personal-data and duplicate rows: with no flagged real document every noise gap is 0,
    so the noise test alone gives p = 0 for one flagged synthetic document. The row's p-value is the larger of
    that and Fisher's one-sided exact test on the counts (hand-computed: 1 flagged of 900, 450 synthetic:
    P(it is synthetic) = 450/900 = 0.5; 3 flagged, all synthetic: (450·449·448)/(900·899·898) = 0.1246)."""
    from audit.compare import count_test_of_shares

    spec("t_rate", better="lower", absolute=True, warn=5.0, fail=20.0)
    gaps = [0.0] * 200  # a real corpus without any event: every resample's gap is 0
    e = per_corpus_entry("t_rate", R(0.0, n=450), R(1000 / 450, n=450), null_gaps=gaps, noise_method="bootstrap")
    assert e.p_value == 0.0  # the trap
    fixed = count_test_of_shares(e, R(0.0, n=450), R(1000 / 450, n=450), per=1000)
    assert fixed.p_value == pytest.approx(0.5)
    three = count_test_of_shares(e, R(0.0, n=450), R(3000 / 450, n=450), per=1000)
    assert three.p_value == pytest.approx(450 * 449 * 448 / (900 * 899 * 898))
    # a share of documents (per = 1): 5 of 100 against none, and nothing flagged on either side: no p-value
    assert count_test_of_shares(e, R(0.0, n=100), R(0.05, n=100)).p_value == pytest.approx(
        100 * 99 * 98 * 97 * 96 / (200 * 199 * 198 * 197 * 196))
    assert count_test_of_shares(e, R(0.0, n=100), R(0.0, n=100)).p_value is None
