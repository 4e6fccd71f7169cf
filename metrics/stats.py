"""Small statistics shared by several metric families, taken from scipy (one source of truth)."""
from __future__ import annotations


def wilson_interval(k: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion k / n (Wilson 1927), as computed by
    ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``; (0, 1) when n == 0 (no evidence)."""
    if n <= 0:
        return (0.0, 1.0)
    from scipy.stats import binomtest  # here, not at import: the reading workers import this module, never call it

    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return (max(0.0, float(ci.low)), min(1.0, float(ci.high)))
