"""A self-contained HTML page for a trend (or mixing-curve) result: one small chart per metric with the
real noise band, and the map of all generations coloured by generation. Inline SVG, no script."""
from __future__ import annotations

from html import escape

from audit.trend_result import TrendMetric, TrendResult
from reports.format import FAMILY_TITLES, num
from reports.trend import TREND_SYMBOL, axis_name, headline, ordered

W, H, PAD = 240, 110, 22
COLOURS = {"ok": "#2e7d32", "warn": "#f9a825", "fail": "#c62828", "info": "#00838f", "insufficient": "#9e9e9e"}
# a colour-blind-safe sequential ramp (viridis stops), one colour per generation
RAMP = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"]

CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}
.grid{display:flex;flex-wrap:wrap;gap:14px}.card{border:1px solid #ddd;border-radius:6px;padding:8px;width:250px}
.card h3{font-size:13px;margin:0 0 2px}.card p{font-size:11px;margin:2px 0;color:#555}.fail{color:#c62828}
.warn{color:#b28704}.ok{color:#2e7d32}table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left}
.legend span{display:inline-block;margin-right:10px}.sw{width:10px;height:10px;display:inline-block;margin-right:3px}"""


def gen_colour(g: int, n: int) -> str:
    return RAMP[0 if n <= 1 else round(g * (len(RAMP) - 1) / (n - 1))]


def _chart(m: TrendMetric, labels: list[str]) -> str:
    vals = m.values
    lo_b, hi_b = m.band.get("low"), m.band.get("high")
    pts = [v for v in vals if v is not None] + [x for x in (lo_b, hi_b, m.band.get("centre")) if x is not None]
    if not pts:
        return "<p>no values</p>"
    lo, hi = min(pts), max(pts)
    span = (hi - lo) or abs(hi) or 1.0
    lo, hi = lo - 0.08 * span, hi + 0.08 * span
    n = len(vals)

    def x(i):
        return PAD + (W - 2 * PAD) * (i / max(1, n - 1))

    def y(v):
        return H - PAD - (H - 2 * PAD) * (v - lo) / (hi - lo)

    svg = [f'<svg width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img">']
    top = y(hi_b) if hi_b is not None else PAD / 2
    bottom = y(lo_b) if lo_b is not None else H - PAD / 2
    if lo_b is not None or hi_b is not None:
        svg.append(f'<rect x="{PAD}" y="{min(top, bottom):.1f}" width="{W - 2 * PAD}" '
                   f'height="{abs(bottom - top):.1f}" fill="#e3f2fd"><title>real noise band</title></rect>')
    if m.band.get("centre") is not None:
        yc = y(m.band["centre"])
        svg.append(f'<line x1="{PAD}" x2="{W - PAD}" y1="{yc:.1f}" y2="{yc:.1f}" stroke="#90caf9" stroke-dasharray="3"/>')
    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vals) if v is not None)
    svg.append(f'<polyline points="{line}" fill="none" stroke="#555" stroke-width="1.5"/>')
    for i, v in enumerate(vals):
        if v is None:
            continue
        verdict = m.verdicts[i] if i < len(m.verdicts) and m.verdicts[i] else "info"
        svg.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{COLOURS.get(verdict, "#555")}">'
                   f'<title>{escape(labels[i])}: {num(v)} ({escape(verdict)})</title></circle>')
    for i, lab in enumerate(labels):
        svg.append(f'<text x="{x(i):.1f}" y="{H - 6}" font-size="9" text-anchor="middle">{escape(lab)}</text>')
    svg.append(f'<text x="2" y="10" font-size="9">{num(hi)}</text><text x="2" y="{H - PAD + 3}" font-size="9">{num(lo)}</text>')
    svg.append("</svg>")
    return "".join(svg)


def _card(m: TrendMetric, labels: list[str]) -> str:
    crossed = f" · crossed at {escape(m.crossed_at)}" if m.crossed_at else ""
    return (f'<div class="card"><h3>{escape(m.title)} <span class="{m.trend}">{TREND_SYMBOL.get(m.trend, m.trend)}'
            f'</span></h3><p><code>{escape(m.name)}</code> vs {escape(m.against)} · better: {escape(m.better)}{crossed}</p>'
            f'{_chart(m, labels)}<p>{escape(m.reason)}</p></div>')


def _map(result: TrendResult) -> str:
    sec = result.sections.get("map") or {}
    pts = sec.get("points") or []
    if not pts:
        return ""
    n = len(result.generations)
    size = 420
    dots = "".join(
        f'<circle cx="{10 + p["x"] * (size - 20):.1f}" cy="{10 + (1 - p["y"]) * (size - 20):.1f}" r="2.4" '
        f'fill="{gen_colour(p["g"], n)}" fill-opacity="0.75"><title>{escape(result.generations[p["g"]])}: '
        f'{escape(p.get("text", ""))}</title></circle>' for p in pts)
    legend = "".join(f'<span><i class="sw" style="background:{gen_colour(g, n)}"></i>{escape(lab)}</span>'
                     for g, lab in enumerate(result.generations))
    return (f'<h2>Map of all generations</h2><p>{sec.get("per_generation")} documents per generation, '
            f'{escape(sec.get("method", ""))} of the embeddings; a collapsing chain drifts and contracts.</p>'
            f'<div class="legend">{legend}</div><svg width="{size}" height="{size}" style="border:1px solid #ddd">'
            f'{dots}</svg>')


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def _tail_bands(result: TrendResult) -> str:
    sec = result.sections.get("tail_bands") or {}
    rows = sec.get("rows") or []
    if not rows:
        return ""
    bands = [b["band"] for b in rows[0]["bands"]]
    head = "".join(f"<th>seen {escape(b)}×</th>" for b in bands)
    body = "".join("<tr><td>" + escape(r["generation"]) + "</td>" + "".join(
        f"<td>{_pct(b['share'])} <small>of {b['types']}</small></td>"
        for b in r["bands"]) + "</tr>" for r in rows)
    return (f"<h2>Tail survival by frequency band</h2><p>Share of the real corpus's words, by how often the real "
            f"corpus uses them, that each generation still uses ({sec.get('budget_words')} words each).</p>"
            f"<table><tr><th>generation</th>{head}</tr>{body}</table>")


def render_trend_html(result: TrendResult) -> str:
    labels = result.generations
    title = "Mixing curve" if result.kind == "mix" else "Trend over generations"
    heads = "".join(f"<li>{escape(line)}</li>" for line in headline(result)) or "<li>nothing trends the bad way</li>"
    groups: dict[str, list[str]] = {}
    for m in ordered(result):
        key = FAMILY_TITLES.get(m.family, m.family) + ("" if m.against == "real" else " — vs the previous generation")
        groups.setdefault(key, []).append(_card(m, labels))
    cards = "".join(f'<h2>{escape(k)}</h2><div class="grid">{"".join(v)}</div>' for k, v in groups.items())
    inputs = "".join(f"<tr><td>{escape(str(i.get('label')))}</td><td>{escape(str(i.get('path')))}</td>"
                     f"<td>{num(i.get('n_documents'))}</td><td>{num(i.get('n_sampled'))}</td></tr>" for i in result.inputs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>corpus-audit: {title.lower()}</title><style>{CSS}</style></head>
<body><!-- corpus-audit report -->
<h1>{title}: <span class="{result.verdict}">{result.verdict.upper()}</span></h1>
<ul>{heads}</ul>
<p>One chart per metric across {axis_name(result)}s; the shaded band is what real data alone gives; dots are
coloured by that audit's verdict against the real corpus.</p>
<table><tr><th></th><th>file</th><th>documents</th><th>sampled</th></tr>{inputs}</table>
{cards}{_tail_bands(result)}{_map(result)}
<p><small>embedder {escape(str(result.settings.get('embedder')))} · seed {result.settings.get('seed')} ·
{escape(str(result.settings.get('trend_test', '')))}</small></p>
</body></html>
"""
