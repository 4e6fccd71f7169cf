"""Semantic duplicates (SemDeDup, Abbas et al. 2023) and semantic copies, by cosine on embeddings.

Embeddings are L2-normalised, so the inner product is the cosine. faiss ``IndexFlatIP`` does the exact
range / 1-NN search; these are O(n·m·d) and run on the (capped) sample the caller passes.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from metrics.duplication import check_embeddings, cluster_rate_result, snippet
from metrics.stats import wilson_interval
from metrics.result import MetricResult


def _index(x: np.ndarray):
    import faiss

    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    return index


def semantic_duplicate_pairs(emb: np.ndarray, *, threshold: float = 0.95) -> list[tuple[int, int, float]]:
    """All pairs (i < j) whose cosine similarity is ≥ ``threshold``, exactly (faiss range search)."""
    x = check_embeddings(emb, "semantic_duplicate_pairs")
    if not -1.0 <= threshold <= 1.0:
        raise ValueError(f"semantic_duplicate_pairs: threshold must be in [-1, 1], got {threshold}")
    # faiss keeps scores strictly above the radius; nudge it so ``>= threshold`` holds up to float error
    lims, dist, lab = _index(x).range_search(x, float(threshold) - 1e-6)
    rows = np.repeat(np.arange(x.shape[0]), np.diff(lims).astype(np.int64))  # the query row of each hit
    keep = lab > rows  # each pair once, i < j
    pairs = [(i, j, min(1.0, s)) for i, j, s in zip(rows[keep].tolist(), lab[keep].tolist(), dist[keep].tolist())]
    pairs.sort()
    return pairs


def semantic_duplicate_rate(
    emb: np.ndarray,
    *,
    threshold: float = 0.95,
    ids: Sequence[str] | None = None,
    texts: Sequence[str] | None = None,
) -> MetricResult:
    """Share of documents that are semantic duplicates of another, beyond the first of each cluster.

    Two documents are semantic duplicates when the cosine of their embeddings is ≥ ``threshold``
    (SemDeDup, Abbas et al. 2023, keeps one document per such group; it searches within k-means
    clusters for speed, here the search is exact). Exact and near duplicates count too.

    Returns
    -------
    MetricResult
        value in [0, 1], lower is better; CI: Wilson interval; details: cluster sizes and the largest
        clusters with their texts and pair cosines. Values depend on the embedding model.
    """
    pairs = semantic_duplicate_pairs(emb, threshold=threshold)
    return cluster_rate_result(len(emb), pairs, ids=ids, texts=texts, kind="semantic",
                               extra={"threshold": threshold, "pairs": len(pairs)})


def nearest(reference: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query row, the cosine to its nearest reference row and that row's index (exact)."""
    r = check_embeddings(reference, "reference embeddings")
    q = check_embeddings(query, "query embeddings")
    if r.shape[1] != q.shape[1]:
        raise ValueError(f"embedding dimensions differ: {r.shape[1]} vs {q.shape[1]}")
    sim, idx = _index(r).search(q, 1)
    return np.minimum(sim[:, 0], 1.0), idx[:, 0]


def semantic_copy_rate(
    real_emb: np.ndarray,
    synth_emb: np.ndarray,
    *,
    threshold: float = 0.95,
    real_ids: Sequence[str] | None = None,
    synth_ids: Sequence[str] | None = None,
    real_texts: Sequence[str] | None = None,
    synth_texts: Sequence[str] | None = None,
    max_examples: int = 20,
    nearest_rows: tuple[np.ndarray, np.ndarray] | None = None,
) -> MetricResult:
    """Share of synthetic documents whose nearest real document has cosine ≥ ``threshold``.

    ``nearest_rows``: ``nearest(real_emb, synth_emb)`` when the caller already has it (the same search
    serves the DCR test), so it is not run twice.

    Returns
    -------
    MetricResult
        value in [0, 1], lower is better; CI: Wilson interval; ``details["examples"]``: the closest
        (synthetic, real) pairs with both texts and their cosine, most similar first.
    """
    sim, idx = nearest(real_emb, synth_emb) if nearest_rows is None else nearest_rows
    hit = np.flatnonzero(sim >= threshold - 1e-6)
    order = hit[np.lexsort((hit, -sim[hit]))][:max_examples]
    examples = [{
        "kind": "semantic",
        "synth_id": str(synth_ids[i]) if synth_ids is not None else str(i),
        "real_id": str(real_ids[idx[i]]) if real_ids is not None else str(int(idx[i])),
        "synth_text": snippet(synth_texts[i]) if synth_texts is not None else None,
        "real_text": snippet(real_texts[idx[i]]) if real_texts is not None else None,
        "similarity": round(float(sim[i]), 4),
    } for i in order]
    k, n = len(hit), len(sim)
    return MetricResult(k / n, ci=wilson_interval(k, n), n=n, details={
        "copied_docs": int(k), "threshold": threshold, "mean_nearest_cosine": float(sim.mean()),
        "examples": examples})
