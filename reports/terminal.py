"""The rich terminal report: headline first, then one table per family, real vs synthetic side by side."""
from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from audit.result import AuditResult
from reports.format import FAMILY_TITLES, VERDICT_SYMBOL, by_family, num, signed, support_text

LEVEL_STYLE = {"good": "bold green", "minor": "bold yellow", "substantial": "bold dark_orange",
               "severe": "bold white on red", "insufficient": "bold"}
STYLE = {"ok": "green", "pass": "green", "warn": "yellow", "fail": "bold red", "info": "cyan", "insufficient": "dim"}


def terminal_safe(result: AuditResult) -> AuditResult:
    """A copy whose every string shows control characters as escapes (a corpus's field names, ids and
    texts, or a hostile saved result, must not drive the terminal). Cells are ``Text``, never markup."""
    from dataclasses import asdict, replace

    from audit.result import MetricEntry
    from audit.textsafe import clean_tree

    return replace(result, inputs=clean_tree(result.inputs), settings=clean_tree(result.settings),
                   gate=clean_tree(result.gate), sections={},
                   metrics=[MetricEntry(**clean_tree(asdict(m))) for m in result.metrics])


def _verdict(v: str) -> Text:
    return Text(VERDICT_SYMBOL.get(v, v), style=STYLE.get(v, ""))


def _inputs(result: AuditResult) -> Table:
    t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("", "file", "documents", "sampled", "rejected", "text from"):
        t.add_column(col)
    for side in ("real", "synth"):
        d = result.inputs.get(side, {})
        rej = d.get("rejected") or {}
        rej_s = ", ".join(f"{v} {k}" for k, v in sorted(rej.items())) or "0"
        t.add_row(side, Text(str(d.get("path", ""))), num(d.get("n_documents")), num(d.get("n_sampled")),
                  Text(rej_s), Text(str(d.get("text_field") or "")))
    return t


def _family_table(family: str, rows, wide: bool) -> Table:
    t = Table(title=Text(FAMILY_TITLES.get(family, family)), title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
              show_lines=False, expand=False)
    t.add_column("metric")
    t.add_column("real", justify="right")
    t.add_column("synthetic", justify="right")
    t.add_column("Δ / value", justify="right")
    t.add_column("noise floor", justify="right")
    t.add_column("verdict")
    if wide:
        t.add_column("support (real/synth)", overflow="fold", max_width=28)
        t.add_column("why", overflow="fold", max_width=70)
    for m in rows:
        scope = " ~" if m.sampled or m.scope == "sample" else (" ∀" if m.scope == "full" else "")
        title = m.title + scope + ({"higher": " ↑", "lower": " ↓"}.get(m.better, ""))
        if m.kind == "pairwise":
            middle = num(m.value)
        else:
            middle = signed(m.delta)
        cells = [Text(title), num(m.real), num(m.synth), middle, num(m.noise_floor), _verdict(m.verdict)]
        t.add_row(*cells, *([Text(support_text(m)), Text(m.reason)] if wide else []))
    return t


def _reasons(rows) -> Text | None:
    """On a narrow terminal the reasons of flagged and insufficient rows go under the table instead of
    in a column."""
    flagged = [m for m in rows if m.verdict in ("warn", "fail", "insufficient")
               or (m.details or {}).get("not_comparable")]  # "info" alone would hide why it is not judged
    if not flagged:
        return None
    return Text("\n".join(f"  {VERDICT_SYMBOL[m.verdict]} {m.title}: {m.reason} [{support_text(m)}]"
                          for m in flagged),
                style="yellow")


def render(result: AuditResult, console: Console | None = None) -> None:
    console = console or Console()
    result = terminal_safe(result)
    verdict = result.verdict
    ban, sc = result.banner(), result.scores()
    lines = [Text(ban["text"], style=LEVEL_STYLE.get(ban["level"], ""))]
    fam = " · ".join(f"{FAMILY_TITLES.get(f, f)} {v['score']:.0f}" for f, v in sc["families"].items())
    if sc["overall"]["score"] is not None:
        o = sc["overall"]
        lines.append(Text.assemble(("Score: ", "bold"), f"{o['score']:.0f}/100 (range {o['low']:.0f}-{o['high']:.0f})",
                                   (f"  {fam}", "dim")))
    lines.append(Text.assemble(("Verdict: ", "bold"), (verdict.upper(), STYLE[verdict])))
    if result.gate:
        g = result.gate
        status = str(g.get("status", ""))
        if status == "none":
            lines.append(Text.assemble(("Gate: ", "bold"), ("no checks configured (report only)", "dim")))
        else:
            lines.append(Text.assemble(("Gate: ", "bold"), (status.upper(), STYLE.get(status, "")),
                                       f" ({len(g.get('checks') or [])} checks)"))
    heads = result.findings()[:5]
    for f in heads:
        m = f.entry
        more = f" (likely explains {len(f.explains)} more: {', '.join(x.title for x in f.explains)})" \
            if f.explains else ""
        lines.append(Text.assemble(("• ", ""), (f"[{VERDICT_SYMBOL[m.verdict]}] ", STYLE[m.verdict]),
                                   (f"{m.title}: ", "bold"), m.reason, (more, "italic")))
    if not heads:
        lines.append(Text("No metric is flagged beyond the real corpus's own noise floor."))
    console.print(Panel(Group(*lines), title="corpus-audit", title_align="left",
                        border_style=LEVEL_STYLE.get(ban["level"], "").replace("bold ", "").split(" on ")[-1]))
    console.print(_inputs(result))
    s = result.settings
    console.print(Text(f"embedder {s.get('embedder')} · seed {s.get('seed')} · "
                       f"{num(s.get('compared_docs_per_corpus'))} docs per corpus compared · "
                       "~ = computed on a seeded sample · ∀ = counted over every document · "
                       "noise floor = the gap two samples of real alone stay "
                       "within 95% of the time (pairwise: the real-vs-real value)",
                       style="dim"))
    wide = console.width >= 130
    for family, rows in by_family(result.metrics):
        console.print(_family_table(family, rows, wide))
        if not wide and (why := _reasons(rows)) is not None:
            console.print(why)
    ex = []
    for side in ("real", "synth"):
        for e in (result.inputs.get(side, {}).get("rejected_examples") or [])[:3]:
            ex.append(f"{e.get('file')}:{e.get('line')}: {e.get('reason')} {e.get('detail', '')}".rstrip())
    if ex:
        console.print(Text("Skipped records (first few):\n  " + "\n  ".join(ex), style="yellow"))
