"""Small statistics shared by several metric families, taken from scipy (one source of truth)."""
from __future__ import annotations

from functools import lru_cache
from math import sqrt


@lru_cache(maxsize=8)
def _z(confidence: float) -> float:
    """The two-sided normal quantile of ``confidence``, as ``scipy.stats.binomtest`` takes it (``ndtri``)."""
    from scipy.special import ndtri  # here, not at import: the reading workers import this module, never call it

    return float(ndtri(0.5 + 0.5 * confidence))


def wilson_interval(k: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion k / n (Wilson 1927), as computed by
    ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``; (0, 1) when n == 0 (no evidence).

    SciPy's own formula (``scipy.stats._binomtest._binom_wilson_conf_int``, Newcombe 1998), the same
    operations in the same order, so the same floats; without ``binomtest``'s exact p-value, which the
    interval does not use and which was most of its cost (0.15 s of a 100 + 100 audit, session 12).
    ``tests/test_stats_wilson.py`` checks it against ``binomtest`` bit for bit.
    """
    if n <= 0:
        return (0.0, 1.0)
    k, n = int(k), int(n)
    if not 0 <= k <= n:
        raise ValueError(f"k must be between 0 and n ({n}), got {k}")
    if not 0 <= confidence <= 1:
        raise ValueError(f"confidence must be in [0, 1], got {confidence}")
    z = _z(float(confidence))
    p = k / n
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    q = 1 - p
    delta = z / denom * sqrt(4 * n * p * q + z**2)
    lo = 0.0 if k == 0 else center - delta
    hi = 1.0 if k == n else center + delta
    return (max(0.0, float(lo)), min(1.0, float(hi)))
