"""What the speed knobs a user already has cost in results: time against fidelity, beside datasketch's pass
(run on demand, not a test).

    python benchmarks/tradeoff.py                    # the 16k pair and a real-vs-real control, 2 rounds
    python benchmarks/tradeoff.py --repeat 3 --out /tmp/tradeoff

Issue 13 asks the 16k + 16k audit to beat datasketch's near-duplicate pass alone. At the defaults it does not,
and what would close the gap are statistical choices: a smaller sample for the embedding-space metrics,
fewer real half-vs-half splits for the noise floors, no map. Each is already a knob (``--sample-size``,
``--option noise_splits=N``, ``--no-map``). This benchmark measures, on the same machine in one interleaved
run, what each costs in time and what it changes in the report, so that the choice of defaults is made on
figures:

* time: wall and CPU (``benchmarks/stages.py``'s child: the audit process and its workers), the load beside;
* fidelity to the defaults on the same pair: the overall verdict, the verdict counts, the score, the
  headline (its five findings, and whether the first is the same), and every row whose verdict changed;
* on a real-vs-real control (the news file's even lines against its odd lines, 8k + 8k): the false alarms,
  i.e. rows that fail or warn where nothing differs.

Results go to ``benchmarks/tradeoff_results.md`` (and ``.json``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stages import CORPORA, ROOT, _audit_args, _load, _spawn  # noqa: E402  (benchmarks/ is not a package)

CONFIGS: dict[str, list[str]] = {
    "defaults": [],
    "--sample-size 3000": ["--sample-size", "3000"],
    "--sample-size 2000": ["--sample-size", "2000"],
    "noise_splits=2": ["--option", "noise_splits=2"],
    "--sample-size 3000 + noise_splits=2": ["--sample-size", "3000", "--option", "noise_splits=2"],
    "--no-map": ["--no-map"],
}


def _pairs(tmp: Path) -> dict[str, tuple[str, str]]:
    cb = CORPORA / "clickbait"
    lines = (cb / "news.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp / "news_even.jsonl").write_text("\n".join(lines[0::2]) + "\n", encoding="utf-8")
    (tmp / "news_odd.jsonl").write_text("\n".join(lines[1::2]) + "\n", encoding="utf-8")
    return {"16k pair (news vs clickbait)": (str(cb / "news.jsonl"), str(cb / "clickbait.jsonl")),
            "control (news even vs odd lines)": (str(tmp / "news_even.jsonl"), str(tmp / "news_odd.jsonl"))}


def _report(path: Path) -> dict:
    d = json.loads(path.read_text(encoding="utf-8"))
    s = d["summary"]
    return {"verdicts": {m["name"]: m["verdict"] for m in d["metrics"]}, "counts": s["counts"],
            "verdict": s["verdict"], "score": (s["score"].get("overall") or {}).get("score"),
            "headline": s["headline"]}


def _fidelity(base: dict, other: dict) -> dict:
    names = sorted(set(base["verdicts"]) & set(other["verdicts"]))
    changed = [f"{n}: {base['verdicts'][n]} → {other['verdicts'][n]}" for n in names
               if base["verdicts"][n] != other["verdicts"][n]]
    return {"rows": len(names), "rows_changed": len(changed), "changed": changed,
            "overall_same": base["verdict"] == other["verdict"],
            "headline_first_same": [_topic(h) for h in base["headline"][:1]] == [_topic(h) for h in other["headline"][:1]],
            "headline_shared": len(set(_topic(h) for h in base["headline"]) & set(_topic(h) for h in other["headline"]))}


def _topic(line: str) -> str:
    """A headline line without its numbers: the finding, not its digits."""
    return line.split(":", 1)[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2, help="rounds on the 16k pair (the control runs once)")
    ap.add_argument("--configs", default=",".join(CONFIGS), help="comma list of the names in CONFIGS")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "tradeoff_results"))
    args = ap.parse_args()
    configs = {k: CONFIGS[k] for k in args.configs.split(",")}
    results = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "argv": sys.argv[1:],
               "machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]}, "runs": []}
    run = 0
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for pair, (real, synth) in _pairs(tmp).items():
            rounds = args.repeat if pair.startswith("16k") else 1
            for rep in range(rounds):
                for label, extra in configs.items():  # interleaved: every configuration under the same load
                    run += 1
                    r = _spawn(_audit_args(str(ROOT), real, synth, extra, tmp, run), str(ROOT))
                    r.update(pair=pair, config=label, repeat=rep, tool="corpus-audit",
                             report=_report(tmp / f"run{run}" / "r.json"))
                    results["runs"].append(r)
                    print(f"{pair[:12]:12} {label:36} {r['wall_s']:6.2f} s  CPU {r['cpu_s']:6.2f} s  "
                          f"load {r['load_before']}", flush=True)
                if pair.startswith("16k"):
                    r = _spawn(["--child-datasketch", real, synth])
                    r.update(pair=pair, config="datasketch's near-duplicate pass", repeat=rep, tool="datasketch")
                    results["runs"].append(r)
                    print(f"{pair[:12]:12} {'datasketch':36} {r['wall_s']:6.2f} s  load {r['load_before']}", flush=True)
                _write(args.out, results)
    results["load_end"] = _load()
    _write(args.out, results)
    print(Path(args.out + ".md").read_text(encoding="utf-8"))


def _write(out: str, results: dict) -> None:
    Path(out + ".json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    Path(out + ".md").write_text(_markdown(results), encoding="utf-8")


def _markdown(results: dict) -> str:
    runs = results["runs"]
    lines = ["# Speed knobs: time against fidelity", "",
             f"Started {results['started']}; machine {results['machine']}; "
             f"`python benchmarks/tradeoff.py {' '.join(results['argv'])}`.", "",
             "Wall = interpreter start to exit; CPU = the audit process and its worker processes; load = 1-minute "
             "load average before each run. Fidelity compares each configuration's report with the defaults' "
             "report of the same pair and round: rows whose verdict changed, the overall verdict, the first "
             "headline finding and how many of the five headline findings are shared (by finding, not digits).",
             "", "| pair | configuration | round | wall s | CPU s | load | verdicts (fail/warn/ok/insufficient) | score "
                 "| rows changed vs defaults | overall same | first finding same | headline shared |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    base = {(r["pair"], r["repeat"]): r["report"] for r in runs if r["config"] == "defaults"}
    for r in runs:
        if r["tool"] != "corpus-audit":
            lines.append(f"| {r['pair']} | {r['config']} | {r['repeat'] + 1} | {r['wall_s']} | {r['cpu_s']} | "
                         f"{r['load_before']} | | | | | | |")
            continue
        c = r["report"]["counts"]
        counts = f"{c.get('fail', 0)}/{c.get('warn', 0)}/{c.get('ok', 0)}/{c.get('insufficient', 0)}"
        b = base.get((r["pair"], r["repeat"]))
        f = _fidelity(b, r["report"]) if b else None
        lines.append(f"| {r['pair']} | {r['config']} | {r['repeat'] + 1} | {r['wall_s']} | {r['cpu_s']} | "
                     f"{r['load_before']} | {counts} | {r['report']['score']} | "
                     + (f"{f['rows_changed']} of {f['rows']} | {f['overall_same']} | {f['headline_first_same']} | "
                        f"{f['headline_shared']} of 5 |" if f else "| | | |"))
    lines += ["", "## Rows whose verdict changed (against the defaults, same pair and round)", ""]
    for r in runs:
        b = base.get((r.get("pair"), r.get("repeat")))
        if r["tool"] != "corpus-audit" or r["config"] == "defaults" or not b:
            continue
        f = _fidelity(b, r["report"])
        lines.append(f"- **{r['pair']}, {r['config']}, round {r['repeat'] + 1}:** "
                     + ("; ".join(f["changed"]) if f["changed"] else "none"))
    lines += ["", "## Headlines (first round)", ""]
    for r in runs:
        if r["tool"] == "corpus-audit" and r["repeat"] == 0:
            lines.append(f"- **{r['pair']}, {r['config']}:**")
            lines += [f"  {i + 1}. {h}" for i, h in enumerate(r["report"]["headline"])]
    if "load_end" in results:
        lines += ["", f"Load at the end: {results['load_end']}."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
