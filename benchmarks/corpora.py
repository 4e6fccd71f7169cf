"""Run `audit compare` on every shared corpus pair and tabulate what it flags (for the issue notes).

    python benchmarks/corpora.py [--embedder static] [--out benchmarks/corpora_results.md]

Pairs: ../shared/corpora/fastdetect/*/ (human vs davinci / gpt-3.5-turbo / gpt-4, 150 + 150 each) and
clickbait (16k real news headlines vs 16k clickbait headlines, a drift case with no machine text).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
KEY = ["self_bleu_rate", "homogenization_rate", "self_repetition_rate", "distinct_2_score", "vendi_score",
       "ngram_copy_rate", "classifier_auc_drift", "mauve_score", "mmd_drift", "coverage_score", "unigram_jsd_drift",
       "representation_drift", "mean_words"]


def pairs():
    for d in sorted((CORPORA / "fastdetect").iterdir()):
        yield d.name, d / "real.jsonl", d / "synth.jsonl"
    yield "clickbait", CORPORA / "clickbait" / "news.jsonl", CORPORA / "clickbait" / "clickbait.jsonl"


def cell(m: dict) -> str:
    if m["kind"] == "pairwise":
        v = f"{m['value']:.3g}" if m["value"] is not None else "–"
        f = f" (floor {m['noise_floor']:.3g})" if m.get("noise_floor") is not None else ""
        s = v + f
    else:
        r = "–" if m["real"] is None else f"{m['real']:.3g}"
        y = "–" if m["synth"] is None else f"{m['synth']:.3g}"
        s = f"{r}→{y}"
    return s + ("" if m["verdict"] in ("ok", "info") else f" **{m['verdict']}**")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedder", default="static")
    ap.add_argument("--sample-size", default="5000")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "corpora_results.md"))
    args = ap.parse_args()
    rows, details = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, real, synth in pairs():
            out = Path(tmp) / f"{name}.json"
            t = time.perf_counter()
            proc = subprocess.run([str(Path(sys.executable).parent / "audit"), "compare", str(real), str(synth),
                                   "--embedder", args.embedder, "--sample-size", args.sample_size, "--no-map",
                                   "--quiet", "--json", str(out)], capture_output=True, text=True)
            wall = time.perf_counter() - t
            if proc.returncode not in (0, 1):
                print(name, "failed:", proc.stderr.strip(), file=sys.stderr)
                continue
            res = json.loads(out.read_text())
            by = {m["name"]: m for m in res["metrics"]}
            flagged = [f"{m['name']} ({m['verdict']})" for m in res["metrics"] if m["verdict"] in ("warn", "fail")]
            rows.append((name, res["summary"]["verdict"], wall, by, flagged))
            details[name] = {"verdict": res["summary"]["verdict"], "flagged": flagged,
                             "sections_topics": (res["sections"].get("topics") or {}).get("clusters", [])[:0]}
            print(f"{name}: {res['summary']['verdict']} in {wall:.0f}s; flagged {len(flagged)}", file=sys.stderr)
    lines = [f"# What the audit finds on the shared corpora (embedder `{args.embedder}`)", "",
             "Per-corpus cells: real→synthetic; pairwise cells: value (real-vs-real floor). Bold = verdict.", "",
             "| pair | verdict | time | " + " | ".join(KEY) + " |", "|" + "---|" * (len(KEY) + 3)]
    for name, verdict, wall, by, _ in rows:
        lines.append(f"| {name} | {verdict} | {wall:.0f}s | " + " | ".join(cell(by[k]) if k in by else "–" for k in KEY) + " |")
    lines += ["", "## Everything flagged", ""]
    for name, _, _, _, flagged in rows:
        lines.append(f"- **{name}**: " + (", ".join(flagged) or "nothing"))
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
