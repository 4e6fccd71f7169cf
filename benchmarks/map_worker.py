"""The CPU of the map's process: a new worker from the fork server, or a process forked from the warmed
families' worker (run on demand, not a test).

    python benchmarks/map_worker.py --repeat 5

From 2,000 map points (the 16k pair's default sample lays out 1,500 + 1,500) the audit projects the map in
another process while the families run. Session 6 started a new worker from the reading pool's fork server:
it imports scikit-learn, numba and umap-learn before laying out anything. Since session 7 the families'
worker imports umap-learn while the parent embeds (``family_worker.warm(with_map=True)``) and the map's
process is forked from it (``audit.projection.fork_projection``), so it only lays out.

Both ways lay out the same 3,000 points (seeded, clustered, 256 dimensions), in turn, ``--repeat`` times:
- ``new worker``: the worker's CPU for the whole task (import + layout), read from ``/proc`` before its pool
  shuts down;
- ``forked``: the forked process's CPU (the families' worker reaps it, so it is that worker's ``cutime +
  cstime``), plus what importing umap-learn adds to the families' worker's warm-up (warm-up with the map
  minus warm-up without it, each in a fresh worker).
The layouts are compared (equal bytes). The 1-minute load is recorded beside every run. Results go to
benchmarks/map_worker_results.md (and .json).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _cpu(pid: int, children: bool = False) -> float:
    """utime + stime (and with ``children``, cutime + cstime) of a live process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = [int(v) for v in fields[11:15]]  # utime stime cutime cstime
    return (sum(ticks[2:]) if children else sum(ticks[:2])) / os.sysconf("SC_CLK_TCK")


def _points(n: int = 3000, dim: int = 256) -> np.ndarray:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(20, dim))
    return (centres[rng.integers(0, 20, n)] + 0.5 * rng.normal(size=(n, dim))).astype(np.float32)


def _pid(pool) -> int:
    return next(iter(pool._processes))  # one worker


def new_worker(x: np.ndarray) -> tuple[dict, np.ndarray]:
    from audit.family_worker import new_pool
    from audit.projection import _project_task

    pool = new_pool()
    try:
        t = time.perf_counter()
        xy, _ = pool.submit(_project_task, x, 0, "umap", 1).result()
        wall = time.perf_counter() - t
        return {"map_process_cpu_s": round(_cpu(_pid(pool)), 2), "wall_s": round(wall, 2)}, xy
    finally:
        pool.shutdown()


def _warm_cpu(with_map: bool) -> float:
    from audit.family_worker import prestart

    pool = prestart(with_map=with_map)["families"]
    try:
        pool.submit(int).result()  # after the warm-up
        return _cpu(_pid(pool))
    finally:
        pool.shutdown()


def forked(x: np.ndarray) -> tuple[dict, np.ndarray]:
    from audit.family_worker import prestart
    from audit.projection import collect_projection, fork_projection

    warm_extra = _warm_cpu(True) - _warm_cpu(False)
    host = prestart(with_map=True)["families"]
    try:
        host.submit(int).result()
        t = time.perf_counter()
        xy, _ = host.submit(collect_projection, host.submit(fork_projection, x, 0, "umap", 1).result()).result()
        wall = time.perf_counter() - t
        child = _cpu(_pid(host), children=True)
        return {"map_process_cpu_s": round(child, 2), "warm_extra_cpu_s": round(warm_extra, 2),
                "total_cpu_s": round(child + warm_extra, 2), "wall_s": round(wall, 2)}, xy
    finally:
        host.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "map_worker_results"))
    args = ap.parse_args()
    from audit.projection import import_umap

    import_umap()  # the numba cache is written once, outside the timed runs
    x = _points()
    runs = []
    for rep in range(args.repeat):
        for name, fn in (("new worker", new_worker), ("forked", forked)):
            load = round(os.getloadavg()[0], 2)
            row, xy = fn(x)
            runs.append({"run": rep + 1, "way": name, **row, "load_before": load,
                         "layout_sha": __import__("hashlib").sha256(np.ascontiguousarray(xy).tobytes()).hexdigest()[:12]})
            print(runs[-1], flush=True)
    out = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "cores": os.cpu_count(), "points": len(x), "runs": runs}
    Path(args.out + ".json").write_text(json.dumps(out, indent=1) + "\n")
    lines = ["# The map's process: a new worker or forked from the families' worker", "",
             f"Started {out['started']}; {out['cores']} cores; {len(x):,} points; "
             f"`python benchmarks/map_worker.py --repeat {args.repeat}`.", "",
             "CPU s of the map's process (import + layout for a new worker; layout only when forked); for the "
             "forked way, what importing umap-learn adds to the families' worker's warm-up, and the sum. "
             "Layout = the first 12 hex digits of the layout's SHA-256 (equal: the same map).", "",
             "| run | way | map process CPU s | warm-up extra CPU s | total CPU s | wall s | load | layout |",
             "|---|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['run']} | {r['way']} | {r['map_process_cpu_s']} | {r.get('warm_extra_cpu_s', '')} | "
                     f"{r.get('total_cpu_s', r['map_process_cpu_s'])} | {r['wall_s']} | {r['load_before']} | "
                     f"{r['layout_sha']} |")
    Path(args.out + ".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
