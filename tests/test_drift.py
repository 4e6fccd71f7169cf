"""Embedding drift: classifier AUC, MMD², PRDC (vs the ``prdc`` package and analytic values), Fréchet."""
import numpy as np
import pytest
from scipy import linalg
from sklearn.metrics import roc_auc_score

from metrics.drift import classifier_auc, mmd2_rbf, roc_auc
from metrics.drift_manifold import frechet_distance, prdc
from tests.conftest import reference_package


def gauss(n, d=8, shift=0.0, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d)) + shift


def test_roc_auc_matches_sklearn():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500).astype(float)
    s = np.round(rng.standard_normal(500) + y, 1)  # ties on purpose
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_classifier_identical_vs_shifted():
    same = classifier_auc(gauss(400), gauss(400, seed=1), random_state=0)
    assert abs(same.value - 0.5) < 0.08 and same.ci[0] < 0.5 < same.ci[1]
    diff = classifier_auc(gauss(400), gauss(400, shift=1.0, seed=1), random_state=0)
    assert diff.value > 0.95
    i = diff.details["most_synthetic"][0]["index"]
    assert 0 <= i < 400 and diff.details["most_synthetic"][0]["p_synthetic"] > 0.9
    assert classifier_auc(gauss(400), gauss(400, shift=1.0, seed=1), random_state=0) == diff  # seeded


def test_bad_input_raises():
    x = gauss(50)
    x[3, 2] = np.nan
    for f in (classifier_auc, mmd2_rbf, frechet_distance):
        with pytest.raises(ValueError, match="NaN"):
            f(x, gauss(50))
    with pytest.raises(ValueError):
        mmd2_rbf(np.zeros((0, 8)), gauss(10))
    with pytest.raises(ValueError):
        prdc(gauss(3), gauss(30))


def brute_mmd2(a, b, sigma):
    k = lambda x, y: np.exp(-np.sum((x - y) ** 2) / (2 * sigma ** 2))
    m, n = len(a), len(b)
    xx = sum(k(a[i], a[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(b[i], b[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(a[i], b[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_mmd_matches_brute_force_and_median_heuristic():
    a, b = gauss(20, 3), gauss(25, 3, shift=0.5, seed=1)
    r = mmd2_rbf(a, b, n_perm=50, random_state=0)
    z = np.vstack([a, b])
    d = np.sqrt(((z[:, None] - z[None]) ** 2).sum(-1))[np.triu_indices(45, 1)]
    sigma = np.median(d)
    assert r.details["sigma"] == pytest.approx(sigma)
    assert r.value == pytest.approx(brute_mmd2(a, b, sigma), rel=1e-9)


def test_mmd_permutation_test():
    same = mmd2_rbf(gauss(300), gauss(300, seed=1), n_perm=100, random_state=0)
    assert same.p_value > 0.05
    diff = mmd2_rbf(gauss(300), gauss(300, shift=0.5, seed=1), n_perm=100, random_state=0)
    assert diff.p_value == pytest.approx(1 / 101)  # never 0
    assert diff.value > 10 * abs(same.value)
    # shuffling rows changes nothing (no subsampling at this size)
    p = np.random.default_rng(3).permutation(300)
    assert mmd2_rbf(gauss(300)[p], gauss(300, shift=0.5, seed=1), n_perm=10).value == pytest.approx(diff.value)


def test_mmd_caps_the_sample():
    r = mmd2_rbf(gauss(900), gauss(900, seed=1), max_n=200, n_perm=20, random_state=0)
    assert r.n == 200 and r.sampled
    assert all(0 <= e["index"] < 900 for e in r.details["synth_excess"])


@pytest.mark.parametrize("shift", [0.0, 0.5])
def test_prdc_matches_reference(shift):
    prdc_ref = reference_package("prdc")
    a, b = gauss(600, 10), gauss(500, 10, shift=shift, seed=1)
    ref = prdc_ref.compute_prdc(real_features=a, fake_features=b, nearest_k=5)
    ours = prdc(a, b, k=5)
    for key in ("precision", "recall", "density", "coverage"):
        assert ours[key].value == pytest.approx(float(ref[key]), abs=1e-9), key


def test_prdc_analytic_identical_distributions():
    # Naeem et al. 2020: E[density] = 1 and E[coverage] = 1 - 2^-k for identical distributions
    a, b = gauss(2000, 6), gauss(2000, 6, seed=1)
    r = prdc(a, b, k=5, random_state=0)
    assert r["density"].value == pytest.approx(1.0, abs=0.05)
    assert r["coverage"].value == pytest.approx(1 - 2 ** -5, abs=0.015)


def test_prdc_dropped_mode_lowers_recall_and_coverage():
    rng = np.random.default_rng(0)
    real = np.vstack([rng.standard_normal((300, 4)), rng.standard_normal((300, 4)) + 8])
    synth = rng.standard_normal((600, 4))  # only the first mode
    r = prdc(real, synth, k=5)
    assert r["coverage"].value < 0.55 and r["recall"].value < 0.55 and r["precision"].value > 0.9
    assert all(u["index"] >= 300 for u in r["coverage"].details["uncovered"])


def reference_frechet(a, b):
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = np.real(linalg.sqrtm(s1 @ s2))
    return np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * covmean)


def test_frechet_matches_sqrtm_formula_and_1d_case():
    a, b = gauss(300, 5), gauss(300, 5, shift=0.3, seed=1) * 1.5
    assert frechet_distance(a, b, n=300).value == pytest.approx(reference_frechet(a, b), rel=1e-8)
    x, y = np.array([[0.0], [2.0]]), np.array([[1.0], [5.0]])  # means 1, 3; sds √2, √8
    assert frechet_distance(x, y).value == pytest.approx(4 + (np.sqrt(2) - np.sqrt(8)) ** 2)
    assert frechet_distance(a, a).value == pytest.approx(0.0, abs=1e-8)


def _embed(x, d, seed=3):
    """Rows of ``x`` mapped into ``d`` dimensions by an orthonormal map: same Fréchet distance, lower rank."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, x.shape[1])))
    return x @ q.T


@pytest.mark.parametrize("rows, dims", [(10, 50), (40, 41), (500, 5)])
def test_frechet_low_rank_equals_full_rank_reference(rows, dims):
    # fewer rows than dimensions (10 in 50; 40 in 41) and more rows but a singular covariance (3-D data
    # in 5 dims): each route must give the distance of the same data in its own 3 dimensions
    a, b = gauss(rows, 3), gauss(rows, 3, shift=0.4, seed=1) * 1.7
    want = reference_frechet(a, b)
    assert frechet_distance(_embed(a, dims), _embed(b, dims), n=rows).value == pytest.approx(want, rel=1e-9)


def test_frechet_permutation_null_matches_reference_loop():
    a, b = gauss(60, 4), gauss(60, 4, shift=0.2, seed=1)
    got = frechet_distance(a, b, n=60, n_perm=20, random_state=5)
    rng = np.random.default_rng(5)  # all rows kept, so the only draws are the permutations
    z = np.vstack([a, b])
    null = [reference_frechet(z[i[:60]], z[i[60:]]) for i in (rng.permutation(120) for _ in range(20))]
    assert got.details["null_mean"] == pytest.approx(np.mean(null), rel=1e-9)
    assert got.p_value == pytest.approx((1 + sum(v >= got.value for v in null)) / 21)


def test_frechet_permutation_p_value():
    same = frechet_distance(gauss(200), gauss(200, seed=1), n=200, n_perm=30, random_state=0)
    assert same.p_value > 0.05 and same.value > 0  # small-n bias, not drift
    diff = frechet_distance(gauss(200), gauss(200, shift=0.5, seed=1), n=200, n_perm=30, random_state=0)
    assert diff.p_value == pytest.approx(1 / 31) and diff.details["mean_term"] > diff.details["covariance_term"]


def test_bootstrap_auc_equals_sklearn_on_each_resample():
    from metrics.drift import bootstrap_roc_auc

    rng = np.random.default_rng(3)
    y = np.r_[np.zeros(40), np.ones(30)]
    s = np.round(rng.standard_normal(70) + y, 1)  # ties on purpose
    idx = [rng.integers(0, 70, 70) for _ in range(25)] + [np.zeros(70, int)]  # the last: one class only
    counts = np.stack([np.bincount(i, minlength=70) for i in idx], 1)
    got = bootstrap_roc_auc(y, s, counts)
    want = [roc_auc_score(y[i], s[i]) for i in idx[:-1]]
    assert got[:-1] == pytest.approx(want, abs=1e-12) and np.isnan(got[-1])
