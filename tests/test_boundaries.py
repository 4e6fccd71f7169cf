"""Boundaries that planted bugs slipped past (issue 16): the n-gram / token budget is exactly the budget,
and the MinHash threshold a caller passes is the one honoured. Expected values are counted by hand here,
never taken from the code's own details."""
import itertools

import pytest

from metrics.diversity_lexical import budget_tokens, distinct_n, ngram_entropy
from metrics.duplication_near import near_copy_rate, near_duplicate_pairs, near_duplicate_rate

ONE_DOC = [["a", "a", "b", "c", "a", "d"]]


@pytest.mark.parametrize("n, budget, distinct, total", [
    (1, 1, 1, 1),   # a
    (1, 2, 1, 2),   # a a
    (1, 3, 2, 3),   # a a b
    (1, 4, 3, 4),   # a a b c
    (1, 5, 3, 5),   # a a b c a
    (1, 6, 4, 6),   # the whole document
    (1, 7, 4, 6),   # more than there is: all six, with a warning
    (2, 1, 1, 1),   # aa
    (2, 2, 2, 2),   # aa ab
    (2, 4, 4, 4),   # aa ab bc ca
    (2, 5, 5, 5),   # + ad
    (3, 2, 2, 2),   # aab abc
])
def test_distinct_n_counts_exactly_budget_ngrams(n, budget, distinct, total):
    r = distinct_n(ONE_DOC, n=n, budget=budget, random_state=0)
    assert r.value == pytest.approx(distinct / total)
    assert bool(r.warnings) == (total < budget)


def test_distinct_n_budget_spans_documents_without_crossing_them():
    # three documents of 3 tokens: bigrams never cross a document boundary, 2 per document
    docs = [["x", "y", "z"], ["x", "y", "w"], ["q", "r", "s"]]
    for budget, total in ((1, 1), (2, 2), (3, 3), (4, 4), (6, 6), (7, 6)):
        r = distinct_n(docs, n=2, budget=budget, random_state=0)
        assert r.details["ngrams"] == total
        assert 1 / total <= r.value <= 1.0
    # all six bigrams: xy twice, so 5 distinct of 6, whatever the order
    assert distinct_n(docs, n=2, budget=6, random_state=1).value == pytest.approx(5 / 6)


def test_entropy_budget_boundary():
    # budget 2 of "a a ...": one type, 0 bits; budget 3 adds "b": H(2/3, 1/3)
    import math

    assert ngram_entropy(ONE_DOC, n=1, budget=2, random_state=0).value == pytest.approx(0.0)
    h = -(2 / 3) * math.log2(2 / 3) - (1 / 3) * math.log2(1 / 3)
    assert ngram_entropy(ONE_DOC, n=1, budget=3, random_state=0).value == pytest.approx(h)


@pytest.mark.parametrize("budget", [1, 3, 4, 5, 9, 10, 11, 100])
def test_budget_tokens_takes_exactly_the_budget(budget):
    docs = [["a", "b", "c"], ["d", "e"], ["f", "g", "h", "i", "j"]]  # 10 tokens
    got = budget_tokens(docs, budget, random_state=0)
    assert sum(len(t) for t in got) == min(budget, 10)
    assert all(got)  # no empty document taken


# -- MinHash threshold --------------------------------------------------------------------------------------
def _shingles(tokens, k=5):
    return {tuple(tokens[i:i + k]) for i in range(len(tokens) - k + 1)}


def _jaccard(a, b):
    return len(a & b) / len(a | b)


def _variants():
    """A base document of 200 distinct words and copies with m words replaced (spread out), which gives
    5-shingle Jaccard similarities from ~0.97 down to ~0.4, computed here with plain sets."""
    base = [f"w{i}" for i in range(200)]
    docs = [base]
    for m in (1, 3, 6, 10, 16):
        d = list(base)
        for j in range(m):
            d[(j * 199) // m + 2] = f"new{m}_{j}"
        docs.append(d)
    return docs


def _true_pairs(docs, threshold):
    sets = [_shingles(d) for d in docs]
    return {(i, j) for i, j in itertools.combinations(range(len(docs)), 2)
            if _jaccard(sets[i], sets[j]) >= threshold}


# thresholds at least 0.025 away from every pair's true Jaccard (0.289 ... 0.97), so LSH recall is not
# what is tested; the default 0.8 hard-coded would fail every one but 0.8
@pytest.mark.parametrize("threshold", [0.57, 0.68, 0.8, 0.92])
def test_near_duplicate_pairs_honour_the_threshold(threshold):
    docs = _variants()
    sims = sorted({round(_jaccard(_shingles(docs[0]), _shingles(d)), 3) for d in docs[1:]})
    assert sims[0] < 0.57 and sims[-1] > 0.92  # the ladder spans every threshold tested
    want = _true_pairs(docs, threshold)
    got = {(i, j) for i, j, _ in near_duplicate_pairs(docs, threshold=threshold, num_perm=256, random_state=0)[0]}
    assert got == want
    r = near_duplicate_rate(docs, threshold=threshold, num_perm=256, random_state=0)
    dup_docs = {i for p in want for i in p}
    # a document counts as a duplicate when it is in a cluster with an earlier one: all but one per cluster
    assert r.value == pytest.approx((len(dup_docs) - (1 if dup_docs else 0)) / len(docs))


@pytest.mark.parametrize("threshold", [0.57, 0.68, 0.92])
def test_near_copy_rate_honours_the_threshold(threshold):
    docs = _variants()
    real, synth = docs[:1], docs[1:]
    base = _shingles(real[0])
    want = sum(_jaccard(base, _shingles(s)) >= threshold for s in synth)
    r = near_copy_rate(real, synth, threshold=threshold, num_perm=256, random_state=0)
    assert r.value == pytest.approx(want / len(synth))
    assert 0 < want < len(synth)
