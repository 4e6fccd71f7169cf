"""Duplication within a corpus and copying across corpora."""
from __future__ import annotations

from collections.abc import Mapping

from metrics.result import MetricResult


def exact_duplicate_rate(hash_counts: Mapping[str, int]) -> MetricResult:
    """Share of documents that repeat an earlier document's normalised text.

    ``hash_counts`` maps a normalised-text hash to how many documents have it (a mergeable count, so it
    can be computed over the whole stream). rate = Σ(count - 1) / Σ count; 0..1, lower is better.
    """
    total = sum(hash_counts.values())
    if total == 0:
        raise ValueError("exact_duplicate_rate: empty corpus")
    dups = sum(c - 1 for c in hash_counts.values() if c > 1)
    groups = sum(1 for c in hash_counts.values() if c > 1)
    return MetricResult(dups / total, n=total, details={"duplicate_docs": dups, "duplicate_groups": groups})
