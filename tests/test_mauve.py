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


# --- exact behaviour: the curve against mauve-text's own functions, boundaries, defaults, sampling ------

def test_divergence_curve_equals_mauve_text_at_other_points_and_scaling():
    from mauve.compute_mauve import get_divergence_curve_for_multinomials

    p, q = np.array([0.5, 0.3, 0.2, 0.0]), np.array([0.1, 0.2, 0.3, 0.4])
    for points, scaling in ((25, 5.0), (7, 1.5)):
        ref = get_divergence_curve_for_multinomials(p, q, np.linspace(1e-6, 1 - 1e-6, points), scaling)
        np.testing.assert_allclose(divergence_curve(p, q, points=points, scaling=scaling), ref, rtol=1e-12)
    x, y = get_divergence_curve_for_multinomials(p, q, np.linspace(1e-6, 1 - 1e-6, 7), 1.5).T
    from sklearn.metrics import auc

    i, j = np.lexsort((-y, x)), np.lexsort((-x, y))  # no ties here: the reference's own area
    want = 0.5 * (auc(x[i], y[i]) + auc(y[j], x[j]))
    assert mauve_from_histograms(p, q, points=7, scaling=1.5) == pytest.approx(want, rel=1e-12)
    assert mauve_from_histograms([1, 1, 0], [0.5, 0.5, 0.0]) > 0.9  # lists of counts are read as floats


def test_a_bucket_empty_on_both_sides_changes_nothing():
    p, q = np.array([0.6, 0.4]), np.array([0.3, 0.7])
    assert mauve_from_histograms(np.r_[p, 0.0], np.r_[q, 0.0]) == pytest.approx(mauve_from_histograms(p, q), rel=1e-12)


def _ref_mauve(real, synth, *, max_n=2000, seed=0, buckets=None):
    """mauve-text on the documented seeded sample, with the seed drawn after it."""
    rng = np.random.default_rng(seed)
    n = min(len(real), len(synth), max_n)
    r = real[np.sort(rng.choice(len(real), n, replace=False))] if len(real) > n else real
    s = synth[np.sort(rng.choice(len(synth), n, replace=False))] if len(synth) > n else synth
    k = buckets or max(2, int(round(n / 10)))
    out = mauve.compute_mauve(p_features=r, q_features=s, num_buckets=k, seed=int(rng.integers(0, 2**31 - 100)),
                              verbose=False)
    return out, n, k


@pytest.mark.parametrize("nr, ns, kw", [(60, 45, {"max_n": 50}), (40, 70, {"max_n": 50, "buckets": 3}),
                                        (60, 55, {"max_n": 50}), (24, 30, {})])
def test_mauve_score_equals_mauve_text_on_the_seeded_sample(nr, ns, kw):
    real, synth = _features(1, n=nr, d=8), _features(2, 0.7, n=ns, d=8)
    got = mauve_score(real, synth, random_state=3, **kw)
    ref, n, k = _ref_mauve(real, synth, seed=3, **kw)
    assert got.value == pytest.approx(ref.mauve, rel=1e-9)
    assert got.n == n and got.details == {"buckets": k, "per_side": n}
    assert got.sampled == (n < max(nr, ns))


def test_mauve_score_boundaries_and_messages():
    with pytest.raises(ValueError, match=r"^mauve_score: empty input$"):
        mauve_score(_features(1), np.zeros((0, 32)))
    bad = _features(2)
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match=r"^mauve_score: embeddings contain NaN or infinity$"):
        mauve_score(_features(1), bad)
    few = mauve_score(_features(1, n=19), _features(2, n=40))
    assert few.value is None and few.n == 19 and few.warnings == ["MAUVE needs at least 20 documents per corpus"]
    ok = mauve_score(_features(1, n=20), _features(2, n=20), random_state=0)
    assert ok.value is not None and ok.details == {"buckets": 2, "per_side": 20} and not ok.sampled
    big = mauve_score(_features(1, n=2001, d=4), _features(2, n=30, d=4), random_state=0)
    assert big.n == 30 and big.sampled and big.details["buckets"] == 3


def test_quantize_keeps_every_bucket_when_the_last_holds_one_side_only():
    # two far-apart groups, two buckets: one bucket is synthetic-only whichever label it gets
    near = np.abs(_features(1, n=30, d=4)) + 5.0  # after normalising: around (1, 1, 1, 1) / 2
    far = -(np.abs(_features(2, n=30, d=4)) + 5.0)  # and around its opposite
    for p, q in ((near, far), (far, near)):
        ph, qh = quantize(p, q, buckets=2, seed=0)
        assert len(ph) == len(qh) == 2 and sorted(ph.tolist()) == sorted(qh.tolist()) == [0.0, 1.0]
