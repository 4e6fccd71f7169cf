"""The one result of an audit, and its JSON form (the public API: see docs/schema.md)."""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audit.frames import ResultFrames
from metrics.registry import canonical_name
from metrics.result import to_native

SCHEMA_VERSION = "1.0"
VERDICT_ORDER = {"ok": 0, "info": 0, "insufficient": 0, "warn": 1, "fail": 2}


@dataclass(frozen=True)
class MetricEntry:
    """One row of the report: a metric for real and synthetic (or one value for the pair).

    Frozen: its verdict is decided once, where it is built (``audit.compare``); a step that changes a row
    (the audit-wide Benjamini-Hochberg correction, a coverage rule) makes a changed copy with
    ``dataclasses.replace``.

    ``noise_floor`` is the same metric on two random halves of the real corpus: for a per-corpus metric
    the absolute difference between the halves, for a pairwise metric its value on (half A, half B).
    """

    family: str
    name: str
    title: str
    description: str
    better: str  # "higher" | "lower" | "closer"
    kind: str  # "per_corpus" | "pairwise"
    verdict: str  # "ok" | "warn" | "fail" | "info" | "insufficient"
    reason: str
    real: float | None = None
    synth: float | None = None
    value: float | None = None
    delta: float | None = None  # synth - real (per_corpus)
    ci: dict[str, list[float]] = field(default_factory=dict)  # keys: real, synth, value
    noise_floor: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    sample_size: int | None = None
    sampled: bool = False
    unit: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # "full": counted over every document of the corpus it describes; "sample": a seeded sample of
    # ``sample_size`` documents. ``support``: what the value rests on (documents, terms, windows...),
    # e.g. {"real_docs": 16001, "synth_docs": 15999}, shown beside the value.
    scope: str | None = None
    support: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return to_native(asdict(self))


@dataclass
class AuditResult(ResultFrames):
    inputs: dict[str, Any]
    settings: dict[str, Any]
    metrics: list[MetricEntry]
    sections: dict[str, Any] = field(default_factory=dict)  # evidence: map, clusters, examples...
    gate: dict[str, Any] | None = None
    schema_version: str = SCHEMA_VERSION

    # -- derived ---------------------------------------------------------------------------------
    @property
    def verdict(self) -> str:
        """The worst row's verdict; ``insufficient`` when no row could be judged (too few documents for every
        check), since "ok" would claim a comparison that never happened; at least ``warn`` when a tenth or more
        of a file's records were rejected while reading (``audit.summary.REJECTED_SERIOUS``): the rows describe
        only the rest, and the banner says so."""
        from audit.summary import REJECTED_SERIOUS, rejected_share

        worst = max((VERDICT_ORDER.get(m.verdict, 0) for m in self.metrics), default=0)
        if worst == 0 and not any(m.verdict in ("ok", "warn", "fail") for m in self.metrics):
            return "insufficient"
        if worst == 0 and rejected_share(self.inputs) >= REJECTED_SERIOUS:
            worst = 1
        return {0: "ok", 1: "warn", 2: "fail"}[worst]

    def headline(self, limit: int = 5) -> list[MetricEntry]:
        """The findings that matter most, root causes first, then by severity x effect x support
        (``audit.summary``); rows a root cause explains are grouped under it (see :meth:`findings`)."""
        return [f.entry for f in self.findings()[:limit]]

    def findings(self):
        """Flagged rows as ``audit.summary.Finding`` (entry, rank, rows it explains), most important first."""
        from audit.summary import findings

        return findings(self.metrics)

    def scores(self) -> dict[str, Any]:
        """0-100 score per family and overall, with ranges and the definition (``audit.summary``)."""
        from audit.summary import scores

        return scores(self.metrics)

    def banner(self) -> dict[str, str]:
        """``{"level": good|minor|substantial|severe|insufficient, "text": one sentence}``."""
        from audit.summary import banner

        return banner(self.metrics, self.scores(), self.inputs)

    def metric(self, name: str) -> MetricEntry:
        name = canonical_name(name)  # a former name finds the metric too
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)

    # -- JSON --------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        from audit.summary import finding_sentence

        counts = {v: sum(1 for m in self.metrics if m.verdict == v) for v in ("ok", "warn", "fail", "info", "insufficient")}
        return to_native(
            {
                "schema_version": self.schema_version,
                "tool": {"name": "corpus-audit"},
                "summary": {
                    "verdict": self.verdict,
                    "counts": counts,
                    "headline": [finding_sentence(f) for f in self.findings()[:5]],
                    "banner": self.banner(),
                    "score": self.scores(),
                },
                "inputs": self.inputs,
                "settings": self.settings,
                "metrics": [m.to_dict() for m in self.metrics],
                "sections": self.sections,
                "gate": self.gate,
            }
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AuditResult":
        """The result from its JSON form; a malformed one raises ``InputError`` (audit.result_check)."""
        from audit.errors import InputError
        from audit.result_check import check_result_dict

        check_result_dict(data)
        major = str(data["schema_version"]).split(".")[0]
        if major != SCHEMA_VERSION.split(".")[0]:
            raise InputError(
                f"audit result has schema_version {data['schema_version']}, this version reads {SCHEMA_VERSION}"
            )
        names = set(MetricEntry.__dataclass_fields__)
        metrics = [MetricEntry(**{k: canonical_name(v) if k == "name" else v for k, v in m.items() if k in names})
                   for m in data["metrics"]]
        return cls(
            inputs=data.get("inputs") or {},
            settings=data.get("settings") or {},
            metrics=metrics,
            sections=data.get("sections") or {},
            gate=data.get("gate"),
            schema_version=str(data["schema_version"]),
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> "AuditResult":
        """Read a saved result (once; bad UTF-8, bad JSON, deep nesting, wrong shape: ``InputError``)."""
        from audit.errors import InputError
        from audit.result_check import read_result_json

        data = read_result_json(path)
        try:
            return cls.from_dict(data)
        except InputError as e:
            raise InputError(f"{path}: {e}") from None


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write a file so that a reader never sees half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report should get the usual file mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
