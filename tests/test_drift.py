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


# --- exact behaviour against references (sklearn / scipy loops), boundaries, defaults and details -------

from scipy.spatial.distance import cdist, pdist  # noqa: E402
from scipy.special import expit  # noqa: E402
from scipy.stats import rankdata  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_val_predict  # noqa: E402

from metrics.drift import bootstrap_roc_auc, check_embeddings, seeded_subsample  # noqa: E402


def _sample(n, cap, rng):
    """The documented seeded sample: ``cap`` distinct rows drawn without replacement, sorted."""
    return np.arange(n) if cap is None or n <= cap else np.sort(rng.choice(n, cap, replace=False))


def test_check_embeddings_messages_and_dtype():
    (a,) = check_embeddings("f", np.ones((1, 3), dtype=np.int64))  # one row is enough by default
    assert a.dtype == np.float64 and a.shape == (1, 3)
    with pytest.raises(ValueError, match=r"^f: needs a 2-D array with at least 2 rows, got shape \(1, 3\)$"):
        check_embeddings("f", np.ones((2, 3)), np.ones((1, 3)), min_rows=2)
    with pytest.raises(ValueError, match=r"^f: needs a 2-D array with at least 1 rows, got shape \(3,\)$"):
        check_embeddings("f", np.ones(3))
    with pytest.raises(ValueError, match=r"^f: embeddings contain NaN or inf$"):
        check_embeddings("f", np.array([[1.0, np.inf]]))
    with pytest.raises(ValueError, match=r"^f: embeddings have different widths \[2, 3, 4\]$"):
        check_embeddings("f", np.ones((2, 2)), np.ones((2, 3)), np.ones((2, 4)))
    for f, name in ((classifier_auc, "classifier_auc"), (mmd2_rbf, "mmd2_rbf"), (frechet_distance, "frechet_distance")):
        with pytest.raises(ValueError, match=rf"^{name}: embeddings have different widths \[2, 3\]$"):
            f(np.ones((6, 2)), np.ones((6, 3)))
    for f, name in ((mmd2_rbf, "mmd2_rbf"), (frechet_distance, "frechet_distance")):
        with pytest.raises(ValueError, match=rf"^{name}: needs a 2-D array with at least 2 rows"):
            f(gauss(1, 3), gauss(5, 3))
        assert f(gauss(2, 3), gauss(2, 3, seed=1)).value is not None  # two rows are enough


def test_seeded_subsample_draws_distinct_rows():
    idx = seeded_subsample(100, 90, np.random.default_rng(0))
    assert len(idx) == 90 and len(set(idx.tolist())) == 90 and (np.diff(idx) > 0).all()
    assert seeded_subsample(5, None, None).tolist() == seeded_subsample(5, 5, None).tolist() == [0, 1, 2, 3, 4]


@pytest.mark.filterwarnings("error")  # a one-class resample is NaN, quietly
def test_bootstrap_auc_one_class_resample_raises_no_warning():
    y = np.r_[np.zeros(3), np.ones(3)]
    s = np.arange(6.0)
    counts = np.stack([np.r_[1, 1, 1, 0, 0, 0], np.ones(6, int)], 1)
    got = bootstrap_roc_auc(y, s, counts)
    assert np.isnan(got[0]) and got[1] == 1.0


def _ref_classifier(xr, xs, *, folds=5, n_boot=200, max_n=5000, seed=0, n_examples=5):
    """Lopez-Paz & Oquab with sklearn: cross_val_predict of a logistic regression, bootstrap by hand."""
    rng = np.random.default_rng(seed)
    ir, is_ = _sample(len(xr), max_n, rng), _sample(len(xs), max_n, rng)
    x = np.vstack([xr[ir], xs[is_]])
    y = np.r_[np.zeros(len(ir)), np.ones(len(is_))]
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=int(rng.integers(2**31)))
    s = cross_val_predict(LogisticRegression(C=1.0, max_iter=1000), x, y, cv=cv, method="decision_function")
    boots = []
    for _ in range(n_boot):
        i = rng.integers(0, len(y), len(y))
        n1 = y[i].sum()
        if 0 < n1 < len(i):  # Mann-Whitney: AUC = (rank sum of positives - n1(n1+1)/2) / (n1 n0)
            boots.append((rankdata(s[i])[y[i] == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * (len(i) - n1)))
    sr, ss = s[: len(ir)], s[len(ir):]
    top_s = sorted(range(len(ss)), key=lambda i: (-ss[i], i))[:n_examples]
    top_r = sorted(range(len(sr)), key=lambda i: (sr[i], i))[:n_examples]
    return {
        "value": roc_auc_score(y, s), "ci": (np.percentile(boots, 2.5), np.percentile(boots, 97.5)),
        "n": min(len(ir), len(is_)), "sampled": len(ir) < len(xr) or len(is_) < len(xs),
        "most_synthetic": [(int(is_[i]), expit(ss[i])) for i in top_s],
        "most_real": [(int(ir[i]), expit(sr[i])) for i in top_r],
        "share": float(np.mean(expit(ss) > 0.9)),
    }


def _assert_classifier(got, want):
    assert got.value == pytest.approx(want["value"], abs=1e-12)
    assert got.ci == pytest.approx(want["ci"], abs=1e-12)
    assert (got.n, got.sampled) == (want["n"], want["sampled"])
    for key in ("most_synthetic", "most_real"):
        assert [e["index"] for e in got.details[key]] == [i for i, _ in want[key]]
        assert [e["p_synthetic"] for e in got.details[key]] == pytest.approx([p for _, p in want[key]], abs=1e-12)
    assert got.details["share_synth_confidently_synthetic"] == want["share"]


@pytest.mark.parametrize("kw", [{}, {"folds": 3, "n_boot": 50, "n_examples": 7}, {"max_n": 25}])
def test_classifier_auc_equals_sklearn_reference(kw):
    xr, xs = gauss(40, 3), gauss(30, 3, shift=0.8, seed=1)
    _assert_classifier(classifier_auc(xr, xs, random_state=4, **kw), _ref_classifier(xr, xs, seed=4, **kw))


def test_classifier_auc_tied_scores_keep_row_order():
    # duplicated synthetic rows share a score inside a fold: the examples list them in row order
    xr = gauss(40, 2)
    xs = np.repeat(np.array([[2.0, 2.0], [1.5, 1.8]]), 20, axis=0)
    _assert_classifier(classifier_auc(xr, xs, random_state=0, n_examples=12),
                       _ref_classifier(xr, xs, seed=0, n_examples=12))


def test_classifier_auc_sampling_flags_and_default_cap():
    r = classifier_auc(gauss(5001, 2), gauss(300, 2, seed=1), n_boot=5, random_state=0)
    assert r.sampled and r.n == 300  # only the real side was over the default cap of 5000
    assert not classifier_auc(gauss(5000, 2), gauss(300, 2, seed=1), n_boot=5, random_state=0).sampled
    r = classifier_auc(gauss(30, 2), gauss(60, 2, seed=1), max_n=40, n_boot=5, random_state=0)
    assert r.sampled and r.n == 30


def test_classifier_auc_needs_one_document_per_fold():
    few = classifier_auc(gauss(4, 2), gauss(10, 2, seed=1))
    assert few.value is None and few.n == 4 and few.warnings == ["too few documents for cross-validation"]
    ok = classifier_auc(gauss(5, 2), gauss(10, 2, seed=1), random_state=0)  # exactly ``folds`` rows
    assert ok.value is not None and ok.n == 5 and ok.warnings == []


def _ref_mmd(xr, xs, *, max_n=1500, n_perm=200, seed=0, n_examples=5):
    """Gretton et al.'s unbiased MMD² with scipy distances, its permutation null and witness, row by row."""
    rng = np.random.default_rng(seed)
    ir, is_ = _sample(len(xr), max_n, rng), _sample(len(xs), max_n, rng)
    z = np.vstack([xr[ir], xs[is_]])
    m = len(ir)
    d = pdist(z)
    sigma = np.median(d)
    if sigma <= 0:
        sigma = d.mean() or 1.0
    k = np.exp(-cdist(z, z, "sqeuclidean") / (2 * sigma ** 2))

    def stat(real):
        a, b = np.flatnonzero(real), np.flatnonzero(~real)
        kaa, kbb = k[np.ix_(a, a)], k[np.ix_(b, b)]
        return ((kaa.sum() - np.trace(kaa)) / (len(a) * (len(a) - 1)) + (kbb.sum() - np.trace(kbb))
                / (len(b) * (len(b) - 1)) - 2 * k[np.ix_(a, b)].mean())

    obs_ind = np.r_[np.ones(m), np.zeros(len(z) - m)]
    obs = stat(obs_ind == 1)
    null = np.array([stat(rng.permutation(obs_ind) == 1) for _ in range(n_perm)])
    w = k[:, :m].mean(axis=1) - k[:, m:].mean(axis=1)  # witness, k(z, z) = 1 included
    ws, wr = w[m:], w[:m]
    return {
        "value": obs, "p": (1 + np.sum(null >= obs - 1e-12)) / (n_perm + 1), "sigma": sigma,
        "null_95": np.percentile(null, 95), "n": min(m, len(z) - m),
        "synth_excess": [(int(is_[i]), ws[i]) for i in sorted(range(len(ws)), key=lambda i: (ws[i], i))[:n_examples]],
        "real_deficit": [(int(ir[i]), wr[i]) for i in sorted(range(len(wr)), key=lambda i: (-wr[i], i))[:n_examples]],
    }


def _assert_mmd(got, want, n_perm):
    assert got.value == pytest.approx(want["value"], rel=1e-9, abs=1e-12)
    assert got.p_value == pytest.approx(want["p"], abs=1e-12)
    assert got.details["sigma"] == pytest.approx(want["sigma"], rel=1e-12)
    assert got.details["null_95"] == pytest.approx(want["null_95"], rel=1e-9, abs=1e-12)
    assert got.details["n_permutations"] == n_perm and got.n == want["n"]
    for key in ("synth_excess", "real_deficit"):
        assert [e["index"] for e in got.details[key]] == [i for i, _ in want[key]], key
        assert [e["witness"] for e in got.details[key]] == pytest.approx([v for _, v in want[key]], abs=1e-12)


@pytest.mark.parametrize("scale, kw", [(1.0, {"n_perm": 40}), (0.1, {"n_perm": 30, "n_examples": 8, "max_n": 20})])
def test_mmd_equals_reference_null_p_value_and_witness(scale, kw):
    xr, xs = gauss(25, 3) * scale, (gauss(22, 3, shift=0.6, seed=1) * scale)
    _assert_mmd(mmd2_rbf(xr, xs, random_state=2, **kw), _ref_mmd(xr, xs, seed=2, **kw), kw["n_perm"])


def test_mmd_bandwidth_falls_back_when_most_pairs_coincide():
    # 11 of 12 pooled points at the origin: the median distance is 0, sigma = mean distance = 55 / 66
    xr, xs = np.zeros((6, 2)), np.r_[np.zeros((5, 2)), [[3.0, 4.0]]]
    _assert_mmd(mmd2_rbf(xr, xs, n_perm=20, random_state=0), _ref_mmd(xr, xs, n_perm=20, seed=0), 20)
    assert mmd2_rbf(xr, xs, n_perm=5).details["sigma"] == pytest.approx(55 / 66)
    same = mmd2_rbf(np.ones((4, 2)), np.ones((5, 2)), n_perm=10, random_state=0)  # all distances 0: sigma 1
    assert same.details["sigma"] == 1.0 and same.value == pytest.approx(0.0, abs=1e-12) and same.p_value == 1.0


def test_mmd_defaults_and_sampling_flags():
    r = mmd2_rbf(gauss(1501, 2), gauss(30, 2, seed=1), n_perm=2, random_state=0)
    assert r.sampled and r.n == 30  # only the real side over the default cap of 1500
    assert not mmd2_rbf(gauss(1500, 2), gauss(30, 2, seed=1), n_perm=2, random_state=0).sampled
    d = mmd2_rbf(gauss(30, 2), gauss(30, 2, shift=3.0, seed=1), random_state=0)
    assert d.details["n_permutations"] == 200 and d.p_value == pytest.approx(1 / 201)
    assert len(d.details["synth_excess"]) == 5 and len(d.details["real_deficit"]) == 5


def _ref_prdc(a, b, k):
    """Naeem et al. 2020 with brute-force distances; the CIs and evidence lists as documented."""
    rr = np.sort(cdist(a, a), axis=1)[:, k]  # k-th nearest other real point (column 0 is the point itself)
    rs = np.sort(cdist(b, b), axis=1)[:, k]
    d = cdist(a, b)  # (real, synth)
    in_real = (d < rr[:, None]).sum(axis=0)  # per synthetic point: real balls holding it (strictly)
    in_synth = (d < rs[None, :]).sum(axis=1)
    nn = d.min(axis=1)
    covered = nn < rr

    def share(flags):
        v = flags.mean()
        h = 1.96 * np.sqrt(max(v * (1 - v), 1e-12) / len(flags))
        return v, (max(0.0, v - h), min(1.0, v + h))

    dens = in_real / k
    gap = nn / np.maximum(rr, 1e-12)
    top = sorted(range(len(a)), key=lambda i: (-gap[i], i))[:10]
    return {
        "precision": share(in_real > 0), "recall": share(in_synth > 0), "coverage": share(covered),
        "density": (dens.mean(), (dens.mean() - 1.96 * dens.std(ddof=1) / np.sqrt(len(dens)),
                                  dens.mean() + 1.96 * dens.std(ddof=1) / np.sqrt(len(dens)))),
        "uncovered": [(i, gap[i]) for i in top if not covered[i]],
        "outside": [int(i) for i in np.flatnonzero(in_real == 0)[:10]],
    }


@pytest.mark.parametrize("k", [1, 3])
def test_prdc_equals_brute_force_with_cis_and_evidence(k):
    # points on an integer grid: ties in every ratio, and points exactly on a ball's edge (strictly outside)
    rng = np.random.default_rng(k)
    a = rng.integers(0, 12, (40, 2)).astype(float) + np.arange(40)[:, None] * [0.0, 0.001]
    b = rng.integers(4, 20, (35, 2)).astype(float)
    got, want = prdc(a, b, k=k), _ref_prdc(a, b, k)
    for key in ("precision", "recall", "density", "coverage"):
        v, ci = want[key]
        assert got[key].value == pytest.approx(v, abs=1e-12) and got[key].ci == pytest.approx(ci, abs=1e-12), key
        assert got[key].details["k"] == k and got[key].n == 35 and not got[key].sampled
    assert [u["index"] for u in got["coverage"].details["uncovered"]] == [i for i, _ in want["uncovered"]]
    assert [u["distance_ratio"] for u in got["coverage"].details["uncovered"]] == pytest.approx(
        [g for _, g in want["uncovered"]], rel=1e-4)  # faiss measures in float32
    assert [o["index"] for o in got["precision"].details["outside"]] == want["outside"]
    assert got["coverage"].details["expected_if_identical"] == 1 - 2.0 ** -k


def test_prdc_ball_edge_is_outside():
    # 1-D, k = 1: every real ball has radius 1; synthetic 5 is at distance exactly 1 from real 4: outside
    a = np.arange(5.0)[:, None]
    b = np.array([[5.0], [7.0], [8.0], [2.5]])
    r = prdc(a, b, k=1)
    assert r["precision"].value == 0.25 and [o["index"] for o in r["precision"].details["outside"]] == [0, 1, 2]
    assert r["coverage"].value == pytest.approx(2 / 5)  # real 2 and 3 are within 1 of 2.5; real 4 is not (1 = r)
    assert r["density"].value == pytest.approx(2 / 4)


def test_prdc_sampling_cap_and_defaults():
    r = prdc(gauss(2001, 2), gauss(50, 2, seed=1), random_state=0)
    assert r["recall"].sampled and r["recall"].n == 50 and r["recall"].details["k"] == 5
    assert not prdc(gauss(2000, 2), gauss(50, 2, seed=1), random_state=0)["recall"].sampled
    with pytest.raises(ValueError, match=r"^prdc: needs a 2-D array with at least 6 rows"):
        prdc(gauss(5, 2), gauss(50, 2))
    assert prdc(gauss(6, 2), gauss(6, 2, seed=1))["precision"].n == 6  # k + 1 rows are enough
    same = gauss(20, 2)
    assert prdc(same, same.copy(), k=2)["precision"].ci[1] == 1.0  # a share of 1: the interval stops at 1
    r = prdc(gauss(30, 2), gauss(60, 2, seed=1), max_n=40, random_state=0)
    assert r["density"].sampled and r["density"].n == 30


def test_frechet_defaults_sampling_and_permutation_switch():
    r = frechet_distance(gauss(1001, 2), gauss(1200, 2, seed=1), random_state=0)
    assert r.n == 1000 and r.sampled and r.p_value is None and "null_mean" not in r.details
    r = frechet_distance(gauss(40, 2), gauss(30, 2, seed=1), n=35, random_state=0)
    assert r.n == 30 and r.sampled  # the smaller side, the larger one is sampled
    r = frechet_distance(gauss(30, 2), gauss(40, 2, seed=1), n=35, random_state=0)
    assert r.n == 30 and r.sampled
    assert not frechet_distance(gauss(30, 2), gauss(30, 2, seed=1), n=35).sampled
    one = frechet_distance(gauss(30, 2), gauss(30, 2, shift=2.0, seed=1), n_perm=1, random_state=0)
    assert one.p_value == 0.5  # one permutation below the observed distance: (1 + 0) / 2


def test_frechet_sample_equals_reference_on_the_drawn_rows():
    xr, xs = gauss(50, 3), gauss(45, 3, shift=0.3, seed=1)
    rng = np.random.default_rng(9)
    a, b = xr[_sample(50, 20, rng)], xs[_sample(45, 20, rng)]
    assert frechet_distance(xr, xs, n=20, random_state=9).value == pytest.approx(reference_frechet(a, b), rel=1e-9)


def test_mmd_median_distance_equals_np_median_bit_for_bit():
    """The median heuristic's σ: one in-place partition of the squared distances, then square roots of
    the middle values, equals np.median(np.sqrt(d2[triu mask])) to the last bit; the pairs come out in
    the mask's row-major order (the fallback's mean sums them in that order)."""
    from metrics.drift import _median_distance, _upper_pairs

    rng = np.random.default_rng(7)
    cases = []
    for n in (2, 3, 4, 5, 6, 7, 30, 31, 200, 301):  # odd and even pair counts
        z = rng.normal(size=(n, 5)) * rng.choice([1e-3, 1.0, 1e3])
        sq = np.einsum("ij,ij->i", z, z)
        cases.append(np.maximum(sq[:, None] + sq[None, :] - 2.0 * (z @ z.T), 0.0))
        r = rng.integers(0, 4, size=(n, n)).astype(float)  # many ties, zeros
        cases.append(np.triu(r, 1) + np.triu(r, 1).T)
        cases.append(np.zeros((n, n)))
    nan = cases[-3].copy()
    nan[0, 1] = np.nan
    cases.append(nan)
    for d2 in cases:
        off = d2[np.triu(np.ones(d2.shape, dtype=bool), 1)]
        pairs = _upper_pairs(d2)
        assert pairs.dtype == off.dtype and np.array_equal(pairs, off, equal_nan=True)
        want = float(np.median(np.sqrt(off)))
        got = _median_distance(d2.copy())
        assert np.isnan(got) if np.isnan(want) else got.hex() == want.hex(), (len(d2), got, want)
    assert len(_upper_pairs(np.zeros((1, 1)))) == 0


def test_mmd_sigma_equals_the_median_heuristic_on_its_sample():
    """σ in details is the median of the pooled sample's pairwise distances, as np.median gives it."""
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(140, 8)), rng.normal(0.3, 1.0, size=(90, 8))
    for cap in (60, 1000):
        r = mmd2_rbf(a, b, max_n=cap, n_perm=5, random_state=11)
        g = np.random.default_rng(11)
        z = np.vstack([a[seeded_subsample(len(a), cap, g)], b[seeded_subsample(len(b), cap, g)]])
        sq = np.einsum("ij,ij->i", z, z)
        d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * (z @ z.T), 0.0)
        want = float(np.median(np.sqrt(d2[np.triu(np.ones(d2.shape, dtype=bool), 1)])))
        assert r.details["sigma"] == float(np.sqrt(want * want))


@pytest.mark.parametrize("block", [1, 5, 64, 1024])
def test_balls_containing_equals_the_plain_formulation(block):
    """In-place max/sqrt and count_nonzero give the counts of the expression written out."""
    from metrics.drift_manifold import _balls_containing

    rng = np.random.default_rng(4)
    pts, cen = rng.normal(size=(300, 6)), rng.normal(size=(250, 6))
    cen[:20] = pts[:20]  # zero distances (clipped negatives)
    radii = rng.uniform(0.0, 3.0, len(cen))
    radii[:5] = 0.0
    d = np.sqrt(np.maximum(np.einsum("ij,ij->i", pts, pts)[:, None] + np.einsum("ij,ij->i", cen, cen)[None, :]
                           - 2.0 * (pts @ cen.T), 0.0))
    want = (d < radii[None, :]).sum(axis=1)
    got = _balls_containing(pts, cen, radii, block=block)
    assert got.dtype == np.int64 and np.array_equal(got, want) and 0 < want.sum() < len(pts) * len(cen)


def _bootstrap_roc_auc_float(y, scores, counts):
    """The float64 formulation, as first written: the Mann–Whitney count weighted by the multiplicities over
    the tie groups of the sorted scores."""
    order = np.argsort(scores, kind="stable")
    s = scores[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    w = counts[order].astype(np.float64)
    pos = np.add.reduceat(w * (y[order] == 1)[:, None], starts, axis=0)
    neg = np.add.reduceat(w * (y[order] != 1)[:, None], starts, axis=0)
    below = np.cumsum(neg, axis=0) - neg
    with np.errstate(invalid="ignore", divide="ignore"):
        return (pos * (below + 0.5 * neg)).sum(axis=0) / (pos.sum(axis=0) * neg.sum(axis=0))


def test_bootstrap_auc_integer_path_equals_float_formulation_bit_for_bit():
    """Integer counts take the integer sums; the AUCs are the float64 formulation's to the last bit
    (ties, one-class resamples, several count dtypes), and non-integer or huge weights take the float path."""
    rng = np.random.default_rng(12)
    for n, b, ties in ((1, 3, False), (2, 5, False), (7, 40, True), (300, 60, True), (3000, 30, False),
                       (3000, 30, True)):
        y = (rng.random(n) < 0.4).astype(float)
        scores = rng.normal(size=n)
        if ties:
            scores = np.round(scores, 1)
        counts = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(b)], 1)
        for dt in (np.int64, np.int32, np.uint8, np.uint64):
            got = bootstrap_roc_auc(y, scores, counts.astype(dt))
            want = _bootstrap_roc_auc_float(y, scores, counts)
            assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), (n, b, ties, dt)
    y, scores = np.r_[0.0, 1.0, 0.0, 1.0], np.r_[0.1, 0.2, 0.2, 0.05]
    for w in (np.array([[0.5, 1.0], [1.5, 2.0], [1.0, 0.0], [2.0, 1.0]]), np.full((4, 2), 2**25), np.full((4, 2), 2**40), np.r_[3, 2**40, 5, 7][:, None]):
        assert bootstrap_roc_auc(y, scores, w).tobytes() == _bootstrap_roc_auc_float(y, scores, w).tobytes()


@pytest.mark.parametrize("block", [1, 5, 32, 500])
def test_squared_distances_in_place_equal_the_expression(block):
    """Row blocks of d2 in the Gram matrix's buffer: the bits of the whole-matrix expression."""
    from metrics.drift import _squared_distances

    rng = np.random.default_rng(8)
    z = rng.normal(size=(97, 6))
    z[10] = z[3]  # a repeated row: a clipped negative
    sq = np.einsum("ij,ij->i", z, z)
    want = np.maximum(sq[:, None] + sq[None, :] - 2.0 * (z @ z.T), 0.0)
    g = z @ z.T
    got = _squared_distances(sq, g, block=block)
    assert got is g and got.tobytes() == want.tobytes()
