"""Writing reports without destroying anything: checked before the run, written as a set, owned by record.

* ``check_outputs`` runs *before* any computation: every output path must be distinct from the others and
  from the inputs, not a directory, in a folder that exists or can be made and that we may write to, and,
  if the file exists, ours or ``--force``.
* Ownership is a record, never a substring: each folder we write into gets a small sidecar
  (``.corpus-audit-outputs.json``) holding the SHA-256 of every file we wrote there. An existing file is
  ours only while its bytes still hash to what we recorded; a file that merely *mentions* corpus-audit, or
  one of our reports the user has since edited, is the user's.
* ``write_outputs`` writes every file to a temporary sibling first (flushed to disk); only when all of them
  are complete are they renamed over their targets. A full disk or an I/O error leaves every old file as it
  was and no new one beside it.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from audit.errors import AuditError, ConfigError

SIDECAR = ".corpus-audit-outputs.json"
_TOOL = "corpus-audit"


class OutputError(AuditError):
    """An output could not be written (full disk, I/O error); nothing was replaced."""


def _sha256_file(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _read_record(folder: Path) -> dict[str, str] | None:
    """``{file name: sha256}`` from the folder's sidecar; ``{}`` when there is none; ``None`` when a file of
    that name exists and is not ours (then it is never written)."""
    side = folder / SIDECAR
    if not side.exists():
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("tool") != _TOOL or not isinstance(data.get("files"), dict):
        return None
    return {str(k): str(v) for k, v in data["files"].items() if isinstance(v, str)}


def is_ours(path: str | os.PathLike) -> bool:
    """True when ``path`` is a file corpus-audit wrote and nobody has changed since."""
    p = Path(path)
    record = _read_record(p.parent) or {}
    want = record.get(p.name)
    return want is not None and _sha256_file(p) == want


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def _writable_folder(folder: Path) -> Path | None:
    """The folder itself when it exists, else its nearest existing ancestor (we make the rest)."""
    cur = folder
    while not cur.exists():
        if cur.parent == cur:
            return None
        cur = cur.parent
    return cur


def check_outputs(outputs: Sequence[tuple[str, str]], inputs: Sequence[str], force: bool) -> None:
    """Refuse, before any work, every output that could not be written or would destroy something.

    ``outputs``: ``(option, path)`` pairs such as ``("--json", "out/r.json")``. Raises :class:`ConfigError`.
    """
    seen: list[tuple[str, Path]] = []
    for opt, raw in outputs:
        p = Path(raw).expanduser()
        for other_opt, q in seen:
            if _same(p, q):
                raise ConfigError(f"{raw}: given to both {other_opt} and {opt}; each output needs its own file")
        seen.append((opt, p))
        for i in inputs:
            if i and _same(p, Path(i).expanduser()):
                raise ConfigError(f"{raw}: is one of the inputs; refusing to overwrite it")
        if p.is_dir():
            raise ConfigError(f"{raw}: is a directory")
        if p.exists() and not p.is_file():
            raise ConfigError(f"{raw}: is not a regular file; refusing to write to it")
        base = _writable_folder(p.parent if str(p.parent) else Path("."))
        if base is None or not base.is_dir():
            raise ConfigError(f"{raw}: its folder cannot be created ({p.parent} is not a directory)")
        if not os.access(base, os.W_OK | os.X_OK):
            raise ConfigError(f"{raw}: cannot write in {base} (permission denied)")
        if p.exists():
            if not os.access(p, os.W_OK) and not force:
                raise ConfigError(f"{raw}: exists and is read-only; pass --force to replace it")
            if not force and not is_ours(p):
                raise ConfigError(f"{raw}: exists and was not written by corpus-audit (or was changed since); "
                                  "pass --force to overwrite it")


def _update_record(folder: Path, written: dict[str, str]) -> None:
    record = _read_record(folder)
    if record is None:  # a foreign file holds the sidecar's name: leave it alone, record nothing
        return
    record.update(written)
    record = {name: h for name, h in record.items() if (folder / name).is_file()}
    text = json.dumps({"tool": _TOOL, "note": "files corpus-audit wrote here (name: sha256); "
                       "a file is replaced without --force only while it still has this hash",
                       "files": dict(sorted(record.items()))}, indent=1) + "\n"
    try:
        _replace_with(folder / SIDECAR, text.encode("utf-8"))
    except OSError:
        pass  # ownership is a convenience: without the record the next run asks for --force


def _temp_beside(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report gets the usual file mode
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def _replace_with(path: Path, data: bytes) -> None:
    tmp = _temp_beside(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_outputs(files: Sequence[tuple[str, str]]) -> None:
    """Write ``(path, text)`` pairs as a set: all complete on disk before any replaces its target.

    Raises :class:`OutputError` (nothing replaced, no temporary left) when one cannot be written.
    """
    staged: list[tuple[str, Path, bytes]] = []
    try:
        for raw, text in files:
            p = Path(raw).expanduser()
            data = text.encode("utf-8", "replace")
            staged.append((_temp_beside(p, data), p, data))
    except OSError as e:
        for tmp, _, _ in staged:
            _unlink(tmp)
        raise OutputError(f"{raw}: cannot write ({e.strerror or e}); no output was written or replaced") from None
    except BaseException:
        for tmp, _, _ in staged:
            _unlink(tmp)
        raise
    done: dict[Path, dict[str, str]] = {}
    for i, (tmp, p, data) in enumerate(staged):
        try:
            os.replace(tmp, p)
        except OSError as e:
            for t, _, _ in staged[i:]:
                _unlink(t)
            written = ", ".join(str(q) for _, q, _ in staged[:i]) or "none"
            raise OutputError(f"{p}: cannot replace ({e.strerror or e}); written before it: {written}") from None
        done.setdefault(p.parent, {})[p.name] = hashlib.sha256(data).hexdigest()
    for folder, written in done.items():
        _update_record(folder, written)


def write_output(path: str, text: str, inputs: Sequence[str] = (), force: bool = False) -> None:
    """One file: checked like every output (not an input, ours or ``force``), then written atomically."""
    check_outputs([("output", path)], inputs, force)
    write_outputs([(path, text)])
