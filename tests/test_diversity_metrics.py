"""Diversity metrics against reference implementations, hand-computed cases and properties."""
import gzip
import math
import random
from collections import Counter

import numpy as np
import pytest

from metrics.diversity import (
    boilerplate_examples,
    boilerplate_opening_rate,
    cluster_entropy,
    compression_ratio,
    distinct_n,
    expectation_adjusted_distinct,
    fit_clusters,
    mattr,
    mattr_corpus,
    mean_pairwise_cosine,
    ngram_entropy,
    self_bleu,
    self_repetition,
    sentence_bleu,
    tail_survival,
    vendi_score,
    vendi_score_kernel,
    zipf_exponent,
)
from metrics.text import tokenize
from tests.conftest import CORPORA, load_texts

README = """Measure of textual lexical diversity, computed as the mean length of sequential words in
            a text that maintains a minimum threshold TTR score.

            Iterates over words until TTR scores falls below a threshold, then increase factor
            counter by 1 and start over. McCarthy and Jarvis (2010, pg. 385) recommends a factor
            threshold in the range of [0.660, 0.750].
            (McCarthy 2005, McCarthy and Jarvis 2010)"""


@pytest.fixture(scope="module")
def xsum():
    path = CORPORA / "fastdetect" / "xsum_gpt-4" / "real.jsonl"
    return [tokenize(t) for t in load_texts(path)]


# -- lexical -------------------------------------------------------------------------------------------
def test_mattr_matches_lexicalrichness_readme():
    from lexicalrichness import LexicalRichness

    lex = LexicalRichness(README)
    assert lex.words == 57 and lex.terms == 39
    assert mattr(lex.wordlist, window=25) == pytest.approx(0.8351515151515151, abs=1e-12)
    assert mattr(lex.wordlist, window=57) == pytest.approx(0.6842105263157895)  # one window = TTR


def test_mattr_matches_lexicalrichness_on_real_text(xsum):
    from lexicalrichness import LexicalRichness

    words = [t for t in xsum[3] if t.isalpha()]
    lex = LexicalRichness(words, preprocessor=None, tokenizer=None)
    assert mattr(words, window=30) == pytest.approx(lex.mattr(window_size=30), abs=1e-12)


def test_distinct_and_ead_hand_cases():
    docs = [["a", "b", "a", "b"]]
    r = distinct_n(docs, n=2, budget=100)
    assert r.value == pytest.approx(2 / 3)  # ab, ba, ab
    assert r.warnings  # fewer n-grams than the budget
    assert distinct_n(docs, n=2, budget=2).value == 1.0  # ab, ba
    assert distinct_n(docs, n=1, budget=100).value == 0.5
    assert expectation_adjusted_distinct(3, 4, 2) == pytest.approx(3 / (2 * (1 - 0.5**4)))


def test_ngram_entropy_hand_case_and_scipy(xsum):
    from scipy.stats import entropy

    assert ngram_entropy([["a", "a", "b", "b"]], n=1, budget=10).value == pytest.approx(1.0)
    assert ngram_entropy([["a", "a", "a"]], n=1, budget=10).value == pytest.approx(0.0)
    big = 10**9  # budget above the corpus: every bigram counts
    counts = Counter(g for d in xsum for g in zip(d, d[1:]))
    ref = entropy(np.array(list(counts.values()), dtype=float), base=2)
    assert ngram_entropy(xsum, n=2, budget=big).value == pytest.approx(ref)


def test_compression_ratio_hand_case():
    text = "the cat sat on the mat. " * 30
    raw = (text + "\n").encode()
    r = compression_ratio([text], budget_bytes=len(raw), chunk_bytes=len(raw))
    assert r.value == pytest.approx(len(raw) / len(gzip.compress(raw, compresslevel=9, mtime=0)))


def test_compression_ratio_higher_for_repetitive_text(xsum):
    texts = [" ".join(d) for d in xsum]
    varied = compression_ratio(texts, budget_bytes=50_000, chunk_bytes=4096, random_state=0).value
    rep = compression_ratio(texts[:10] * 15, budget_bytes=50_000, chunk_bytes=4096, random_state=0).value
    assert 1.5 < varied < 3.5
    assert rep > varied + 0.5


def test_zipf_exponent_recovers_exponent():
    rng = random.Random(0)
    for s in (0.8, 1.2):
        toks = [f"w{r}" for r in range(1, 400) for _ in range(round(5000 / r**s))]
        rng.shuffle(toks)
        docs = [toks[i:i + 100] for i in range(0, len(toks), 100)]
        assert zipf_exponent(docs, budget=10**9, random_state=0).value == pytest.approx(s, abs=0.03)


def test_tail_survival_hand_case():
    ref = [["alpha", "beta", "gamma", "delta"] + ["common"] * 20]
    assert tail_survival(ref, [["alpha", "beta", "other"]], budget=1000).value == 0.5
    r = tail_survival(ref, ref, budget=1000)
    assert r.value == 1.0 and r.details["rare_types"] == 4  # "common" (20 times) is not rare
    assert r.ci[0] < 1.0 <= r.ci[1] + 1e-12


# -- repetition ----------------------------------------------------------------------------------------
def test_sentence_bleu_matches_nltk(xsum):
    from nltk.translate.bleu_score import SmoothingFunction
    from nltk.translate.bleu_score import sentence_bleu as nltk_bleu

    sm = SmoothingFunction().method1
    hyp = "the cat sat on the mat".split()
    assert sentence_bleu(hyp, [hyp]) == pytest.approx(1.0)
    # hand case: 6 unigrams, 5 match "the cat is on the mat"; bigrams 3/5; trigrams 1/4; 4-grams 0 -> 0.1/3
    ref = "the cat is on the mat".split()
    hand = math.exp((math.log(5 / 6) + math.log(3 / 5) + math.log(1 / 4) + math.log(0.1 / 3)) / 4)
    assert sentence_bleu(hyp, [ref]) == pytest.approx(hand)
    for i in range(5):
        refs = [d[:60] for j, d in enumerate(xsum[:8]) if j != i]
        assert sentence_bleu(xsum[i][:50], refs) == pytest.approx(nltk_bleu(refs, xsum[i][:50], smoothing_function=sm))


def test_self_bleu_matches_brute_force_nltk(xsum):
    from nltk.translate.bleu_score import SmoothingFunction
    from nltk.translate.bleu_score import sentence_bleu as nltk_bleu

    docs = [d[:40] for d in xsum[:12]] + [xsum[0][:40]]  # a duplicate, to exercise the top-2 logic
    docs[5] = docs[5][:25]
    sm = SmoothingFunction().method1
    brute = np.mean([nltk_bleu([d for j, d in enumerate(docs) if j != i], docs[i], smoothing_function=sm)
                     for i in range(len(docs))])
    r = self_bleu(docs, sample_size=None, max_tokens=40)
    assert r.value == pytest.approx(brute)
    assert r.n == len(docs) and not r.sampled


def test_self_repetition_hand_case():
    docs = [["a", "b", "c", "d"], ["a", "b", "c", "d", "e"], ["x", "y", "z", "w"]]
    r = self_repetition(docs, sample_size=None)
    assert r.value == pytest.approx(2 * math.log(2) / 3)
    assert r.details["top_ngrams"][0] == {"ngram": "a b c d", "docs": 2}
    assert self_repetition([[".", ".", ".", "."], [".", ".", ".", "."]], sample_size=None).value == 0.0


def test_boilerplate_opening_rate_hand_case():
    texts = ["Sure, here is one.", "Sure here is two", "Once upon a time", "It was late"]
    r = boilerplate_opening_rate(texts)
    assert r.value == pytest.approx(2 / 12)  # one pair of four docs: 2 / (4 * 3)
    assert r.details["top"][0] == {"opening": "sure here is", "share": 0.5}
    assert boilerplate_opening_rate([f"doc {i} text" for i in range(50)]).value == 0.0


def test_boilerplate_examples_flags_the_overused_opening():
    real = [(f"r{i}", f"Story {i} begins with word{i} and more") for i in range(40)]
    synth = [(f"s{i}", f"Sure, here's a story about word{i} today" if i % 2 else f"Tale {i} of word{i}")
             for i in range(40)]
    sec = boilerplate_examples(real, synth, random_state=0)
    top = sec["openings"][0]
    assert top["ngram"] == "sure here's a" and top["synth_share"] == 0.5 and top["real_share"] == 0.0
    assert top["ratio"] > 10 and top["examples"][0]["id"].startswith("s")
    assert sec["phrases"][0]["synth_share"] >= 0.5


# -- semantic ------------------------------------------------------------------------------------------
def test_vendi_analytic_cases():
    from vendi_score import vendi

    samples = [0, 0, 10, 10, 20, 20]
    k = np.exp(-np.abs(np.subtract.outer(samples, samples)))
    assert vendi_score_kernel(k) == pytest.approx(2.99999, abs=1e-5)
    assert vendi.score(samples, lambda a, b: np.exp(-abs(a - b))) == pytest.approx(vendi_score_kernel(k))
    assert vendi_score_kernel([[1, .9, 0], [.9, 1, 0], [0, 0, 1]]) == pytest.approx(2.1573, abs=1e-4)


def test_vendi_matches_reference_package():
    from vendi_score import vendi

    x = np.random.default_rng(0).standard_normal((300, 16))
    r = vendi_score(x)
    assert r.value == pytest.approx(vendi.score_X(x), rel=1e-9)
    assert r.value == pytest.approx(vendi.score_dual(x), rel=1e-9)
    assert r.ci[0] < r.value < r.ci[1]
    assert vendi_score(np.tile(x[:1], (50, 1))).value == pytest.approx(1.0)


def test_mean_pairwise_cosine_matches_brute_force():
    x = np.random.default_rng(1).standard_normal((200, 8)) + 0.5
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    s = u @ u.T
    brute = (s.sum() - np.trace(s)) / (200 * 199)
    r = mean_pairwise_cosine(x, random_state=0)
    assert r.value == pytest.approx(brute)
    assert r.ci[0] < r.value < r.ci[1]


def test_cluster_entropy_hand_case():
    cent = np.eye(4)
    even = np.repeat(np.eye(4), 25, axis=0)  # 25 docs in each of 4 cells
    r = cluster_entropy(even, cent)
    assert r.value == pytest.approx((math.log(4) + 3 / 200) / math.log(4))
    crowded = np.vstack([np.tile(np.eye(4)[0], (97, 1)), np.eye(4)[1:]])
    assert cluster_entropy(crowded, cent).value < 0.2


def test_fit_clusters_is_seeded():
    x = np.random.default_rng(2).standard_normal((600, 8))
    a = fit_clusters([x[:300], x[300:]], k=5, random_state=3)
    assert a.shape == (5, 8) and np.allclose(np.linalg.norm(a, axis=1), 1)
    assert np.array_equal(a, fit_clusters([x[:300], x[300:]], k=5, random_state=3))


# -- properties ----------------------------------------------------------------------------------------
LEXICAL = {
    "distinct_2": lambda d: distinct_n(d, n=2, budget=3000, random_state=0),
    "entropy_1": lambda d: ngram_entropy(d, n=1, budget=3000, random_state=0),
    "mattr": lambda d: mattr_corpus(d, window=30),
    "compression": lambda d: compression_ratio([" ".join(t) for t in d], budget_bytes=20_000,
                                               chunk_bytes=2048, random_state=0),
    "self_bleu": lambda d: self_bleu(d, sample_size=40, random_state=0),
    "self_repetition": lambda d: self_repetition(d, sample_size=40, random_state=0),
    "zipf": lambda d: zipf_exponent(d, budget=3000, random_state=0),
    "tail": lambda d: tail_survival(d, d[::-1], budget=3000, random_state=0),
}


@pytest.mark.parametrize("name", sorted(LEXICAL))
def test_shuffling_documents_changes_nothing(name, xsum):
    docs = xsum[:60]
    shuffled = list(docs)
    random.Random(5).shuffle(shuffled)
    assert LEXICAL[name](docs).value == LEXICAL[name](shuffled).value


def test_shuffling_rows_changes_nothing_semantic():
    x = np.random.default_rng(3).standard_normal((120, 16))
    p = np.random.default_rng(4).permutation(120)
    assert vendi_score(x).value == pytest.approx(vendi_score(x[p]).value)
    assert mean_pairwise_cosine(x).value == pytest.approx(mean_pairwise_cosine(x[p]).value)


def test_duplicating_documents_lowers_diversity(xsum):
    varied = xsum[:60]
    dup = xsum[:15] * 4
    assert distinct_n(dup, n=2, budget=3000, random_state=0).value < distinct_n(varied, n=2, budget=3000, random_state=0).value
    assert ngram_entropy(dup, n=2, budget=3000, random_state=0).value < ngram_entropy(varied, n=2, budget=3000, random_state=0).value
    assert LEXICAL["compression"](dup).value > LEXICAL["compression"](varied).value
    assert LEXICAL["self_bleu"](dup).value > LEXICAL["self_bleu"](varied).value
    assert LEXICAL["self_repetition"](dup).value > LEXICAL["self_repetition"](varied).value
    x = np.random.default_rng(5).standard_normal((60, 16))
    xd = np.vstack([x[:15]] * 4)
    assert vendi_score(xd).value < vendi_score(x).value
    assert mean_pairwise_cosine(xd).value > mean_pairwise_cosine(x).value


def test_same_seed_same_numbers_other_seed_other_sample(xsum):
    a = self_bleu(xsum, sample_size=30, random_state=1).value
    assert a == self_bleu(xsum, sample_size=30, random_state=1).value
    assert a != self_bleu(xsum, sample_size=30, random_state=2).value


@pytest.mark.parametrize("fn", [
    lambda: distinct_n([], n=2), lambda: ngram_entropy([]), lambda: mattr_corpus([]),
    lambda: compression_ratio([]), lambda: self_bleu([]), lambda: self_repetition([]),
    lambda: zipf_exponent([]), lambda: tail_survival([], [["a"]]), lambda: boilerplate_opening_rate([]),
    lambda: vendi_score(np.zeros((0, 4))), lambda: mean_pairwise_cosine(np.zeros((0, 4))),
    lambda: vendi_score(np.array([[1.0, np.nan]])), lambda: mean_pairwise_cosine(np.array([[np.inf, 1.0]] * 3)),
    lambda: vendi_score_kernel([[1.0, np.nan], [np.nan, 1.0]]), lambda: mattr(["a"], window=5),
])
def test_empty_or_nan_input_raises(fn):
    with pytest.raises(ValueError):
        fn()
