"""Each diversity row of the report carries the value a hand computation gives on a tiny corpus."""
import math
from collections import Counter

import numpy as np
import pytest

from audit.families import diversity
from metrics.text import ngrams, tokenize

# 30 different sentences: the noise-floor halves are cut by content, so copies of one sentence would all
# land in one half and make the floor as large as the gap
REAL = [f"the {a} {v} {p} the {w}" for a, v, p, w in zip(
    ["cat", "dog", "bird", "fox", "cow", "owl"] * 5, ["sat", "ran", "slept", "hid", "ate"] * 6,
    ["on", "in", "under", "near", "by", "behind"] * 5, [f"place{i}" for i in range(30)])]
SYNTH = ["the cat sat on the mat"] * 30  # collapsed: one sentence repeated


BUDGET = 40  # n-grams per corpus: every corpus and half has more, so exactly 40 are counted


def _rows(make_ctx, **options):
    out = diversity.run(make_ctx(REAL, SYNTH, **options))
    return {e.name: e for e in out.entries}


def _distinct(texts, n):
    grams = [g for t in texts for g in ngrams(tokenize(t), n)]
    return len(set(grams)) / len(grams)


def _entropy(texts, n):
    c = Counter(g for t in texts for g in ngrams(tokenize(t), n))
    tot = sum(c.values())
    return -sum(v / tot * math.log2(v / tot) for v in c.values())


@pytest.mark.parametrize("n, name", [(1, "distinct_1_score"), (2, "distinct_2_score"), (3, "distinct_3_score")])
def test_distinct_rows_hand_computed(make_ctx, n, name):
    row = _rows(make_ctx, token_budget=BUDGET)[name]
    # the collapsed corpus repeats one sentence: its unique n-grams are that sentence's, whatever the budget
    uniq = {1: 5, 2: 5, 3: 4}[n]  # "the cat sat on the mat": the x2; 5 bigrams; 4 trigrams
    assert uniq == len(set(ngrams(tokenize(SYNTH[0]), n)))
    assert row.synth == pytest.approx(uniq / BUDGET)  # the budget spans several copies of the sentence
    row = _rows(make_ctx)[name]
    # the real corpus is three different sentences: computed by hand on the same budget it is higher
    assert row.real > row.synth


@pytest.mark.parametrize("n, name", [(1, "unigram_entropy_score"), (2, "bigram_entropy_score")])
def test_entropy_rows_hand_computed(make_ctx, n, name):
    row = _rows(make_ctx)[name]
    assert row.synth == pytest.approx(_entropy(SYNTH[:1], n), abs=0.05)
    assert row.real > row.synth + 0.5
    assert row.verdict == "fail"


def test_pairwise_similarity_rate_is_one_for_a_collapsed_corpus(make_ctx):
    row = _rows(make_ctx)["pairwise_similarity_rate"]
    assert row.synth == pytest.approx(1.0, abs=1e-5)
    assert row.real < 0.9
    assert row.verdict == "fail"
