"""One streaming pass over a corpus: chunks of documents summarised in a process pool, merged in order.

Per-document work (normalising, hashing, tokenising, MinHash, fingerprints, and every registered
whole-corpus accumulator) is a pure function of a chunk (:func:`summarise_chunk`), so it runs in worker
processes; the parent merges the chunk summaries in stream order, keeps the texts in the corpus index
and the bottom-k sample. The chunking does not depend on the number of workers and merges happen in
the same order, so 1 or N workers give byte-identical results. Workers limit BLAS/OpenMP to one thread
each (threadpoolctl), so N workers never run N × cores threads.
"""
from __future__ import annotations

import itertools
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from audit.context import STREAM_ACCUMULATORS, CorpusStats
from audit.streams import builtin_accumulators
from audit.documents import Document
from audit.sampling import BottomKSample
from metrics.fingerprint import FingerprintParams

CHUNK = 2048


def default_workers() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def summarise_chunk(docs: list[Document], params: FingerprintParams,
                    factories: dict | None = None) -> tuple[CorpusStats, list[dict | None]]:
    """Whole-corpus statistics of one chunk (no texts: the parent keeps those) and the per-document labels
    the accumulators gave (``CorpusStats.add``; the parent stores them on its own copies of the documents).
    ``factories``: the accumulators to stream (default: those registered in this process)."""
    extras = None if factories is None else {name: f() for name, f in sorted(factories.items())}
    stats = CorpusStats(params=params, keep_text=False, **({} if extras is None else {"extras": extras}))
    notes = stats.add_many(docs)
    stats.index  # noqa: B018 - flush the last batch here, in the worker
    return stats, notes


def warm() -> None:
    """Import every built-in accumulator's module, load the language model and compile the shipped defect
    phrases: run once in the fork server (its preload), so that each worker forked from it starts with them
    instead of paying ~1-2 s of imports and model loading per worker and per corpus."""
    from metrics.defect_stats import document_defects
    from metrics.language import identify_many

    for factory in builtin_accumulators().values():
        factory()
    identify_many(["warm"])  # the model and its automaton as arrays
    document_defects("Caf\u00c3\u00a9 warm")  # the shipped phrase lists compiled, ftfy imported (mojibake)


def worker_context():
    """The multiprocessing context of the audit's worker processes.

    Not "fork": a forked child inherits locks of the parent's threads (rensa's and BLAS's pools, OpenMP's)
    and can hang; the fork server is a fresh process, started once and kept, whose children start with
    the reading modules already imported and warmed (:func:`warm`)."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["audit.reading", "audit.reading_warm"])
        return ctx
    return mp.get_context("spawn")  # pragma: no cover - not Linux


def _init_worker() -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def _chunks(stream: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(stream)
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk:
            return
        yield chunk


def _summaries(chunks: Iterator[list[Document]], params: FingerprintParams, workers: int):
    """(chunk, summary, per-document labels) in stream order; a pool only once there is a second chunk to share."""
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    if second is None or workers <= 1:
        for chunk in itertools.chain([first], [] if second is None else [second], chunks):
            yield chunk, *summarise_chunk(chunk, params)
        return
    # Accumulators registered at run time are passed along.
    factories = {**builtin_accumulators(), **STREAM_ACCUMULATORS}
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=worker_context(), initializer=_init_worker)
    pending: deque = deque()
    try:
        for chunk in itertools.chain([first, second], chunks):
            pending.append((chunk, pool.submit(summarise_chunk, chunk, params, factories)))
            if len(pending) >= 2 * workers:
                chunk0, fut = pending.popleft()
                yield chunk0, *fut.result()
        while pending:
            chunk0, fut = pending.popleft()
            yield chunk0, *fut.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def sample_stream(stream, k: int, seed: int, stats: CorpusStats,
                  tick: Callable[[int], None] | None = None, workers: int = 1) -> BottomKSample:
    """One pass: every document updates the whole-corpus ``stats``; a bottom-k sample keeps ``k`` of them.

    Both are mergeable, so partitions of a corpus can run this apart and combine the results
    (``CorpusStats.merge``, ``BottomKSample.merge``) into exactly what one pass gives. ``workers`` > 1
    summarises chunks in a process pool; the result is the same for any number of workers.
    """
    sample = BottomKSample(k, seed)
    for chunk, part, notes in _summaries(_chunks(stream, CHUNK), stats.params, workers):
        for doc, note in zip(chunk, notes):
            if note:  # a worker labelled its own copy of the document
                doc.metadata.update(note)
        stats.absorb(part, chunk)
        sample.extend(chunk)
        if tick:
            tick(len(chunk))
    return sample
