"""MAUVE against the reference implementation (mauve-text) on the same features and seed."""
import numpy as np
import pytest

from metrics.drift_mauve import divergence_curve, mauve_from_histograms, mauve_score, quantize
from tests.conftest import reference_package

mauve = reference_package("mauve")


def _features(seed, shift=0.0, n=300, d=32):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    x[:, 0] += shift
    return x


@pytest.mark.parametrize("shift", [0.0, 1.5])
def test_matches_mauve_text_exactly(shift):
    p, q = _features(1), _features(2, shift)
    ref = mauve.compute_mauve(p_features=p, q_features=q, num_buckets=30, seed=7, verbose=False)
    ph, qh = quantize(p, q, buckets=30, seed=7)
    np.testing.assert_allclose(ph, ref.p_hist)
    np.testing.assert_allclose(qh, ref.q_hist)
    assert mauve_from_histograms(ph, qh) == pytest.approx(ref.mauve, rel=1e-12)


def test_hand_cases():
    p = np.array([0.5, 0.5])
    # identical: the unit square (mauve-text says 0.75 here: its argsort walks the tied points out of order)
    assert mauve_from_histograms(p, p) == pytest.approx(1.0, abs=1e-6)
    assert mauve_from_histograms(np.array([1.0, 0.0]), np.array([0.0, 1.0])) < 0.01  # disjoint supports
    curve = divergence_curve(p, p)
    assert curve.shape == (27, 2) and curve[0].tolist() == [1.0, 0.0]


def test_same_distribution_scores_higher_than_a_shifted_one():
    same = mauve_score(_features(1), _features(2), random_state=0)
    shifted = mauve_score(_features(1), _features(2, 2.0), random_state=0)
    far = mauve_score(_features(1), _features(2, 3.0), random_state=0)
    assert same.value > 0.9 and shifted.value < 0.75 and far.value < 0.3
    assert same.details["buckets"] == 30 and same.n == 300


def test_bad_input():
    with pytest.raises(ValueError, match="empty"):
        mauve_score(np.zeros((0, 4)), _features(1))
    bad = _features(1)
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        mauve_score(bad, _features(2))
    assert mauve_score(_features(1, n=10), _features(2, n=10)).value is None
