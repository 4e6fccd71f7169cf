"""Gate checks as data: ``Check(metric, op, threshold)`` -> ``CheckResult(status, why)``.

The exit code of ``audit compare`` comes only from here: 1 when any check's status is in ``fail_on``
(always ``fail``; ``--fail-on warn,insufficient`` adds more), else 0.

Threshold grammar (``parse_threshold``)::

    N                      absolute number: 0.02
    N * REF  |  REF * N    scaled reference: "0.8 * real"
    REF + N  |  REF - N    shifted reference: "real - 0.05", "baseline + 0.01"
    N * REF + M            both
    REF in {real, baseline, noise}

What the references mean for the number a check reads (``on``):

* ``real``: the real corpus's value of the same number. ``on = "synth"``: the metric on the real
  corpus (``entry.real``); ``on = "value"`` (pairwise) or ``"delta"``/``"abs_delta"``: the metric on two
  random halves of the real corpus (``entry.noise_floor``), i.e. what real-vs-real gives.
* ``noise``: the split-half noise floor (``entry.noise_floor``).
* ``baseline``: the same number in the ``--baseline`` result (a previous ``--json``). Without a
  baseline such a check is ``skipped``.

Statuses: ``pass``; ``fail`` / ``warn`` (the check's severity) when the comparison does not hold;
``insufficient`` when the metric ran on too few documents (its verdict is ``insufficient``, or its
sample size is below ``min_docs``) or has no value, so the gate neither passes nor fails it;
``skipped`` when the metric is not in this result (its family was not run) or a baseline is missing.
p-value checks (``on = "p"``) read the Benjamini-Hochberg adjusted p-value (``p_adjusted``).
"""
from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass, field
from typing import Any

OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt, "==": None}
ON_FIELDS = {
    "per_corpus": ("synth", "real", "delta", "abs_delta", "p"),
    "pairwise": ("value", "p"),
}
REFS = ("real", "baseline", "noise")
STATUSES = ("pass", "warn", "fail", "insufficient", "skipped")
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_EXPR = re.compile(
    rf"^\s*(?:(?P<pre>{_NUM})\s*\*\s*)?(?P<ref>[a-z_]+)(?:\s*\*\s*(?P<post>{_NUM}))?"
    rf"(?:\s*(?P<sign>[+-])\s*(?P<off>{_NUM}))?\s*$"
)


@dataclass(frozen=True)
class Threshold:
    """``scale * ref + offset``, or the plain number ``offset`` when ``ref`` is None."""

    expr: str
    offset: float = 0.0
    scale: float = 1.0
    ref: str | None = None

    def resolve(self, ref_value: float | None) -> float | None:
        if self.ref is None:
            return self.offset
        if ref_value is None or not math.isfinite(ref_value):
            return None
        return self.scale * ref_value + self.offset


def parse_threshold(raw: Any) -> Threshold:
    """A TOML number or an expression string -> Threshold (ValueError with a readable message)."""
    if isinstance(raw, bool):
        raise ValueError(f"threshold must be a number or an expression like '0.8 * real' (got {raw!r})")
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            raise ValueError(f"threshold must be finite (got {raw!r})")
        return Threshold(expr=repr(raw) if isinstance(raw, float) else str(raw), offset=float(raw))
    if not isinstance(raw, str):
        raise ValueError(f"threshold must be a number or an expression like '0.8 * real' (got {raw!r})")
    text = raw.strip()
    if re.fullmatch(_NUM, text):
        return Threshold(expr=text, offset=float(text))
    m = _EXPR.match(text)
    if not m:
        raise ValueError(f"cannot read threshold {raw!r}: use N, 'N * real', 'real + N', 'baseline - N', "
                         "'N * baseline' (references: real, baseline, noise)")
    ref = m.group("ref")
    if ref not in REFS:
        import difflib

        close = difflib.get_close_matches(ref, REFS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown reference {ref!r} in threshold {raw!r}{hint}; use real, baseline or noise")
    if m.group("pre") and m.group("post"):
        raise ValueError(f"cannot read threshold {raw!r}: give one factor, e.g. '0.8 * real'")
    scale = float(m.group("pre") or m.group("post") or 1.0)
    off = float(m.group("off") or 0.0) * (-1.0 if m.group("sign") == "-" else 1.0)
    return Threshold(expr=" ".join(text.split()), offset=off, scale=scale, ref=ref)


@dataclass(frozen=True)
class Check:
    metric: str
    op: str
    threshold: Threshold
    severity: str = "fail"  # "fail" | "warn"
    on: str = "synth"
    tol: float = 1e-9
    min_docs: int = 50
    line: int | None = None
    name: str | None = None

    def describe(self) -> str:
        if self.name:
            return self.name
        what = {"synth": "", "value": "", "p": " p_adjusted"}.get(self.on, f" ({self.on})")
        return f"{self.metric}{what} {self.op} {self.threshold.expr}"


@dataclass
class CheckResult:
    check: Check
    status: str  # one of STATUSES
    why: str
    actual: float | None = None
    threshold: float | None = None

    def to_dict(self) -> dict[str, Any]:
        c = self.check
        return {
            "name": c.describe(), "metric": c.metric, "on": c.on, "op": c.op, "threshold_expr": c.threshold.expr,
            "threshold": _native(self.threshold), "actual": _native(self.actual), "status": self.status,
            "why": self.why, "severity": c.severity, "line": c.line,
        }


@dataclass
class GateResult:
    checks: list[CheckResult] = field(default_factory=list)
    fail_on: tuple[str, ...] = ("fail",)
    config: str | None = None
    min_docs: int = 50
    baseline: str | None = None
    note: str = ""

    @property
    def status(self) -> str:
        """``fail`` (exit 1), ``warn`` (a warn check did not hold; exit 0), ``pass``, ``insufficient`` (exit 0:
        no check had the data to pass or fail, so the gate cannot say "pass"; ``--fail-on insufficient`` makes
        that a failure), or ``none`` (no checks)."""
        if not self.checks:
            return "none"
        if any(r.status in self.fail_on for r in self.checks):
            return "fail"
        if any(r.status == "warn" for r in self.checks):
            return "warn"
        if not any(r.status == "pass" for r in self.checks):
            return "insufficient"
        return "pass"

    @property
    def exit_code(self) -> int:
        return 1 if self.status == "fail" else 0

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for r in self.checks if r.status == s) for s in STATUSES}

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status, "fail_on": list(self.fail_on), "config": self.config,
            "min_docs": self.min_docs, "baseline": self.baseline, "note": self.note, "counts": self.counts(),
            "checks": [r.to_dict() for r in self.checks],
        }


def _native(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def fmt(x: float | None) -> str:
    if x is None:
        return "n/a"
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 1e-3):
        return f"{x:.3g}"
    return f"{x:.4g}"


def _finite(x) -> float | None:
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def read_field(entry, on: str) -> float | None:
    """The number a check reads from a MetricEntry."""
    if on == "synth":
        return _finite(entry.synth)
    if on == "real":
        return _finite(entry.real)
    if on == "value":
        return _finite(entry.value)
    if on == "p":
        return _finite(entry.p_adjusted)
    r, s = _finite(entry.real), _finite(entry.synth)
    if r is None or s is None:
        return None
    return s - r if on == "delta" else abs(s - r)


def reference(entry, check: Check, baseline_entry=None) -> float | None:
    ref = check.threshold.ref
    if ref == "baseline":
        return None if baseline_entry is None else read_field(baseline_entry, check.on)
    if ref == "noise" or (ref == "real" and check.on in ("value", "delta", "abs_delta")):
        return _finite(entry.noise_floor)
    if ref == "real":
        return _finite(entry.real)
    return None


def evaluate_check(check: Check, result, baseline=None) -> CheckResult:
    """One check against an AuditResult (and optionally a baseline AuditResult)."""
    entry = next((m for m in result.metrics if m.name == check.metric), None)
    if entry is None:
        return CheckResult(check, "skipped", f"{check.metric} is not in this result (its family was not run?)")
    b_entry = None
    if check.threshold.ref == "baseline":
        if baseline is None:
            return CheckResult(check, "skipped", "threshold is relative to a baseline; no --baseline given")
        b_entry = next((m for m in baseline.metrics if m.name == check.metric), None)
        if b_entry is None:
            return CheckResult(check, "skipped", f"{check.metric} is not in the baseline result")
    actual = read_field(entry, check.on)
    if entry.verdict == "insufficient":
        return CheckResult(check, "insufficient", f"insufficient data: {entry.reason or 'too few documents'}",
                           actual=actual)
    if entry.sample_size is not None and entry.sample_size < check.min_docs:
        return CheckResult(check, "insufficient",
                           f"insufficient data: {entry.sample_size} documents (min_docs = {check.min_docs})",
                           actual=actual)
    label = {"p": "p_adjusted (BH)", "value": "value"}.get(check.on, check.on)
    if actual is None:
        missing = "no p-value" if check.on == "p" else f"no {label} value"
        return CheckResult(check, "insufficient", f"insufficient data: {check.metric} has {missing}")
    ref_value = reference(entry, check, b_entry)
    threshold = check.threshold.resolve(ref_value)
    if threshold is None:
        src = {"baseline": "the baseline", "noise": "the noise floor", "real": "the real corpus"}[check.threshold.ref]
        return CheckResult(check, "insufficient", f"insufficient data: no value from {src} to compare with",
                           actual=actual)
    if check.op == "==":
        holds = abs(actual - threshold) <= check.tol
    else:
        holds = OPS[check.op](actual, threshold)
    how = "" if check.threshold.ref is None else f" (= {check.threshold.expr}, {check.threshold.ref} {fmt(ref_value)})"
    how += _not_comparable(entry)
    tol = f" ± {fmt(check.tol)}" if check.op == "==" else ""
    if holds:
        return CheckResult(check, "pass", f"{label} {fmt(actual)} {check.op} {fmt(threshold)}{tol}{how}",
                           actual=actual, threshold=threshold)
    neg = {"<=": ">", "<": ">=", ">=": "<", ">": "<=", "==": "!="}[check.op]
    return CheckResult(check, check.severity, f"{label} {fmt(actual)} {neg} {fmt(threshold)}{tol}{how}",
                       actual=actual, threshold=threshold)


def _not_comparable(entry) -> str:
    """What a check on a row that a language mismatch made ``info`` must say (``details.not_comparable``, see
    ``audit.families.language.mark_not_comparable``): it still passes or fails on the number, as configured,
    but the number measures the language difference, so the check's why says so rather than read as judged."""
    cause = (entry.details or {}).get("not_comparable")
    if not cause:
        return ""
    return f"; not comparable: the corpora are in different languages (see {cause})"


def evaluate(checks: list[Check], result, baseline=None, *, fail_on=("fail",), config: str | None = None,
             min_docs: int = 50, baseline_path: str | None = None) -> GateResult:
    gate = GateResult([evaluate_check(c, result, baseline) for c in checks], tuple(fail_on), config, min_docs,
                      baseline_path)
    if not checks:
        gate.note = ("no gate config (audit.toml, [tool.audit] in pyproject.toml or --config): report only, "
                     "exit 0" if config is None else f"{config} defines no checks: report only, exit 0")
    return gate


# -- trend checks (``audit trend`` / ``audit mix``) ----------------------------------------------------
TREND_FIELDS = {"trend": ("!=", "=="), "worsening_run": ("<", "<=")}
TREND_STATES = ("ok", "warn", "fail")


@dataclass(frozen=True)
class TrendCheck:
    """A check on a metric's series: ``trend != "fail"``, or ``worsening_run < 2`` (it must not get worse,
    by more than the real noise floor, two generations in a row). ``metric = "*"``: every judged metric
    compared with the real corpus."""

    metric: str
    on: str  # "trend" | "worsening_run"
    op: str
    value: Any
    severity: str = "fail"
    line: int | None = None
    name: str | None = None

    @property
    def threshold(self) -> Threshold:
        return Threshold(expr=str(self.value), offset=float(self.value) if self.on == "worsening_run" else 0.0)

    def describe(self) -> str:
        return self.name or f"{self.metric} {self.on} {self.op} {self.value}"


DEFAULT_TREND_CHECKS = (
    TrendCheck("*", "trend", "!=", "fail", name="no metric's trend is fail"),
    TrendCheck("tail_survival_score", "worsening_run", "<", 2,
               name="tail_survival_score does not fall two generations in a row"),
)


def _trend_holds(check: TrendCheck, m) -> bool:
    actual = getattr(m, check.on)
    if check.on == "trend":
        return (actual != check.value) if check.op == "!=" else (actual == check.value)
    return OPS[check.op](actual, check.value)


def evaluate_trend_check(check: TrendCheck, result) -> CheckResult:
    """One trend check against a TrendResult (its metrics compared with the real corpus)."""
    judged = [m for m in result.metrics if m.against == "real" and m.trend not in ("info",)]
    targets = judged if check.metric == "*" else [m for m in judged if m.name == check.metric]
    if not targets:
        return CheckResult(check, "skipped", f"{check.metric} is not in this result (its family was not run?)")
    ready = [m for m in targets if m.trend != "insufficient"]
    if not ready:
        return CheckResult(check, "insufficient", f"insufficient data: {targets[0].reason}")
    broken = [m for m in ready if not _trend_holds(check, m)]
    if not broken:
        what = "every judged metric" if check.metric == "*" else check.metric
        actual = None if check.on == "trend" else float(ready[0].worsening_run)
        return CheckResult(check, "pass", f"{what}: {check.on} {check.op} {check.value} holds", actual=actual)
    if check.on == "trend":
        names = ", ".join(m.name + (f" (crossed at {m.crossed_at})" if m.crossed_at else "") for m in broken[:6])
        more = f" and {len(broken) - 6} more" if len(broken) > 6 else ""
        return CheckResult(check, check.severity, f"trend {broken[0].trend}: {names}{more}")
    m = broken[0]
    return CheckResult(check, check.severity, f"{m.name} got worse by more than the real noise floor "
                                              f"{m.worsening_run} generations in a row", actual=float(m.worsening_run),
                       threshold=float(check.value))


def evaluate_trend(checks, result, *, fail_on=("fail",), config: str | None = None) -> GateResult:
    gate = GateResult([evaluate_trend_check(c, result) for c in checks], tuple(fail_on), config)
    if not checks:
        gate.note = "no trend checks (add [[trend]] tables to the config, or --check for the defaults): exit 0"
    return gate
