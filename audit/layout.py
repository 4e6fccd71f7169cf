"""UMAP's layout for small maps, in NumPy: the same graph, initialisation and loss, without numba.

umap-learn is numba code: even with its compiled functions cached on disk, importing it and loading them
costs a process about 1 s and ~115 MB (LLVM), more than the rest of a 100 + 100 document audit's map.
For a few hundred points this module computes the same layout steps (McInnes, Healy & Melville 2018;
umap-learn 0.5's defaults):

1. the fuzzy simplicial set of the exact k-nearest-neighbour graph: per point the distance to its nearest
   neighbour ``rho`` and the bandwidth ``sigma`` for which the memberships sum to log2(k)
   (``smooth_knn_dist``), memberships exp(-(d - rho) / sigma), symmetrised as fuzzy union
   P + Pᵀ - P∘Pᵀ, edges below max / n_epochs dropped;
2. a spectral initialisation (the eigenvectors 2 and 3 of the normalised graph Laplacian, computed densely
   here; a tiny uniform affinity keeps a graph of several components in one connected piece), scaled and
   jittered as umap-learn does, or uniform random for fewer than 50 points;
3. ``n_epochs`` of stochastic gradient descent on the fuzzy cross-entropy with the curve
   1 / (1 + a d^2b) fitted to ``min_dist`` and ``spread``, each edge sampled in proportion to its weight
   and ``negative_sample_rate`` random repulsions per sample, gradients clipped at 4, a learning rate
   falling linearly to 0.

The one difference: umap-learn applies the updates of an epoch one edge after another; here the updates
of all edges sampled in an epoch are computed from the same positions and summed (as GPU
implementations do), so the layout is not bit-identical to umap-learn's, but it is the same kind of picture
(tested: neighbourhoods kept as well as umap-learn keeps them, separated clusters stay apart).
"""
from __future__ import annotations

import numpy as np

SMOOTH_K_TOLERANCE = 1e-5
MIN_K_DIST_SCALE = 1e-3


def smooth_knn_dist(dist: np.ndarray, k: float, n_iter: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """``(sigma, rho)`` per row of a sorted kNN distance matrix whose first column is the point itself,
    as umap-learn's ``smooth_knn_dist`` (local connectivity 1, bandwidth 1), by vectorised bisection."""
    dist = np.asarray(dist, dtype=np.float64)
    n = len(dist)
    target = np.log2(k)
    pos = np.where(dist > 0, dist, np.inf)
    rho = np.min(pos, axis=1)
    rho[~np.isfinite(rho)] = 0.0
    lo, hi, mid = np.zeros(n), np.full(n, np.inf), np.ones(n)
    done = np.zeros(n, dtype=bool)
    d = dist[:, 1:] - rho[:, None]
    for _ in range(n_iter):
        psum = np.where(d > 0, np.exp(-np.maximum(d, 0) / mid[:, None]), 1.0).sum(axis=1)
        done |= np.abs(psum - target) < SMOOTH_K_TOLERANCE
        up = ~done & (psum > target)
        down = ~done & ~up
        hi = np.where(up, mid, hi)
        lo = np.where(down, mid, lo)
        mid = np.where(up, (lo + hi) / 2, np.where(down, np.where(np.isinf(hi), mid * 2, (lo + hi) / 2), mid))
        if done.all():
            break
    floor = MIN_K_DIST_SCALE * np.where(rho > 0, dist.mean(axis=1), dist.mean())
    return np.maximum(mid, floor), rho


def fuzzy_graph(idx: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """The symmetric fuzzy membership matrix (dense, n × n) of a kNN graph (self first in every row)."""
    n, k = idx.shape
    sigma, rho = smooth_knn_dist(dist, k)
    rows = np.repeat(np.arange(n), k)
    cols = idx.ravel()
    gap = dist.ravel().astype(np.float64) - rho[rows]
    vals = np.where((gap <= 0) | (sigma[rows] == 0), 1.0, np.exp(-np.maximum(gap, 0) / sigma[rows]))
    vals[cols == rows] = 0.0
    p = np.zeros((n, n))
    p[rows, cols] = vals
    return p + p.T - p * p.T


AB_DEFAULT = (1.576943460405378, 0.8950608781227859)  # find_ab_params(1.0, 0.1), as umap-learn finds them


def find_ab_params(spread: float = 1.0, min_dist: float = 0.1) -> tuple[float, float]:
    """``a, b`` of the curve 1 / (1 + a x^2b) fitted to UMAP's target membership (umap-learn's fit)."""
    if (spread, min_dist) == (1.0, 0.1):
        return AB_DEFAULT  # importing scipy.optimize costs more than the whole small layout
    return fit_ab_params(spread, min_dist)


def fit_ab_params(spread: float, min_dist: float) -> tuple[float, float]:
    """The least-squares fit behind :func:`find_ab_params`: target 1 below ``min_dist``, then
    exp(-(x - min_dist) / spread), on 300 points of [0, 3 spread]."""
    from scipy.optimize import curve_fit

    x = np.linspace(0, spread * 3, 300)
    y = np.where(x < min_dist, 1.0, np.exp(-(x - min_dist) / spread))
    (a, b), _ = curve_fit(lambda x, a, b: 1.0 / (1.0 + a * x ** (2 * b)), x, y)
    return float(a), float(b)


def spectral_init(graph: np.ndarray, dim: int = 2) -> np.ndarray:
    """Eigenvectors 2..dim+1 of the normalised Laplacian I - D^-1/2 W D^-1/2 (dense)."""
    n = len(graph)
    w = graph + 1e-4 * graph.max() / n  # one connected piece, whatever the components
    inv = 1.0 / np.sqrt(w.sum(axis=1))
    lap = np.eye(n) - inv[:, None] * w * inv[None, :]
    vals, vecs = np.linalg.eigh(lap)
    return vecs[:, np.argsort(vals)[1:dim + 1]]


def umap_layout(idx: np.ndarray, dist: np.ndarray, *, n_epochs: int = 200, min_dist: float = 0.1,
                spread: float = 1.0, negative_sample_rate: int = 5, random_state: int = 0) -> np.ndarray:
    """2-D UMAP coordinates (n × 2) from an exact kNN graph (``audit.projection.cosine_knn``)."""
    rng = np.random.default_rng([random_state, 13])
    n = len(idx)
    graph = fuzzy_graph(idx, dist)
    graph[graph < graph.max() / n_epochs] = 0.0
    head, tail = np.nonzero(graph)
    weight = graph[head, tail]
    if n < 50:
        y = rng.uniform(-10, 10, size=(n, 2))
    else:
        y = spectral_init(graph)
        y = y * (10.0 / np.abs(y).max()) + rng.normal(scale=1e-4, size=y.shape)
    y = 10.0 * (y - y.min(axis=0)) / np.maximum(y.max(axis=0) - y.min(axis=0), 1e-12)
    a, b = find_ab_params(spread, min_dist)

    every = weight.max() / weight  # epochs between two samples of an edge
    every_neg = every / negative_sample_rate
    next_at, next_neg = every.copy(), every_neg.copy()
    for epoch in range(n_epochs):
        alpha = 1.0 - epoch / n_epochs
        sel = np.flatnonzero(next_at <= epoch)
        if not len(sel):
            continue
        j, k = head[sel], tail[sel]
        diff = y[j] - y[k]
        d2 = np.einsum("ij,ij->i", diff, diff)
        with np.errstate(divide="ignore", invalid="ignore"):
            pb = d2 ** b
            coef = np.where(d2 > 0, -2.0 * a * b * (pb / d2) / (a * pb + 1.0), 0.0)
        grad = np.clip(coef[:, None] * diff, -4.0, 4.0) * alpha
        step = np.stack([np.bincount(j, grad[:, c], minlength=n) - np.bincount(k, grad[:, c], minlength=n)
                         for c in (0, 1)], axis=1)
        next_at[sel] += every[sel]
        n_neg = np.maximum(((epoch - next_neg[sel]) / every_neg[sel]).astype(np.int64), 0)
        next_neg[sel] += n_neg * every_neg[sel]
        y = y + step
        if n_neg.sum():
            h = np.repeat(j, n_neg)
            o = rng.integers(0, n, size=len(h))
            diff = y[h] - y[o]
            d2 = np.einsum("ij,ij->i", diff, diff)
            with np.errstate(divide="ignore", invalid="ignore"):
                coef = np.where((d2 > 0) & (h != o), 2.0 * b / ((0.001 + d2) * (a * d2 ** b + 1.0)), 0.0)
            grad = np.clip(coef[:, None] * diff, -4.0, 4.0) * alpha
            y = y + np.stack([np.bincount(h, grad[:, c], minlength=n) for c in (0, 1)], axis=1)
    return y
