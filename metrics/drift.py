"""How far the synthetic corpus drifts from the real one, on embeddings and words."""
from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from metrics.result import MetricResult


def classifier_auc(x_real: np.ndarray, x_synth: np.ndarray, *, folds: int = 5, random_state=None) -> MetricResult:
    """Classifier two-sample test (Lopez-Paz & Oquab, ICLR 2017).

    Cross-validated ROC AUC of an L2-regularised logistic regression that tells real (0) from synthetic
    (1) embeddings. 0.5 = indistinguishable; 1.0 = fully separable; lower is better. The CI is a
    bootstrap over the out-of-fold predictions.
    """
    x = np.vstack([x_real, x_synth])
    y = np.r_[np.zeros(len(x_real)), np.ones(len(x_synth))]
    if min(len(x_real), len(x_synth)) < folds:
        return MetricResult(float("nan"), n=len(x), warnings=["too few documents for cross-validation"])
    rng = np.random.default_rng(random_state)
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=int(rng.integers(2**31)))
    scores = np.zeros(len(y))
    for train, test in skf.split(x, y):
        clf = LogisticRegression(C=1.0, max_iter=1000)
        clf.fit(x[train], y[train])
        scores[test] = clf.decision_function(x[test])
    auc = roc_auc_score(y, scores)
    boots = []
    for _ in range(200):
        idx = rng.integers(0, len(y), len(y))
        if y[idx].min() == y[idx].max():
            continue
        boots.append(roc_auc_score(y[idx], scores[idx]))
    ci = (float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5)))
    return MetricResult(auc, ci=ci, n=min(len(x_real), len(x_synth)))
