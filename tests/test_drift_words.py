"""Word drift: unigram JSD (vs scipy) with permutation p-value, and Fightin' Words (hand-computed)."""
import math
import random
from collections import Counter

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

from metrics.drift_words import fightin_words, unigram_jsd
from metrics.text import tokenize
from tests.conftest import load_texts


def test_jsd_matches_scipy_squared_base2():
    a = [["a", "b", "b"], ["c", "a"]]
    b = [["b", "c", "c", "d"]]
    vocab = ["a", "b", "c", "d"]
    ca, cb = Counter(w for d in a for w in d), Counter(w for d in b for w in d)
    p = np.array([ca[w] for w in vocab], float)
    q = np.array([cb[w] for w in vocab], float)
    ref = jensenshannon(p / p.sum(), q / q.sum(), base=2) ** 2
    r = unigram_jsd(a, b, n_perm=20, random_state=0)
    assert r.value == pytest.approx(ref, abs=1e-12)
    assert unigram_jsd([["x"]], [["y"]], n_perm=5).value == pytest.approx(1.0)


def test_jsd_identical_and_shuffled():
    docs = [["w%d" % (i % 7), "v%d" % (i % 3)] for i in range(200)]
    r = unigram_jsd(docs, docs, n_perm=50, random_state=0)
    assert r.value == pytest.approx(0.0, abs=1e-12) and r.p_value > 0.5
    sh = docs[:]
    random.Random(0).shuffle(sh)
    assert unigram_jsd(docs, sh, n_perm=10).value == pytest.approx(0.0, abs=1e-12)


def test_jsd_empty_raises():
    with pytest.raises(ValueError):
        unigram_jsd([], [["a"]])
    with pytest.raises(ValueError):
        fightin_words([[]], [["a"]])


def test_fightin_words_hand_computed():
    real = [["a"] * 10 + ["b"] * 10]
    synth = [["a"] * 30 + ["b"] * 10]
    fw = fightin_words(real, synth, prior_weight=1.0)
    # word a: y_s=30, y_r=10, alpha=40, a0=60, n_s=40, n_r=20
    d = math.log(70 / (40 + 60 - 70)) - math.log(50 / (20 + 60 - 50))
    z = d / math.sqrt(1 / 70 + 1 / 50)
    top = fw["over"][0]
    assert top["word"] == "a" and top["z"] == pytest.approx(z) and top["log_odds"] == pytest.approx(d)
    assert fw["under"][0]["word"] == "b" and fw["under"][0]["z"] < 0
    swapped = fightin_words(synth, real)
    assert swapped["under"][0]["z"] == pytest.approx(-z)


def test_clickbait_words(corpora_dir):
    news = [tokenize(t) for t in load_texts(corpora_dir / "clickbait/news.jsonl", 400)]
    click = [tokenize(t) for t in load_texts(corpora_dir / "clickbait/clickbait.jsonl", 400)]
    r = unigram_jsd(news, click, n_perm=50, random_state=0)
    floor = unigram_jsd(news[:200], news[200:], n_perm=50, random_state=0)
    assert r.p_value < 0.05 and r.value > floor.value + 0.1
    fw = fightin_words(news, click)
    over = [w["word"] for w in fw["over"][:10]]
    assert "you" in over and fw["over"][0]["z"] > 3
