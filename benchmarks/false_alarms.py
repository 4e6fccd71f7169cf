"""False-alarm rate of the verdicts: real-vs-real splits of every shared corpus, many seeds.

    python benchmarks/false_alarms.py [--seeds 10] [--max-docs 600] [--embedder hash]
                                      [--out benchmarks/false_alarms.md]

Each corpus (every distinct file under ../shared/corpora: the human and the machine side of each
fastdetect pair, the news and the clickbait headlines) is cut, for each seed, into two random disjoint
halves; every family runs with half A as "real" and half B as "synthetic", exactly as ``audit compare``
would after reading. Nothing differs between the halves but chance, so every warn or fail is a false
alarm. Targets (issue 10): at most 5% of runs with any fail, at most 1% of rows flagged.

Results go to ``--out`` (Markdown) and the same name with ``.json``. ``tests/test_false_alarms.py`` runs a
small version on the corpus slices in ``tests/data``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"  # from a worktree, pass --corpora /path/to/shared/corpora
sys.path.insert(0, str(ROOT))


def load_texts(path: Path, limit: int | None = None) -> list[str]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line).get("text")
            if isinstance(t, str) and t.strip():
                out.append(t)
    if limit and len(out) > limit:  # a seeded, content-independent cut of a long file
        idx = np.sort(np.random.default_rng(12345).choice(len(out), limit, replace=False))
        out = [out[i] for i in idx]
    return out


def corpora(root: Path = CORPORA) -> list[tuple[str, Path]]:
    """Every distinct corpus file (the fastdetect human sides are shared by three pairs)."""
    seen, out = set(), []
    if not root.is_dir():
        raise SystemExit(f"no corpora folder at {root}; pass --corpora")
    for p in sorted(root.rglob("*.jsonl")):
        h = hashlib.sha256(p.read_bytes()).hexdigest()
        if h in seen:
            continue
        seen.add(h)
        out.append((str(p.relative_to(root)), p))
    return out


def split_runs(texts: list[str], seeds, *, embedder=None, families=None) -> list[list[dict]]:
    """For each seed: the rows (name, family, verdict, reason) of half A ("real") vs half B ("synthetic")."""
    from audit.context import build_context
    from audit.embed import HashEmbedder
    from audit.documents import Document
    from audit.pipeline import FAMILIES, run_context

    def docs_from_texts(ts, source):
        return [Document(id=str(i), text=t, source=source, line=i + 1) for i, t in enumerate(ts)]

    embedder = embedder or HashEmbedder()
    emb = embedder.encode(texts)
    runs = []
    for seed in seeds:
        perm = np.random.default_rng([seed, 4242]).permutation(len(texts))
        half = len(perm) // 2
        a, b = np.sort(perm[:half]), np.sort(perm[half:2 * half])
        ctx = build_context(docs_from_texts([texts[i] for i in a], "real"), docs_from_texts([texts[i] for i in b], "synth"),
                            emb[a], emb[b], seed=seed)
        entries, _ = run_context(ctx, tuple(families or FAMILIES))
        runs.append([{"name": e.name, "family": e.family, "verdict": e.verdict, "reason": e.reason} for e in entries])
    return runs


def summarise(runs: list[list[dict]]) -> dict:
    rows = [r for run in runs for r in run]
    judged = [r for r in rows if r["verdict"] in ("ok", "warn", "fail")]
    flagged = Counter(r["name"] for r in judged if r["verdict"] in ("warn", "fail"))
    return {
        "runs": len(runs),
        "runs_with_fail": sum(any(r["verdict"] == "fail" for r in run) for run in runs),
        "runs_with_warn_or_fail": sum(any(r["verdict"] in ("warn", "fail") for r in run) for run in runs),
        "rows_judged": len(judged),
        "rows_fail": sum(r["verdict"] == "fail" for r in judged),
        "rows_warn": sum(r["verdict"] == "warn" for r in judged),
        "rows_insufficient": sum(r["verdict"] == "insufficient" for r in rows),
        "flagged_metrics": dict(flagged.most_common()),
        "examples": [f"{r['name']}: {r['verdict']}: {r['reason']}" for r in judged
                     if r["verdict"] in ("warn", "fail")][:10],
    }


def _pct(k: int, n: int) -> str:
    return f"{100 * k / n:.1f}%" if n else "–"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--max-docs", type=int, default=600, help="documents per corpus (both halves together)")
    ap.add_argument("--embedder", default="hash")
    ap.add_argument("--corpora", default=str(CORPORA))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "false_alarms.md"))
    args = ap.parse_args(argv)
    import os

    from threadpoolctl import threadpool_limits

    from audit.embed import get_embedder

    embedder = get_embedder(args.embedder)
    load = os.getloadavg()[0]
    results, total = {}, []
    t0 = time.time()
    with threadpool_limits(1):
        for name, path in corpora(Path(args.corpora)):
            texts = load_texts(path, args.max_docs)
            t = time.time()
            runs = split_runs(texts, range(args.seeds), embedder=embedder)
            results[name] = {"documents": len(texts), "seconds": round(time.time() - t, 1), **summarise(runs)}
            total.extend(runs)
            print(f"{name}: {results[name]['runs_with_fail']}/{args.seeds} runs with a fail, "
                  f"{results[name]['rows_fail'] + results[name]['rows_warn']} flagged rows", flush=True)
    overall = summarise(total)
    out = {"settings": {"seeds": args.seeds, "max_docs": args.max_docs, "embedder": embedder.name,
                        "load_average_at_start": round(load, 2), "seconds": round(time.time() - t0, 1)},
           "overall": overall, "corpora": results}
    Path(args.out).with_suffix(".json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    o = overall
    lines = [
        "# False alarms: real-vs-real splits of every shared corpus",
        "",
        f"`python benchmarks/false_alarms.py --seeds {args.seeds} --max-docs {args.max_docs} --embedder "
        f"{args.embedder}`: each corpus (at most {args.max_docs} documents, a seeded cut) split into two random "
        f"halves per seed, every family run half A vs half B. Nothing differs but chance: every warn or fail is a "
        f"false alarm. Embedder `{embedder.name}`; load average {load:.1f} at start (2 shared cores); "
        f"{out['settings']['seconds']:.0f} s in all.",
        "",
        f"**Overall: {o['runs_with_fail']} of {o['runs']} runs ({_pct(o['runs_with_fail'], o['runs'])}) with any fail "
        f"(target ≤ 5%); {o['rows_fail'] + o['rows_warn']} of {o['rows_judged']} judged rows "
        f"({_pct(o['rows_fail'] + o['rows_warn'], o['rows_judged'])}) warn or fail (target ≤ 1%); "
        f"{o['runs_with_warn_or_fail']} runs with any warn or fail.**",
        "",
        "| corpus | docs | runs | runs with a fail | runs with a warn/fail | rows fail | rows warn | rows judged | insufficient | s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(f"| {name} | {r['documents']} | {r['runs']} | {r['runs_with_fail']} | {r['runs_with_warn_or_fail']} | "
                     f"{r['rows_fail']} | {r['rows_warn']} | {r['rows_judged']} | {r['rows_insufficient']} | {r['seconds']} |")
    lines += ["", "Metrics that raised a false alarm (rows, all corpora):", ""]
    lines += [f"- `{k}`: {v}" for k, v in o["flagged_metrics"].items()] or ["- none"]
    if o["examples"]:
        lines += ["", "First flagged rows, with the reason the audit gave:", ""]
        lines += [f"- {e}" for e in o["examples"]]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
