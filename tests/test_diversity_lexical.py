"""Lexical diversity (``metrics.diversity_lexical``): errors, defaults, budgets, windows and chunks at their
boundaries, each value against its definition computed by hand or by a brute-force reference here."""
import gzip
import math

import numpy as np
import pytest

from metrics.diversity_lexical import (budget_tokens, check_docs, compression_ratio, distinct_n,
                                       expectation_adjusted_distinct, is_word, mattr, mattr_corpus,
                                       ngram_entropy, seeded_order, word_tokens)

ONE_DOC = [["a", "a", "b", "c", "a", "d"]]


# --- errors say what is wrong ------------------------------------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda: check_docs([]), "no documents: the corpus is empty"),
    (lambda: check_docs(None, "texts"), "no texts: the corpus is empty"),
    (lambda: distinct_n(ONE_DOC, n=0), "n must be >= 1"),
    (lambda: distinct_n(ONE_DOC, budget=0), "budget must be >= 1"),
    (lambda: ngram_entropy([], n=1), "no documents: the corpus is empty"),
    (lambda: expectation_adjusted_distinct(1, 1, 0), "vocab_size and n_total must be >= 1"),
    (lambda: expectation_adjusted_distinct(1, 0, 5), "vocab_size and n_total must be >= 1"),
    (lambda: mattr(["a"] * 5, window=0), "window must be >= 1"),
    (lambda: mattr(["a"] * 5, window=6), "text has 5 tokens, fewer than the window 6"),
    (lambda: compression_ratio(["x"], chunk_bytes=255), "chunk_bytes must be >= 256 and budget_bytes >= chunk_bytes / 2"),
    (lambda: compression_ratio(["x"], chunk_bytes=256, budget_bytes=127),
     "chunk_bytes must be >= 256 and budget_bytes >= chunk_bytes / 2"),
    (lambda: compression_ratio(["x" * 50], chunk_bytes=256, budget_bytes=1000),
     r"corpus has 51 bytes, fewer than half a chunk \(256 bytes\)"),
])
def test_errors_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        call()


# --- words, orders, budgets --------------------------------------------------------------------------
def test_words_are_tokens_starting_with_a_letter_digit_or_underscore():
    toks = ["Hello", ",", "_x", "a-b", "9th", ".", "", "é"]
    words = ["Hello", "_x", "a-b", "9th", "é"]
    assert [t for t in toks if is_word(t)] == words
    assert word_tokens([toks, [",", "."]]) == [words, []]
    assert budget_tokens([toks], 100, words_only=True) == [words]
    assert budget_tokens([toks], 100) == [[t for t in toks]]  # punctuation kept unless asked


def test_seeded_order_is_a_content_permutation_with_many_seeds():
    keys = [f"k{i}" for i in range(10)] + ["lone \ud800 surrogate"]
    order = seeded_order(keys, 0)
    assert sorted(order) == list(range(len(keys)))
    rev = keys[::-1]
    assert [rev[i] for i in seeded_order(rev, 0)] == [keys[i] for i in order]  # content, not position
    orders = {tuple(seeded_order(keys, s)) for s in range(300)}
    assert len(orders) > 250  # the seed picks one of many orders (a 2**63 salt), not of a handful


def test_budget_warnings_and_defaults():
    assert distinct_n(ONE_DOC, n=1, budget=7).warnings == ["only 6 1-grams (budget 7)"]
    assert ngram_entropy(ONE_DOC, n=2, budget=6).warnings == ["only 5 2-grams (budget 6)"]
    assert distinct_n(ONE_DOC, n=1, budget=6).warnings == []
    doc = [["a", "b", "a", "b", "a"]]  # bigrams ab ba ab ba: 2 of 4; trigrams aba bab aba: 2 of 3
    assert distinct_n(doc).value == 0.5  # default n = 2
    assert ngram_entropy(doc).value == pytest.approx(-(0.6 * math.log2(0.6) + 0.4 * math.log2(0.4)))  # n = 1
    long = [[f"w{i}" for i in range(50_010)]]  # default budget: 50,000 n-grams
    assert distinct_n(long).details["ngrams"] == 50_000
    assert ngram_entropy(long).details == {"ngrams": 50_000, "types": 50_000}


def test_no_ngrams_is_nan_with_a_warning():
    for fn in (distinct_n, ngram_entropy):
        r = fn([["a"], ["b"]], n=2)
        assert r.value is None and r.n == 2 and r.warnings == ["no n-grams"]  # NaN is stored as None


def test_distinct_counts_and_ead_hand_computed():
    r = distinct_n(ONE_DOC, n=2, budget=5, random_state=0)  # aa ab bc ca ad: 5 distinct of 5
    assert (r.value, r.n) == (1.0, 1) and r.details["ngrams"] == 5
    # EAD: V = (4 unigrams at the bigrams' ends)^2 = 16; expected distinct of 5 draws 16 (1 - (15/16)^5)
    assert r.details["ead"] == pytest.approx(5 / (16 * (1 - (15 / 16) ** 5)))
    assert expectation_adjusted_distinct(1, 2, 2) == pytest.approx(1 / 1.5)
    h = ngram_entropy(ONE_DOC, n=1, budget=6)
    assert h.n == 1 and h.details == {"ngrams": 6, "types": 4}


# --- MATTR -------------------------------------------------------------------------------------------
def mattr_brute(tokens, window):
    windows = [tokens[i:i + window] for i in range(len(tokens) - window + 1)]
    return sum(len(set(w)) / window for w in windows) / len(windows)


def test_mattr_equals_the_mean_ttr_of_every_window():
    rng = np.random.default_rng(0)
    for length, window, vocab in ((5, 5, 3), (6, 5, 3), (40, 7, 6), (200, 50, 40)):
        toks = [f"t{x}" for x in rng.integers(0, vocab, length)]
        assert mattr(toks, window=window) == pytest.approx(mattr_brute(toks, window))
    assert mattr(["a", "b", "a", "b", "c"], window=3) == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    assert mattr(["a", "a", "b"], window=1) == 1.0  # a window of one token is always all distinct


def test_mattr_corpus_documents_at_least_one_window_long():
    rng = np.random.default_rng(1)
    docs = [[f"t{x}" for x in rng.integers(0, 5, n)] for n in (3, 4, 6, 9)] + [[",", "."] * 5]
    r = mattr_corpus(docs, window=4)  # 4, 6 and 9 words are long enough; 3 words and punctuation are not
    vals = sorted(mattr_brute(d, 4) for d in docs[1:4])
    m = sum(vals) / 3
    se = float(np.std(vals, ddof=1)) / math.sqrt(3)
    assert r.value == pytest.approx(m) and r.n == 3
    assert r.ci == pytest.approx((m - 1.96 * se, m + 1.96 * se))
    assert r.details == {"window": 4, "share_long_enough": 0.6}
    assert r.warnings == ["2 of 5 documents shorter than the window (4 words)"]
    two = mattr_corpus([["a", "b", "a", "c"], ["a", "b", "c", "d"]], window=4)  # 0.75 and 1.0
    se = float(np.std([0.75, 1.0], ddof=1)) / math.sqrt(2)
    assert two.ci == pytest.approx((0.875 - 1.96 * se, 0.875 + 1.96 * se))
    one = mattr_corpus([["a", "b", "a", "c"]], window=4)
    assert one.value == pytest.approx(0.75) and one.ci == (0.75, 0.75) and one.warnings == []
    # punctuation is dropped before counting: 4 words and 3 commas is one window of 4
    assert mattr_corpus([["a", ",", "b", ",", "c", ",", "d"]], window=4).value == 1.0
    assert mattr_corpus([["w"] * 50]).details["window"] == 50  # default window


def test_mattr_corpus_without_long_documents_is_nan():
    r = mattr_corpus([["a", "b"], ["c"]], window=3)
    assert r.value is None and r.n == 0 and r.ci is None
    assert r.details == {"window": 3, "share_long_enough": 0.0}
    assert r.warnings == ["2 of 2 documents shorter than the window (3 words)"]


# --- compression ratio -------------------------------------------------------------------------------
def ratio(chunk: bytes) -> float:
    return len(chunk) / len(gzip.compress(chunk, compresslevel=9, mtime=0))


def texts_of(n, size, seed=0):
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("abcdefgh "), size - 1)) for _ in range(n)]  # size bytes with "\n"


def test_compression_ratio_chunks_hand_computed():
    texts = texts_of(3, 300)  # 900 bytes once joined with newlines
    r = compression_ratio(texts, chunk_bytes=256, budget_bytes=1 << 20, random_state=0)
    order = seeded_order(texts, 0)
    stream = "".join(texts[i] + "\n" for i in order).encode()
    chunks = [stream[i:i + 256] for i in range(0, 900, 256)]  # 256, 256, 256, 132: all at least half
    vals = [ratio(c) for c in chunks]
    m = sum(vals) / 4
    se = float(np.std(vals, ddof=1)) / 2
    assert r.value == pytest.approx(m) and r.ci == pytest.approx((m - 1.96 * se, m + 1.96 * se))
    assert r.n == 3 and r.details == {"chunks": 4, "chunk_bytes": 256, "bytes": 900}
    assert r.warnings == ["only 900 bytes (budget 1048576)"]


def test_compression_ratio_budget_and_partial_chunk_boundaries():
    texts = texts_of(4, 300)
    assert compression_ratio(texts, chunk_bytes=256, budget_bytes=300).n == 1  # the budget reached: stop
    assert compression_ratio(texts, chunk_bytes=256, budget_bytes=301).n == 2
    r = compression_ratio(texts, chunk_bytes=256, budget_bytes=600)
    assert r.warnings == [] and r.details["bytes"] == 600
    two = compression_ratio(texts, chunk_bytes=256, budget_bytes=384, random_state=0)
    assert two.details["chunks"] == 2  # 128 = half a chunk: kept
    stream = "".join(texts[i] + "\n" for i in seeded_order(texts, 0)).encode()[:384]
    vals = [ratio(stream[:256]), ratio(stream[256:])]
    se = float(np.std(vals, ddof=1)) / math.sqrt(2)
    assert two.ci == pytest.approx((np.mean(vals) - 1.96 * se, np.mean(vals) + 1.96 * se))
    assert compression_ratio(texts, chunk_bytes=257, budget_bytes=128).details["chunks"] == 1  # 257 // 2
    assert compression_ratio(texts, chunk_bytes=256, budget_bytes=383).details["chunks"] == 1  # 127: dropped
    assert compression_ratio(texts, chunk_bytes=257, budget_bytes=385).details["chunks"] == 2  # 128 of 257
    assert compression_ratio(texts, chunk_bytes=256, budget_bytes=356).details["chunks"] == 1
    one = compression_ratio(texts, chunk_bytes=256, budget_bytes=256)
    assert one.ci == (one.value, one.value)
    assert compression_ratio(texts, chunk_bytes=256, budget_bytes=128).details["chunks"] == 1  # budget = half
    assert compression_ratio(texts_of(40, 1000)).details["chunk_bytes"] == 16_384  # default chunk


def test_distinct_ids_count_the_union_of_first_and_last_words():
    from metrics.diversity_lexical import _distinct_ids

    rng = np.random.default_rng(2)
    for size, top in ((0, 5), (1, 1), (7, 3), (300, 50), (2000, 9000)):
        a = rng.integers(0, top, size).astype(np.int32)
        b = rng.integers(0, top, size).astype(np.int32)
        assert _distinct_ids(a, b) == len(np.union1d(a, b))
        assert _distinct_ids(a, a[:0]) == len(np.unique(a))


def test_first_counts_equal_unique_reordered_by_first_appearance():
    from metrics.diversity_lexical import _first_counts

    rng = np.random.default_rng(4)
    cases = [np.zeros(0, np.int64), np.array([5]), np.array([3, 3, 3]), np.arange(50)[::-1].copy()]
    cases += [rng.integers(0, top, size) * 7919 for size, top in ((20, 3), (500, 40), (5000, 4000), (30000, 10**12))]
    for code in cases:
        code = np.asarray(code, dtype=np.int64)
        _, first, counts = np.unique(code, return_index=True, return_counts=True)
        seen = np.argsort(first, kind="stable")
        got_first, got_counts = _first_counts(code)
        assert got_first.tolist() == first[seen].tolist() and got_counts.tolist() == counts[seen].tolist()
        assert got_first.dtype == first.dtype and got_counts.dtype == counts.dtype
