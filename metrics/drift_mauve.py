"""MAUVE (Pillutla et al., NeurIPS 2021) on precomputed embeddings: offline, and relative only.

The two corpora's embeddings are pooled, reduced by PCA to 90% of the variance, and quantised by
k-means into ``n/10`` buckets; MAUVE is the area under the divergence curve between the two bucket
histograms. The quantisation follows the reference implementation (`mauve-text`'s
``compute_mauve(p_features=..., q_features=...)``) step for step, so the same seed gives the same number.
A MAUVE value depends on the embedder, the sample size and the bucket count, so it is only ever read
against the same pipeline's real-vs-real value.
"""
from __future__ import annotations

import numpy as np

from metrics.kmeans import fit_kmeans
from metrics.result import MetricResult


def _kl(p: np.ndarray, r: np.ndarray) -> float:
    """KL(p‖r) in nats, for a mixture r = λp + (1−λ)q with 0 < λ < 1 (so r > 0 wherever p > 0)."""
    m = p != 0
    return float(np.sum(p[m] * np.log(p[m] / r[m])))


def divergence_curve(p: np.ndarray, q: np.ndarray, *, points: int = 25, scaling: float = 5.0) -> np.ndarray:
    """Points (exp(-c·KL(Q‖R_λ)), exp(-c·KL(P‖R_λ))) for R_λ = λP + (1-λ)Q, plus the two extremes."""
    curve = [[0.0, np.inf]]
    for w in np.linspace(1e-6, 1 - 1e-6, points):
        r = w * p + (1 - w) * q
        curve.append([_kl(q, r), _kl(p, r)])
    curve.append([np.inf, 0.0])
    return np.exp(-scaling * np.asarray(curve))


def mauve_from_histograms(p: np.ndarray, q: np.ndarray, *, points: int = 25, scaling: float = 5.0) -> float:
    """Area under the divergence curve (averaged over both orientations, as the reference does).

    Points with equal x are ordered by decreasing y (the frontier is monotone). Without ties this is the
    reference's number exactly; with them (P = Q exactly, every middle point at (1, 1)) the reference's
    plain argsort walks the curve out of order and reports 0.75 for identical histograms, this gives 1.
    """
    from sklearn.metrics import auc

    x, y = divergence_curve(np.asarray(p, float), np.asarray(q, float), points=points, scaling=scaling).T
    i, j = np.lexsort((-y, x)), np.lexsort((-x, y))
    return float(0.5 * (auc(x[i], y[i]) + auc(y[j], x[j])))


def quantize(p_features: np.ndarray, q_features: np.ndarray, *, buckets: int, seed: int = 25,
             explained_variance: float = 0.9, max_iter: int = 500, redo: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Bucket histograms of P and Q from one k-means over their pooled, PCA-reduced features."""
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import normalize

    data = normalize(np.vstack([q_features, p_features]), norm="l2", axis=1)
    pca = PCA(n_components=None, whiten=False, random_state=seed + 1).fit(data)
    keep = int(np.argmax(np.cumsum(pca.explained_variance_ratio_) >= explained_variance)) + 1
    data = pca.transform(data)[:, :keep].astype(np.float32)
    km = fit_kmeans(data, buckets, niter=max_iter, nredo=redo, update_index=True, seed=seed + 2)
    _, labels = km.index.search(data, 1)
    labels = labels.reshape(-1)
    q_lab, p_lab = labels[: len(q_features)], labels[len(q_features):]
    p = np.bincount(p_lab, minlength=buckets).astype(float)
    q = np.bincount(q_lab, minlength=buckets).astype(float)
    return p / p.sum(), q / q.sum()


def mauve_score(real: np.ndarray, synth: np.ndarray, *, max_n: int = 2000, buckets: int | None = None,
                random_state=None) -> MetricResult:
    """MAUVE between real (P) and synthetic (Q) embeddings (Pillutla et al., NeurIPS 2021).

    0..1; 1 = the two quantised distributions coincide; higher is better. Relative only: compare it with
    the real-vs-real value of the same run, never across embedders or sample sizes. Seeded samples of at
    most ``max_n`` documents per side; ``buckets`` defaults to the reference's n/10.
    """
    real, synth = np.asarray(real, dtype=np.float32), np.asarray(synth, dtype=np.float32)
    if len(real) == 0 or len(synth) == 0:
        raise ValueError("mauve_score: empty input")
    if not (np.isfinite(real).all() and np.isfinite(synth).all()):
        raise ValueError("mauve_score: embeddings contain NaN or infinity")
    rng = np.random.default_rng(random_state)
    n = min(len(real), len(synth), max_n)
    if n < 20:
        return MetricResult(float("nan"), n=n, warnings=["MAUVE needs at least 20 documents per corpus"])
    r = real[np.sort(rng.choice(len(real), n, replace=False))] if len(real) > n else real
    s = synth[np.sort(rng.choice(len(synth), n, replace=False))] if len(synth) > n else synth
    k = buckets or max(2, int(round(n / 10)))
    seed = int(rng.integers(0, 2**31 - 100))
    p, q = quantize(r, s, buckets=k, seed=seed)
    value = mauve_from_histograms(p, q)
    return MetricResult(value, n=n, sampled=n < max(len(real), len(synth)),
                        details={"buckets": k, "per_side": n})
