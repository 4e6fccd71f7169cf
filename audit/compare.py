"""Turn metric values into report rows: real vs synthetic, the split-half noise floor, and a verdict.

The rule (same for every metric, thresholds from ``metrics.registry``):

* a gap in the *good* direction is never flagged;
* a gap that is not clearly beyond chance is ``ok``: it must exceed twice the split-half noise floor,
  and, when both corpora have confidence intervals, those intervals must not overlap;
* otherwise the size of the gap against the spec's ``warn`` / ``fail`` thresholds decides.
"""
from __future__ import annotations

import math

from audit.result import MetricEntry
from metrics.registry import REGISTRY, MetricSpec
from metrics.result import MetricResult

FLOOR_FACTOR = 2.0
# Below this many documents no verdict is given: a gap between 6 and 8 documents is an anecdote.
MIN_DOCS = 20


def _fmt(x: float | None) -> str:
    if x is None:
        return "n/a"
    if x != 0 and (abs(x) >= 1000 or abs(x) < 0.001):
        return f"{x:.3g}"
    return f"{x:.3f}"


def _spec(name: str) -> MetricSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"metric {name!r} is not in metrics.registry.REGISTRY") from None


def _base(spec: MetricSpec, **kw) -> MetricEntry:
    return MetricEntry(
        family=spec.family, name=spec.name, title=spec.title, description=spec.description,
        better=spec.better, kind=spec.kind, unit=spec.unit, **kw,
    )


def per_corpus_entry(
    name: str,
    real: MetricResult,
    synth: MetricResult,
    half_a: MetricResult | None = None,
    half_b: MetricResult | None = None,
    *,
    details: dict | None = None,
    min_n: int = MIN_DOCS,
) -> MetricEntry:
    """Row for a metric computed on each corpus. ``half_a``/``half_b``: the metric on two real halves."""
    spec = _spec(name)
    r, s = real.value, synth.value
    floor = abs(half_a.value - half_b.value) if half_a is not None and half_b is not None and \
        half_a.value is not None and half_b.value is not None else None
    ci = {}
    if real.ci:
        ci["real"] = list(real.ci)
    if synth.ci:
        ci["synth"] = list(synth.ci)
    n = min(x for x in (real.n, synth.n) if x is not None) if (real.n or synth.n) else None
    merged = {"real": real.details, "synth": synth.details} if (real.details or synth.details) else {}
    if details:
        merged.update(details)
    entry = _base(
        spec, verdict="ok", reason="", real=r, synth=s,
        delta=None if r is None or s is None else s - r, ci=ci, noise_floor=floor,
        sample_size=n, sampled=real.sampled or synth.sampled, details=merged,
        warnings=sorted(set(real.warnings) | set(synth.warnings)),
    )
    if r is None or s is None or (isinstance(r, float) and math.isnan(r)):
        entry.verdict, entry.reason = "insufficient", "not enough data to compute on both corpora"
        return entry
    if n is not None and n < min_n:
        entry.verdict, entry.reason = "insufficient", f"only {n} documents (needs {min_n})"
        return entry
    gap = s - r
    bad = {"higher": -gap, "lower": gap, "closer": abs(gap)}[spec.better]
    size = bad if spec.absolute else bad / max(abs(r), 1e-12)
    unit = "" if spec.absolute else "%"
    shown = f"{size:.3f}" if spec.absolute else f"{100 * size:.0f}%"
    where = {"higher": "lower than", "lower": "higher than", "closer": "away from"}[spec.better]
    if bad <= 0:
        entry.reason = f"synthetic {_fmt(s)} vs real {_fmt(r)}: no worse than real"
        return entry
    if floor is not None and bad <= FLOOR_FACTOR * floor:
        entry.reason = f"gap {_fmt(abs(gap))} is within the real split-half noise floor ({_fmt(floor)})"
        return entry
    if real.ci and synth.ci and real.ci[0] <= synth.ci[1] and synth.ci[0] <= real.ci[1]:
        entry.reason = f"gap {_fmt(abs(gap))}: confidence intervals overlap"
        return entry
    verdict = "ok"
    if spec.fail is not None and size >= spec.fail:
        verdict = "fail"
    elif spec.warn is not None and size >= spec.warn:
        verdict = "warn"
    entry.verdict = verdict
    entry.reason = f"synthetic {_fmt(s)} is {shown} {where} real {_fmt(r)}" + (
        "" if verdict != "ok" else " (beyond noise, below threshold)")
    del unit
    return entry


def pairwise_entry(
    name: str,
    value: MetricResult,
    baseline: MetricResult | None = None,
    *,
    details: dict | None = None,
    min_n: int = MIN_DOCS,
    alpha: float = 0.05,
) -> MetricEntry:
    """Row for a two-corpus metric. ``baseline``: the same metric on (real half A, real half B)."""
    spec = _spec(name)
    v = value.value
    merged = dict(value.details)
    if details:
        merged.update(details)
    entry = _base(
        spec, verdict="ok", reason="", value=v,
        ci={"value": list(value.ci)} if value.ci else {},
        noise_floor=None if baseline is None else baseline.value,
        p_value=value.p_value, sample_size=value.n, sampled=value.sampled, details=merged,
        warnings=list(value.warnings),
    )
    if v is None:
        entry.verdict, entry.reason = "insufficient", "not enough data to compute"
        return entry
    if value.n is not None and value.n < min_n:
        entry.verdict, entry.reason = "insufficient", f"only {value.n} documents (needs {min_n})"
        return entry
    sign = 1.0 if spec.better == "lower" else -1.0
    if spec.better == "closer":
        raise ValueError("pairwise metrics must be 'lower' or 'higher' is better")
    floor = None if baseline is None else baseline.value
    if floor is not None and sign * (v - floor) <= 0:
        entry.reason = f"{_fmt(v)} is no worse than real-vs-real ({_fmt(floor)})"
        return entry
    if value.p_value is not None and value.p_value >= alpha:
        entry.reason = f"{_fmt(v)}, not significant (p = {_fmt(value.p_value)})"
        return entry
    # With a known ideal, the real-vs-real value estimates what chance alone gives at this sample size:
    # judge the excess over it, so a small-sample bias (a JSD of 0.3 between two halves of 75 short
    # documents) is not read as drift.
    # A real-vs-real value *better* than the ideal (a CV AUC of 0.39) is noise, not a bias to remove.
    bias = 0.0 if spec.ideal is None or floor is None else max(0.0, sign * (floor - spec.ideal))
    judged = v - sign * bias
    verdict = "ok"
    if spec.fail is not None and sign * (judged - spec.fail) >= 0:
        verdict = "fail"
    elif spec.warn is not None and sign * (judged - spec.warn) >= 0:
        verdict = "warn"
    entry.verdict = verdict
    extra = f" vs real-vs-real {_fmt(floor)}" if floor is not None else ""
    if judged != v:
        extra += f" (chance-corrected {_fmt(judged)})"
    limit = spec.fail if verdict == "fail" else spec.warn
    entry.reason = f"{_fmt(v)}{extra}" + (
        f", past the {verdict} threshold {_fmt(limit)}" if verdict != "ok" else ", below thresholds")
    return entry


def info_entry(name: str, value: MetricResult | None = None, *, real=None, synth=None, reason: str = "",
               details: dict | None = None) -> MetricEntry:
    """A row shown for information only (never flags), e.g. a descriptive statistic."""
    spec = _spec(name)
    return _base(
        spec, verdict="info", reason=reason, value=None if value is None else value.value,
        real=None if real is None else real.value, synth=None if synth is None else synth.value,
        details=details or {},
    )
