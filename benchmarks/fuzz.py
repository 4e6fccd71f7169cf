"""The long fuzzing run (issue 17), on demand; results go to benchmarks/fuzz_results.md and .json.

Two parts:

1. the in-process properties of ``tests/test_fuzz.py`` (readers, result loader, renderers, terminal
   cleaning) with a large budget (``--examples``, default 2,000 per property) and random exploration
   (``FUZZ_RANDOM=1``: a new search each run, unlike the derandomised ``make test`` budget);
2. whole-CLI runs (``--cli``, default 40): malformed corpora built from sample_data with hostile lines
   (surrogate escapes, huge numbers, deep nesting, escape sequences in keys, zero-width texts, dict roles,
   over-long lines) and hostile file names, each through ``python -m audit.cli compare`` in its own
   process. A run passes when its exit code is 0, 1 or 2, stderr holds no traceback, and no raw ESC
   byte reaches stdout or stderr.

    python benchmarks/fuzz.py [--examples 2000] [--cli 40] [--seed 0]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = [
    '{"text": "x \\ud800 y"}', '{"id": "\\udfff", "text": "t"}', '{"text": "x", "n": ' + "9" * 5000 + "}",
    "[" * 5000 + "]" * 5000, '{"\\u001b[2J\\u001b[31mEVIL": "x"}', '{"text": "\\u200b\\u200d"}',
    '{"messages": [{"role": {"x": 1}, "content": "hi"}]}', '{"text": ' + json.dumps("y" * 300_000) + "}",
    '{"text": "[/x] [bold]markup[/bold]"}', "\x00\x01\x02", "not json at all", '{"text": 7}', "[1, 2]",
    '{"text": "\\u001b]0;title\\u0007 osc"}', '{"text": "\\u202e reversed"}',
]
NAMES = ["plain", "a[", "x]b[/x]", "esc\x1b[2J", "sp ace", "uni\u202ecode", "dash-", "[bold]b[/bold]"]


def _uptime() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def run_properties(examples: int) -> dict:
    env = dict(os.environ, FUZZ_EXAMPLES=str(examples), FUZZ_RANDOM="1", PYTHONPATH=str(ROOT))
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_fuzz.py"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-300:]
    return {"examples_per_property": examples, "returncode": proc.returncode, "summary": tail,
            "seconds": round(time.perf_counter() - t, 1),
            "failures": proc.stdout[-4000:] if proc.returncode else ""}


def run_cli(n: int, seed: int) -> dict:
    rng = random.Random(seed)
    real = (ROOT / "sample_data" / "real.jsonl").read_text().splitlines()[:40]
    synth = (ROOT / "sample_data" / "synth.jsonl").read_text().splitlines()[:40]
    outcomes, bad = {}, []
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            d = Path(tmp) / f"run{i}"
            d.mkdir()
            name = rng.choice(NAMES).replace("/", "_")
            sub = d / "a["
            sub.mkdir()
            lines = list(real)
            for _ in range(rng.randint(1, 6)):
                lines.insert(rng.randrange(len(lines) + 1), rng.choice(HOSTILE))
            rp = sub / f"{name}.jsonl"
            rp.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
            sp = d / "synth.jsonl"
            sp.write_text("\n".join(synth[: rng.choice([1, 2, 25, 40])]) + "\n")
            argv = [sys.executable, "-m", "audit.cli", "compare", str(rp), str(sp), "--embedder", "hash",
                    "--no-map", "--no-cache", "--families", rng.choice(["properties", "diversity", "duplication"]),
                    "--json", str(d / "o.json")]
            if rng.random() < 0.3:
                argv.append("--strict")
            if rng.random() < 0.3:
                argv += ["--html", str(d / rng.choice(["o.json", "o.html"]))]
            if rng.random() < 0.2:
                argv += ["--seed", str(rng.choice([0, -1, 2**64, 4294967295]))]
            proc = subprocess.run(argv, cwd=ROOT, capture_output=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
            code = proc.returncode
            outcomes[code] = outcomes.get(code, 0) + 1
            esc = b"\x1b" in proc.stdout + proc.stderr
            if code not in (0, 1, 2) or b"Traceback" in proc.stderr or esc:
                bad.append({"run": i, "exit": code, "raw_esc": esc,
                            "stderr": proc.stderr[-500:].decode(errors="replace")})
    return {"runs": n, "exit_codes": {str(k): v for k, v in sorted(outcomes.items())}, "failures": bad,
            "seconds": round(time.perf_counter() - t, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--cli", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    load_before = _uptime()
    props = run_properties(args.examples)
    cli = run_cli(args.cli, args.seed) if args.cli else None
    out = {"date": time.strftime("%Y-%m-%d %H:%M"), "load_average_before": load_before,
           "load_average_after": _uptime(), "properties": props, "cli": cli}
    (ROOT / "benchmarks" / "fuzz_results.json").write_text(json.dumps(out, indent=2) + "\n")
    md = [f"# Fuzzing run ({out['date']}, load average {load_before} -> {out['load_average_after']})", "",
          f"In-process properties (tests/test_fuzz.py, {args.examples} random examples each): "
          f"`{props['summary']}` in {props['seconds']} s.", ""]
    if cli:
        md += [f"Whole-CLI runs on hostile corpora and file names: {cli['runs']} runs in {cli['seconds']} s, "
               f"exit codes {cli['exit_codes']}, failures (exit 3, traceback or raw ESC): {len(cli['failures'])}.",
               ""]
        for f in cli["failures"][:10]:
            md.append(f"- run {f['run']}: exit {f['exit']}, raw ESC {f['raw_esc']}: `{f['stderr'][-200:]}`")
    (ROOT / "benchmarks" / "fuzz_results.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0 if props["returncode"] == 0 and not (cli and cli["failures"]) else 1


if __name__ == "__main__":
    sys.exit(main())
