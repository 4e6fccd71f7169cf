"""What the family runners receive: both corpora (sampled, embedded), the real halves, full-corpus stats."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from audit.documents import Document
from audit.sampling import content_order
from metrics.text import normalize, text_hash, tokenize

# Extra whole-corpus statistics, streamed over every document alongside the counts below.
# name -> zero-argument factory of an accumulator with ``add(doc)`` and ``merge(other) -> new``.
# An accumulator must be picklable (partitions run in other processes), deterministic and order-free:
# merging partition accumulators in any order must equal one pass (pick examples by a content hash,
# never "the first seen"). Families read them back as ``ctx.real.stats.extras[name]``.
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

    Every field is a count, a sum or a map of counts, so partitions (Dask, shards) can be computed apart
    and combined with :meth:`merge`. Memory is about 300 bytes per distinct document (measured by
    benchmarks/run.py; it was 570 when every first text was kept): texts are kept only for texts seen
    twice (as duplicate-group examples), never for every document.
    """

    n_docs: int = 0
    n_chars: int = 0
    n_words: int = 0
    hash_counts: Counter = field(default_factory=Counter)  # normalised-text hash -> count
    # hash -> (id, source, line) of the first document with that text
    hash_first: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    # hash -> text[:300], for texts seen at least twice (set at the second sighting)
    dup_text: dict[str, str] = field(default_factory=dict)
    # registered accumulators (language mix, defect counts...): name -> accumulator
    extras: dict[str, Any] = field(default_factory=_new_extras)

    def add(self, doc: Document) -> None:
        for acc in self.extras.values():
            acc.add(doc)
        self.n_docs += 1
        self.n_chars += len(doc.text)
        self.n_words += len(doc.text.split())
        h = text_hash(doc.text)
        c = self.hash_counts[h] = self.hash_counts[h] + 1
        if c == 1:
            self.hash_first[h] = (doc.id, doc.source, doc.line)
        elif c == 2:
            self.dup_text[h] = doc.text[:300]

    def example(self, h: str) -> tuple[str | None, str | None]:
        """(id of the first document, a text) for a hash; the text only for duplicated texts."""
        first = self.hash_first.get(h)
        return (None if first is None else first[0]), self.dup_text.get(h)

    @property
    def examples(self) -> "_Examples":
        """A read-only ``hash -> (id, text or None)`` view (no copy of the maps)."""
        return _Examples(self)

    def merge(self, other: "CorpusStats") -> "CorpusStats":
        out = CorpusStats(
            n_docs=self.n_docs + other.n_docs,
            n_chars=self.n_chars + other.n_chars,
            n_words=self.n_words + other.n_words,
            hash_counts=self.hash_counts + other.hash_counts,
            hash_first=dict(self.hash_first),
            dup_text={**other.dup_text, **self.dup_text},
            extras={name: (acc.merge(other.extras[name]) if name in other.extras else acc)
                    for name, acc in self.extras.items()},
        )
        for name, acc in other.extras.items():
            out.extras.setdefault(name, acc)
        for h, first in other.hash_first.items():  # the earliest occurrence wins, as in one pass
            mine = out.hash_first.get(h)
            if mine is None or (first[1], first[2]) < (mine[1], mine[2]):
                out.hash_first[h] = first
        return out


class _Examples:
    __slots__ = ("stats",)

    def __init__(self, stats: CorpusStats):
        self.stats = stats

    def get(self, h: str, default=None):
        return self.stats.example(h) if h in self.stats.hash_first else default

    def __getitem__(self, h: str):
        if h not in self.stats.hash_first:
            raise KeyError(h)
        return self.stats.example(h)

    def __contains__(self, h: object) -> bool:
        return h in self.stats.hash_first


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
    def normalized(self) -> list[str]:
        if self.parent is not None:
            norm = self.parent.normalized
            return [norm[i] for i in self.indices]
        return [normalize(d.text) for d in self.docs]

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
) -> AuditContext:
    """Assemble the context and split the real sample into two disjoint seeded halves (the noise floor)."""
    if real_stats is None:
        real_stats = CorpusStats()
        for d in real_docs:
            real_stats.add(d)
    if synth_stats is None:
        synth_stats = CorpusStats()
        for d in synth_docs:
            synth_stats.add(d)
    real = CorpusData("real", real_docs, np.asarray(real_emb, dtype=np.float32),
                      real_total if real_total is not None else len(real_docs), real_stats)
    synth = CorpusData("synth", synth_docs, np.asarray(synth_emb, dtype=np.float32),
                       synth_total if synth_total is not None else len(synth_docs), synth_stats)
    # the halves depend on the documents' content, never on the order they were passed in
    perm = content_order(real_docs, [seed, 99])
    half = len(perm) // 2
    a, b = np.sort(perm[:half]), np.sort(perm[half:2 * half])
    return AuditContext(real, synth, real.subset(a, "real_a"), real.subset(b, "real_b"), seed,
                        options=dict(options or {}))
