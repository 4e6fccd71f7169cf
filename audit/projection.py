"""The map: a 2-D UMAP projection of both corpora's embeddings, capped by seeded sampling.

The neighbour graph is computed here, exactly, from the normalised vectors (one matrix product per block
of rows), and UMAP's layout on it by :func:`audit.layout.umap_layout` (NumPy: the same graph,
initialisation and loss as umap-learn, tested against it). umap-learn itself is numba code: its first map
on a machine compiled for about 35 s (1,000 + 1,000 headlines: 45 s instead of 8.5 s), and every later
one loaded ~1.5 s of compiled code and ~115 MB of LLVM before laying out, more slowly than this does.
"""
from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable

import numpy as np

from audit.context import AuditContext

SNIPPET = 240
MAP_POINTS = 1500  # documents per corpus on the map (seeded sample)
WORKER_MIN_POINTS = 2000  # points; from this many, the projection runs in a worker process (start_map)


def cosine_knn(x: np.ndarray, k: int, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``k`` nearest neighbours by cosine distance (each row's first neighbour is itself, at 0),
    as UMAP expects them: indices (n, k) int64 and distances (n, k) float32, ties broken by index."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / np.where(norms > 0, norms, 1.0)
    n = len(x)
    idx = np.empty((n, k), dtype=np.int64)
    dist = np.empty((n, k), dtype=np.float32)
    for s in range(0, n, block):
        d = 1.0 - x[s:s + block] @ x.T
        rows = np.arange(len(d))
        d[rows, s + rows] = -1.0  # itself first, whatever the rounding
        part = np.argpartition(d, k - 1, axis=1)[:, :k] if k < n else np.tile(np.arange(n), (len(d), 1))
        pd = np.take_along_axis(d, part, axis=1)
        order = np.lexsort((part, pd), axis=1)
        idx[s:s + block] = np.take_along_axis(part, order, axis=1)
        dist[s:s + block] = np.maximum(np.take_along_axis(pd, order, axis=1), 0.0)
    return idx, dist


def corpus_map(ctx: AuditContext, *, max_points: int = MAP_POINTS, random_state: int = 0, method: str = "umap") -> dict:
    """Points (x, y, corpus, cluster, id, text snippet) for at most ``max_points`` docs per corpus.

    ``method`` is "umap" (default; falls back to PCA when UMAP fails on tiny or degenerate input) or
    "pca" (fast and dependency-free, for tests and quick looks). UMAP's layout is computed by
    :func:`audit.layout.umap_layout` (NumPy; the same graph, initialisation and loss as umap-learn).

    The projection is fitted on the pooled sample so both corpora share one space. When the drift family
    has clustered the corpora (``ctx.shared["topics"]``), each point carries its cluster id and the
    clusters' label positions (median of their points) and keywords are included.
    """
    return start_map(ctx, max_points=max_points, random_state=random_state, method=method)()


def map_picks(ctx: AuditContext, max_points: int, random_state: int) -> dict[str, np.ndarray]:
    """The rows of each corpus the map shows: at most ``max_points`` per corpus, seeded, sorted."""
    rng = np.random.default_rng([random_state, 7])
    picks = {}
    for name, c in (("real", ctx.real), ("synth", ctx.synth)):
        n = len(c)
        picks[name] = np.sort(rng.choice(n, size=min(n, max_points), replace=False)) if n else np.array([], int)
    return picks


def map_input(ctx: AuditContext, picks: dict[str, np.ndarray]) -> np.ndarray:
    """The picked embeddings, real rows first: what :func:`project` lays out."""
    return np.vstack([ctx.real.embeddings[picks["real"]], ctx.synth.embeddings[picks["synth"]]])


def project(x: np.ndarray, *, random_state: int = 0, method: str = "umap") -> tuple[np.ndarray, str]:
    """The 2-D layout of the rows of ``x``, scaled to [0, 1] on each axis, and the method that made it.

    A pure function of its arguments (no context), so it can run in a worker process (:func:`start_map`)
    while the metric families run here. ``x`` needs at least 5 rows.
    """
    if method not in ("umap", "pca"):
        raise ValueError(f"map method must be 'umap' or 'pca', got {method!r}")
    xy = None
    if method == "umap":
        k = min(15, len(x) - 1)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from audit.layout import umap_layout

                xy = umap_layout(*cosine_knn(x, k), n_epochs=200, min_dist=0.1, random_state=random_state)
            if not np.isfinite(xy).all():
                xy = None
        except Exception:  # tiny or degenerate inputs: fall back to PCA rather than lose the map
            xy = None
    if xy is None:
        from sklearn.decomposition import PCA

        method = "pca"
        xy = PCA(n_components=2, random_state=random_state).fit_transform(x)
    xy = np.asarray(xy, dtype=float)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return (xy - lo) / np.where(hi - lo > 0, hi - lo, 1.0), method


def map_section(ctx: AuditContext, picks: dict[str, np.ndarray], xy: np.ndarray, method: str,
                max_points: int) -> dict:
    """The report's map section: the laid-out points with their text snippets, and, when the drift family
    has clustered the corpora (``ctx.shared["topics"]``), each point's cluster and the clusters' labels."""
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


def _project_task(x: np.ndarray, random_state: int, method: str, threads: int) -> tuple[np.ndarray, str]:
    """:func:`project` in a worker process, with the parent's numeric-thread budget (the same budget gives
    the same digits)."""
    from audit.threads import limited_threads

    with limited_threads(threads):
        return project(x, random_state=random_state, method=method)


# in the families' worker process (the host of :func:`start_map`): each forked map process's id -> the
# read end of its pipe
_FORKED: dict[int, int] = {}


def forks_map() -> bool:
    """Whether the map's process may be forked from the families' worker here: on Linux only. Elsewhere
    ``os.fork`` is missing (Windows) or unsafe once system libraries have started threads (macOS, where
    Python itself starts processes by spawning), so the map gets a new worker process, as before."""
    import sys

    return hasattr(os, "fork") and sys.platform.startswith("linux")


def fork_projection(x: np.ndarray, random_state: int, method: str, threads: int) -> int:
    """In the families' worker (run there as a task): fork a process that computes :func:`_project_task`
    and writes its pickled result to a pipe; return its process id for :func:`collect_projection`.

    The worker has imported NumPy, SciPy, scikit-learn and the layout (``family_worker.warm``), so the
    forked process starts with them. It forks only while no family has run there and no other thread
    exists, so no library holds a lock or a thread pool that the fork would copy half-way; else it raises
    and the map is made in the audit process. The child never returns to the worker's task loop: it exits
    with ``os._exit`` whatever happens (a failure there leaves the pipe empty, which
    :func:`collect_projection` reports)."""
    import pickle

    from audit import family_worker

    if family_worker.ran_families() or threading.active_count() > 1:
        raise RuntimeError("the families' worker is no longer fresh: the map is not forked from it")
    pid, r = family_worker.fork_writing(lambda: pickle.dumps(_project_task(x, random_state, method, threads),
                                                             protocol=pickle.HIGHEST_PROTOCOL))
    _FORKED[pid] = r
    return pid


def collect_projection(pid: int) -> tuple[np.ndarray, str]:
    """In the families' worker: the layout the process :func:`fork_projection` started computed (waits
    for it); raises if it failed."""
    import pickle

    with os.fdopen(_FORKED.pop(pid), "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        raise RuntimeError(f"the map's process failed (wait status {status})")
    return pickle.loads(data)


def map_in_worker(n_points: int, workers: int) -> bool:
    """Whether :func:`start_map` sends a map of ``n_points`` points to a worker process."""
    return workers > 1 and n_points >= WORKER_MIN_POINTS


def start_map(ctx: AuditContext, *, max_points: int = MAP_POINTS, random_state: int = 0, method: str = "umap",
              workers: int = 1, host=None) -> Callable[[], dict]:
    """Start :func:`corpus_map`; the returned function finishes it and returns the same section.

    With ``workers`` > 1 and a map of at least :data:`WORKER_MIN_POINTS` points, the projection runs in a
    worker process while this process computes the metric families (on a thread, umap-learn's layout made
    the audit 1.5-2 s slower, session 6; the NumPy layout was not tried on one). Only the picked embeddings
    go to the worker and only the 2-D layout comes back; the cluster labels, which the drift family
    computes meanwhile, are attached here when it is finished. If the worker cannot run (no process can be
    started, it died), the projection is computed here instead: the section is the same either way.
    Smaller maps are made here when the returned function is called, after the families.

    ``host``: the families' worker pool (``family_worker.prestart(with_map=True)``). On Linux
    (:func:`forks_map`) the projection then runs in a process forked from that worker
    (:func:`fork_projection`), which has its imports already, rather than in a new child of the fork server
    that imports them again. Call this before the families are sent to that worker: its tasks run in turn,
    so the fork comes first.
    """
    picks = map_picks(ctx, max_points, random_state)
    x = map_input(ctx, picks)
    if len(x) < 5:
        return lambda: {"points": [], "clusters": [], "method": "none", "sampled": False}

    def here() -> dict:
        xy, used = project(x, random_state=random_state, method=method)
        return map_section(ctx, picks, xy, used, max_points)

    if method != "umap" or not map_in_worker(len(x), workers):  # a worker would cost more than it saves
        return here
    from audit.family_worker import new_pool
    from audit.threads import thread_budget

    pool = fut = forked = None
    try:
        if host is not None and forks_map():
            forked = host.submit(fork_projection, x, random_state, method, thread_budget())
        else:
            pool = new_pool()
            fut = pool.submit(_project_task, x, random_state, method, thread_budget())
    except Exception:  # noqa: BLE001 - no worker: the projection runs here when it is asked for
        pass

    def finish() -> dict:
        laid = None
        try:
            if forked is not None:
                laid = host.submit(collect_projection, forked.result()).result()
            elif fut is not None:
                laid = fut.result()
        except Exception:  # noqa: BLE001 - the worker failed to run: the same layout is computed here
            pass
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        return here() if laid is None else map_section(ctx, picks, *laid, max_points)

    return finish
