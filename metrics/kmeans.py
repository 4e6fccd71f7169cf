"""The one k-means of the project: faiss, seeded, with the settings every caller shares.

Topics (``metrics.topics``), diversity cells (``metrics.diversity_semantic``), the data-copying cells
(``metrics.copying_distance``) and MAUVE's quantisation (``metrics.drift_mauve``) all fit through
:func:`fit_kmeans`, so a change to how clusters are fitted (threads, warnings, points per centroid) is made
once. It returns the trained ``faiss.Kmeans``: ``.centroids`` and ``.index`` (search it for labels).
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np


@contextmanager
def faiss_single_thread():
    """Small k-means / searches: OpenMP threads cost far more than they save (25x slower on a busy
    2-core box); the previous setting is restored."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def fit_kmeans(x: np.ndarray, k: int, *, seed: int, niter: int = 20, nredo: int = 1, spherical: bool = False,
               max_points_per_centroid: int = 256, **faiss_options):
    """Train faiss k-means with ``k`` centroids on the rows of ``x`` (cast to contiguous float32).

    ``min_points_per_centroid=1`` only silences faiss's small-sample warning (same clustering);
    ``max_points_per_centroid`` caps the training sample faiss draws (seeded by ``seed``).
    """
    import faiss

    x = np.ascontiguousarray(x, dtype=np.float32)
    km = faiss.Kmeans(x.shape[1], int(k), niter=niter, nredo=nredo, spherical=spherical, seed=int(seed),
                      verbose=False, min_points_per_centroid=1, max_points_per_centroid=max_points_per_centroid,
                      **faiss_options)
    km.train(x)
    return km
