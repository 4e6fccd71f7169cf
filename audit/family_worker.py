"""Metric families in a worker process, beside the families on this process's threads.

The families are mostly Python code (n-gram counts, self-BLEU, ROUGE-L, lexicon matches): on threads they
take turns on the interpreter lock, so two of them use barely more than one core. The families that read
only the sampled documents and their embeddings (never the whole-corpus statistics) run, one after
another, in one child of the reading pool's fork server instead (a fresh process: no locks inherited from
this one's threads). It gets the documents, embeddings, seed and options, rebuilds the same context (the
real halves and noise splits are cut by content, so they are the same documents) and sends back their
rows and sections. If the worker cannot run, the families run here: the result is the same either way.

Below :data:`MIN_DOCS` such a worker costs more than it saves (its imports), but on Linux a copy of this
process does not: :func:`fork_families` forks one, which has every library and the context already, to run
:data:`FORKED` while this process runs the other families (:func:`collect_forked` takes their outputs back).
It forks only while this process has no other Python thread, so no lock can be held by a thread the copy
lacks; otherwise, or if the copy fails, the families run here, with the same result.
"""
from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

# families that read the samples only (documents, embeddings, tokens, language labels), not ``stats``
IN_WORKER = ("diversity", "bias", "properties")
_SHARED = ("doc_languages",)  # values of ``ctx.shared`` worth sending when this process already has them
# sampled documents per corpus from which the families run side by side (this worker process and threads):
# its start and imports cost ~1-2 s of CPU (sample_data's 450 + 450 were 3 s slower with it), and below this
# threads alone gave nothing (100+100: 0.3 s slower); the 5,000 + 5,000 of the clickbait pair gain 4-6 s
MIN_DOCS = 2000


def _side(c) -> tuple:
    return c.name, c.docs, c.embeddings, c.n_total


def payload(ctx) -> tuple:
    """What a worker needs to rebuild ``ctx`` for a family in :data:`IN_WORKER` (no cached values, no
    whole-corpus statistics)."""
    shared = {k: ctx.shared[k] for k in _SHARED if k in ctx.shared}
    return (_side(ctx.real), _side(ctx.synth), ctx.seed, dict(ctx.options), ctx.noise_floor, ctx.sections, shared)


def context_from(data: tuple):
    """The context :func:`payload` describes."""
    from audit.context import CorpusData, context_of

    real, synth, seed, options, noise_floor, sections, shared = data
    ctx = context_of(CorpusData(*real), CorpusData(*synth), seed=seed, options=options, noise_floor=noise_floor,
                     sections=sections)
    ctx.shared.update(shared)
    return ctx


_RAN = False  # whether this process has run a family (from then on no process is forked from it)


def ran_families() -> bool:
    """Whether :func:`run_families` has run in this process."""
    return _RAN


def run_families(names: tuple[str, ...], data: tuple, threads: int) -> dict:
    """Run the families ``names``, in turn, on the context ``data`` describes (built once, so each
    document is tokenised once for all of them), with the parent's numeric-thread budget."""
    from audit.families import runners
    from audit.threads import limited_threads

    global _RAN
    _RAN = True
    with limited_threads(threads):
        ctx, table = context_from(data), runners()
        return {name: table[name](ctx) for name in names}


def in_worker(n_docs: int, workers: int) -> bool:
    """Whether the families run side by side (those of :data:`IN_WORKER` in a worker process, the others on
    threads) for ``n_docs`` sampled documents per corpus and ``workers`` CPUs."""
    return workers > 1 and n_docs >= MIN_DOCS


def wanted(families, n_docs: int, workers: int) -> bool:
    """Whether a worker process for :data:`IN_WORKER` is worth starting early (:func:`prestart`) for these
    families, ``n_docs`` sampled documents per corpus and ``workers`` CPUs. A single family always runs in
    the audit process (``audit.pipeline.run_context``), so it gets no worker: its imports would be wasted."""
    families = list(families)
    return in_worker(n_docs, workers) and len(families) > 1 and any(f in IN_WORKER for f in families)


def new_pool():
    """A pool of one worker process, a child of the reading pool's fork server."""
    from concurrent.futures import ProcessPoolExecutor

    from audit.reading import worker_context

    return ProcessPoolExecutor(max_workers=1, mp_context=worker_context())


def warm(with_map: bool = False) -> None:
    """What the worker imports before its task arrives: every family's module (scikit-learn, SciPy, the
    lexicons) and, ``with_map``, the map's layout with SciPy's sparse eigensolver, which the map's process
    forked from this one then has without importing them again (:func:`audit.projection.fork_projection`)."""
    from audit.families import runners

    runners()
    if with_map:
        import scipy.sparse.linalg  # noqa: F401
        import audit.layout  # noqa: F401


def prestart(with_map: bool = False) -> dict[str, Any]:
    """``{"families": pool}``: the worker for :data:`IN_WORKER`, started now and importing what it will
    need, so that this happens while the parent embeds the samples, when one core is idle; ``{}`` when no
    worker can start (the families then run in the parent).

    ``with_map``: the map's projection runs in a process forked from it (:func:`audit.projection.start_map`
    with ``host``), which starts with what :func:`warm` imported. A new process from the fork server would
    import them again; a second process warming beside the embedding took the core the embedding needs
    (embedding 0.66 -> 1.53 s, the audit 0.5-0.7 s slower, session 6)."""
    try:
        pool = new_pool()
        pool.submit(warm, with_map)
        return {"families": pool}
    except Exception:  # noqa: BLE001 - no worker process here
        return {}


@contextmanager
def shut_down_after(pools: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``pools`` (from :func:`prestart`) for the block, then shut down, whether their work ran there or not
    (a failure before it, or the families ran in this process)."""
    try:
        yield pools
    finally:
        for pool in pools.values():
            pool.shutdown(wait=False, cancel_futures=True)


def start_families(names: tuple[str, ...], ctx, pool=None) -> tuple[Future | None, Any]:
    """``(future of {family: FamilyOutput}, the pool to shut down when it is done)`` from a worker process:
    ``pool``, one from :func:`prestart` that the caller keeps (and shuts down: ``audit init`` sends every
    calibration split to the same worker), or a new one, shut down by :func:`finish_families`.
    ``(None, None)`` when no worker can run here (the caller then runs the families itself)."""
    from audit.threads import thread_budget

    own = None
    try:
        if pool is None:
            pool = own = new_pool()
        return pool.submit(run_families, tuple(names), payload(ctx), thread_budget()), own
    except Exception:  # noqa: BLE001 - no worker process here (or it died): the families run in this one
        if own is not None:
            own.shutdown(wait=False, cancel_futures=True)
        return None, None


def run_each_here(names: tuple[str, ...], run_here) -> dict:
    """``{name: run_here(name), or the exception it raised}``, in turn: what a worker or a copy that failed
    would have sent (the caller raises the errors in report order)."""
    out = {}
    for name in names:
        try:
            out[name] = run_here(name)
        except Exception as e:  # noqa: BLE001 - raised by the caller, in report order
            out[name] = e
    return out


def finish_families(started: tuple[Future | None, Any], names: tuple[str, ...], run_here) -> dict:
    """``{family: its FamilyOutput, or the exception it raised}`` from the worker. If the worker failed
    (died, could not start, or a family raised there), each family runs here (``run_here(name)``), in turn:
    the same outputs, or the same errors, as a run without workers; the caller raises them in report order.
    """
    fut, pool = started
    try:
        if fut is not None:
            try:
                return fut.result()
            except Exception:  # noqa: BLE001 - see the docstring
                pass
        return run_each_here(names, run_here)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


# ------------------------------------------------------------------------------------------------------------
# below MIN_DOCS: families in a forked copy of this process

# the families a forked copy runs while this process runs the others: at 100 + 100 documents (session 12)
# diversity and bias took 1.1 s, the others (drift, properties, duplication, defects, language) 0.9 s
FORKED = ("diversity", "bias")
WAIT_FLOOR_S = 120.0  # a forked copy that has sent nothing this long after this process finished its own
WAIT_FACTOR = 20.0  # families (and 20 times as long as those took) is taken for stuck: the families run here


def forks_here() -> bool:
    """Whether this process may fork a copy for families: Linux (elsewhere ``os.fork`` is missing, or unsafe
    once system libraries have started threads, as on macOS) and no Python thread but this one."""
    return hasattr(os, "fork") and sys.platform.startswith("linux") and threading.active_count() == 1


def _stop_tqdm_monitor() -> None:
    """End tqdm's monitor threads, if progress bars started them (model2vec and sentence-transformers wrap
    every ``encode`` in a bar, disabled, whose monitor stays; each bar class, such as ``tqdm.autonotebook``'s,
    has its own): ``TMonitor.exit`` stops and joins one, as tqdm does itself when its last bar closes. A later
    bar starts a new one."""
    monitor_class = getattr(sys.modules.get("tqdm.std"), "TMonitor", None)
    if not isinstance(monitor_class, type):
        return
    for thread in threading.enumerate():
        if not isinstance(thread, monitor_class) or thread is threading.current_thread():
            continue
        try:
            thread.exit()
            owner = getattr(thread, "tqdm_cls", None)
            if getattr(owner, "monitor", None) is thread:
                owner.monitor = None
        except Exception:  # noqa: BLE001 - another tqdm: its thread stays and this process does not fork
            pass


def fork_families(names: tuple[str, ...], ctx) -> tuple[int, int] | None:
    """Fork a copy of this process that runs the families ``names`` on ``ctx`` (the same objects, so the same
    numbers) and sends ``{name: FamilyOutput or the exception it raised}`` back through a pipe, with the
    warnings they gave; ``(process id, the pipe's reading end)`` for :func:`collect_forked`, or
    None when no copy may be made here (:func:`forks_here`; the caller then runs them itself).

    The copy never returns into the caller: it leaves with ``os._exit`` whatever happens (a failure leaves
    the pipe empty or short, which :func:`collect_forked` notices)."""
    _stop_tqdm_monitor()
    if not forks_here():
        return None
    try:
        return fork_writing(lambda: _run_forked(names, ctx))
    except OSError:  # no process can be made now: the families run here
        return None


def fork_writing(produce) -> tuple[int, int]:
    """Fork; the child writes ``produce()`` (bytes) to a pipe and leaves with ``os._exit`` whatever happens
    (a failure leaves the pipe empty or short). Returns ``(its process id, the pipe's reading end)``.

    The objects made so far go to the collector's permanent generation for the fork (``gc.freeze``, its
    documented use), so that the child's collections do not walk, and so write and copy, the pages it shares
    with this process; this process takes them back at once."""
    import gc

    r, w = os.pipe()
    gc.freeze()
    try:
        pid = os.fork()
    except OSError:
        gc.unfreeze()
        os.close(r)
        os.close(w)
        raise
    if pid == 0:  # the child
        code = 1
        try:
            os.close(r)
            data = produce()
            with os.fdopen(w, "wb") as f:
                f.write(data)
            code = 0
        finally:
            os._exit(code)
    gc.unfreeze()
    os.close(w)
    return pid, r


def _run_forked(names: tuple[str, ...], ctx) -> bytes:
    """In the copy: the families' outputs (or exceptions) and their warnings, pickled; ``None`` pickled when
    they cannot be (an exception that does not pickle): the caller then runs them itself."""
    import pickle
    import warnings

    from audit.families import runners

    table, out = runners(), {}
    with warnings.catch_warnings(record=True) as caught:  # the filters as they are; shown by the caller
        for name in names:
            try:
                out[name] = table[name](ctx)
            except Exception as e:  # noqa: BLE001 - raised by the caller, in report order
                out[name] = e
    shown = [(w.message, w.category, w.filename, w.lineno) for w in caught]
    try:
        return pickle.dumps((out, shown), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - see the docstring
        return pickle.dumps(None)


def collect_forked(handle: tuple[int, int], names: tuple[str, ...], run_here, own_s: float = 0.0) -> dict:
    """``{family: its FamilyOutput, or the exception it raised}`` from the copy :func:`fork_families` made
    (waiting for it), its warnings shown here. If the copy failed (died, sent nothing, sent what does not
    unpickle) or seems stuck (nothing for :data:`WAIT_FLOOR_S` s, or :data:`WAIT_FACTOR` times ``own_s``, the
    time this process spent on its own families), it is ended and each family runs here (``run_here(name)``):
    the same outputs, or the same errors."""
    import pickle
    import select
    import signal
    import time
    import warnings

    pid, r = handle
    chunks: list[bytes] = []
    deadline = time.monotonic() + max(WAIT_FLOOR_S, WAIT_FACTOR * own_s)
    got = None
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                break  # stuck: ended below
            chunk = os.read(r, 1 << 20)
            if not chunk:
                got = b"".join(chunks)
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        if got is None:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        _, status = os.waitpid(pid, 0)
    answer = None
    if got and status == 0:
        try:
            answer = pickle.loads(got)
        except Exception:  # noqa: BLE001 - see the docstring
            answer = None
    if answer is None:
        return run_each_here(names, run_here)
    out, shown = answer
    for message, category, filename, lineno in shown:
        warnings.showwarning(message, category, filename, lineno)
    return out


def abandon_forked(handle: tuple[int, int] | None) -> None:
    """End the copy :func:`fork_families` made when its outputs are no longer wanted (this process is
    leaving the families with an error of its own, or an interrupt)."""
    import signal

    if handle is None:
        return
    pid, r = handle
    try:
        os.close(r)
    except OSError:
        pass
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except OSError:
        pass
