"""Lexical diversity of one corpus at a fixed budget: distinct-n, EAD, n-gram entropy, MATTR, compression.

Every budgeted metric takes documents in a *content-keyed* seeded order (a salted hash of each document),
so the same corpus in any input order gives the same number, and corpora of different sizes are compared
on the same number of tokens (Guo et al. 2024: distinct-n falls with length).
"""
from __future__ import annotations

import gzip
import hashlib
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from metrics.result import MetricResult
from metrics.token_ids import RankedTexts, TokenIds, token_key


PACK_LIMIT = 2 ** 63  # n-grams are packed into one int64 while vocabulary ** n stays below this


# -- shared sampling helpers --------------------------------------------------------------------------
def check_docs(docs: Sequence, what: str = "documents") -> None:
    """Raise a clear ``ValueError`` on empty input or on non-text items."""
    if docs is None or len(docs) == 0:
        raise ValueError(f"no {what}: the corpus is empty")


def order_salt(random_state) -> bytes:
    """The 8-byte salt of a seeded content order (:func:`seeded_order`), drawn from ``random_state``."""
    return int(np.random.default_rng(random_state).integers(0, 2**63 - 1)).to_bytes(8, "little")


def seeded_order(keys: Sequence[str], random_state=None) -> list[int]:
    """Indices of ``keys`` in a seeded order that depends only on the keys' content, not their position.

    Shuffling the input therefore gives the same order of documents (and the same metric value);
    a different seed gives a different order. Ties (equal keys) keep their positions' order.
    """
    salt = order_salt(random_state)
    if isinstance(keys, RankedTexts):  # ranked once per corpus and seed
        return keys.order(salt).tolist()

    def key(i: int) -> tuple[bytes, str]:
        k = keys[i]
        return hashlib.blake2b(salt + k.encode("utf-8", "surrogatepass"), digest_size=8).digest(), k

    return sorted(range(len(keys)), key=key)


def token_order(docs_tokens: Sequence[Sequence[str]], random_state=None) -> list[int]:
    """``seeded_order`` of the documents' :func:`token_key`; for :class:`TokenIds`, from the corpus's
    ranks computed once per seed (a subset's order is the corpus's order restricted to it)."""
    if isinstance(docs_tokens, TokenIds):
        return docs_tokens.order(order_salt(random_state)).tolist()
    return seeded_order([token_key(t) for t in docs_tokens], random_state)


def budget_tokens(docs_tokens: Sequence[Sequence[str]], budget: int, random_state=None, *,
                  words_only: bool = False) -> list[list[str]]:
    """Documents in seeded order, the last one cut, until ``budget`` tokens are collected.

    ``words_only``: drop punctuation first (only from the documents actually taken).
    """
    out: list[list[str]] = []
    total = 0
    for i in token_order(docs_tokens, random_state):
        if total >= budget:
            break
        toks = list(docs_tokens[i])
        if words_only:
            toks = [t for t in toks if t[:1].isalnum() or t[:1] == "_"]
        toks = toks[: budget - total]
        if toks:
            out.append(toks)
            total += len(toks)
    return out


def is_word(tok: str) -> bool:
    """True for word tokens of :func:`metrics.text.tokenize`, False for punctuation."""
    return tok[:1].isalnum() or tok[:1] == "_"


def word_tokens(docs_tokens: Sequence[Sequence[str]]) -> list[list[str]]:
    """Each document's tokens without punctuation (inlined test: this runs over millions of tokens)."""
    return [[t for t in toks if t[:1].isalnum() or t[:1] == "_"] for toks in docs_tokens]


def _ngram_table(docs_tokens, n: int, budget: int, random_state) -> tuple[np.ndarray, np.ndarray, int]:
    """The first ``budget`` n-grams (within documents) in seeded order, counted.

    Returns the distinct n-grams as rows of token ids (in order of first appearance), their counts and
    the number of n-grams taken. Packs each n-gram into one int64 when the vocabulary allows.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    if budget < 1:
        raise ValueError("budget must be >= 1")
    check_docs(docs_tokens)
    ids = docs_tokens if isinstance(docs_tokens, TokenIds) else TokenIds.encode(docs_tokens)
    order = ids.order(order_salt(random_state))
    grams = np.maximum(ids.lengths()[order] - (n - 1), 0)
    cum = np.cumsum(grams)
    k = int(np.searchsorted(cum, budget))  # the document that reaches the budget (cut there)
    if k < len(order):
        order, grams = order[:k + 1], grams[:k + 1].copy()
        grams[k] = budget - (int(cum[k - 1]) if k else 0)
    total = int(grams.sum())
    flat, begin = ids.gather(order, np.where(grams > 0, grams + (n - 1), 0))
    start = np.repeat(begin - (np.cumsum(grams) - grams), grams) + np.arange(total, dtype=np.int64)
    rows = np.stack([flat[start + j] for j in range(n)], axis=1) if total else np.zeros((0, n), np.int32)
    v = max(1, len(ids.vocab))
    if v ** n < PACK_LIMIT:
        first, counts = _first_counts(pack_rows(rows, v))
        return rows[first], counts, total
    # a vocabulary past 2M words at n = 3: the rows themselves
    _, first, counts = np.unique(rows, axis=0, return_index=True, return_counts=True)
    seen = np.argsort(first, kind="stable")
    return rows[first[seen]], counts[seen], total


def pack_rows(rows: np.ndarray, v: int) -> np.ndarray:
    """Each row of ids below ``v`` as one int64, ``Σ rows[:, j] · v^(n-1-j)``: equal rows, equal codes, and
    the codes ordered as the rows are (lexicographically). The caller checks ``v ** n < PACK_LIMIT``."""
    code = np.zeros(len(rows), dtype=np.int64)
    for j in range(rows.shape[1]):
        code = code * v + rows[:, j]
    return code


def _first_counts(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each distinct value of ``code`` first appears and how often it appears, in order of first
    appearance: ``np.unique(code, return_index=True, return_counts=True)`` reordered by its index, with an
    unstable argsort (several times faster than the stable one ``return_index`` needs): a value's first
    position is the least of its positions, whatever their order."""
    if not len(code):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    perm = code.argsort()
    s = code[perm]
    new = np.empty(len(s), dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    first = np.minimum.reduceat(perm, starts)
    counts = np.diff(np.append(starts, len(s)))
    seen = np.argsort(first)  # distinct positions: any sort gives this order
    return first[seen], counts[seen]


def _distinct_ids(a: np.ndarray, b: np.ndarray) -> int:
    """``len(np.union1d(a, b))`` for token ids (non-negative ints), marked in a table instead of sorted."""
    ends = np.concatenate([a, b])
    if not len(ends):
        return 0
    seen = np.zeros(int(ends.max()) + 1, dtype=bool)
    seen[ends] = True
    return int(np.count_nonzero(seen))


def _budget_warning(total: int, budget: int, n: int) -> list[str]:
    return [] if total >= budget else [f"only {total} {n}-grams (budget {budget})"]


# -- metrics ----------------------------------------------------------------------------------------
def expectation_adjusted_distinct(n_unique: int, n_total: int, vocab_size: int) -> float:
    """Expectation-Adjusted Distinct (Liu et al., ACL 2022): N_unique / (V * (1 - ((V-1)/V)^C)).

    The denominator is the expected number of distinct items when drawing ``C = n_total`` items uniformly
    from a vocabulary of ``V`` items, so EAD is about 1 for uniform text at any length. Higher = more varied.
    """
    if vocab_size < 1 or n_total < 1:
        raise ValueError("vocab_size and n_total must be >= 1")
    expected = vocab_size * (1.0 - ((vocab_size - 1) / vocab_size) ** n_total)
    return n_unique / expected


def distinct_n(
    docs_tokens: Sequence[Sequence[str]], *, n: int = 2, budget: int = 50_000, random_state=None
) -> MetricResult:
    """Distinct-n (Li et al., NAACL 2016) at a fixed n-gram budget.

    Unique n-grams / total n-grams, where the n-grams are drawn from documents taken in a seeded order
    until ``budget`` n-grams are collected, so corpora of different lengths compare fairly.
    Range 0..1; higher = more varied. With fewer than ``budget`` n-grams in total, all are used and a
    warning says so. ``details["ead"]`` gives Expectation-Adjusted Distinct (Liu et al., ACL 2022) with
    V = the unigram vocabulary of the same sample raised to the n-th power (capped at 1e12).
    """
    grams, counts, total = _ngram_table(docs_tokens, n, budget, random_state)
    if total == 0:
        return MetricResult(float("nan"), n=len(docs_tokens), warnings=["no n-grams"])
    uni = _distinct_ids(grams[:, 0], grams[:, -1])  # the words that start or end an n-gram
    vocab = min(float(uni) ** n, 1e12)
    ead = expectation_adjusted_distinct(len(counts), total, int(vocab))
    return MetricResult(len(counts) / total, n=len(docs_tokens), details={"ngrams": total, "ead": ead},
                        warnings=_budget_warning(total, budget, n))


def ngram_entropy(
    docs_tokens: Sequence[Sequence[str]], *, n: int = 1, budget: int = 50_000, random_state=None
) -> MetricResult:
    """Shannon entropy H_n = -sum p(g) log2 p(g) of the n-gram distribution, on a fixed n-gram budget.

    In bits, from 0 (one n-gram repeated) to log2(budget); higher = more varied. The plug-in estimate
    grows with the sample, hence the fixed budget: compare corpora only at the same budget.
    """
    _, counts, total = _ngram_table(docs_tokens, n, budget, random_state)
    if total == 0:
        return MetricResult(float("nan"), n=len(docs_tokens), warnings=["no n-grams"])
    p = counts.astype(float) / total  # in order of first appearance, as a Counter would sum them
    h = float(-(p * np.log2(p)).sum())
    return MetricResult(h, n=len(docs_tokens), details={"ngrams": total, "types": len(counts)},
                        warnings=_budget_warning(total, budget, n))


def mattr(tokens: Sequence[str], *, window: int = 50) -> float:
    """Moving-average type-token ratio of one token list (Covington & McFall 2010).

    Mean TTR over every window of ``window`` consecutive tokens, computed incrementally in O(len).
    Range 0..1, higher = more varied. Raises ``ValueError`` if the text is shorter than the window.
    """
    if window < 1:
        raise ValueError("window must be >= 1")
    if len(tokens) < window:
        raise ValueError(f"text has {len(tokens)} tokens, fewer than the window {window}")
    counts = Counter(tokens[:window])
    distinct = len(counts)
    acc = distinct
    for i in range(window, len(tokens)):
        out_tok, in_tok = tokens[i - window], tokens[i]
        counts[out_tok] -= 1
        if counts[out_tok] == 0:
            distinct -= 1
        if counts[in_tok] == 0:
            distinct += 1
        counts[in_tok] += 1
        acc += distinct
    return acc / (window * (len(tokens) - window + 1))


def mattr_corpus(docs_tokens: Sequence[Sequence[str]], *, window: int = 50) -> MetricResult:
    """Mean MATTR over the documents with at least ``window`` word tokens (punctuation dropped).

    Per-document, so the corpus size does not bias it. Range 0..1, higher = more varied vocabulary
    within a text (Covington & McFall 2010). CI: normal approximation over documents. NaN (with a warning)
    when no document is long enough, e.g. headlines.
    """
    check_docs(docs_tokens)
    vals = []
    docs = docs_tokens
    if isinstance(docs_tokens, TokenIds):  # only the documents long enough are spelt out
        docs = [docs_tokens[i] for i in np.flatnonzero(docs_tokens.per_document("words", is_word) >= window)]
    for w in word_tokens(docs):
        if len(w) >= window:
            vals.append(mattr(w, window=window))
    skipped = len(docs_tokens) - len(vals)
    warnings = [f"{skipped} of {len(docs_tokens)} documents shorter than the window ({window} words)"] \
        if skipped else []
    share = len(vals) / len(docs_tokens)  # not empty: check_docs
    if not vals:
        return MetricResult(float("nan"), n=0, details={"window": window, "share_long_enough": share},
                            warnings=warnings)
    v = np.sort(vals)  # summation order independent of the input order
    se = float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else 0.0
    m = float(v.mean())
    return MetricResult(m, ci=(m - 1.96 * se, m + 1.96 * se), n=len(v), details={"window": window, "share_long_enough": share},
                        warnings=warnings)


def compression_ratio(
    texts: Sequence[str], *, budget_bytes: int = 1 << 20, chunk_bytes: int = 16_384, random_state=None
) -> MetricResult:
    """gzip compression ratio bytes(text) / bytes(gzip(text)) (Shaib et al. 2024), in fixed-size chunks.

    Documents are joined in seeded order, the first ``budget_bytes`` bytes are cut into chunks of
    ``chunk_bytes`` (inside DEFLATE's 32 KiB window, so every chunk is judged alike) and the ratio is
    averaged over chunks. Higher = more repetitive (about 2.5-3 for varied English prose); lower is
    better. CI: normal approximation over chunks. A last partial chunk under half the size is dropped.
    """
    check_docs(texts)
    if chunk_bytes < 256 or budget_bytes < chunk_bytes // 2:
        raise ValueError("chunk_bytes must be >= 256 and budget_bytes >= chunk_bytes / 2")
    order = seeded_order(texts, random_state)
    parts, total = [], 0
    for i in order:
        b = (texts[i] + "\n").encode("utf-8")
        parts.append(b)
        total += len(b)
        if total >= budget_bytes:
            break
    stream = b"".join(parts)[:budget_bytes]
    chunks = [stream[i:i + chunk_bytes] for i in range(0, len(stream), chunk_bytes)]
    chunks = [c for c in chunks if len(c) >= chunk_bytes // 2]
    if not chunks:
        raise ValueError(f"corpus has {len(stream)} bytes, fewer than half a chunk ({chunk_bytes} bytes)")
    ratios = np.array([len(c) / len(gzip.compress(c, compresslevel=9, mtime=0)) for c in chunks])
    m = float(ratios.mean())
    se = float(ratios.std(ddof=1) / math.sqrt(len(ratios))) if len(ratios) > 1 else 0.0
    warnings = [] if len(stream) >= budget_bytes else [f"only {len(stream)} bytes (budget {budget_bytes})"]
    return MetricResult(m, ci=(m - 1.96 * se, m + 1.96 * se), n=len(parts),
                        details={"chunks": len(chunks), "chunk_bytes": chunk_bytes, "bytes": len(stream)},
                        warnings=warnings)
