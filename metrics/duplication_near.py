"""Near duplicates with MinHash-LSH (Broder 1997), every candidate verified by its true Jaccard.

LSH only proposes pairs; a pair is kept only when the Jaccard similarity of the two documents' word
5-gram shingle sets, computed exactly, reaches the threshold (text-dedup / datatrove practice; the
datasketch estimate alone gives false positives and negatives, datasketch #105).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from metrics.duplication import cluster_rate_result, snippet, wilson_interval
from metrics.result import MetricResult

Shingles = frozenset


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


def _seed(random_state) -> int:
    return int(np.random.default_rng(random_state).integers(1, 2**31 - 1))


def _lsh(sets: Sequence[frozenset], *, threshold: float, num_perm: int, seed: int):
    from datasketch import MinHash, MinHashLSH

    keep = [i for i, s in enumerate(sets) if s]
    sigs = MinHash.bulk([[x.encode("utf-8") for x in sets[i]] for i in keep],
                        num_perm=num_perm, seed=seed)
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
    sets = [shingles(t, shingle_size) for t in token_lists]
    keep, sigs, lsh = _lsh(sets, threshold=threshold, num_perm=num_perm, seed=_seed(random_state))
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
    rsets = [shingles(t, shingle_size) for t in real_tokens]
    ssets = [shingles(t, shingle_size) for t in synth_tokens]
    rkeep, rsigs, lsh = _lsh(rsets, threshold=threshold, num_perm=num_perm, seed=seed)
    with lsh.insertion_session() as session:
        for i, m in zip(rkeep, rsigs):
            session.insert(i, m, check_duplication=False)
    skeep, ssigs, _ = _lsh(ssets, threshold=threshold, num_perm=num_perm, seed=seed)
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
