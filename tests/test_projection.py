"""The map's neighbour graph (exact cosine kNN, vs brute force) and the UMAP map on that graph."""
import os
from pathlib import Path

import numpy as np
import pytest

from audit.projection import cosine_knn, corpus_map

ROOT = Path(__file__).resolve().parents[1]


def brute_force_knn(x, k):
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    d = 1.0 - x @ x.T
    np.fill_diagonal(d, -1.0)
    idx = np.array([sorted(range(len(x)), key=lambda j: (d[i, j], j))[:k] for i in range(len(x))])
    return idx, np.maximum(np.take_along_axis(d, idx, axis=1), 0.0)


@pytest.mark.parametrize("n, k, block", [(50, 15, 1024), (37, 5, 8), (6, 6, 4)])
def test_cosine_knn_equals_brute_force(n, k, block):
    x = np.random.default_rng(n).standard_normal((n, 12)).astype(np.float32)
    idx, dist = cosine_knn(x, k, block=block)
    want_idx, want_dist = brute_force_knn(x.astype(np.float64), k)
    assert (idx[:, 0] == np.arange(n)).all() and (dist[:, 0] == 0).all()  # itself first, as UMAP expects
    assert (idx == want_idx).all()
    assert dist == pytest.approx(want_dist, abs=1e-5)
    x[3] = x[2] * 2.0  # same direction as row 2: still itself first, then the other at distance ~0
    idx, dist = cosine_knn(x, k, block=block)
    assert idx[2, :2].tolist() == [2, 3] and idx[3, :2].tolist() == [3, 2] and dist[2, 1] < 1e-6


@pytest.mark.parametrize("n", [120, 600])  # a dense spectral start, and ARPACK's beyond DENSE_EIGEN points
def test_umap_map_on_the_precomputed_graph_keeps_clusters_apart(n):
    from audit.context import build_context
    from audit.documents import Document
    from audit.layout import DENSE_EIGEN

    assert (n <= DENSE_EIGEN) == (n == 120)
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((2, 32)) * 4
    emb = np.vstack([centres[i % 2] + rng.standard_normal(32) for i in range(n)]).astype(np.float32)
    docs = [Document(id=str(i), text=f"document {i}", source="t", line=i) for i in range(n)]
    ctx = build_context(docs[:n // 2], docs[n // 2:], emb[:n // 2], emb[n // 2:], seed=0)
    m = corpus_map(ctx, random_state=0)
    assert m["method"] == "umap" and len(m["points"]) == n
    xy = np.array([[p["x"], p["y"]] for p in m["points"]])
    group = np.arange(n) % 2
    centre = [xy[group == g].mean(axis=0) for g in (0, 1)]
    spread = max(np.linalg.norm(xy[group == g] - centre[g], axis=1).mean() for g in (0, 1))
    assert np.linalg.norm(centre[0] - centre[1]) > 2 * spread  # two clear islands, not a blur
    assert corpus_map(ctx, random_state=0) == m  # seeded


def test_the_families_worker_warms_the_maps_layout_without_umap_learn():
    """The worker the map's process is forked from imports the layout and SciPy's sparse eigensolver, and
    neither umap-learn nor numba (nor pandas); in a fresh process, as the worker is."""
    import subprocess
    import sys

    code = ("import sys; from audit.family_worker import warm; warm(with_map=True); "
            "print(*(m in sys.modules for m in ('audit.layout', 'scipy.sparse.linalg', 'sklearn', 'umap', "
            "'numba', 'pandas')))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True", "True", "False", "False", "False"]
