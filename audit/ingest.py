"""Read a corpus file into a stream of :class:`~audit.documents.Document`, counting what was rejected.

Formats (from the extension, or forced with ``fmt``): ``jsonl`` (``.ndjson``), ``json`` (an array of
objects, or an object holding one list), ``csv``, ``tsv``, ``parquet``, ``txt`` (one document per line);
each may be ``.gz`` or ``.zst``. Which field is the text is decided per record by
:mod:`audit.fields`. Reading streams line by line (record batch by record batch for Parquet), except JSON
arrays, which are parsed whole.

A record that cannot give a document is skipped and counted in :class:`IngestReport` under a snake_case
reason (``bad_json``, ``not_an_object``, ``missing_field``, ``bad_field_type``, ``empty_text``,
``bad_utf8``, ``bad_row``, ``too_long``); with ``strict=True`` the first one raises :class:`~audit.errors.InputError`.
A file that cannot be read at all, or that holds no usable document, raises ``InputError`` with one line.
"""
from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audit.documents import Document
from audit.errors import InputError
from audit.limits import MemoryGuard
from audit.fields import (CHAT_FIELDS, ID_FIELDS, PAIRS, SINGLE_FIELDS, Reject, detect_template,
                          extract_text, is_blank, normalize_roles, record_id)
from audit.formats import (MAGIC, PARQUET_MAGIC, Columns, Digest, Source, Opened, guard, input_error,
                           iter_records, open_input)

FORMATS = ("jsonl", "json", "csv", "tsv", "parquet", "txt")
EXTENSIONS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl", ".json": "json",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
    ".txt": "txt", ".text": "txt",
}
COMPRESSIONS = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd"}
ACCEPTED = ".jsonl/.ndjson, .json, .csv, .tsv, .parquet, .txt (optionally .gz or .zst)"
MAX_EXAMPLES = 20
# Longest document kept, in characters (``--max-doc-chars``); a longer one is a ``too_long`` reject. A line
# of the file may take up to 8 bytes per character (JSON escapes) before it is refused unread.
DEFAULT_MAX_DOC_CHARS = 2_000_000
_MAX_KEYS_SHOWN = 12


@dataclass
class IngestReport:
    """What reading one corpus file found; filled in while its document stream is consumed.

    ``sha256`` and ``size_bytes`` describe the file as stored on disk (compressed, if it is);
    ``sha256`` is set once the stream ends or is closed. ``text_field`` names the field or template
    that gave the text (the most common one; ``templates`` counts them all), e.g. ``"text"``,
    ``"prompt+response"``, ``"instruction+input+output"``, ``"messages[assistant]"``.
    """

    path: str
    format: str
    compression: str | None = None
    size_bytes: int = 0
    sha256: str = ""
    text_field: str | None = None
    n_records: int = 0
    n_documents: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    rejected_examples: list[dict] = field(default_factory=list)
    templates: dict[str, int] = field(default_factory=dict)
    shards: list[dict] = field(default_factory=list)  # one summary per file when the input is many files

    @property
    def n_rejected(self) -> int:
        return sum(self.rejected.values())

    def rejected_summary(self) -> str:
        """``"3 rejected: 2 bad_json, 1 empty_text"``, most frequent reason first."""
        parts = ", ".join(f"{n} {reason}" for reason, n in Counter(self.rejected).most_common())
        return f"{self.n_rejected} rejected: {parts}" if parts else "0 rejected"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
        raise input_error(path, f"unknown format ({shown}); accepted: {ACCEPTED}; use --format to force one")
    return EXTENSIONS[ext], compression


def resolve(path: str | os.PathLike, fmt: str | None = None, *, max_line_bytes: int | None = None,
            keep_open: bool = True) -> Source:
    """Open ``path`` once and check it can be read as a corpus, without reading it through.

    The file is opened exactly once and never reopened: what the checks look at (magic numbers, the first
    decompressed KiB) is handed back to the reader, so a pipe (``<(cat f)``) or a FIFO loses nothing and
    is hashed as it streams. A FIFO with no writer is an error after ``FIFO_WAIT_S`` (no hang); character
    and block devices (``/dev/zero``), sockets and directories are refused. Raises :class:`InputError`.
    """
    shown = os.fspath(path)
    fs_path = Path(shown).expanduser()
    try:
        st = fs_path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise input_error(shown, "no such file") from None
    except PermissionError:
        raise input_error(shown, "permission denied") from None
    except OSError as e:
        raise input_error(shown, f"cannot read ({e.strerror or e})") from None
    if stat.S_ISDIR(st.st_mode):
        raise input_error(shown, "is a directory, not a file")
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        raise input_error(shown, "is a device or socket, not a file or pipe")
    name, compression = detect_format(shown, fmt)
    try:
        opened = Opened(shown, open_input(fs_path, fifo=stat.S_ISFIFO(st.st_mode)))
    except PermissionError:
        raise input_error(shown, "permission denied") from None
    except TimeoutError as e:
        raise input_error(shown, str(e)) from None
    except OSError as e:
        raise input_error(shown, f"cannot read ({e.strerror or e})") from None
    try:
        head = opened.head
        if compression and not head.startswith(MAGIC[compression]):
            raise input_error(shown, f"not a {compression} file (compression taken from its extension)")
        if compression is None and name != "parquet":
            # A compressed file without the suffix: read it as what it is.
            compression = next((c for c, m in MAGIC.items() if head.startswith(m)), None)
        source = Source(shown, fs_path, name, compression, st.st_size, opened,
                        max_line_bytes=max_line_bytes or (1 << 62))
        _check_content(source)
    except BaseException:
        opened.close()
        raise
    if not keep_open and opened.seekable:
        opened.close()
        source.opened = None
    return source


def _check_content(src: Source) -> None:
    """Look at the first few KiB (decompressed): catches corrupt streams, non-JSON ``.json`` and
    non-Parquet files. Nothing is consumed: the reader gets these bytes again."""
    opened = src.opened
    if src.fmt == "parquet" and src.compression is None:
        if opened.head != PARQUET_MAGIC:
            raise input_error(src.path, "not a Parquet file")
        if opened.seekable:
            tail = os.pread(opened.file.fileno(), 4, max(0, src.size_bytes - 4))
            if src.size_bytes < 12 or tail != PARQUET_MAGIC:
                raise input_error(src.path, "not a Parquet file")
        return
    guard(src, lambda: opened.decompress(src.compression))
    head = opened.text_head
    if src.fmt == "parquet" and not head.startswith(PARQUET_MAGIC):
        raise input_error(src.path, "not a Parquet file")
    if src.fmt == "json":
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if start not in (b"[", b"{"):
            what = "empty file" if not start else f"starts with {start!r}, expected '[' or '{{'"
            raise input_error(src.path, f"not JSON ({what})")


@dataclass(frozen=True)
class _Options:
    text_field: str | None
    roles: tuple[str, ...] | None
    strict: bool
    max_doc_chars: int = DEFAULT_MAX_DOC_CHARS


def check_max_doc_chars(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1 << 40:
        raise InputError(f"--max-doc-chars must be a whole number from 1 to {1 << 40} (got {value!r})")
    return value


def _options(src: Source, text_field: str | None, roles: Sequence[str] | None, strict: bool,
             max_doc_chars: int = DEFAULT_MAX_DOC_CHARS) -> _Options:
    if text_field is not None:
        text_field = str(text_field).strip()
        if not text_field:
            raise InputError("--text-field is empty")
    if src.fmt == "txt":
        if text_field not in (None, "line"):
            raise InputError(f"{src.path}: --text-field does not apply to txt files (one document per line)")
        text_field = "line"
    return _Options(text_field, normalize_roles(roles), bool(strict), max_doc_chars)


def open_corpus(path: str | os.PathLike, *, fmt: str | None = None, text_field: str | None = None,
                roles: Sequence[str] | None = None, strict: bool = False,
                report: IngestReport | None = None, max_doc_chars: int = DEFAULT_MAX_DOC_CHARS,
                max_memory: int | None = None,
                keep_open: bool = True) -> tuple[Iterator[Document], IngestReport]:
    """Check ``path`` now and return its lazy document stream with the report it fills.

    Raises :class:`InputError` before any document is read for a missing, unreadable or directory path,
    an unknown format or ``fmt`` value, a compressed file that is not what its extension says, a
    ``.json`` file that is not JSON and a ``.parquet`` file that is not Parquet.

    ``max_memory`` (bytes; ``None`` = 85% of physical memory, 0 = none): while the stream is read, a
    process past it stops with :class:`~audit.limits.ResourceLimitError` instead of being killed.
    """
    max_doc_chars = check_max_doc_chars(max_doc_chars)
    src = resolve(path, fmt, max_line_bytes=8 * max_doc_chars + (1 << 16), keep_open=keep_open)
    try:
        opts = _options(src, text_field, roles, strict, max_doc_chars)
    except BaseException:
        if src.opened is not None:
            src.opened.close()
        raise
    if report is None:
        report = IngestReport(path=src.path, format=src.fmt)
    report.path, report.format, report.compression = src.path, src.fmt, src.compression
    report.size_bytes = src.size_bytes
    report.text_field = opts.text_field
    return _documents(src, opts, report, MemoryGuard(max_memory)), report


def read_corpus(path: str | os.PathLike, *, fmt: str | None = None, text_field: str | None = None,
                roles: Sequence[str] | None = None, strict: bool = False,
                report: IngestReport | None = None,
                max_doc_chars: int = DEFAULT_MAX_DOC_CHARS) -> Iterator[Document]:
    """Yield the documents of one corpus file, lazily; pass ``report`` to see what was rejected.

    Parameters
    ----------
    path : the file; ``Document.source`` and every message use it as given.
    fmt : force a format: ``jsonl``, ``json``, ``csv``, ``tsv``, ``parquet`` or ``txt``.
    text_field : dotted path to the text (``meta.body``, ``messages.0.content``); detected per record
        when ``None`` (see :mod:`audit.fields`).
    roles : keep only these chat roles (``["assistant"]``; ShareGPT ``gpt``/``human`` map to
        ``assistant``/``user``); for prompt/response and Alpaca records, the prompt side counts as
        ``user`` and the answer as ``assistant``.
    strict : raise on the first rejected record instead of counting it.
    max_doc_chars : a longer document is rejected as ``too_long`` (its line is not even held in memory
        past 8 bytes per character).

    Nothing is read until the first document is asked for; errors that :func:`open_corpus` raises
    eagerly are raised then.
    """
    docs, _ = open_corpus(path, fmt=fmt, text_field=text_field, roles=roles, strict=strict, report=report,
                          max_doc_chars=max_doc_chars)
    yield from docs


def _reject(path: str, opts: _Options, report: IngestReport, line: int, reason: str, detail: str) -> None:
    if opts.strict:
        raise InputError(f"{path}:{line}: {reason} ({detail})")
    report.rejected[reason] = report.rejected.get(reason, 0) + 1
    if len(report.rejected_examples) < MAX_EXAMPLES:
        report.rejected_examples.append({"file": path, "line": line, "reason": reason, "detail": detail})


def _check_columns(src: Source, opts: _Options, names: list[str]) -> None:
    shown = ", ".join(names[:_MAX_KEYS_SHOWN]) or "none"
    if opts.text_field is not None:
        top = opts.text_field.split(".", 1)[0]
        if opts.text_field not in names and top not in names:
            raise InputError(f"{src.path}: --text-field {opts.text_field!r} matches no column (columns: {shown})")
    elif detect_template(set(names)) is None:
        raise InputError(f"{src.path}: no text column found (columns: {shown}); pick one with --text-field")


def _parquet_columns(opts: _Options):
    """Which Parquet columns to read: the text's and the id's, not the rest."""

    def select(names: list[str]) -> list[str] | None:
        if opts.text_field is not None:
            top = opts.text_field if opts.text_field in names else opts.text_field.split(".", 1)[0]
            wanted = {top}
        else:
            wanted = set(SINGLE_FIELDS) | {f for pair in PAIRS for f in pair} | set(CHAT_FIELDS)
            wanted |= {"instruction", "input", "output"}
        wanted |= set(ID_FIELDS)
        return [n for n in names if n in wanted]

    return select


def _documents(src: Source, opts: _Options, report: IngestReport,
               guard: MemoryGuard | None = None) -> Iterator[Document]:
    if src.opened is None:  # a regular file checked with keep_open=False: open it now
        src = resolve(src.path, src.fmt, max_line_bytes=src.max_line_bytes)
    digest = Digest()
    records = iter_records(src, digest, select=_parquet_columns(opts))
    try:
        yield from record_documents(records, src.path, opts, report, guard,
                                    on_columns=lambda names: _check_columns(src, opts, names))
    finally:
        records.close()
        report.sha256, report.size_bytes = digest.sha256, digest.size_bytes or report.size_bytes


def record_options(text_field: str | None = None, roles: Sequence[str] | None = None, strict: bool = False,
                   max_doc_chars: int = DEFAULT_MAX_DOC_CHARS) -> _Options:
    """Reading options for :func:`record_documents` over records that come from no file (the Python API)."""
    if text_field is not None and not str(text_field).strip():
        raise InputError("--text-field is empty")
    return _Options(None if text_field is None else str(text_field).strip(), normalize_roles(roles),
                    bool(strict), max_doc_chars)


def record_documents(records, path: str, opts: _Options, report: IngestReport,
                     guard: MemoryGuard | None = None, on_columns=None) -> Iterator[Document]:
    """Documents from ``(line, record or Reject)`` pairs with the readers' reject accounting: the one place
    a record becomes a document, for files and in-memory inputs alike. Raises when none is usable."""
    hits = 0  # records where the user's text_field was present
    keys_seen: dict[str, None] = {}
    for line, item in records:
        if isinstance(item, Columns):
            if on_columns is not None:
                on_columns(item.names)
            continue
        report.n_records += 1
        if guard is not None and not report.n_records & 4095:
            guard.check(f"after {report.n_records:,} records of {path}")
        if isinstance(item, Reject):
            _reject(path, opts, report, line, item.reason, item.detail)
            continue
        if len(keys_seen) < _MAX_KEYS_SHOWN:
            keys_seen.update(dict.fromkeys(map(str, item)))
        try:
            text, template = extract_text(item, opts.text_field, opts.roles)
        except Reject as r:
            hits += r.reason != "missing_field"
            _reject(path, opts, report, line, r.reason, r.detail)
            continue
        hits += 1
        if is_blank(text):
            filtered = opts.roles and template.endswith("]") and not text
            detail = "nothing left after the roles filter" if filtered else "blank text"
            _reject(path, opts, report, line, "empty_text", f"{template}: {detail}")
            continue
        if len(text) > opts.max_doc_chars:
            _reject(path, opts, report, line, "too_long",
                    f"{len(text):,} characters, over --max-doc-chars {opts.max_doc_chars:,}")
            continue
        report.templates[template] = count = report.templates.get(template, 0) + 1
        if report.text_field not in report.templates or count > report.templates[report.text_field]:
            report.text_field = template
        report.n_documents += 1
        metadata = {"template": template} if _is_chat(template) else {}
        yield Document(id=record_id(item, line), text=text, source=path, line=line, metadata=metadata)
    _check_usable(path, opts, report, hits, keys_seen)


def _is_chat(template: str) -> bool:
    return template.split("[", 1)[0].rsplit(".", 1)[-1] in CHAT_FIELDS


def _check_usable(path: str, opts: _Options, report: IngestReport, hits: int,
                  keys_seen: dict[str, None]) -> None:
    if report.n_documents:
        return
    if report.n_records == 0:
        raise InputError(f"{path}: no usable document (no records)")
    keys = ", ".join(keys_seen) or "none"
    if opts.text_field is not None and hits == 0 and report.rejected.get("missing_field"):
        raise InputError(f"{path}: --text-field {opts.text_field!r} matches no record "
                         f"({report.n_records} records; keys seen: {keys})")
    hint = ""
    if report.rejected.get("missing_field") == report.n_records and opts.text_field is None:
        hint = f"; no known text field (keys seen: {keys}); pick one with --text-field"
    raise InputError(f"{path}: no usable document ({report.rejected_summary()}){hint}")
