"""The Dask engine against the local one on the same sharded corpora, side by side in one run.

    python benchmarks/dask_engine.py [--docs 100000] [--shards 32] [--out benchmarks/dask_results.md]

Builds a real and a synthetic corpus of ``--docs`` documents each, cut into ``--shards`` JSONL shards, from
../shared/corpora/clickbait by recombining real headlines into new "documents" (real from news, synthetic
from clickbait: 3 headlines a document, seeded). Then runs ``audit compare`` with ``--engine local`` and
``--engine dask`` (a LocalCluster of this machine, one single-threaded worker process per core), each in
its own process, and records wall and CPU time, the client's peak RSS, the workers' peak RSS, and whether
the two JSON results are identical (timings aside). The load average is recorded beside every figure:
this machine is shared.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLICKBAIT = ROOT.parent / "shared" / "corpora" / "clickbait"


def build(folder: Path, source: Path, n_docs: int, n_shards: int, seed: int) -> Path:
    heads = [json.loads(x)["text"] for x in source.read_text().splitlines()]
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    per = -(-n_docs // n_shards)
    i = 0
    for s in range(n_shards):
        with open(folder / f"part-{s:03d}.jsonl", "w") as f:
            for _ in range(min(per, n_docs - i)):
                f.write(json.dumps({"id": f"d{i}", "text": " ".join(rng.sample(heads, 3))}) + "\n")
                i += 1
    return folder


def run(engine: str, real: Path, synth: Path, out: Path) -> dict:
    code = (
        "import json, resource, sys, time\n"
        "from audit.cli import main\n"
        "t0, c0 = time.perf_counter(), time.process_time()\n"
        f"rc = main(['compare', {str(real)!r}, {str(synth)!r}, '--engine', {engine!r}, '--embedder', 'static',"
        f" '--no-map', '--no-config', '-q', '--json', {str(out)!r}])\n"
        "print(json.dumps({'rc': rc, 'wall_s': time.perf_counter() - t0, 'client_cpu_s': time.process_time() - c0,"
        " 'client_peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
        " 'children_peak_rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
    )
    load = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)})
    if proc.returncode != 0:
        raise SystemExit(f"{engine}: failed\n{proc.stderr[-3000:]}")
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    stats["load_1min_before"] = round(load, 2)
    return stats


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--shards", type=int, default=32)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "dask_results.md"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        real = build(tmp / "real", CLICKBAIT / "news.jsonl", args.docs, args.shards, 1)
        synth = build(tmp / "synth", CLICKBAIT / "clickbait.jsonl", args.docs, args.shards, 2)
        size_mb = sum(p.stat().st_size for p in [*real.iterdir(), *synth.iterdir()]) / 2**20
        results = {e: run(e, real, synth, tmp / f"{e}.json") for e in ("local", "dask")}
        same = (tmp / "local.json").read_text() == (tmp / "dask.json").read_text()
    lines = [
        "# Dask engine vs local engine",
        "",
        f"{args.docs:,} + {args.docs:,} documents (3 clickbait-corpus headlines each), {args.shards} JSONL shards a "
        f"side, {size_mb:.0f} MB in all; static embedder, no map. `python benchmarks/dask_engine.py "
        f"--docs {args.docs} --shards {args.shards}`. This machine: {os.cpu_count()} cores, shared (load before "
        "each run shown).",
        "",
        "| engine | wall s | client CPU s | client peak RSS MB | children peak RSS MB | load before |",
        "|---|---|---|---|---|---|",
    ]
    for e, r in results.items():
        lines.append(f"| {e} | {r['wall_s']:.1f} | {r['client_cpu_s']:.1f} | {r['client_peak_rss_mb']:.0f} | "
                     f"{r['children_peak_rss_mb']:.0f} | {r['load_1min_before']} |")
    lines += ["", f"Identical JSON: **{same}**.", ""]
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
