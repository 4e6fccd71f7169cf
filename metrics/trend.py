"""Trend tests over a short series of values, one per generation (or per synthetic share).

Model collapse is a trend, not a single bad number (Shumailov et al., Nature 2024): the tails go first,
then diversity. These functions say whether a series moves steadily one way (Mann-Kendall), how fast
(Theil-Sen slope with its confidence interval), and where it first left a noise band. They are pure:
values in, plain numbers out; ``None`` or NaN values are left out of the tests.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrendTest:
    """Mann-Kendall test and Theil-Sen slope of one series.

    ``s``: the Mann-Kendall statistic (concordant minus discordant pairs of (index, value)), range
    -n(n-1)/2..n(n-1)/2; ``tau``: Kendall's tau-b of value against index, -1..1 (+1 = strictly
    increasing); ``p_increasing`` / ``p_decreasing``: one-sided p-values (exact permutation distribution
    when there are no ties and n <= 50, else the normal approximation with tie correction, as in
    ``scipy.stats.kendalltau``); ``slope``: Theil-Sen median of pairwise slopes, per step; ``slope_ci``:
    its confidence interval (Sen 1968).
    """

    n: int
    s: int
    tau: float
    p_increasing: float
    p_decreasing: float
    slope: float
    slope_ci: tuple[float, float] | None


def _finite(values: Sequence[float | None]) -> tuple[np.ndarray, np.ndarray]:
    idx, vals = [], []
    for i, v in enumerate(values):
        if v is not None and math.isfinite(float(v)):
            idx.append(float(i))
            vals.append(float(v))
    return np.asarray(idx), np.asarray(vals)


def mann_kendall(values: Sequence[float | None], *, confidence: float = 0.95) -> TrendTest | None:
    """Mann-Kendall trend test and Theil-Sen slope of ``values`` taken at steps 0, 1, 2, ...

    Returns None when fewer than 3 values are finite (no trend can be told from two points) or when all
    values are equal to each other. Mann (1945), Kendall (1975); slope: Theil (1950), Sen (1968).
    """
    from scipy import stats

    x, y = _finite(values)
    if len(y) < 3 or np.ptp(y) == 0:
        return None
    s = int(sum(np.sign(y[j] - y[i]) for i in range(len(y)) for j in range(i + 1, len(y))))
    inc = stats.kendalltau(x, y, alternative="greater")
    dec = stats.kendalltau(x, y, alternative="less")
    ts = stats.theilslopes(y, x, alpha=confidence)
    # finite: scipy takes the CI ends from the sorted pairwise slopes of finite values (indices clipped)
    ci = (float(ts.low_slope), float(ts.high_slope))
    return TrendTest(n=len(y), s=s, tau=float(inc.statistic), p_increasing=float(inc.pvalue),
                     p_decreasing=float(dec.pvalue), slope=float(ts.slope), slope_ci=ci)


def first_outside(values: Sequence[float | None], low: float | None, high: float | None, *,
                  sustained: bool = False, start: int = 0) -> int | None:
    """Index of the first value outside ``[low, high]`` (None = unbounded on that side), from ``start``.

    ``sustained=True``: the first index from which every later finite value stays outside too (a single
    excursion that comes back does not count). None when no value is outside.
    """
    def out(v) -> bool:  # v is finite: idx holds only the finite values
        return (low is not None and v < low) or (high is not None and v > high)

    idx = [i for i in range(start, len(values)) if values[i] is not None and math.isfinite(float(values[i]))]
    if not sustained:
        return next((i for i in idx if out(values[i])), None)
    first = None
    for i in idx:
        if out(values[i]):
            first = i if first is None else first
        else:
            first = None
    return first


def longest_worsening_run(values: Sequence[float | None], better: str, *, tolerance: float = 0.0) -> int:
    """Longest run of consecutive steps in which the value got worse by more than ``tolerance``.

    Missing values are skipped. ``better``: "higher" (a fall is worse) or "lower" (a rise is worse).
    ``tolerance``: the size of step that noise alone gives (0 counts every strict worsening).
    ``tail_survival_score`` falling beyond noise for two generations in a row gives 2.
    """
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower' (got {better!r})")
    _, y = _finite(values)
    run = best = 0
    for a, b in zip(y[:-1], y[1:]):
        worse = (a - b if better == "higher" else b - a) > tolerance
        run = run + 1 if worse else 0
        best = max(best, run)
    return best


BANDS = ((1, 1), (2, 5), (6, 20), (21, 100), (101, None))


def tail_survival_by_band(
    reference_tokens: Sequence[Sequence[str]],
    target_tokens: Sequence[Sequence[str]],
    *,
    budget: int = 50_000,
    bands: Sequence[tuple[int, int | None]] = BANDS,
    random_state=None,
):
    """Share of the reference's word types, by their reference frequency band, that the target still uses.

    Both corpora are cut to the same word budget (seeded, as ``tail_survival``); a band ``(lo, hi)``
    holds the alphabetic types of at least 3 letters seen lo..hi times in the reference (hi None = no
    upper bound). Model collapse empties the rare bands first (Shumailov et al., Nature 2024). Returns a
    ``MetricResult`` whose value is the share in the rarest band and whose ``details["bands"]`` lists
    every band: ``{"band", "types", "survived", "share"}`` (share None for an empty band). Range 0..1,
    higher = more of the tail survives.
    """
    from collections import Counter

    from metrics.diversity_lexical import budget_tokens
    from metrics.result import MetricResult

    def counts(docs) -> Counter:
        return Counter(t for toks in budget_tokens(docs, budget, random_state, words_only=True) for t in toks)

    ref, tgt = counts(reference_tokens), counts(target_tokens)
    rows = []
    for lo, hi in bands:
        types = [w for w, c in ref.items() if c >= lo and (hi is None or c <= hi) and len(w) >= 3 and w.isalpha()]
        kept = sum(1 for w in types if w in tgt)
        rows.append({"band": f"{lo}" if lo == hi else (f"{lo}+" if hi is None else f"{lo}-{hi}"),
                     "types": len(types), "survived": kept, "share": kept / len(types) if types else None})
    first = rows[0]["share"]
    return MetricResult(float("nan") if first is None else first, n=rows[0]["types"],
                        details={"bands": rows, "budget": budget})
