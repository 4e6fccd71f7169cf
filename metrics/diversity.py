"""Lexical and semantic diversity of one corpus. Pure functions: token lists or embeddings in."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from metrics.result import MetricResult
from metrics.text import ngrams


def distinct_n(
    docs_tokens: Sequence[Sequence[str]], *, n: int = 2, budget: int = 50_000, random_state=None
) -> MetricResult:
    """Distinct-n (Li et al., NAACL 2016) at a fixed n-gram budget.

    Unique n-grams / total n-grams, where the n-grams are drawn from documents taken in a seeded random
    order until ``budget`` n-grams are collected, so corpora of different lengths compare fairly.
    Range 0..1; higher = more varied. With fewer than ``budget`` n-grams in total, all are used and a
    warning says so.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    rng = np.random.default_rng(random_state)
    order = rng.permutation(len(docs_tokens))
    seen: set[tuple[str, ...]] = set()
    total = 0
    for i in order:
        for g in ngrams(list(docs_tokens[i]), n):
            seen.add(g)
            total += 1
            if total >= budget:
                break
        if total >= budget:
            break
    if total == 0:
        return MetricResult(float("nan"), n=len(docs_tokens), warnings=["no n-grams"])
    warnings = [] if total >= budget else [f"only {total} {n}-grams (budget {budget})"]
    return MetricResult(len(seen) / total, n=len(docs_tokens), details={"ngrams": total}, warnings=warnings)
