"""The real corpus's own noise, as a distribution: what a metric does when nothing is wrong.

Two ways, both seeded and order-free:

* **split gaps** (:func:`split_gaps`): the metric on ``k`` disjoint half-vs-half splits of the real
  sample (split 0 is the context's own ``real_a``/``real_b``; the others are cut by the same content-hash
  order with another salt). For metrics computed at a fixed budget (tokens, bytes, sample size) the
  halves are measured at the comparison's budget, so their gap is sized like the comparison's.
* **document bootstrap** (:func:`bootstrap_gaps`): for a metric that is a mean or a ratio of sums of
  per-document values, two resamples of the real documents with replacement, each the size of the
  compared corpora, many times over; the per-document values are computed once and reused, so 200
  replicates cost a few array operations.

``audit.compare.noise_summary`` turns either list of gaps into the floor a verdict must clear.

Cost is bounded: every metric gets at most ``noise_splits`` splits (option, default 4) and the slow ones
(self-BLEU, homogenization, self-repetition, Vendi, semantic duplicates) at most ``SLOW_SPLITS``; each row's
``details.noise`` says how many were run.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from audit.context import AuditContext, CorpusData
from audit.sampling import content_order

DEFAULT_SPLITS = 4
SLOW_SPLITS = 2
SLOW = {"self_bleu_rate", "homogenization_rate", "self_repetition_rate", "vendi_score", "semantic_duplicate_rate"}
BOOTSTRAP_REPLICATES = 200


def splits_for(ctx: AuditContext, name: str) -> int:
    """How many real half-vs-half splits the noise of ``name`` is measured on (the option caps it)."""
    k = int(ctx.options.get("noise_splits", DEFAULT_SPLITS))
    return max(1, min(k, SLOW_SPLITS) if name in SLOW else k)


def real_split(ctx: AuditContext, j: int) -> tuple[CorpusData, CorpusData]:
    """The ``j``-th disjoint half-vs-half split of the real sample; split 0 is the context's own."""
    if j == 0:
        return ctx.real_a, ctx.real_b
    def make() -> tuple[CorpusData, CorpusData]:
        perm = content_order(ctx.real.docs, [ctx.seed, 99, j])
        half = len(perm) // 2
        a, b = np.sort(perm[:half]), np.sort(perm[half:2 * half])
        return ctx.real.subset(a, "real_a"), ctx.real.subset(b, "real_b")

    return ctx.shared_value(f"noise_split_{j}", make)


def pair_gaps(halves: Iterable[tuple[Any, Any]], values: Callable[[Any, Any], tuple[float | None, float | None]],
              first: tuple[float | None, float | None] | None = None) -> list[float]:
    """``vb - va`` over the half-vs-half splits ``halves`` yields, ``(va, vb) = values(half A, half B)``
    (``first``: split 0's values, when known); a split with a missing or infinite value gives no gap."""
    gaps = []
    for j, (a, b) in enumerate(halves):
        va, vb = first if j == 0 and first is not None else values(a, b)
        if va is not None and vb is not None and np.isfinite(va) and np.isfinite(vb):
            gaps.append(float(vb - va))
    return gaps


def real_splits(ctx: AuditContext, k: int) -> Iterator[tuple[CorpusData, CorpusData]]:
    """The first ``k`` real half-vs-half splits (:func:`real_split`), each made when it is reached."""
    return (real_split(ctx, j) for j in range(k))


def split_gaps(ctx: AuditContext, fn: Callable[[CorpusData], float | None], k: int,
               first: tuple[float | None, float | None] | None = None) -> list[float]:
    """``fn(half B) - fn(half A)`` over ``k`` real splits (``first``: the values of split 0, if known)."""
    return pair_gaps(real_splits(ctx, k), lambda a, b: (fn(a), fn(b)), first)


def split_method(k: int, half: int) -> str:
    return (f"{k} random half-vs-half splits of the real sample ({half:,} vs {half:,} documents)" if k > 1
            else f"one random split of the real sample into halves ({half:,} vs {half:,} documents)")


def bootstrap_gaps(values: np.ndarray, n_synth: int, statistic: Callable[[np.ndarray], np.ndarray], *,
                   replicates: int = BOOTSTRAP_REPLICATES, random_state=None) -> list[float]:
    """Gaps between two document-bootstrap resamples of the real corpus, sized like the comparison.

    ``values``: per-document values of the real corpus, shape ``(n,)`` or ``(n, m)``; ``statistic`` maps
    an array of resampled rows ``(replicates, size, ...)`` to one value per replicate (e.g. the mean over
    axis 1, or a ratio of column sums). The first resample has the real corpus's size, the second the
    synthetic corpus's.
    """
    v = np.asarray(values, dtype=float)
    n = len(v)
    if n == 0 or n_synth == 0:
        return []
    rng = np.random.default_rng(random_state)
    out: list[float] = []
    step = max(1, 2_000_000 // max(1, n + n_synth))  # bound the index matrices' memory
    for start in range(0, replicates, step):
        r = min(step, replicates - start)
        a = statistic(v[rng.integers(0, n, size=(r, n))])
        b = statistic(v[rng.integers(0, n, size=(r, n_synth))])
        out.extend(np.asarray(b - a, dtype=float).tolist())
    return out


def mean_of_rows(x: np.ndarray) -> np.ndarray:
    """The mean of each replicate's resampled values (a :func:`bootstrap_gaps` statistic)."""
    return x.mean(axis=1)


def bootstrap_mean_noise(values, n_synth: int, random_state) -> dict:
    """``{"null_gaps", "noise_method"}`` of a mean of per-document values (a rate: 0/1 flags, scaled as the
    row is): :func:`bootstrap_gaps` of the real values, sized like the comparison; ``{}`` when a side has
    no value."""
    v = np.asarray(values, dtype=float)
    if not len(v) or not n_synth:
        return {}
    return {"null_gaps": bootstrap_gaps(v, n_synth, mean_of_rows, random_state=random_state),
            "noise_method": bootstrap_method(len(v), n_synth)}


def bootstrap_method(n: int, n_synth: int, replicates: int = BOOTSTRAP_REPLICATES) -> str:
    return (f"{replicates} document-bootstrap resamples of the real corpus, {n:,} vs {n_synth:,} documents "
            "(the compared sizes)")


def ratio_of_sums(num_col: int = 0, cols: Sequence[int] = (0, 1)) -> Callable[[np.ndarray], np.ndarray]:
    """``sum(x[:, num_col]) / sum(x[:, cols])`` per replicate (NaN where the denominator is 0)."""
    def stat(x: np.ndarray) -> np.ndarray:
        top = x[..., num_col].sum(axis=1)
        den = x[..., list(cols)].sum(axis=(1, 2))
        return np.where(den > 0, top / np.where(den > 0, den, 1), np.nan)  # never divides by 0
    return stat
