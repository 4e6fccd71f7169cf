"""Duplicates and copies over every document, from the compact per-document arrays of whole corpora.

Input: the arrays of ``metrics.fingerprint`` for every document (exact-text hashes, token counts,
MinHash-LSH band keys, winnowed n-gram fingerprints) and a ``text(i)`` callback that returns document
``i``'s text. Output: verified pairs, never estimates:

* exact duplicates: equal 64-bit hashes of the normalised text;
* near duplicates and near copies: pairs sharing an LSH band key are candidates; each is kept only
  when the exact Jaccard of the two word-shingle sets reaches the threshold (Broder 1997; Lee et al.,
  ACL 2022: every candidate verified, as text-dedup and datatrove do after LSH);
* shared spans: a synthetic document and the (up to three) real documents with which it shares the
  most winnowed fingerprints are compared token by token, and the longest common run of tokens is
  measured (Brown et al. 2020's 13-gram rule). Winnowing guarantees a common fingerprint for every
  shared 13-token span; a fingerprint held by more than ``MAX_POSTINGS`` reference documents proposes
  only the first of them.

Documents below the minimum length are "short": they never count as duplicates or copies, and are
counted apart. Exact-duplicate groups are collapsed to their earliest member before LSH, so a text
repeated 10,000 times costs one query.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from metrics.fingerprint import gram_hashes, set_jaccard, shingle_set
from metrics.text import tokenize

WINDOW_PAIRS = 32  # in an LSH bucket of more documents, each is paired with its next 31 (chains stay connected)
MAX_POSTINGS = 50  # a fingerprint in more reference documents than this proposes only the first 50


class ShingleSets:
    """Exact shingle hash sets of documents, computed on demand from their text (bounded cache)."""

    def __init__(self, text: Callable[[int], str], k: int, cache: int = 20000):
        self._text, self._k, self._cache, self._max = text, k, OrderedDict(), cache

    def __getitem__(self, i: int) -> np.ndarray:
        s = self._cache.get(i)
        if s is None:
            s = shingle_set(tokenize(self._text(i)), self._k)
            self._cache[i] = s
            if len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return s


def exact_groups(exact: np.ndarray, idx: np.ndarray, order: np.ndarray | None = None):
    """Group documents ``idx`` by exact hash.

    Returns ``(rep, group)``: for each document of ``idx``, the ordinal of its group's earliest member
    (by ``order``, else by ordinal), and the group number (0..groups-1, in order of the earliest member).
    """
    idx = np.asarray(idx, dtype=np.int64)
    if len(idx) == 0:
        return idx, idx
    h = np.asarray(exact)[idx]
    key = idx if order is None else np.asarray(order)[idx]
    o = np.lexsort((key, h))
    hs = h[o]
    start = np.ones(len(o), dtype=bool)
    start[1:] = hs[1:] != hs[:-1]
    gid_sorted = np.cumsum(start) - 1
    first = idx[o][start]  # earliest member of each group (sorted by hash)
    rep = np.empty(len(idx), np.int64)
    rep[o] = first[gid_sorted]
    # renumber groups by their earliest member's position in idx order
    ranks = np.argsort(np.argsort(o[start], kind="stable"), kind="stable")
    group = np.empty(len(idx), np.int64)
    group[o] = ranks[gid_sorted]
    return rep, group


def stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")``, the same permutation. Unsigned keys of at most 32 bits (the
    LSH band keys) are packed with their positions into one uint64 each, key in the high half, and
    sorted unstably (numpy's SIMD sort): the packed values are distinct, so their order is the key
    order with ties by position, which is the stable order; ~9x faster than the stable sort on 16k keys.
    Other keys: the stable argsort itself."""
    keys = np.asarray(keys)
    if keys.ndim != 1 or keys.dtype.kind != "u" or keys.dtype.itemsize > 4 or len(keys) >= 2**32:
        return np.argsort(keys, kind="stable")
    packed = keys.astype(np.uint64)
    packed <<= np.uint64(32)
    packed |= np.arange(len(keys), dtype=np.uint64)
    packed.sort()
    packed &= np.uint64(0xFFFFFFFF)
    return packed.astype(np.intp)


def search_sorted_both(sorted_keys: np.ndarray, needles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(np.searchsorted(sorted_keys, needles, "left"), np.searchsorted(sorted_keys, needles, "right"))``.

    The same positions, found for the needles in sorted order (numpy's binary search starts from the
    previous needle's position when needles ascend: ~3x faster on 16k random band keys, the sort
    included) and put back in the needles' order. Needles that are not small unsigned keys: searched
    as given."""
    needles = np.asarray(needles)
    if needles.ndim != 1 or needles.dtype.kind != "u" or needles.dtype.itemsize > 4 or len(needles) < 2:
        return np.searchsorted(sorted_keys, needles, "left"), np.searchsorted(sorted_keys, needles, "right")
    o = stable_order(needles)
    ns = needles[o]
    lo, hi = np.empty(len(needles), np.intp), np.empty(len(needles), np.intp)
    lo[o] = np.searchsorted(sorted_keys, ns, "left")
    hi[o] = np.searchsorted(sorted_keys, ns, "right")
    return lo, hi


def _bucket_pairs(keys: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Pairs of ``members`` with equal ``keys`` (all pairs in small buckets, a window in big ones)."""
    o = stable_order(keys)
    k, m = keys[o], members[o]
    same = np.flatnonzero(k[1:] == k[:-1])
    if len(same) == 0:
        return np.zeros((0, 2), np.int64)
    out = []
    for d in range(1, WINDOW_PAIRS):
        pos = same[same + d < len(k)] if d > 1 else same
        if d > 1:
            pos = pos[k[pos + d] == k[pos]]
        if len(pos) == 0:
            break
        out.append(np.column_stack((m[pos], m[pos + d])))
    return np.concatenate(out)


def band_candidates(bands: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """(i, j), i < j, of documents ``docs`` sharing at least one LSH band key; unique, sorted."""
    docs = np.asarray(docs, dtype=np.int64)
    if len(docs) < 2:
        return np.zeros((0, 2), np.int64)
    found = []
    for b in range(bands.shape[1]):
        p = _bucket_pairs(np.asarray(bands[docs, b]), docs)
        if len(p):
            found.append(np.sort(p, axis=1))
    if not found:
        return np.zeros((0, 2), np.int64)
    return np.unique(np.concatenate(found), axis=0)


def cross_candidates(q_bands: np.ndarray, q_docs: np.ndarray, r_bands: np.ndarray, r_docs: np.ndarray,
                     max_postings: int = MAX_POSTINGS) -> np.ndarray:
    """(query doc, reference doc) pairs sharing at least one band key; unique, sorted."""
    q_docs, r_docs = np.asarray(q_docs, np.int64), np.asarray(r_docs, np.int64)
    if len(q_docs) == 0 or len(r_docs) == 0:
        return np.zeros((0, 2), np.int64)
    found = []
    for b in range(q_bands.shape[1]):
        found.append(_join(np.asarray(q_bands[q_docs, b]), q_docs, np.asarray(r_bands[r_docs, b]), r_docs,
                           max_postings))
    return np.unique(np.concatenate(found), axis=0)


def _join(q_keys, q_docs, r_keys, r_docs, max_postings: int) -> np.ndarray:
    """All (q, r) with equal keys, at most ``max_postings`` reference docs per key."""
    o = stable_order(r_keys)
    rk, rd = r_keys[o], r_docs[o]
    lo, hi = search_sorted_both(rk, q_keys)
    hi = np.minimum(hi, lo + max_postings)
    cnt = hi - lo
    hit = np.flatnonzero(cnt > 0)
    if len(hit) == 0:
        return np.zeros((0, 2), np.int64)
    reps = cnt[hit]
    qi = np.repeat(q_docs[hit], reps)
    start = np.repeat(lo[hit], reps)
    within = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    return np.column_stack((qi, rd[start + within]))


def verify(pairs: np.ndarray, sets_a: ShingleSets, sets_b: ShingleSets, threshold: float,
           memo: dict | None = None) -> list[tuple[int, int, float]]:
    """The candidate pairs whose exact shingle Jaccard reaches ``threshold``, with it."""
    out = []
    for i, j in pairs.tolist():
        s = None if memo is None else memo.get((i, j))
        if s is None:
            s = set_jaccard(sets_a[i], sets_b[j])
            if memo is not None:
                memo[i, j] = s
        if s >= threshold:
            out.append((i, j, s))
    return out


def near_duplicate_pairs_full(exact, bands, docs, sets: ShingleSets, threshold: float,
                              order=None, memo: dict | None = None) -> tuple[list[tuple[int, int, float]], int]:
    """Verified near-duplicate edges among ``docs``: exact duplicates link to their earliest copy
    (similarity 1), the other pairs come from LSH over one representative per exact text and are
    verified. Returns the edges and the number of candidate pairs checked."""
    docs = np.asarray(docs, np.int64)
    rep, _ = exact_groups(exact, docs, order)
    edges = [(int(r), int(d), 1.0) for d, r in zip(docs.tolist(), rep.tolist()) if d != r]
    reps = np.unique(rep)
    cand = band_candidates(bands, reps)
    return edges + verify(cand, sets, sets, threshold, memo), len(cand)


def components(n_nodes: np.ndarray, edges: list[tuple[int, int, float]]) -> list[list[int]]:
    """Connected components (size ≥ 2) of the graph on ordinals ``n_nodes`` with these edges; each
    sorted, largest first, ties by first member (independent of edge order)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if not edges:
        return []
    nodes = np.unique(np.asarray(n_nodes, np.int64))
    e = np.asarray([(i, j) for i, j, _ in edges], np.int64)
    inv = np.searchsorted(nodes, e)
    n = len(nodes)
    g = coo_matrix((np.ones(len(e)), (inv[:, 0], inv[:, 1])), shape=(n, n))
    _, lab = connected_components(g, directed=False)
    sizes = np.bincount(lab)
    multi = np.flatnonzero(sizes > 1)
    keep = np.isin(lab, multi)
    members = nodes[keep]
    labs = lab[keep]
    o = np.lexsort((members, labs))
    groups = np.split(members[o], np.flatnonzero(np.diff(labs[o])) + 1) if len(o) else []
    out = [g.tolist() for g in groups]
    out.sort(key=lambda g: (-len(g), g[0]))
    return out


def best_near_matches(q_exact, q_bands, q_docs, r_exact, r_bands, r_docs, q_sets: ShingleSets,
                      r_sets: ShingleSets, threshold: float, r_order=None):
    """For each query document, its most similar verified reference document (Jaccard ≥ threshold).

    Returns ``({query ordinal: (reference ordinal, similarity)}, candidates checked)``. A query whose
    exact text is in the reference matches its earliest copy with similarity 1.
    """
    q_docs, r_docs = np.asarray(q_docs, np.int64), np.asarray(r_docs, np.int64)
    best: dict[int, tuple[int, float]] = {}
    if len(q_docs) == 0 or len(r_docs) == 0:
        return best, 0
    r_rep, _ = exact_groups(r_exact, r_docs, r_order)
    r_reps = np.unique(r_rep)
    r_hash = np.asarray(r_exact)[r_reps]
    o = np.argsort(r_hash, kind="stable")
    qh = np.asarray(q_exact)[q_docs]
    pos = np.clip(np.searchsorted(r_hash[o], qh), 0, len(o) - 1)
    exact_hit = r_hash[o][pos] == qh
    for q, r in zip(q_docs[exact_hit].tolist(), r_reps[o][pos[exact_hit]].tolist()):
        best[q] = (r, 1.0)
    q_rep, _ = exact_groups(q_exact, q_docs[~exact_hit])
    q_reps = np.unique(q_rep)
    cand = cross_candidates(q_bands, q_reps, r_bands, r_reps)
    for q, r, s in verify(cand, q_sets, r_sets, threshold):
        cur = best.get(q)
        if cur is None or s > cur[1] or (s == cur[1] and r < cur[0]):
            best[q] = (r, s)
    for q, rp in zip(q_docs[~exact_hit].tolist(), q_rep.tolist()):  # members share their text's match
        if q != rp and rp in best:
            best[q] = best[rp]
    return best, len(cand)


def fingerprint_candidates(q_hash, q_doc, q_docs, r_hash, r_doc, r_docs, max_postings: int = MAX_POSTINGS,
                           per_query: int = 3) -> dict[int, list[int]]:
    """For each query document of ``q_docs``, up to ``per_query`` reference documents of ``r_docs``
    sharing the most winnowed fingerprints with it (ties: lowest ordinal)."""
    q_hash, q_doc = np.asarray(q_hash), np.asarray(q_doc, np.int64)
    r_hash, r_doc = np.asarray(r_hash), np.asarray(r_doc, np.int64)
    qm = np.isin(q_doc, q_docs)
    rm = np.isin(r_doc, r_docs)
    pairs = _join(q_hash[qm], q_doc[qm], r_hash[rm], r_doc[rm], max_postings)
    if len(pairs) == 0:
        return {}
    uniq, counts = np.unique(pairs, axis=0, return_counts=True)
    o = np.lexsort((uniq[:, 1], -counts, uniq[:, 0]))
    uniq = uniq[o]
    out: dict[int, list[int]] = {}
    for q, r in uniq.tolist():
        lst = out.setdefault(q, [])
        if len(lst) < per_query:
            lst.append(r)
    return out


def longest_shared_span(q_tokens: list[str], r_tokens: list[str], n: int) -> tuple[int, int, int]:
    """(query start, reference start, length) of the longest run of tokens the two share, found from
    matching ``n``-grams and checked token by token; length 0 when they share no ``n``-gram."""
    qg, rg = gram_hashes(q_tokens, n), gram_hashes(r_tokens, n)
    if len(qg) == 0 or len(rg) == 0:
        return 0, 0, 0
    o = np.argsort(rg, kind="stable")
    rs = rg[o]
    lo, hi = np.searchsorted(rs, qg, "left"), np.searchsorted(rs, qg, "right")
    cnt = hi - lo
    hit = np.flatnonzero(cnt > 0)
    if len(hit) == 0:
        return 0, 0, 0
    qpos = np.repeat(hit, cnt[hit])
    within = np.arange(cnt[hit].sum()) - np.repeat(np.cumsum(cnt[hit]) - cnt[hit], cnt[hit])
    rpos = o[np.repeat(lo[hit], cnt[hit]) + within]
    diag = rpos - qpos
    k = np.lexsort((qpos, diag))
    qpos, rpos, diag = qpos[k], rpos[k], diag[k]
    new = np.ones(len(k), bool)
    new[1:] = (diag[1:] != diag[:-1]) | (qpos[1:] != qpos[:-1] + 1)
    starts = np.flatnonzero(new)
    lengths = np.diff(np.append(starts, len(k)))
    order = np.lexsort((qpos[starts], -lengths))
    for b in order[:5]:  # the longest run whose tokens really agree (a hash collision is skipped)
        s = starts[b]
        q0, r0, length = int(qpos[s]), int(rpos[s]), int(lengths[b]) + n - 1
        if q_tokens[q0:q0 + length] == r_tokens[r0:r0 + length]:
            return q0, r0, length
    return 0, 0, 0
