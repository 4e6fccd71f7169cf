"""The metric families on several threads and the map's projection in a worker process give exactly what
one family at a time in this process gives; a shared value is made once; failures and a worker that cannot
run behave as in one process."""
import json
import threading
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

from audit.families import FamilyOutput

ROOT = Path(__file__).resolve().parents[1]


def _texts(side: str, n: int) -> list[str]:
    lines = (ROOT / "sample_data" / f"{side}.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    return [json.loads(line)["text"] for line in lines]


def _rows(entries) -> list[str]:
    return [json.dumps(e.to_dict(), sort_keys=True, default=str) for e in entries]


@pytest.mark.parametrize("in_worker", [("diversity", "bias", "properties"), ()])
def test_families_side_by_side_equal_one_family_at_a_time(make_ctx, monkeypatch, in_worker):
    from audit import family_worker
    from audit.pipeline import run_context

    real, synth = _texts("real", 160), _texts("synth", 160)
    one_entries, one_sections = run_context(make_ctx(real, synth))
    assert len(one_entries) > 40 and {e.family for e in one_entries} >= {"diversity", "drift", "bias"}
    monkeypatch.setattr(family_worker, "MIN_DOCS", 100)  # 160 documents run side by side
    monkeypatch.setattr(family_worker, "IN_WORKER", in_worker)  # with the worker process, and threads alone
    for workers in (2, 7):  # two threads; one per family
        entries, sections = run_context(make_ctx(real, synth), workers=workers)
        assert _rows(entries) == _rows(one_entries)  # same rows, same order, same q-values
        assert (json.dumps(sections, sort_keys=True, default=str)
                == json.dumps(one_sections, sort_keys=True, default=str))


def test_threads_are_really_used_and_rows_come_back_in_report_order(make_ctx, monkeypatch):
    """Two families that each wait for the other finish only if they run at the same time; the rows come
    back in report order although the later family finishes first."""
    import audit.families as fams
    from audit.pipeline import run_context
    from audit.result import MetricEntry

    both = threading.Barrier(2, timeout=10)

    def family(name, delay):
        def run(ctx):
            both.wait()  # a BrokenBarrierError (after 10 s) if the other family is not running meanwhile
            threading.Event().wait(delay)
            return FamilyOutput([MetricEntry(family=name, name=f"{name}_row", title=name, description="",
                                             better="higher", kind="per_corpus", verdict="info", reason="")],
                                {name: threading.current_thread().name})
        return run

    monkeypatch.setattr(fams, "runners", lambda: {"diversity": family("diversity", 0.2),
                                                  "drift": family("drift", 0.0)})
    monkeypatch.setattr("audit.family_worker.IN_WORKER", ())  # both on threads (a worker has the real ones)
    monkeypatch.setattr("audit.family_worker.MIN_DOCS", 1)
    entries, sections = run_context(make_ctx(_texts("real", 20), _texts("synth", 20)),
                                    families=("diversity", "drift"), workers=2)
    assert [e.name for e in entries] == ["diversity_row", "drift_row"]
    assert sections["diversity"] != sections["drift"]  # two threads
    assert all(name.startswith("audit-family") for name in sections.values())


def test_a_failing_family_raises_the_first_failure_in_report_order(make_ctx, monkeypatch):
    import audit.families as fams
    from audit.pipeline import run_context

    def boom(name, delay):
        def run(ctx):
            threading.Event().wait(delay)
            raise RuntimeError(f"{name} failed")
        return run

    # drift fails first in time (diversity waits), diversity first in report order: diversity's error is
    # raised, as it is when the families run one at a time
    monkeypatch.setattr(fams, "runners", lambda: {"diversity": boom("diversity", 0.3), "drift": boom("drift", 0.0)})
    monkeypatch.setattr("audit.family_worker.IN_WORKER", ())
    monkeypatch.setattr("audit.family_worker.MIN_DOCS", 1)
    ctx = make_ctx(_texts("real", 20), _texts("synth", 20))
    for workers in (1, 2):
        with pytest.raises(RuntimeError, match="diversity failed"):
            run_context(ctx, families=("diversity", "drift"), workers=workers)


def test_families_in_a_worker_process_equal_the_families_here(make_ctx):
    from audit.families import runners
    from audit.family_worker import IN_WORKER, context_from, finish_families, payload, start_families

    assert set(IN_WORKER) == {"diversity", "bias", "properties"}
    ctx = make_ctx(_texts("real", 120), _texts("synth", 120))
    rebuilt = context_from(payload(ctx))  # the same halves, cut by content
    for half in ("real_a", "real_b"):
        assert [d.id for d in getattr(rebuilt, half).docs] == [d.id for d in getattr(ctx, half).docs]
    started = start_families(IN_WORKER, ctx)
    assert started[0] is not None and started[1] is not None  # a real worker process, not the fallback
    there = finish_families(started, IN_WORKER, lambda name: pytest.fail("the worker's result was not used"))
    assert list(there) == list(IN_WORKER)
    for name in IN_WORKER:
        here = runners()[name](ctx)
        assert _rows(there[name].entries) == _rows(here.entries) and here.entries, name
        assert (json.dumps(there[name].sections, sort_keys=True, default=str)
                == json.dumps(here.sections, sort_keys=True, default=str)), name


def test_families_whose_worker_fails_run_here_and_keep_their_errors(make_ctx, monkeypatch):
    import audit.reading
    from audit.family_worker import finish_families, start_families

    ctx = make_ctx(_texts("real", 30), _texts("synth", 30))
    failed = Future()
    failed.set_exception(RuntimeError("the worker died"))

    def here(name):
        if name == "bias":
            raise ValueError("bias failed here")
        return f"{name} ran here"

    out = finish_families((failed, None), ("diversity", "bias", "properties"), here)
    assert out["diversity"] == "diversity ran here" and out["properties"] == "properties ran here"
    assert isinstance(out["bias"], ValueError)  # kept, for the caller to raise in report order

    def no_processes():
        raise OSError("no processes here")

    monkeypatch.setattr(audit.reading, "worker_context", no_processes)
    assert start_families(("diversity",), ctx) == (None, None)
    assert finish_families((None, None), ("diversity",), here) == {"diversity": "diversity ran here"}


def test_an_error_of_a_family_in_the_worker_group_is_raised_in_report_order(make_ctx, monkeypatch):
    """drift (on a thread) and bias (in the worker's group, run here after the worker fails) both fail:
    drift comes first in the report, so drift's error is raised, as without workers."""
    import audit.families as fams
    from audit import family_worker
    from audit.pipeline import run_context

    def boom(name):
        def run(ctx):
            raise RuntimeError(f"{name} failed")
        return run

    monkeypatch.setattr(fams, "runners", lambda: {"drift": boom("drift"), "bias": boom("bias")})
    monkeypatch.setattr(family_worker, "MIN_DOCS", 1)
    monkeypatch.setattr(family_worker, "start_families", lambda names, ctx, pool=None: (None, None))
    ctx = make_ctx(_texts("real", 20), _texts("synth", 20))
    for workers in (1, 2):
        with pytest.raises(RuntimeError, match="drift failed"):
            run_context(ctx, families=("drift", "bias"), workers=workers)


def test_shared_value_is_made_once_when_threads_ask_together(make_ctx):
    ctx = make_ctx(_texts("real", 10), _texts("synth", 10))
    calls, start = [], threading.Barrier(8, timeout=10)

    def make():
        calls.append(1)
        threading.Event().wait(0.1)  # slow: the other threads arrive while it is being made
        return object()

    got = []

    def ask():
        start.wait()
        got.append(ctx.shared_value("k", make))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(got) == 8 and all(g is got[0] for g in got)
    assert ctx.shared_value("other", lambda: 5) == 5 and ctx.shared["other"] == 5 and ctx.shared["k"] is got[0]


def _failed():
    from concurrent.futures.process import BrokenProcessPool

    f = Future()
    f.set_exception(BrokenProcessPool("a worker died"))
    return f


def _map_ctx(n):
    from audit.context import build_context
    from audit.documents import Document

    rng = np.random.default_rng(1)
    centres = rng.standard_normal((3, 32)) * 4
    emb = np.vstack([centres[i % 3] + rng.standard_normal(32) for i in range(n)]).astype(np.float32)
    docs = [Document(id=str(i), text=f"document {i}", source="t", line=i) for i in range(n)]
    ctx = build_context(docs[:n // 2], docs[n // 2:], emb[:n // 2], emb[n // 2:], seed=0)
    # the drift family's clusters, as the map finds them once the families are done
    ctx.shared["topics"] = {"labels_real": [i % 3 for i in range(n // 2)],
                            "labels_synth": [(n // 2 + i) % 3 for i in range(n - n // 2)],
                            "clusters": [{"id": c, "keywords": [f"k{c}"], "real_share": 0.3, "synth_share": 0.3}
                                         for c in range(3)]}
    return ctx


class CountingPool:
    """concurrent.futures.ProcessPoolExecutor, counting the pools made (so a test knows a worker ran)."""

    made: list = []

    def __new__(cls, *a, **kw):
        import concurrent.futures.process

        pool = concurrent.futures.process.ProcessPoolExecutor(*a, **kw)
        cls.made.append(pool)
        return pool


@pytest.mark.slow  # a worker process of its own
def test_map_projected_in_a_worker_equals_the_map_made_here(monkeypatch):
    import concurrent.futures

    import audit.projection
    from audit.projection import corpus_map, start_map

    ctx = _map_ctx(480)
    here = corpus_map(ctx, random_state=3)
    assert here["method"] == "umap" and len(here["clusters"]) == 3 and here["points"][0]["cluster"] == 0
    assert start_map(ctx, random_state=3, workers=2)() == here  # 480 points: made here, after the families
    monkeypatch.setattr(audit.projection, "WORKER_MIN_POINTS", 400)  # as a large map: in a worker process
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", CountingPool)
    CountingPool.made = []
    assert start_map(ctx, random_state=3, workers=2)() == here
    assert len(CountingPool.made) == 1


@pytest.mark.slow
def test_map_falls_back_to_this_process_when_the_worker_cannot_run(monkeypatch):
    import concurrent.futures

    import audit.reading
    from audit.projection import corpus_map, start_map

    monkeypatch.setattr("audit.projection.WORKER_MIN_POINTS", 400)  # 480 points go to a worker
    ctx = _map_ctx(480)
    here = corpus_map(ctx, random_state=3)

    dead = []

    class Dead:  # a pool whose worker died
        def __init__(self, *a, **kw):
            self.shut = False

        def submit(self, *a, **kw):
            dead.append(self)
            return _failed()

        def shutdown(self, *a, **kw):
            self.shut = True

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Dead)
    assert start_map(ctx, random_state=3, workers=2)() == here
    assert len(dead) == 1 and dead[0].shut  # the worker was asked, failed, and its pool was shut down

    asked = []

    def no_processes():
        asked.append(1)
        raise OSError("no processes here")

    monkeypatch.setattr(audit.reading, "worker_context", no_processes)
    assert start_map(ctx, random_state=3, workers=2)() == here
    assert asked == [1]


@pytest.mark.slow
def test_map_forked_from_the_families_worker_equals_the_map_made_here(monkeypatch):
    """The map's process forked from the warmed families' worker (``host``) lays out the same map; it is
    really made there (this process's ``project`` is never called), and the worker still runs families."""
    import audit.projection
    from audit import family_worker
    from audit.projection import corpus_map, start_map

    monkeypatch.setattr(audit.projection, "WORKER_MIN_POINTS", 400)
    ctx = _map_ctx(480)
    here = corpus_map(ctx, random_state=3)
    calls = []
    real_project = audit.projection.project
    monkeypatch.setattr(audit.projection, "project", lambda *a, **kw: calls.append(1) or real_project(*a, **kw))
    with family_worker.shut_down_after(family_worker.prestart(with_map=True)) as pools:
        finish = start_map(ctx, random_state=3, workers=2, host=pools["families"])
        started = family_worker.start_families(("properties",), ctx, pools["families"])
        assert finish() == here
        assert calls == []  # laid out in the forked process, not here
        there = family_worker.finish_families(started, ("properties",), None)
    assert not isinstance(there["properties"], BaseException)


@pytest.mark.slow
def test_map_is_made_here_when_its_forked_process_dies_or_the_worker_is_not_fresh(monkeypatch):
    """A forked map process that dies leaves its pipe empty: ``collect_projection`` raises and the map is
    made here, the same. A worker that has already run families (its libraries may hold threads or locks)
    refuses to fork: the map is made here too."""
    import os
    import signal

    import audit.projection
    from audit import family_worker
    from audit.projection import collect_projection, corpus_map, fork_projection, start_map

    monkeypatch.setattr(audit.projection, "WORKER_MIN_POINTS", 400)
    ctx = _map_ctx(480)
    here = corpus_map(ctx, random_state=3)
    x = audit.projection.map_input(ctx, audit.projection.map_picks(ctx, 1500, 3))
    with family_worker.shut_down_after(family_worker.prestart(with_map=True)) as pools:
        host = pools["families"]
        pid = host.submit(fork_projection, x, 3, "umap", 1).result()
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(RuntimeError, match="map's process failed"):
            host.submit(collect_projection, pid).result()

        killed, calls = [], []

        class Killing:  # the host, killing the map's process as soon as it is forked (its layout takes longer)
            def submit(self, fn, *a):
                fut = host.submit(fn, *a)
                if fn is fork_projection:
                    os.kill(fut.result(), signal.SIGKILL)
                    killed.append(fut.result())
                return fut

        real_project = audit.projection.project
        monkeypatch.setattr(audit.projection, "project", lambda *a, **kw: calls.append(1) or real_project(*a, **kw))
        assert start_map(ctx, random_state=3, workers=2, host=Killing())() == here
        assert len(killed) == 1 and calls == [1]  # made here, once
        family_worker.finish_families(family_worker.start_families(("properties",), ctx, host), ("properties",), None)
        with pytest.raises(RuntimeError, match="no longer fresh"):
            host.submit(fork_projection, x, 3, "umap", 1).result()
        assert start_map(ctx, random_state=3, workers=2, host=host)() == here
        assert calls == [1, 1]


@pytest.mark.slow
def test_off_linux_the_map_gets_a_new_worker_not_a_fork(monkeypatch):
    """Where the map's process may not be forked (``forks_map``: Linux only), a host is not asked: the map
    goes to a new worker process, as before, and is the same."""
    import concurrent.futures

    import audit.projection
    from audit.projection import corpus_map, forks_map, start_map

    import sys

    monkeypatch.setattr(sys, "platform", "linux")
    assert forks_map()
    monkeypatch.setattr(sys, "platform", "darwin")  # fork exists, but Python itself spawns there
    assert not forks_map()
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delattr("os.fork")  # no fork at all (as on Windows)
    assert not forks_map()
    monkeypatch.undo()
    monkeypatch.setattr(audit.projection, "WORKER_MIN_POINTS", 400)
    monkeypatch.setattr(audit.projection, "forks_map", lambda: False)
    ctx = _map_ctx(480)
    here = corpus_map(ctx, random_state=3)

    class NoHost:
        def submit(self, *a, **kw):
            raise AssertionError("the host is not asked to fork")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", CountingPool)
    CountingPool.made = []
    assert start_map(ctx, random_state=3, workers=2, host=NoHost())() == here
    assert len(CountingPool.made) == 1  # a new worker laid it out


def test_small_or_single_worker_maps_are_made_here_without_a_pool(monkeypatch):
    """Below WORKER_MIN_POINTS points, or with one worker, or PCA: the map is made in this process."""
    import concurrent.futures

    from audit.projection import corpus_map, start_map

    def no_pool(*a, **kw):
        raise AssertionError("no worker process for this map")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    small = _map_ctx(120)
    assert start_map(small, random_state=2, workers=2)() == corpus_map(small, random_state=2)
    tiny = _map_ctx(4)
    assert start_map(tiny, workers=2)() == {"points": [], "clusters": [], "method": "none", "sampled": False}
    pca = _map_ctx(480)
    monkeypatch.setattr("audit.projection.WORKER_MIN_POINTS", 400)  # large enough for a worker, but PCA
    assert start_map(pca, method="pca", workers=2)() == corpus_map(pca, method="pca")
    assert start_map(pca, method="pca", workers=2)()["method"] == "pca"


def test_audit_with_one_worker_and_with_two_is_byte_identical(monkeypatch):
    """The whole report, map included, from the CLI's pipeline with one worker (reading, families and map
    here, in turn), with two (450 + 450 documents: diversity and bias in a forked copy of the process, the
    others here, one at a time; tests/test_forked_families.py), and with two as a large
    corpus gets them (diversity, bias and properties in a worker process, the other families on threads,
    the map in a process forked from that worker)."""
    import concurrent.futures

    from audit import family_worker, projection
    from audit.pipeline import AuditOptions, run_audit

    def audit(workers):
        return run_audit(AuditOptions(real=str(ROOT / "sample_data" / "real.jsonl"),
                                      synth=str(ROOT / "sample_data" / "synth.jsonl"), embedder="hash",
                                      use_cache=False, workers=workers)).to_json()

    one, two = audit(1), audit(2)
    assert json.loads(one)["sections"]["map"]["method"] == "umap"
    assert one == two
    monkeypatch.setattr(family_worker, "MIN_DOCS", 100)
    monkeypatch.setattr(projection, "WORKER_MIN_POINTS", 500)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", CountingPool)
    CountingPool.made = []
    finish, answered = family_worker.finish_families, []

    def spy(started, names, run_here):  # the worker's own answer, never the fallback
        answered.append(started[0] is not None and started[0].exception(timeout=300) is None)
        return finish(started, names, run_here)

    monkeypatch.setattr(family_worker, "finish_families", spy)
    laid_here, real_project = [], projection.project
    monkeypatch.setattr(projection, "project", lambda *a, **kw: laid_here.append(1) or real_project(*a, **kw))
    assert audit(2) == one
    assert len(CountingPool.made) == 1  # the families' worker (diversity, bias, properties); the map's is forked from it
    assert answered == [True] and laid_here == []  # the map was laid out in the forked process


def test_the_prestarted_worker_imports_the_families_and_is_left_out_when_none_can_start(monkeypatch):
    import audit.reading
    from audit import family_worker

    monkeypatch.setattr(CountingPool, "made", [])
    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", CountingPool)
    pools = family_worker.prestart()
    try:
        assert list(pools) == ["families"] and len(CountingPool.made) == 1
        # the worker has run its warm-up (imports) and still takes the real task
        assert pools["families"].submit(family_worker.warm).result(timeout=120) is None
    finally:
        for pool in pools.values():
            pool.shutdown()

    def no_processes():
        raise OSError("no processes here")

    monkeypatch.setattr(audit.reading, "worker_context", no_processes)
    assert family_worker.prestart() == {}


def test_the_worker_is_prestarted_only_for_large_samples_of_its_families(monkeypatch):
    from audit import family_worker
    from audit.pipeline import AuditOptions, _prestart

    assert family_worker.in_worker(family_worker.MIN_DOCS, 2)
    assert not family_worker.in_worker(family_worker.MIN_DOCS - 1, 2) and not family_worker.in_worker(10**6, 1)
    started = []
    monkeypatch.setattr(family_worker, "prestart", lambda with_map: started.append(with_map) or {"families": "pool"})
    assert _prestart(AuditOptions(real="r", synth="s"), 5000, 2) == {"families": "pool"}  # the 16k pair's default
    assert _prestart(AuditOptions(real="r", synth="s"), 5000, 1) == {}  # one CPU
    assert _prestart(AuditOptions(real="r", synth="s"), 450, 2) == {}  # sample_data: threads only
    assert _prestart(AuditOptions(real="r", synth="s", families=("drift", "duplication")), 5000, 2) == {}
    assert _prestart(AuditOptions(real="r", synth="s", families=("bias", "drift"), make_map=False), 5000,
                     2) == {"families": "pool"}
    # one family runs here, one at a time (run_context): a worker would only import what it never runs
    assert _prestart(AuditOptions(real="r", synth="s", families=("bias",), make_map=False), 5000, 2) == {}
    assert _prestart(AuditOptions(real="r", synth="s", families=("bias",)), 5000, 2) == {}
    assert started == [True, False]  # it imports the map's layout only when a map is made (forked from it)
    monkeypatch.setattr("audit.projection.forks_map", lambda: False)  # not Linux: no map forked from it
    assert _prestart(AuditOptions(real="r", synth="s"), 5000, 2) == {"families": "pool"}
    assert started == [True, False, False]
