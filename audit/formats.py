"""File formats: opening a corpus file (decompressing and hashing in the same pass) and one record reader
per format.

Every reader is a generator of ``(line, item)`` where ``item`` is a record ``dict``, a
:class:`~audit.fields.Reject` for a record that could not be parsed, or (tabular formats, first) a
:class:`Columns` with the header. ``line`` is the 1-based physical line of the record's start (jsonl, txt,
csv, tsv) or its 1-based index (json array, parquet).
"""
from __future__ import annotations

import csv
import fcntl
import gzip
import hashlib
import io
import json
import os
import re
import select
import stat
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import zstandard

from audit.errors import InputError, json_problem
from audit.fields import Reject

MAGIC = {"gzip": b"\x1f\x8b", "zstd": b"\x28\xb5\x2f\xfd"}
PARQUET_MAGIC = b"PAR1"
_DECODE_ERRORS = (OSError, EOFError, zlib.error, zstandard.ZstdError)
_CHUNK = 1 << 20
_PARQUET_BATCH = 1024


@dataclass
class Source:
    """A corpus file that passed the eager checks, with the one open handle it is read through."""

    path: str  # as the user gave it: used in messages and as ``Document.source``
    fs_path: Path
    fmt: str
    compression: str | None
    size_bytes: int
    opened: "Opened | None" = None
    max_line_bytes: int = 1 << 62


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


class _Prefixed(io.RawIOBase):
    """``prefix`` then the rest of ``rest``: how bytes peeked at for a check are handed back unread."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        if self._prefix:
            n = min(len(buf), len(self._prefix))
            buf[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(buf))
        buf[: len(data)] = data
        return len(data)


def _read_upto(stream: BinaryIO, n: int) -> bytes:
    """Up to ``n`` bytes, fewer only at the end of the stream (a pipe may hand them over in pieces)."""
    parts, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


FIFO_WAIT_S = 60.0  # how long a FIFO may stay silent before its first byte


def open_input(fs_path: Path, fifo: bool) -> BinaryIO:
    """Open a file once, unbuffered. A FIFO opens without blocking, then waits at most ``FIFO_WAIT_S``
    seconds for its writer's first byte (or its end): a FIFO nobody writes to is an error, not a hang."""
    fd = os.open(fs_path, os.O_RDONLY | (os.O_NONBLOCK if fifo else 0) | getattr(os, "O_CLOEXEC", 0))
    if fifo:
        try:
            poller = select.poll()
            poller.register(fd, select.POLLIN | select.POLLHUP)
            if not poller.poll(int(FIFO_WAIT_S * 1000)):
                raise TimeoutError(f"nothing written to this FIFO in {FIFO_WAIT_S:g} s; is its writer running?")
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        except BaseException:
            os.close(fd)
            raise
    return os.fdopen(fd, "rb", buffering=0)


class Opened:
    """A corpus file opened exactly once: its stored bytes are hashed as they go past, its first bytes
    are looked at (``head``, ``text_head``) and handed back, so a pipe or FIFO loses nothing.

    ``stream`` is the decompressed binary stream, from the first byte; ``seekable`` is False for pipes,
    FIFOs and anything else that cannot be read twice.
    """

    def __init__(self, path: str, file: BinaryIO) -> None:
        self.path = path
        self.file = file
        try:
            self.seekable = file.seekable() and stat.S_ISREG(os.fstat(file.fileno()).st_mode)
        except (OSError, ValueError):
            self.seekable = False
        self.raw = _HashingReader(file)
        base = io.BufferedReader(self.raw, _CHUNK)
        self.head = _read_upto(base, 4)  # the stored bytes' magic number
        self._base = _Prefixed(self.head, base)
        self.compression: str | None = None
        self.stream: BinaryIO = io.BufferedReader(self._base, _CHUNK)
        self.text_head = b""

    def decompress(self, compression: str | None, peek: int = 4096) -> None:
        """Put the decompressor for ``compression`` in front and read (and keep) the first ``peek`` bytes."""
        self.compression = compression
        if compression == "gzip":
            stream: BinaryIO = gzip.GzipFile(fileobj=self._base, mode="rb")
        elif compression == "zstd":
            stream = io.BufferedReader(_ZstdReader(self._base), _CHUNK)
        else:
            stream = self.stream
        self.text_head = _read_upto(stream, peek)
        self.stream = io.BufferedReader(_Prefixed(self.text_head, stream), _CHUNK)

    random_access = False  # set when a reader seeks the file itself (Parquet): hash it again from the start

    def finish(self) -> tuple[str, int]:
        """Read the file to its end and return ``(sha256 hex, size)`` of its stored bytes."""
        if self.random_access:
            self.file.seek(0)
            self.raw.sha, self.raw.n_bytes = hashlib.sha256(), 0
        self.raw.drain()
        return self.raw.sha.hexdigest(), self.raw.n_bytes

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> "Opened":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def guard(src: Source, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except _DECODE_ERRORS as e:
        what = f"corrupt {src.compression} data" if src.compression else "read error"
        raise input_error(src.path, f"{what} ({e})") from None


def _raw_lines(src: Source, stream: BinaryIO) -> Iterator[bytes | Reject]:
    """The stream's lines as bytes; a line longer than ``src.max_line_bytes`` is skipped (never held in
    memory: ``/dev/zero`` or a file without newlines reads in bounded memory) and becomes a ``too_long``
    reject."""
    limit = src.max_line_bytes
    while True:
        line = guard(src, lambda: stream.readline(limit))
        if not line:
            return
        if len(line) < limit or line.endswith(b"\n"):
            yield line
            continue
        size = len(line)
        while True:
            more = guard(src, lambda: stream.readline(_CHUNK))
            size += len(more)
            if not more or more.endswith(b"\n"):
                break
        yield Reject("too_long", f"a line of {size:,} bytes, over the limit of {limit:,} (see --max-doc-chars)")


def _lines(src: Source, stream: BinaryIO, keepends: bool = False) -> Iterator[tuple[int, str | Reject]]:
    """Decoded lines, numbered from 1; a line that is not UTF-8 becomes a ``bad_utf8`` reject."""
    for n, raw in enumerate(_raw_lines(src, stream), 1):
        if isinstance(raw, Reject):
            yield n, raw
            continue
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


# A JSON escape of a UTF-16 surrogate: legal JSON, but alone (unpaired) it is not Unicode text and cannot
# be hashed or written as UTF-8. Only records whose raw text matches are checked string by string.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _lone_surrogate(obj: Any) -> str | None:
    """The first string (key or value) in ``obj`` holding an unpaired surrogate, else ``None``."""
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, str):
            try:
                o.encode("utf-8")
            except UnicodeEncodeError as e:
                return f"unpaired surrogate \\u{ord(o[e.start]):04x} in a JSON string (not valid Unicode)"
        elif isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, list):
            stack.extend(o)
    return None


def parse_json_text(text: str) -> Any:
    """``json.loads`` whose every failure is a :class:`Reject`: syntax, nesting too deep, a number too
    long for Python's int limit, an unpaired surrogate escape."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise Reject("bad_json", json_problem(e, line=False)) from None
    except RecursionError:
        raise Reject("bad_json", "nested too deeply") from None
    except ValueError as e:  # e.g. "Exceeds the limit (4300 digits) for integer string conversion"
        raise Reject("bad_json", str(e).split(";")[0]) from None
    if _SURROGATE_ESCAPE.search(text) and (why := _lone_surrogate(obj)):
        raise Reject("bad_utf8", why)
    return obj


def read_jsonl(src: Source, stream: BinaryIO, **_: Any) -> Iterator[tuple[int, Any]]:
    for n, text in _lines(src, stream):
        if isinstance(text, Reject):
            yield n, text
            continue
        if not text.strip():
            continue
        try:
            obj = parse_json_text(text)
        except Reject as r:
            yield n, r
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
        raise input_error(src.path, f"not valid JSON ({json_problem(e)}){hint}") from None
    except RecursionError:
        raise input_error(src.path, "not valid JSON (nested too deeply)") from None
    except ValueError as e:  # a number past Python's int-string limit
        raise input_error(src.path, f"not valid JSON ({str(e).split(';')[0]})") from None
    check_unicode = bool(_SURROGATE_ESCAPE.search(text))
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
        if not isinstance(obj, dict):
            yield i, Reject("not_an_object", f"got {_json_type(obj)}")
        elif check_unicode and (why := _lone_surrogate(obj)):
            yield i, Reject("bad_utf8", why)
        else:
            yield i, obj


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


def _parquet_file(src: Source, opened: Opened):
    """Parquet needs random access: a plain regular file is read through its open handle (and hashed by a
    second sequential pass at the end); anything else (compressed, a pipe) is spilled to a temporary file
    as it streams past the hasher."""
    import pyarrow.parquet as pq

    if src.compression is None and opened.seekable:
        opened.random_access = True
        opened.file.seek(0)
        return pq.ParquetFile(opened.file), None
    tmp = tempfile.TemporaryFile()
    while chunk := guard(src, lambda: opened.stream.read(_CHUNK)):
        tmp.write(chunk)
    size = tmp.tell()
    tmp.seek(0)
    head = tmp.read(4)
    tmp.seek(max(0, size - 4))
    if size < 12 or head != PARQUET_MAGIC or tmp.read(4) != PARQUET_MAGIC:
        tmp.close()
        raise input_error(src.path, "not a Parquet file")
    tmp.seek(0)
    return pq.ParquetFile(tmp), tmp


def read_parquet(src: Source, stream: BinaryIO, *, opened: Opened,
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
    opened = src.opened
    if opened is None:
        raise ValueError(f"{src.path}: not opened (use audit.ingest.resolve)")
    src.opened = None  # a source is read once
    try:
        yield from READERS[src.fmt](src, opened.stream, opened=opened, select=select)
    finally:
        try:
            # Everything read so far went through the hasher; hash the rest (all of it for Parquet).
            digest.sha256, digest.size_bytes = opened.finish()
        except OSError:
            pass
        opened.close()
