"""Surface properties of documents: lengths and the like."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from metrics.result import MetricResult


def mean_words(texts: Sequence[str], *, random_state=None, n_boot: int = 500) -> MetricResult:
    """Mean number of white-space separated words per document, with a bootstrap 95% CI."""
    if len(texts) == 0:
        raise ValueError("mean_words: no documents")
    lens = np.array([len(t.split()) for t in texts], dtype=float)
    rng = np.random.default_rng(random_state)
    boots = lens[rng.integers(0, len(lens), (n_boot, len(lens)))].mean(axis=1)
    return MetricResult(lens.mean(), ci=(np.percentile(boots, 2.5), np.percentile(boots, 97.5)), n=len(lens),
                        details={"median": float(np.median(lens)), "p95": float(np.percentile(lens, 95))})
