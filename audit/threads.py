"""How many threads the numeric libraries (BLAS, OpenMP, numba, torch) may use while the audit runs.

Two busy-waiting BLAS threads on two cores that other processes also want made one 384×384
eigendecomposition forty times slower than one thread (1.46 s against 35 ms; a 1000×256 QR took 5 s
against 35 ms here under load). The budget is therefore one thread per library unless
``CORPUS_AUDIT_THREADS`` says otherwise, and it is fixed rather than read from the machine's load: a
multithreaded reduction sums in a different order, so a budget that followed the load would change the
last digits of some results (measured: Vendi and Fréchet values moved at 1e-15) and break
"same inputs and seed, byte-identical JSON". Libraries already loaded are limited with threadpoolctl;
those loaded later read the standard environment variables, which are set for the duration. On a
quiet many-core machine ``CORPUS_AUDIT_THREADS=4`` speeds up the ``minilm`` embedder.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

from audit.errors import ConfigError

ENV = "CORPUS_AUDIT_THREADS"
_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
         "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")


def thread_budget() -> int:
    """Threads per numeric library: ``$CORPUS_AUDIT_THREADS`` (a positive integer), else 1."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return 1
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise ConfigError(f"{ENV} must be a positive integer, got {raw!r}")
    return n


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
