"""metrics.stats.wilson_interval against its reference, scipy.stats.binomtest(...).proportion_ci("wilson"),
bit for bit (the closed form replaced the call to binomtest in session 12; the report's JSON must not move)."""
from __future__ import annotations

import pytest
from scipy.stats import binomtest

from metrics.stats import wilson_interval


def _scipy(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return (max(0.0, float(ci.low)), min(1.0, float(ci.high)))


def test_equal_to_binomtest_bit_for_bit_for_every_k_up_to_n_60():
    for n in range(1, 61):
        for k in range(n + 1):
            assert wilson_interval(k, n) == _scipy(k, n), (k, n)


@pytest.mark.parametrize("k,n", [(0, 5000), (1, 5000), (37, 5000), (2500, 5000), (4999, 5000), (5000, 5000),
                                 (123, 98_765), (17, 1_000_003), (999_999, 1_000_003)])
@pytest.mark.parametrize("confidence", [0.95, 0.9, 0.99, 0.5])
def test_equal_to_binomtest_bit_for_bit_at_audit_sizes_and_other_levels(k, n, confidence):
    assert wilson_interval(k, n, confidence=confidence) == _scipy(k, n, confidence)


def test_numpy_integers_and_hand_value():
    import numpy as np

    assert wilson_interval(np.int64(5), np.int64(20)) == _scipy(5, 20)
    # Wilson 95% for 5/20 by hand: centre (2·5 + z²)/(2(20 + z²)), half-width z/(2(20 + z²))·sqrt(4·20·.25·.75 + z²)
    z = 1.959963984540054
    c, d = (10 + z * z) / (2 * (20 + z * z)), z / (2 * (20 + z * z)) * (4 * 20 * 0.25 * 0.75 + z * z) ** 0.5
    assert wilson_interval(5, 20) == pytest.approx((c - d, c + d), abs=1e-15)


def test_no_evidence_and_bad_counts():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(6, 5)
    with pytest.raises(ValueError):
        wilson_interval(-1, 5)
