"""Full-corpus duplicates and copies at scale, side by side with datasketch and rensa (issue 9).

Run on demand: ``python benchmarks/duplication.py --docs 100000`` (results appended to
``benchmarks/duplication_results.md`` and ``.json``). It

1. builds a real and a synthetic corpus of ``--docs`` documents each by recombining sentences of
   ``../shared/corpora`` (real documents from real sentences only, synthetic from synthetic), 4-12
   sentences a document, and plants near duplicates (a synthetic document with one word in ~30 replaced),
   near copies (the same edit of a real document) and verbatim copies of real documents;
2. runs, each in a fresh process (wall time, CPU time and peak RSS of that process alone): our reading
   pass (parse, normalise, hash, MinHash, fingerprints; ``--workers``) plus the full-corpus
   duplicate/copy computation; datasketch's MinHashLSH near-duplicate pass over the synthetic corpus; rensa's
   RMinHashLSH over the synthetic corpus;
3. scores recall of the planted items whose true Jaccard (word 5-gram sets, computed exactly) reaches
   0.8, and precision of what each tool reports (checked by exact Jaccard on up to 2,000 reported pairs).

SemHash is not run: it needs a model from the Hugging Face hub, which this machine cannot download.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPORA = next((p / "shared" / "corpora" for p in ROOT.parents if (p / "shared" / "corpora").is_dir()),
               ROOT.parent / "shared" / "corpora")
THR = 0.8
_SENT = re.compile(r"(?<=[.!?])\s+")


def _sentences(paths) -> list[str]:
    out = []
    for p in paths:
        for line in open(p, encoding="utf-8"):
            out += [s.strip() for s in _SENT.split(json.loads(line)["text"]) if len(s.split()) >= 4]
    return sorted(set(out))


def _edit(text: str, rng) -> str:
    w = text.split()
    for _ in range(max(1, len(w) // 30)):
        w[int(rng.integers(len(w)))] = "edited" + str(int(rng.integers(1_000_000)))
    return " ".join(w)


def build(n: int, out: Path, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    real_s = _sentences(sorted(CORPORA.glob("fastdetect/*/real.jsonl")) + [CORPORA / "clickbait/news.jsonl"])
    synth_s = _sentences(sorted(CORPORA.glob("fastdetect/*/synth.jsonl")) + [CORPORA / "clickbait/clickbait.jsonl"])

    def docs(pool, k):
        lens = rng.integers(4, 13, size=k)
        idx = rng.integers(len(pool), size=int(lens.sum()))
        ends = np.cumsum(lens)
        return [" ".join(pool[i] for i in idx[e - m:e]) for e, m in zip(ends, lens)]

    real, synth = docs(real_s, n), docs(synth_s, n)
    k = n // 20  # 5% near duplicates, 2% near copies, 1% verbatim copies
    pos = rng.permutation(n)
    dup_to, near_to, copy_to = pos[:k], pos[k:k + 2 * k // 5], pos[k + 2 * k // 5:k + 3 * k // 5]
    rest = pos[k + 3 * k // 5:]
    dup_from = rng.choice(rest, size=len(dup_to), replace=False)
    src = rng.choice(n, size=len(near_to) + len(copy_to), replace=False)
    for t, f in zip(dup_to, dup_from):
        synth[t] = _edit(synth[f], rng)
    for t, f in zip(near_to, src[:len(near_to)]):
        synth[t] = _edit(real[f], rng)
    for t, f in zip(copy_to, src[len(near_to):]):
        synth[t] = real[f]
    for name, texts in (("real", real), ("synth", synth)):
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": f"{name[0]}{i}", "text": t}) + "\n")
    return {"near_dups": [[int(a), int(b)] for a, b in zip(dup_from, dup_to)],
            "near_copies": [[int(a), int(b)] for a, b in zip(src[:len(near_to)], near_to)],
            "copies": [[int(a), int(b)] for a, b in zip(src[len(near_to):], copy_to)]}


def _shingles(text: str) -> frozenset:
    from metrics.duplication_near import shingles
    from metrics.text import tokenize

    return shingles(tokenize(text), 5)


def _jac(a: str, b: str) -> float:
    from metrics.duplication_near import jaccard

    return jaccard(_shingles(a), _shingles(b))


def _texts(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in open(path, encoding="utf-8")]


# ----------------------------------------------------------------------------------- the tools ----
def tool_ours(d: Path, workers: int) -> dict:
    from audit.families.duplication_full import Side
    from audit.pipeline import AuditOptions, Progress, _read
    from metrics.duplication_full import best_near_matches, components, near_duplicate_pairs_full

    opts = AuditOptions(real=str(d / "real.jsonl"), synth=str(d / "synth.jsonl"), workers=workers)
    t = time.perf_counter()
    _, rstats, _ = _read(opts.real, None, opts, 1, Progress())
    _, sstats, _ = _read(opts.synth, None, opts, 2, Progress())
    t_read = time.perf_counter() - t
    real, synth = Side("real", rstats), Side("synth", sstats)
    edges, checked = near_duplicate_pairs_full(synth.exact, synth.bands, synth.long, synth.sets, THR, synth.order)
    comp = components(synth.long, edges)
    best, _ = best_near_matches(synth.exact, synth.bands, synth.long, real.exact, real.bands, real.long,
                                synth.sets, real.sets, THR, real.order)
    t_all = time.perf_counter() - t
    # Side numbers documents in content order; report them by file position (ids are "s<i>" / "r<i>")
    fs = np.array([int(synth.doc(i)[0][1:]) for i in range(synth.n)])
    fr = np.array([int(real.doc(i)[0][1:]) for i in range(real.n)])
    label = np.full(synth.n, -1)
    for c, members in enumerate(comp):
        label[fs[members]] = c
    edges = [(fs[a], fs[b], s) for a, b, s in edges]
    best = {int(fs[k]): (int(fr[v[0]]), v[1]) for k, v in best.items()}
    mb = (d / "real.jsonl").stat().st_size / 2**20 + (d / "synth.jsonl").stat().st_size / 2**20
    return {"read_s": round(t_read, 1), "read_mb_per_s": round(mb / t_read, 1), "total_s": round(t_all, 1),
            "candidates": int(checked), "pairs": [sorted([int(a), int(b)]) for a, b, _ in edges],
            "label": label.tolist(), "copies": {str(k): int(v[0]) for k, v in best.items()},
            "index_bytes_per_doc": {k: round(v, 1) for k, v in rstats.index.bytes_per_doc().items()}}


def tool_datasketch(d: Path) -> dict:
    from datasketch import MinHash, MinHashLSH

    texts = _texts(d / "synth.jsonl")
    t = time.perf_counter()
    sets = [[s.encode() for s in _shingles(x)] for x in texts]
    sigs = MinHash.bulk(sets, num_perm=128)
    lsh = MinHashLSH(threshold=THR, num_perm=128)
    with lsh.insertion_session() as s:
        for i, m in enumerate(sigs):
            s.insert(i, m, check_duplication=False)
    pairs = sorted({(min(i, j), max(i, j)) for i, m in enumerate(sigs) for j in lsh.query(m) if j != i})
    return {"total_s": round(time.perf_counter() - t, 1), "pairs": [list(p) for p in pairs]}


def tool_rensa(d: Path) -> dict:
    from rensa import RMinHash, RMinHashLSH

    texts = _texts(d / "synth.jsonl")
    t = time.perf_counter()
    lsh = RMinHashLSH(threshold=THR, num_perm=128, num_bands=16)
    sigs = []
    for i, x in enumerate(texts):
        m = RMinHash(num_perm=128, seed=42)
        m.update(list(_shingles(x)))
        sigs.append(m)
        lsh.insert(i, m)
    pairs = sorted({(min(i, j), max(i, j)) for i, m in enumerate(sigs) for j in lsh.query(m) if j != i})
    return {"total_s": round(time.perf_counter() - t, 1), "pairs": [list(p) for p in pairs]}


def _child(args) -> None:
    d = Path(args.dir)
    out = {"ours": lambda: tool_ours(d, args.workers), "datasketch": lambda: tool_datasketch(d),
           "rensa": lambda: tool_rensa(d)}[args.tool]()
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu_s"] = round(me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, 1)  # with pool workers
    out["peak_rss_mib"] = round(me.ru_maxrss / 1024)
    out["worker_peak_rss_mib"] = round(kids.ru_maxrss / 1024)
    Path(args.out).write_text(json.dumps(out))


def _run(tool: str, d: Path, workers: int) -> dict:
    out = d / f"{tool}.json"
    t = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--child", tool, "--dir", str(d), "--out", str(out),
                    "--workers", str(workers)], check=True, cwd=ROOT)
    res = json.loads(out.read_text())
    res["wall_s"] = round(time.perf_counter() - t, 1)  # the whole process: imports, reading, computing
    return res


def _score(pairs: set, planted: list, texts_a, texts_b, sample: int = 2000) -> tuple[float, float | None]:
    truth = [(a, b) for a, b in planted if _jac(texts_a[a], texts_b[b]) >= THR]
    recall = sum((min(a, b), max(a, b)) in pairs for a, b in truth) / max(1, len(truth))
    got = sorted(pairs)[:sample]
    precision = (sum(_jac(texts_a[a], texts_b[b]) >= THR for a, b in got) / len(got)) if got else None
    return round(recall, 4), None if precision is None else round(precision, 4)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tools", default="ours,rensa,datasketch")
    ap.add_argument("--child")
    ap.add_argument("--dir")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        args.tool = args.child
        return _child(args)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        planted = build(args.docs, d)
        real, synth = _texts(d / "real.jsonl"), _texts(d / "synth.jsonl")
        mb = sum((d / f).stat().st_size for f in ("real.jsonl", "synth.jsonl")) / 2**20
        rows = {}
        for tool in args.tools.split(","):
            r = _run(tool, d, args.workers)
            pairs = {tuple(p) for p in r.pop("pairs")}
            if tool == "ours":  # near duplicates are clusters: a planted pair counts when both are in one
                label = np.asarray(r.pop("label"))
                truth = [(a, b) for a, b in planted["near_dups"] if _jac(synth[a], synth[b]) >= THR]
                r["near_dup_recall"] = round(sum(label[a] >= 0 and label[a] == label[b] for a, b in truth)
                                             / max(1, len(truth)), 4)
                r["near_dup_precision"] = _score(pairs, [], synth, synth)[1]
                copies = {int(k): v for k, v in r.pop("copies").items()}
                cp = [(a, b) for a, b in planted["near_copies"] + planted["copies"] if _jac(real[a], synth[b]) >= THR]
                r["near_copy_recall"] = round(sum(b in copies for a, b in cp) / max(1, len(cp)), 4)
                r["near_copy_precision"] = round(np.mean([_jac(real[v], synth[k]) >= THR for k, v in
                                                          sorted(copies.items())[:2000]]), 4) if copies else None
            else:
                r["near_dup_recall"], r["near_dup_precision"] = _score(pairs, planted["near_dups"], synth, synth)
                r["reported_pairs"] = len(pairs)
            rows[tool] = r
            print(tool, json.dumps(r), flush=True)
    result = {"docs_per_side": args.docs, "input_mb": round(mb, 1), "workers": args.workers,
              "load_before": [round(x, 1) for x in load], "load_after": [round(x, 1) for x in os.getloadavg()],
              "planted": {k: len(v) for k, v in planted.items()}, "tools": rows}
    out = ROOT / "benchmarks" / "duplication_results.json"
    prev = json.loads(out.read_text()) if out.exists() else []
    out.write_text(json.dumps(prev + [result], indent=2) + "\n")
    lines = [f"## {args.docs:,} + {args.docs:,} documents ({mb:.0f} MB), {args.workers} workers, load "
             f"{result['load_before']} -> {result['load_after']} on {os.cpu_count()} cores", "",
             "| tool | wall s | CPU s | peak RSS MiB | near-dup recall | near-dup precision | other |", "|---|---|---|---|---|---|---|"]
    for tool, r in rows.items():
        other = {k: v for k, v in r.items() if k not in ("wall_s", "cpu_s", "peak_rss_mib", "near_dup_recall",
                                                          "near_dup_precision")}
        lines.append(f"| {tool} | {r['wall_s']} | {r['cpu_s']} | {r['peak_rss_mib']} | {r['near_dup_recall']} | "
                     f"{r['near_dup_precision']} | {json.dumps(other)} |")
    md = ROOT / "benchmarks" / "duplication_results.md"
    head = "" if md.exists() else "# Full-corpus duplication benchmark (benchmarks/duplication.py)\n\n"
    md.write_text((md.read_text() if md.exists() else head) + "\n".join(lines) + "\n\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
