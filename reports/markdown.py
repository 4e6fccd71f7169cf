"""Markdown summary for a pull-request comment or ``$GITHUB_STEP_SUMMARY``.

Renders from the ``AuditResult`` alone (its ``gate`` dict included): verdict, gate checks (actual vs
threshold), the worst findings, what changed since the baseline, inputs, then every metric in a
collapsed block. Always under ``MAX_CHARS`` (GitHub rejects comments over 65,536 characters): the long
tables are cut first, with a note saying how many rows were left out.
"""
from __future__ import annotations

import re

from reports.format import FAMILY_TITLES, by_family, num, signed, support_text

MARKER = "<!-- corpus-audit -->"
MAX_CHARS = 60_000
CELL_CHARS = 160
ICON = {"pass": "✅ pass", "fail": "❌ fail", "warn": "⚠️ warn", "insufficient": "➖ insufficient data",
        "skipped": "⏭️ skipped"}
VERDICT_ICON = {"ok": "✅ ok", "warn": "⚠️ warn", "fail": "❌ fail", "info": "ℹ️ info", "insufficient": "➖ insufficient"}


def cell(x, limit: int = CELL_CHARS) -> str:
    """One table cell: no newlines, pipes escaped, at most ``limit`` characters."""
    s = " ".join(str(x).split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = s.replace("|", "\\|")
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", s)  # only what GitHub could read as an HTML tag


def _table(head: list[str], rows: list[list[str]], budget: int, what: str) -> list[str]:
    """A Markdown table cut to ``budget`` characters, with a note when rows were left out."""
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    used = sum(len(x) + 1 for x in out)
    for i, r in enumerate(rows):
        line = "| " + " | ".join(cell(c) for c in r) + " |"
        if used + len(line) + 1 > budget:
            out.append("")
            out.append(f"*… {len(rows) - i} more {what} left out to fit a comment; see the JSON/HTML report.*")
            break
        out.append(line)
        used += len(line) + 1
    return out


def _title(result) -> str:
    gate = result.gate or {}
    status = gate.get("status")
    if status == "fail":
        head = "❌ corpus-audit: gate failed"
    elif status == "warn":
        head = "⚠️ corpus-audit: gate passed with warnings"
    elif status == "pass":
        head = "✅ corpus-audit: gate passed"
    else:
        head = "corpus-audit report"
    return f"## {head}"


def _gate_section(gate: dict | None, budget: int) -> list[str]:
    if not gate:
        return ["**Gate:** not evaluated (no gate config given); this is a report only."]
    counts = gate.get("counts") or {}
    checks = gate.get("checks") or []
    if not checks:
        return [f"**Gate:** {gate.get('note') or 'no checks configured'}."]
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    lines = [f"**Gate: {gate.get('status', '?').upper()}** ({summary}; fails on: {', '.join(gate.get('fail_on', []))}; "
             f"config: `{gate.get('config')}`)", ""]
    order = {"fail": 0, "warn": 1, "insufficient": 2, "skipped": 3, "pass": 4}
    head = ["status", "check", "actual", "threshold", "why"]

    def rows(cs):
        return [[ICON.get(c["status"], c["status"]), f"`{c['name']}`", num(c.get("actual")),
                 num(c.get("threshold")), c.get("why", "")]
                for c in sorted(cs, key=lambda c: (order.get(c["status"], 5), c.get("line") or 0))]

    # what needs a reviewer's eye stays in view; passing checks fold away so the comment stays short
    open_ = [c for c in checks if c["status"] != "pass"]
    passed = [c for c in checks if c["status"] == "pass"]
    if open_:
        lines += _table(head, rows(open_), budget, "checks")
    if passed:
        lines += ["", f"<details><summary>{len(passed)} passing checks</summary>", ""]
        lines += _table(head, rows(passed), budget, "checks")
        lines += ["", "</details>"]
    return lines


def _findings(result, limit: int = 10) -> list[str]:
    bad = result.headline(limit)
    if not bad:
        return ["No metric is flagged beyond the real corpus's own noise floor."]
    lines = []
    for m in bad:
        lines.append(f"- {VERDICT_ICON.get(m.verdict, m.verdict)} **{cell(m.title, 80)}** "
                     f"(`{m.name}`): {cell(m.reason, 240)}")
    return lines


def _baseline(gate: dict | None, budget: int) -> list[str]:
    b = (gate or {}).get("baseline_diff")
    if not b:
        return []
    rows = [[r["name"], num(r["before"]), num(r["after"]), signed(r["delta"]),
             f"{r['verdict_before']} → {r['verdict_after']}"] for r in b.get("rows", [])]
    lines = ["", f"### Changes since baseline `{cell(b.get('path', ''), 120)}`", ""]
    if not rows:
        return lines + ["No metric changed."]
    return lines + _table(["metric", "before", "after", "delta", "verdict"], rows, budget, "changed metrics")


def _inputs(result) -> list[str]:
    lines = ["| | file | documents | compared | sha256 |", "|---|---|---|---|---|"]
    for side in ("real", "synth"):
        d = result.inputs.get(side) or {}
        sha = str(d.get("sha256") or "")[:12]
        lines.append(f"| {side} | `{cell(d.get('path', ''), 120)}` | {num(d.get('n_documents'))} | "
                     f"{num(d.get('n_sampled'))} | `{sha}` |")
    s = result.settings or {}
    lines.append("")
    lines.append(f"Embedder `{cell(s.get('embedder', '?'), 80)}`, seed {s.get('seed', '?')}, "
                 f"{num(s.get('compared_docs_per_corpus'))} documents per corpus compared.")
    return lines


def _all_metrics(result, budget: int) -> list[str]:
    rows = []
    for family, entries in by_family(result.metrics):
        for m in entries:
            main = num(m.value) if m.kind == "pairwise" else f"{num(m.real)} → {num(m.synth)}"
            why = f" ({m.reason})" if m.verdict == "insufficient" else ""
            rows.append([FAMILY_TITLES.get(family, family), m.name, main, num(m.noise_floor),
                         VERDICT_ICON.get(m.verdict, m.verdict) + why, support_text(m)])
    lines = ["", "<details><summary>All metrics</summary>", ""]
    lines += _table(["family", "metric", "real → synthetic / value", "noise floor", "verdict", "support"], rows,
                    max(budget - 40, 200), "metrics")
    lines += ["", "</details>"]
    return lines


def render_markdown(result, max_chars: int = MAX_CHARS) -> str:
    """The summary as Markdown, never longer than ``max_chars`` characters."""
    gate = result.gate
    head = [MARKER, _title(result), "", f"**Metrics verdict:** {result.verdict}", ""]
    findings = ["", "### Worst findings", "", *_findings(result)]
    inputs = ["", "### Inputs", "", *_inputs(result)]
    fixed = len("\n".join(head + findings + inputs)) + 200
    room = max(max_chars - fixed, 1000)
    gate_lines = _gate_section(gate, room // 2)
    base_lines = _baseline(gate, room // 4)
    used = len("\n".join(gate_lines + base_lines))
    metric_lines = _all_metrics(result, max(room - used, 400))
    text = "\n".join(head + gate_lines + base_lines + findings + inputs + metric_lines) + "\n"
    if len(text) > max_chars:  # only when a budget above could not be met (tiny max_chars)
        note = "\n\n*… truncated to fit a comment; see the JSON/HTML report.*\n"
        text = text[: max_chars - len(note)] + note
    return text


def render_diff_markdown(rows: list[dict], old_label: str, new_label: str, max_chars: int = MAX_CHARS) -> str:
    """``audit diff --markdown``: the metrics that changed, as a table."""
    head = [MARKER, f"## corpus-audit diff: `{cell(old_label, 100)}` → `{cell(new_label, 100)}`", ""]
    if not rows:
        return "\n".join(head + ["No metric changed."]) + "\n"
    counts = {}
    for r in rows:
        counts[r["change"]] = counts.get(r["change"], 0) + 1
    head.append(", ".join(f"{n} {k}" for k, n in counts.items()) + ".")
    head.append("")
    body = [[r["name"], num(r["before"]), num(r["after"]), signed(r["delta"]), num(r["noise_floor"]),
             f"{r['verdict_before']} → {r['verdict_after']}"] for r in rows]
    table = _table(["metric", "before", "after", "delta", "noise floor", "verdict"], body,
                   max_chars - len("\n".join(head)) - 200, "changed metrics")
    return "\n".join(head + table) + "\n"
