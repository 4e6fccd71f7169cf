"""ingest -> sample -> embed -> metrics -> one AuditResult.

Memory: each corpus is streamed once. While streaming, mergeable whole-corpus statistics are updated
(``CorpusStats``) and a seeded, mergeable, order-free bottom-k sample of at most ``sample_size``
documents is kept (``audit.sampling``); only the sample is embedded and held. Both samples are then cut to the same size, so every per-corpus metric
compares equal-size inputs.
"""
from __future__ import annotations

import importlib.metadata as md
import os
import platform
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from audit.compare import lift
from audit.context import AuditContext, CorpusStats, build_context
from audit.documents import Document
from audit.errors import ConfigError, InputError
from audit.result import AuditResult, MetricEntry
from metrics.fingerprint import params_from_options
from audit.reading import default_workers, sample_stream  # noqa: F401 (public: partition summaries)
from audit.sampling import BottomKSample

FAMILIES = ("language", "defects", "diversity", "duplication", "drift", "bias", "properties")


@dataclass
class AuditOptions:
    real: str
    synth: str
    real_format: str | None = None
    synth_format: str | None = None
    text_field: str | None = None
    real_text_field: str | None = None  # per-file overrides of text_field
    synth_text_field: str | None = None
    roles: list[str] | None = None
    strict: bool = False
    embedder: str = "static"
    seed: int = 0
    sample_size: int = 5000
    batch_size: int = 256
    cache_dir: str | None = None
    use_cache: bool = True
    families: tuple[str, ...] = FAMILIES
    make_map: bool = True
    alpha: float = 0.05
    metric_options: dict[str, Any] = field(default_factory=dict)
    engine: str = "local"  # "local" | "dask" (audit.engine_dask)
    scheduler: str | None = None  # dask: a scheduler address; None starts a LocalCluster
    workers: int = 0  # CPUs: reading processes, then family threads and worker processes; 0: every CPU allowed
    max_doc_chars: int = 2_000_000  # longer documents are rejected as too_long (audit.ingest)
    max_memory: int | None = None  # bytes; None = 85% of physical memory, 0 = no limit (audit.limits)

    def validate(self) -> None:
        """Every value checked at the boundary, with its range (``audit.limits``); raises ConfigError."""
        from audit.families import METRIC_OPTIONS
        from audit.limits import BATCH_SIZE, MAX_DOC_CHARS, SAMPLE_SIZE, SEED_MAX, check_int, check_option

        check_int("--sample-size", self.sample_size, *SAMPLE_SIZE)
        check_int("--seed", self.seed, 0, SEED_MAX)
        check_int("batch size", self.batch_size, *BATCH_SIZE)
        check_int("--workers", self.workers, 0, 4096)  # 0: every CPU
        check_int("--max-doc-chars", self.max_doc_chars, *MAX_DOC_CHARS)
        if self.max_memory is not None:
            check_int("--max-memory (bytes)", self.max_memory, 0, 1 << 60)
        if not 0 < self.alpha < 1:
            raise ConfigError(f"alpha must be between 0 and 1 (got {self.alpha!r})")
        for key, value in self.metric_options.items():
            if key not in METRIC_OPTIONS:
                raise ConfigError(f"unknown option {key!r}")
            check_option(key, value, METRIC_OPTIONS[key])
        # the user's files among the options are read now (they are small), so a bad one fails before
        # any corpus is read, with its file and line, whichever command or API call gave it
        if "bias_groups" in self.metric_options:
            from audit.families.bias import lexicon_from_options

            lexicon_from_options(self.metric_options)
        if "defect_phrases" in self.metric_options:
            from audit.families.defects import phrases_from_options

            phrases_from_options(self.metric_options)
        if self.engine not in ("local", "dask"):
            raise ConfigError(f"unknown --engine {self.engine!r}; choose local or dask")
        if self.scheduler and self.engine != "dask":
            raise ConfigError("--scheduler needs --engine dask")
        unknown = [f for f in self.families if f not in FAMILIES]
        if unknown:
            raise ConfigError(f"unknown metric family {unknown[0]!r}; choose from {', '.join(FAMILIES)}")


class Progress:
    """What the pipeline tells the outside world; the CLI plugs rich in, tests plug nothing."""

    def step(self, description: str, total: int | None = None) -> Callable[[int], None]:
        return lambda advance=1: None

    def done(self, description: str) -> None:  # pragma: no cover - trivial
        pass

    def note(self, message: str) -> None:  # pragma: no cover - trivial
        pass

    def pause(self) -> None:
        """Stop any thread of a live display for a moment (the families fork a copy of the process)."""

    def resume(self) -> None:
        """Start again what :meth:`pause` stopped."""


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("corpus-audit", "numpy", "scikit-learn", "scipy", "sentence-transformers", "torch", "model2vec",
                 "datasketch", "faiss-cpu"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


def new_corpus_stats(metric_options: dict[str, Any]) -> CorpusStats:
    """The empty whole-corpus statistics every reader (local, shard worker) starts from: its fingerprint
    parameters come from the metric options, so every shard of both corpora is fingerprinted alike;
    its accumulators are configured by them too (e.g. the user's extra defect phrases)."""
    try:
        params = params_from_options(metric_options)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    return CorpusStats(params=params).configure(metric_options)


def _text_field(opts: AuditOptions, seed_salt: int) -> str | None:
    """The text field of REAL (salt 1) or SYNTH (salt 2): its own override, else the common one."""
    return {1: opts.real_text_field, 2: opts.synth_text_field}.get(seed_salt) or opts.text_field


def _summarise(stream, label: str, opts: AuditOptions, seed_salt: int, progress: Progress):
    """One streaming pass over a document stream: ``(sample, whole-corpus stats)``."""
    stats = new_corpus_stats(opts.metric_options)
    tick = progress.step(f"Reading {label}")
    sample = sample_stream(stream, opts.sample_size, opts.seed * 1_000 + seed_salt, stats, tick,
                           workers=opts.workers or default_workers())
    progress.done(f"Read {label}: {stats.n_docs:,} documents")
    return sample, stats


def _read(path: str, fmt, opts: AuditOptions, seed_salt: int, progress: Progress):
    from audit.shards import open_inputs

    stream, report = open_inputs(path, fmt=fmt, text_field=_text_field(opts, seed_salt), roles=opts.roles,
                                 strict=opts.strict, max_doc_chars=opts.max_doc_chars,
                                 max_memory=opts.max_memory)
    sample, stats = _summarise(stream, os.path.basename(path), opts, seed_salt, progress)
    return sample, stats, report


def _audit_read(real, synth, opts: AuditOptions, progress: Progress) -> AuditResult:
    """Audit two ``(sample, stats, report)`` summaries, the reports becoming the result's inputs."""
    return audit_samples(real[0], synth[0], real[1], synth[1], opts, progress,
                         inputs={"real": real[2].to_dict(), "synth": synth[2].to_dict()})


def read_corpus(path: str, fmt, opts: AuditOptions, seed_salt: int, progress: Progress):
    """One streaming pass over a corpus file: ``(sample, whole-corpus stats, ingest report)``.

    ``seed_salt`` 1 samples (and picks the text field) as ``audit compare`` does for REAL, 2 as for SYNTH.
    """
    return _read(path, fmt, opts, seed_salt, progress)


def correct_for_multiple_tests(entries: list[MetricEntry], alpha: float) -> None:
    """The one correction scope: every p-value of the whole audit is adjusted together with
    Benjamini-Hochberg (``scipy.stats.false_discovery_control``); a flag whose test is not significant
    after adjustment is lifted, and says so. Runners leave ``p_adjusted`` to this step. The rows of
    ``entries`` are replaced by their corrected copies (a row itself never changes)."""
    from scipy.stats import false_discovery_control

    tested = [i for i, e in enumerate(entries) if e.p_value is not None]
    if not tested:
        return
    q = false_discovery_control(np.array([entries[i].p_value for i in tested], dtype=float), method="bh")
    for i, qi in zip(tested, q):
        e = replace(entries[i], p_adjusted=float(qi))
        if e.verdict in ("warn", "fail") and e.p_adjusted >= alpha:
            e = lift(e, f"not significant after Benjamini-Hochberg (q = {e.p_adjusted:.3g})")
        entries[i] = e


def make_embedder(opts: AuditOptions, progress: Progress):
    from audit.embed import get_embedder

    kw = {}
    if opts.embedder == "static":
        kw["on_build"] = lambda target: progress.note(
            f"Building the static embedder once (distilling all-MiniLM-L6-v2, ~15 s) into {target}")
    return get_embedder(opts.embedder, **kw)


def embed_docs(embedder, docs: list[Document], opts: AuditOptions, progress: Progress, label: str) -> np.ndarray:
    from audit.cache import EmbeddingCache, default_cache_dir, embed_with_cache

    cache = None
    if opts.use_cache:
        cache = EmbeddingCache(opts.cache_dir or default_cache_dir(), embedder.name)
    tick = progress.step(f"Embedding {label}", total=len(docs))
    try:
        emb = embed_with_cache(embedder, [d.text for d in docs], cache, batch_size=opts.batch_size, on_progress=tick)
    finally:
        if cache is not None:
            cache.close()
    for note in (cache.notes if cache is not None else []):
        progress.note(note)  # a rebuilt cache is said once, where it happened
    hits = f" ({cache.hits} from cache)" if cache is not None else ""
    progress.done(f"Embedded {label}: {len(docs):,} documents{hits}")
    return emb


# longest first (measured on the 16k+16k clickbait pair), so that with two threads the longest runs
# beside all the others rather than last
_COST_ORDER = ("drift", "diversity", "duplication", "bias", "properties", "language", "defects")


def run_context(ctx: AuditContext, families=FAMILIES, progress: Progress | None = None,
                alpha: float = 0.05, workers: int = 1, pools: dict | None = None
                ) -> tuple[list[MetricEntry], dict[str, Any]]:
    """Run the family runners on a ready context.

    ``workers`` > 1 and at least ``audit.family_worker.MIN_DOCS`` sampled documents per corpus: the
    families in ``audit.family_worker.IN_WORKER`` run in a worker process and the others on up to that
    many threads (NumPy, BLAS and faiss release the interpreter lock, so they overlap
    the Python code of another family). Below that, with ``workers`` > 1, those of
    ``audit.family_worker.FORKED`` run in a forked copy of this process (Linux, no other thread) while the
    others run here. Each family reads the context and its own seeded generators only
    (``ctx.rng(salt)``), shared values are made once (``ctx.shared_value``), every process keeps the same
    numeric-thread budget (``audit.threads``) and the rows are assembled in report order, so the result
    is the same for any number of workers.
    """
    from audit.threads import limited_threads

    with limited_threads():  # the CLI's budget here too: the same digits from the CLI, the API and a worker
        return _run_context(ctx, families, progress, alpha, workers, pools or {})


def _run_context(ctx: AuditContext, families, progress: Progress | None, alpha: float,
                 workers: int, pools: dict) -> tuple[list[MetricEntry], dict[str, Any]]:
    from audit.families import runners, sample_scope
    from audit.families.language import mark_not_comparable

    progress = progress or Progress()
    entries: list[MetricEntry] = []
    sections: dict[str, Any] = {}
    table = runners()
    families = list(families)
    from audit import family_worker

    # below MIN_DOCS sampled documents per corpus the families are quick and mostly Python: threads would
    # only take turns on the interpreter lock (100+100 was 0.3 s slower on two threads), so one at a time,
    # here and, with a second CPU, in a forked copy of this process (family_worker.fork_families)
    if len(families) <= 1 or not family_worker.in_worker(min(len(ctx.real), len(ctx.synth)), workers):
        outs = _small_families(ctx, families, table, progress, workers)
    else:
        from concurrent.futures import ThreadPoolExecutor, as_completed

        # the families that read the samples only go to a worker process first (Python code holds the
        # interpreter lock: on threads they would take turns), the others run longest first on threads
        remote = tuple(f for f in families if f in family_worker.IN_WORKER)
        started = family_worker.start_families(remote, ctx, pools.get("families")) if remote else None
        local = sorted((f for f in families if f not in remote),
                       key=lambda f: _COST_ORDER.index(f) if f in _COST_ORDER else len(_COST_ORDER))
        threads = max(1, min(workers, len(local)))
        tick = progress.step(f"Computing {len(families)} metric families ({len(remote)} in a worker process, "
                             f"{len(local)} on {threads} threads)", total=len(families))
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="audit-family") as pool:
            futures = {fam: pool.submit(table[fam], ctx) for fam in local}
            for _ in as_completed(futures.values()):
                tick(1)
        there = family_worker.finish_families(started, remote, lambda fam: table[fam](ctx)) if remote else {}
        tick(len(remote))
        # in report order: a failure raises as it would one family at a time (the first family's first)
        outs = {}
        for fam in families:
            out = there[fam] if fam in remote else futures[fam].result()
            if isinstance(out, BaseException):
                raise out
            outs[fam] = out
        progress.done(f"Computed {len(families)} metric families ({sum(len(o.entries) for o in outs.values())} rows)")
    for fam in families:
        entries.extend(outs[fam].entries)
        sections.update(outs[fam].sections)
    # every number states its scope: a row that did not set it was computed on the context's corpora, which
    # are whole only when neither was sampled (rows counted over every document set "full" themselves)
    entries = [sample_scope(e, ctx) for e in entries]
    # a language mismatch explains rows of several families (some run in other processes): one rule here,
    # before the correction and the ranking read the verdicts
    entries = mark_not_comparable(entries)
    correct_for_multiple_tests(entries, alpha)
    q = {e.name: e.p_adjusted for e in entries}
    for t in (sections.get("properties") or {}).get("tests", []):  # the per-property table shows the same q
        if t.get("metric") in q:
            t["p_adjusted"] = q[t["metric"]]
    return entries, sections


def _small_families(ctx: AuditContext, families: list[str], table: dict, progress: Progress, workers: int) -> dict:
    """The families one at a time; with ``workers`` > 1, those of ``family_worker.FORKED`` in a forked copy of
    this process meanwhile, where one may be made (Linux, no other thread: ``family_worker.forks_here``).
    A failure is raised as one family at a time raises it: the first in report order."""
    from audit import family_worker

    there = tuple(f for f in families if f in family_worker.FORKED) if workers > 1 else ()
    handle = None
    if there and len(there) < len(families):
        progress.pause()  # a live display's refresh thread ends, so that the process may fork
        try:
            handle = family_worker.fork_families(there, ctx)
        finally:
            progress.resume()
    if handle is None:
        outs = {}
        for fam in families:
            progress.step(f"Computing {fam} metrics")
            outs[fam] = table[fam](ctx)
            progress.done(f"Computed {fam} metrics ({len(outs[fam].entries)})")
        return outs
    import time

    tick = progress.step(f"Computing {len(families)} metric families ({len(there)} in a copy of this process, "
                         f"{len(families) - len(there)} here)", total=len(families))

    def run_here(fam: str):
        try:
            return table[fam](ctx)
        finally:
            tick(1)

    try:
        started = time.perf_counter()
        outs = family_worker.run_each_here(tuple(f for f in families if f not in there), run_here)
        outs.update(family_worker.collect_forked(handle, there, lambda fam: table[fam](ctx),
                                                 time.perf_counter() - started))
        handle = None
    finally:
        family_worker.abandon_forked(handle)
    tick(len(there))
    for fam in families:  # in report order: the first failure, as one family at a time raises it
        if isinstance(outs[fam], BaseException):
            raise outs[fam]
    progress.done(f"Computed {len(families)} metric families ({sum(len(outs[f].entries) for f in families)} rows)")
    return {fam: outs[fam] for fam in families}


def run_audit(opts: AuditOptions, progress: Progress | None = None) -> AuditResult:
    """Read both files (one streaming pass each), then audit their samples."""
    progress = progress or Progress()
    opts.validate()
    if opts.engine == "dask":
        return _run_dask(opts, progress)
    return _audit_read(_read(opts.real, opts.real_format, opts, 1, progress),
                       _read(opts.synth, opts.synth_format, opts, 2, progress), opts, progress)


def _run_dask(opts: AuditOptions, progress: Progress) -> AuditResult:
    """Read both sides on a Dask cluster (one task per shard), then audit the merged summaries here."""
    from audit.engine_dask import dask_client, read_side

    read = {}
    with dask_client(opts.scheduler) as client:
        for salt, side, path, fmt in ((1, "real", opts.real, opts.real_format),
                                      (2, "synth", opts.synth, opts.synth_format)):
            tick = progress.step(f"Reading {os.path.basename(path)} on the cluster")
            read[side] = read_side(client, path, fmt=fmt, text_field=_text_field(opts, salt), roles=opts.roles,
                                   strict=opts.strict,
                                   sample_size=opts.sample_size, seed=opts.seed * 1_000 + salt,
                                   metric_options=opts.metric_options, max_doc_chars=opts.max_doc_chars,
                                   max_memory=opts.max_memory, tick=tick)
            progress.done(f"Read {os.path.basename(path)} on the cluster: {read[side][1].n_docs:,} documents")
    return _audit_read(read["real"], read["synth"], opts, progress)


def audit_streams(real, synth, opts: AuditOptions, progress: Progress | None = None) -> AuditResult:
    """Audit two ``(document stream, IngestReport)`` pairs (files opened by ``audit.ingest.open_corpus``,
    or in-memory inputs from ``audit.api.documents_from``): one streaming pass each, then the samples."""
    progress = progress or Progress()
    opts.validate()
    read = {}
    for salt, side, (stream, report) in ((1, "real", real), (2, "synth", synth)):
        read[side] = (*_summarise(stream, os.path.basename(report.path) or side, opts, salt, progress), report)
    return _audit_read(read["real"], read["synth"], opts, progress)


def audit_samples(real_sample: BottomKSample, synth_sample: BottomKSample, real_stats: CorpusStats,
                  synth_stats: CorpusStats, opts: AuditOptions, progress: Progress | None = None,
                  inputs: dict[str, dict] | None = None) -> AuditResult:
    """Audit two corpora from their mergeable summaries.

    This is the entry point for partitioned corpora (Dask, shards): each partition runs
    ``sample_stream`` (or ``CorpusStats.add`` + ``BottomKSample.add``) with the same ``k`` and seed, the
    partial results are combined with ``.merge``, and the merged summaries come here; the result equals a
    single pass over the whole files. Use seeds ``opts.seed * 1000 + 1`` (real) and ``+ 2`` (synthetic)
    to reproduce the CLI's sample exactly.
    """
    progress = progress or Progress()
    opts.validate()
    # equal sizes: the n lowest priorities of a bottom-k sample are themselves a uniform sample
    n = min(len(real_sample), len(synth_sample))
    for side, sample in (("real", real_sample), ("synth", synth_sample)):
        if len(sample) < 2:  # the noise floor needs two halves of at least one document each
            name = (inputs or {}).get(side, {}).get("path") or getattr(opts, side, side)
            raise InputError(f"{name}: {len(sample)} document(s); an audit needs at least 2 per corpus "
                             "(and 20 for any verdict)")
    real_docs, synth_docs = real_sample.documents(n), synth_sample.documents(n)
    workers = opts.workers or default_workers()
    from audit.family_worker import shut_down_after

    with shut_down_after(_prestart(opts, n, workers)) as pools:
        embedder = make_embedder(opts, progress)
        real_emb = embed_docs(embedder, real_docs, opts, progress, "real")
        synth_emb = embed_docs(embedder, synth_docs, opts, progress, "synthetic")

        ctx = build_context(real_docs, synth_docs, real_emb, synth_emb, seed=opts.seed,
                            real_total=real_stats.n_docs, synth_total=synth_stats.n_docs,
                            real_stats=real_stats, synth_stats=synth_stats, options=opts.metric_options)
        from audit.threads import limited_threads

        with limited_threads():
            finish_map = None
            if opts.make_map:  # started first: with workers, its projection runs in another process meanwhile
                from audit.projection import start_map

                finish_map = start_map(ctx, random_state=opts.seed, workers=workers, host=pools.get("families"))
            entries, sections = run_context(ctx, opts.families, progress, opts.alpha, workers=workers, pools=pools)
            if finish_map is not None:
                progress.step("Projecting the map (UMAP)")
                sections["map"] = finish_map()
                progress.done("Projected the map")

    inputs = {side: dict(d) for side, d in (inputs or {}).items()}
    for side, docs, stats in (("real", real_docs, real_stats), ("synth", synth_docs, synth_stats)):
        inputs.setdefault(side, {"path": getattr(opts, side), "n_documents": stats.n_docs})
        inputs[side]["n_sampled"] = len(docs)
    settings = {
        "embedder": embedder.name,
        "embedding_dim": int(real_emb.shape[1]) if real_emb.size else 0,
        "seed": opts.seed,
        "sample_size": opts.sample_size,
        "compared_docs_per_corpus": n,
        "noise_floor": "metric on two disjoint random halves of the real sample",
        "alpha": opts.alpha,
        "families": list(opts.families),
        "options": dict(sorted(opts.metric_options.items())),
        "versions": library_versions(),
    }
    return AuditResult(inputs=inputs, settings=settings, metrics=entries, sections=sections)


def _prestart(opts: AuditOptions, n: int, workers: int) -> dict:
    """The worker process for the families that run in one (large samples only), started before the
    embedding so that its imports use the core the embedding leaves idle; the map's process is forked from
    it (``start_map``'s ``host``)."""
    from audit import family_worker

    if family_worker.wanted(opts.families, n, workers):
        from audit.projection import forks_map

        return family_worker.prestart(with_map=opts.make_map and forks_map())
    return {}

