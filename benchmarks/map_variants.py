"""Cheaper maps, looked at: UMAP's layout CPU and the picture for fewer epochs or fewer points (run on demand).

    python benchmarks/map_variants.py                       # 200/1500 (the code's), 200/1000, 100/1500, 150/1500
    python benchmarks/map_variants.py --variants 200:1500,120:1500 --out /tmp/maps

Each variant audits the 16k pair (language and drift families only, one process, so the map's points carry
the drift family's topic clusters) with the layout's epochs and the points per corpus patched, prints the
layout's CPU time, and draws every variant side by side (top: real vs synthetic; bottom: topic clusters)
into ``benchmarks/map_variants.png``. Not a test: it is how a change to the map is judged ("look at it").
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora" / "clickbait"


def _child(epochs: int, points: int, out: str) -> None:
    sys.path.insert(0, str(ROOT))
    import audit.projection as projection

    def layout(x, k, random_state):
        umap = projection.import_umap()
        knn = projection.cosine_knn(x, k)
        t = time.process_time()
        xy = umap.UMAP(n_neighbors=k, min_dist=0.1, metric="cosine", random_state=random_state, n_jobs=1,
                       n_epochs=epochs, init="random" if len(x) < 50 else "spectral",
                       precomputed_knn=knn).fit_transform(x)
        print(json.dumps({"layout_cpu_s": round(time.process_time() - t, 2), "points": len(x)}), file=sys.stderr)
        return xy

    projection._umap_layout = layout
    projection.start_map = functools.partial(projection.start_map, max_points=points)
    import audit.cli as cli

    sys.exit(cli.main(["compare", str(CORPORA / "news.jsonl"), str(CORPORA / "clickbait.jsonl"), "--families",
                       "language,drift", "--workers", "1", "--quiet", "--force", "--no-cache", "--json", out]))


def _plot(files: dict[str, str], png: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(files), figsize=(4.5 * len(files), 9), squeeze=False)
    for j, (label, f) in enumerate(files.items()):
        pts = json.loads(Path(f).read_text(encoding="utf-8"))["sections"]["map"]["points"]
        for corpus, colour in (("real", "tab:blue"), ("synth", "tab:orange")):
            sel = [p for p in pts if p["corpus"] == corpus]
            axes[0, j].scatter([p["x"] for p in sel], [p["y"] for p in sel], s=2, c=colour, alpha=0.5, label=corpus)
        axes[0, j].set_title(label)
        axes[0, j].legend(markerscale=5)
        axes[1, j].scatter([p["x"] for p in pts], [p["y"] for p in pts], s=2, alpha=0.6, cmap="tab20",
                           c=[-1 if p["cluster"] is None else p["cluster"] for p in pts])
    plt.tight_layout()
    plt.savefig(png, dpi=50)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="200:1500,200:1000,100:1500,150:1500", help="epochs:points_per_corpus,...")
    ap.add_argument("--out", default=str(ROOT / "benchmarks"))
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(int(args.child[0]), int(args.child[1]), args.child[2])
        return
    files, lines = {}, [f"load {os.getloadavg()[0]:.2f} at the start"]
    with tempfile.TemporaryDirectory() as tmp:
        for v in args.variants.split(","):
            epochs, points = (int(x) for x in v.split(":"))
            out = str(Path(tmp) / f"map_{epochs}_{points}.json")
            proc = subprocess.run([sys.executable, __file__, "--child", str(epochs), str(points), out],
                                  capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
            info = json.loads([x for x in proc.stderr.splitlines() if x.startswith("{")][-1])
            label = f"{epochs} epochs, {points} per corpus"
            lines.append(f"{label}: layout {info['layout_cpu_s']} s CPU for {info['points']} points")
            files[label] = out
        _plot(files, str(Path(args.out) / "map_variants.png"))
    lines.append(f"load {os.getloadavg()[0]:.2f} at the end")
    Path(args.out, "map_variants_results.md").write_text(
        "# Map variants (`python benchmarks/map_variants.py`)\n\n" + "\n".join(f"- {x}" for x in lines)
        + "\n\nPicture: `benchmarks/map_variants.png` (top: real vs synthetic; bottom: topic clusters).\n",
        encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
