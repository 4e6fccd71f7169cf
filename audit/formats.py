"""File formats: which one a path is, opening it (decompressing and hashing in the same pass), and one
record reader per format.

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
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from audit.errors import InputError
from audit.fields import Reject

FORMATS = ("jsonl", "json", "csv", "tsv", "parquet", "txt")
EXTENSIONS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl", ".json": "json",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
    ".txt": "txt", ".text": "txt",
}
COMPRESSIONS = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd"}
MAGIC = {"gzip": b"\x1f\x8b", "zstd": b"\x28\xb5\x2f\xfd"}
PARQUET_MAGIC = b"PAR1"
ACCEPTED = ".jsonl/.ndjson, .json, .csv, .tsv, .parquet, .txt (optionally .gz or .zst)"
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


def _fail(path: str, what: str) -> InputError:
    return InputError(f"{path}: {what}")


def detect_format(path: str, fmt: str | None) -> tuple[str, str | None]:
    """``(format, compression)`` from the file name, ``fmt`` (if given) overriding the format."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    compression = COMPRESSIONS.get(suffixes[-1]) if suffixes else None
    if compression:
        suffixes = suffixes[:-1]
    if fmt is not None:
        name = str(fmt).strip().lower()
        name = {"ndjson": "jsonl", "jsonlines": "jsonl", "text": "txt", "pq": "parquet"}.get(name, name)
        if name not in FORMATS:
            raise InputError(f"unknown --format {fmt!r}; accepted: {', '.join(FORMATS)}")
        return name, compression
    ext = suffixes[-1] if suffixes else ""
    if ext not in EXTENSIONS:
        shown = f"extension '{ext}'" if ext else "no extension"
        raise _fail(path, f"unknown format ({shown}); accepted: {ACCEPTED}; use --format to force one")
    return EXTENSIONS[ext], compression


def resolve(path: str | os.PathLike, fmt: str | None = None) -> Source:
    """Check ``path`` can be read as a corpus, without reading it through. Raises :class:`InputError`."""
    shown = os.fspath(path)
    fs_path = Path(shown).expanduser()
    try:
        st = fs_path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise _fail(shown, "no such file") from None
    except PermissionError:
        raise _fail(shown, "permission denied") from None
    except OSError as e:
        raise _fail(shown, f"cannot read ({e.strerror or e})") from None
    if fs_path.is_dir():
        raise _fail(shown, "is a directory, not a file")
    name, compression = detect_format(shown, fmt)
    try:
        with open(fs_path, "rb") as f:
            head = f.read(4)
    except PermissionError:
        raise _fail(shown, "permission denied") from None
    except OSError as e:
        raise _fail(shown, f"cannot read ({e.strerror or e})") from None
    if compression and not head.startswith(MAGIC[compression]):
        raise _fail(shown, f"not a {compression} file (compression taken from its extension)")
    if compression is None and name != "parquet":
        # A compressed file without the suffix: read it as what it is.
        compression = next((c for c, m in MAGIC.items() if head.startswith(m)), None)
    source = Source(shown, fs_path, name, compression, st.st_size)
    _check_content(source)
    return source


def _check_content(src: Source) -> None:
    """Decompress the first few KiB: catches corrupt streams, non-JSON ``.json`` and non-Parquet files."""
    if src.fmt == "parquet" and src.compression is None:
        ok = src.size_bytes >= 12
        if ok:
            with open(src.fs_path, "rb") as f:
                head = f.read(4)
                f.seek(-4, os.SEEK_END)
                ok = head == PARQUET_MAGIC and f.read(4) == PARQUET_MAGIC
        if not ok:
            raise _fail(src.path, "not a Parquet file")
        return
    with open_stream(src) as opened:
        head = _guard(src, lambda: opened.stream.read(4096))
    if src.fmt == "parquet" and not head.startswith(PARQUET_MAGIC):
        raise _fail(src.path, "not a Parquet file")
    if src.fmt == "json":
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if start not in (b"[", b"{"):
            what = "empty file" if not start else f"starts with {start!r}, expected '[' or '{{'"
            raise _fail(src.path, f"not JSON ({what})")


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


class _Opened:
    """A decompressed binary stream over a file, plus the hash of the file's stored bytes."""

    def __init__(self, src: Source) -> None:
        self._file = open(src.fs_path, "rb", buffering=0)
        self.raw = _HashingReader(self._file)
        if src.compression == "gzip":
            self.stream: BinaryIO = gzip.GzipFile(fileobj=self.raw, mode="rb")
        elif src.compression == "zstd":
            import zstandard

            reader = zstandard.ZstdDecompressor().stream_reader(self.raw, read_across_frames=True)
            self.stream = io.BufferedReader(reader, _CHUNK)  # type: ignore[arg-type]
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
        raise _fail(src.path, "permission denied") from None
    except OSError as e:
        raise _fail(src.path, f"cannot read ({e.strerror or e})") from None


def _decode_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
    try:
        import zstandard

        errors += (zstandard.ZstdError,)
    except ImportError:  # pragma: no cover - zstandard is a declared dependency
        pass
    return errors


def _guard(src: Source, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except _decode_errors() as e:
        what = f"corrupt {src.compression} data" if src.compression else "read error"
        raise _fail(src.path, f"{what} ({e})") from None


def _guarded_iter(src: Source, it: Iterator) -> Iterator:
    """Iterate ``it``, turning decompression and I/O errors into one-line :class:`InputError`."""
    while True:
        item = _guard(src, lambda: next(it, _END))
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
    data = _guard(src, stream.read)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _fail(src.path, f"not UTF-8 (invalid byte 0x{data[e.start]:02x} at byte {e.start + 1})") from None
    del data
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        hint = "; it looks like JSON Lines: use --format jsonl" if e.msg == "Extra data" else ""
        raise _fail(src.path, f"not valid JSON ({e.msg} at line {e.lineno} column {e.colno}){hint}") from None
    except RecursionError:
        raise _fail(src.path, "not valid JSON (nested too deeply)") from None
    del text
    if isinstance(doc, dict):
        lists = [k for k, v in doc.items() if isinstance(v, list)]
        if len(lists) != 1:
            raise _fail(src.path, "expected a JSON array of objects, or an object with exactly one list "
                                  f"(found {len(lists)} list-valued keys)")
        doc = doc[lists[0]]
    if not isinstance(doc, list):
        raise _fail(src.path, f"expected a JSON array of objects, got {_json_type(doc)}")
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
    while chunk := _guard(src, lambda: opened.stream.read(_CHUNK)):
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
        raise _fail(src.path, f"not a Parquet file ({e})") from None
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
            raise _fail(src.path, f"corrupt Parquet file ({e})") from None
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
