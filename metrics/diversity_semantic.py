"""Semantic diversity of one corpus on its (L2-normalised) embeddings: Vendi score, mean pairwise cosine
similarity, cluster entropy. Scores from different embedding models are not comparable."""
from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np

from metrics.diversity_repetition import jackknife_ci
from metrics.kmeans import fit_kmeans
from metrics.result import MetricResult


class UnitRows:
    """Rows already through :func:`_unit_rows` (kept rows, unit length; the warnings; how many rows the
    input had): every function here takes it in place of the embeddings. Made by :class:`UnitCorpus`."""

    __slots__ = ("rows", "warnings", "n_input")

    def __init__(self, rows: np.ndarray, warnings: list[str], n_input: int):
        self.rows, self.warnings, self.n_input = rows, warnings, n_input


class UnitCorpus:
    """A corpus's embeddings normalised once, for the metrics on it and on its subsets.

    ``take(rows)`` is what :func:`_unit_rows` makes of ``emb[rows]`` (the same rows, warnings and errors:
    the norms and divisions are row by row), as a :class:`UnitRows`; where ``_unit_rows`` would raise
    (no rows, non-finite values, all rows zero) it gives ``emb[rows]`` itself, for the metric to raise.
    """

    def __init__(self, emb):
        self.emb = emb
        x = np.asarray(emb, dtype=np.float64)
        self.ok = x.ndim == 2 and x.shape[0] > 0 and bool(np.isfinite(x).all())
        if self.ok:
            norms = np.linalg.norm(x, axis=1)
            self.keep = norms > 0
            self.unit = x[self.keep] / norms[self.keep, None]
            self.where = np.cumsum(self.keep) - 1  # a kept row's position in ``unit``

    def take(self, rows: np.ndarray | None = None):
        """``_unit_rows(emb[rows])`` (``rows`` None: all, in order) as a :class:`UnitRows`."""
        if rows is not None:
            rows = np.asarray(rows, dtype=np.int64)
        if not self.ok or (rows is not None and len(rows) == 0):
            return self.emb if rows is None else np.asarray(self.emb)[rows]
        keep = self.keep if rows is None else self.keep[rows]
        if not keep.any():
            return self.emb if rows is None else np.asarray(self.emb)[rows]
        n = len(keep)
        warnings = [] if keep.all() else [f"{int((~keep).sum())} all-zero embedding rows left out"]
        if rows is None:
            return UnitRows(self.unit, warnings, n)
        return UnitRows(self.unit[self.where[rows[keep]]], warnings, n)


def _n_input(emb) -> int:
    return emb.n_input if isinstance(emb, UnitRows) else len(np.asarray(emb))


def _unit_rows(emb, what: str = "embeddings") -> tuple[np.ndarray, list[str]]:
    if isinstance(emb, UnitRows):
        return emb.rows, list(emb.warnings)
    x = np.asarray(emb, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"{what} must be a non-empty 2-D array, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    norms = np.linalg.norm(x, axis=1)
    keep = norms > 0
    warnings = [] if keep.all() else [f"{int((~keep).sum())} all-zero embedding rows left out"]
    if not keep.any():
        raise ValueError(f"{what} are all zero")
    return x[keep] / norms[keep, None], warnings


def row_order(x: np.ndarray, random_state=None) -> np.ndarray:
    """Row indices in a seeded order keyed on each row's content: shuffling the rows changes nothing."""
    salt = int(np.random.default_rng(random_state).integers(0, 2**63 - 1)).to_bytes(8, "little")
    rows = np.ascontiguousarray(x, dtype=np.float32)
    head = hashlib.blake2b(salt, digest_size=8)

    def one(row: np.ndarray, copy=head.copy) -> bytes:
        h = copy()
        h.update(row)  # a C-contiguous row: its buffer is its bytes
        return h.digest()

    # sorted by (digest, row bytes), position breaking ties: the digests as big-endian integers compare like
    # their bytes; only a run of equal digests is re-sorted by the rows' bytes
    digest = np.frombuffer(b"".join(map(one, rows)), dtype=">u8")
    order = np.argsort(digest, kind="stable")
    d = digest[order]
    starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
    ends = np.r_[starts[1:], len(d)]
    for s, e in zip(starts.tolist(), ends.tolist()):
        if e - s > 1:
            order[s:e] = sorted(order[s:e].tolist(), key=lambda i: rows[i].tobytes())
    return order.astype(int)


def _sample_rows(x: np.ndarray, sample_size: int | None, random_state) -> np.ndarray:
    order = row_order(x, random_state)
    return x[order if sample_size is None else order[:sample_size]]


def _entropy_exp(eig: np.ndarray) -> float:
    p = np.clip(eig, 0, None)
    p = p / p.sum()
    p = p[p > 1e-15]
    return float(np.exp(-(p * np.log(p)).sum()))


def vendi_score_kernel(kernel) -> float:
    """Vendi score (Friedman & Dieng, TMLR 2023) of a similarity matrix with unit diagonal:
    exp(-sum lambda_i log lambda_i), lambda the eigenvalues of K/n. 1 (all alike) .. n (all distinct)."""
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim != 2 or k.shape[0] != k.shape[1] or k.shape[0] == 0:
        raise ValueError("kernel must be a non-empty square matrix")
    if not np.isfinite(k).all():
        raise ValueError("kernel contains NaN or infinite values")
    return _entropy_exp(np.linalg.eigvalsh(k / k.shape[0]))


def vendi_score(emb, *, sample_size: int | None = None, random_state=None) -> MetricResult:
    """Vendi score with the cosine kernel: the effective number of distinct documents.

    Computed in O(n d^2) from the d x d matrix X^T X / n, which has the same non-zero eigenvalues as K/n
    for K = X X^T (Friedman & Dieng, TMLR 2023). Range 1 .. min(n, d); higher = more diverse. With fewer
    documents than dimensions the value is capped by n, so compare corpora at the same ``sample_size``.
    CI: delete-a-group jackknife (10 groups), the eigenvalues without a group taken to first order
    (lambda_i - ||X_g v_i||^2), which needs one eigendecomposition instead of eleven.
    """
    x, warnings = _unit_rows(emb)
    x = _sample_rows(x, sample_size, random_state)
    n = len(x)
    lam, vecs = np.linalg.eigh(x.T @ x)
    v = _entropy_exp(lam)
    ci = None
    if n >= 20:
        groups = np.arange(n) % 10  # rows are already in seeded content order
        proj = (x @ vecs) ** 2
        loo = np.array([_entropy_exp(lam - proj[groups == j].sum(axis=0)) for j in range(10)])
        se = math.sqrt(9 / 10 * float(((loo - loo.mean()) ** 2).sum()))
        ci = (v - 1.96 * se, v + 1.96 * se)
    return MetricResult(v, ci=ci, n=n, sampled=n < _n_input(emb), details={"dim": x.shape[1]},
                        warnings=warnings)


def mean_pairwise_cosine(emb, *, random_state=None) -> MetricResult:
    """Mean cosine similarity over all pairs of distinct documents, exact in O(n d):
    (||sum x_i||^2 - n) / (n (n - 1)) for unit vectors.

    -1..1 (in practice 0..1 for text embeddings); higher = documents say similar things (homogenisation);
    lower is better. Unbiased, so no equal-size sample is needed. CI: delete-a-group jackknife.
    """
    x, warnings = _unit_rows(emb)
    n = len(x)
    if n < 2:
        raise ValueError("mean pairwise cosine needs at least two documents")

    def stat(ix: np.ndarray) -> float:
        s = x[ix].sum(axis=0)
        m = len(ix)
        return float((s @ s - m) / (m * (m - 1)))

    return MetricResult(stat(np.arange(n)), ci=jackknife_ci(stat, n, random_state=random_state), n=n,
                        warnings=warnings)


def fit_clusters(embs: Sequence, *, k: int = 30, sample_size: int = 4000, random_state=None) -> np.ndarray:
    """Spherical k-means centroids (unit rows, faiss) fitted on a seeded sample of the pooled embeddings
    of several corpora.

    Fit on real and synthetic together so that both histograms use the same cells. ``k`` is lowered to
    a fortieth of the pooled sample (at least 2): faiss wants 39+ training points per cell.
    """
    pooled = np.vstack([_unit_rows(e)[0] for e in embs])
    rng = np.random.default_rng(random_state)
    pooled = np.ascontiguousarray(_sample_rows(pooled, sample_size, rng), dtype=np.float32)
    k = int(max(2, min(k, len(pooled) // 40)))
    if len(pooled) < 2 * k:
        raise ValueError(f"need at least {2 * k} documents to fit {k} clusters")
    km = fit_kmeans(pooled, k, niter=20, nredo=1, spherical=True, seed=int(rng.integers(2**31 - 1)))
    c = km.centroids.astype(np.float64)
    return c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-12)


def assign_clusters(emb, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid (largest cosine) of each row."""
    x, _ = _unit_rows(emb)
    return np.argmax(x @ np.asarray(centroids, dtype=np.float64).T, axis=1)


def cluster_entropy(emb, centroids: np.ndarray) -> MetricResult:
    """Normalised entropy of the corpus's histogram over shared k-means cells.

    H / log k with the Miller-Madow bias correction (k_observed - 1) / 2n, so about 1 when the documents
    spread evenly over all cells and near 0 when they crowd into one; higher = more diverse. Use the
    same centroids (fitted on real and synthetic pooled, :func:`fit_clusters`) for every corpus.
    CI: normal approximation from the delta method.
    """
    k = len(centroids)
    labels = assign_clusters(emb, centroids)
    n = len(labels)
    counts = np.bincount(labels, minlength=k)
    p = counts[counts > 0] / n
    h = float(-(p * np.log(p)).sum()) + (len(p) - 1) / (2 * n)
    var = float((p * np.log(p) ** 2).sum() - (p * np.log(p)).sum() ** 2) / n
    se = math.sqrt(max(var, 0.0)) / math.log(k)
    v = h / math.log(k)
    return MetricResult(v, ci=(v - 1.96 * se, v + 1.96 * se), n=n,
                        details={"k": k, "counts": counts.tolist(), "occupied": int((counts > 0).sum())})
