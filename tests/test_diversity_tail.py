"""metrics.diversity_tail: the Zipf fit's word set and its warnings, the rare-word rule of tail survival at its
boundaries, the budget, the Wilson CI and the examples."""
import numpy as np
import pytest
from scipy.stats import binomtest, linregress

from metrics.diversity_tail import tail_survival, zipf_exponent


def zipf_docs(freqs):
    return [[f"w{i}"] * f for i, f in enumerate(freqs)]


def test_zipf_fits_only_repeated_words_against_a_least_squares_reference():
    freqs = [64, 40, 30, 20, 12, 9, 7, 5, 4, 3, 2]
    docs = zipf_docs(freqs) + [[f"hapax{i}" for i in range(30)]]  # hapaxes: left out of the fit
    r = zipf_exponent(docs, budget=10**6)
    ref = linregress(np.log(np.arange(1, 12)), np.log(freqs))
    assert r.value == pytest.approx(-ref.slope)
    assert r.details == {"ranks_fitted": 11, "words": sum(freqs) + 30}
    assert r.n == 12 and r.warnings == ["only 226 words (budget 1000000)"]


def test_zipf_max_rank_and_budget_warning():
    freqs = [64, 40, 30, 20, 12, 9, 7, 5, 4, 3, 2, 2]
    r = zipf_exponent(zipf_docs(freqs), budget=sum(freqs), max_rank=10)
    assert r.value == pytest.approx(-linregress(np.log(np.arange(1, 11)), np.log(freqs[:10])).slope)
    assert r.details["ranks_fitted"] == 10 and r.warnings == []  # the budget is reached exactly


def test_zipf_needs_ten_repeated_words():
    nine = zipf_docs([5] * 9 + [1] * 5)
    r = zipf_exponent(nine, budget=100)
    assert r.value is None and r.warnings == ["fewer than 10 repeated words"] and r.n == 14
    assert zipf_exponent(zipf_docs([9, 8, 7, 6, 5, 4, 3, 3, 2, 2]), budget=100).value is not None


def test_zipf_drops_punctuation_and_checks_budget():
    freqs = [30, 20, 12, 9, 7, 5, 4, 3, 2, 2]
    with_punct = [d + [".", ","] * 5 for d in zipf_docs(freqs)]
    assert zipf_exponent(with_punct, budget=10**6).value == pytest.approx(zipf_exponent(zipf_docs(freqs),
                                                                                          budget=10**6).value)
    with pytest.raises(ValueError, match="^budget must be >= 1$"):
        zipf_exponent(zipf_docs(freqs), budget=0)
    assert zipf_exponent([["a"]], budget=1).warnings == ["fewer than 10 repeated words"]


REF = [["alpha"] * 5 + ["beta"] * 6 + ["ab"] + ["x42"] + ["cat", "delta", "Zeta"] + ["."] * 4]


def test_rare_words_are_alphabetic_with_three_letters_and_at_most_max_count():
    # rare: alpha (5 = max_count), cat (3 letters), delta, Zeta; not beta (6), ab (2 letters), x42 (not alphabetic)
    r = tail_survival(REF, [["alpha", "Zeta", "beta", "ab"]], budget=1000)
    assert r.details["rare_types"] == 4 and r.details["survived"] == 2 and r.value == 0.5
    assert r.n == 4 and r.details["max_count"] == 5 and r.details["budget"] == 1000
    assert r.details["examples_survived"] == ["Zeta", "alpha"] and r.details["examples_lost"] == ["cat", "delta"]
    assert r.ci == pytest.approx(tuple(binomtest(2, 4).proportion_ci(method="wilson")))
    r6 = tail_survival(REF, [["alpha"]], budget=1000, max_count=6)
    assert r6.details["rare_types"] == 5 and r6.value == pytest.approx(1 / 5)


def test_tail_warnings_name_the_short_corpus():
    r = tail_survival(REF, [["alpha"] * 30], budget=25)
    assert r.warnings == ["only 16 words in the reference (budget 25)"]
    r = tail_survival(REF, [["alpha"] * 30], budget=16)
    assert r.warnings == []
    r = tail_survival([["the", "the"] * 3], [["x"]], budget=100)
    assert r.value is None and r.n == 0
    assert r.warnings == ["only 6 words in the reference (budget 100)", "only 1 words in the target (budget 100)",
                          "no rare words in the reference"]
    with pytest.raises(ValueError, match="budget must be >= 1"):
        tail_survival(REF, REF, budget=0)
    with pytest.raises(ValueError, match="corpus is empty"):
        tail_survival(REF, [])


def test_tail_examples_are_a_seeded_sorted_sample_of_at_most_examples():
    ref = [[f"wrd{chr(97 + i)}{chr(97 + j)}" for i in range(6) for j in range(6)]]  # 36 rare types
    tgt = [ref[0][:20]]
    r = tail_survival(ref, tgt, budget=1000, examples=5, random_state=3)
    kept, lost = r.details["examples_survived"], r.details["examples_lost"]
    assert len(kept) == 5 and kept == sorted(kept) and set(kept) <= set(ref[0][:20])
    assert len(lost) == 5 and lost == sorted(lost) and set(lost) <= set(ref[0][20:])
    assert r.details == tail_survival(ref, tgt, budget=1000, examples=5, random_state=3).details
    others = [tail_survival(ref, tgt, budget=1000, examples=5, random_state=s).details["examples_survived"]
              for s in range(4, 9)]
    assert any(o != kept for o in others)
    r16 = tail_survival(ref, tgt, budget=1000, examples=16)
    assert len(r16.details["examples_lost"]) == 16 and len(r16.details["examples_survived"]) == 16
    assert len(set(r16.details["examples_survived"])) == 16  # drawn without replacement
    r15 = tail_survival(ref, tgt, budget=1000, random_state=0)
    assert len(r15.details["examples_survived"]) == 15 == len(set(r15.details["examples_lost"]))  # 15 by default
    r20 = tail_survival(ref, tgt, budget=1000, examples=20)
    assert r20.details["examples_survived"] == sorted(ref[0][:20])  # all 20 when examples >= 20


def test_default_budget_is_50000_words_and_default_max_rank_1000():
    words = [f"w{i}" for i in range(1001)] * 2  # 1,001 words seen twice
    z = zipf_exponent([words])
    assert z.details["ranks_fitted"] == 1000 and z.warnings == ["only 2002 words (budget 50000)"]
    exact = [[f"w{i % 20}" for i in range(49_999)] + ["rare"]]  # 50,000 words: the default budget
    assert zipf_exponent(exact).warnings == [] and zipf_exponent(exact).details["words"] == 50_000
    t = tail_survival(exact, exact, random_state=0)
    assert t.warnings == [] and t.details["budget"] == 50_000 and t.value == 1.0
