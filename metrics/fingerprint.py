"""Per-document fingerprints for full-corpus duplicate and copy detection, computed over batches.

One pure function, :func:`fingerprint_batch`, turns a batch of texts into compact arrays: a 64-bit hash
of the normalised text (exact duplicates), the token count (the minimum-length rule), MinHash-LSH band
keys of the word-shingle set (near duplicates; MinHash by rensa, Rust) and winnowed hashes of short token
grams (shared long spans; Schleimer, Wilkerson & Aiken, SIGMOD 2003), chosen so that any two documents
sharing a 13-token span share a fingerprint. Nothing here keeps state, so
batches can be computed in any process and concatenated; the same text always gives the same arrays.

Hashes are xxh3-64 of UTF-8 tokens, combined position by position into shingle / n-gram hashes
(order-sensitive). Verification (:func:`shingle_set`, :func:`gram_hashes`) uses the same 64-bit
hashes: a reported similarity equals the exact Jaccard of the shingle-string sets unless two distinct
shingles collide in 64 bits (probability about 2⁻⁶⁴ per pair of shingles).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import methodcaller

import numpy as np
import xxhash

from metrics.text import normalize, tokenize

_MIX = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)


@dataclass(frozen=True)
class FingerprintParams:
    """What a fingerprint depends on; two corpora are only comparable with equal parameters.

    ``bands`` × ``rows`` MinHash permutations are used: the default 21 × 6 proposes a pair at the 0.8
    verification threshold with probability 0.998 (:func:`lsh_bands`).
    """

    shingle_size: int = 5
    bands: int = 21
    rows: int = 6
    ngram_n: int = 13
    window: int = 6  # winnowing window over (ngram_n - window + 1)-grams: every shared ngram_n-span is caught
    min_tokens: int = 5  # shorter documents are "short": counted apart, never a duplicate or a copy
    seed: int = 1

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    @property
    def fp_gram(self) -> int:
        """Tokens per fingerprinted gram: windows of ``window`` such grams span ``ngram_n`` tokens, so
        two documents sharing any ``ngram_n``-token span share a fingerprint (the winnowing guarantee)."""
        return self.ngram_n - self.window + 1

    def validate(self) -> "FingerprintParams":
        for name in ("shingle_size", "bands", "rows", "ngram_n", "window", "min_tokens"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1 (got {getattr(self, name)})")
        if self.window > self.ngram_n:
            raise ValueError(f"ngram_window ({self.window}) must not exceed ngram_n ({self.ngram_n})")
        return self


@dataclass
class BatchPrints:
    """Fingerprints of a batch of ``n`` documents (row ``i`` = the batch's ``i``-th document)."""

    exact: np.ndarray  # (n,) uint64: xxh3-64 of the normalised text
    n_tokens: np.ndarray  # (n,) uint32
    bands: np.ndarray  # (n, bands) uint32: LSH band keys; all zero for short documents
    fp_hash: np.ndarray  # (m,) uint64: winnowed n-gram hashes, sorted and unique within each document
    fp_doc: np.ndarray  # (m,) uint32: the batch row each fingerprint belongs to

    def take(self, rows) -> "BatchPrints":
        """The fingerprints of the documents ``rows`` (distinct batch rows), as a batch in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        new = np.full(len(self.exact), -1, dtype=np.int64)
        new[rows] = np.arange(len(rows))
        doc = new[self.fp_doc]
        keep = np.flatnonzero(doc >= 0)
        keep = keep[np.argsort(doc[keep], kind="stable")]  # grouped by new row, each document's hashes in order
        return BatchPrints(self.exact[rows], self.n_tokens[rows], self.bands[rows], self.fp_hash[keep],
                           doc[keep].astype(self.fp_doc.dtype))

    @staticmethod
    def concat(batches: Sequence["BatchPrints"]) -> "BatchPrints":
        """One batch of the documents of ``batches``, in order (rows renumbered)."""
        base = np.cumsum([0] + [len(b.exact) for b in batches[:-1]])
        return BatchPrints(np.concatenate([b.exact for b in batches]),
                           np.concatenate([b.n_tokens for b in batches]),
                           np.concatenate([b.bands for b in batches]),
                           np.concatenate([b.fp_hash for b in batches]),
                           np.concatenate([b.fp_doc + np.uint32(o) for b, o in zip(batches, base)]))


def _encode(s: str) -> bytes:
    return s.encode("utf-8", "surrogatepass")


_ENCODE = methodcaller("encode", "utf-8", "surrogatepass")  # _encode without a Python call per token


def exact_hash(text: str) -> int:
    """64-bit hash of the normalised text (NFKC, casefold, collapsed white space)."""
    return xxhash.xxh3_64_intdigest(_encode(normalize(text)))


def token_hashes(tokens: Iterable[str], count: int | None = None) -> np.ndarray:
    """xxh3-64 of each token's UTF-8 bytes; ``count``: how many ``tokens`` yields (needed for an iterator)."""
    return np.fromiter(map(xxhash.xxh3_64_intdigest, map(_ENCODE, tokens)), dtype=np.uint64,
                       count=len(tokens) if count is None else count)


def _rolling(th: np.ndarray, k: int) -> np.ndarray:
    """Hash of each window of ``k`` consecutive token hashes (order-sensitive); empty if too short."""
    m = len(th) - k + 1
    if m <= 0:
        return np.zeros(0, np.uint64)
    h = np.zeros(m, np.uint64)
    for j in range(k):
        h = (h ^ th[j:j + m]) * _MIX  # wraps modulo 2**64, as intended
        h ^= h >> np.uint64(29)
    return h


def shingle_set(tokens: Sequence[str], k: int = 5) -> np.ndarray:
    """Sorted unique 64-bit hashes of the word ``k``-gram shingles (empty below ``k`` tokens)."""
    return np.unique(_rolling(token_hashes(tokens), k))


def gram_hashes(tokens: Sequence[str], n: int = 13) -> np.ndarray:
    """64-bit hash of each token ``n``-gram, in position order (length ``len(tokens) - n + 1``)."""
    return _rolling(token_hashes(tokens), n)


def set_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """|a ∩ b| / |a ∪ b| of two sorted unique hash arrays (0 when both are empty)."""
    if len(a) == 0 and len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def winnow(grams: np.ndarray, window: int) -> np.ndarray:
    """Winnowing: the minimum hash of every ``window`` consecutive n-gram hashes, sorted and unique.

    Two documents sharing ``window`` consecutive n-grams select the same hash there, so a shared span
    of ``n + window - 1`` tokens always leaves a common fingerprint. A document with fewer than
    ``window`` n-grams keeps its minimum.
    """
    if len(grams) == 0:
        return grams
    if len(grams) <= window:
        return grams[[int(np.argmin(grams))]]
    view = np.lib.stride_tricks.sliding_window_view(grams, window)
    return np.unique(view.min(axis=1))


def _band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n, bands * rows) uint32 signatures -> (n, bands) uint32 keys (a 64-bit mix of each band's rows)."""
    s = sig[:, : bands * rows].astype(np.uint64).reshape(len(sig), bands, rows)
    h = np.zeros((len(sig), bands), np.uint64)
    for r in range(rows):
        h = (h ^ s[:, :, r]) * _MIX
        h ^= h >> np.uint64(31)
    h = (h + np.arange(bands, dtype=np.uint64)) * _MIX2  # the same rows in two bands give two keys
    return (h >> np.uint64(32)).astype(np.uint32)


def _grouped_unique(values: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group (ascending), its values sorted and unique: ``(values, groups)`` concatenated, i.e. what
    ``np.unique`` of each group's values, one group after the other, gives."""
    order = np.lexsort((values, groups))
    v, g = values[order], groups[order]
    keep = np.ones(len(v), bool)
    keep[1:] = (v[1:] != v[:-1]) | (g[1:] != g[:-1])
    return v[keep], g[keep]


def _batch_rolling(th: np.ndarray, starts: np.ndarray, lengths: np.ndarray, k: int):
    """:func:`_rolling` of every document at once: ``(hashes, document)`` of each window of ``k`` tokens
    inside a document, in document then position order; ``th`` holds the documents' token hashes end to
    end (document ``d`` at ``starts[d]``, ``lengths[d]`` tokens). Same arithmetic, window by window."""
    h = _rolling(th, k)
    m = np.maximum(lengths - k + 1, 0)
    doc = np.repeat(np.arange(len(lengths)), m)
    first = np.repeat(starts - np.concatenate([[0], np.cumsum(m)[:-1]]), m)  # window index -> start
    pos = np.arange(int(m.sum())) + first
    return h[pos], doc, m


def fingerprint_batch(texts: Sequence[str], params: FingerprintParams = FingerprintParams()) -> BatchPrints:
    """Fingerprints of a batch of texts (a pure function: same texts, same arrays).

    The whole batch is hashed in a few array passes (token hashes end to end, windows that stay inside one
    document); per document this equals ``shingle_set`` and ``winnow(gram_hashes(...))``.
    """
    import rensa

    n = len(texts)
    exact = np.fromiter((exact_hash(t) for t in texts), dtype=np.uint64, count=n)
    toks = [tokenize(t) for t in texts]
    n_tokens = np.fromiter((len(t) for t in toks), dtype=np.uint32, count=n)
    long_ = np.flatnonzero(n_tokens >= max(params.min_tokens, params.shingle_size))
    bands = np.zeros((n, params.bands), np.uint32)
    if not len(long_):
        return BatchPrints(exact, n_tokens, bands, np.zeros(0, np.uint64), np.zeros(0, np.uint32))
    lengths = n_tokens[long_].astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    th = token_hashes(chain.from_iterable(toks[i] for i in long_), int(lengths.sum()))  # the documents end to end
    # MinHash of each document's set of shingles
    sh, sh_doc, _ = _batch_rolling(th, starts, lengths, params.shingle_size)
    sets, set_doc = _grouped_unique(sh, sh_doc)
    offsets = np.zeros(len(long_) + 1, np.uint64)
    offsets[1:] = np.cumsum(np.bincount(set_doc, minlength=len(long_)))
    mat = rensa.RMinHash.digest_matrix_from_flat_token_hashes(sets, offsets, params.num_perm, params.seed)
    bands[long_] = _band_keys(np.asarray(mat.to_rows(), dtype=np.uint32), params.bands, params.rows)
    # winnowing: the minimum of every ``window`` consecutive grams of a document (its minimum when shorter)
    grams, _, m = _batch_rolling(th, starts, lengths, params.fp_gram)
    w = params.window
    g_start = np.concatenate([[0], np.cumsum(m)[:-1]])
    full = np.flatnonzero(m > w)
    mins = [np.zeros(0, np.uint64)]
    docs = [np.zeros(0, np.int64)]
    if len(full):
        slide = np.lib.stride_tricks.sliding_window_view(grams, w).min(axis=1)
        nwin = m[full] - w + 1
        at = np.repeat(g_start[full] - np.concatenate([[0], np.cumsum(nwin)[:-1]]), nwin)
        mins.append(slide[np.arange(int(nwin.sum())) + at])
        docs.append(np.repeat(full, nwin))
    some = np.flatnonzero(m > 0)  # their grams lie end to end: one minimum per document
    few = m[some] <= w
    if few.any():
        mins.append(np.minimum.reduceat(grams, g_start[some])[few])
        docs.append(some[few])
    fp, fp_d = _grouped_unique(np.concatenate(mins), np.concatenate(docs))
    return BatchPrints(exact, n_tokens, bands, fp, long_[fp_d].astype(np.uint32))


def lsh_bands(threshold: float, num_perm: int, recall: float = 0.99) -> tuple[int, int]:
    """(bands, rows), ``bands * rows <= num_perm``: the most rows per band (fewest chance candidates)
    for which a pair of Jaccard ``threshold`` is proposed with probability at least ``recall``
    (P = 1 − (1 − J^rows)^bands); one row per band if none reaches it.

    datasketch's default optimum for 128 permutations at 0.7 (14 × 9) proposes a pair at Jaccard 0.8
    only with probability 0.87; 21 × 6 proposes it with 0.998, and verification removes the extra
    candidates.
    """
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold ** rows) ** bands >= recall:
            return bands, rows
    return num_perm, 1


def params_from_options(options: dict) -> FingerprintParams:
    """Fingerprint parameters from the audit's metric options (see ``METRIC_OPTIONS``)."""
    thr = float(options.get("near_threshold", 0.8))
    perms = int(options.get("minhash_perms", 128))
    if not 0.0 < thr <= 1.0:
        raise ValueError(f"near_threshold must be in (0, 1], got {thr}")
    if perms < 1:
        raise ValueError(f"minhash_perms must be at least 1, got {perms}")
    bands, rows = lsh_bands(thr, perms)
    return FingerprintParams(
        shingle_size=int(options.get("shingle_size", 5)), bands=bands, rows=rows,
        ngram_n=int(options.get("ngram_n", 13)), window=min(int(options.get("ngram_window", 6)), int(options.get("ngram_n", 13))),
        min_tokens=int(options.get("min_doc_tokens", 5)), seed=1).validate()
