"""The real corpus's own noise: the split-half and bootstrap gaps (``audit.noise``) and the floor and
p-value made from them (``audit.compare.noise_summary`` / ``noise_p_value``), against hand-computed
values and the statistics they must have (sizes, disjointness, seeding, the bootstrap's variance)."""
import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.stats import t

from audit.compare import noise_p_value, noise_summary
from audit.noise import (BOOTSTRAP_REPLICATES, bootstrap_gaps, bootstrap_method, ratio_of_sums, real_split,
                         split_gaps, split_method, splits_for)

TEXTS = [f"document number {i} says {'word ' * (i % 7)}" for i in range(41)]


# --- how many splits ---------------------------------------------------------------------------------
@pytest.mark.parametrize("option, plain, slow", [(None, 4, 2), (7, 7, 2), ("3", 3, 2), (1, 1, 1), (0, 1, 1),
                                                 (-2, 1, 1)])
def test_splits_for_caps_the_slow_metrics(option, plain, slow):
    ctx = SimpleNamespace(options={} if option is None else {"noise_splits": option})
    assert splits_for(ctx, "distinct_2_score") == plain
    for name in ("self_bleu_rate", "homogenization_rate", "self_repetition_rate", "vendi_score"):
        assert splits_for(ctx, name) == slow


def test_split_and_bootstrap_method_words():
    assert split_method(4, 1234) == "4 random half-vs-half splits of the real sample (1,234 vs 1,234 documents)"
    assert split_method(1, 5) == "one random split of the real sample into halves (5 vs 5 documents)"
    assert split_method(2, 5) == "2 random half-vs-half splits of the real sample (5 vs 5 documents)"
    assert bootstrap_method(1000, 2500) == ("200 document-bootstrap resamples of the real corpus, 1,000 vs "
                                            "2,500 documents (the compared sizes)")
    assert bootstrap_method(10, 20, 50).startswith("50 document-bootstrap resamples")
    assert BOOTSTRAP_REPLICATES == 200


# --- the j-th real split -----------------------------------------------------------------------------
def test_real_split_zero_is_the_context_halves(make_ctx):
    ctx = make_ctx(TEXTS, TEXTS[:10])
    a, b = real_split(ctx, 0)
    assert a is ctx.real_a and b is ctx.real_b


@pytest.mark.parametrize("j", [1, 2, 3])
def test_real_splits_are_disjoint_equal_halves_in_file_order(make_ctx, j):
    ctx = make_ctx(TEXTS, TEXTS[:10])
    a, b = real_split(ctx, j)
    assert len(a) == len(b) == 20  # 41 documents: 20 + 20, one left out
    assert (a.name, b.name) == ("real_a", "real_b")
    ia, ib = list(a.indices), list(b.indices)
    assert ia == sorted(ia) and ib == sorted(ib) and not set(ia) & set(ib)
    assert a.texts == [TEXTS[i] for i in ia] and b.texts == [TEXTS[i] for i in ib]
    assert real_split(ctx, j) is real_split(ctx, j)  # made once per context


def test_real_splits_differ_from_each_other_and_follow_content_and_seed(make_ctx):
    ctx = make_ctx(TEXTS, TEXTS[:10])
    halves = [set(real_split(ctx, j)[0].texts) for j in range(4)]
    assert all(halves[i] != halves[j] for i in range(4) for j in range(i))
    shuffled = make_ctx(TEXTS[::-1], TEXTS[:10])  # same documents, another order: same halves
    for j in range(1, 4):
        assert set(real_split(shuffled, j)[0].texts) == halves[j]
    other_seed = make_ctx(TEXTS, TEXTS[:10], seed=1)
    assert set(real_split(other_seed, 1)[0].texts) != halves[1]


def test_split_gaps_are_half_b_minus_half_a(make_ctx):
    ctx = make_ctx(TEXTS, TEXTS[:10])

    def chars(c):
        return float(sum(len(x) for x in c.texts))

    expected = [chars(real_split(ctx, j)[1]) - chars(real_split(ctx, j)[0]) for j in range(3)]
    assert split_gaps(ctx, chars, 3) == expected
    assert split_gaps(ctx, chars, 3, first=(1.0, 3.5)) == [2.5] + expected[1:]  # split 0 given
    assert split_gaps(ctx, chars, 1) == expected[:1]
    # a split where the metric has no finite value is left out
    for bad in (None, math.nan, math.inf):
        assert split_gaps(ctx, chars, 3, first=(bad, 1.0)) == expected[1:]
        assert split_gaps(ctx, chars, 3, first=(1.0, bad)) == expected[1:]


# --- the document bootstrap --------------------------------------------------------------------------
def mean(x):
    return x.mean(axis=1)


def test_bootstrap_gaps_sizes_and_seed():
    v = np.arange(10.0)
    gaps = bootstrap_gaps(v, 25, lambda x: np.full(len(x), float(x.shape[1])), replicates=7)
    assert gaps == [15.0] * 7  # the second resample has the synthetic size, the first the real one
    assert len(bootstrap_gaps(v, 5, mean)) == 200
    assert bootstrap_gaps(v, 5, mean, random_state=3) == bootstrap_gaps(v, 5, mean, random_state=3)
    assert bootstrap_gaps(v, 5, mean, random_state=3) != bootstrap_gaps(v, 5, mean, random_state=4)
    assert bootstrap_gaps(np.full(10, 2.5), 5, mean, replicates=20) == [0.0] * 20
    assert bootstrap_gaps([], 5, mean) == [] and bootstrap_gaps(v, 0, mean) == []


def test_bootstrap_gaps_in_chunks_when_the_index_matrices_are_large():
    # 1,000 + 700,000 documents: two replicates per chunk (bounded memory), still exactly the replicates asked
    size = lambda x: np.full(len(x), float(x.shape[1]))  # noqa: E731
    assert bootstrap_gaps(np.ones(1000), 700_000, size, replicates=3) == [699_000.0] * 3
    assert bootstrap_gaps(np.ones(1000), 2_000_000, size, replicates=2) == [1_999_000.0] * 2  # one per chunk
    gaps = bootstrap_gaps([1, 0, 0], 5, lambda x: x.sum(axis=1), replicates=5)  # integer sums
    assert all(type(g) is float for g in gaps)  # JSON-native floats


def test_bootstrap_gaps_have_the_variance_of_two_independent_resamples():
    # Bernoulli(0.25) values: gap of two resample means has mean 0 and variance p(1-p)(1/n + 1/m)
    v = np.array([1.0, 0.0, 0.0, 0.0] * 25)
    gaps = np.asarray(bootstrap_gaps(v, 300, mean, replicates=2000, random_state=0))
    sd = math.sqrt(0.25 * 0.75 * (1 / 100 + 1 / 300))
    assert abs(gaps.mean()) < 4 * sd / math.sqrt(2000)
    assert gaps.std() == pytest.approx(sd, rel=0.1)
    # every document can be drawn, the first and the last too: sums of 4 + 8 draws from [1, 0, 0, 0]
    # differ by (8 - 4) x 0.25 = 1 on average
    sums = np.asarray(bootstrap_gaps(np.array([1.0, 0.0, 0.0, 0.0]), 8, lambda x: x.sum(axis=1),
                                     replicates=2000, random_state=1))
    assert sums.mean() == pytest.approx(1.0, abs=0.15)
    last = np.asarray(bootstrap_gaps(np.array([0.0, 0.0, 0.0, 1.0]), 8, lambda x: x.sum(axis=1),
                                     replicates=2000, random_state=1))
    assert last.mean() == pytest.approx(1.0, abs=0.15)


def test_ratio_of_sums_hand_computed():
    # three replicates of two documents
    x = np.array([[[1.0, 3.0], [2.0, 2.0]], [[0.0, 0.0], [0.0, 0.0]], [[0.25, 0.0], [0.125, 0.125]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a zero denominator is NaN, without a numpy warning
        r = ratio_of_sums()(x)
    assert r[0] == 0.375 and math.isnan(r[1]) and r[2] == 0.75  # (1 + 2) / 8; -; 0.375 / 0.5
    assert list(ratio_of_sums(1, (1,))(x)[[0, 2]]) == [1.0, 1.0]
    y = np.array([[[1.0, 5.0, 3.0], [1.0, 5.0, 3.0]]])
    assert ratio_of_sums(2, (0, 2))(y)[0] == 6 / 8  # column 1 left out of the denominator
    assert ratio_of_sums(0, (0, 1))(y)[0] == 2 / 12


# --- the noise floor and its p-value --------------------------------------------------------------------
def test_noise_summary_without_usable_gaps():
    assert noise_summary([], "m") == {"method": "m", "replicates": 0, "floor": None}
    assert noise_summary([None, math.nan, math.inf], "m") == {"method": "m", "replicates": 0, "floor": None}


def test_noise_summary_one_gap_is_doubled():
    assert noise_summary([-0.03125, None], "one") == {
        "method": "one", "replicates": 1, "rule": "twice the one split's gap", "floor": 0.0625,
        "median_gap": 0.03125, "max_gap": 0.03125}


def test_noise_summary_few_gaps_student_t_bound():
    rms = math.sqrt((0.125 ** 2 + 0.375 ** 2 + 0.25 ** 2) / 3)
    s = noise_summary([0.125, -0.375, 0.25, math.nan], "three")
    assert s == {"method": "three", "replicates": 3, "rule": "t(0.975, 3) x rms gap",
                 "floor": pytest.approx(t.ppf(0.975, 3) * rms), "median_gap": 0.25, "max_gap": 0.375}


def test_noise_summary_percentile_from_forty_gaps():
    # 40 gaps -20/64 .. 19/64: sorted |gap| is 0, 1, 1, 2, 2, ..., 19, 19, 20 (/64); the 95th percentile
    # sits at index 39 x 0.95 = 37.05, between two 19s: 19/64
    forty = noise_summary([i / 64 for i in range(-20, 20)], "bootstrap")
    assert forty["rule"] == "95th percentile of |gap|" and forty["replicates"] == 40
    assert forty["floor"] == pytest.approx(19 / 64)
    # one fewer: still the Student-t bound
    gaps = [i / 64 for i in range(-19, 20)]
    rms = math.sqrt(sum(g * g for g in gaps) / 39)
    nine = noise_summary(gaps, "bootstrap")
    assert nine["rule"] == "t(0.975, 39) x rms gap" and nine["floor"] == pytest.approx(t.ppf(0.975, 39) * rms)


def test_noise_p_value_student_t_on_the_rms_gap():
    assert noise_p_value(None, 1.0, False) is None
    assert noise_p_value([0.125], 1.0, False) is None
    assert noise_p_value([0.125, None, math.nan], 1.0, False) is None  # one usable gap
    gaps = [0.125, -0.125, 0.25, -0.25, None]
    rms = math.sqrt((2 * 0.125 ** 2 + 2 * 0.25 ** 2) / 4)
    assert noise_p_value(gaps, 0.5, False) == pytest.approx(t.sf(0.5 / rms, 4))
    assert noise_p_value(gaps, 0.5, True) == pytest.approx(2 * t.sf(0.5 / rms, 4))
    assert noise_p_value(gaps, -0.5, False) == pytest.approx(t.sf(-0.5 / rms, 4))  # ~0.99: no evidence
    assert noise_p_value(gaps, -0.5, True) == 1.0  # 2 x 0.99 capped at 1
    assert noise_p_value(gaps, 0.25, False) > noise_p_value(gaps, 0.5, False)


def test_noise_p_value_when_the_real_corpus_never_moves():
    assert noise_p_value([0.0, 0.0], 0.125, False) == 0.0  # any bad gap is beyond a noise of exactly 0
    assert noise_p_value([0.0, 0.0], 0.0, False) == 1.0
    assert noise_p_value([0.0, 0.0], -0.125, True) == 1.0