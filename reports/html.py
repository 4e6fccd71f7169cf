"""The self-contained HTML report: one file, no network request, rendered from an ``AuditResult`` alone.

Layout and wording live in ``templates/report.html.j2``; this module only reshapes the result into what
the template and the inlined script need (it computes no metric). Corpus text reaches the page two ways,
both inert: through Jinja with autoescaping on, and inside ``<script type="application/json">`` blocks
where ``<``, ``>`` and ``&`` are written as ``\\u003c`` etc., so ``</script>`` in a document cannot end
the block. The script inserts text with ``textContent`` only.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, select_autoescape

from audit.result import AuditResult, MetricEntry
from reports.format import FAMILY_ORDER, FAMILY_TITLES, num, p_text, signed, support_text

MAX_ROWS = 20  # evidence tables and example lists are capped so the page stays readable at any scale
MAX_TEXT = 400
MAX_RAW = 20_000
VERDICT_LABEL = {"ok": "OK", "warn": "WARN", "fail": "FAIL", "info": "INFO", "insufficient": "INSUFFICIENT"}
VERDICT_ICON = {"ok": "✓", "warn": "▲", "fail": "✖", "info": "i", "insufficient": "–"}
BETTER_LABEL = {"higher": "↑ higher is better", "lower": "↓ lower is better",
                "closer": "≈ closer to real is better"}
TOPIC_STATUS_HELP = {
    "dropped": "in real, (almost) absent from synthetic", "starved": "much rarer in synthetic than in real",
    "ok": "similar share in both", "inflated": "much more common in synthetic than in real",
    "invented": "in synthetic, (almost) absent from real",
}
SECTIONS_SHOWN = {"map", "topics", "words", "properties", "boilerplate", "duplicate_clusters", "copied_pairs",
                  "dcr", "bias", "drift_examples", "diversity_clusters", "defects"}

# Where the evidence for a metric is shown (anchor ids in the template); a metric not listed links to its row.
EVIDENCE = [
    (re.compile(r"^boilerplate"), "ev-boilerplate"),
    (re.compile(r"^(exact|near|semantic)_duplicate"), "ev-dup-clusters"),
    (re.compile(r"^dcr_"), "ev-dcr"),
    (re.compile(r"copy"), "ev-copied-pairs"),
    (re.compile(r"^classifier"), "ev-classifier"),
    (re.compile(r"^(mmd|frechet|precision|recall|coverage|mode_coverage|cluster_js|knn)"), "ev-topics"),
    (re.compile(r"^(unigram|word|vocab)"), "ev-words"),
    (re.compile(r"^(representation|gender|stereotype|group_sentiment)"), "ev-representation"),
    (re.compile(r"^toxicity|^pii"), "ev-safety"),
    (re.compile(r"^mean_(words|chars)"), "ev-lengths"),
    (re.compile(r"^cluster_entropy|^vendi|^pairwise_similarity"), "ev-diversity-clusters"),
    (re.compile(r"^(repeated_(lines|paragraphs|ngrams)|end_loop|cut_ending|length_cap|refusal|chat_preamble|"
                r"template_leftover|mojibake|escape_artifact|replacement_char)_rate$|^(markdown_(header|list|bold)|"
                r"code_fence|emoji|url|mention|hashtag)_share$"), "ev-defects"),
]
SECTION_FOR_ANCHOR = {"ev-boilerplate": "boilerplate", "ev-dup-clusters": "duplicate_clusters", "ev-dcr": "dcr",
                      "ev-copied-pairs": "copied_pairs", "ev-classifier": "drift_examples", "ev-topics": "topics",
                      "ev-words": "words", "ev-representation": "bias", "ev-safety": "bias",
                      "ev-lengths": "properties", "ev-diversity-clusters": "diversity_clusters",
                      "ev-defects": "defects"}


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>``, ``&`` or line separators."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


@lru_cache(maxsize=None)
def _static(name: str) -> str:
    text = resources.files("reports").joinpath("static", name).read_text(encoding="utf-8")
    # the vendored bundle points at a source map; a page opened from disk must not ask for anything
    return re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.M)


class _SafeBytecodeCache(FileSystemBytecodeCache):
    """Jinja's on-disk cache of compiled templates that never changes a report or fails a render: an unreadable
    or damaged file is compiled again, a failed write (a full disk, a read-only folder) is skipped."""

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - a damaged file: compile as if there were none
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:  # the next render compiles again
            pass


def _bytecode_cache() -> _SafeBytecodeCache | None:
    """Jinja's compiled templates kept on disk (``<home>/jinja``, :func:`audit.home.home_dir`): compiling the
    report's templates costs every render ~0.2-0.4 s, a twentieth of a small audit. Jinja reuses a file only
    while the template's source and Python's version are unchanged, and writes it atomically. None where the
    folder cannot be made (then every render compiles, as before)."""
    from audit.home import home_dir

    folder = home_dir() / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _SafeBytecodeCache(str(folder))


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("reports", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      bytecode_cache=_bytecode_cache())
    env.filters.update(ratio=_ratio, num=_num, pval=p_text, signed=_signed, clip=clip, pct=pct, ci=fmt_ci)
    env.globals.update(VERDICT_LABEL=VERDICT_LABEL, VERDICT_ICON=VERDICT_ICON, BETTER_LABEL=BETTER_LABEL,
                       TOPIC_STATUS_HELP=TOPIC_STATUS_HELP, doc_text=doc_text, split_span=split_span,
                       MAX_ROWS=MAX_ROWS, FAMILY_TITLES=FAMILY_TITLES)
    return env


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _num(x: Any, digits: int = 3) -> str:
    if _is_number(x):
        return num(0 if isinstance(x, float) and abs(x) < 1e-12 else x, digits)  # float noise, e.g. 8.7e-19
    return "–" if x is None or not str(x) else str(x)


def _ratio(x: Any) -> str:
    if not _is_number(x):
        return "–"
    return f"{x:.1f}×" if x >= 0.95 else f"{x:.2f}×"


def _signed(x: Any) -> str:
    return signed(x) if _is_number(x) else "–"


def clip(text: Any, limit: int = MAX_TEXT) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pct(x: Any) -> str:
    if not _is_number(x):
        return "–"
    return f"{100 * x:.1f}%" if abs(x) >= 0.001 or x == 0 else f"{100 * x:.2f}%"


def fmt_ci(ci: Any) -> str:
    if isinstance(ci, (list, tuple)) and len(ci) == 2 and all(isinstance(v, (int, float)) for v in ci):
        return f"[{_num(ci[0])}, {_num(ci[1])}]"
    return ""


def doc_text(e: Any) -> str:
    if not isinstance(e, dict):
        return clip(e)
    return clip(e.get("text") if e.get("text") is not None else e.get("snippet", ""))


def split_span(text: Any, span: Any) -> tuple[str, str, str] | None:
    """``(before, shared, after)`` for a character span, or None when the span does not fit the text."""
    text = "" if text is None else str(text)
    if (isinstance(span, (list, tuple)) and len(span) == 2 and all(isinstance(v, int) for v in span)
            and 0 <= span[0] < span[1] <= len(text)):
        return text[: span[0]], text[span[0]: span[1]], text[span[1]:]
    return None


def evidence_anchor(name: str, sections: dict) -> str | None:
    for pattern, anchor in EVIDENCE:
        if pattern.search(name) and sections.get(SECTION_FOR_ANCHOR[anchor]):
            return anchor
    return None


def _row(m: MetricEntry, sections: dict) -> dict:
    details = m.details or {}
    scalars = {k: v for k, v in details.items() if isinstance(v, (str, int, float, bool)) and v is not None}
    raw = json.dumps(details, ensure_ascii=False, sort_keys=True, indent=1, default=str)
    return {
        "m": m, "anchor": f"m-{m.name}", "evidence": evidence_anchor(m.name, sections),
        "label": VERDICT_LABEL.get(m.verdict, m.verdict.upper()), "icon": VERDICT_ICON.get(m.verdict, "?"),
        "scalars": scalars, "raw": raw if len(raw) <= MAX_RAW else raw[:MAX_RAW] + "\n…",
        "ci_real": fmt_ci((m.ci or {}).get("real")), "ci_synth": fmt_ci((m.ci or {}).get("synth")),
        "ci_value": fmt_ci((m.ci or {}).get("value")), "support": support_text(m),
    }


def _families(result: AuditResult) -> list[dict]:
    scores = result.scores()
    groups: dict[str, list[MetricEntry]] = {f: [] for f in FAMILY_ORDER}
    for m in result.metrics:
        groups.setdefault(m.family or "other", []).append(m)
    out = []
    for fam, rows in groups.items():
        if fam not in FAMILY_ORDER and not rows:
            continue
        counts = {v: sum(1 for m in rows if m.verdict == v) for v in ("fail", "warn", "ok", "insufficient")}
        score = scores["families"].get(fam)
        out.append({"id": fam, "title": FAMILY_TITLES.get(fam, fam.replace("_", " ").capitalize()),
                    "rows": [_row(m, result.sections) for m in rows], "counts": counts, "score": score,
                    "all_ok": bool(rows) and counts["fail"] == 0 and counts["warn"] == 0})
    return out


def _map_data(sec: dict) -> dict | None:
    points = sec.get("points") or []
    if not points:
        return None
    out: dict[str, Any] = {}
    for corpus in ("real", "synth"):
        ps = [p for p in points if p.get("corpus") == corpus]
        out[corpus] = {"x": [p.get("x") for p in ps], "y": [p.get("y") for p in ps],
                       "cluster": [p.get("cluster") for p in ps], "id": [str(p.get("id")) for p in ps],
                       "text": [str(p.get("text") or "") for p in ps]}
    out["clusters"] = [{"id": c.get("id"), "keywords": list(c.get("keywords") or [])[:3],
                        "status": c.get("status") or "ok", "x": c.get("x"), "y": c.get("y"),
                        "real_share": c.get("real_share"), "synth_share": c.get("synth_share")}
                       for c in sec.get("clusters") or [] if c.get("x") is not None and c.get("y") is not None]
    return out


def _hist(h: Any, a: str, b: str) -> dict | None:
    if not isinstance(h, dict) or not isinstance(h.get("edges"), list) or not h.get(a) or not h.get(b):
        return None
    return {"edges": h["edges"], "a": h[a], "b": h[b], "clipped_above": h.get("clipped_above"),
            "last_bin_includes_above": h.get("last_bin_includes_above")}


def _chart_data(result: AuditResult) -> dict:
    s = result.sections
    data: dict[str, Any] = {}
    if isinstance(s.get("map"), dict):
        data["map"] = _map_data(s["map"])
    hists = ((s.get("properties") or {}).get("histograms") or {}) if isinstance(s.get("properties"), dict) else {}
    data["lengths"] = {k: _hist(hists.get(k), "real", "synth") for k in ("words", "chars") if _hist(hists.get(k), "real", "synth")}
    dcr = s.get("dcr") if isinstance(s.get("dcr"), dict) else None
    if dcr is None:  # older results: the histogram only in the metric's details
        for m in result.metrics:
            if m.name.startswith("dcr") and isinstance(m.details.get("histogram"), dict):
                dcr = {"histogram": m.details["histogram"], "threshold": m.details.get("threshold")}
    if dcr:
        h = _hist(dcr.get("histogram"), "holdout", "synth")
        if h:
            data["dcr"] = {**h, "threshold": dcr.get("threshold")}
    words = s.get("words") if isinstance(s.get("words"), dict) else {}
    bars = [{"word": w.get("word"), "z": w.get("z"), "real_per_1k": w.get("real_per_1k"),
             "synth_per_1k": w.get("synth_per_1k")}
            for w in (words.get("over") or [])[:15] + (words.get("under") or [])[:15] if isinstance(w, dict)]
    if bars:
        data["words"] = sorted(bars, key=lambda w: -(w["z"] or 0))
    rep = [g for g in (s.get("bias") or {}).get("representation") or [] if isinstance(g, dict)] \
        if isinstance(s.get("bias"), dict) else []
    rep = [g for g in rep if not g.get("insufficient") and ((g.get("real_per_1k") or 0) + (g.get("synth_per_1k") or 0)) > 0]
    if rep:
        import math

        def gap(g):
            r, q = g.get("real_per_1k") or 0, g.get("synth_per_1k") or 0
            return abs(math.log((q + 0.5) / (r + 0.5)))

        rep = sorted(rep, key=lambda g: (-gap(g), str(g.get("axis")), str(g.get("group"))))[:MAX_ROWS]
        data["representation"] = [{"label": f"{g.get('axis')}: {g.get('group')}", "real": g.get("real_per_1k"),
                                   "synth": g.get("synth_per_1k"), "ratio": g.get("ratio")} for g in rep]
    return {k: v for k, v in data.items() if v}


def _inputs(result: AuditResult) -> list[dict]:
    out = []
    for side, label in (("real", "Real"), ("synth", "Synthetic")):
        d = result.inputs.get(side)
        if not isinstance(d, dict):
            continue
        rejected = d.get("rejected") or {}
        out.append({"side": side, "label": label, "d": d, "sha": str(d.get("sha256") or "")[:12],
                    "rejected": sorted(rejected.items(), key=lambda kv: (-kv[1], kv[0])),
                    "n_rejected": sum(v for v in rejected.values() if isinstance(v, int)),
                    "examples": (d.get("rejected_examples") or [])[:MAX_ROWS]})
    return out


def _topic_rows(sec: Any) -> list[dict]:
    """Topics that moved first (largest share change), then the rest by size; share bars scaled to the max."""
    clusters = [c for c in (sec.get("clusters") or []) if isinstance(c, dict)] if isinstance(sec, dict) else []
    if not clusters:
        return []
    top = max(max(c.get("real_share") or 0, c.get("synth_share") or 0) for c in clusters) or 1.0

    def key(c):
        gap = abs((c.get("synth_share") or 0) - (c.get("real_share") or 0))
        return (c.get("status", "ok") == "ok", -gap, str(c.get("id")))

    rows = sorted(clusters, key=key)[: 2 * MAX_ROWS]
    return [{**c, "bar_real": round(100 * (c.get("real_share") or 0) / top, 1),
             "bar_synth": round(100 * (c.get("synth_share") or 0) / top, 1)} for c in rows]


# Plain words beside the acronyms a headline may carry (the metric's help text has the full story).
PLAIN = {
    "AUC": "how well a classifier tells synthetic from real; 0.5 = it cannot",
    "MMD": "distance between the two corpora's embedding distributions",
    "MAUVE": "overlap of the two corpora's distributions; 1 = the same",
    "MATTR": "vocabulary variety within each text",
    "DCR": "distance to the closest real record",
    "BLEU": "how much documents reuse each other's phrasing",
    "ROUGE": "how much wording documents share",
    "C_T": "are synthetic documents suspiciously close to real ones",
    "Fréchet": "distance between the two corpora's embedding distributions",
    "Vendi": "effective number of distinct documents",
    "Zipf": "how concentrated word use is on common words",
    "k-NN": "judged by each document's nearest neighbours",
    "MinHash": "near-identical wording",
    "Flesch": "reading ease",
}


def plain_words(title: str) -> str:
    """Plain words for the first acronym or named method in a metric title ('' when none)."""
    for key, words in PLAIN.items():
        if re.search(rf"(?<![A-Za-z]){re.escape(key)}", title):
            return words
    return ""


def _headline(result: AuditResult) -> list[dict]:
    out = []
    for f in result.findings()[:8]:
        row = _row(f.entry, result.sections)
        row["plain"] = plain_words(f.entry.title)
        row["explains"] = [{"title": x.title, "anchor": f"m-{x.name}", "verdict": x.verdict} for x in f.explains]
        out.append(row)
    return out


def dup_clusters(sec: Any, limit: int = 10) -> list[dict]:
    """Duplicate clusters for the page: a cluster found by several methods (exact, near, semantic) shown
    once with all of them named, and identical member texts shown once with a count."""
    if not isinstance(sec, dict):
        return []
    seen: dict[tuple, dict] = {}
    for kind, sides in sorted(sec.items()):
        if not isinstance(sides, dict):
            continue
        for side in ("real", "synth"):
            for g in (sides.get(side) or [])[:limit]:
                if not isinstance(g, dict):
                    continue
                members = [m for m in (g.get("members") or []) if isinstance(m, dict)] or (
                    [g] if g.get("text") is not None else [])
                size = g.get("size") or g.get("count") or len(members)
                # the same documents found by several methods show the same texts: one cluster
                key = (side, tuple(sorted({doc_text(m) for m in members})))
                old = seen.get(key)
                if old is not None:
                    old["kinds"].append(kind)
                    old["size"] = max(old["size"] or 0, size or 0)
                    if len(members) <= old["shown"]:
                        continue
                texts: dict[str, dict] = {}
                for m in members:
                    t = doc_text(m)
                    if t in texts:
                        texts[t]["count"] += 1
                    else:
                        texts[t] = {**m, "count": 1}
                sims = [p.get("similarity") for p in g.get("pairs") or [] if isinstance(p, dict)]
                new = {"examples": list(texts.values())[:3], "distinct_texts": len(texts), "shown": len(members),
                       "similarity": max(sims) if sims else None}
                if old is not None:
                    old.update({k: v for k, v in new.items() if v is not None})
                else:
                    seen[key] = {"side": side, "kinds": [kind], "size": size, **new}
    return sorted(seen.values(), key=lambda c: (c["side"] != "synth", -(c["size"] or 0)))


def render_html(result: AuditResult) -> str:
    """The report as one HTML document: no external resource; same result -> same bytes."""
    s = result.sections
    counts = {v: sum(1 for m in result.metrics if m.verdict == v) for v in ("fail", "warn", "ok", "info", "insufficient")}
    other_sections = {k: json.dumps(v, ensure_ascii=False, sort_keys=True, indent=1, default=str)[:MAX_RAW]
                      for k, v in sorted(s.items()) if k not in SECTIONS_SHOWN}
    charts = _chart_data(result)
    template = _environment().get_template("report.html.j2")
    return template.render(
        r=result, verdict=result.verdict, counts=counts, headline=_headline(result), families=_families(result),
        banner=result.banner(), score=result.scores(), dup_clusters=dup_clusters(s.get("duplicate_clusters")),
        inputs=_inputs(result), settings=result.settings or {}, gate=result.gate, s=s, charts=charts,
        map_info=s.get("map") if isinstance(s.get("map"), dict) else None,
        other_sections=other_sections, topic_rows=_topic_rows(s.get("topics")), data_json=script_json(charts),
        chart_js=_static("chart.umd.min.js"), report_js=_static("report.js"), report_css=_static("report.css"),
    )
