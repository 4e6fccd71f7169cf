"""Speed and memory benchmarks, run on demand (`make bench`); results go to benchmarks/results.md/json.

What is measured, on ../shared/corpora (real text nobody here wrote):
* embedding throughput of each backend (documents / second) on clickbait headlines;
* the whole `audit compare` on the 16k + 16k headline pair (what Evidently took 103 s / 5.3 GB on),
  wall time and peak resident memory of the process, cold (no embedding cache) and warm;
* `audit compare` on sample_data (the demo).
Each run is a subprocess so its peak RSS is its own.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPORA = ROOT.parent / "shared" / "corpora"
BIN = Path(sys.executable).parent


def run_cli(args: list[str], env=None) -> dict:
    """Run `audit ARGS` in a fresh process; report its wall time and its own peak resident memory."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode\n"
        "print(rc, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe, str(BIN / "audit"), *args], capture_output=True, text=True,
                          env=env)
    rc, wall, peak_kib = proc.stdout.split()
    if int(rc) not in (0, 1):
        raise SystemExit(f"audit {' '.join(args[:3])} failed ({rc})")
    return {"wall_s": round(float(wall), 1), "peak_rss_mib": round(int(peak_kib) / 1024)}


def embed_throughput(name: str, texts: list[str]) -> dict:
    code = (
        "import sys, json, time\n"
        "from audit.embed import get_embedder\n"
        f"e = get_embedder({name!r})\n"
        "texts = json.load(sys.stdin)\n"
        "e.encode(texts[:64])\n"
        "t = time.perf_counter(); e.encode(texts); dt = time.perf_counter() - t\n"
        "print(json.dumps({'docs': len(texts), 'seconds': round(dt, 2), 'docs_per_s': round(len(texts) / dt)}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def stats_bytes_per_doc(n: int = 100_000) -> dict:
    """Memory the whole-stream statistics hold per distinct document (tracemalloc, streamed docs)."""
    import random
    import tracemalloc

    from audit.context import CorpusStats
    from audit.documents import Document

    words = "the of and to in a is that for it as was with be by on not he this are or his from at".split()
    rng = random.Random(0)
    tracemalloc.start()
    stats = CorpusStats()
    for i in range(n):  # ~230-character documents, all distinct, dropped after each add as in a stream
        stats.add(Document(id=str(i), text=" ".join(rng.choice(words) for _ in range(60)), source="f", line=i))
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"docs": n, "bytes_per_distinct_doc": round(current / n)}


def homogenization_150() -> dict:
    """Mean pairwise ROUGE-L over all pairs of 150 full-length news articles (the `diversity` package
    took about 3 minutes for this on our machines)."""
    import time

    from metrics.diversity_homogenization import homogenization_rate

    texts = [json.loads(l)["text"] for l in (CORPORA / "fastdetect/xsum_gpt-4/real.jsonl").open()]
    t = time.perf_counter()
    r = homogenization_rate(texts, sample_size=None, max_tokens=100_000)
    return {"docs": len(texts), "pairs": len(texts) * (len(texts) - 1) // 2, "value": round(r.value, 4),
            "seconds": round(time.perf_counter() - t, 3)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the 16k+16k run")
    args = ap.parse_args()
    news = CORPORA / "clickbait" / "news.jsonl"
    click = CORPORA / "clickbait" / "clickbait.jsonl"
    heads = [json.loads(l)["text"] for l in news.open()][:4000]
    results: dict = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform()}}
    results["corpus_stats_memory"] = stats_bytes_per_doc()
    results["homogenization_150_articles"] = homogenization_150()
    results["embed_static"] = embed_throughput("static", heads)
    results["embed_minilm"] = embed_throughput("minilm", heads[:1000])
    with tempfile.TemporaryDirectory() as tmp:
        cache = ["--cache-dir", str(Path(tmp) / "cache")]
        results["demo_cold"] = run_cli(["compare", str(ROOT / "sample_data/real.jsonl"),
                                        str(ROOT / "sample_data/synth.jsonl"), "--quiet", "--force",
                                        "--json", str(Path(tmp) / "demo.json"),
                                        "--html", str(Path(tmp) / "demo.html"), *cache])
        if not args.quick:
            base = ["compare", str(news), str(click), "--sample-size", "20000", "--quiet", "--force",
                    "--json", str(Path(tmp) / "cb.json"), "--html", str(Path(tmp) / "cb.html"), *cache]
            results["clickbait_16k_cold"] = run_cli(base)
            results["clickbait_16k_warm"] = run_cli(base)
            results["clickbait_html_bytes"] = (Path(tmp) / "cb.html").stat().st_size
            results["clickbait_json_bytes"] = (Path(tmp) / "cb.json").stat().st_size
    out = ROOT / "benchmarks" / "results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    lines = ["# Benchmark results", "", f"Machine: {results['machine']}", "",
             "| benchmark | result |", "|---|---|"]
    for k, v in results.items():
        if k != "machine":
            lines.append(f"| {k} | {v} |")
    lines += ["", "Peak RSS is the audit process's own largest resident set (getrusage of a fresh child), in MiB.",
              "Reference point (same corpora, same machine type): Evidently took 103 s and 5.3 GB on the 16k+16k pair."]
    (ROOT / "benchmarks" / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
