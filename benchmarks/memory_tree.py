"""Peak summed resident memory of an audit and every process it starts (run on demand, not a test).

    python benchmarks/memory_tree.py                       # the 16k clickbait pair, default sample and every document
    python benchmarks/memory_tree.py --code /tmp/base      # also another checkout, interleaved
    python benchmarks/memory_tree.py --small --repeat 3    # 100 + 100 (the families' forked copy)

The audit's worker processes (the reading pool, the families' worker, the map's worker) are children of a fork
server, not of the audit, so their memory is not in the audit's own peak. Here the resident memory (VmRSS) of the
whole process tree is summed every 0.2 s and the largest sum kept. Pages a fork server's children share are
counted in each of them, so the figure is an upper bound. Beside it, the summed proportional set size (Pss, from
/proc/PID/smaps_rollup: a page shared by k processes counts 1/k in each), which does not count shared pages
twice: the map's process forked from the families' worker shares most of that worker's pages.
Results go to benchmarks/memory_tree_results.md.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
if not CORPORA.exists():  # a worktree under /work/wt/NAME
    CORPORA = ROOT.parents[1] / "shared" / "corpora"


def tree_rss_mib(root: int) -> tuple[float, float]:
    """Summed VmRSS and summed Pss of ``root`` and its live descendants, in MiB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:  # gone meanwhile
            continue
        children.setdefault(parent, []).append(int(name))
    total, pss, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
                total += sum(int(ln.split()[1]) for ln in f if ln.startswith("VmRSS:"))
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as f:
                pss += sum(int(ln.split()[1]) for ln in f if ln.startswith("Pss:"))
        except OSError:
            pass
    return total / 1024, pss / 1024


def peak_tree_rss(cmd: list[str], cwd: str, env: dict) -> tuple[float, float, int, float]:
    """(peak summed RSS in MiB, peak summed Pss in MiB, exit code, wall seconds) of ``cmd``."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    peak = peak_pss = 0.0
    while proc.poll() is None:
        rss, pss = tree_rss_mib(proc.pid)
        peak, peak_pss = max(peak, rss), max(peak_pss, pss)
        time.sleep(0.2)
    return peak, peak_pss, proc.returncode, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--code", action="append", default=[], metavar="DIR", help="another checkout, interleaved")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "memory_tree_results.md"))
    ap.add_argument("--small", action="store_true", help="100 + 100 documents (sample_data's first 100 of each "
                                                           "file: diversity and bias in a forked copy) instead")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    cb = CORPORA / "clickbait"
    codes = {"this checkout": str(ROOT), **{f"other: {c}": str(Path(c).resolve()) for c in args.code}}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        pair = (str(cb / "news.jsonl"), str(cb / "clickbait.jsonl"))
        if args.small:
            for side in ("real", "synth"):
                lines = (ROOT / "sample_data" / f"{side}.jsonl").read_text(encoding="utf-8").splitlines()[:100]
                Path(tmp, f"{side}100.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
            pair = (f"{tmp}/real100.jsonl", f"{tmp}/synth100.jsonl")
        for extra in ([[]] if args.small else [[], ["--sample-size", "20000"]]) * args.repeat:
            for label, code in codes.items():
                cmd = [sys.executable, "-m", "audit.cli", "compare", *pair,
                       *extra, "--quiet", "--force", "--no-cache", "--json", f"{tmp}/r.json", "--html", f"{tmp}/r.html"]
                load = round(os.getloadavg()[0], 2)
                peak, pss, rc, wall = peak_tree_rss(cmd, code, {**os.environ, "PYTHONPATH": code})
                rows.append(f"| {' '.join(extra) or 'default sample'} | {label} | {peak:.0f} | {pss:.0f} | {wall:.1f} | "
                            f"{rc} | {load} |")
                print(rows[-1], flush=True)
    text = "\n".join([
        "# Peak summed resident memory of the audit's process tree", "",
        f"Started {time.strftime('%Y-%m-%d %H:%M:%S')}; `python benchmarks/memory_tree.py "
        f"{' '.join(sys.argv[1:])}`; {'100 + 100 documents' if args.small else 'the 16k+16k clickbait pair'}, "
        "JSON + HTML written.",
        "Shared pages of the fork server's children are counted in each process: an upper bound.", "",
        "| sample | code | peak MiB (RSS summed over processes) | peak MiB (Pss summed) | wall s | exit | load before |",
        "|---|---|---|---|---|---|---|",
        *rows, ""])
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
