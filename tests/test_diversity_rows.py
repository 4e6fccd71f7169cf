"""Each diversity row of the report carries the value a hand computation gives on a tiny corpus."""
import math
from collections import Counter

import numpy as np
import pytest

from audit.families import diversity
from metrics.text import ngrams, tokenize

REAL = ["the cat sat on the mat", "a dog ran in the park", "the cat ran home"] * 10
SYNTH = ["the cat sat on the mat"] * 30  # collapsed: one sentence repeated


def _rows(make_ctx):
    out = diversity.run(make_ctx(REAL, SYNTH))
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
    row = _rows(make_ctx)[name]
    # the collapsed corpus repeats one sentence: its unique n-grams are that sentence's, whatever the budget
    uniq = len(set(ngrams(tokenize(SYNTH[0]), n)))
    counted = row.details["synth"]["ngrams"]
    assert counted >= 3 * uniq  # the budget spans several copies of the sentence
    assert row.synth == pytest.approx(uniq / counted)
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
