"""The compact, mergeable per-document index of one whole corpus, spilled to disk when it grows.

Every document of a corpus leaves a few fixed-size values here (``DocIndex``): the 64-bit hash of its
normalised text and of its id (16 bytes: the exact-duplicate bookkeeping, which orders documents by
content, never by position, so a shuffled file gives the same index up to order), its token count, its
MinHash-LSH band keys, and its winnowed n-gram fingerprints; its id and text go to a byte store so that
candidates can be verified and shown. Each column keeps at most ``SPILL_BYTES`` in memory; beyond that
it is appended to a temporary file and read back as a memory map, so peak memory grows with the corpus
only through these arrays, and not at all once they spill. Indexes of partitions merge by
concatenation (``DocIndex.extend``).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Sequence

import numpy as np
import xxhash

from metrics.fingerprint import BatchPrints, FingerprintParams

SPILL_BYTES = int(os.environ.get("CORPUS_AUDIT_SPILL_BYTES", 64 << 20))
_DIR: str | None = None


def _spill_dir() -> str:
    global _DIR
    if _DIR is None or not os.path.isdir(_DIR):
        _DIR = tempfile.mkdtemp(prefix="corpus-audit-index-")
        weakref.finalize(_spill_dir, shutil.rmtree, _DIR, True)
    return _DIR


class Column:
    """An append-only array (fixed dtype and row shape) that moves to a temporary file past a budget."""

    def __init__(self, dtype, width: int = 0, budget: int | None = None):
        self.dtype = np.dtype(dtype)
        self.width = width  # 0: one value per row; k: rows of k values
        self.budget = SPILL_BYTES if budget is None else budget
        self._chunks: list[np.ndarray] = []
        self._mem = 0
        self._path: str | None = None
        self._on_disk = 0  # rows in the file
        self._cache: np.ndarray | None = None

    def __len__(self) -> int:
        return self._on_disk + sum(len(c) for c in self._chunks)

    @property
    def spilled(self) -> bool:
        return self._path is not None

    def append(self, values: np.ndarray) -> None:
        values = np.ascontiguousarray(values, dtype=self.dtype)
        if len(values) == 0:
            return
        self._cache = None
        self._chunks.append(values)
        self._mem += values.nbytes
        if self._mem > self.budget:
            self._flush()

    def _flush(self) -> None:
        if self._path is None:
            fd, self._path = tempfile.mkstemp(dir=_spill_dir(), suffix=".col")
            os.close(fd)
            weakref.finalize(self, _unlink, self._path)
        with open(self._path, "ab") as f:
            for c in self._chunks:
                f.write(c.tobytes())
                self._on_disk += len(c)
        self._chunks, self._mem = [], 0

    def array(self) -> np.ndarray:
        """All rows, as one array (a read-only memory map once spilled)."""
        if self._cache is not None:
            return self._cache
        shape = (len(self),) + ((self.width,) if self.width else ())
        if self._path is None:
            out = np.concatenate(self._chunks) if self._chunks else np.zeros(shape, self.dtype)
            self._chunks = [out] if len(out) else []
        else:
            self._flush()
            out = np.memmap(self._path, dtype=self.dtype, mode="r", shape=shape) if shape[0] else \
                np.zeros(shape, self.dtype)
        self._cache = out
        return out

    def extend(self, other: "Column", add: int = 0) -> None:
        """Append another column's rows (plus ``add``, for ordinals), block by block."""
        arr = other.array()
        step = max(1, self.budget // max(1, arr.itemsize * max(1, self.width)))
        for s in range(0, len(arr), step):
            block = np.asarray(arr[s:s + step])
            self.append(block + self.dtype.type(add) if add else block)

    def __getstate__(self):
        # travel as data (a spill file is local to this machine); the receiver spills again past its budget
        state = dict(self.__dict__)
        state.update(_chunks=[np.array(self.array())] if len(self) else [], _cache=None, _path=None,
                     _on_disk=0, _mem=0)
        return state


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class TextStore:
    """Ids and texts by ordinal, in a byte column (spilled like the others)."""

    def __init__(self):
        self.data = Column(np.uint8)
        self.ends = Column(np.uint64)
        self._size = 0

    def __len__(self) -> int:
        return len(self.ends)

    def append(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        blobs = [f"{i}\x00{t}".encode("utf-8", "surrogatepass") for i, t in zip(ids, texts)]
        ends = np.cumsum([len(b) for b in blobs], dtype=np.uint64) + np.uint64(self._size)
        if len(blobs):
            self._size = int(ends[-1])
        self.data.append(np.frombuffer(b"".join(blobs), dtype=np.uint8))
        self.ends.append(ends)

    def get(self, i: int) -> tuple[str, str]:
        ends = self.ends.array()
        lo = int(ends[i - 1]) if i else 0
        raw = bytes(self.data.array()[lo:int(ends[i])]).decode("utf-8", "surrogatepass")
        doc_id, _, text = raw.partition("\x00")
        return doc_id, text

    def text(self, i: int) -> str:
        return self.get(i)[1]

    def extend(self, other: "TextStore") -> None:
        self.data.extend(other.data)
        self.ends.extend(other.ends, add=self._size)
        self._size += other._size


class DocIndex:
    """Compact per-document arrays of one corpus (see the module docstring)."""

    def __init__(self, params: FingerprintParams | None = None, keep_text: bool = True):
        self.params = params or FingerprintParams()
        self.exact = Column(np.uint64)
        self.idh = Column(np.uint64)  # xxh3-64 of the id: with ``exact``, a content order of the documents
        self.n_tokens = Column(np.uint32)
        self.bands = Column(np.uint32, width=self.params.bands)
        self.fp_hash = Column(np.uint64)
        self.fp_doc = Column(np.uint32)  # ordinal in this index
        self.texts = TextStore() if keep_text else None

    def __len__(self) -> int:
        return len(self.exact)

    def add(self, prints: BatchPrints, ids: Sequence[str], texts: Sequence[str] | None = None) -> None:
        base = len(self)
        self.exact.append(prints.exact)
        self.n_tokens.append(prints.n_tokens)
        self.bands.append(prints.bands)
        self.fp_hash.append(prints.fp_hash)
        self.fp_doc.append(prints.fp_doc.astype(np.uint32) + np.uint32(base))
        self.idh.append(np.fromiter((xxhash.xxh3_64_intdigest(str(i).encode("utf-8", "surrogatepass"))
                                     for i in ids), np.uint64, count=len(ids)))
        if self.texts is not None and texts is not None:
            self.texts.append(ids, texts)

    def extend(self, other: "DocIndex") -> "DocIndex":
        """Append another partition's index (its ordinals follow this one's)."""
        if other.params != self.params:
            raise ValueError("cannot merge indexes built with different fingerprint parameters")
        base = len(self)
        self.exact.extend(other.exact)
        self.n_tokens.extend(other.n_tokens)
        self.bands.extend(other.bands)
        self.fp_hash.extend(other.fp_hash)
        self.fp_doc.extend(other.fp_doc, add=base)
        self.idh.extend(other.idh)
        if self.texts is not None and other.texts is not None:
            self.texts.extend(other.texts)
        return self

    def content_order(self) -> np.ndarray:
        """Ordinals sorted by (text hash, id hash): an order fixed by content, whatever the file order or
        the order partitions were merged in."""
        return np.lexsort((np.asarray(self.idh.array()), np.asarray(self.exact.array())))

    def bytes_per_doc(self) -> dict[str, float]:
        n = max(1, len(self))
        cols = {"exact": self.exact, "id": self.idh, "n_tokens": self.n_tokens,
                "bands": self.bands, "fingerprints": self.fp_hash, "fingerprint_docs": self.fp_doc}
        out = {k: len(c) * c.dtype.itemsize * max(1, c.width) / n for k, c in cols.items()}
        if self.texts is not None:
            out["texts"] = (len(self.texts.data) + 8 * len(self.texts)) / n
        return out
