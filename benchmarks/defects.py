"""Defects benchmark, run on demand: `python benchmarks/defects.py` -> benchmarks/defects_results.md.

1. Speed of the whole-corpus defect stream (every detector on every document) against the peer tool,
   datatrove's GopherRepetitionFilter (its repetition rules only; given the same word splitter, since its
   English tokenizer needs spaCy), side by side on the same texts in one run, with the load average.
2. What the defects family flags on every shared corpus pair (../shared/corpora): real vs synthetic shares
   of each defect, verdicts, over every document.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("CORPUS_AUDIT_CORPORA", ROOT.parent / "shared" / "corpora"))
OUT = ROOT / "benchmarks" / "defects_results.md"


def texts(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def speed(sample: list[str]) -> dict:
    from audit.documents import Document
    from metrics.defect_stats import DefectCounts
    from metrics.defects import gopher_repetition

    docs = [Document(id=str(i), text=t) for i, t in enumerate(sample)]
    out = {"docs": len(docs), "mb": sum(len(t.encode()) for t in sample) / 1e6, "load_before": os.getloadavg()[0]}
    acc = DefectCounts()
    t = time.perf_counter()
    for d in docs:
        acc.add(d)
    out["defects_s"] = time.perf_counter() - t
    t = time.perf_counter()
    for s in sample:
        gopher_repetition(s)
    out["our_gopher_s"] = time.perf_counter() - t
    try:
        from datatrove.data import Document as DTDoc
        from datatrove.pipeline.filters.gopher_repetition_filter import GopherRepetitionFilter

        from tests.test_defects import TOK  # datatrove's tokenizer interface around our word splitter

        f = GopherRepetitionFilter(language=TOK)
        dts = [DTDoc(text=s, id=str(i)) for i, s in enumerate(sample)]
        t = time.perf_counter()
        for d in dts:
            f.filter(d)
        out["datatrove_gopher_s"] = time.perf_counter() - t
    except ImportError:
        out["datatrove_gopher_s"] = None
    out["load_after"] = os.getloadavg()[0]
    return out


def pairs() -> list[tuple[str, Path, Path]]:
    out = [("clickbait: news vs clickbait", CORPORA / "clickbait/news.jsonl", CORPORA / "clickbait/clickbait.jsonl")]
    for d in sorted((CORPORA / "fastdetect").iterdir()):
        out.append((f"fastdetect/{d.name}", d / "real.jsonl", d / "synth.jsonl"))
    return out


def flags(real: list[str], synth: list[str]) -> list:
    import numpy as np

    from audit.context import build_context
    from audit.documents import Document
    from audit.families.defects import run

    r = [Document(id=str(i), text=t) for i, t in enumerate(real)]
    s = [Document(id=str(i), text=t) for i, t in enumerate(synth)]
    ctx = build_context(r, s, np.zeros((len(r), 2)), np.zeros((len(s), 2)))
    return run(ctx).entries


def main() -> None:
    lines = ["# Defects: speed and what the family flags on the shared corpora", "",
             f"Run with `python benchmarks/defects.py` on {os.cpu_count()} cores shared with other work; the "
             "1-minute load average is shown beside every timing (the machine was busy: read the times as upper "
             "bounds).", ""]
    news = texts(CORPORA / "clickbait/news.jsonl")
    stories = texts(CORPORA / "fastdetect/writing_gpt-4/real.jsonl") + texts(CORPORA / "fastdetect/xsum_gpt-4/synth.jsonl")
    lines += ["## Speed (one process, every detector on every document)", "",
              "| texts | docs | MB | defects stream (all detectors) | our Gopher measures | datatrove GopherRepetitionFilter | load before / after |",
              "|---|---|---|---|---|---|---|"]
    for label, sample in (("clickbait headlines", news), ("stories + news (fastdetect)", stories)):
        m = speed(sample)
        dt = "n/a" if m["datatrove_gopher_s"] is None else f"{m['datatrove_gopher_s']:.2f} s ({m['docs'] / m['datatrove_gopher_s']:,.0f} docs/s)"
        lines.append(f"| {label} | {m['docs']:,} | {m['mb']:.2f} | {m['defects_s']:.2f} s ({m['docs'] / m['defects_s']:,.0f} docs/s) | "
                     f"{m['our_gopher_s']:.2f} s | {dt} | {m['load_before']:.1f} / {m['load_after']:.1f} |")
    lines += ["", "datatrove's filter stops at the first rule a document breaks; ours computes every measure of every "
              "document (the report counts each rule), and skips the 5..10-gram counts when no 5-gram repeats.", "",
              "## What the defects family flags on the shared pairs (every document)", ""]
    for label, rp, sp in pairs():
        entries = flags(texts(rp), texts(sp))
        flagged = [e for e in entries if e.verdict in ("warn", "fail")]
        lines.append(f"### {label}")
        lines.append("")
        if not flagged:
            lines.append("Nothing flagged.")
        for e in flagged:
            lines.append(f"- **{e.verdict.upper()} {e.title}**: {e.reason}")
        notable = [e for e in entries if e.verdict == "ok" and ((e.real or 0) >= 0.05 or (e.synth or 0) >= 0.05)]
        if notable:
            lines.append("- not flagged but common: " + "; ".join(
                f"{e.title} real {100 * e.real:.0f}% / synthetic {100 * e.synth:.0f}%" for e in notable))
        lines.append("")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(OUT.read_text())


if __name__ == "__main__":
    main()
