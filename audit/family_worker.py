"""A metric family in a worker process, beside the families on this process's threads.

The families are mostly Python code (n-gram counts, self-BLEU, ROUGE-L): on threads they take turns on
the interpreter lock, so two of them use barely more than one core. A family that reads only the sampled
documents and their embeddings (never the whole-corpus statistics) can run in a child of the reading
pool's fork server instead (a fresh process: no locks inherited from this one's threads). It gets the
documents, embeddings, seed and options, rebuilds the same context (the real halves and noise splits are
cut by content, so they are the same documents) and sends back its rows and sections. If the worker
cannot run, the family runs here: the result is the same either way.
"""
from __future__ import annotations

from concurrent.futures import Future
from typing import Any

# families that read the samples only (documents, embeddings, tokens, language labels), not ``stats``
IN_WORKER = ("diversity",)
_SHARED = ("doc_languages",)
# sampled documents per corpus from which a worker process pays for itself (its start and imports cost
# ~1 s of CPU: sample_data's 450 + 450 were 3 s slower with one, the 5,000 + 5,000 of the clickbait pair
# ~1 s faster)
MIN_DOCS = 2000  # values of ``ctx.shared`` worth sending when this process already has them


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


def run_family(name: str, data: tuple, threads: int):
    """Run one family on the context ``data`` describes, with the parent's numeric-thread budget."""
    from audit.families import runners
    from audit.threads import limited_threads

    with limited_threads(threads):
        return runners()[name](context_from(data))


def in_worker(n_docs: int, workers: int) -> bool:
    """Whether the families of :data:`IN_WORKER` go to worker processes for ``n_docs`` sampled documents
    per corpus and ``workers`` CPUs."""
    return workers > 1 and n_docs >= MIN_DOCS


def new_pool():
    """A pool of one worker process, a child of the reading pool's fork server."""
    from concurrent.futures import ProcessPoolExecutor

    from audit.reading import worker_context

    return ProcessPoolExecutor(max_workers=1, mp_context=worker_context())


def warm(kind: str) -> None:
    """What a worker imports before its task arrives: umap-learn for the map, the families otherwise."""
    if kind == "map":
        from audit.projection import import_umap

        import_umap()
    else:
        from audit.families import runners

        runners()


def prestart(kinds) -> dict[str, Any]:
    """One worker per kind (a family name or "map"), started now and importing what it will need, so that
    this happens while the parent embeds the samples, when one core is idle. Kinds whose worker cannot
    start are left out (their work runs in the parent)."""
    pools = {}
    for kind in kinds:
        try:
            pool = new_pool()
            pool.submit(warm, kind)
            pools[kind] = pool
        except Exception:  # noqa: BLE001 - no worker process here
            pass
    return pools


def start_family(name: str, ctx, pool=None) -> tuple[Future | None, Any]:
    """``(future of the family's FamilyOutput, its pool)`` from a worker process (``pool``, one from
    :func:`prestart`, or a new one), or ``(None, None)`` when no worker can be started here (the caller then
    runs the family itself)."""
    from audit.threads import thread_budget

    try:
        pool = pool or new_pool()
        return pool.submit(run_family, name, payload(ctx), thread_budget()), pool
    except Exception:  # noqa: BLE001 - no worker process here: the family runs in this one
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        return None, None


def finish_family(started: tuple[Future | None, Any], run_here):
    """The family's output from its worker; if the worker failed (died, could not start, or the family
    raised there), ``run_here()``: the same family in this process, which gives the same output or raises
    the same error as a run without workers."""
    fut, pool = started
    try:
        if fut is None:
            return run_here()
        try:
            return fut.result()
        except Exception:  # noqa: BLE001 - see the docstring
            return run_here()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
