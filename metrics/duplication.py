"""Duplication within a corpus: exact duplicates, plus helpers shared by the near/semantic/copying metrics.

Near duplicates live in :mod:`metrics.duplication_near`, semantic ones in :mod:`metrics.duplication_semantic`,
copying from the real corpus into the synthetic one in :mod:`metrics.copying` and :mod:`metrics.copying_distance`.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from metrics.result import MetricResult
from metrics.stats import wilson_interval
from metrics.text import text_hash

SNIPPET_CHARS = 300


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The text, cut to ``limit`` characters (with an ellipsis when cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clusters_from_pairs(n: int, pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components (union-find) of the graph with ``n`` nodes and these edges.

    Only components with at least two members are returned, each sorted, largest first (ties: by first
    member), so the output does not depend on the order of ``pairs``.
    """
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    out = [g for g in groups.values() if len(g) > 1]
    out.sort(key=lambda g: (-len(g), g[0]))
    return out


def cluster_rate_result(
    n: int,
    pairs: Sequence[tuple[int, int, float]],
    *,
    ids: Sequence[str] | None,
    texts: Sequence[str] | None,
    kind: str,
    max_clusters: int = 10,
    max_members: int = 5,
    extra: Mapping | None = None,
    clusters: list[list[int]] | None = None,
) -> MetricResult:
    """Rate = share of documents in a duplicate cluster beyond the first of each cluster, with evidence.

    ``pairs`` are verified (i, j, similarity) edges; clusters are their connected components (pass
    ``clusters`` when already computed, e.g. over ordinals of a whole corpus; ``n`` is then the number
    of documents the rate is over). ``ids`` / ``texts`` only need ``[i]``.
    """
    if clusters is None:
        clusters = clusters_from_pairs(n, ((i, j) for i, j, _ in pairs))
    dups = sum(len(c) - 1 for c in clusters)
    sims: dict[int, list[tuple[int, int, float]]] = {}
    root = {m: c[0] for c in clusters for m in c}
    for i, j, s in pairs:
        sims.setdefault(root[i], []).append((i, j, s))
    shown = []
    for c in clusters[:max_clusters]:
        edges = sorted(sims.get(c[0], []), key=lambda e: (-e[2], e[0], e[1]))[:max_members * 2]
        shown.append({
            "kind": kind,
            "size": len(c),
            "members": [_doc(m, ids, texts) for m in c[:max_members]],
            "pairs": [{"id_a": _id(i, ids), "id_b": _id(j, ids), "similarity": round(float(s), 4)}
                      for i, j, s in edges],
        })
    sizes = Counter(len(c) for c in clusters)
    details = {
        "duplicate_docs": dups,
        "clusters": len(clusters),
        "cluster_sizes": {str(k): v for k, v in sorted(sizes.items())},
        "largest_clusters": shown,
        **dict(extra or {}),
    }
    return MetricResult(dups / n, ci=wilson_interval(dups, n), n=n, details=details)


def _id(i: int, ids: Sequence[str] | None) -> str:
    return str(ids[i]) if ids is not None else str(i)


def _doc(i: int, ids: Sequence[str] | None, texts: Sequence[str] | None) -> dict:
    return {"id": _id(i, ids), "text": snippet(texts[i]) if texts is not None else None}


def hash_counts(texts: Iterable[str]) -> Counter:
    """Normalised-text hash -> number of documents with it (what ``CorpusStats.hash_counts`` holds)."""
    return Counter(text_hash(t) for t in texts)


def exact_duplicate_rate(hash_counts: Mapping[str, int]) -> MetricResult:
    """Share of documents that repeat an earlier document's normalised text.

    ``hash_counts`` maps a normalised-text hash (NFKC, casefold, collapsed white space) to how many
    documents have it: a mergeable count, so it can be computed over the whole stream.

    Returns
    -------
    MetricResult
        rate = Σ(count - 1) / Σ count, in [0, 1], lower is better; the CI is a Wilson interval.
    """
    total = sum(hash_counts.values())
    if total == 0:
        raise ValueError("exact_duplicate_rate: empty corpus")
    dups = sum(c - 1 for c in hash_counts.values() if c > 1)
    groups = sum(1 for c in hash_counts.values() if c > 1)
    return MetricResult(dups / total, ci=wilson_interval(dups, total), n=total,
                        details={"duplicate_docs": dups, "duplicate_groups": groups})


def check_embeddings(x: np.ndarray, name: str) -> np.ndarray:
    """A float32 C-contiguous copy-free view of a 2-D finite embedding matrix, or a clear ValueError."""
    x = np.ascontiguousarray(np.asarray(x, dtype=np.float32))
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"{name}: expected a non-empty (n, d) embedding matrix, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name}: embeddings contain NaN or infinite values")
    return x


def excess_p_value(k: int, n: int, k0: int, n0: int) -> float | None:
    """One-sided Fisher exact p-value that the share k / n exceeds the baseline share k0 / n0."""
    if n <= 0 or n0 <= 0:
        return None
    from scipy.stats import fisher_exact

    return float(fisher_exact([[k, n - k], [k0, n0 - k0]], alternative="greater").pvalue)
