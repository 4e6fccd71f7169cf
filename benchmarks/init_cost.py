"""What `audit init` costs beside one `audit compare` of the same corpus (run on demand, not a test).

    python benchmarks/init_cost.py                          # sample_data: init on real vs compare real/synth
    python benchmarks/init_cost.py --code /tmp/base --repeat 2

Each command is a fresh process with a fresh embedding cache (``--cache-dir`` in a temporary folder), timed
with ``os.wait4``: wall time, CPU time (user + system) and peak resident memory of that process alone.
Checkouts given with ``--code`` run interleaved with this one, command by command, so that all see the same
machine; the 1-minute load average is recorded before and after every run (these machines are shared).
Results go to benchmarks/init_results.md (and .json).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, argv: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=code)
    load = round(os.getloadavg()[0], 2)
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "audit.cli", *argv], cwd=code, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        raise SystemExit(f"{argv[0]} failed ({rc}) in {code}: {err[-2000:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(ru.ru_utime + ru.ru_stime, 2),
            "peak_rss_mib": round(ru.ru_maxrss / 1024), "load_before": load,
            "load_after": round(os.getloadavg()[0], 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", default=str(ROOT / "sample_data" / "real.jsonl"))
    ap.add_argument("--synth", default=str(ROOT / "sample_data" / "synth.jsonl"))
    ap.add_argument("--code", action="append", default=[], metavar="DIR", help="another checkout to time beside this one")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "init_results"))
    args = ap.parse_args()
    codes = {"this checkout": str(ROOT), **{f"other: {c}": str(Path(c).resolve()) for c in args.code}}
    results = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "argv": sys.argv[1:], "cores": os.cpu_count(),
               "real": args.real, "synth": args.synth, "runs": []}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        n = 0
        for rep in range(args.repeat):
            for label, code in codes.items():
                for command in ("compare", "init"):
                    n += 1
                    d = tmp / f"run{n}"
                    d.mkdir()
                    common = ["--quiet", "--cache-dir", str(d / "cache")]
                    argv = (["compare", args.real, args.synth, *common, "--json", str(d / "r.json"), "--html",
                             str(d / "r.html")] if command == "compare"
                            else ["init", args.real, *common, "--output", str(d / "audit.toml")])
                    r = _run(code, argv)
                    r.update(code=label, command=command, repeat=rep)
                    results["runs"].append(r)
                    _write(args.out, results)
                    print(f"{label:28} {command:8} wall {r['wall_s']:7.2f} s  CPU {r['cpu_s']:6.2f} s  "
                          f"{r['peak_rss_mib']:5} MiB  load {r['load_before']}", flush=True)
    print(_write(args.out, results))


def _write(out: str, results: dict) -> str:
    """Both result files (after every run: an interrupted benchmark keeps its figures); the Markdown."""
    text = _markdown(results)
    for suffix, content in ((".json", json.dumps(results, indent=2) + "\n"), (".md", text)):
        Path(out + suffix).write_text(content)
    return text


def _markdown(results: dict) -> str:
    lines = ["# `audit init` beside `audit compare`", "",
             f"Started {results['started']}; {results['cores']} cores; `python benchmarks/init_cost.py "
             f"{' '.join(results['argv'])}`.", f"init on {results['real']}; compare {results['real']} vs "
             f"{results['synth']}. Load = 1-minute load average before / after.", "",
             "| code | run | command | wall s | CPU s | peak MiB | load |", "|---|---|---|---|---|---|---|"]
    for r in results["runs"]:
        lines.append(f"| {r['code']} | {r['repeat'] + 1} | {r['command']} | {r['wall_s']} | {r['cpu_s']} | "
                     f"{r['peak_rss_mib']} | {r['load_before']} / {r['load_after']} |")
    lines += ["", "| code | run | init / compare, CPU | init / compare, wall |", "|---|---|---|---|"]
    for code in dict.fromkeys(r["code"] for r in results["runs"]):
        for rep in sorted({r["repeat"] for r in results["runs"]}):
            got = {r["command"]: r for r in results["runs"] if r["code"] == code and r["repeat"] == rep}
            if {"init", "compare"} <= set(got):
                i, c = got["init"], got["compare"]
                lines.append(f"| {code} | {rep + 1} | {i['cpu_s'] / c['cpu_s']:.2f} | {i['wall_s'] / c['wall_s']:.2f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
