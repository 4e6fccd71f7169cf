"""Summarise a mutmut run (``mutants/**/*.meta``) per module and per function, as Markdown.

Usage, after ``make mutation`` (or ``mutmut run ...``) from the repo root::

    python benchmarks/mutation_summary.py                 # one row per mutated module
    python benchmarks/mutation_summary.py --functions     # and one per function
    python benchmarks/mutation_summary.py --survivors audit.compare   # the surviving mutants' changes

Kill rate = (killed + timeout) / (mutants checked - equivalent). A mutant no selected test reaches
("no tests") counts against the rate; "not checked" (the run stopped before it) is left out and shown.
Equivalent mutants (no observable change) are listed, each with its reason, in
``benchmarks/mutation_equivalent.txt`` (``mutant-name  # reason``); a listed mutant that a test kills
is reported, since it was not equivalent after all.
"""
from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "benchmarks" / "mutation_equivalent.txt"
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
          36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout", None: "not checked"}


def load(root: Path = ROOT) -> dict[str, str]:
    """Mutant name -> status, over every ``.meta`` file mutmut left under ``mutants/``."""
    out = {}
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        for name, code in codes.items():
            out[name] = STATUS.get(code, "suspicious")
    return out


def equivalent(path: Path = EQUIVALENT) -> dict[str, str]:
    if not path.exists():
        return {}
    eq = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition("#")
            eq[name.strip()] = reason.strip()
    return eq


def module_of(name: str) -> str:
    return name.split(".x_", 1)[0].split(".xǁ", 1)[0]


def function_of(name: str) -> str:
    return re.sub(r"__mutmut_\d+$", "", name)


def table(status: dict[str, str], eq: dict[str, str], key) -> list[str]:
    groups: dict[str, Counter] = defaultdict(Counter)
    for name, st in status.items():
        groups[key(name)]["equivalent" if st == "survived" and name in eq else st] += 1
    rows = ["| module | mutants | killed | timeout | survived | no tests | equivalent | not checked "
            "| kill rate |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    total: Counter = Counter()
    for g in sorted(groups):
        c = groups[g]
        total.update(c)
        rows.append(_row(g, c))
    rows.append(_row("**all**", total))
    return rows


def _row(label: str, c: Counter) -> str:
    n = sum(c.values())
    judged = n - c["not checked"] - c["equivalent"] - c["skipped"]
    killed = c["killed"] + c["timeout"]
    rate = f"{100 * killed / judged:.1f}%" if judged else "n/a"
    return (f"| {label} | {n} | {c['killed']} | {c['timeout']} | {c['survived']} | {c['no tests']} | "
            f"{c['equivalent']} | {c['not checked']} | {rate} |")


def changed_lines(name: str, root: Path = ROOT) -> list[str]:
    """The lines a mutant changes (``-`` original, ``+`` mutant), read from mutmut's mutated source
    (where every mutant is a copy of its function), without mutmut's slow one-process-per-call ``show``."""
    module, _, fn = name.rpartition(".")
    path = root / "mutants" / (module.replace(".", "/") + ".py")
    src = _SOURCES.get(path)
    if src is None:
        src = _SOURCES[path] = path.read_text() if path.exists() else ""
    orig = re.sub(r"__mutmut_\d+$", "__mutmut_orig", fn)

    def body(f: str) -> list[str]:  # from its def line to the next top-level statement (not a ")")
        m = re.search(rf"^(?:async )?def {re.escape(f)}\(.*?(?=^[^\s)])", src + "\nEOF", re.S | re.M)
        return m.group(0).splitlines()[1:] if m else []

    a, b = body(orig), body(fn)
    return [f"- {x.strip()}" for x, y in zip(a, b) if x != y] + [f"+ {y.strip()}" for x, y in zip(a, b) if x != y]


_SOURCES: dict[Path, str] = {}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--functions", action="store_true", help="one row per function too")
    ap.add_argument("--survivors", metavar="PREFIX", help="list surviving / untested mutants under PREFIX")
    ap.add_argument("--root", type=Path, default=ROOT, help="read DIR/mutants (e.g. a saved copy of a run)")
    args = ap.parse_args()
    status, eq = load(args.root), equivalent()
    if not status:
        raise SystemExit("no mutants/ results here: run `make mutation` first")
    if args.survivors is not None:
        for name, st in sorted(status.items()):
            if name.startswith(args.survivors) and st in ("survived", "no tests", "suspicious") \
                    and name not in eq:
                print(f"{st:9} {name}")
                for line in changed_lines(name, args.root):
                    print(f"          {line[:150]}")
        return
    print("\n".join(table(status, eq, module_of)))
    if args.functions:
        print()
        print("\n".join(table(status, eq, function_of)))
    wrong = sorted(n for n in eq if status.get(n) in ("killed", "timeout"))
    if wrong:
        print("\nlisted as equivalent but killed (remove from the list):", ", ".join(wrong))


if __name__ == "__main__":
    main()
