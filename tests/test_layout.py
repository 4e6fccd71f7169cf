"""UMAP's layout in NumPy (audit.layout), the map's at every size: its graph against the definitions, its
curve against the fit, its sparse spectral start against the dense one, its pictures against umap-learn's
on the same graph."""
import math

import numpy as np
import pytest

import audit.layout
from audit.layout import AB_DEFAULT, fit_ab_params, fuzzy_graph, smooth_knn_dist, spectral_init, umap_layout
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
    g = fuzzy_graph(idx, dist)
    assert g.toarray() == pytest.approx(want, abs=1e-6)
    assert (g.data > 0).all()  # no explicit zeros: every stored entry is an edge


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


def test_sparse_spectral_start_spans_the_dense_ones_eigenvectors(monkeypatch):
    """Beyond DENSE_EIGEN points the start is found by Lanczos on the normalised adjacency with the uniform
    affinity as a rank-one term; it spans the same eigenvectors (2 and 3 of the Laplacian) as the dense
    decomposition of the same matrix. Compared as subspaces: near-equal eigenvalues may rotate the vectors."""
    x, _ = _clusters(n_per=110, n_clusters=3, seed=5)
    idx, dist = cosine_knn(x, 15)
    graph = fuzzy_graph(idx, dist)
    assert len(x) <= audit.layout.DENSE_EIGEN
    dense = spectral_init(graph)
    monkeypatch.setattr(audit.layout, "DENSE_EIGEN", 10)
    sparse = spectral_init(graph)
    assert sparse.shape == dense.shape == (len(x), 2)
    assert np.abs(sparse @ sparse.T - dense @ dense.T).max() < 1e-4


def test_descent_leaves_coincident_points_finite():
    """Two points at the same position (an edge between them, or a point drawn as its own negative sample)
    have no direction to move in: no force, where the formulas would divide 0 by 0."""
    from audit.layout import _optimise

    y = np.array([[1.0, 1.0], [1.0, 1.0], [3.0, 2.0]])
    head, tail, weight = np.array([0, 1, 0, 2]), np.array([1, 0, 2, 0]), np.array([1.0, 1.0, 0.5, 0.5])
    out = _optimise(y, head, tail, weight, 20, *AB_DEFAULT, 5, np.random.default_rng(0))
    assert np.isfinite(out).all()
    assert out[0].tolist() != [1.0, 1.0]  # the others still move


@pytest.mark.parametrize("n_per", [100, 200])  # 300 points: a dense spectral start; 600: Lanczos
def test_layout_is_the_same_whatever_the_blas_thread_count(n_per):
    """The map made in a worker process under the audit's thread budget equals the one made here: LAPACK's
    dense eigendecomposition changes in the last digits with the thread count (and the descent carries that
    into another picture), so it runs on one thread."""
    from threadpoolctl import threadpool_limits

    x, _ = _clusters(n_per=n_per, n_clusters=3, seed=2)
    idx, dist = cosine_knn(x, 15)
    with threadpool_limits(limits=1):
        one = umap_layout(idx, dist)
    with threadpool_limits(limits=2):
        two = umap_layout(idx, dist)
    assert np.array_equal(one, two)


def test_a_failed_eigensolver_starts_from_random_positions(monkeypatch):
    """As umap-learn does when ARPACK does not converge (a tiny eigengap): a random start, still a layout."""
    import scipy.sparse.linalg

    def no_convergence(*a, **kw):
        raise scipy.sparse.linalg.ArpackNoConvergence("no convergence", np.zeros(0), np.zeros((0, 0)))

    monkeypatch.setattr(scipy.sparse.linalg, "eigsh", no_convergence)
    monkeypatch.setattr(audit.layout, "DENSE_EIGEN", 10)
    x, group = _clusters(n_per=70, n_clusters=3)
    idx, dist = cosine_knn(x, 15)
    assert spectral_init(fuzzy_graph(idx, dist)) is None
    y = umap_layout(idx, dist, random_state=0)
    assert np.isfinite(y).all() and _trustworthiness(x, y) > 0.85


@pytest.mark.slow  # imports umap-learn (the first run on a machine compiles its numba code)
@pytest.mark.parametrize("n_per", [50, 200])  # 200 and 800 points: a dense spectral start, and Lanczos's
def test_neighbourhoods_kept_as_well_as_umap_learn_keeps_them(n_per):
    from tests.umap_reference import umap_learn_layout

    assert (4 * n_per > audit.layout.DENSE_EIGEN) == (n_per == 200)
    for seed in (0, 1):
        x, _ = _clusters(n_per=n_per, dim=48, seed=seed, n_clusters=4)
        x = x + np.random.default_rng(seed).standard_normal(x.shape).astype(np.float32) * 2  # overlapping
        idx, dist = cosine_knn(x, 15)
        ours = umap_layout(idx, dist, random_state=0)
        ref = umap_learn_layout(x, idx, dist, random_state=0)
        assert _trustworthiness(x, ours) > _trustworthiness(x, ref) - 0.02
