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


# --- exact behaviour, against scipy and a plain reference (each kills a class of plausible bugs) ------

def _jsd_ref(real, synth):
    """JSD (base 2) of the pooled unigram distributions, by scipy."""
    vocab = sorted({w for d in real + synth for w in d})
    cr, cs = Counter(w for d in real for w in d), Counter(w for d in synth for w in d)
    p = np.array([cr[w] for w in vocab], float)
    q = np.array([cs[w] for w in vocab], float)
    return jensenshannon(p / p.sum(), q / q.sum(), base=2) ** 2


def _assert_rows(got, want):
    """Same words in the same order, same keys, numbers equal to 1e-12."""
    assert [g["word"] for g in got] == [w["word"] for w in want]
    for g, w in zip(got, want):
        assert set(g) == set(w)
        assert {k: v for k, v in g.items() if k != "word"} == pytest.approx(
            {k: v for k, v in w.items() if k != "word"}, rel=1e-12, abs=1e-12)


def test_jsd_errors_name_the_metric():
    with pytest.raises(ValueError, match=r"^unigram_jsd: a corpus has no tokens$"):
        unigram_jsd([["a"]], [[], []])  # the synthetic side is checked too
    with pytest.raises(ValueError, match=r"^fightin_words: a corpus has no tokens$"):
        fightin_words([["a"]], [])


def test_jsd_permutation_null_equals_a_reference_loop():
    # 120 permutations (more than one batch of 50): the null, its mean and p, recomputed with scipy on the
    # documents each permutation assigns to the "real" side
    rng0 = np.random.default_rng(7)
    words = list("abcdefgh")
    real = [list(rng0.choice(words[:6], 5)) for _ in range(9)]
    synth = [list(rng0.choice(words[2:], 4)) for _ in range(7)] + [[]]  # an empty last document
    got = unigram_jsd(real, synth, n_perm=120, random_state=3)
    docs = real + synth
    ind = np.r_[np.ones(len(real)), np.zeros(len(synth))]
    rng = np.random.default_rng(3)
    null = []
    for _ in range(120):
        perm = rng.permutation(ind)
        a = [d for d, f in zip(docs, perm) if f == 1]
        b = [d for d, f in zip(docs, perm) if f == 0]
        null.append(_jsd_ref(a, b))
    obs = _jsd_ref(real, synth)
    assert got.value == pytest.approx(obs, abs=1e-12)
    assert got.details["null_mean"] == pytest.approx(np.mean(null), rel=1e-12)
    assert got.p_value == pytest.approx((1 + sum(v >= obs - 1e-12 for v in null)) / 121)
    assert got.n == 8  # the smaller corpus, in documents


@pytest.mark.filterwarnings("error")  # no "mean of empty slice" when there are no permutations
def test_jsd_p_value_counts_ties_and_never_reaches_zero():
    same = [["a", "b"]] * 4  # every permutation gives JSD 0, equal to the observed 0: p = 1
    r = unigram_jsd(same, same, n_perm=30, random_state=0)
    assert r.value == 0.0 and r.p_value == 1.0
    far = [["x%d" % i, "y"] for i in range(30)], [["z%d" % i, "w"] for i in range(30)]
    assert unigram_jsd(*far, random_state=0).p_value == pytest.approx(1 / 201)  # default 200 permutations
    none = unigram_jsd(*far, n_perm=0)
    assert none.p_value == 1.0 and none.details["null_mean"] is None


def test_jsd_top_words_by_hand():
    real = [["a", "a", "b"]]
    synth = [["b", "c"]]
    r = unigram_jsd(real, synth, n_perm=0)
    # p = (2/3, 1/3, 0), q = (0, 1/2, 1/2); contribution = ½(p log2(p/m) + q log2(q/m)), m = (p+q)/2
    p, q = np.array([2 / 3, 1 / 3, 0]), np.array([0, 0.5, 0.5])
    m = (p + q) / 2
    from scipy.special import rel_entr

    contrib = 0.5 * (rel_entr(p, m) + rel_entr(q, m)) / np.log(2)
    want = [{"word": w, "real_per_1k": 1000 * p[i], "synth_per_1k": 1000 * q[i], "contribution": contrib[i]}
            for i, w in sorted(enumerate("abc"), key=lambda t: -contrib[t[0]])]
    got = r.details["top_words"]
    assert [g["word"] for g in got] == ["a", "c", "b"] == [w["word"] for w in want]
    _assert_rows(got, want)
    assert sum(g["contribution"] for g in got) == pytest.approx(r.value, rel=1e-12)
    assert r.details["vocab_real"] == 2 and r.details["vocab_synth"] == 2
    assert [g["word"] for g in unigram_jsd(real, synth, n_perm=0, n_words=1).details["top_words"]] == ["a"]


def test_jsd_top_words_default_15_and_ties_in_first_seen_order():
    # 40 words in both corpora equally (contribution 0, tied) and three with distinct contributions
    shared = ["s%02d" % i for i in range(40)]
    real = [shared[:20] + ["r1"] * 3, shared[20:]]
    synth = [shared + ["q1"] * 6 + ["q2"]]
    top = unigram_jsd(real, synth, n_perm=0).details["top_words"]
    assert len(top) == 15
    assert [t["word"] for t in top[:3]] == ["q1", "r1", "q2"]
    # the shared words contribute equally; they follow in the order first seen (real corpus first)
    assert [t["word"] for t in top[3:]] == shared[:12]


@pytest.mark.filterwarnings("error")
def test_jsd_disjoint_vocabularies_raise_no_warning():
    r = unigram_jsd([["a", "b"], ["a"]], [["c"], ["d", "c"]], n_perm=10, random_state=0)
    assert r.value == pytest.approx(1.0)
    assert [t["contribution"] for t in r.details["top_words"]] == pytest.approx([1 / 3, 1 / 3, 1 / 6, 1 / 6])


def _fightin_ref(real, synth, prior_weight=1.0, top=20, min_count=1):
    """Monroe, Colaresi & Quinn (2008), eq. 16/18/19, word by word."""
    cr = Counter(w for d in real for w in d)
    cs = Counter(w for d in synth for w in d)
    nr, ns = sum(cr.values()), sum(cs.values())
    rows = []
    vocab = sorted(set(cr) | set(cs))
    a0 = prior_weight * (nr + ns)
    for w in vocab:
        yr, ys = cr[w], cs[w]
        a = prior_weight * (yr + ys)
        d = math.log((ys + a) / (ns + a0 - ys - a)) - math.log((yr + a) / (nr + a0 - yr - a))
        z = d / math.sqrt(1 / (ys + a) + 1 / (yr + a))
        if yr + ys >= min_count:
            rows.append({"word": w, "real_count": yr, "synth_count": ys, "real_per_1k": 1000 * yr / nr,
                         "synth_per_1k": 1000 * ys / ns, "log_odds": d, "z": z})
    over = sorted(rows, key=lambda r: (-r["z"], vocab.index(r["word"])))[:top]
    under = sorted(rows, key=lambda r: (r["z"], vocab.index(r["word"])))[:top]
    return over, under


@pytest.mark.parametrize("min_count, top", [(1, 20), (3, 5), (4, 30)])
def test_fightin_words_equals_reference(min_count, top):
    rng = np.random.default_rng(min_count)
    words = ["w%02d" % i for i in range(30)]
    real = [list(rng.choice(words[:24], 12)) for _ in range(6)]
    synth = [list(rng.choice(words[6:], 10)) for _ in range(6)] + [["only_synth"] * 3]
    kw = {"min_count": min_count, "top": top}
    got = fightin_words(real, synth, **kw)
    over, under = _fightin_ref(real, synth, **kw)
    _assert_rows(got["over"], over)
    _assert_rows(got["under"], under)


def test_fightin_words_defaults_top_20_min_count_1():
    real = [["r%02d" % i for i in range(25)] + ["x"]]
    synth = [["s%02d" % i for i in range(25)] + ["x"]]
    fw = fightin_words(real, synth)
    over, under = _fightin_ref(real, synth)
    assert len(fw["over"]) == 20 and len(fw["under"]) == 20  # every word occurs once: min_count 1 keeps all
    _assert_rows(fw["over"], over)
    _assert_rows(fw["under"], under)


def test_fightin_words_ties_keep_alphabetical_order_and_min_count_skips():
    # 30 words used once on each side (z tied), "hot" over-used, "rare" once: ranks must be stable
    shared = ["t%02d" % i for i in range(30)]
    real = [shared + ["rare"]]
    synth = [shared + ["hot"] * 8]
    fw = fightin_words(real, synth, min_count=2, top=40)
    words = [r["word"] for r in fw["over"]]
    assert words[0] == "hot" and "rare" not in words and words[1:] == shared
    under = [r["word"] for r in fw["under"]]
    assert under[:30] == shared and under[-1] == "hot"


def test_jsd_rows_equal_the_where_formulation_bit_for_bit():
    """The in-place JSD with zero shares kept off log2 gives np.where's formulation to the last bit:
    count columns with many zeros (a word in one corpus only), a row zero in both, 1-D and 2-D inputs;
    NaN shares (an empty column) and negative counts go to the formulation itself."""
    from metrics.drift_words import _jsd_rows, _jsd_rows_where

    rng = np.random.default_rng(21)
    cases = []
    for v, b in ((1, 1), (3, 2), (50, 7), (2000, 50), (9000, 5)):
        ca = rng.poisson(rng.gamma(0.3, 3.0, size=(v, 1)), size=(v, b)).astype(float)
        cb = rng.poisson(rng.gamma(0.3, 3.0, size=(v, 1)), size=(v, b)).astype(float)
        ca[0] = cb[0] = 1.0  # no empty column
        cases.append((ca, cb))
        cases.append((ca[:, 0], cb[:, 0]))
    z = cases[4][0].copy()
    z[5] = 0.0
    w = cases[4][1].copy()
    w[5] = 0.0  # a word in neither corpus: 0 / 0
    cases += [(z, w), (np.zeros((4, 2)), np.ones((4, 2))), (np.r_[2.0, -1.0, 3.0], np.r_[1.0, 2.0, 1.0])]
    for ca, cb in cases:
        with np.errstate(invalid="ignore", divide="ignore"):  # the empty column: 0 / 0, as in unigram_jsd
            want = _jsd_rows_where(ca / ca.sum(axis=0, keepdims=True), cb / cb.sum(axis=0, keepdims=True))
            got = _jsd_rows(ca, cb)
        assert got.shape == want.shape and got.tobytes() == want.tobytes(), (ca.shape, got, want)
    assert np.mean([(c == 0).mean() for c, _ in cases[:10]]) > 0.2
