"""Read a corpus file into a stream of :class:`~audit.documents.Document`, counting what was rejected.

Formats (from the extension, or forced with ``fmt``): ``jsonl`` (``.ndjson``), ``json`` (an array of
objects, or an object holding one list), ``csv``, ``tsv``, ``parquet``, ``txt`` (one document per line);
each may be ``.gz`` or ``.zst``. Which field is the text is decided per record by
:mod:`audit.fields`. Reading streams line by line (record batch by record batch for Parquet), except JSON
arrays, which are parsed whole.

A record that cannot give a document is skipped and counted in :class:`IngestReport` under a snake_case
reason (``bad_json``, ``not_an_object``, ``missing_field``, ``bad_field_type``, ``empty_text``,
``bad_utf8``, ``bad_row``); with ``strict=True`` the first one raises :class:`~audit.errors.InputError`.
A file that cannot be read at all, or that holds no usable document, raises ``InputError`` with one line.
"""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audit.documents import Document
from audit.errors import InputError
from audit.fields import (CHAT_FIELDS, ID_FIELDS, PAIRS, SINGLE_FIELDS, Reject, detect_template,
                          extract_text, normalize_roles, record_id)
from audit.formats import (MAGIC, PARQUET_MAGIC, Columns, Digest, Source, guard, input_error, iter_records,
                           open_stream)

FORMATS = ("jsonl", "json", "csv", "tsv", "parquet", "txt")
EXTENSIONS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl", ".json": "json",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
    ".txt": "txt", ".text": "txt",
}
COMPRESSIONS = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd"}
ACCEPTED = ".jsonl/.ndjson, .json, .csv, .tsv, .parquet, .txt (optionally .gz or .zst)"
MAX_EXAMPLES = 20
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


def resolve(path: str | os.PathLike, fmt: str | None = None) -> Source:
    """Check ``path`` can be read as a corpus, without reading it through. Raises :class:`InputError`."""
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
    if fs_path.is_dir():
        raise input_error(shown, "is a directory, not a file")
    name, compression = detect_format(shown, fmt)
    try:
        with open(fs_path, "rb") as f:
            head = f.read(4)
    except PermissionError:
        raise input_error(shown, "permission denied") from None
    except OSError as e:
        raise input_error(shown, f"cannot read ({e.strerror or e})") from None
    if compression and not head.startswith(MAGIC[compression]):
        raise input_error(shown, f"not a {compression} file (compression taken from its extension)")
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
            raise input_error(src.path, "not a Parquet file")
        return
    with open_stream(src) as opened:
        head = guard(src, lambda: opened.stream.read(4096))
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


def _options(src: Source, text_field: str | None, roles: Sequence[str] | None, strict: bool) -> _Options:
    if text_field is not None:
        text_field = str(text_field).strip()
        if not text_field:
            raise InputError("--text-field is empty")
    if src.fmt == "txt":
        if text_field not in (None, "line"):
            raise InputError(f"{src.path}: --text-field does not apply to txt files (one document per line)")
        text_field = "line"
    return _Options(text_field, normalize_roles(roles), bool(strict))


def open_corpus(path: str | os.PathLike, *, fmt: str | None = None, text_field: str | None = None,
                roles: Sequence[str] | None = None, strict: bool = False,
                report: IngestReport | None = None) -> tuple[Iterator[Document], IngestReport]:
    """Check ``path`` now and return its lazy document stream with the report it fills.

    Raises :class:`InputError` before any document is read for a missing, unreadable or directory path,
    an unknown format or ``fmt`` value, a compressed file that is not what its extension says, a
    ``.json`` file that is not JSON and a ``.parquet`` file that is not Parquet.
    """
    src = resolve(path, fmt)
    opts = _options(src, text_field, roles, strict)
    if report is None:
        report = IngestReport(path=src.path, format=src.fmt)
    report.path, report.format, report.compression = src.path, src.fmt, src.compression
    report.size_bytes = src.size_bytes
    report.text_field = opts.text_field
    return _documents(src, opts, report), report


def read_corpus(path: str | os.PathLike, *, fmt: str | None = None, text_field: str | None = None,
                roles: Sequence[str] | None = None, strict: bool = False,
                report: IngestReport | None = None) -> Iterator[Document]:
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

    Nothing is read until the first document is asked for; errors that :func:`open_corpus` raises
    eagerly are raised then.
    """
    docs, _ = open_corpus(path, fmt=fmt, text_field=text_field, roles=roles, strict=strict, report=report)
    yield from docs


def _reject(src: Source, opts: _Options, report: IngestReport, line: int, reason: str, detail: str) -> None:
    if opts.strict:
        raise InputError(f"{src.path}:{line}: {reason} ({detail})")
    report.rejected[reason] = report.rejected.get(reason, 0) + 1
    if len(report.rejected_examples) < MAX_EXAMPLES:
        report.rejected_examples.append({"file": src.path, "line": line, "reason": reason, "detail": detail})


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


def _documents(src: Source, opts: _Options, report: IngestReport) -> Iterator[Document]:
    digest = Digest()
    records = iter_records(src, digest, select=_parquet_columns(opts))
    hits = 0  # records where the user's text_field was present
    keys_seen: dict[str, None] = {}
    try:
        for line, item in records:
            if isinstance(item, Columns):
                _check_columns(src, opts, item.names)
                continue
            report.n_records += 1
            if isinstance(item, Reject):
                _reject(src, opts, report, line, item.reason, item.detail)
                continue
            if len(keys_seen) < _MAX_KEYS_SHOWN:
                keys_seen.update(dict.fromkeys(map(str, item)))
            try:
                text, template = extract_text(item, opts.text_field, opts.roles)
            except Reject as r:
                hits += r.reason != "missing_field"
                _reject(src, opts, report, line, r.reason, r.detail)
                continue
            hits += 1
            if not text.strip():
                filtered = opts.roles and template.endswith("]") and not text
                detail = "nothing left after the roles filter" if filtered else "blank text"
                _reject(src, opts, report, line, "empty_text", f"{template}: {detail}")
                continue
            report.templates[template] = count = report.templates.get(template, 0) + 1
            if report.text_field not in report.templates or count > report.templates[report.text_field]:
                report.text_field = template
            report.n_documents += 1
            metadata = {"template": template} if _is_chat(template) else {}
            yield Document(id=record_id(item, line), text=text, source=src.path, line=line, metadata=metadata)
    finally:
        records.close()
        report.sha256, report.size_bytes = digest.sha256, digest.size_bytes or report.size_bytes
    _check_usable(src, opts, report, hits, keys_seen)


def _is_chat(template: str) -> bool:
    return template.split("[", 1)[0].rsplit(".", 1)[-1] in CHAT_FIELDS


def _check_usable(src: Source, opts: _Options, report: IngestReport, hits: int,
                  keys_seen: dict[str, None]) -> None:
    if report.n_documents:
        return
    if report.n_records == 0:
        raise InputError(f"{src.path}: no usable document (no records)")
    keys = ", ".join(keys_seen) or "none"
    if opts.text_field is not None and hits == 0 and report.rejected.get("missing_field"):
        raise InputError(f"{src.path}: --text-field {opts.text_field!r} matches no record "
                         f"({report.n_records} records; keys seen: {keys})")
    hint = ""
    if report.rejected.get("missing_field") == report.n_records and opts.text_field is None:
        hint = f"; no known text field (keys seen: {keys}); pick one with --text-field"
    raise InputError(f"{src.path}: no usable document ({report.rejected_summary()}){hint}")
