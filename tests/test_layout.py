"""UMAP's layout in NumPy (audit.layout) for small maps: its graph against the definitions, its curve
against the fit, its pictures against umap-learn's on the same graph."""
import math

import numpy as np
import pytest

from audit.layout import AB_DEFAULT, fit_ab_params, fuzzy_graph, smooth_knn_dist, umap_layout
from audit.projection import cosine_knn


def _clusters(n_per=60, dim=32, seed=0, n_clusters=2):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_clusters, dim)) * 4
    group = np.arange(n_per * n_clusters) % n_clusters
    return (centres[group] + rng.standard_normal((len(group), dim))).astype(np.float32), group


def _trustworthiness(x, y, k=10):
    from sklearn.manifold import trustworthiness

    return trustworthiness(x / np.linalg.norm(x, axis=1, keepdims=True), y, n_neighbors=k, metric="cosine")


def test_smooth_knn_dist_meets_its_definition():
    x, _ = _clusters()
    idx, dist = cosine_knn(x, 15)
    sigma, rho = smooth_knn_dist(dist, 15)
    for i in range(0, len(x), 7):
        assert rho[i] == pytest.approx(min(d for d in dist[i] if d > 0))  # the nearest other point
        gaps = dist[i, 1:].astype(np.float64) - rho[i]
        total = sum(math.exp(-g / sigma[i]) if g > 0 else 1.0 for g in gaps)
        assert total == pytest.approx(math.log2(15), abs=1e-4)  # memberships sum to log2(k)


def test_fuzzy_graph_is_the_fuzzy_union_of_the_local_memberships():
    x, _ = _clusters(n_per=20, seed=3)
    idx, dist = cosine_knn(x, 6)
    sigma, rho = smooth_knn_dist(dist, 6)
    n = len(x)
    p = np.zeros((n, n))
    for i in range(n):
        for j, d in zip(idx[i], dist[i]):
            if j != i:
                p[i, j] = 1.0 if d - rho[i] <= 0 else math.exp(-(d - rho[i]) / sigma[i])
    want = np.array([[p[i, j] + p[j, i] - p[i, j] * p[j, i] for j in range(n)] for i in range(n)])
    assert fuzzy_graph(idx, dist) == pytest.approx(want, abs=1e-6)


def test_default_curve_is_the_fit():
    assert fit_ab_params(1.0, 0.1) == pytest.approx(AB_DEFAULT, rel=1e-4)


def test_layout_keeps_clusters_apart_and_neighbourhoods_and_is_seeded():
    x, group = _clusters(n_per=70, n_clusters=3)
    idx, dist = cosine_knn(x, 15)
    y = umap_layout(idx, dist, random_state=0)
    assert y.shape == (len(x), 2) and np.isfinite(y).all()
    centre = [y[group == g].mean(axis=0) for g in range(3)]
    spread = max(np.linalg.norm(y[group == g] - centre[g], axis=1).mean() for g in range(3))
    assert min(np.linalg.norm(centre[a] - centre[b]) for a, b in ((0, 1), (0, 2), (1, 2))) > 2 * spread
    assert _trustworthiness(x, y) > 0.9
    assert (umap_layout(idx, dist, random_state=0) == y).all()
    assert not (umap_layout(idx, dist, random_state=1) == y).all()


def test_degenerate_inputs_give_finite_coordinates():
    x = np.ones((12, 8), dtype=np.float32)  # every point the same
    idx, dist = cosine_knn(x, 5)
    assert np.isfinite(umap_layout(idx, dist)).all()


@pytest.mark.slow  # imports umap-learn (the first run on a machine compiles its numba code)
def test_neighbourhoods_kept_as_well_as_umap_learn_keeps_them():
    from audit.projection import import_umap

    umap = import_umap()
    for seed in (0, 1):
        x, _ = _clusters(n_per=50, dim=48, seed=seed, n_clusters=4)
        x = x + np.random.default_rng(seed).standard_normal(x.shape).astype(np.float32) * 2  # overlapping
        idx, dist = cosine_knn(x, 15)
        ours = umap_layout(idx, dist, random_state=0)
        ref = umap.UMAP(n_neighbors=15, min_dist=0.1, metric="cosine", random_state=0, n_jobs=1, n_epochs=200,
                        init="spectral", precomputed_knn=(idx, dist, None)).fit_transform(x)
        assert _trustworthiness(x, ours) > _trustworthiness(x, ref) - 0.02
