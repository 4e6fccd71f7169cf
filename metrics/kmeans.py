"""The one k-means of the project: faiss, seeded, with the settings every caller shares.

Topics (``metrics.topics``), diversity cells (``metrics.diversity_semantic``), the data-copying cells
(``metrics.copying_distance``) and MAUVE's quantisation (``metrics.drift_mauve``) all fit through
:func:`fit_kmeans`, so a change to how clusters are fitted (threads, warnings, points per centroid) is made
once. It returns the trained ``faiss.Kmeans``: ``.centroids`` and ``.index`` (search it for labels).
Every faiss import of the project goes through :func:`import_faiss` (its OpenBLAS on numpy's CPU kernel).
"""
from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager

import numpy as np

# CPU kernels the OpenBLAS bundled in the faiss-cpu wheels (0.3.15) knows by name (its ``corename``
# table); a newer OpenBLAS may name a newer CPU it does not know, then the nearest older kernel it has.
_FAISS_BLAS_CORES = {"prescott", "core2", "penryn", "dunnington", "nehalem", "athlon", "opteron", "opteron_sse3",
                     "barcelona", "nano", "sandybridge", "bobcat", "bulldozer", "piledriver", "haswell",
                     "steamroller", "excavator", "zen", "skylakex", "cooperlake"}
_NEWER_CORES = {"sapphirerapids": "SkylakeX"}


def blas_core(libraries: list[dict]) -> str | None:
    """The CPU kernel numpy's OpenBLAS chose, from threadpoolctl's ``threadpool_info()`` rows: the OpenBLAS
    under numpy's folder, else the first OpenBLAS that names one; ``None`` without OpenBLAS."""
    named = [lib for lib in libraries if lib.get("internal_api") == "openblas" and lib.get("architecture")]
    for lib in named:
        if "numpy" in lib.get("filepath", ""):
            return lib["architecture"]
    return named[0]["architecture"] if named else None


def faiss_coretype(numpy_core: str | None, environ) -> str | None:
    """The ``OPENBLAS_CORETYPE`` to load faiss with: numpy's kernel, or the older name faiss's OpenBLAS
    knows it by; ``None`` when the user set the variable or faiss's OpenBLAS has no such kernel."""
    if "OPENBLAS_CORETYPE" in environ:
        return None
    found = (numpy_core or "").lower()
    return _NEWER_CORES.get(found) or (found if found in _FAISS_BLAS_CORES else None)


_IMPORT_LOCK = threading.Lock()


def import_faiss():
    """``import faiss``, its bundled OpenBLAS on the CPU kernel numpy's OpenBLAS chose.

    The faiss-cpu wheels link OpenBLAS 0.3.15, which does not recognise recent x86 CPUs and falls back to
    its generic "Prescott" kernel: here (an AVX-512 Xeon) its sgemm was 3-5x slower than with the
    "SkylakeX" kernel that numpy's newer OpenBLAS picks on the same machine (5k x 5k search 0.57 s vs 0.12 s,
    k-means 0.41 s vs 0.09 s). OpenBLAS reads ``OPENBLAS_CORETYPE`` once, when the library loads, so it is
    set for the import alone and removed again: libraries loaded later detect their own kernel. A value the
    user set is left alone, and nothing is set when numpy's kernel is not one faiss's OpenBLAS names (ARM,
    or numpy without OpenBLAS). Same kernel family, same results up to float rounding (the 16k+16k audit:
    7 values moved at 1e-6, no cluster changed).
    """
    with _IMPORT_LOCK:  # families on threads: one imports, the others wait for the whole module
        if "faiss" in sys.modules:
            return sys.modules["faiss"]
        from threadpoolctl import threadpool_info

        core = faiss_coretype(blas_core(threadpool_info()), os.environ)
        if core:
            os.environ["OPENBLAS_CORETYPE"] = core
        try:
            import faiss
        finally:
            if core:
                os.environ.pop("OPENBLAS_CORETYPE", None)
        return faiss


@contextmanager
def faiss_single_thread():
    """Small k-means / searches: OpenMP threads cost far more than they save (25x slower on a busy
    2-core box); the previous setting is restored."""
    faiss = import_faiss()
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
    faiss = import_faiss()
    x = np.ascontiguousarray(x, dtype=np.float32)
    km = faiss.Kmeans(x.shape[1], int(k), niter=niter, nredo=nredo, spherical=spherical, seed=int(seed),
                      verbose=False, min_points_per_centroid=1, max_points_per_centroid=max_points_per_centroid,
                      **faiss_options)
    km.train(x)
    return km
