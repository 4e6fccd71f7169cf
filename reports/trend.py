"""Terminal and Markdown renderings of a trend (or mixing-curve) result; they read only the TrendResult."""
from __future__ import annotations

from audit.trend_result import TrendMetric, TrendResult
from reports.format import FAMILY_ORDER, num

SPARK = "▁▂▃▄▅▆▇█"
TREND_SYMBOL = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "info": "info", "insufficient": "n/a"}
STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red", "info": "cyan", "insufficient": "dim"}


def sparkline(values) -> str:
    """One character per value, scaled between the series' min and max; a space for a missing value."""
    finite = [v for v in values if v is not None]
    if not finite:
        return " " * len(values)
    lo, hi = min(finite), max(finite)
    span = hi - lo
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        else:
            out.append(SPARK[0 if span == 0 else min(len(SPARK) - 1, int((v - lo) / span * len(SPARK)))])
    return "".join(out)


def ordered(result: TrendResult) -> list[TrendMetric]:
    rank = {f: i for i, f in enumerate(FAMILY_ORDER)}
    return sorted(result.metrics, key=lambda m: (m.against != "real", rank.get(m.family, 99)))


def axis_name(result: TrendResult) -> str:
    return "synthetic share" if result.kind == "mix" else "generation"


def _band(m: TrendMetric) -> str:
    lo, hi = m.band.get("low"), m.band.get("high")
    if lo is None and hi is None:
        return "–"
    if lo is not None and hi is not None:
        return f"{num(lo)}..{num(hi)}"
    return f"≥ {num(lo)}" if lo is not None else f"≤ {num(hi)}"


def headline(result: TrendResult) -> list[str]:
    lines = []
    if result.kind == "mix":
        ans = result.sections.get("mix", {}).get("answer")
        fams = " / ".join(result.sections.get("mix", {}).get("answer_families", []))
        lines.append(f"{fams} leave the real noise band at a synthetic share of {ans['ratio']:g} ({ans['metric']})"
                     if ans else f"{fams} stay inside the real noise band at every synthetic share tested")
    tail = tail_line(result)
    if tail:
        lines.append(tail)
    rank = {f: i for i, f in enumerate(FAMILY_ORDER)}
    flagged = [m for m in result.metrics if m.trend in ("fail", "warn")]
    # collapse shows in the tail first, then in diversity: those lead
    flagged.sort(key=lambda m: (m.trend != "fail", m.name != "tail_survival_score", rank.get(m.family, 99), m.name))
    for m in flagged[:6]:
        where = f"; crossed its fail threshold at {m.crossed_at}" if m.crossed_at else ""
        lines.append(f"{TREND_SYMBOL[m.trend]} {m.title}: {m.reason}{where}")
    return lines


def short(x) -> str:
    """A value in at most 6 characters (2 or 3 significant digits)."""
    if x is None:
        return "–"
    if x != 0 and abs(x) < 0.001:
        return f"{x:.1e}".replace("e-0", "e-")
    if x != 0 and abs(x) < 0.01:
        return f"{x:.2g}"
    return f"{x:.3g}" if abs(x) < 1e5 else f"{x:.1e}"


def _table(result: TrendResult, metrics: list[TrendMetric], title: str):
    from rich import box
    from rich.table import Table
    from rich.text import Text

    t = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", title_style="bold", pad_edge=False)
    t.add_column("metric", no_wrap=True, overflow="ellipsis", max_width=22)
    t.add_column("trend", no_wrap=True, min_width=4)
    t.add_column("", no_wrap=True, min_width=len(result.generations))
    for g in result.generations:
        t.add_column(g, justify="right", no_wrap=True, min_width=5)
    t.add_column("crossed/left", no_wrap=True, min_width=9)
    for m in metrics:
        where = f"{m.crossed_at or '–'}/{m.left_band_at or '–'}"
        t.add_row(m.name, Text(TREND_SYMBOL.get(m.trend, m.trend), style=STYLE.get(m.trend, "")),
                  sparkline(m.values), *[short(x) for x in m.values], where)
    return t


def tail_line(result: TrendResult) -> str | None:
    """The rarest and the commonest frequency band's survival, first and last generation."""
    rows = (result.sections.get("tail_bands") or {}).get("rows") or []
    if len(rows) < 2:
        return None
    first, last = rows[0], rows[-1]

    def pct(band) -> str:
        return "–" if band["share"] is None else f"{100 * band['share']:.0f}%"

    lo = (first["bands"][0], last["bands"][0])
    hi = (first["bands"][-1], last["bands"][-1])
    return (f"real words seen {lo[0]['band']}× survive in {pct(lo[0])} of {first['generation']} and "
            f"{pct(lo[1])} of {last['generation']}; words seen {hi[0]['band']}×: {pct(hi[0])} -> {pct(hi[1])}")


def _bands_table(result: TrendResult):
    from rich import box
    from rich.table import Table

    sec = result.sections.get("tail_bands") or {}
    rows = sec.get("rows") or []
    if not rows:
        return None
    t = Table(box=box.SIMPLE_HEAD, title=f"real words still used, by how often the real corpus uses them "
                                         f"({sec.get('budget_words'):,} words each)",
              title_justify="left", title_style="bold", pad_edge=False)
    t.add_column("generation")
    for b in rows[0]["bands"]:
        t.add_column(f"seen {b['band']}×", justify="right")
    for r in rows:
        t.add_row(r["generation"], *["–" if b["share"] is None else f"{100 * b['share']:.0f}%" for b in r["bands"]])
    return t


def render(result: TrendResult, console) -> None:
    from rich.text import Text

    what = "Mixing curve" if result.kind == "mix" else "Trend over generations"
    v = result.verdict
    console.print(Text(f"{what}: {TREND_SYMBOL[v]}", style=STYLE[v]))
    for line in headline(result):
        console.print(f"  {line}")
    rows = ordered(result)
    console.print(_table(result, [m for m in rows if m.against == "real"],
                         f"metrics × {axis_name(result)}, against the real corpus"))
    prev = [m for m in rows if m.against == "previous"]
    if prev:
        console.print(_table(result, prev, "against the previous generation (not judged)"))
    bands = _bands_table(result)
    if bands is not None:
        console.print(bands)


def render_markdown(result: TrendResult) -> str:
    what = "Mixing curve" if result.kind == "mix" else "Trend over generations"
    out = [f"## corpus-audit: {what.lower()} — **{result.verdict.upper()}**", ""]
    out += [f"- {line}" for line in headline(result)] or ["- no metric trends the bad way beyond the real noise"]
    axis = axis_name(result)
    out += ["", f"{axis.capitalize()}s: " + ", ".join(f"`{g}`" for g in result.generations), ""]
    out.append("| metric | vs | " + " | ".join(result.generations) + " | | real band | trend | crossed | left band |")
    out.append("|---|---|" + "---:|" * len(result.generations) + "---|---|---|---|---|")
    for m in ordered(result):
        if m.trend == "info" and m.against == "previous":
            continue
        out.append(f"| `{m.name}` | {m.against} | " + " | ".join(num(x) for x in m.values)
                   + f" | {sparkline(m.values)} | {_band(m)} | {TREND_SYMBOL.get(m.trend, m.trend)} | "
                   f"{m.crossed_at or '–'} | {m.left_band_at or '–'} |")
    sec = result.sections.get("tail_bands") or {}
    if sec.get("rows"):
        bands = [b["band"] for b in sec["rows"][0]["bands"]]
        out += ["", f"Real words still used, by how often the real corpus uses them ({sec['budget_words']:,} words each):",
                "", "| generation | " + " | ".join(f"seen {b}×" for b in bands) + " |",
                "|---|" + "---:|" * len(bands)]
        out += [f"| {r['generation']} | " + " | ".join(
            "–" if b["share"] is None else f"{100 * b['share']:.0f}%" for b in r["bands"]) + " |" for r in sec["rows"]]
    out += ["", "Band: what real data alone gives (split-half noise pooled over every audit of the run). Trend: "
            "one-sided Mann-Kendall over the " + axis + "s, BH-adjusted; FAIL = steady, outside the band and "
            "past the metric's warn tolerance.", "", "<!-- corpus-audit -->", ""]
    return "\n".join(out)
