"""Manifold drift on embeddings: precision / recall / density / coverage and the Fréchet distance.

k-nearest-neighbour radii come from faiss (exact ``IndexFlatL2``); ball membership is counted in row
blocks so no full matrix is held beyond ``block × n``. Both functions work on seeded samples of at most
``max_n`` rows per side.
"""
from __future__ import annotations

import numpy as np
from scipy import linalg

from metrics.drift import check_embeddings, seeded_subsample
from metrics.result import MetricResult


def _faiss():
    from metrics.kmeans import import_faiss

    try:
        return import_faiss()
    except ImportError:  # pragma: no cover - faiss-cpu is a core dependency
        raise ImportError("precision/recall/density/coverage need faiss: pip install faiss-cpu") from None


def _kth_radius(x: np.ndarray, k: int) -> np.ndarray:
    """Euclidean distance from each row of ``x`` to its k-th nearest *other* row of ``x``."""
    faiss = _faiss()
    xf = np.ascontiguousarray(x, dtype=np.float32)
    index = faiss.IndexFlatL2(xf.shape[1])
    index.add(xf)
    d2, _ = index.search(xf, k + 1)  # column 0 is the row itself (distance 0)
    return np.sqrt(np.maximum(d2[:, k].astype(np.float64), 0.0))


def _nearest_distance(queries: np.ndarray, base: np.ndarray) -> np.ndarray:
    faiss = _faiss()
    index = faiss.IndexFlatL2(base.shape[1])
    index.add(np.ascontiguousarray(base, dtype=np.float32))
    d2, _ = index.search(np.ascontiguousarray(queries, dtype=np.float32), 1)
    return np.sqrt(np.maximum(d2[:, 0].astype(np.float64), 0.0))


def _balls_containing(points: np.ndarray, centres: np.ndarray, radii: np.ndarray, block: int = 1024) -> np.ndarray:
    """For each point: how many balls B(centre_i, radius_i) contain it (strictly inside, as ``prdc``)."""
    counts = np.zeros(len(points), dtype=np.int64)
    c2 = np.einsum("ij,ij->i", centres, centres)
    for s in range(0, len(points), block):
        p = points[s:s + block]
        d2 = np.einsum("ij,ij->i", p, p)[:, None] + c2[None, :] - 2.0 * (p @ centres.T)
        np.maximum(d2, 0.0, out=d2)  # the same operations in place: no temporary per step
        np.sqrt(d2, out=d2)
        counts[s:s + block] = np.count_nonzero(d2 < radii[None, :], axis=1)
    return counts


def prdc(
    x_real: np.ndarray, x_synth: np.ndarray, *, k: int = 5, max_n: int = 2000, random_state=None,
) -> dict[str, MetricResult]:
    """Precision, recall, density and coverage of the synthetic sample (Naeem et al., ICML 2020).

    Each real point gets a ball reaching its k-th nearest real neighbour (likewise for synthetic points).

    * precision: share of synthetic points inside some real ball — are synthetic docs realistic? 0..1,
      higher is better (Kynkäänniemi et al., NeurIPS 2019).
    * recall: share of real points inside some synthetic ball — does the synthetic corpus reach the whole
      real distribution? 0..1, higher is better.
    * density: mean number of real balls holding a synthetic point, divided by k. ≈ 1 when the two
      distributions match; > 1 when synthetic docs crowd into dense real regions; < 1 off-manifold.
    * coverage: share of real points whose ball holds at least one synthetic point. 0..1, higher is better;
      for identical distributions E[coverage] = 1 − 2⁻ᵏ (0.969 for k = 5).

    Returns a dict of four ``MetricResult`` keyed ``precision``, ``recall``, ``density``, ``coverage``.
    Works on seeded samples of at most ``max_n`` rows per side; the CI is a binomial normal interval for
    the three shares. ``coverage`` details list ``uncovered`` (real indices, farthest from any synthetic
    point first) and ``precision`` details list ``outside`` (synthetic indices outside every real ball).
    """
    x_real, x_synth = check_embeddings("prdc", x_real, x_synth, min_rows=k + 1)
    rng = np.random.default_rng(random_state)
    ir = seeded_subsample(len(x_real), max_n, rng)
    is_ = seeded_subsample(len(x_synth), max_n, rng)
    a, b = x_real[ir], x_synth[is_]
    r_real, r_synth = _kth_radius(a, k), _kth_radius(b, k)
    in_real = _balls_containing(b, a, r_real)  # per synthetic point: real balls holding it
    in_synth = _balls_containing(a, b, r_synth)  # per real point: synthetic balls holding it
    nn_real_to_synth = _nearest_distance(a, b)
    covered = nn_real_to_synth < r_real
    sampled = len(a) < len(x_real) or len(b) < len(x_synth)
    n = min(len(a), len(b))

    def share(flags: np.ndarray) -> tuple[float, tuple[float, float]]:
        v = float(flags.mean())
        h = 1.96 * np.sqrt(max(v * (1 - v), 1e-12) / len(flags))
        return v, (max(0.0, v - h), min(1.0, v + h))

    prec, prec_ci = share(in_real > 0)
    rec, rec_ci = share(in_synth > 0)
    cov, cov_ci = share(covered)
    dens_per = in_real / k
    dens = float(dens_per.mean())
    dens_h = 1.96 * float(dens_per.std(ddof=1)) / np.sqrt(len(dens_per))
    gap = nn_real_to_synth / np.maximum(r_real, 1e-12)
    uncovered = [{"index": int(ir[i]), "distance_ratio": float(gap[i])}
                 for i in np.argsort(-gap, kind="stable")[:10] if not covered[i]]
    outside = [{"index": int(is_[i])} for i in np.flatnonzero(in_real == 0)[:10]]
    common = {"n": n, "sampled": sampled}
    return {
        "precision": MetricResult(prec, ci=prec_ci, details={"k": k, "outside": outside}, **common),
        "recall": MetricResult(rec, ci=rec_ci, details={"k": k}, **common),
        "density": MetricResult(dens, ci=(dens - dens_h, dens + dens_h), details={"k": k}, **common),
        "coverage": MetricResult(cov, ci=cov_ci, details={"k": k, "expected_if_identical": 1 - 2.0 ** -k,
                                                         "uncovered": uncovered}, **common),
    }


def _row_factor(x: np.ndarray) -> np.ndarray:
    """F with FᵀF = XᵀX: the centred rows themselves when they are few, else the R of a QR (square)."""
    if len(x) <= x.shape[1]:
        return x
    return linalg.qr(x, mode="r", check_finite=False)[0][: x.shape[1]]


def _trace_sqrt_centred(xa: np.ndarray, xb: np.ndarray) -> float:
    """Tr((Σ₁Σ₂)^½) for Σ₁ = XaᵀXa/(ma−1), Σ₂ = XbᵀXb/(mb−1), from the centred rows themselves.

    For any factors Σᵢ = FᵢᵀFᵢ the eigenvalues of Σ₁Σ₂ are those of F₁Σ₂F₁ᵀ and the squared singular
    values of F₁F₂ᵀ. Both covariances of full rank (the usual case, more rows than dimensions):
    Cholesky factors and one symmetric eigenvalue problem without eigenvectors, about a third of the
    work of an eigendecomposition. Otherwise the nuclear norm ‖F₁F₂ᵀ‖* with the rows themselves (or the
    R of a QR) as factors: exact at any rank, where an eigenvalue route would sum square roots of the
    rounding noise in the zero eigenvalues.
    """
    ma, mb, d = len(xa), len(xb), xa.shape[1]
    scale = np.sqrt((ma - 1) * (mb - 1))
    if min(ma, mb) > d:
        s1, s2 = (xa.T @ xa) / (ma - 1), (xb.T @ xb) / (mb - 1)
        try:
            linalg.cholesky(s2, lower=True, check_finite=False)  # is Σ₂ of full rank too?
            chol = linalg.cholesky(s1, lower=True, check_finite=False)
        except linalg.LinAlgError:
            pass
        else:
            lam = linalg.eigvalsh(chol.T @ s2 @ chol, check_finite=False)
            return float(np.sqrt(np.clip(lam, 0.0, None)).sum())
    sv = linalg.svdvals(_row_factor(xa) @ _row_factor(xb).T, check_finite=False)
    return float(sv.sum() / scale)


def _frechet(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    mu1, mu2 = a.mean(axis=0), b.mean(axis=0)
    xa, xb = a - mu1, b - mu2
    mean_term = float(np.sum((mu1 - mu2) ** 2))
    traces = float(np.einsum("ij,ij->", xa, xa) / (len(a) - 1) + np.einsum("ij,ij->", xb, xb) / (len(b) - 1))
    return mean_term, traces - 2.0 * _trace_sqrt_centred(xa, xb)


def frechet_distance(
    x_real: np.ndarray, x_synth: np.ndarray, *, n: int = 1000, n_perm: int = 0, random_state=None,
) -> MetricResult:
    """Fréchet distance between Gaussians fitted to two embedding samples (Heusel et al., NeurIPS 2017).

    FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½). 0 = same mean and covariance; lower is better. The
    estimator is biased upward at small n (by about 2·Tr(Σ)/n for identical distributions), so both sides
    are drawn to the same fixed ``n`` rows (seeded) and values are only comparable at equal ``n``. With
    ``n_perm`` > 0 a permutation test (pooled rows shuffled between the sides) gives a p-value,
    p = (1 + #{perm ≥ obs}) / (n_perm + 1), which says whether the distance exceeds that bias.
    ``details`` split the distance into its mean term and covariance term.
    """
    x_real, x_synth = check_embeddings("frechet_distance", x_real, x_synth, min_rows=2)
    rng = np.random.default_rng(random_state)
    m = min(n, len(x_real), len(x_synth))
    a = x_real[seeded_subsample(len(x_real), m, rng)]
    b = x_synth[seeded_subsample(len(x_synth), m, rng)]
    mean_term, cov_term = _frechet(a, b)
    obs = mean_term + cov_term
    p = None
    details = {"mean_term": mean_term, "covariance_term": cov_term}
    if n_perm > 0:
        z = np.vstack([a, b])
        null = []
        for _ in range(n_perm):
            idx = rng.permutation(len(z))
            null.append(sum(_frechet(z[idx[:m]], z[idx[m:]])))
        p = (1.0 + np.sum(np.array(null) >= obs)) / (n_perm + 1.0)
        details["null_mean"] = float(np.mean(null))
    return MetricResult(obs, n=m, sampled=m < max(len(x_real), len(x_synth)), p_value=p, details=details)
