"""A corpus given as many files: a directory, a glob, or a manifest of shard paths.

``audit compare data/real/ 'data/synth/*.jsonl.gz'`` reads every shard of each side as one corpus.
:func:`expand` turns what the user gave into a sorted list of shard paths (the order is the path order, so
the audit does not depend on how the file system lists a folder); :func:`open_inputs` streams them one
after the other with the single-file reader, each shard keeping its own reject accounting, and sums
them into one :class:`~audit.ingest.IngestReport` for the side with a ``shards`` list.

Forms accepted for one side:

* a file: itself (one shard);
* a directory: every file in it (recursively) whose extension the readers know (``.jsonl``, ``.json``,
  ``.csv``, ``.tsv``, ``.parquet``, ``.txt``, each optionally ``.gz``/``.zst``); a Parquet dataset directory
  is its ``.parquet`` files. Hidden files and ``_``-prefixed files (``_SUCCESS``, ``_metadata``) are skipped;
* a glob (``*``, ``?``, ``[...]``, ``**``), as written, quoted so the shell leaves it alone;
* ``@list.txt``: a manifest, one shard path a line (relative to the manifest), ``#`` comments allowed.
"""
from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from audit.documents import Document
from audit.errors import InputError
from audit.ingest import COMPRESSIONS, EXTENSIONS, MAX_EXAMPLES, IngestReport, open_corpus

_GLOB_CHARS = set("*?[")


def _known(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSIONS:
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] in EXTENSIONS


def expand(spec: str | os.PathLike) -> list[str]:
    """The shard paths of one side, sorted; raises :class:`InputError` when there are none."""
    text = os.fspath(spec)
    if text.startswith("@"):
        manifest = Path(text[1:]).expanduser()
        try:
            lines = manifest.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise InputError(f"{text[1:]}: cannot read the shard list ({e.strerror or e})") from None
        base = manifest.parent
        paths = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
        if not paths:
            raise InputError(f"{text[1:]}: the shard list names no file")
        return [p if os.path.isabs(p) else os.path.join(base, p) for p in paths]
    path = Path(text).expanduser()
    if path.is_dir():
        found = sorted(
            str(p) for p in path.rglob("*")
            if p.is_file() and _known(p)
            and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
        )
        if not found:
            raise InputError(f"{text}: directory holds no corpus file (looked for "
                             f"{', '.join(sorted(set(EXTENSIONS)))}, optionally .gz/.zst)")
        return found
    if not path.exists() and _GLOB_CHARS & set(text):
        found = sorted(p for p in glob.glob(os.path.expanduser(text), recursive=True) if os.path.isfile(p))
        if not found:
            raise InputError(f"{text}: the pattern matches no file")
        return found
    return [text]


def is_sharded(spec: str | os.PathLike) -> bool:
    """True when ``spec`` names more than one file's worth of input (a directory, glob or manifest)."""
    text = os.fspath(spec)
    path = Path(text).expanduser()
    return text.startswith("@") or path.is_dir() or (not path.exists() and bool(_GLOB_CHARS & set(text)))


def open_inputs(spec: str | os.PathLike, *, fmt: str | None = None, text_field: str | None = None,
                roles: Sequence[str] | None = None, strict: bool = False,
                **limits) -> tuple[Iterator[Document], IngestReport]:
    """Like :func:`audit.ingest.open_corpus`, for a file, a directory, a glob or a manifest of shards.

    Every shard is checked before any is read (a missing or unreadable shard fails at once); a shard
    whose records are all bad is an error only when the whole side has no usable document.
    """
    if not is_sharded(spec):
        return open_corpus(spec, fmt=fmt, text_field=text_field, roles=roles, strict=strict, **limits)
    return open_shards(expand(spec), os.fspath(spec), fmt=fmt, text_field=text_field, roles=roles, strict=strict,
                       **limits)


def open_shards(paths: Sequence[str | os.PathLike], label: str, *, fmt: str | None = None,
                text_field: str | None = None, roles: Sequence[str] | None = None,
                strict: bool = False, **limits) -> tuple[Iterator[Document], IngestReport]:
    """Stream the files ``paths`` in the order given as one corpus called ``label``.

    ``limits``: ``max_doc_chars``, ``max_memory`` of :func:`audit.ingest.open_corpus`. Each shard is
    checked now and opened again when its turn comes (``keep_open=False``: no descriptor per shard).
    """
    if not paths:
        raise InputError(f"{label}: no shard given")
    opened = [open_corpus(p, fmt=fmt, text_field=text_field, roles=roles, strict=strict, keep_open=False,
                          **limits) for p in paths]
    formats = sorted({rep.format for _, rep in opened})
    total = IngestReport(path=label, format=formats[0] if len(formats) == 1 else "mixed")
    total.compression = None
    total.size_bytes = sum(rep.size_bytes for _, rep in opened)
    return _chain(opened, total), total


def _chain(opened: list, total: IngestReport) -> Iterator[Document]:
    shards = []
    usable_error: InputError | None = None
    for stream, rep in opened:
        try:
            yield from stream
        except InputError as e:
            if "no usable document" not in str(e):  # a bad shard among good ones is reported, not fatal
                raise
            usable_error = e
        shards.append(rep)
    merge_reports(shards, total.path, into=total)
    if not total.n_documents:
        raise usable_error or InputError(f"{total.path}: no usable document in {len(shards)} shards")


def merge_reports(reports: list[IngestReport], label: str, into: IngestReport | None = None) -> IngestReport:
    """One side's report from its shards' reports (in shard order); a single shard's report is itself."""
    if into is None:
        if len(reports) == 1:
            return reports[0]
        formats = sorted({r.format for r in reports})
        into = IngestReport(path=label, format=formats[0] if len(formats) == 1 else "mixed")
        into.size_bytes = sum(r.size_bytes for r in reports)
    for rep in reports:
        into.n_records += rep.n_records
        into.n_documents += rep.n_documents
        for reason, n in rep.rejected.items():
            into.rejected[reason] = into.rejected.get(reason, 0) + n
        room = MAX_EXAMPLES - len(into.rejected_examples)
        into.rejected_examples.extend(rep.rejected_examples[:max(0, room)])
        for t, n in rep.templates.items():
            into.templates[t] = into.templates.get(t, 0) + n
    if into.templates:
        into.text_field = max(sorted(into.templates), key=into.templates.get)
    into.shards = [{"path": r.path, "format": r.format, "n_records": r.n_records, "n_documents": r.n_documents,
                    "rejected": dict(r.rejected), "sha256": r.sha256} for r in reports]
    into.sha256 = hashlib.sha256("".join(r.sha256 for r in reports).encode()).hexdigest()
    return into
