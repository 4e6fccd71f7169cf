"""The result of ``audit trend`` / ``audit mix``: one series per metric, judged for a sustained trend.

Each series has one value per generation (``trend``: the real corpus first, then generation 1, 2, ...;
``mix``: one value per synthetic share). A metric's **noise band** is what real data alone gives:

* per-corpus metric (a value for each corpus): the real value +- 1.5 x the audits' own noise floor
  (``audit.compare``: a 95% bound on the gap between two samples of the real corpus alone, about two
  standard deviations), pooled as a root mean square over every audit of the run, so the band is about
  ``BAND_Z`` = 3 standard deviations wide on each side; the spread of the real value itself across the
  audits (each splits the real sample with its own seed) adds in quadrature. Three, not two: a trend
  looks at every metric at every generation, and at two standard deviations real data alone would
  leave the band somewhere in most runs;
* pairwise metric (real vs a corpus): the real-vs-real values (halves of the real sample) of every
  audit: their mean + ``BAND_Z`` standard deviations on the bad side (their extreme when there are fewer
  than three), and at least the widest real-vs-real value any audit saw over its own splits.

A metric's trend is ``fail`` when it is *steady* (it moves the bad way by a one-sided Mann-Kendall test,
p-values adjusted over all metrics with Benjamini-Hochberg, below ``alpha``), *beyond noise* (from some
generation on, every value is outside the band on the bad side) and *material* (the Theil-Sen change
over the run reaches the metric's warn tolerance in ``metrics.registry``, relative to the real value
unless the spec is absolute; for a pairwise metric, the last audit's verdict is warn or fail).
``warn`` when it is outside the band without the rest (an offset that does not grow, or a steady
decline smaller than the tolerance); ``insufficient`` with fewer than three distinct values. Only
the generations are tested for a trend, not the real corpus: a model's one-off gap from the real data
is the per-generation audit's business, the trend is what keeps getting worse. ``crossed_at``: the first generation whose audit verdict
for the metric was ``fail`` (the registry's threshold, as ``audit compare`` judges it); ``left_band_at``:
the first generation from which the value stays outside the band on the bad side.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from audit.result import MetricEntry
from metrics.result import to_native
from metrics.trend import first_outside, longest_worsening_run, mann_kendall

TREND_SCHEMA_VERSION = "1.0"
TREND_ORDER = {"ok": 0, "info": 0, "insufficient": 0, "warn": 1, "fail": 2}
BAND_Z = 3.0  # band half-width in standard deviations of a real-vs-real difference
FLOOR_TO_BAND = BAND_Z / 2  # an audit's noise floor is a 95% bound, about 2 standard deviations


@dataclass
class TrendMetric:
    """One metric across generations (or mixing ratios)."""

    name: str
    family: str
    title: str
    better: str  # "higher" | "lower" | "closer"
    kind: str  # "per_corpus" | "pairwise"
    against: str  # "real": each generation audited against the real corpus; "previous": against the one before
    values: list[float | None]
    band: dict[str, float | None]  # {"low", "high", "centre", "half_width"}: what real data alone gives
    verdicts: list[str | None]  # the per-generation audit verdict (None for the real corpus itself)
    trend: str = "ok"  # ok | warn | fail | insufficient | info
    reason: str = ""
    slope: float | None = None
    slope_ci: list[float] | None = None
    tau: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    crossed_at: str | None = None
    left_band_at: str | None = None
    worsening_run: int = 0  # longest run of consecutive generations that got worse by more than the noise floor
    unit: str = ""
    support: list[int | None] = field(default_factory=list)  # documents (or units) behind each value

    def to_dict(self) -> dict[str, Any]:
        return to_native(dict(self.__dict__))


@dataclass
class TrendResult:
    kind: str  # "trend" | "mix"
    generations: list[str]
    inputs: list[dict[str, Any]]
    settings: dict[str, Any]
    metrics: list[TrendMetric]
    sections: dict[str, Any] = field(default_factory=dict)
    gate: dict[str, Any] | None = None
    schema_version: str = TREND_SCHEMA_VERSION

    @property
    def verdict(self) -> str:
        worst = max((TREND_ORDER.get(m.trend, 0) for m in self.metrics), default=0)
        return {0: "ok", 1: "warn", 2: "fail"}[worst]

    def metric(self, name: str, against: str = "real") -> TrendMetric:
        for m in self.metrics:
            if m.name == name and m.against == against:
                return m
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        flagged = [m for m in self.metrics if m.trend in ("warn", "fail")]
        flagged.sort(key=lambda m: (-TREND_ORDER[m.trend], m.family, m.name))
        counts = {v: sum(1 for m in self.metrics if m.trend == v) for v in ("ok", "warn", "fail", "insufficient", "info")}
        return to_native({
            "schema_version": self.schema_version,
            "tool": {"name": "corpus-audit", "report": self.kind},
            "summary": {"verdict": self.verdict, "counts": counts,
                        "headline": [f"{m.title}: {m.reason}" for m in flagged[:6]]},
            "generations": self.generations,
            "inputs": self.inputs,
            "settings": self.settings,
            "metrics": [m.to_dict() for m in self.metrics],
            "sections": self.sections,
            "gate": self.gate,
        })

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"

    def to_pandas(self):
        """One row per metric (and comparison): name, family, against, trend, slope, crossed_at, reason, and
        one column per generation (or mixing ratio) with its value."""
        import pandas as pd

        rows = []
        for m in self.metrics:
            row = {"name": m.name, "family": m.family, "against": m.against, "trend": m.trend, "slope": m.slope,
                   "crossed_at": m.crossed_at, "left_band_at": m.left_band_at, "reason": m.reason}
            row.update({g: (float("nan") if v is None else v) for g, v in zip(self.generations, m.values)})
            rows.append(row)
        return pd.DataFrame(rows)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrendResult":
        from audit.errors import InputError

        if not isinstance(data, dict) or "generations" not in data or "metrics" not in data:
            raise InputError("not a trend result: missing 'generations' or 'metrics'")
        from metrics.registry import canonical_name

        names = set(TrendMetric.__dataclass_fields__)
        metrics = [TrendMetric(**{k: canonical_name(v) if k == "name" else v for k, v in m.items() if k in names})
                   for m in data["metrics"]]  # a former metric name reads as its current one
        return cls(kind=data.get("tool", {}).get("report", "trend"), generations=list(data["generations"]),
                   inputs=data.get("inputs", []), settings=data.get("settings", {}), metrics=metrics,
                   sections=data.get("sections", {}), gate=data.get("gate"),
                   schema_version=data.get("schema_version", TREND_SCHEMA_VERSION))


def _finite(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _null_edge(e: MetricEntry) -> float | None:
    """The widest real-vs-real value an audit saw on the bad side (``details.noise``), if it ran several."""
    noise = e.details.get("noise") if isinstance(e.details, dict) else None
    if not isinstance(noise, dict):
        return None
    return _finite(noise.get("max") if e.better == "lower" else noise.get("min"))


def noise_band(entries: list[MetricEntry]) -> dict[str, float | None]:
    """The band real data alone gives for one metric, from all audits of a run (see the module doc)."""
    e0 = entries[0]
    floors = [f for f in (_finite(e.noise_floor) for e in entries) if f is not None]
    if e0.kind == "pairwise":
        if not floors:
            return {"low": None, "high": None, "centre": None, "half_width": None}
        centre = float(np.mean(floors))
        edges = [x for x in (_null_edge(e) for e in entries) if x is not None]
        if e0.better == "lower":
            high = centre + BAND_Z * float(np.std(floors, ddof=1)) if len(floors) >= 3 else max(floors)
            high = max([high] + edges)
            return {"low": None, "high": high, "centre": centre, "half_width": high - centre}
        low = centre - BAND_Z * float(np.std(floors, ddof=1)) if len(floors) >= 3 else min(floors)
        low = min([low] + edges)
        return {"low": low, "high": None, "centre": centre, "half_width": centre - low}
    reals = [r for r in (_finite(e.real) for e in entries) if r is not None]
    if not reals or not floors:
        return {"low": None, "high": None, "centre": None if not reals else float(np.median(reals)),
                "half_width": None}
    centre = float(np.median(reals))
    # each audit's floor is a 95% bound on a real-vs-real gap (about 2 standard deviations): FLOOR_TO_BAND
    # of it is about BAND_Z of them. The real value's own spread across the audits' seeds adds in quadrature:
    # for a metric whose split gap is symmetric (tail survival: A's rare words in B vs B's in A) the floor
    # alone is too narrow.
    spread = float(np.var(reals, ddof=1)) if len(reals) >= 3 else 0.0
    half = float(np.sqrt((FLOOR_TO_BAND ** 2) * np.mean(np.square(floors)) + BAND_Z ** 2 * spread))
    low = centre - half if e0.better in ("higher", "closer") else None
    high = centre + half if e0.better in ("lower", "closer") else None
    return {"low": low, "high": high, "centre": centre, "half_width": half}


def build_metric(entries: list[MetricEntry | None], labels: list[str], *, against: str = "real",
                 lead_real: bool = False) -> TrendMetric:
    """A series from one metric's audit rows, ``entries[i]`` for ``labels[i]`` (None where not run).

    ``lead_real``: index 0 is the real corpus itself, not audited; its value is the band's centre (the
    real corpus's own value for a per-corpus metric, the mean real-vs-real value for a pairwise one).
    """
    got = [e for e in entries if e is not None]
    e0 = got[0]
    values: list[float | None] = []
    for i, e in enumerate(entries):
        if e is None:
            values.append(None)
        elif e.verdict == "insufficient":
            values.append(None)
        else:
            values.append(_finite(e.synth if e.kind == "per_corpus" else e.value))
    band = noise_band(got)
    if lead_real and entries[0] is None:
        values[0] = band["centre"]
    return TrendMetric(
        name=e0.name, family=e0.family, title=e0.title, better=e0.better, kind=e0.kind, against=against,
        values=values, band=band, verdicts=[None if e is None else e.verdict for e in entries], unit=e0.unit,
        support=[None if e is None else e.sample_size for e in entries],
        crossed_at=next((labels[i] for i, e in enumerate(entries) if e is not None and e.verdict == "fail"), None),
    )


def _bad_sign(better: str, values: list[float | None], centre: float | None) -> int:
    """+1 when a rise is bad, -1 when a fall is bad; for "closer", the side the series moved to."""
    if better == "lower":
        return 1
    if better == "higher":
        return -1
    last = next((v for v in reversed(values) if v is not None), None)
    if last is None or centre is None:
        return 1
    return 1 if last >= centre else -1


def judge(m: TrendMetric, start: int, labels: list[str]) -> float | None:
    """Fill the trend test fields of ``m``; returns the one-sided p-value in the bad direction."""
    series = m.values[start:]
    test = mann_kendall(series)
    b = m.band
    sign = _bad_sign(m.better, series, b.get("centre"))
    # the band's bad side only: a value better than real is never "outside"
    low = b.get("low") if sign < 0 else None
    high = b.get("high") if sign > 0 else None
    left = first_outside(m.values, low, high, sustained=True, start=start)
    m.left_band_at = None if left is None else labels[left]
    if m.better in ("higher", "lower"):
        half = b.get("half_width")  # a step counts when worse than one pooled noise floor
        m.worsening_run = longest_worsening_run(series, m.better, tolerance=0.0 if half is None else half / BAND_Z)
    if test is None:
        m.trend, m.reason = "insufficient", "fewer than three distinct values to test a trend on"
        return None
    m.slope, m.tau = test.slope, test.tau
    m.slope_ci = None if test.slope_ci is None else list(test.slope_ci)
    p = test.p_increasing if sign > 0 else test.p_decreasing
    if m.better == "closer":
        p = min(1.0, 2 * p)  # either direction could have been the bad one: two-sided
    m.p_value = p
    return p


def _material(m: TrendMetric, moved: float, last: int) -> tuple[bool, str]:
    """Is the change over the run as large as the metric's own warn tolerance (the registry's)?"""
    from metrics.registry import REGISTRY

    spec = REGISTRY.get(m.name)
    if spec is None or spec.warn is None:
        return True, ""
    if m.kind == "pairwise":  # thresholds are levels of the value: the last audit must have reached one
        return m.verdicts[last] in ("warn", "fail"), f"last audit {m.verdicts[last]}"
    centre = m.band.get("centre")
    size = moved if spec.absolute or not centre else moved / abs(centre)
    shown = f"{size:.3g}" if spec.absolute or not centre else f"{100 * size:.0f}% of real"
    return size >= spec.warn, shown


def finish(m: TrendMetric, alpha: float, start: int) -> None:
    """The verdict: steady (adjusted Mann-Kendall p < alpha), outside the band at the end, and material
    (the Theil-Sen change over the run reaches the metric's warn tolerance); see the module doc."""
    if m.p_value is None:
        return
    finite = [i for i, v in enumerate(m.values) if i >= start and v is not None]
    steps = finite[-1] - finite[0]
    half = m.band.get("half_width")
    moved = abs(m.slope) * steps
    material, size = _material(m, moved, finite[-1])
    outside = m.left_band_at is not None  # sustained: the last value is outside too
    steady = m.p_adjusted is not None and m.p_adjusted < alpha
    way = {"higher": "falls", "lower": "rises", "closer": "moves away from real"}[m.better]
    desc = f"Theil-Sen {m.slope:+.3g} per step, {moved:.3g} over {steps} steps" + (f" ({size})" if size else "")
    desc += f"; band half-width {half:.3g}" if half is not None else "; no noise band"
    q = f"q = {m.p_adjusted:.2g}"
    if steady and outside and material:
        m.trend = "fail"
        m.reason = f"{way} steadily ({q}); {desc}; outside the real band from {m.left_band_at}"
    elif steady and outside:
        m.trend, m.reason = "warn", f"{way} steadily ({q}) and is outside the real band from {m.left_band_at}, " \
                                    f"but by less than its warn tolerance; {desc}"
    elif outside:
        m.trend, m.reason = "warn", f"outside the real band from {m.left_band_at}, without a steady trend ({q})"
    elif steady:
        m.trend, m.reason = "ok", f"changes steadily ({q}) but stays inside the real band; {desc}"
    else:
        m.trend, m.reason = "ok", f"no steady trend ({q}), inside the real band"
