"""Distance-based copying tests on embeddings: distance to closest record (DCR) and Meehan's C_T."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import binom, mannwhitneyu, norm

from metrics.duplication import check_embeddings, snippet
from metrics.stats import wilson_interval
from metrics.duplication_semantic import nearest
from metrics.kmeans import faiss_single_thread, fit_kmeans, import_faiss
from metrics.result import MetricResult


def dcr_copy_rate(
    reference_emb: np.ndarray,
    holdout_emb: np.ndarray,
    synth_emb: np.ndarray,
    *,
    quantile: float = 0.05,
    bins: int = 30,
    reference_ids: Sequence[str] | None = None,
    synth_ids: Sequence[str] | None = None,
    reference_texts: Sequence[str] | None = None,
    synth_texts: Sequence[str] | None = None,
    max_examples: int = 10,
    holdout_nearest: tuple[np.ndarray, np.ndarray] | None = None,
) -> MetricResult:
    """Share of synthetic documents closer to the reference corpus than real held-out documents usually are.

    DCR (distance to closest record) of a document = 1 − cosine to its nearest reference document. The
    threshold is the ``quantile`` (5 %) of the held-out real documents' DCRs, so a synthetic corpus that
    does not copy the reference gives ≈ ``quantile``; copies give more (Yale et al. 2020; Platzer &
    Reutterer 2021). The reference is the real "training" part, the holdout real text it never saw.

    Returns
    -------
    MetricResult
        value in [0, 1], lower is better, ≈ ``quantile`` under no copying; CI: Wilson; p-value: one-sided
        binomial test against ``quantile``. details: threshold, medians, a shared-bin histogram of both
        DCR distributions (``histogram.edges``, ``.synth``, ``.holdout``) and the closest pairs.

    ``holdout_nearest``: ``nearest(reference_emb, holdout_emb)`` when the caller already has it (the
    semantic-copy baseline runs the same search), so it is not run twice.
    """
    if not 0 < quantile < 1:
        raise ValueError(f"dcr_copy_rate: quantile must be in (0, 1), got {quantile}")
    ref = check_embeddings(reference_emb, "dcr_copy_rate reference")
    sim_h, _ = nearest(ref, holdout_emb) if holdout_nearest is None else holdout_nearest
    sim_s, idx_s = nearest(ref, synth_emb)
    d_h = np.clip(1.0 - sim_h.astype(np.float64), 0.0, 2.0)
    d_s = np.clip(1.0 - sim_s.astype(np.float64), 0.0, 2.0)
    thr = float(np.quantile(d_h, quantile))
    close = d_s < thr if thr > 0 else d_s <= 0  # with ties at 0 (duplicates in real) count exact hits
    k, n = int(close.sum()), len(d_s)
    top = max(float(np.quantile(np.concatenate([d_h, d_s]), 0.99)), 1e-6)
    edges = np.linspace(0.0, top, bins + 1)
    hs = np.histogram(np.clip(d_s, 0, top), edges)[0]
    hh = np.histogram(np.clip(d_h, 0, top), edges)[0]
    order = np.lexsort((np.arange(n), d_s))[:max_examples]
    examples = [{
        "kind": "dcr",
        "synth_id": str(synth_ids[i]) if synth_ids is not None else str(int(i)),
        "real_id": str(reference_ids[idx_s[i]]) if reference_ids is not None else str(int(idx_s[i])),
        "synth_text": snippet(synth_texts[i]) if synth_texts is not None else None,
        "real_text": snippet(reference_texts[idx_s[i]]) if reference_texts is not None else None,
        "similarity": round(float(sim_s[i]), 4), "distance": round(float(d_s[i]), 4),
    } for i in order]
    return MetricResult(
        k / n, ci=wilson_interval(k, n), n=n, p_value=float(binom.sf(k - 1, n, quantile)),
        details={
            "quantile": quantile, "threshold": thr, "close_docs": k, "expected_if_no_copying": quantile,
            "median_dcr": {"synth": float(np.median(d_s)), "holdout": float(np.median(d_h))},
            "n_reference": int(ref.shape[0]), "n_holdout": int(len(d_h)),
            "histogram": {"edges": [round(float(e), 5) for e in edges], "synth": hs.tolist(),
                          "holdout": hh.tolist(), "last_bin_includes_above": True},
            "examples": examples,
        })


def _nn_dist(train: np.ndarray, x: np.ndarray) -> np.ndarray:
    faiss = import_faiss()
    index = faiss.IndexFlatL2(train.shape[1])
    index.add(train)
    d, _ = index.search(x, 1)
    return np.sqrt(np.maximum(d[:, 0].astype(np.float64), 0.0))


@dataclass(frozen=True)
class CopyingCells:
    """The k-means cells of a training sample for :func:`data_copying_score` (``copying_cells``)."""

    k: int
    kmeans: object  # the trained faiss.Kmeans
    train_labels: np.ndarray  # each training row's cell


def copying_cells(train: np.ndarray, *, n_cells: int = 10, random_state=None) -> CopyingCells:
    """Partition ``train`` into ``min(n_cells, n // 2)`` seeded k-means cells, as :func:`data_copying_score` does.

    Fit once and pass as ``cells=`` to several tests on the same training sample and seed (the copying
    test and its real-vs-real baseline): the same fit, so the same cells, without training twice.
    """
    t = check_embeddings(train, "data_copying_score train").astype(np.float64)
    k = max(1, min(n_cells, t.shape[0] // 2))
    seed = int(np.random.default_rng(random_state).integers(2**31 - 1))
    with faiss_single_thread():
        km = fit_kmeans(t, k, niter=25, nredo=3, seed=seed, max_points_per_centroid=1_000_000)
        labels = km.index.search(t.astype(np.float32), 1)[1][:, 0]
    return CopyingCells(k, km, labels)


def data_copying_score(
    train: np.ndarray,
    test: np.ndarray,
    generated: np.ndarray,
    *,
    n_cells: int = 10,
    min_generated: int = 20,
    random_state=None,
    cells: CopyingCells | None = None,
) -> MetricResult:
    """The data-copying test statistic C_T (Meehan, Chaudhuri & Dasgupta, AISTATS 2020).

    The training sample is partitioned into ``n_cells`` k-means cells (faiss, seeded). In each cell, the Euclidean
    distances of generated and of held-out test points to their nearest training point (in that cell)
    are compared with a Mann–Whitney U test, z-scored under the null (with the reference code's 0.5
    continuity correction); C_T is the average of those z-scores weighted by the test sample's share
    of each cell, over cells with at least ``min_generated`` generated points.

    Returns
    -------
    MetricResult
        C_T, a weighted z-score: ≈ 0 when the generated sample is as far from the training data as new
        real data, ≪ 0 (e.g. < −3) when it copies training points, > 0 when it underfits. Higher means
        less copying, not a better corpus: a value well above 0 is synthetic data farther from the real
        data than new real data is (a drift, which the drift rows judge); only copying is flagged here. p-value: one-sided normal test for copying, treating cell z-scores as independent
        N(0, 1). details: per-cell z-scores, weights and counts.

    ``cells``: ``copying_cells(train, n_cells=n_cells, random_state=random_state)`` when the caller has
    it already (``random_state`` is then not used).
    """
    t = check_embeddings(train, "data_copying_score train").astype(np.float64)
    p = check_embeddings(test, "data_copying_score test").astype(np.float64)
    q = check_embeddings(generated, "data_copying_score generated").astype(np.float64)
    if not (t.shape[1] == p.shape[1] == q.shape[1]):
        raise ValueError("data_copying_score: embedding dimensions differ")
    if cells is None:
        cells = copying_cells(t, n_cells=n_cells, random_state=random_state)
    elif len(cells.train_labels) != len(t):
        raise ValueError("data_copying_score: cells were fitted on another training sample")
    with faiss_single_thread():
        cp, cq = (cells.kmeans.index.search(x.astype(np.float32), 1)[1][:, 0] for x in (p, q))
        return _c_t(t, p, q, cells.train_labels, cp, cq, cells.k, min_generated)


def _c_t(t, p, q, ct, cp, cq, k: int, min_generated: int) -> MetricResult:
    cells, warnings = [], []
    for c in range(k):
        tc, pc, qc = t[ct == c], p[cp == c], q[cq == c]
        if len(tc) == 0 or len(pc) == 0:
            warnings.append(f"cell {c} has no training or no test (held-out) points; left out")
            continue
        row = {"cell": c, "train": len(tc), "test": len(pc), "generated": len(qc),
               "test_share": len(pc) / len(p), "z": None}
        if len(qc) >= min_generated:
            lq = _nn_dist(tc.astype(np.float32), qc.astype(np.float32))
            lp = _nn_dist(tc.astype(np.float32), pc.astype(np.float32))
            u = float(mannwhitneyu(lq, lp, alternative="less").statistic)  # #(lq > lp) + ties / 2
            m_, n_ = len(lq), len(lp)
            row["z"] = (u - (m_ * n_ / 2 - 0.5)) / np.sqrt(m_ * n_ * (m_ + n_ + 1) / 12)
        cells.append(row)
    used = [c for c in cells if c["z"] is not None]
    if not used:
        return MetricResult(float("nan"), n=len(q), details={"cells": cells},
                            warnings=warnings + [f"no cell has {min_generated} generated points"])
    w = np.array([c["test_share"] for c in used])
    z = np.array([c["z"] for c in used])
    value = float(w @ z / w.sum())
    sd = float(np.sqrt((w ** 2).sum()) / w.sum())
    return MetricResult(value, n=len(q), p_value=float(norm.cdf(value / sd)), details={
        "n_cells": k, "cells_used": len(used), "min_generated": min_generated,
        "n_train": len(t), "n_test": len(p), "cells": cells}, warnings=warnings)
