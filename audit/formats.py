"""File formats: opening a corpus file (decompressing and hashing in the same pass) and one record reader
per format.

Every reader is a generator of ``(line, item)`` where ``item`` is a record ``dict``, a
:class:`~audit.fields.Reject` for a record that could not be parsed, or (tabular formats, first) a
:class:`Columns` with the header. ``line`` is the 1-based physical line of the record's start (jsonl, txt,
csv, tsv) or its 1-based index (json array, parquet).
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import zstandard

from audit.errors import InputError
from audit.fields import Reject

MAGIC = {"gzip": b"\x1f\x8b", "zstd": b"\x28\xb5\x2f\xfd"}
PARQUET_MAGIC = b"PAR1"
_DECODE_ERRORS = (OSError, EOFError, zlib.error, zstandard.ZstdError)
_CHUNK = 1 << 20
_PARQUET_BATCH = 1024


@dataclass(frozen=True)
class Source:
    """A corpus file that passed the eager checks."""

    path: str  # as the user gave it: used in messages and as ``Document.source``
    fs_path: Path
    fmt: str
    compression: str | None
    size_bytes: int


@dataclass(frozen=True)
class Columns:
    """The header of a tabular file, sent before its first row."""

    names: list[str]


def input_error(path: str, what: str) -> InputError:
    return InputError(f"{path}: {what}")


class _HashingReader(io.RawIOBase):
    """Raw reader that hashes and counts the bytes as they go past, so hashing costs no extra pass."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self.sha = hashlib.sha256()
        self.n_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        n = self._f.readinto(buf)
        if n:
            self.sha.update(memoryview(buf)[:n])
            self.n_bytes += n
        return n

    def drain(self) -> None:
        """Hash what the decompressor or the caller left unread."""
        while chunk := self._f.read(_CHUNK):
            self.sha.update(chunk)
            self.n_bytes += len(chunk)


class _ZstdReader(io.RawIOBase):
    """Decompress every frame of a zstd stream, and fail on a truncated one (``stream_reader`` ends
    silently there, losing the tail of the corpus)."""

    def __init__(self, raw: io.RawIOBase) -> None:
        self._raw = raw
        self._obj = zstandard.ZstdDecompressor().decompressobj()
        self._in_frame = False
        self._out = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        while not self._out:
            chunk = self._raw.read(1 << 16)  # small input chunks bound the output of one call
            if not chunk:
                if self._in_frame:
                    raise zstandard.ZstdError("truncated file: the last frame is incomplete")
                return 0
            out = []
            while chunk:
                self._in_frame = True
                out.append(self._obj.decompress(chunk))
                chunk = b""
                if self._obj.eof:  # a frame ended; what follows starts the next one
                    chunk = self._obj.unused_data
                    self._obj = zstandard.ZstdDecompressor().decompressobj()
                    self._in_frame = False
            self._out = memoryview(b"".join(out))
        n = min(len(buf), len(self._out))
        buf[:n] = self._out[:n]
        self._out = self._out[n:]
        return n


class _Opened:
    """A decompressed binary stream over a file, plus the hash of the file's stored bytes."""

    def __init__(self, src: Source) -> None:
        self._file = open(src.fs_path, "rb", buffering=0)
        self.raw = _HashingReader(self._file)
        if src.compression == "gzip":
            self.stream: BinaryIO = gzip.GzipFile(fileobj=self.raw, mode="rb")
        elif src.compression == "zstd":
            self.stream = io.BufferedReader(_ZstdReader(self.raw), _CHUNK)
        else:
            self.stream = io.BufferedReader(self.raw, _CHUNK)

    def finish(self) -> tuple[str, int]:
        """Read the file to its end and return ``(sha256 hex, size)`` of its stored bytes."""
        self.raw.drain()
        return self.raw.sha.hexdigest(), self.raw.n_bytes

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "_Opened":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_stream(src: Source) -> _Opened:
    try:
        return _Opened(src)
    except PermissionError:
        raise input_error(src.path, "permission denied") from None
    except OSError as e:
        raise input_error(src.path, f"cannot read ({e.strerror or e})") from None


def guard(src: Source, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except _DECODE_ERRORS as e:
        what = f"corrupt {src.compression} data" if src.compression else "read error"
        raise input_error(src.path, f"{what} ({e})") from None


def _guarded_iter(src: Source, it: Iterator) -> Iterator:
    """Iterate ``it``, turning decompression and I/O errors into one-line :class:`InputError`."""
    while True:
        item = guard(src, lambda: next(it, _END))
        if item is _END:
            return
        yield item


_END = object()


def _lines(src: Source, stream: BinaryIO, keepends: bool = False) -> Iterator[tuple[int, str | Reject]]:
    """Decoded lines, numbered from 1; a line that is not UTF-8 becomes a ``bad_utf8`` reject."""
    for n, raw in enumerate(_guarded_iter(src, iter(stream)), 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            yield n, Reject("bad_utf8", f"invalid byte 0x{raw[e.start]:02x} at byte {e.start + 1}")
            continue
        if n == 1 and text.startswith("\ufeff"):
            text = text[1:]
        yield n, text if keepends else text.rstrip("\r\n")


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number",
            type(None): "null"}.get(type(value), type(value).__name__)


def read_jsonl(src: Source, stream: BinaryIO, **_: Any) -> Iterator[tuple[int, Any]]:
    for n, text in _lines(src, stream):
        if isinstance(text, Reject):
            yield n, text
            continue
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            yield n, Reject("bad_json", f"{e.msg} at column {e.colno}")
            continue
        except RecursionError:
            yield n, Reject("bad_json", "nested too deeply")
            continue
        if not isinstance(obj, dict):
            yield n, Reject("not_an_object", f"got {_json_type(obj)}")
            continue
        yield n, obj


def read_txt(src: Source, stream: BinaryIO, **_: Any) -> Iterator[tuple[int, Any]]:
    for n, text in _lines(src, stream):
        if isinstance(text, Reject) or text.strip():
            yield n, text if isinstance(text, Reject) else {"line": text}


def read_json(src: Source, stream: BinaryIO, **_: Any) -> Iterator[tuple[int, Any]]:
    """A JSON array of objects, or an object holding one list (``{"data": [...]}``).

    Limitation: the whole file is parsed at once (the standard library has no incremental parser), so it
    must fit in memory; use JSON Lines for large corpora.
    """
    data = guard(src, stream.read)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise input_error(src.path, f"not UTF-8 (invalid byte 0x{data[e.start]:02x} at byte {e.start + 1})") from None
    del data
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        hint = "; it looks like JSON Lines: use --format jsonl" if e.msg == "Extra data" else ""
        raise input_error(src.path, f"not valid JSON ({e.msg} at line {e.lineno} column {e.colno}){hint}") from None
    except RecursionError:
        raise input_error(src.path, "not valid JSON (nested too deeply)") from None
    del text
    if isinstance(doc, dict):
        lists = [k for k, v in doc.items() if isinstance(v, list)]
        if len(lists) != 1:
            raise input_error(src.path, "expected a JSON array of objects, or an object with exactly one list "
                                  f"(found {len(lists)} list-valued keys)")
        doc = doc[lists[0]]
    if not isinstance(doc, list):
        raise input_error(src.path, f"expected a JSON array of objects, got {_json_type(doc)}")
    for i, obj in enumerate(doc, 1):
        yield i, obj if isinstance(obj, dict) else Reject("not_an_object", f"got {_json_type(obj)}")


def read_delimited(src: Source, stream: BinaryIO, **_: Any) -> Iterator[tuple[int, Any]]:
    """CSV (or TSV) with a header row. A row's line is the physical line where it starts, counting
    quoted newlines. A non-UTF-8 line is dropped before parsing, so it must not sit inside a quoted field.
    """
    if csv.field_size_limit() < 2**31 - 1:
        csv.field_size_limit(2**31 - 1)  # documents are long; the 128 KiB default would reject them
    pending: list[Reject | tuple[int, None]] = []
    fed: list[int] = []  # physical line numbers of the lines handed to the csv reader, oldest first

    def feed() -> Iterator[str]:
        for n, text in _lines(src, stream, keepends=True):
            if isinstance(text, Reject):
                pending.append((n, text))
                continue
            fed.append(n)
            yield text

    reader = csv.reader(feed(), dialect=csv.excel_tab if src.fmt == "tsv" else csv.excel)
    header: list[str] | None = None
    consumed = 0
    while True:
        try:
            row = next(reader, None)
            error = None
        except csv.Error as e:
            row, error = [], str(e)
        start = fed[0] if fed else 0
        yield from pending
        pending.clear()
        del fed[: reader.line_num - consumed]
        consumed = reader.line_num
        if row is None:
            return
        if error is not None:
            yield start, Reject("bad_row", error)
        elif not row:
            continue  # blank line
        elif header is None:
            header = [c.strip() for c in row]
            yield start, Columns(header)
        elif len(row) != len(header):
            yield start, Reject("bad_row", f"expected {len(header)} fields, got {len(row)}")
        else:
            yield start, dict(zip(header, row))


def _parquet_file(src: Source, opened: _Opened):
    import pyarrow.parquet as pq

    if src.compression is None:
        return pq.ParquetFile(src.fs_path), None
    tmp = tempfile.TemporaryFile()  # Parquet needs random access; spill the decompressed bytes to disk
    while chunk := guard(src, lambda: opened.stream.read(_CHUNK)):
        tmp.write(chunk)
    tmp.seek(0)
    return pq.ParquetFile(tmp), tmp


def read_parquet(src: Source, stream: BinaryIO, *, opened: _Opened,
                 select: Callable[[list[str]], list[str] | None] | None = None,
                 **_: Any) -> Iterator[tuple[int, Any]]:
    """Rows of a Parquet file, one record batch at a time, reading only the columns ``select`` asks for."""
    import pyarrow as pa

    try:
        pf, tmp = _parquet_file(src, opened)
    except (pa.ArrowException, OSError) as e:
        raise input_error(src.path, f"not a Parquet file ({e})") from None
    try:
        names = list(pf.schema_arrow.names)
        yield 0, Columns(names)
        columns = select(names) if select else None
        i = 0
        try:
            for batch in pf.iter_batches(batch_size=_PARQUET_BATCH, columns=columns):
                for row in batch.to_pylist():
                    i += 1
                    yield i, row
        except (pa.ArrowException, OSError) as e:
            raise input_error(src.path, f"corrupt Parquet file ({e})") from None
    finally:
        if tmp is not None:
            tmp.close()


READERS = {"jsonl": read_jsonl, "json": read_json, "csv": read_delimited, "tsv": read_delimited,
           "parquet": read_parquet, "txt": read_txt}


@dataclass
class Digest:
    sha256: str = ""
    size_bytes: int = 0


def iter_records(src: Source, digest: Digest,
                 select: Callable[[list[str]], list[str] | None] | None = None) -> Iterator[tuple[int, Any]]:
    """``(line, item)`` for every record of ``src``; ``digest`` is filled when the generator ends or closes.

    Parquet is read by pyarrow with random access, so its hash takes a separate streaming pass.
    """
    opened = open_stream(src)
    try:
        yield from READERS[src.fmt](src, opened.stream, opened=opened, select=select)
    finally:
        try:
            # Everything read so far went through the hasher; hash the rest (all of it for Parquet).
            digest.sha256, digest.size_bytes = opened.finish()
        except OSError:
            pass
        opened.close()
