"""On-disk embedding cache: (model identity, text hash) -> vector, in one SQLite file per model.

SQLite gives atomic, crash-safe writes (a transaction either lands whole or not at all) and lets several
processes read at once. Each row stores a checksum of its vector bytes: a row that fails the check (disk
corruption, a truncated write from a foreign tool) is treated as a miss, recomputed and rewritten; so is a
row whose vector size is not the model's (recorded in table ``meta``). A cache file that is unusable as a
whole is moved aside and rebuilt, with one note (see ``EmbeddingCache``).
"""
from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import time
import zlib
from collections import Counter
from pathlib import Path

import numpy as np


def default_cache_dir() -> Path:
    from audit.home import home_dir

    return home_dir() / "embeddings"


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class _Unusable(Exception):
    pass


class EmbeddingCache:
    """One SQLite file per model. An unreadable cache (truncated, garbage, foreign schema, a directory in
    its place, corruption found mid-run) is moved aside to ``<name>.corrupt-<time>`` and a new one is
    started; ``notes`` says so (the pipeline shows it once). The cache never makes a run fail."""

    def __init__(self, directory: str | os.PathLike, model_name: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", model_name)[:80]
        digest = hashlib.blake2b(model_name.encode(), digest_size=6).hexdigest()
        self.path = self.directory / f"{slug}-{digest}.sqlite"
        self.model_name = model_name
        self.hits = self.misses = self.corrupt = 0
        self.dim: int | None = None  # the model's vector size, once known (table ``meta``)
        self.notes: list[str] = []
        self._db: sqlite3.Connection | None = None
        try:
            self._connect()
        except (sqlite3.Error, OSError, _Unusable) as e:
            self._rebuild(e)

    def _connect(self) -> None:
        if self.path.exists() and not self.path.is_file():
            raise _Unusable("not a regular file")
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # a cache: a commit need not reach the disk before the run goes on (WAL stays consistent; a
            # crash can lose the last batches, which are then recomputed), saving an fsync per batch
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS emb (key BLOB PRIMARY KEY, dim INTEGER, crc INTEGER, vec BLOB)")
            db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
            db.commit()
            cols = [r[1] for r in db.execute("PRAGMA table_info(emb)")]
            if cols != ["key", "dim", "crc", "vec"]:
                raise _Unusable(f"foreign table layout {cols}")
            row = db.execute("SELECT v FROM meta WHERE k = 'dim'").fetchone()
            self.dim = int(row[0]) if row else None
        except BaseException:
            db.close()
            raise
        self._db = db

    def _rebuild(self, why: BaseException) -> None:
        """Move the unusable cache aside (never delete it) and start an empty one."""
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None
        target = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
        try:
            os.replace(self.path, target)
            for ext in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + ext)
                if side.exists():
                    os.replace(side, target.with_name(target.name + ext))
            where = f"moved it to {target}"
        except OSError as e:
            where = f"could not move it aside ({e.strerror or e})"
        self.dim = None
        try:
            self._connect()
        except (sqlite3.Error, OSError, _Unusable):
            self._db = None  # no cache this run
            where += "; running without a cache"
        self.notes.append(f"embedding cache {self.path} was unreadable "
                          f"({type(why).__name__}: {why}); {where}, started a new one")

    def get_many(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        try:
            return self._get_many(keys)
        except sqlite3.Error as e:  # corruption found past the header: rebuild, count everything as a miss
            self._rebuild(e)
            self.misses += len(set(keys))
            return {}

    def _get_many(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        bad: list[bytes] = []
        if self._db is None:
            self.misses += len(set(keys))
            return found
        for start in range(0, len(keys), 900):  # SQLite's bound-parameter limit
            chunk = keys[start:start + 900]
            q = f"SELECT key, dim, crc, vec FROM emb WHERE key IN ({','.join('?' * len(chunk))})"
            for key, dim, crc, vec in self._db.execute(q, chunk):
                if (not isinstance(vec, bytes) or not isinstance(dim, int) or zlib.crc32(vec) != crc
                        or len(vec) != 4 * dim or (self.dim is not None and dim != self.dim)):
                    bad.append(key)
                    continue
                found[bytes(key)] = np.frombuffer(vec, dtype=np.float32)
        if found and self.dim is None:  # an old cache without its size on record: the common size wins
            sizes = Counter(v.shape[0] for v in found.values())
            common = sizes.most_common(1)[0][0]
            bad += [k for k, v in found.items() if v.shape[0] != common]
            found = {k: v for k, v in found.items() if v.shape[0] == common}
        if bad:
            self.corrupt += len(bad)
            self._db.executemany("DELETE FROM emb WHERE key = ?", [(k,) for k in bad])
            self._db.commit()
        self.hits += len(found)
        self.misses += len(set(keys)) - len(found)
        return found

    def put_many(self, keys: list[bytes], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        rows = []
        for k, v in zip(keys, vectors):
            b = v.tobytes()
            rows.append((k, int(v.shape[0]), zlib.crc32(b), b))
        for attempt in (0, 1):
            if self._db is None:
                return
            try:
                with self._db:  # one transaction: all rows or none
                    if self.dim != vectors.shape[1]:  # the model's size is recorded; other sizes are stale
                        self._db.execute("DELETE FROM emb WHERE dim != ?", (int(vectors.shape[1]),))
                        self._db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES ('dim', ?)",
                                         (str(vectors.shape[1]),))
                    self._db.executemany("INSERT OR REPLACE INTO emb (key, dim, crc, vec) VALUES (?, ?, ?, ?)",
                                         rows)
                self.dim = int(vectors.shape[1])
                return
            except sqlite3.Error as e:
                if attempt:
                    return  # the fresh cache fails too (disk full?): this run goes on without storing
                self._rebuild(e)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def embed_with_cache(embedder, texts: list[str], cache: EmbeddingCache | None, *, batch_size: int = 256,
                     on_progress=None) -> np.ndarray:
    """Embed ``texts``, taking what the cache has and computing (and storing) only the rest."""
    n = len(texts)
    keys = [text_key(t) for t in texts]
    found = cache.get_many(keys) if cache is not None else {}
    out: np.ndarray | None = None
    todo = [i for i, k in enumerate(keys) if k not in found]
    done = n - len(todo)
    if on_progress:
        on_progress(done)
    dim = None
    if found:
        dim = next(iter(found.values())).shape[0]
        out = np.zeros((n, dim), dtype=np.float32)
        for i, k in enumerate(keys):
            v = found.get(k)
            if v is not None:
                out[i] = v
    for start in range(0, len(todo), batch_size):
        idx = todo[start:start + batch_size]
        vecs = np.asarray(embedder.encode([texts[i] for i in idx]), dtype=np.float32)
        if out is None:
            out = np.zeros((n, vecs.shape[1]), dtype=np.float32)
        elif vecs.shape[1] != out.shape[1]:  # the cached vectors were of another size: recompute them all
            cache.notes.append(f"embedding cache {cache.path}: stored vectors of size {out.shape[1]}, "
                               f"the model gives {vecs.shape[1]}; recomputed")
            return _recompute_all(embedder, texts, keys, cache, batch_size)
        out[idx] = vecs
        if cache is not None:
            cache.put_many([keys[i] for i in idx], vecs)
        if on_progress:
            on_progress(len(idx))
    if out is None:
        out = np.zeros((0, 0), dtype=np.float32)
    return out


def _recompute_all(embedder, texts: list[str], keys: list[bytes], cache: EmbeddingCache,
                   batch_size: int) -> np.ndarray:
    out = embed_with_cache(embedder, texts, None, batch_size=batch_size)
    cache.put_many(keys, out)  # records the model's size and drops the stale rows
    return out
