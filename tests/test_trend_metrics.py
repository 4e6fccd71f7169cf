"""The trend tests (metrics/trend.py) against hand-computed cases and brute-force references, and the
collapse simulator's Gaussian chain against its closed form (Shumailov et al., Nature 2024)."""
import itertools
import math

import numpy as np
import pytest

from audit.simulate import NgramModel, collapse_chain, gaussian_chain
from metrics.text import tokenize
from metrics.trend import first_outside, longest_worsening_run, mann_kendall, tail_survival_by_band


def _s(y):
    return sum(np.sign(y[j] - y[i]) for i in range(len(y)) for j in range(i + 1, len(y)))


def test_mann_kendall_hand_computed_monotone_series():
    t = mann_kendall([5.0, 4.0, 3.0, 2.0, 1.0])
    assert t.s == -10 and t.tau == pytest.approx(-1.0)
    assert t.p_decreasing == pytest.approx(1 / 120)  # only one of the 5! orders is this extreme
    assert t.p_increasing == pytest.approx(1.0)
    assert t.slope == pytest.approx(-1.0)


def test_mann_kendall_exact_p_equals_brute_force_permutations():
    y = [0.3, 0.1, 0.25, 0.05, 0.02, 0.04]
    s_obs = _s(y)
    perms = list(itertools.permutations(y))
    p_dec = sum(_s(p) <= s_obs for p in perms) / len(perms)
    p_inc = sum(_s(p) >= s_obs for p in perms) / len(perms)
    t = mann_kendall(y)
    assert t.s == s_obs
    assert t.p_decreasing == pytest.approx(p_dec)
    assert t.p_increasing == pytest.approx(p_inc)


def test_theil_sen_slope_is_the_median_of_pairwise_slopes():
    # slopes of (0,1) (1,3) (2,2) (3,5): 2, .5, 4/3, -1, 1, 3 -> median (1 + 4/3) / 2
    t = mann_kendall([1.0, 3.0, 2.0, 5.0])
    assert t.slope == pytest.approx((1 + 4 / 3) / 2)
    assert t.slope_ci[0] <= t.slope <= t.slope_ci[1]


def test_mann_kendall_skips_missing_and_refuses_too_little():
    assert mann_kendall([1.0, None, 2.0]) is None  # two finite values
    assert mann_kendall([2.0, 2.0, 2.0, 2.0]) is None  # no variation: nothing to test
    t = mann_kendall([None, 3.0, float("nan"), 2.0, 1.0])
    assert t.n == 3 and t.s == -3


def test_first_outside_and_sustained():
    v = [0.5, 0.45, 0.52, 0.3, 0.2, 0.1]
    assert first_outside(v, 0.4, None) == 3
    assert first_outside([0.5, 0.3, 0.5, 0.3, 0.2], 0.4, None) == 1
    assert first_outside([0.5, 0.3, 0.5, 0.3, 0.2], 0.4, None, sustained=True) == 3  # the dip at 1 came back
    assert first_outside([0.5, 0.6], 0.4, 0.7) is None


def test_longest_worsening_run_with_noise_tolerance():
    v = [1.0, 0.9, 0.8, 0.85, 0.7, 0.6, 0.5]
    assert longest_worsening_run(v, "higher") == 3
    assert longest_worsening_run(v, "lower") == 1
    assert longest_worsening_run(v, "higher", tolerance=0.12) == 1  # only 0.85 -> 0.7 is beyond the noise
    assert longest_worsening_run(v, "higher", tolerance=0.16) == 0
    assert longest_worsening_run([1.0, None, 0.9, 0.8], "higher") == 2


def test_tail_survival_by_band_hand_computed():
    ref = [["alpha", "alpha", "beta", "gamma", "gamma", "gamma", "delta"]]
    tgt = [["alpha", "delta", "zeta"]]
    r = tail_survival_by_band(ref, tgt, budget=100, bands=((1, 1), (2, 5)))
    bands = {b["band"]: b for b in r.details["bands"]}
    assert bands["1"] == {"band": "1", "types": 2, "survived": 1, "share": 0.5}  # beta lost, delta kept
    assert bands["2-5"]["types"] == 2 and bands["2-5"]["survived"] == 1  # alpha kept, gamma lost
    assert r.value == 0.5


def test_gaussian_refit_chain_variance_shrinks_as_the_reference_says():
    m, g = 10, 8
    chains = np.array([gaussian_chain(m, g, seed=s) for s in range(3000)])
    mean = chains.mean(axis=0)
    expected = ((m - 1) / m) ** np.arange(g + 1)  # E[s_g^2] = sigma^2 ((M-1)/M)^g
    se = chains.std(axis=0) / math.sqrt(len(chains))
    assert np.all(np.abs(mean - expected) <= 4 * se + 1e-12)
    t = mann_kendall(mean.tolist())
    assert t.p_decreasing < 1e-3 and t.slope < 0


def test_ngram_model_samples_only_what_it_saw_and_is_deterministic():
    texts = ["the cat sat on the mat .", "the dog sat on the log ."]
    model = NgramModel(order=2).fit(texts)
    a, b = model.sample(20, seed=3), model.sample(20, seed=3)
    assert a == b
    vocab = {w for t in texts for w in tokenize(t)}
    assert {w for t in a for w in tokenize(t)} <= vocab

    sharp = NgramModel(order=1).fit(["x a", "x a", "x a", "x b"])
    words, cum = sharp._table(("x",), 0.5)  # p ∝ count^(1/T): 3^2 : 1^2
    assert words == ["a", "b"] and cum[0] == pytest.approx(0.9)


def test_replace_chain_loses_real_words_that_accumulate_keeps():
    from tests.conftest import ROOT, load_texts

    real = load_texts(ROOT / "sample_data/real.jsonl")[:150]
    vocab = {w for t in real for w in tokenize(t)}
    rep = collapse_chain(real, 4, mode="replace", seed=0)
    acc = collapse_chain(real, 4, mode="accumulate", seed=0)
    assert rep[0] == acc[0]  # the first generation comes from the same model
    assert collapse_chain(real, 2, mode="replace", seed=0)[1] == rep[1]  # deterministic

    def kept(gen):
        return len({w for t in gen for w in tokenize(t)} & vocab) / len(vocab)

    k_rep, k_acc = [kept(x) for x in rep], [kept(x) for x in acc]
    assert all(a > b for a, b in zip(k_rep, k_rep[1:]))  # each replace generation keeps fewer real words
    assert k_acc[-1] > k_rep[-1] + 0.1


def test_simulator_command_writes_a_manifest_and_never_overwrites_user_files(tmp_path):
    from audit.simulate import main
    from audit.trend import read_manifest
    from tests.conftest import ROOT

    real = tmp_path / "real.jsonl"
    real.write_text("".join(line for i, line in enumerate(open(ROOT / "sample_data/real.jsonl")) if i < 40))
    out = tmp_path / "chain"
    assert main([str(real), "--out", str(out), "--generations", "2", "--mode", "accumulate"]) == 0
    items = read_manifest(str(out / "manifest.toml"))
    assert [lbl for lbl, _, _ in items] == ["real", "gen1", "gen2"]
    assert items[0][1] == str(out / "../real.jsonl") and len(open(items[2][1]).readlines()) == 40
    assert main([str(real), "--out", str(out), "--generations", "2"]) == 0  # its own files: rewritten
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "gen1.jsonl").write_text("{}\n")
    assert main([str(real), "--out", str(mine), "--generations", "2"]) == 2
    assert (mine / "gen1.jsonl").read_text() == "{}\n"


# --- confidence, bounds, start and bands, by hand or against scipy --------------------------------

def test_mann_kendall_tau_and_slope_ci_against_scipy_at_the_given_confidence():
    from scipy import stats

    y = [3.0, 1.0, 2.0, 5.0, 4.0, 6.0]
    x = np.arange(6, dtype=float)
    for conf in (0.95, 0.8):
        t = mann_kendall(y, confidence=conf)
        ts = stats.theilslopes(y, x, alpha=conf)
        assert t.slope_ci == pytest.approx((ts.low_slope, ts.high_slope))
    assert mann_kendall(y, confidence=0.8).slope_ci != mann_kendall(y).slope_ci
    t = mann_kendall(y)
    assert t.tau == pytest.approx(stats.kendalltau(x, y).statistic) and t.n == 6 and t.s == _s(y)
    assert type(t.s) is int and type(t.tau) is float and type(t.slope_ci[0]) is float
    three = mann_kendall([1.0, 3.0, 2.0])  # three points are enough for a CI
    assert three.slope == 0.5 and three.slope_ci == (-1.0, 2.0)
    assert mann_kendall([1.0, 1.0, 2.0]) is not None  # one value differs: a series to test


def test_first_outside_bounds_start_and_missing_values():
    v = [0.5, None, 0.9, float("nan"), 0.1, 0.5]
    assert first_outside(v, None, 0.8) == 2  # above the high end
    assert first_outside(v, 0.2, None) == 4
    assert first_outside(v, 0.2, 0.8) == 2
    assert first_outside(v, 0.2, 0.8, start=3) == 4
    assert first_outside(v, 0.1, 0.9) is None  # the ends belong to the band
    assert first_outside(v, None, None) is None
    assert first_outside([0.5, 0.1, None, 0.1, float("nan")], 0.2, None, sustained=True) == 1  # gaps skipped
    assert first_outside([0.1, 0.5, 0.1], 0.2, None, sustained=True, start=1) == 2
    assert first_outside([0.1, 0.1, 0.5], 0.2, None, sustained=True) is None


def test_longest_worsening_run_refuses_an_unknown_direction():
    with pytest.raises(ValueError) as e:
        longest_worsening_run([1.0, 2.0], "up")
    assert str(e.value) == "better must be 'higher' or 'lower' (got 'up')"
    assert longest_worsening_run([], "lower") == 0 and longest_worsening_run([1.0], "higher") == 0
    assert longest_worsening_run([1.0, 1.1, 1.2, 1.1, 1.2], "lower", tolerance=0.1 - 1e-9) == 2


def test_tail_survival_by_band_default_bands_labels_and_empty_bands():
    ref = [["common"] * 101 + ["mid"] * 21 + ["six"] * 6 + ["two"] * 2 + ["one", "ab", "x1y", "ok1"] + ["."] * 3]
    tgt = [["common", "six", "ab"]]
    r = tail_survival_by_band(ref, tgt, budget=10_000)
    rows = r.details["bands"]
    assert [b["band"] for b in rows] == ["1", "2-5", "6-20", "21-100", "101+"]
    assert [(b["types"], b["survived"]) for b in rows] == [(1, 0), (1, 0), (1, 1), (1, 0), (1, 1)]
    assert [b["share"] for b in rows] == [0.0, 0.0, 1.0, 0.0, 1.0]
    assert r.value == 0.0 and r.n == 1 and r.details["budget"] == 10_000
    empty = tail_survival_by_band([["alpha", "alpha"]], tgt, budget=100)
    assert empty.value is None and empty.n == 0
    assert empty.details["bands"][0] == {"band": "1", "types": 0, "survived": 0, "share": None}
    assert empty.details["bands"][1]["share"] == 0.0
    cut = tail_survival_by_band([["alpha", "beta", "gamma", "delta"]], [["beta"]], budget=2, bands=((1, 1),))
    assert cut.details["bands"][0]["types"] == 2  # only the budget's two words are read


def test_slope_uses_the_positions_of_the_finite_values():
    from scipy import stats

    t = mann_kendall([1.0, None, 3.0, 7.0, float("nan"), 8.0])  # at steps 0, 2, 3, 5
    ts = stats.theilslopes([1.0, 3.0, 7.0, 8.0], [0.0, 2.0, 3.0, 5.0])
    assert t.slope == pytest.approx(ts.slope) and t.slope_ci == pytest.approx((ts.low_slope, ts.high_slope))
    assert t.slope != pytest.approx(stats.theilslopes([1.0, 3.0, 7.0, 8.0]).slope)


def test_first_outside_default_start_and_sustained_without_any_excursion():
    assert first_outside([0.1, 0.5], 0.2, None) == 0
    assert first_outside([0.1, 0.5, 0.1], 0.2, None, sustained=True) == 2
    assert first_outside([0.5, 0.6], 0.2, None, sustained=True) is None
    assert first_outside([None, float("nan")], 0.2, 0.3, sustained=True) is None


def test_a_step_exactly_at_the_tolerance_is_noise():
    assert longest_worsening_run([1.0, 1.5, 2.0], "lower", tolerance=0.5) == 0  # binary-exact steps of 0.5
    assert longest_worsening_run([2.0, 1.5, 1.0], "higher", tolerance=0.5) == 0
    assert longest_worsening_run([2.0, 1.5, 1.0], "higher", tolerance=0.25) == 2


def test_tail_bands_read_words_only_within_the_seeded_budget():
    from metrics.diversity_lexical import budget_tokens

    ref = [[".", ".", "alpha", "beta"], ["gamma", "delta", "!"], ["epsilon", "zeta"], ["theta", "iota"]]
    r = tail_survival_by_band(ref, [["alpha"]], budget=2, bands=((1, 1),))
    assert r.details["bands"][0]["types"] == 2  # two words, punctuation not counted against the budget
    for seed in (1, 2, 3):
        taken = {t for d in budget_tokens(ref, 3, seed, words_only=True) for t in d}
        r = tail_survival_by_band(ref, [sorted(taken)], budget=3, bands=((1, 1),), random_state=seed)
        assert r.details["bands"][0] == {"band": "1", "types": 3, "survived": 3, "share": 1.0}


def test_tail_bands_default_budget_is_50000_words():
    doc = [[f"w{chr(97 + i % 20)}x" for i in range(50_000)] + ["rare"]]  # word 50,001 is past the budget
    r = tail_survival_by_band(doc, doc, random_state=0)
    assert r.details["budget"] == 50_000 and r.details["bands"][0]["types"] == 0 and r.value is None
    assert tail_survival_by_band(doc, doc, budget=50_001).details["bands"][0]["types"] == 1
