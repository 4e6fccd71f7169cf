"""The map: a 2-D UMAP projection of both corpora's embeddings, capped by seeded sampling."""
from __future__ import annotations

import warnings

import numpy as np

from audit.context import AuditContext

SNIPPET = 240


def corpus_map(ctx: AuditContext, *, max_points: int = 1500, random_state: int = 0, method: str = "umap") -> dict:
    """Points (x, y, corpus, cluster, id, text snippet) for at most ``max_points`` docs per corpus.

    ``method`` is "umap" (default; falls back to PCA when UMAP fails on tiny or degenerate input) or
    "pca" (fast and dependency-free, for tests and quick looks).

    The projection is fitted on the pooled sample so both corpora share one space. When the drift family
    has clustered the corpora (``ctx.shared["topics"]``), each point carries its cluster id and the
    clusters' label positions (median of their points) and keywords are included.
    """
    rng = np.random.default_rng([random_state, 7])
    picks = {}
    for name, c in (("real", ctx.real), ("synth", ctx.synth)):
        n = len(c)
        picks[name] = np.sort(rng.choice(n, size=min(n, max_points), replace=False)) if n else np.array([], int)
    x = np.vstack([ctx.real.embeddings[picks["real"]], ctx.synth.embeddings[picks["synth"]]])
    if len(x) < 5:
        return {"points": [], "clusters": [], "method": "none", "sampled": False}
    if method not in ("umap", "pca"):
        raise ValueError(f"map method must be 'umap' or 'pca', got {method!r}")
    xy = None
    if method == "umap":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import umap

                reducer = umap.UMAP(n_neighbors=min(15, len(x) - 1), min_dist=0.1, metric="cosine",
                                    random_state=random_state, n_jobs=1, n_epochs=200,
                                    init="random" if len(x) < 50 else "spectral")
                xy = reducer.fit_transform(x)
        except Exception:  # tiny or degenerate inputs: fall back to PCA rather than lose the map
            xy = None
    if xy is None:
        from sklearn.decomposition import PCA

        method = "pca"
        xy = PCA(n_components=2, random_state=random_state).fit_transform(x)
    xy = np.asarray(xy, dtype=float)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    xy = (xy - lo) / np.where(hi - lo > 0, hi - lo, 1.0)

    topics = ctx.shared.get("topics") or {}
    labels = {"real": topics.get("labels_real"), "synth": topics.get("labels_synth")}
    points = []
    k = 0
    for name, c in (("real", ctx.real), ("synth", ctx.synth)):
        for i in picks[name]:
            doc = c.docs[int(i)]
            lab = labels[name][int(i)] if labels[name] is not None else None
            points.append({"x": round(float(xy[k, 0]), 4), "y": round(float(xy[k, 1]), 4), "corpus": name,
                           "cluster": None if lab is None else int(lab), "id": doc.id,
                           "text": doc.text[:SNIPPET]})
            k += 1
    clusters = []
    for cl in topics.get("clusters", []):
        members = [p for p in points if p["cluster"] == cl["id"]]
        if not members:
            continue
        clusters.append({
            "id": cl["id"], "keywords": cl.get("keywords", [])[:5], "status": cl.get("status", "ok"),
            "real_share": cl.get("real_share"), "synth_share": cl.get("synth_share"),
            "x": round(float(np.median([p["x"] for p in members])), 4),
            "y": round(float(np.median([p["y"] for p in members])), 4),
        })
    return {"points": points, "clusters": clusters, "method": method,
            "sampled": any(len(picks[n]) < len(c) for n, c in (("real", ctx.real), ("synth", ctx.synth))),
            "max_points_per_corpus": max_points}
