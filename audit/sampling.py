"""A mergeable, order-free uniform sample of a document stream (bottom-k sampling).

Each document gets a pseudo-random priority from a keyed hash of (seed, text); the sample is the ``k``
documents with the smallest priorities. Unlike a reservoir, this sample

* is the same whatever order the documents arrive in (a shuffled file gives the same audit);
* merges: the sample of a union is the bottom ``k`` of the partitions' samples, so partitions of a corpus
  (Dask, shards, files) can be sampled apart and combined, exactly as one pass would have;
* keeps exact duplicates together (they share a priority), so a sample shows the corpus's duplicate
  structure instead of thinning duplicate pairs to (k/n)².
"""
from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Sequence

import numpy as np

from audit.documents import Document


def priority(text: str, seed: int) -> int:
    """A 64-bit pseudo-random priority, uniform over texts, fixed by (seed, text)."""
    key = int(seed).to_bytes(8, "little", signed=False)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8, key=key).digest(), "little")


def content_key(doc: Document, salt) -> tuple[bytes, str, str]:
    """A sort key fixed by the document's content and ``salt`` (any int or int sequence), never its position.

    The text's keyed hash first; exact duplicates (same text) tie and are ordered by id, then by text, so
    that whichever of two identical texts lands where changes no value computed from the texts.
    """
    parts = salt if isinstance(salt, (list, tuple)) else [salt]
    key = b"".join((int(s) & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(8, "little") for s in parts)[:64]
    h = hashlib.blake2b(doc.text.encode("utf-8", "surrogatepass"), digest_size=8, key=key).digest()
    return h, doc.id, doc.text


def content_order(docs: Sequence[Document], salt) -> np.ndarray:
    """Indices of ``docs`` in a seeded order that depends only on their content (see :func:`content_key`).

    Use it for every split, subsample or budget over documents: a shuffled file then gives the same
    halves, samples and budgets, hence the same audit.
    """
    return np.asarray(sorted(range(len(docs)), key=lambda i: content_key(docs[i], salt)), dtype=np.int64)


def _rank(doc: Document, seed: int) -> int:
    """Priority of the text, then a hash of (id, line) so ties between duplicates resolve exactly."""
    tie = hashlib.blake2b(f"{doc.id}\x00{doc.line}".encode("utf-8"), digest_size=8).digest()
    return (priority(doc.text, seed) << 64) | int.from_bytes(tie, "little")


class BottomKSample:
    """The ``k`` documents of smallest :func:`priority` (a uniform sample without replacement)."""

    def __init__(self, k: int, seed: int = 0):
        if k < 1:
            raise ValueError("k must be at least 1")
        self.k = k
        self.seed = seed
        self._heap: list[tuple[int, int, Document]] = []  # (-rank, n, doc): the root is the largest kept rank
        self._n = 0  # only separates fully identical entries, which never reach the tuple's last slot

    def add(self, doc: Document) -> None:
        r = _rank(doc, self.seed)
        self._n += 1
        if len(self._heap) < self.k:
            heapq.heappush(self._heap, (-r, self._n, doc))
        elif -r > self._heap[0][0]:
            heapq.heapreplace(self._heap, (-r, self._n, doc))

    def extend(self, docs: Iterable[Document]) -> "BottomKSample":
        for d in docs:
            self.add(d)
        return self

    def merge(self, other: "BottomKSample") -> "BottomKSample":
        if (other.k, other.seed) != (self.k, self.seed):
            raise ValueError("can only merge samples with the same k and seed")
        return BottomKSample(self.k, self.seed).extend(it[-1] for it in self._heap + other._heap)

    def documents(self, limit: int | None = None) -> list[Document]:
        """The sample (or its ``limit`` lowest-priority documents, itself a bottom-k sample).

        In priority order, which depends only on content and seed, never on file order: every positional
        draw made downstream (halves, subsamples) is then the same for a shuffled file.
        """
        items = sorted(self._heap, key=lambda it: -it[0])
        if limit is not None:
            items = items[:limit]
        return [it[-1] for it in items]

    def __len__(self) -> int:
        return len(self._heap)
