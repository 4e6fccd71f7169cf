"""Where an audit spends its time: per-stage wall time, CPU time and peak memory, quiet and loaded,
beside datasketch's near-duplicate pass over the same two files (run on demand, not a test).

    python benchmarks/stages.py                      # 100+100 and the 16k+16k clickbait pair, quiet
    python benchmarks/stages.py --loaded             # the same, then again beside a CPU hog per core
    python benchmarks/stages.py --code /tmp/base     # also time another checkout, interleaved run by run
    python benchmarks/stages.py --cases small --repeat 3
    python benchmarks/stages.py --cases large,default  # the 16k pair with every document sampled, and as a user
                                                       # runs it (5,000 documents per corpus in the sample metrics)
    python benchmarks/stages.py --cases small --plain  # also the plain `audit compare` command, no stage marks
    python benchmarks/stages.py --cases x2,x5        # 32k + 32k, 80k + 80k: the 16k pair N times, later copies'
                                                     # words shuffled
    python benchmarks/stages.py --cases demo --cold-numba  # sample_data (450 + 450), every run with an empty
                                                           # numba cache: a machine's first audit

Each audit is a fresh process (``audit compare ... --quiet``, a fresh embedding cache, JSON + HTML
written) so its imports, JIT work and peak resident memory are its own. Stages come from the
pipeline's own progress events; the time between them ("before X") is startup, loading the
embedder and so on. The machine's load average is recorded beside every figure: these machines
are shared, and a figure without its load means little. CPU time counts the worker processes too
(the reading pool's workers are the fork server's children and live only inside a stage, so they are
read from /proc at every stage mark, and their peak memory every 0.25 s). Results go to
benchmarks/stages_results.md (and .json).

Before timing, each checkout's own modules (``audit``, ``metrics``, ``reports``) are compiled to bytecode, as
``pip install`` leaves an installed package and as the peer's library is. An environment that sets
``PYTHONDONTWRITEBYTECODE=1`` (this machine does, as many container images do) otherwise compiles them
from source in every process of every run: 0.6 s of a 100 + 100 audit and about 1 s of the 16k pair here
(session 10). ``--no-precompile`` leaves the checkouts as they are: where they hold no current bytecode,
that times them as such an environment runs an uncompiled checkout (the benchmarks before session 10 did).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
if not CORPORA.exists():  # a worktree under /work/wt/NAME
    CORPORA = ROOT.parents[1] / "shared" / "corpora"

# --------------------------------------------------------------------------------------------------
# child: one audit, timed stage by stage


def _descendants(root: int | None = None, skip: int | None = None) -> tuple[float, float]:
    """(CPU seconds, largest peak RSS in MiB) of this process's descendants, live and finished.

    Worker pools run in other processes: a fork server's workers are its children, not ours, and
    live until the pool shuts down, so ``RUSAGE_CHILDREN`` alone misses them. CPU = ``RUSAGE_CHILDREN``
    (children already reaped) + for every live descendant its own time and that of the children it
    reaped (``/proc/PID/stat`` utime, stime, cutime, cstime). Linux only; elsewhere ``RUSAGE_CHILDREN``.
    """
    import resource

    root = os.getpid() if root is None else root
    if root == os.getpid():
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu, peak = ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024
    else:  # the watcher (--child-watch): another process's descendants, live ones only
        cpu, peak = 0.0, 0.0
    if not os.path.isdir("/proc"):  # pragma: no cover - not Linux
        return cpu, peak
    parent, ticks = {}, {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or (rest := _stat_fields(name)) is None:  # (gone meanwhile)
            continue
        pid = int(name)
        parent[pid] = int(rest[1])
        ticks[pid] = sum(int(v) for v in rest[11:15])  # utime, stime, cutime, cstime
    children: dict[int, list[int]] = {}
    for pid, pp in parent.items():
        children.setdefault(pp, []).append(pid)
    todo = [c for c in children.get(root, []) if c != skip]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        cpu += ticks[pid] / _TICK
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
                hwm = [ln for ln in f if ln.startswith("VmHWM:")]
            if hwm:
                peak = max(peak, int(hwm[0].split()[1]) / 1024)
        except OSError:
            pass
    return cpu, peak


def _digest(path) -> str:
    """The first 12 hex digits of a report's SHA-256: equal digits, byte-identical results."""
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _child_watch(root: int) -> None:
    """The largest peak memory (MiB) of ``root``'s descendants other than this process, looked at every 0.25 s
    until SIGTERM, then printed."""
    import signal

    peak = [0.0]

    def stop(*_):
        print(peak[0], flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    while True:
        peak[0] = max(peak[0], _descendants(root, skip=os.getpid())[1])
        time.sleep(0.25)


def _child_audit(code: str, argv: list[str], t_start: float) -> dict:
    import resource

    sys.path.insert(0, code)
    # label, wall, CPU of this process, CPU of its worker processes, peak RSS here, peak RSS of a worker
    events: list[tuple[str, float, float, float, float, float]] = []
    worker_peak = [0.0]
    # workers live between stage marks: another process looks at their peak memory every 0.25 s (a thread
    # here would take turns with the audit on the interpreter lock, and with a second thread the audit does
    # not fork a copy of itself for its families: audit.family_worker.forks_here)
    watcher = subprocess.Popen([sys.executable, __file__, "--child-watch", str(os.getpid())], stdout=subprocess.PIPE,
                               text=True)

    def mark(label: str) -> None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        kids_cpu, kids_peak = _descendants(skip=watcher.pid)
        worker_peak[0] = max(worker_peak[0], kids_peak)
        events.append((label, time.perf_counter(), time.process_time(), kids_cpu, peak, worker_peak[0]))

    mark("start")
    import audit.cli as cli
    import audit.pipeline as pipeline

    try:
        import audit.cli_output as cli_output
    except ImportError:  # a checkout from before the CLI was split (--code of an older commit)
        cli_output = None

    class Timed(pipeline.Progress):
        def step(self, description, total=None):
            mark(description)
            return lambda advance=1: None

        def done(self, description):
            mark(f"done: {description}")

    pipeline.Progress = Timed
    host, attr = (cli_output, "emit") if cli_output is not None else (cli, "_emit")
    emit = getattr(host, attr)

    def timed_emit(*a, **kw):
        mark("Writing the reports")
        emit(*a, **kw)
        mark("done: Writing the reports")

    setattr(host, attr, timed_emit)
    rc = cli.main(argv)
    mark("end")
    stages = []
    for (label, w0, c0, k0, _, _), (nxt, w1, c1, k1, peak, kpeak) in zip(events, events[1:]):
        if label == "start":
            label = "imports and setup"
        elif label.startswith("done: "):
            label = "before " + (nxt[6:] if nxt.startswith("done: ") else nxt) if nxt != "end" else "exit"
        if w1 - w0 < 0.0005 and label.startswith(("before ", "exit")):
            continue
        stages.append({"stage": label, "wall_s": round(w1 - w0, 3), "cpu_s": round(c1 - c0 + k1 - k0, 3),
                       "cpu_workers_s": round(k1 - k0, 3), "peak_rss_mib": round(peak),
                       "peak_rss_worker_mib": round(kpeak)})
    ru = resource.getrusage(resource.RUSAGE_SELF)
    kids_cpu, kids_peak = _descendants(skip=watcher.pid)
    watcher.terminate()
    seen = (watcher.communicate()[0] or "").split()
    kids_peak = max(kids_peak, worker_peak[0], float(seen[-1]) if seen else 0.0)
    digest = None
    if "--json" in argv and os.path.exists(argv[argv.index("--json") + 1]):  # same result as the other code?
        digest = _digest(argv[argv.index("--json") + 1])
    return {"rc": rc, "stages": stages, "startup_s": round(events[0][1] - t_start, 3), "json_sha256": digest,
            "cpu_s": round(ru.ru_utime + ru.ru_stime + kids_cpu, 2), "cpu_workers_s": round(kids_cpu, 2),
            "peak_rss_mib": round(ru.ru_maxrss / 1024), "peak_rss_worker_mib": round(kids_peak)}


def _child_datasketch(real: str, synth: str, threshold: float = 0.8, num_perm: int = 128, k: int = 5) -> dict:
    """The plain datasketch recipe: MinHash of word 5-gram shingles, one LSH index, every doc queried."""
    import resource

    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sigs = []
    for path in (real, synth):
        with open(path, encoding="utf-8") as f:
            for line in f:
                toks = str(json.loads(line).get("text", "")).lower().split()
                grams = {" ".join(toks[i:i + k]) for i in range(max(1, len(toks) - k + 1))}
                m = MinHash(num_perm=num_perm, seed=1)
                m.update_batch([g.encode("utf-8") for g in grams])
                key = f"{len(sigs)}"
                lsh.insert(key, m)
                sigs.append((key, m))
    pairs = sum(1 for key, m in sigs for other in lsh.query(m) if other > key)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"docs": len(sigs), "candidate_pairs": pairs, "cpu_s": round(ru.ru_utime + ru.ru_stime, 2),
            "peak_rss_mib": round(ru.ru_maxrss / 1024)}


# --------------------------------------------------------------------------------------------------
# parent: cases, interleaving, load


PACKAGES = ("audit", "metrics", "reports")


def precompile(code: str) -> None:
    """Compile ``code``'s own packages to bytecode (``compileall``: up-to-date files are left alone; written
    even where ``PYTHONDONTWRITEBYTECODE`` is set, which only stops the interpreter writing on import)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", *PACKAGES], cwd=code, check=True,
                   stdout=subprocess.DEVNULL)


def _load() -> float:
    return round(os.getloadavg()[0], 2)


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine() -> tuple[float, float] | None:
    """(busy, stolen) CPU seconds of the whole machine since boot, summed over its cores (/proc/stat's first
    line: user + nice + system + irq + softirq, and steal: time the hypervisor ran someone else on our cores);
    None where there is no /proc/stat."""
    try:
        with open("/proc/stat") as f:
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, f.readline().split()[1:9])
    except (OSError, ValueError):
        return None
    return (user + nice + system + irq + softirq) / _TICK, steal / _TICK


def _stat_fields(pid) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, ppid, ...; utime and stime are [11] and
    [12]), None once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _proc_cpu(pid: int) -> float:
    """A live process's own CPU seconds (user + system), 0 once it is gone."""
    fields = _stat_fields(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / _TICK


# The machine-speed probe: a fixed piece of interpreter work (string keys, dict updates), timed in CPU seconds in
# its own process right before each timed run, in the same condition. It tracks the interpreter's speed on a
# small, cache-friendly loop, not everything: in session 13 it stayed at 0.25-0.38 s while the audit's CPU for
# identical work rose by ~30% (memory-heavy work slowed by neighbours below the hypervisor, which steal does not
# show either). So runs still compare fairly only within one interleaved benchmark.
_PROBE = ("import resource\nd = {}\nfor i in range(400000):\n    k = str(i % 5000)\n    d[k] = d.get(k, 0) + i\n"
          "u = resource.getrusage(resource.RUSAGE_SELF)\nprint(u.ru_utime + u.ru_stime)")


def _probe() -> float:
    """The probe's CPU seconds (lower: a faster machine at this moment)."""
    out = subprocess.run([sys.executable, "-S", "-c", _PROBE], capture_output=True, text=True, check=True)
    return round(float(out.stdout.strip()), 3)


def _accounted(spawn, hogs: "Hogs | None", probe: bool = True) -> dict:
    """Run ``spawn()`` (one timed child) and add who else used the machine meanwhile: ``others_cpu_s``, the CPU
    seconds the machine spent on anything but the timed command and the hogs (other users, this benchmark's own
    memory watcher), and ``steal_s``, CPU seconds the hypervisor gave to other machines. A quiet run has both near
    0; the loaded one's hogs are not counted as others. ``probe``: first time :data:`_PROBE` (``probe_cpu_s``)."""
    speed = _probe() if probe else None
    m0, h0 = _machine(), hogs.cpu() if hogs else 0.0
    r = spawn()
    r["probe_cpu_s"] = speed
    m1, h1 = _machine(), hogs.cpu() if hogs else 0.0
    if m0 is not None and m1 is not None:
        r["others_cpu_s"] = round(max(0.0, m1[0] - m0[0] - float(r["cpu_s"]) - (h1 - h0)), 2)
        r["steal_s"] = round(m1[1] - m0[1], 2)
    return r


def _spawn(args: list[str], code: str | None = None, numba_cache: str | None = None) -> dict:
    """Run a child; ``code``: the checkout it times, also as its working directory and PYTHONPATH, since the
    reading pool's fork server (Python 3.11) imports from those, not from the child's ``sys.path``;
    ``numba_cache``: a ``NUMBA_CACHE_DIR`` for it (an empty one: a machine's first run)."""
    load = _load()
    t = time.perf_counter()
    env = None if code is None else {**os.environ, "PYTHONPATH": code}
    if numba_cache is not None:
        env = {**(env or os.environ), "NUMBA_CACHE_DIR": numba_cache}
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env, cwd=code)
    wall = time.perf_counter() - t
    if proc.returncode != 0 or not proc.stdout.strip():
        raise SystemExit(f"benchmark child failed ({proc.returncode}): {proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out.update(wall_s=round(wall, 2), load_before=load, load_after=_load())
    return out


def _spawn_plain(code: str, real: str, synth: str, extra: list[str], tmp: Path, run: int) -> dict:
    """The ``audit compare`` command as a user runs it (``python -m audit.cli``), without the stage marks, the
    watcher thread and the /proc reads of :func:`_child_audit`: wall time from start to exit, CPU and peak memory
    from the process's own resource usage (``os.wait4``; the workers it reaped included, peak = its largest)."""
    d = tmp / f"plain{run}"
    d.mkdir()
    load = _load()
    env = {**os.environ, "PYTHONPATH": code}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "audit.cli", "compare", real, synth, *extra, "--quiet", "--force",
                             "--cache-dir", str(d / "cache"), "--json", str(d / "r.json"), "--html", str(d / "r.html")],
                            env=env, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"audit command failed ({proc.returncode}): {err[-2000:]}")
    digest = _digest(d / "r.json")
    return {"rc": 0, "stages": [], "startup_s": None, "json_sha256": digest, "wall_s": round(wall, 2),
            "cpu_s": round(ru.ru_utime + ru.ru_stime, 2), "cpu_workers_s": "", "peak_rss_mib": round(ru.ru_maxrss / 1024),
            "peak_rss_worker_mib": "", "load_before": load, "load_after": _load()}


class Hogs:
    """One busy-looping process per core, started and stopped by pid."""

    def __init__(self, n: int):
        self.n, self.procs = n, []

    def __enter__(self):
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(self.n)]
        time.sleep(1.0)
        return self

    def cpu(self) -> float:
        """The hogs' CPU seconds so far."""
        return sum(_proc_cpu(p.pid) for p in self.procs)

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
            p.wait()
        self.procs = []


def _cases(names: list[str], tmp: Path) -> dict[str, tuple[str, str, list[str]]]:
    out = {}
    if "small" in names:  # the first 100 documents of each demo file
        for side in ("real", "synth"):
            lines = (ROOT / "sample_data" / f"{side}.jsonl").read_text(encoding="utf-8").splitlines()[:100]
            (tmp / f"{side}100.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        out["100+100"] = (str(tmp / "real100.jsonl"), str(tmp / "synth100.jsonl"), [])
    if "demo" in names:  # the README's first command: sample_data, 450 + 450
        out["demo 450+450"] = (str(ROOT / "sample_data" / "real.jsonl"), str(ROOT / "sample_data" / "synth.jsonl"), [])
    cb = CORPORA / "clickbait"
    if "large" in names:  # every document in the sample metrics too (the figure)
        out["16k+16k clickbait"] = (str(cb / "news.jsonl"), str(cb / "clickbait.jsonl"), ["--sample-size", "20000"])
    for name in names:  # xN, e.g. x5 = 80k + 80k: each file N times, every copy after the first with its words
        # shuffled per headline (seeded), so copies are not near duplicates of each other; the default sample
        if not (name.startswith("x") and name[1:].isdigit() and int(name[1:]) > 1):
            continue
        import random

        times = int(name[1:])
        for side in ("news", "clickbait"):
            rows = [json.loads(line) for line in (cb / f"{side}.jsonl").read_text(encoding="utf-8").splitlines()]
            with open(tmp / f"{side}_{name}.jsonl", "w", encoding="utf-8") as f:
                for copy in range(times):
                    rng = random.Random(copy)
                    for row in rows:
                        words = str(row.get("text", "")).split()
                        if copy:
                            rng.shuffle(words)
                        f.write(json.dumps({"id": f"{row.get('id')}-{copy}", "text": " ".join(words)}) + "\n")
        out[f"{16 * times}k+{16 * times}k (16k pair x{times}, shuffled copies)"] = (
            str(tmp / f"news_{name}.jsonl"), str(tmp / f"clickbait_{name}.jsonl"), [])
    if "default" in names:  # the same pair as a user runs it: 5,000 documents per corpus in the sample metrics
        out["16k+16k, default sample"] = (str(cb / "news.jsonl"), str(cb / "clickbait.jsonl"), [])
    return out


def _audit_args(code: str, real: str, synth: str, extra: list[str], tmp: Path, run: int) -> list[str]:
    d = tmp / f"run{run}"
    d.mkdir()
    return ["--child-audit", code, "--", "compare", real, synth, *extra, "--quiet", "--force",
            "--cache-dir", str(d / "cache"), "--json", str(d / "r.json"), "--html", str(d / "r.html")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="small,large", help="comma list: small, large, default (the 16k pair at "
                                                           "the default sample size), xN (e.g. x5, 80k + 80k: the "
                                                           "16k pair N times, copies shuffled), demo (sample_data)")
    ap.add_argument("--code", action="append", default=[], metavar="DIR",
                    help="another checkout to time beside this one (e.g. the code before a change)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-probe", action="store_true", help="skip the machine-speed probe before each run")
    ap.add_argument("--loaded", action="store_true", help="also run every audit beside a CPU hog per core")
    ap.add_argument("--no-datasketch", action="store_true")
    ap.add_argument("--cold-numba", action="store_true",
                    help="every audit with an empty NUMBA_CACHE_DIR: a machine's first run of numba code")
    ap.add_argument("--no-precompile", action="store_true",
                    help="do not compile the checkouts' modules to bytecode first (see the module's docstring)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "stages_results"))
    ap.add_argument("--plain", action="store_true",
                    help="after each timed audit, also run the plain `audit compare` command (python -m audit.cli) "
                         "without the stage marks: wall, CPU and peak memory of the command as a user runs it")
    ap.add_argument("--child-audit", help=argparse.SUPPRESS)
    ap.add_argument("--child-watch", help=argparse.SUPPRESS)
    ap.add_argument("--child-datasketch", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    t_start = time.perf_counter()
    args = ap.parse_args()
    if args.child_watch:
        _child_watch(int(args.child_watch))
        return
    if args.child_audit:
        print(json.dumps(_child_audit(args.child_audit, args.rest, t_start)))
        # then end as that checkout's ``audit`` command ends (``audit.cli.entry``): from session 12 without the
        # interpreter's module teardown, before it with it; the wall time counts to the process's end
        import audit.cli as cli

        ending = getattr(cli, "exit_without_teardown", None)
        if ending is not None:
            ending(0)
        return
    if args.child_datasketch:
        print(json.dumps(_child_datasketch(*args.child_datasketch)))
        return

    codes = {"this checkout": str(ROOT), **{f"other: {c}": str(Path(c).resolve()) for c in args.code}}
    conditions = ["quiet"] + (["loaded"] if args.loaded else [])
    if not args.no_precompile:
        for code in codes.values():
            precompile(code)
    results = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
               "started": time.strftime("%Y-%m-%d %H:%M:%S"), "argv": sys.argv[1:],
               "bytecode": "not compiled by the benchmark (the checkouts' own __pycache__, if any)" if args.no_precompile
               else "each checkout's modules compiled before timing (compileall)",
               "dont_write_bytecode": os.environ.get("PYTHONDONTWRITEBYTECODE", ""), "runs": []}
    run = 0
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for case, (real, synth, extra) in _cases(args.cases.split(","), tmp).items():
            for rep in range(args.repeat):
                for cond in conditions:  # interleaved: every checkout and the peer under the same conditions
                    hogs = Hogs(os.cpu_count() or 1) if cond == "loaded" else None
                    if hogs:
                        hogs.__enter__()
                    try:
                        for label, code in codes.items():
                            run += 1
                            cold = None
                            if args.cold_numba:
                                cold = str(tmp / f"numba{run}")
                                os.mkdir(cold)
                            r = _accounted(lambda: _spawn(_audit_args(code, real, synth, extra, tmp, run), code, cold),
                                           hogs, not args.no_probe)
                            r.update(case=case, code=label, condition=cond, repeat=rep, tool="corpus-audit")
                            results["runs"].append(r)
                            _write(args.out, results)  # after every run: an interrupted benchmark keeps its figures
                            print(f"{case:18} {cond:6} {label:30} {r['wall_s']:7.2f} s  {r['peak_rss_mib']:5} MiB  "
                                  f"load {r['load_before']}", flush=True)
                            if args.plain:
                                run += 1
                                r = _accounted(lambda: _spawn_plain(code, real, synth, extra, tmp, run), hogs,
                                               not args.no_probe)
                                r.update(case=case, code=f"{label}, plain command", condition=cond, repeat=rep,
                                         tool="corpus-audit command")
                                results["runs"].append(r)
                                _write(args.out, results)
                                print(f"{case:18} {cond:6} {label + ', plain command':30} {r['wall_s']:7.2f} s  "
                                      f"{r['peak_rss_mib']:5} MiB  load {r['load_before']}", flush=True)
                        if not args.no_datasketch:
                            r = _accounted(lambda: _spawn(["--child-datasketch", real, synth]), hogs,
                                           not args.no_probe)
                            r.update(case=case, code="datasketch", condition=cond, repeat=rep, tool="datasketch")
                            results["runs"].append(r)
                            _write(args.out, results)
                            print(f"{case:18} {cond:6} {'datasketch near-dup pass':30} {r['wall_s']:7.2f} s  "
                                  f"{r['peak_rss_mib']:5} MiB  load {r['load_before']}", flush=True)
                    finally:
                        if hogs:
                            hogs.__exit__(None, None, None)
    _write(args.out, results)
    print(_markdown(results))


def _write(out: str, results: dict) -> None:
    Path(out + ".json").write_text(json.dumps(results, indent=2) + "\n")
    Path(out + ".md").write_text(_markdown(results))


_NO_RECORD = "not recorded (before session 10: compiled from source in every process, PYTHONDONTWRITEBYTECODE=1)"


def _ratios(runs: list[dict]) -> list[str]:
    """Loaded over quiet wall time, per case and code, repeat by repeat (each pair ran back to back)."""
    pairs: dict[tuple[str, str], list[float]] = {}
    for r in runs:
        if r["condition"] != "loaded":
            continue
        quiet = [q for q in runs if q["condition"] == "quiet" and (q["case"], q["code"], q["repeat"])
                 == (r["case"], r["code"], r["repeat"])]
        if quiet and quiet[0]["wall_s"]:
            pairs.setdefault((r["case"], r["code"]), []).append(r["wall_s"] / quiet[0]["wall_s"])
    if not pairs:
        return []
    out = ["", "Loaded / quiet wall time, repeat by repeat:", "", "| case | code | ratios | median | above 2 |",
           "|---|---|---|---|---|"]
    for (case, code), ratios in pairs.items():
        out.append(f"| {case} | {code} | {', '.join(f'{x:.2f}' for x in ratios)} | "
                   f"{statistics.median(ratios):.2f} | {sum(x > 2 for x in ratios)} of {len(ratios)} |")
    return out


def _markdown(results: dict) -> str:
    lines = ["# Stage benchmark", "", f"Started {results['started']}; machine {results['machine']};",
             f"`python benchmarks/stages.py {' '.join(results['argv'])}`.", "",
             "Wall = the whole process (interpreter start to exit); load = 1-minute load average before / after.",
             "CPU = the audit process and every worker process it started (the reading pool), user + system;",
             "'workers' = the part spent in worker processes; peak = the audit process; worker peak = the largest",
             "worker process (looked at every 0.25 s); JSON = the first 12 hex digits of the report's SHA-256",
             "(equal digits: byte-identical results). 'plain command' rows (--plain): the `audit compare` command",
             "run as a user runs it, without the stage marks; CPU and peak from its own resource usage.",
             f"Bytecode: {results.get('bytecode', _NO_RECORD)}; "
             f"PYTHONDONTWRITEBYTECODE={results.get('dont_write_bytecode', '?')!r}.",
             "Others = CPU seconds the machine spent meanwhile on anything but the timed command and the hogs (other",
             "users, the benchmark's memory watcher); steal = CPU seconds the hypervisor gave to other machines",
             "(/proc/stat). A quiet run has both near 0. Probe = CPU seconds of a fixed piece of interpreter work run",
             "just before, in the same condition: the machine's speed at that moment (lower is faster).",
             "", "| case | condition | code | wall s | CPU s | of which workers | peak MiB | worker peak MiB | load "
                 "| others / steal s | probe s | JSON |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["runs"]:
        lines.append(f"| {r['case']} | {r['condition']} | {r['code']} | {r['wall_s']} | {r['cpu_s']} | "
                     f"{r.get('cpu_workers_s', '')} | {r['peak_rss_mib']} | {r.get('peak_rss_worker_mib', '')} | "
                     f"{r['load_before']} / {r['load_after']} | {r.get('others_cpu_s', '')} / {r.get('steal_s', '')} | "
                     f"{r.get('probe_cpu_s') or ''} | {r.get('json_sha256') or ''} |")
    lines += _ratios(results["runs"])
    for r in results["runs"]:
        if r["tool"] != "corpus-audit":
            continue
        lines += ["", f"### {r['case']}, {r['condition']}, {r['code']} (run {r['repeat'] + 1}; load "
                      f"{r['load_before']})", "",
                  "| stage | wall s | CPU s | of which workers | peak MiB so far | worker peak MiB |",
                  "|---|---|---|---|---|---|", f"| interpreter start | {r['startup_s']} | | | | |"]
        for s in r["stages"]:
            lines.append(f"| {s['stage']} | {s['wall_s']} | {s['cpu_s']} | {s.get('cpu_workers_s', '')} | "
                         f"{s['peak_rss_mib']} | {s.get('peak_rss_worker_mib', '')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
