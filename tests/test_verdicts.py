"""The verdict rule: support minimums, the CI rule, the noise floor from many real-vs-real gaps."""
import math

import numpy as np
import pytest
from scipy.stats import t

from audit.compare import noise_summary, pairwise_entry, per_corpus_entry
from metrics.bias import gender_term_share
from metrics.diversity_lexical import compression_ratio, mattr_corpus
from metrics.registry import REGISTRY
from metrics.result import MetricResult


def R(v, ci=None, n=100, p=None, **details):
    return MetricResult(v, ci=ci, n=n, p_value=p, details=details)


# --- support minimums fire below them, and only below them ------------------------------------------
def test_gender_share_from_one_term_is_insufficient():
    # one female term and no male term in 100 documents: share 1.0, which says nothing
    real = gender_term_share([["she", "went"]] + [["it", "rained"]] * 99)
    synth = gender_term_share([["he", "said"]] * 50 + [["she", "said"]] * 50)
    assert real.value == 1.0 and real.details["gendered_terms"] == 1
    e = per_corpus_entry("gender_term_share", real, synth)
    assert e.verdict == "insufficient"
    assert "real corpus has only 1 gendered-term mention (needs 30)" in e.reason
    assert e.support["real_gendered_terms"] == 1 and e.support["synth_gendered_terms"] == 100
    # at the minimum the rule is silent and the gap is judged
    real30 = gender_term_share([["he"]] * 15 + [["she"]] * 15 + [["x"]] * 70)
    assert per_corpus_entry("gender_term_share", real30, synth).verdict != "insufficient"


def test_mattr_on_documents_shorter_than_the_window_is_insufficient():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    tweets = [list(rng.choice(words, 12)) for _ in range(97)] + [list(rng.choice(words, 60)) for _ in range(3)]
    long_docs = [list(rng.choice(words, 60)) for _ in range(100)]
    real, synth = mattr_corpus(tweets), mattr_corpus(long_docs)
    assert real.details["share_long_enough"] == pytest.approx(0.03)
    e = per_corpus_entry("mattr_score", real, synth)
    assert e.verdict == "insufficient"
    assert "only 3% of the real corpus's documents at least one window long (needs 50%)" in e.reason
    ok = per_corpus_entry("mattr_score", synth, mattr_corpus(long_docs[:60] + long_docs[:40]))
    assert ok.verdict != "insufficient" and ok.support["real_share_long_enough"] == 1.0


def test_compression_budget_never_makes_long_documents_insufficient():
    # the case from the issue: synthetic documents ten times longer than real ones. The byte budget is
    # what a real half holds, so few synthetic documents fill it; the ratio rests on bytes (chunks), and
    # a handful of long documents is enough support for it.
    rng = np.random.default_rng(1)
    words = [f"word{i}" for i in range(2000)]
    real = [" ".join(rng.choice(words, 30)) for _ in range(252)]
    synth = [" ".join(rng.choice(words, 300)) for _ in range(252)]
    budget = sum(len(t) + 1 for t in real[:126])
    chunk = min(16_384, max(256, budget // 4))
    r = compression_ratio(real, budget_bytes=budget, chunk_bytes=chunk, random_state=0)
    s = compression_ratio(synth, budget_bytes=budget, chunk_bytes=chunk, random_state=0)
    assert s.n < 20  # the old 20-document minimum said "insufficient" here
    e = per_corpus_entry("compression_ratio", r, s)
    assert e.verdict != "insufficient", e.reason
    assert e.support["synth_chunks"] >= 4
    # a stream too short for four chunks still is
    tiny = per_corpus_entry("compression_ratio", R(2.0, n=50, chunks=2), R(2.5, n=50, chunks=2))
    assert tiny.verdict == "insufficient" and "compressed chunks (needs 4)" in tiny.reason


def test_every_registry_support_key_has_words():
    from metrics.registry import SUPPORT_WORDS

    for spec in REGISTRY.values():
        for key, minimum in spec.support:
            assert key in SUPPORT_WORDS, (spec.name, key)
            assert minimum > 0


# --- the CI rule ------------------------------------------------------------------------------------
def test_representation_ci_crossing_the_fail_threshold_does_not_fail():
    # representation_drift: lower is better, warn 0.25, fail 0.50, ideal 0. Value 0.79 with CI
    # [0.41, 1.48]: the point is past 0.50 but the interval reaches 0.41 -> a warning at most.
    e = pairwise_entry("representation_drift", R(0.79, ci=(0.41, 1.48), groups=3), R(0.05, groups=3))
    assert e.verdict == "warn" and "reaches 0.410" in e.reason
    # the interval reaching below the warn threshold too: no verdict at all
    e = pairwise_entry("representation_drift", R(0.79, ci=(0.20, 1.48), groups=3), R(0.05, groups=3))
    assert e.verdict == "ok" and "not conclusive" in e.reason
    # the whole interval past the fail threshold: fail
    e = pairwise_entry("representation_drift", R(0.79, ci=(0.60, 0.95), groups=3), R(0.05, groups=3))
    assert e.verdict == "fail"


def test_pairwise_ci_containing_the_real_vs_real_value_is_ok():
    e = pairwise_entry("classifier_auc_drift", R(0.85, ci=(0.60, 0.95)), R(0.62))
    assert e.verdict == "ok" and "contains the real-vs-real value" in e.reason


def test_pairwise_value_inside_the_real_vs_real_spread_is_ok():
    # 20 real-vs-real AUCs spread 0.5..0.88: a value of 0.85 is what splitting real data gives
    null = list(np.linspace(0.5, 0.88, 20))
    e = pairwise_entry("classifier_auc_drift", R(0.85), null_values=null, noise_method="20 splits")
    assert e.verdict == "ok" and "real-vs-real splits" in e.reason
    assert e.details["noise"]["replicates"] == 20


# --- noise floor from many gaps ---------------------------------------------------------------------
def test_noise_summary_hand_computed():
    few = noise_summary([0.1, -0.2, 0.2], "three splits")
    rms = math.sqrt((0.01 + 0.04 + 0.04) / 3)
    assert few["floor"] == pytest.approx(t.ppf(0.975, 3) * rms)
    many = noise_summary([i / 100 for i in range(-50, 50)], "bootstrap")  # |gap| 0..0.5
    assert many["floor"] == pytest.approx(np.quantile(np.abs(np.arange(-50, 50) / 100), 0.95))
    one = noise_summary([0.03], "one split")
    assert one["floor"] == pytest.approx(0.06)


def test_a_gap_inside_the_noise_distribution_is_not_a_fail():
    # the case: one split gave a floor of 0.016, but real-vs-real gaps are typically 0.06 and
    # reach 0.16. A gap of 0.12 between shares is then noise.
    real, synth = R(0.18, n=100, gendered_terms=400), R(0.30, n=100, gendered_terms=400)
    one = per_corpus_entry("gender_term_share", real, synth, R(0.18), R(0.188))
    assert one.verdict == "fail"  # what one split said
    rng = np.random.default_rng(0)
    gaps = rng.normal(0, 0.08, 200)
    many = per_corpus_entry("gender_term_share", real, synth, null_gaps=gaps, noise_method="bootstrap")
    assert many.verdict == "ok" and "noise floor" in many.reason
    assert many.noise_floor == pytest.approx(np.quantile(np.abs(gaps), 0.95))
    assert many.details["noise"]["replicates"] == 200


def test_a_row_is_frozen_and_changed_only_as_a_copy():
    """The verdict is decided where the row is built; later steps (BH, coverage) make changed copies."""
    import dataclasses

    from audit.compare import insufficient, lift, per_corpus_entry
    from metrics.result import MetricResult

    row = per_corpus_entry("distinct_2_score", MetricResult(0.5, n=100), MetricResult(0.3, n=100),
                           MetricResult(0.5, n=50), MetricResult(0.5, n=50))
    assert row.verdict == "fail" and row.details["effect"]["value"] > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.verdict = "ok"
    lifted = lift(row, "not significant")
    assert (row.verdict, lifted.verdict) == ("fail", "ok") and lifted.reason.endswith("; not significant")
    assert row.details["effect"]["value"] > 0 and lifted.details["effect"]["value"] == 0.0  # the original keeps its own
    gone = insufficient(row, "n/a: too few", clear=True)
    assert gone.verdict == "insufficient" and gone.real is None and row.real == 0.5
