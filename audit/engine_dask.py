"""The audit on a Dask cluster: every shard is summarised on a worker, the summaries merge exactly.

``audit compare REAL SYNTH --engine dask [--scheduler ADDRESS]``. Each side is expanded into its shards
(:mod:`audit.shards`); one task per shard reads it, normalises, hashes and fingerprints every document and
keeps the shard's bottom-k sample (:func:`summarise_shard`, the same code the local engine runs over one
stream). Only the partition summaries (counts, compact hash arrays, fingerprints, the samples and the
reject reports) come back; the client merges them in shard order, which is what one pass over the shards
in that order gives, so the AuditResult equals the local engine's. The embedding, metric and report
steps then run on the client, on the merged samples (at most ``--sample-size`` documents a side).

A worker lost mid-run is not an error: Dask reruns its tasks elsewhere, and a task is a pure function of
its shard, so the result is unchanged. Without ``--scheduler`` a ``distributed.LocalCluster`` sized to
this machine is started (one single-threaded worker process per core) and closed at the end.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable

from audit.errors import ConfigError, InputError


@dataclass(frozen=True)
class ShardJob:
    """What a worker needs to summarise one shard (picklable, no client state)."""

    path: str
    fmt: str | None
    text_field: str | None
    roles: tuple[str, ...] | None
    strict: bool
    sample_size: int
    seed: int
    metric_options: tuple[tuple[str, Any], ...]
    max_doc_chars: int  # --max-doc-chars: a longer document is rejected as too_long on the worker too
    max_memory: int | None  # --max-memory (bytes): guards the worker's own read of the shard


def summarise_shard(job: ShardJob):
    """``(CorpusStats, BottomKSample, IngestReport)`` of one shard, exactly as the local reader makes them."""
    from threadpoolctl import threadpool_limits

    from audit.ingest import open_corpus
    from audit.pipeline import new_corpus_stats, sample_stream

    with threadpool_limits(limits=1):
        stream, report = open_corpus(job.path, fmt=job.fmt, text_field=job.text_field, roles=job.roles,
                                     strict=job.strict, max_doc_chars=job.max_doc_chars,
                                     max_memory=job.max_memory)
        stats = new_corpus_stats(dict(job.metric_options))
        try:
            sample = sample_stream(stream, job.sample_size, job.seed, stats)
        except InputError as e:  # a shard with no usable record is counted by the client, not fatal here
            if "no usable document" not in str(e):
                raise
            from audit.sampling import BottomKSample

            sample = BottomKSample(job.sample_size, job.seed)
        return stats, sample, report


@contextmanager
def dask_client(scheduler: str | None, workers: int | None = None):
    """A ``distributed.Client`` on ``scheduler``, or on a LocalCluster of this machine (closed after)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("--engine dask needs the dask extra: pip install 'corpus-audit[dask]'") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise ConfigError(f"--scheduler {scheduler}: cannot connect ({str(e).splitlines()[0]})") from None
        try:
            yield client
        finally:
            client.close()
        return
    n = workers or max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def read_side(client, spec: str, *, fmt, text_field, roles, strict, sample_size: int, seed: int,
              metric_options: dict, max_doc_chars: int, max_memory: int | None,
              tick: Callable[[int], None] | None = None):
    """Summarise every shard of one side on the cluster and merge: ``(sample, stats, report)``.
    ``max_doc_chars`` and ``max_memory`` are the user's limits, applied on every worker as the local reader
    applies them."""
    from distributed import as_completed

    from audit.shards import expand, merge_reports
    from audit.pipeline import new_corpus_stats

    paths = expand(spec)
    # fail fast on a missing or unreadable shard, on the client, before any task runs
    from audit.ingest import resolve

    for p in paths:
        resolve(p, fmt, keep_open=False)
    jobs = [ShardJob(p, fmt, text_field, tuple(roles) if roles else None, strict, sample_size, seed,
                     tuple(sorted(metric_options.items())), max_doc_chars, max_memory) for p in paths]
    futures = client.map(summarise_shard, jobs, pure=False)
    index = {f.key: i for i, f in enumerate(futures)}
    parts: list = [None] * len(futures)
    try:
        for fut in as_completed(futures):
            parts[index[fut.key]] = fut.result()
            if tick:
                tick(parts[index[fut.key]][0].n_docs)
    except InputError:
        raise
    except Exception as e:  # a worker error that is not bad input: say which shard, in one line
        raise InputError(f"{spec}: a shard failed on the cluster ({type(e).__name__}: {str(e).splitlines()[0]})") \
            from None
    stats = new_corpus_stats(metric_options)
    sample = None
    for st, sm, _ in parts:  # shard order: the merge equals one pass over the shards in this order
        stats = stats.merge(st)
        sample = sm if sample is None else sample.merge(sm)
    report = merge_reports([rep for _, _, rep in parts], spec if len(paths) > 1 else paths[0])
    if not report.n_documents:
        raise InputError(f"{spec}: no usable document ({report.rejected_summary()})")
    return sample, stats, report
