"""Semantic duplicates (SemDeDup, Abbas et al. 2023) and semantic copies, by cosine on embeddings.

Embeddings are L2-normalised, so the inner product is the cosine. The exact range / 1-NN searches are
blocked matrix products in NumPy (O(n·m·d), a few MiB of scores at a time); they run on the (capped) sample
the caller passes. NumPy rather than faiss ``IndexFlatIP``: the range search needs only the upper triangle,
half the products, and no index copy of the embeddings is made. (When this was written faiss also ran its
OpenBLAS on a generic kernel, 3-5x slower; ``metrics.kmeans.import_faiss`` has since fixed that.)
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from metrics.duplication import check_embeddings, cluster_rate_result, snippet
from metrics.stats import wilson_interval
from metrics.result import MetricResult


# rows of scores computed at a time: 1024 x 16k float32 scores are 64 MiB
_BLOCK = 1024


def semantic_duplicate_pairs(emb: np.ndarray, *, threshold: float = 0.95) -> list[tuple[int, int, float]]:
    """All pairs (i < j) whose cosine similarity is ≥ ``threshold``, exactly, sorted by (i, j)."""
    x = check_embeddings(emb, "semantic_duplicate_pairs")
    if not -1.0 <= threshold <= 1.0:
        raise ValueError(f"semantic_duplicate_pairs: threshold must be in [-1, 1], got {threshold}")
    cut = float(threshold) - 1e-6  # ``>= threshold`` up to float32 rounding of the products
    pairs: list[tuple[int, int, float]] = []
    for a in range(0, x.shape[0], _BLOCK):
        scores = x[a:a + _BLOCK] @ x[a:].T  # row r is document a + r against documents a, a + 1, ...
        # row-major, as np.nonzero(np.triu(scores >= cut, k=1)): the flat positions split into row and
        # column (np.nonzero of a 2-D mask is ~15x slower than flatnonzero on a 1024 x 5000 block)
        r, c = np.divmod(np.flatnonzero(scores >= cut), scores.shape[1])
        upper = c > r  # column c > row r: each pair once, i < j (no triu copy of the block's mask)
        r, c = r[upper], c[upper]
        sims = np.minimum(scores[r, c], 1.0).tolist()
        pairs.extend(zip((r + a).tolist(), (c + a).tolist(), sims))
    return pairs  # row-major within each block and blocks in order: already sorted by (i, j)


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
    """For each query row, the cosine to its nearest reference row and that row's index (exact).

    Ties go to the lowest reference index (identical reference documents have identical embeddings).
    """
    r = check_embeddings(reference, "reference embeddings")
    q = check_embeddings(query, "query embeddings")
    if r.shape[1] != q.shape[1]:
        raise ValueError(f"embedding dimensions differ: {r.shape[1]} vs {q.shape[1]}")
    sim = np.empty(q.shape[0], dtype=np.float32)
    idx = np.empty(q.shape[0], dtype=np.int64)
    rt = r.T
    for a in range(0, q.shape[0], _BLOCK):
        scores = q[a:a + _BLOCK] @ rt
        best = scores.argmax(axis=1)  # the first maximum: the lowest index among ties
        idx[a:a + len(best)] = best
        sim[a:a + len(best)] = scores[np.arange(len(best)), best]
    return np.minimum(sim, 1.0), idx


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
