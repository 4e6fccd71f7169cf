"""Representation of demographic groups: documents mentioning each group per 1,000, real vs synthetic.

Inputs are per-document label sets (``frozenset`` of ``(axis, group)``) from
:meth:`metrics.bias_lexicon.TermMatcher.labels_in`, so matching runs once per corpus.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from metrics.bias_lexicon import Label
from metrics.result import MetricResult

ALPHA = 0.5  # add-half smoothing of document counts, so a group absent from one corpus gives a finite ratio


def _check(doc_labels: Sequence, what: str) -> None:
    if len(doc_labels) == 0:
        raise ValueError(f"{what}: empty corpus (no documents)")


def group_doc_counts(doc_labels: Sequence[frozenset[Label]]) -> Counter:
    """How many documents mention each ``(axis, group)`` (a document counts once per group)."""
    c: Counter = Counter()
    for labs in doc_labels:
        c.update(set(labs))
    return c


def representation_table(
    real_labels: Sequence[frozenset[Label]],
    synth_labels: Sequence[frozenset[Label]],
    *,
    labels: Sequence[Label] | None = None,
    n_boot: int = 500,
    min_count: int = 5,
    random_state=None,
) -> list[dict]:
    """Per group: documents mentioning it per 1,000 in each corpus, the synthetic/real ratio and its 95% CI.

    The CI is a bootstrap over documents, resampling each corpus independently. For one group the
    number of resampled documents that mention it is exactly Binomial(n, k/n), which is what is drawn.
    ``ratio`` is the plain ratio of rates (``None`` when the group is absent from the real corpus);
    the CI uses add-half smoothing so that it stays finite. Rows with fewer than ``min_count`` mentions
    in both corpora together are marked ``"insufficient": true``.

    Returns
    -------
    list of dict
        ``{"axis", "group", "real_count", "synth_count", "real_per_1k", "synth_per_1k", "ratio", "ci",
        "insufficient"}``, sorted by axis then group.
    """
    _check(real_labels, "real corpus")
    _check(synth_labels, "synthetic corpus")
    rng = np.random.default_rng(random_state)
    nr, ns = len(real_labels), len(synth_labels)
    cr, cs = group_doc_counts(real_labels), group_doc_counts(synth_labels)
    keys = sorted(set(labels) if labels is not None else set(cr) | set(cs))
    rows = []
    for axis, group in keys:
        kr, ks = cr.get((axis, group), 0), cs.get((axis, group), 0)
        br = rng.binomial(nr, kr / nr, size=n_boot)
        bs = rng.binomial(ns, ks / ns, size=n_boot)
        boot = np.exp(np.log((bs + ALPHA) / (ns + 2 * ALPHA)) - np.log((br + ALPHA) / (nr + 2 * ALPHA)))
        lo, hi = np.percentile(boot, [2.5, 97.5])
        rows.append({
            "axis": axis, "group": group, "real_count": kr, "synth_count": ks,
            "real_per_1k": 1000.0 * kr / nr, "synth_per_1k": 1000.0 * ks / ns,
            "ratio": (ks / ns) / (kr / nr) if kr else None,
            "ci": [float(lo), float(hi)], "insufficient": kr + ks < min_count,
        })
    return rows


def _drift_from_counts(kr: np.ndarray, nr: int, ks: np.ndarray, ns: int) -> np.ndarray:
    """Mean |smoothed log ratio| over groups; works on (..., G) arrays of counts."""
    lr = np.log((ks + ALPHA) / (ns + 2 * ALPHA)) - np.log((kr + ALPHA) / (nr + 2 * ALPHA))
    return np.abs(lr).mean(axis=-1)


def representation_drift(
    real_labels: Sequence[frozenset[Label]],
    synth_labels: Sequence[frozenset[Label]],
    *,
    labels: Sequence[Label] | None = None,
    min_count: int = 5,
    n_boot: int = 200,
    random_state=None,
) -> MetricResult:
    """Mean absolute log ratio of group mention rates, synthetic vs real.

    For every group mentioned in at least ``min_count`` documents of the two corpora together,
    ``|log(rate_synth / rate_real)|`` with rates = documents mentioning the group / documents (add-half
    smoothed); the value is the unweighted mean over those groups, so a rare group that vanishes weighs
    as much as a common one. 0 = every group as frequent as in the real corpus; ``log 2 = 0.69`` = on
    average twice (or half) as frequent. Lower is better. Counting descriptor mentions follows
    HolisticBias (Smith et al., EMNLP 2022). The 95% CI is a joint bootstrap over the documents of both
    corpora (``n_boot`` resamples).

    Returns ``nan`` (with a warning) when no group reaches ``min_count``.
    """
    _check(real_labels, "real corpus")
    _check(synth_labels, "synthetic corpus")
    nr, ns = len(real_labels), len(synth_labels)
    cr, cs = group_doc_counts(real_labels), group_doc_counts(synth_labels)
    cand = sorted(set(labels) if labels is not None else set(cr) | set(cs))
    keys = [k for k in cand if cr.get(k, 0) + cs.get(k, 0) >= min_count]
    if not keys:
        return MetricResult(float("nan"), n=min(nr, ns), details={"groups": 0},
                            warnings=[f"no group is mentioned in {min_count}+ documents"])
    kr = np.array([cr.get(k, 0) for k in keys], dtype=float)
    ks = np.array([cs.get(k, 0) for k in keys], dtype=float)
    value = float(_drift_from_counts(kr, nr, ks, ns))
    rng = np.random.default_rng(random_state)
    col = {k: j for j, k in enumerate(keys)}

    def indicator(doc_labels, n):
        m = np.zeros((n, len(keys)), dtype=np.float32)
        for i, labs in enumerate(doc_labels):
            for lab in labs:
                j = col.get(lab)
                if j is not None:
                    m[i, j] = 1.0
        return m

    ir, is_ = indicator(real_labels, nr), indicator(synth_labels, ns)
    wr = rng.multinomial(nr, np.full(nr, 1.0 / nr), size=n_boot).astype(np.float32)
    ws = rng.multinomial(ns, np.full(ns, 1.0 / ns), size=n_boot).astype(np.float32)
    boot = _drift_from_counts(wr @ ir, nr, ws @ is_, ns)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    lr = np.log((ks + ALPHA) / (ns + 2 * ALPHA)) - np.log((kr + ALPHA) / (nr + 2 * ALPHA))
    order = np.argsort(-np.abs(lr), kind="stable")[:10]
    worst = [{"axis": keys[j][0], "group": keys[j][1], "log_ratio": float(lr[j]),
              "real_per_1k": 1000 * kr[j] / nr, "synth_per_1k": 1000 * ks[j] / ns} for j in order]
    return MetricResult(value, ci=(float(lo), float(hi)), n=min(nr, ns),
                        details={"groups": len(keys), "min_count": min_count, "largest_gaps": worst})
