"""The map's layout, looked at: the audit's NumPy UMAP layout beside umap-learn's, on the same points and the
same exact kNN graph, for CPU, first-run cost and neighbourhoods kept (run on demand, not a test).

    python benchmarks/map_layout.py                        # the 16k pair and the demo, warm and cold
    python benchmarks/map_layout.py --cases cb --no-cold --out /tmp/maps

Per case, the points the audit would map are taken from the audit itself (language and drift families, one
process, so every point carries the drift family's topic cluster). Each engine then lays them out in a fresh
process, which reports its CPU time for the imports and for the layout:

- ``numpy``: ``audit.layout.umap_layout``, the code's;
- ``umap-learn``: ``umap.UMAP`` on the same graph (``precomputed_knn``), with numba's on-disk cache warm
  (a first, untimed run fills it), as the audit used it up to session 8;
- ``umap-learn, cold``: the same with an empty ``NUMBA_CACHE_DIR``: a machine's first map (``--no-cold``
  skips it; it costs ~35 s a case).

Neighbourhoods kept: trustworthiness at 10 neighbours (cosine, scikit-learn's ``trustworthiness``; 1 = no
false neighbours on the map). The pictures go side by side into ``<out>/map_layout.png`` (top: real vs
synthetic; bottom: topic clusters), the figures into ``<out>/map_layout_results.md``.
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
CORPORA = ROOT.parent / "shared" / "corpora" / "clickbait"
CASES = {"cb": ("the 16k pair", CORPORA / "news.jsonl", CORPORA / "clickbait.jsonl"),
         "demo": ("sample_data", ROOT / "sample_data" / "real.jsonl", ROOT / "sample_data" / "synth.jsonl")}


def _grab(real: str, synth: str, out: str) -> None:
    """Child: audit the pair, saving the map's input points and the result (for the clusters)."""
    import numpy as np

    import audit.projection as projection

    original = projection.project

    def project(x, **kw):
        np.save(out + ".npy", x)
        return original(x, **kw)

    projection.project = project
    import audit.cli as cli

    cli.main(["compare", real, synth, "--families", "language,drift", "--workers", "1", "--quiet", "--force",
              "--no-cache", "--json", out + ".json"])


def _layout(engine: str, points: str, out: str) -> None:
    """Child: lay the points out with one engine, printing its CPU for imports and layout as JSON."""
    t0 = time.process_time()
    import numpy as np

    from audit.projection import cosine_knn

    x = np.load(points)
    idx, dist = cosine_knn(x, 15)
    if engine == "numpy":
        import scipy.sparse.linalg  # noqa: F401 - loaded in the audit's process before the map (scikit-learn)

        from audit.layout import umap_layout

        t1 = time.process_time()
        y = umap_layout(idx, dist, n_epochs=200, min_dist=0.1, random_state=0)
    else:
        from tests.umap_reference import import_umap, umap_learn_layout

        import_umap()
        t1 = time.process_time()
        y = umap_learn_layout(x, idx, dist, random_state=0)
    t2 = time.process_time()
    np.save(out, y)
    print(json.dumps({"imports_cpu_s": round(t1 - t0, 2), "layout_cpu_s": round(t2 - t1, 2)}))


def _trust(unit, layout: str) -> float:
    """Trustworthiness at 10 neighbours of a layout of the unit-norm points ``unit``."""
    import numpy as np
    from sklearn.manifold import trustworthiness

    return float(trustworthiness(unit, np.load(layout), n_neighbors=10))


def _plot(rows: list[tuple[str, str, list[tuple[str, str]]]], png: str) -> None:
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = max(len(r[2]) for r in rows)
    fig, axes = plt.subplots(2 * len(rows), cols, figsize=(4.5 * cols, 9 * len(rows)), squeeze=False)
    for i, (case, result, layouts) in enumerate(rows):
        pts = json.loads(Path(result).read_text(encoding="utf-8"))["sections"]["map"]["points"]
        corpus = np.array([p["corpus"] for p in pts])
        cluster = np.array([-1 if p["cluster"] is None else p["cluster"] for p in pts])
        for j, (label, f) in enumerate(layouts):
            y = np.load(f)
            top, bottom = axes[2 * i, j], axes[2 * i + 1, j]
            for name, colour in (("real", "tab:blue"), ("synth", "tab:orange")):
                sel = corpus == name
                top.scatter(y[sel, 0], y[sel, 1], s=2, c=colour, alpha=0.5, label=name)
            top.set_title(f"{case}: {label}")
            top.legend(markerscale=5)
            bottom.scatter(y[:, 0], y[:, 1], s=2, c=cluster, cmap="tab20", alpha=0.6)
    plt.tight_layout()
    plt.savefig(png, dpi=50)


def _child(args: list[str], env: dict | None = None) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), **(env or {})})
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="cb,demo", help=f"comma list of {', '.join(CASES)}")
    ap.add_argument("--no-cold", action="store_true", help="skip umap-learn with an empty numba cache")
    ap.add_argument("--out", default=str(ROOT / "benchmarks"))
    ap.add_argument("--child-grab", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--child-layout", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_grab:
        _grab(*args.child_grab)
        return
    if args.child_layout:
        _layout(*args.child_layout)
        return
    lines = [f"{time.strftime('%Y-%m-%d %H:%M')}, load {os.getloadavg()[0]:.2f} at the start",
             "", "| case | points | engine | imports CPU s | layout CPU s | trustworthiness@10 |",
             "|---|---|---|---|---|---|"]
    import numpy as np

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for key in args.cases.split(","):
            case, real, synth = CASES[key]
            grab = str(Path(tmp) / key)
            _child(["--child-grab", str(real), str(synth), grab])
            points = grab + ".npy"
            x = np.load(points)
            unit = x / np.linalg.norm(x, axis=1, keepdims=True)
            engines = [("numpy", "numpy", None), ("umap-learn", "umap-learn", None)]
            _child(["--child-layout", "umap-learn", points, str(Path(tmp) / "warmup.npy")])  # fills numba's cache
            if not args.no_cold:
                cold = Path(tmp) / f"numba-{key}"
                cold.mkdir()
                engines.append(("umap-learn, cold", "umap-learn", {"NUMBA_CACHE_DIR": str(cold)}))
            layouts = []
            for label, engine, env in engines:
                out = str(Path(tmp) / f"{key}-{label.replace(', ', '-')}.npy")
                info = _child(["--child-layout", engine, points, out], env)
                lines.append(f"| {case} | {len(x):,} | {label} | {info['imports_cpu_s']} | {info['layout_cpu_s']} | "
                             f"{_trust(unit, out):.4f} |")
                print(lines[-1], flush=True)
                layouts.append((label, out))
            rows.append((case, grab + ".json", layouts))
        _plot(rows, str(Path(args.out) / "map_layout.png"))
    lines += ["", f"load {os.getloadavg()[0]:.2f} at the end"]
    Path(args.out, "map_layout_results.md").write_text(
        "# The map's layout: NumPy against umap-learn (`python benchmarks/map_layout.py "
        + " ".join(sys.argv[1:]) + "`)\n\n" + "\n".join(lines)
        + "\n\nPicture: `map_layout.png` (per case, top: real vs synthetic; bottom: topic clusters).\n"
        "Both engines lay out the same points on the same exact cosine kNN graph (k = 15, 200 epochs, "
        "min_dist 0.1, seed 0). 'imports' is everything before the layout: Python's own imports, the kNN "
        "graph and, for umap-learn, loading (or, cold, compiling) its numba code.\n",
        encoding="utf-8")


if __name__ == "__main__":
    main()
