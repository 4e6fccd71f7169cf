"""What the family runners receive: both corpora (sampled, embedded), the real halves, full-corpus stats."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from audit.corpus_index import DocIndex
from audit.documents import Document
from audit.sampling import content_order
from metrics.fingerprint import FingerprintParams, fingerprint_batch, params_from_options
from metrics.text import normalize, normalized_hash, text_hash, tokenize
from metrics.token_ids import RankedTexts, TokenIds

# Extra whole-corpus statistics, streamed over every document alongside the counts below.
# name -> zero-argument factory of an accumulator with ``add(doc)`` and ``merge(other) -> new``.
# An accumulator must be picklable (partitions run in other processes), deterministic and order-free:
# merging partition accumulators in any order must equal one pass (pick examples by a content hash,
# never "the first seen"). Families read them back as ``ctx.real.stats.extras[name]``.
# ``add`` may return a small dict of per-document labels (e.g. ``{"language": "en"}``): it is stored in
# ``doc.metadata`` and travels with the sampled documents, so that a family need not compute it again.
STREAM_ACCUMULATORS: dict[str, Any] = {}


def register_accumulator(name: str, factory) -> None:
    """Stream ``factory()`` over every document of each corpus (see ``STREAM_ACCUMULATORS``)."""
    STREAM_ACCUMULATORS[name] = factory


def _new_extras() -> dict[str, Any]:
    from audit.streams import builtin_accumulators

    factories = {**builtin_accumulators(), **STREAM_ACCUMULATORS}
    return {name: factory() for name, factory in sorted(factories.items())}


@dataclass
class CorpusStats:
    """Mergeable statistics over the *whole* stream of one corpus (not only the sample).

    Counts and sums, the registered accumulators (``extras``) and a compact per-document index
    (``audit.corpus_index.DocIndex``: exact-text hash, line, token count, MinHash-LSH band keys, winnowed
    n-gram fingerprints, and the id and text in a byte store), so duplicates and copies are counted over
    every document. The exact-duplicate bookkeeping is 16 bytes per document in memory (hashes of the
    normalised text and of the id) and every column spills to a temporary file past a budget.
    Partitions are computed apart and combined with :meth:`merge`; what is computed from the index
    orders documents by content, so the merge order changes nothing.

    Documents are fingerprinted in batches of ``BATCH`` (``fingerprint_batch``); :meth:`add` queues a
    document and :attr:`index` flushes the queue.
    """

    n_docs: int = 0
    n_chars: int = 0
    params: FingerprintParams = field(default_factory=FingerprintParams)
    keep_text: bool = True
    # registered accumulators (language mix, defect counts...): name -> accumulator
    extras: dict[str, Any] = field(default_factory=_new_extras)
    _index: DocIndex | None = field(default=None, repr=False)
    _pending: list = field(default_factory=list, repr=False)

    BATCH = 1024

    def __post_init__(self):
        if self._index is None:
            self._index = DocIndex(self.params, keep_text=self.keep_text)

    def configure(self, options: dict[str, Any] | None) -> "CorpusStats":
        """Pass the metric options to every accumulator that reads some (``acc.configure(options)``), before
        the first document: e.g. the user's extra defect phrases. Partitions must be configured alike."""
        for acc in self.extras.values():
            if hasattr(acc, "configure"):
                acc.configure(dict(options or {}))
        return self

    def add(self, doc: Document) -> dict | None:
        """Count one document; returns the per-document labels the accumulators gave (also stored in
        ``doc.metadata``), or None."""
        return self.add_many([doc])[0]

    def add_many(self, docs: list[Document]) -> list[dict | None]:
        """:meth:`add` of each document, in order; an accumulator with ``add_many(docs)`` (returning one label
        dict or None per document) takes the whole batch at once. Returns the labels per document."""
        notes: list[dict | None] = [None] * len(docs)
        for acc in self.extras.values():
            got = acc.add_many(docs) if hasattr(acc, "add_many") else [acc.add(d) for d in docs]
            for i, note in enumerate(got):
                if note:
                    notes[i] = {**(notes[i] or {}), **note}
        for doc, note in zip(docs, notes):
            if note:
                doc.metadata.update(note)
            self.n_docs += 1
            self.n_chars += len(doc.text)
            self._pending.append(doc)
            if len(self._pending) >= self.BATCH:
                self._flush()
        return notes

    def add_fingerprinted(self, docs: list[Document], prints) -> None:
        """Count ``docs`` whose fingerprints are already computed (``prints`` row i is ``docs[i]``) without
        running the accumulators: for a caller that merges each document's own (``audit.calibrate``)."""
        self._flush()
        for doc in docs:
            self.n_docs += 1
            self.n_chars += len(doc.text)
        self._index.add(prints, [d.id for d in docs], [d.text for d in docs])

    def _flush(self) -> None:
        if not self._pending:
            return
        docs, self._pending = self._pending, []
        texts = [d.text for d in docs]
        self._index.add(fingerprint_batch(texts, self.params), [d.id for d in docs], texts)

    @property
    def index(self) -> DocIndex:
        """The per-document index, with every added document in it."""
        self._flush()
        return self._index

    def absorb(self, other: "CorpusStats", docs: list[Document] | None = None) -> "CorpusStats":
        """Add another partition's statistics in place (its documents follow this one's).

        ``docs``: the partition's documents, when ``other`` was built without texts (a worker's chunk).
        """
        self._flush()
        self.n_docs += other.n_docs
        self.n_chars += other.n_chars
        self._index.extend(other.index)
        if docs is not None and other.index.texts is None and self._index.texts is not None:
            self._index.texts.append([d.id for d in docs], [d.text for d in docs])
        for name, acc in other.extras.items():
            mine = self.extras.get(name)
            self.extras[name] = acc if mine is None else mine.merge(acc)
        return self

    def merge(self, other: "CorpusStats") -> "CorpusStats":
        """A new ``CorpusStats`` for this partition followed by ``other``."""
        out = CorpusStats(params=self.params, keep_text=self.keep_text, extras={})
        return out.absorb(self).absorb(other)

    def __getstate__(self):
        self._flush()
        return dict(self.__dict__)


@dataclass
class CorpusData:
    """The (possibly sampled) documents of one corpus, with embeddings row-aligned to ``docs``."""

    name: str
    docs: list[Document]
    embeddings: np.ndarray  # (n, d) float32, L2-normalised
    n_total: int  # documents in the whole corpus
    stats: CorpusStats | None = None
    indices: np.ndarray | None = None  # for a subset: the rows of the parent it was taken from
    parent: "CorpusData | None" = None

    @property
    def sampled(self) -> bool:
        return len(self.docs) < self.n_total

    @property
    def texts(self) -> list[str]:
        return [d.text for d in self.docs]

    @cached_property
    def tokens(self) -> list[list[str]]:
        if self.parent is not None:  # a subset shares its parent's tokens: each document is tokenised once
            toks = self.parent.tokens
            return [toks[i] for i in self.indices]
        return [tokenize(d.text) for d in self.docs]

    @cached_property
    def token_ids(self) -> TokenIds:
        """The tokens as ids into one vocabulary per corpus (a subset is a view on its parent's)."""
        if self.parent is not None:
            return self.parent.token_ids.subset(self.indices)
        return TokenIds.encode(self.tokens)

    @cached_property
    def ranked_texts(self) -> RankedTexts:
        """``texts`` whose seeded content order is ranked once per corpus and seed (subsets: views)."""
        if self.parent is not None:
            return self.parent.ranked_texts.subset(self.indices)
        return RankedTexts(self.texts)

    @cached_property
    def normalized(self) -> list[str]:
        if self.parent is not None:
            norm = self.parent.normalized
            return [norm[i] for i in self.indices]
        return [normalize(d.text) for d in self.docs]

    @cached_property
    def text_hashes(self) -> list[str]:
        """``metrics.text.text_hash`` of each document (from ``normalized``); a subset shares its parent's."""
        if self.parent is not None:
            hashes = self.parent.text_hashes
            return [hashes[i] for i in self.indices]
        return [normalized_hash(t) for t in self.normalized]

    @cached_property
    def properties(self) -> dict[str, np.ndarray]:
        """``metrics.properties.document_properties`` of the documents, computed once per corpus (a subset
        views its parent's rows). Read-only: copy the dict before replacing a column."""
        if self.parent is not None:
            return {k: v[self.indices] for k, v in self.parent.properties.items()}
        from metrics.properties import document_properties

        return document_properties(self.texts)

    def subset(self, idx: np.ndarray, name: str) -> "CorpusData":
        return CorpusData(name=name, docs=[self.docs[i] for i in idx], embeddings=self.embeddings[idx],
                          n_total=len(idx), indices=np.asarray(idx), parent=self)

    def __len__(self) -> int:
        return len(self.docs)


@dataclass
class AuditContext:
    real: CorpusData
    synth: CorpusData
    real_a: CorpusData  # two disjoint random halves of the real sample: the noise floor
    real_b: CorpusData
    seed: int
    options: dict[str, Any] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)  # computed once, used by several families
    # False: the runners may skip the metrics on the real halves (no noise floor on the rows). Only for
    # `audit init`, whose calibration splits are themselves the noise measurement and read no floor.
    noise_floor: bool = True
    # False: the runners may skip report sections that only show examples (boilerplate openings, cluster
    # keywords); no row reads them. Only for `audit init`'s calibration splits, which keep rows alone.
    sections: bool = True

    # one lock per key of ``shared``: the families may run on several threads (``run_context(workers=)``)
    _locks: dict[str, threading.Lock] = field(default_factory=dict, init=False, repr=False, compare=False)
    _locks_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def shared_value(self, key: str, make: Callable[[], Any]) -> Any:
        """``shared[key]``, made by ``make()`` the first time it is asked for, once even when several
        families ask for it at the same time from different threads."""
        if key in self.shared:
            return self.shared[key]
        with self._locks_lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self.shared:
                self.shared[key] = make()
        return self.shared[key]

    def rng(self, salt: int = 0) -> np.random.Generator:
        """A generator for one metric: same seed + salt -> same numbers, independent of run order."""
        return np.random.default_rng([self.seed, salt])


def build_context(
    real_docs: list[Document],
    synth_docs: list[Document],
    real_emb: np.ndarray,
    synth_emb: np.ndarray,
    *,
    seed: int = 0,
    real_total: int | None = None,
    synth_total: int | None = None,
    real_stats: CorpusStats | None = None,
    synth_stats: CorpusStats | None = None,
    options: dict[str, Any] | None = None,
    noise_floor: bool = True,
) -> AuditContext:
    """Assemble the context and split the real sample into two disjoint seeded halves (the noise floor)."""
    params = params_from_options(options or {})
    if real_stats is None:
        real_stats = CorpusStats(params=params).configure(options)
        for d in real_docs:
            real_stats.add(d)
    if synth_stats is None:
        synth_stats = CorpusStats(params=params).configure(options)
        for d in synth_docs:
            synth_stats.add(d)
    real = CorpusData("real", real_docs, np.asarray(real_emb, dtype=np.float32),
                      real_total if real_total is not None else len(real_docs), real_stats)
    synth = CorpusData("synth", synth_docs, np.asarray(synth_emb, dtype=np.float32),
                       synth_total if synth_total is not None else len(synth_docs), synth_stats)
    return context_of(real, synth, seed=seed, options=options, noise_floor=noise_floor)


def context_of(real: CorpusData, synth: CorpusData, *, seed: int = 0, options: dict[str, Any] | None = None,
               noise_floor: bool = True, sections: bool = True) -> AuditContext:
    """The context of two ready corpora (e.g. two subsets of one parent, as `audit init`'s splits): the
    real sample split into two disjoint seeded halves (the noise floor)."""
    # the halves depend on the documents' content, never on the order they were passed in
    perm = content_order(real.docs, [seed, 99])
    half = len(perm) // 2
    a, b = np.sort(perm[:half]), np.sort(perm[half:2 * half])
    return AuditContext(real, synth, real.subset(a, "real_a"), real.subset(b, "real_b"), seed,
                        options=dict(options or {}), noise_floor=noise_floor, sections=sections)
