"""umap-learn, the reference the map's layout (``audit.layout``) is tested and benchmarked against.

The audit itself no longer imports it. umap-learn and pynndescent mark few of their numba functions
``cache=True``, so each process would compile them again (about 35 s on two cores); they are imported here
with numba's on-disk cache switched on (``$NUMBA_CACHE_DIR``, else :func:`numba_cache_dir`), so only the
first test run on a machine pays for the compilation.
"""
from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path

_LOCK = threading.Lock()  # one thread imports, the others wait for the whole module


def numba_cache_dir() -> Path:
    """Where the reference's compiled numba code is kept between runs (beside the audit's own caches)."""
    from audit.home import home_dir

    return home_dir() / "numba"


def import_umap():
    """``umap`` with its numba functions (and pynndescent's) cached on disk."""
    import sys

    with _LOCK:
        if "umap" in sys.modules:
            return sys.modules["umap"]
        import numba
        from numba.core import config

        if not os.environ.get("NUMBA_CACHE_DIR"):
            target = numba_cache_dir()
            target.mkdir(parents=True, exist_ok=True)
            config.CACHE_DIR = str(target)
        originals = numba.jit, numba.njit

        def cached(decorator):
            def wrapper(*args, **kw):
                kw.setdefault("cache", True)
                return decorator(*args, **kw)

            return wrapper

        numba.jit, numba.njit = cached(originals[0]), cached(originals[1])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "cannot cache ..." and UMAP's own import-time notes
                import umap
        finally:
            numba.jit, numba.njit = originals
        return umap


def umap_learn_layout(x, idx, dist, *, random_state: int = 0, n_epochs: int = 200):
    """umap-learn's 2-D layout of ``x`` on the given exact kNN graph, with the map's settings."""
    umap = import_umap()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return umap.UMAP(n_neighbors=idx.shape[1], min_dist=0.1, metric="cosine", random_state=random_state,
                         n_jobs=1, n_epochs=n_epochs, init="random" if len(x) < 50 else "spectral",
                         precomputed_knn=(idx, dist, None)).fit_transform(x)
