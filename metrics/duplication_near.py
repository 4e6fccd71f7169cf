"""Near duplicates with MinHash-LSH (Broder 1997), every candidate verified by its true Jaccard.

LSH only proposes pairs; a pair is kept only when the Jaccard similarity of the two documents' word
5-gram shingle sets, computed exactly, reaches the threshold (text-dedup / datatrove practice; the
datasketch estimate alone gives false positives and negatives, datasketch #105).
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from metrics.duplication import cluster_rate_result, snippet
from metrics.stats import wilson_interval
from metrics.result import MetricResult

def shingles(tokens: Sequence[str], k: int = 5) -> frozenset:
    """Set of word k-gram shingles; a document shorter than k is one shingle (itself); empty -> empty."""
    if not tokens:
        return frozenset()
    if len(tokens) < k:
        return frozenset([" ".join(tokens)])
    return frozenset(" ".join(g) for g in zip(*(tokens[i:] for i in range(k))))


def jaccard(a: frozenset, b: frozenset) -> float:
    """|a ∩ b| / |a ∪ b| (0 when both are empty)."""
    if not a and not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


class _LazySets:
    """Exact shingle sets, built only for documents that LSH proposes."""

    def __init__(self, token_lists: Sequence[Sequence[str]], k: int):
        self._tokens, self._k, self._sets = token_lists, k, {}

    def __getitem__(self, i: int) -> frozenset:
        if i not in self._sets:
            self._sets[i] = shingles(self._tokens[i], self._k)
        return self._sets[i]


def _seed(random_state) -> int:
    return int(np.random.default_rng(random_state).integers(1, 2**31 - 1))


@lru_cache(maxsize=1 << 20)
def _token_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


_M = np.uint64(0x9E3779B97F4A7C15)


def shingle_hashes(tokens: Sequence[str], k: int = 5) -> list[int]:
    """Stable 32-bit hashes of the word k-gram shingles (one blake2b per distinct token, then numpy
    mixing): what MinHash sees. Verification uses the exact shingle sets, so a collision cannot
    create a reported pair."""
    if not tokens:
        return []
    th = np.fromiter((_token_hash(t) for t in tokens), dtype=np.uint64, count=len(tokens))
    m = max(1, len(th) - k + 1)
    h = np.zeros(m, dtype=np.uint64)
    for j in range(min(k, len(th))):
        h = (h ^ th[j:j + m]) * _M  # uint64 arithmetic wraps, as intended
        h ^= h >> np.uint64(29)
    return np.unique(h >> np.uint64(32)).tolist()


def _lsh(token_lists: Sequence[Sequence[str]], k: int, *, threshold: float, num_perm: int, seed: int):
    from datasketch import MinHash, MinHashLSH

    keep = [i for i, t in enumerate(token_lists) if len(t)]
    sigs = MinHash.bulk([shingle_hashes(token_lists[i], k) for i in keep], num_perm=num_perm, seed=seed,
                        hashfunc=int)
    # an LSH threshold a bit under the verification threshold: fewer false negatives, FPs are verified away
    lsh = MinHashLSH(threshold=max(0.05, threshold - 0.1), num_perm=num_perm)
    return keep, sigs, lsh


def _validate(token_lists: Sequence[Sequence[str]], name: str, threshold: float) -> None:
    if len(token_lists) == 0:
        raise ValueError(f"{name}: empty corpus")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"{name}: threshold must be in (0, 1], got {threshold}")


def near_duplicate_pairs(
    token_lists: Sequence[Sequence[str]],
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle_size: int = 5,
    random_state=None,
) -> tuple[list[tuple[int, int, float]], int]:
    """Verified near-duplicate pairs (i < j, Jaccard ≥ threshold) and the number of LSH candidates checked."""
    _validate(token_lists, "near_duplicate_pairs", threshold)
    sets = _LazySets(token_lists, shingle_size)
    keep, sigs, lsh = _lsh(token_lists, shingle_size, threshold=threshold, num_perm=num_perm,
                           seed=_seed(random_state))
    with lsh.insertion_session() as session:
        for i, m in zip(keep, sigs):
            session.insert(i, m, check_duplication=False)
    pairs, checked = [], 0
    for i, m in zip(keep, sigs):
        for j in lsh.query(m):
            if j <= i:
                continue
            checked += 1
            s = jaccard(sets[i], sets[j])
            if s >= threshold:
                pairs.append((i, j, s))
    pairs.sort()
    return pairs, checked


def near_duplicate_rate(
    token_lists: Sequence[Sequence[str]],
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle_size: int = 5,
    ids: Sequence[str] | None = None,
    texts: Sequence[str] | None = None,
    random_state=None,
) -> MetricResult:
    """Share of documents that are near duplicates of another, beyond the first of each cluster.

    Documents are word ``shingle_size``-gram sets; MinHash-LSH (``num_perm`` permutations) proposes
    pairs, each verified by exact Jaccard ≥ ``threshold``; clusters are connected components of the
    verified pairs. Exact duplicates count too (Jaccard 1).

    Returns
    -------
    MetricResult
        value in [0, 1], lower is better; CI: Wilson interval on the share; details hold the cluster
        sizes and the largest clusters with their texts and pair similarities (Broder 1997; Lee et al.,
        ACL 2022).
    """
    pairs, checked = near_duplicate_pairs(token_lists, threshold=threshold, num_perm=num_perm,
                                          shingle_size=shingle_size, random_state=random_state)
    return cluster_rate_result(
        len(token_lists), pairs, ids=ids, texts=texts, kind="near",
        extra={"threshold": threshold, "num_perm": num_perm, "shingle_size": shingle_size,
               "verified_pairs": len(pairs), "candidates_checked": checked,
               "candidates_rejected": checked - len(pairs)})


def near_copy_rate(
    real_tokens: Sequence[Sequence[str]],
    synth_tokens: Sequence[Sequence[str]],
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle_size: int = 5,
    real_ids: Sequence[str] | None = None,
    synth_ids: Sequence[str] | None = None,
    real_texts: Sequence[str] | None = None,
    synth_texts: Sequence[str] | None = None,
    max_examples: int = 20,
    random_state=None,
) -> MetricResult:
    """Share of synthetic documents that nearly reproduce a real one (verified Jaccard ≥ threshold).

    The real shingle sets go into a MinHash-LSH index, each synthetic document queries it, and every
    candidate is verified by exact Jaccard; a synthetic document's match is its most similar verified
    real document.

    Returns
    -------
    MetricResult
        value in [0, 1], lower is better; CI: Wilson interval; ``details["examples"]``: the closest
        pairs (both ids, both texts, Jaccard), most similar first.
    """
    _validate(real_tokens, "near_copy_rate", threshold)
    _validate(synth_tokens, "near_copy_rate", threshold)
    seed = _seed(random_state)
    rsets, ssets = _LazySets(real_tokens, shingle_size), _LazySets(synth_tokens, shingle_size)
    rkeep, rsigs, lsh = _lsh(real_tokens, shingle_size, threshold=threshold, num_perm=num_perm, seed=seed)
    with lsh.insertion_session() as session:
        for i, m in zip(rkeep, rsigs):
            session.insert(i, m, check_duplication=False)
    skeep, ssigs, _ = _lsh(synth_tokens, shingle_size, threshold=threshold, num_perm=num_perm, seed=seed)
    best: list[tuple[int, int, float]] = []
    checked = 0
    for i, m in zip(skeep, ssigs):
        top = None
        for j in sorted(lsh.query(m)):
            checked += 1
            s = jaccard(ssets[i], rsets[j])
            if s >= threshold and (top is None or s > top[2]):
                top = (i, j, s)
        if top is not None:
            best.append(top)
    k, n = len(best), len(synth_tokens)
    best.sort(key=lambda e: (-e[2], e[0]))
    examples = [_pair(e, "near", real_ids, synth_ids, real_texts, synth_texts) for e in best[:max_examples]]
    return MetricResult(k / n, ci=wilson_interval(k, n), n=n, details={
        "copied_docs": k, "threshold": threshold, "num_perm": num_perm, "shingle_size": shingle_size,
        "candidates_checked": checked, "examples": examples})


def _pair(e, kind, real_ids, synth_ids, real_texts, synth_texts) -> dict:
    i, j, s = e
    return {
        "kind": kind,
        "synth_id": str(synth_ids[i]) if synth_ids is not None else str(i),
        "real_id": str(real_ids[j]) if real_ids is not None else str(j),
        "synth_text": snippet(synth_texts[i]) if synth_texts is not None else None,
        "real_text": snippet(real_texts[j]) if real_texts is not None else None,
        "similarity": round(float(s), 4),
    }
