"""Integer-encoded tokens (``metrics.token_ids``): the lexical metrics give the same numbers on them as on
token lists. References here: the seeded order is ``sorted`` by ``(blake2b(salt + key), key)`` and the
n-gram counts a ``Counter`` over tuples, written out below as the definitions."""
import hashlib
import random
from collections import Counter

import numpy as np
import pytest

import metrics.diversity_lexical as lex
import metrics.token_ids as tid
from metrics.diversity_lexical import (order_salt, budget_tokens, compression_ratio, distinct_n, expectation_adjusted_distinct,
                                       mattr_corpus, ngram_entropy, seeded_order, token_key, token_order)
from metrics.diversity_homogenization import homogenization_rate
from metrics.diversity_repetition import boilerplate_opening_rate, self_bleu, self_repetition
from metrics.diversity_tail import _word_counts, tail_survival, zipf_exponent
from metrics.result import MetricResult
from metrics.token_ids import RANKS_KEPT, RankedTexts, TokenIds


def corpus(rnd: random.Random, vocab: int, docs: int) -> list[list[str]]:
    """Random documents, some empty, some repeated, some with punctuation."""
    out = [[rnd.choice([f"w{rnd.randrange(vocab)}", f"w{rnd.randrange(vocab)}", ",", "."])
            for _ in range(rnd.choice([0, 1, 2, 3, 5, 9, 60]))] for _ in range(docs)]
    return out + [list(d) for d in out[: docs // 4]]  # duplicates: equal keys


# --- the definitions, spelt out -----------------------------------------------------------------------
def order_by_definition(docs, random_state) -> list[int]:
    salt = int(np.random.default_rng(random_state).integers(0, 2**63 - 1)).to_bytes(8, "little")
    keys = ["\x1f".join(d) for d in docs]
    return sorted(range(len(docs)), key=lambda i: (hashlib.blake2b(salt + keys[i].encode("utf-8", "surrogatepass"), digest_size=8)
                                                     .digest(), keys[i]))


def counts_by_definition(docs, n, budget, random_state) -> tuple[Counter, int]:
    counts, total = Counter(), 0
    for i in order_by_definition(docs, random_state):
        grams = list(zip(*(docs[i][j:] for j in range(n))))[: budget - total]
        counts.update(grams)
        total += len(grams)
        if total >= budget:
            break
    return counts, total


def distinct_by_definition(docs, n, budget, random_state) -> MetricResult:
    counts, total = counts_by_definition(docs, n, budget, random_state)
    uni = {g[0] for g in counts} | {g[-1] for g in counts}
    ead = expectation_adjusted_distinct(len(counts), total, int(min(float(len(uni)) ** n, 1e12)))
    return MetricResult(len(counts) / total, n=len(docs), details={"ngrams": total, "ead": ead},
                        warnings=[] if total >= budget else [f"only {total} {n}-grams (budget {budget})"])


def entropy_by_definition(docs, n, budget, random_state) -> float:
    counts, total = counts_by_definition(docs, n, budget, random_state)
    p = np.fromiter(counts.values(), dtype=float) / total  # first-seen order: the same float sum
    return float(-(p * np.log2(p)).sum())


# --- the encoding ---------------------------------------------------------------------------------------
def test_encoding_round_trips_and_subsets_are_views():
    docs = [["a", "b", "a"], [], ["c"], ["b", "\ud800"]]
    ids = TokenIds.encode(docs)
    assert list(ids) == docs and len(ids) == 4 and ids[-1] == ["b", "\ud800"] and ids[1:3] == [[], ["c"]]
    assert ids.vocab == ["a", "b", "c", "\ud800"] and ids.flat.dtype == np.int32
    sub = ids.subset([3, 0])
    assert list(sub) == [docs[3], docs[0]] and sub.flat is ids.flat
    assert list(sub.subset([1])) == [docs[0]]  # a view of a view still points at the corpus's rows
    assert sub.lengths().tolist() == [2, 3]
    flat, begin = ids.gather(np.array([2, 0]), np.array([1, 2]))
    assert [ids.vocab[t] for t in flat] == ["c", "a", "b"] and begin.tolist() == [0, 1]
    with pytest.raises(IndexError):
        ids[4]


def test_per_document_counts_are_computed_once_per_corpus():
    ids = TokenIds.encode([["a", ",", "b"], [], [".", "."], ["c"]])
    calls = []

    def word(t):
        calls.append(t)
        return lex.is_word(t)

    assert ids.per_document("w", word).tolist() == [2, 0, 0, 1]
    assert ids.subset([3, 0]).per_document("w", word).tolist() == [1, 2]
    assert len(calls) == len(ids.vocab)  # the vocabulary is judged once, not every token, not twice
    assert TokenIds.encode([[], []]).per_document("w", word).tolist() == [0, 0]


# --- the seeded order: a subset's order is the corpus's order restricted to it ----------------------------
@pytest.mark.parametrize("seed", range(6))
def test_order_equals_the_sort_for_the_corpus_and_any_subset(seed):
    rnd = random.Random(seed)
    docs = corpus(rnd, 4, 40)
    ids = TokenIds.encode(docs)
    for rs in (0, 7, seed):
        assert token_order(ids, rs) == order_by_definition(docs, rs) == seeded_order(
            [token_key(d) for d in docs], rs)
        for _ in range(5):  # any subset, in any order (the audit's halves are sorted; this need not be)
            rows = rnd.sample(range(len(docs)), rnd.randrange(1, len(docs)))
            sub = [docs[r] for r in rows]
            assert token_order(ids.subset(rows), rs) == order_by_definition(sub, rs)


def test_order_breaks_equal_digests_by_key_then_position(monkeypatch):
    """Digests that collide (forced: one byte kept) are ordered by the key, equal keys by position."""
    real = hashlib.blake2b

    class OneByte:
        def __init__(self, data=b"", digest_size=8):
            self.h = real(data, digest_size=digest_size)

        def copy(self):
            c = OneByte()
            c.h = self.h.copy()
            return c

        def update(self, data):
            self.h.update(data)

        def digest(self):
            return self.h.digest()[:1] + bytes(7)

    fake = type("fake_hashlib", (), {"blake2b": OneByte})
    monkeypatch.setattr(lex, "hashlib", fake)
    monkeypatch.setattr(tid, "hashlib", fake)
    rnd = random.Random(3)
    docs = corpus(rnd, 30, 400)
    assert len({token_key(d) for d in docs}) > 256  # more keys than digests: different keys collide
    ids = TokenIds.encode(docs)
    for rs in (1, 2):
        want = seeded_order([token_key(d) for d in docs], rs)
        assert token_order(ids, rs) == want
        rows = sorted(rnd.sample(range(len(docs)), 150), reverse=True)
        assert token_order(ids.subset(rows), rs) == seeded_order([token_key(docs[r]) for r in rows], rs)
        texts = [" ".join(d) for d in docs]
        ranked = RankedTexts(texts)
        assert seeded_order(ranked, rs) == seeded_order(texts, rs)
        assert seeded_order(ranked.subset(rows), rs) == seeded_order([texts[r] for r in rows], rs)


def test_only_the_last_few_seeds_ranks_are_kept():
    ids = TokenIds.encode([["a"], ["b"], ["c"]])
    for s in range(RANKS_KEPT + 3):
        ids.order(order_salt(s))
    assert len(ids._ranks) == RANKS_KEPT
    assert list(ids._ranks)[-1] == order_salt(RANKS_KEPT + 2)


# --- the metrics: same numbers on ids and on lists --------------------------------------------------------
@pytest.mark.parametrize("seed", range(8))
def test_distinct_and_entropy_equal_the_counter_definition(seed):
    rnd = random.Random(100 + seed)
    docs = corpus(rnd, rnd.choice([2, 5, 40]), rnd.randrange(1, 30))
    ids = TokenIds.encode(docs)
    rows = sorted(rnd.sample(range(len(docs)), max(1, len(docs) // 2)))
    for n in (1, 2, 3):
        for budget in (1, 2, 7, 40, 10_000):
            for view, plain in ((ids, docs), (ids.subset(rows), [docs[r] for r in rows])):
                _, total = counts_by_definition(plain, n, budget, seed)
                if total == 0:
                    assert distinct_n(view, n=n, budget=budget, random_state=seed).warnings == ["no n-grams"]
                    continue
                want = distinct_by_definition(plain, n, budget, seed)
                assert distinct_n(view, n=n, budget=budget, random_state=seed) == want
                assert distinct_n(plain, n=n, budget=budget, random_state=seed) == want
                h = ngram_entropy(view, n=n, budget=budget, random_state=seed).value
                assert h == entropy_by_definition(plain, n, budget, seed)  # bit for bit


def test_distinct_counts_rows_when_the_vocabulary_is_too_large_to_pack(monkeypatch):
    rnd = random.Random(5)
    docs = corpus(rnd, 20, 30)
    packed = [distinct_n(docs, n=n, budget=50, random_state=1) for n in (1, 2, 3)]
    packed_h = [ngram_entropy(docs, n=n, budget=50, random_state=1) for n in (1, 2, 3)]
    monkeypatch.setattr(lex, "PACK_LIMIT", 2)  # every n-gram "overflows": np.unique over rows
    assert [distinct_n(docs, n=n, budget=50, random_state=1) for n in (1, 2, 3)] == packed
    assert [ngram_entropy(docs, n=n, budget=50, random_state=1) for n in (1, 2, 3)] == packed_h
    assert packed[1] == distinct_by_definition(docs, 2, 50, 1)


@pytest.mark.parametrize("seed", range(5))
def test_word_budgets_mattr_and_repetition_equal_the_list_versions(seed):
    rnd = random.Random(200 + seed)
    docs = corpus(rnd, 30, 40)
    ids = TokenIds.encode(docs)
    rows = sorted(rnd.sample(range(len(docs)), 25))
    sub, plain = ids.subset(rows), [docs[r] for r in rows]
    for budget in (1, 5, 33, 10_000):
        want = Counter(t for d in budget_tokens(plain, budget, seed, words_only=True) for t in d)
        assert _word_counts(sub, budget, seed) == (want, sum(want.values()))
        assert zipf_exponent(sub, budget=budget, random_state=seed) == zipf_exponent(plain, budget=budget,
                                                                                     random_state=seed)
    g1, g2 = np.random.default_rng(seed), np.random.default_rng(seed)  # a generator: each call draws a salt
    assert tail_survival(sub, ids, budget=40, random_state=g1) == tail_survival(plain, docs, budget=40,
                                                                                random_state=g2)
    assert mattr_corpus(sub, window=5) == mattr_corpus(plain, window=5)
    assert self_bleu(sub, sample_size=10, random_state=seed) == self_bleu(plain, sample_size=10, random_state=seed)
    assert self_repetition(sub, n=2, sample_size=12, random_state=seed) == self_repetition(
        plain, n=2, sample_size=12, random_state=seed)


@pytest.mark.parametrize("seed", range(4))
def test_ranked_texts_order_like_their_list_for_the_corpus_and_any_subset(seed):
    rnd = random.Random(300 + seed)
    texts = [" ".join(d) for d in corpus(rnd, 6, 60)] + ["lone \ud800 surrogate"]
    ranked = RankedTexts(texts)
    assert list(ranked) == texts and ranked[-1] == texts[-1] and ranked[1:3] == texts[1:3]
    for rs in (0, seed, 9):
        assert seeded_order(ranked, rs) == seeded_order(texts, rs) == order_by_definition(
            [[t] for t in texts], rs)
        rows = rnd.sample(range(len(texts)), 30)
        view = ranked.subset(rows).subset(list(range(29, -1, -1)))  # a view of a view, reversed
        plain = [texts[r] for r in rows][::-1]
        assert list(view) == plain and seeded_order(view, rs) == seeded_order(plain, rs)
    texts = [t * 40 for t in texts]
    ranked = RankedTexts(texts)
    rows = sorted(rnd.sample(range(len(texts)), 40))
    for view, plain in ((ranked, texts), (ranked.subset(rows), [texts[r] for r in rows])):
        assert compression_ratio(view, budget_bytes=2000, chunk_bytes=256, random_state=seed) == compression_ratio(
            plain, budget_bytes=2000, chunk_bytes=256, random_state=seed)
        assert homogenization_rate(view, sample_size=12, random_state=seed) == homogenization_rate(
            plain, sample_size=12, random_state=seed)



def test_openings_are_found_once_per_corpus_and_give_the_lists_rate():
    rnd = random.Random(7)
    texts = [" ".join(rnd.choice(["Sure", "here", "is", "the", "a", "plan", "!"]) for _ in range(rnd.randrange(6)))
             for _ in range(80)]
    ranked = RankedTexts(texts)
    rows = sorted(rnd.sample(range(len(texts)), 50))
    for view, plain in ((ranked, texts), (ranked.subset(rows), [texts[r] for r in rows])):
        for n in (2, 3):
            assert boilerplate_opening_rate(view, n=n, random_state=1) == boilerplate_opening_rate(
                plain, n=n, random_state=1)
    calls = []
    assert ranked.subset([2, 0]).per_text("len", lambda t: calls.append(t) or len(t)) == [len(texts[2]),
                                                                                         len(texts[0])]
    assert ranked.per_text("len", len) == [len(t) for t in texts] and len(calls) == len(texts)  # once
