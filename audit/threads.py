"""How many threads the numeric libraries (BLAS, OpenMP, numba, torch) may use while the audit runs.

Two busy-waiting BLAS threads on two cores that other processes also want make one 384×384
eigendecomposition forty times slower than one thread does, so the budget follows the cores that are
actually free: ``CORPUS_AUDIT_THREADS`` when set, else the usable cores minus the 1-minute load average
(at least 1). Libraries already loaded are limited with threadpoolctl; those loaded later read the
standard environment variables, which are set for the duration.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

from audit.errors import ConfigError

ENV = "CORPUS_AUDIT_THREADS"
_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
         "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def thread_budget() -> int:
    """Threads the audit may use: ``$CORPUS_AUDIT_THREADS``, else the cores not already busy (≥ 1)."""
    raw = os.environ.get(ENV, "").strip()
    if raw:
        try:
            n = int(raw)
        except ValueError:
            n = 0
        if n < 1:
            raise ConfigError(f"{ENV} must be a positive integer, got {raw!r}")
        return n
    cores = usable_cores()
    try:
        busy = os.getloadavg()[0]
    except OSError:  # pragma: no cover - no load average on this platform
        busy = 0.0
    return max(1, min(cores, int(cores - busy + 0.5)))


@contextmanager
def limited_threads(n: int | None = None):
    """Run the block with at most ``n`` (default: ``thread_budget()``) threads per numeric library."""
    n = thread_budget() if n is None else n
    saved = {v: os.environ.get(v) for v in _VARS}
    os.environ.update({v: str(n) for v in _VARS})
    try:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=n):
            yield n
    finally:
        for v, old in saved.items():
            if old is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = old
