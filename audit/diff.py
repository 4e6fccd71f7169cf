"""What changed between two audit results (``audit diff old.json new.json``, ``compare --baseline``).

A metric's headline number is its synthetic value for per-corpus metrics and its value for pairwise
ones. A row is listed when that number moved (beyond float noise), when the verdict changed, or when
the metric appears in only one of the two results. Rows are ordered: verdict got worse, verdict got
better, then by how far the number moved relative to the split-half noise floor (or its size).
"""
from __future__ import annotations

import math
from typing import Any

from audit.result import VERDICT_ORDER


def headline_value(entry) -> float | None:
    v = entry.value if entry.kind == "pairwise" else entry.synth
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _moved(a: float | None, b: float | None, rel_tol: float) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return not math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-12)


def diff_results(old, new, *, rel_tol: float = 1e-9) -> list[dict[str, Any]]:
    """Rows for the metrics that changed from ``old`` to ``new`` (both ``AuditResult``)."""
    before = {m.name: m for m in old.metrics}
    after = {m.name: m for m in new.metrics}
    names = list(after) + [n for n in before if n not in after]
    rows = []
    for name in names:
        a, b = before.get(name), after.get(name)
        va = headline_value(a) if a else None
        vb = headline_value(b) if b else None
        verdict_a = a.verdict if a else "absent"
        verdict_b = b.verdict if b else "absent"
        if not (_moved(va, vb, rel_tol) or verdict_a != verdict_b):
            continue
        ref = b or a
        delta = None if va is None or vb is None else vb - va
        floor = ref.noise_floor if ref.noise_floor not in (None, 0) else None
        if delta is None:
            size = math.inf
        elif floor:
            size = abs(delta) / abs(floor)
        else:
            size = abs(delta) / max(abs(va), 1e-12)
        change = "changed"
        if a is None:
            change = "added"
        elif b is None:
            change = "removed"
        else:
            oa, ob = VERDICT_ORDER.get(verdict_a, 0), VERDICT_ORDER.get(verdict_b, 0)
            if ob > oa:
                change = "worse"
            elif ob < oa:
                change = "better"
        rows.append({
            "name": name, "family": ref.family, "title": ref.title, "kind": ref.kind, "better": ref.better,
            "before": va, "after": vb, "delta": delta, "noise_floor": ref.noise_floor,
            "verdict_before": verdict_a, "verdict_after": verdict_b, "change": change, "_size": size,
        })
    rank = {"worse": 0, "better": 1, "added": 2, "removed": 2, "changed": 3}
    rows.sort(key=lambda r: (rank[r["change"]], -r["_size"], r["name"]))
    for r in rows:
        del r["_size"]
    return rows


def diff_summary(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {k: sum(1 for r in rows if r["change"] == k) for k in ("worse", "better", "added", "removed", "changed")}


def render_diff_text(rows: list[dict[str, Any]], old_label: str, new_label: str) -> str:
    """A plain-text table for the terminal."""
    from audit.gate import fmt

    if not rows:
        return f"No metric changed between {old_label} and {new_label}.\n"
    head = ("metric", "before", "after", "delta", "verdict")
    body = [(r["name"], fmt(r["before"]), fmt(r["after"]), "n/a" if r["delta"] is None else f"{r['delta']:+.4g}",
             f"{r['verdict_before']} -> {r['verdict_after']}") for r in rows]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    lines = [f"{len(rows)} metric(s) changed: {old_label} -> {new_label}", ""]
    for row in [head, *body]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines) + "\n"
