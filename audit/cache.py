"""On-disk embedding cache: (model identity, text hash) -> vector, in one SQLite file per model.

SQLite gives atomic, crash-safe writes (a transaction either lands whole or not at all) and lets several
processes read at once. Each row stores a checksum of its vector bytes: a row that fails the check (disk
corruption, a truncated write from a foreign tool) is treated as a miss, recomputed and rewritten.
"""
from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import zlib
from pathlib import Path

import numpy as np


def default_cache_dir() -> Path:
    base = os.environ.get("CORPUS_AUDIT_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "corpus-audit")
    return Path(base) / "embeddings"


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class EmbeddingCache:
    def __init__(self, directory: str | os.PathLike, model_name: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", model_name)[:80]
        digest = hashlib.blake2b(model_name.encode(), digest_size=6).hexdigest()
        self.path = self.directory / f"{slug}-{digest}.sqlite"
        self.model_name = model_name
        self.hits = self.misses = self.corrupt = 0
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS emb (key BLOB PRIMARY KEY, dim INTEGER, crc INTEGER, vec BLOB)")
        self._db.commit()

    def get_many(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        bad: list[bytes] = []
        for start in range(0, len(keys), 900):  # SQLite's bound-parameter limit
            chunk = keys[start:start + 900]
            q = f"SELECT key, dim, crc, vec FROM emb WHERE key IN ({','.join('?' * len(chunk))})"
            for key, dim, crc, vec in self._db.execute(q, chunk):
                if vec is None or zlib.crc32(vec) != crc or len(vec) != 4 * dim:
                    bad.append(key)
                    continue
                found[bytes(key)] = np.frombuffer(vec, dtype=np.float32)
        if bad:
            self.corrupt += len(bad)
            self._db.executemany("DELETE FROM emb WHERE key = ?", [(k,) for k in bad])
            self._db.commit()
        self.hits += len(found)
        self.misses += len(set(keys)) - len(found)
        return found

    def put_many(self, keys: list[bytes], vectors: np.ndarray) -> None:
        rows = []
        for k, v in zip(keys, np.asarray(vectors, dtype=np.float32)):
            b = v.tobytes()
            rows.append((k, int(v.shape[0]), zlib.crc32(b), b))
        with self._db:  # one transaction: all rows or none
            self._db.executemany("INSERT OR REPLACE INTO emb (key, dim, crc, vec) VALUES (?, ?, ?, ?)", rows)

    def close(self) -> None:
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
        elif vecs.shape[1] != out.shape[1]:
            raise RuntimeError("embedding size changed between cached and new vectors")
        out[idx] = vecs
        if cache is not None:
            cache.put_many([keys[i] for i in idx], vecs)
        if on_progress:
            on_progress(len(idx))
    if out is None:
        out = np.zeros((0, 0), dtype=np.float32)
    return out
