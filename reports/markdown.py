"""Markdown summary for a pull-request comment or ``$GITHUB_STEP_SUMMARY``, read in 20 seconds.

Renders from the ``AuditResult`` alone (its ``gate`` dict included). In view: one sentence (the banner),
the score, and each failed check once, in words ("Rare-word survival fell from 0.46 to 0.20; allowed
>= 0.38"). Folded: why (the findings, root causes first), the gate's other checks, changes since the
baseline, inputs, and every metric, each added only while the comment stays under ``TARGET_BYTES``
(4 KB) and in any case under ``MAX_CHARS`` (GitHub rejects comments over 65,536 characters).
"""
from __future__ import annotations

import re

from reports.format import FAMILY_TITLES, by_family, num, signed, support_text

MARKER = "<!-- corpus-audit -->"
MAX_CHARS = 60_000
HEADLINE_FINDINGS = 8  # findings in view; the rest are counted in one line
TARGET_BYTES = 4_000
CELL_CHARS = 160
ICON = {"pass": "✅ pass", "fail": "❌ fail", "warn": "⚠️ warn", "insufficient": "➖ insufficient data",
        "skipped": "⏭️ skipped"}
VERDICT_ICON = {"ok": "✅ ok", "warn": "⚠️ warn", "fail": "❌ fail", "info": "ℹ️ info", "insufficient": "➖ insufficient"}
OP_WORDS = {"<=": "≤", ">=": "≥", "<": "<", ">": ">", "==": "="}


def cell(x, limit: int = CELL_CHARS) -> str:
    """One table cell: no newlines, pipes escaped, at most ``limit`` characters."""
    s = " ".join(str(x).split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = s.replace("|", "\\|")
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", s)  # only what GitHub could read as an HTML tag


def _table(head: list[str], rows: list[list[str]], budget: int, what: str) -> list[str]:
    """A Markdown table cut to ``budget`` bytes (its note included), with a note when rows were left out."""
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    used = sum(len(x.encode("utf-8")) + 1 for x in out)
    for i, r in enumerate(rows):
        line = "| " + " | ".join(cell(c) for c in r) + " |"
        if used + len(line.encode("utf-8")) + 1 > budget - 120:
            out.append("")
            out.append(f"*… {len(rows) - i} more {what} left out to fit a comment; see the JSON/HTML report.*")
            break
        out.append(line)
        used += len(line.encode("utf-8")) + 1
    return out


def _title(result) -> str:
    status = (result.gate or {}).get("status")
    head = {"fail": "❌ corpus-audit: gate failed", "warn": "⚠️ corpus-audit: gate passed with warnings",
            "pass": "✅ corpus-audit: gate passed",
            "insufficient": "➖ corpus-audit: gate undecided, no check had enough data"}.get(
        status, "corpus-audit report")
    return f"## {head}"


def _score_line(result) -> str:
    sc = result.scores()
    o = sc["overall"]
    if o["score"] is None:
        return ""
    fams = " · ".join(f"{FAMILY_TITLES.get(f, f)} {v['score']:.0f}" for f, v in sc["families"].items())
    return f"**Score {o['score']:.0f}/100** (range {o['low']:.0f}–{o['high']:.0f}) · {fams}"


def _metric(result, name):
    try:
        return result.metric(name)
    except KeyError:
        return None


def check_sentence(c: dict, m) -> str:
    """A gate check in words: "Rare-word survival fell from 0.46 to 0.20; allowed ≥ 0.38"."""
    title = m.title if m is not None else c.get("metric", "?")
    op = OP_WORDS.get(c.get("op"), c.get("op", ""))
    thr, actual = num(c.get("threshold")), num(c.get("actual"))
    on = c.get("on")
    if m is not None and m.kind == "per_corpus" and on in ("synth", "delta", "abs_delta") \
            and m.real is not None and m.synth is not None:
        moved = "rose" if m.synth > m.real else "fell" if m.synth < m.real else "stayed"
        what = f"{title} {moved} from {num(m.real)} to {num(m.synth)}"
        allowed = (f"allowed a change of {op} {thr}" if on == "abs_delta" else
                   f"allowed a change {op} {thr}" if on == "delta" else f"allowed {op} {thr}")
    elif m is not None and m.kind == "pairwise" and on == "value":
        vs = f" (real-vs-real {num(m.noise_floor)})" if m.noise_floor is not None else ""
        what, allowed = f"{title} is {actual}{vs}", f"allowed {op} {thr}"
    else:
        what, allowed = f"{title} ({on}) is {actual}", f"allowed {op} {thr}"
    if c.get("status") == "insufficient":
        return f"{title}: not judged, {c.get('why') or 'too little data'}"
    return f"{what}; {allowed}"


def _headline_checks(result) -> list[str]:
    """Each failed (or warned) gate check once, in words; without a gate, the flagged metrics."""
    gate = result.gate or {}
    checks = [c for c in gate.get("checks") or [] if c.get("status") in ("fail", "warn")]
    out, seen = [], set()
    if checks:
        for c in sorted(checks, key=lambda c: (c.get("status") != "fail", c.get("line") or 0)):
            key = (c.get("metric"), c.get("on"), c.get("op"))
            if key in seen:
                continue
            seen.add(key)
            out.append(f"- {ICON[c['status']]} {cell(check_sentence(c, _metric(result, c.get('metric'))), 240)}")
        return out
    fs = result.findings()
    for f in fs[:HEADLINE_FINDINGS]:
        m = f.entry
        more = f"; likely explains {', '.join(cell(x.title, 40) for x in f.explains)}" if f.explains else ""
        out.append(f"- {VERDICT_ICON[m.verdict]} **{cell(m.title, 80)}**: {cell(m.reason, 200)} "
                   f"[{cell(support_text(m), 60)}]{more}")
    rest = [x.verdict for f in fs[HEADLINE_FINDINGS:] for x in (f.entry, *f.explains)]  # grouped rows too
    if rest:  # never drop a flag silently
        out.append(f"- … {len(rest)} more flagged check{'s' if len(rest) > 1 else ''} ({rest.count('fail')} failed, "
                   f"{rest.count('warn')} warned): in the HTML/JSON report.")
    return out


def _gate_note(gate: dict | None) -> str:
    if not gate:
        return "Gate: not evaluated (no gate config given); this is a report only."
    counts = gate.get("counts") or {}
    if not gate.get("checks"):
        return f"Gate: {gate.get('note') or 'no checks configured'} (report only)."
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    return f"Gate: {summary} (fails on {', '.join(gate.get('fail_on', []))}; config `{gate.get('config')}`)."


def _gate_table(gate: dict | None, budget: int) -> list[str]:
    checks = (gate or {}).get("checks") or []
    if not checks:
        return []
    order = {"fail": 0, "warn": 1, "insufficient": 2, "skipped": 3, "pass": 4}
    rows = [[ICON.get(c["status"], c["status"]), f"`{c['name']}`", num(c.get("actual")), num(c.get("threshold")),
             c.get("why", "")] for c in sorted(checks, key=lambda c: (order.get(c["status"], 5), c.get("line") or 0))]
    return _table(["status", "check", "actual", "threshold", "why"], rows, budget, "checks")


def _why(result) -> list[str]:
    """With a gate: the flagged metrics behind it; without one they are already in view."""
    lines = []
    for f in (result.findings()[:10] if (result.gate or {}).get("checks") else []):
        m = f.entry
        lines.append(f"- {VERDICT_ICON[m.verdict]} **{cell(m.title, 80)}** (`{m.name}`): {cell(m.reason, 240)} "
                     f"[{cell(support_text(m), 60)}]")
        if f.explains:
            lines.append(f"  - likely explains: {', '.join(cell(x.title, 60) for x in f.explains)}")
    thin = [m for m in result.metrics if m.verdict == "insufficient"]
    if thin:
        lines.append(f"- ➖ not judged ({len(thin)}): " + "; ".join(
            f"{cell(m.title, 60)}: {cell(m.reason, 120)}" for m in thin[:6]) + (" …" if len(thin) > 6 else ""))
    return lines


def _baseline(gate: dict | None, budget: int) -> list[str]:
    b = (gate or {}).get("baseline_diff")
    if not b:
        return []
    rows = [[r["name"], num(r["before"]), num(r["after"]), signed(r["delta"]),
             f"{r['verdict_before']} → {r['verdict_after']}"] for r in b.get("rows", [])]
    if not rows:
        return [f"No metric changed since the baseline `{cell(b.get('path', ''), 120)}`."]
    return _table(["metric", "before", "after", "delta", "verdict"], rows, budget, "changed metrics")


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
    return _table(["family", "metric", "real → synthetic / value", "noise floor", "verdict", "support"], rows,
                  budget, "metrics")


def _fold(summary: str, body: list[str]) -> list[str]:
    return ["", f"<details><summary>{summary}</summary>", "", *body, "", "</details>"]


def _size(lines: list[str]) -> int:
    return len(("\n".join(lines) + "\n").encode("utf-8"))


def render_markdown(result, max_chars: int = MAX_CHARS, target_bytes: int = TARGET_BYTES) -> str:
    """The comment: in view, the banner sentence, the score and each failed check once in words; then
    folded details, each added only while the whole stays under ``target_bytes`` (the in-view part is
    always kept, cut only to ``max_chars``)."""
    gate = result.gate
    ban = result.banner()
    head = [MARKER, _title(result), "", f"**{cell(ban['text'], 400)}**"]
    score = _score_line(result)
    if score:
        head += ["", score]
    checks = _headline_checks(result)
    if checks:
        head += ["", *checks]
    head += ["", _gate_note(gate)]
    lines = list(head)
    n_bad = sum(m.verdict in ("warn", "fail") for m in result.metrics)
    optional = [
        (f"Why: {n_bad} flagged metrics, root causes first" if (gate or {}).get("checks") else
         "Not judged: too little data", lambda room: _why(result)),
        ("All gate checks", lambda room: _gate_table(gate, room)),
        ("Changes since the baseline", lambda room: _baseline(gate, room)),
        ("Inputs", lambda room: _inputs(result)),
        ("All metrics", lambda room: _all_metrics(result, room)),
    ]
    footer = ["", "*Full report: the HTML/JSON written by `audit compare`.*"]
    limit = min(target_bytes, max_chars) - _size(footer)
    for summary, make in optional:
        room = limit - _size(lines) - 120
        if room < 200:
            break
        body = make(room)
        if not body:
            continue
        block = _fold(summary, body)
        if _size(lines + block) <= limit:
            lines += block
    lines += footer
    text = "\n".join(lines) + "\n"
    if len(text) > max_chars:  # only when the in-view part alone is too long (tiny max_chars)
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
