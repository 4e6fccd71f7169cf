"""py3langid's model, restricted to some languages, loaded from an uncompressed copy kept on disk.

py3langid ships its model LZMA-compressed (4.5 MB -> ~50 MB); decompressing it costs every process about
0.6 s of CPU and ~100 MB of transient memory, more than identifying the languages of a few hundred
documents. The first load on a machine writes the arrays an identifier restricted to the wanted languages
keeps (the same arrays ``LanguageIdentifier.set_languages`` would make) as an uncompressed ``.npz`` beside the
other caches (``$CORPUS_AUDIT_HOME`` or ``~/.cache/corpus-audit``, folder ``langid``); later loads read it in
~30 ms. The identifier built either way is the same: same arrays, same classes, same answers
(``tests/test_language.py``). An unwritable cache folder only costs the decompression.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from array import array
from pathlib import Path


def cache_dir() -> Path:
    """``$CORPUS_AUDIT_HOME/langid`` (default ``~/.cache/corpus-audit/langid``), as the other caches."""
    base = os.environ.get("CORPUS_AUDIT_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "corpus-audit")
    return Path(base) / "langid"


def _cache_path(model: Path, languages: tuple[str, ...], folder: Path) -> Path:
    import importlib.metadata as md

    st = model.stat()
    key = f"{md.version('py3langid')}|{st.st_size}|{st.st_mtime_ns}|{','.join(languages)}|v2"
    return folder / f"model-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _restricted(model: Path, languages: tuple[str, ...]) -> dict:
    """The shipped model cut to ``languages``, as ``set_languages`` cuts it (same order, same dtypes)."""
    import numpy as np
    from py3langid.modelio import load_model

    ptc, pc, classes, nextmove, row, output = load_model(model)
    unknown = set(languages) - set(classes)
    if unknown:
        raise ValueError(f"Unknown language code(s): {sorted(unknown)}")
    keep = [i for i, c in enumerate(classes) if c in set(languages)]
    return {"ptc": np.asarray(ptc)[:, keep], "pc": np.asarray(pc)[keep], "classes": [classes[i] for i in keep],
            "nextmove": nextmove, "row": row, "output": np.asarray(output, dtype=np.int64)}


def _write(parts: dict, path: Path) -> None:
    """Each array in its own file (the DFA tables raw, to be read straight into ``array.array``); the
    folder appears complete or not at all."""
    import numpy as np

    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=".tmp-"))
        for name in ("ptc", "pc", "output"):
            np.save(tmp / f"{name}.npy", parts[name])
        sizes = {name: len(parts[name]) for name in ("nextmove", "row")}
        (tmp / "meta.json").write_text(json.dumps({"classes": parts["classes"], "sizes": sizes}))
        for name in ("nextmove", "row"):
            with open(tmp / f"{name}.{parts[name].typecode}", "wb") as f:
                parts[name].tofile(f)
        os.replace(tmp, path)
    except OSError:  # unwritable, or another process won the race
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _read(path: Path) -> dict:
    import numpy as np

    meta = json.loads((path / "meta.json").read_text())
    # rows are read as documents need them; a plain ndarray view of the map, since indexing a np.memmap goes
    # through its Python __getitem__ (~10 us per document)
    out = {"ptc": np.asarray(np.load(path / "ptc.npy", mmap_mode="r")),
           "pc": np.load(path / "pc.npy"), "output": np.load(path / "output.npy"), "classes": meta["classes"]}
    for name in ("nextmove", "row"):
        (file,) = path.glob(f"{name}.?")
        arr = array(file.suffix[1:], [0])
        arr *= meta["sizes"][name]
        with open(file, "rb") as f:  # straight into the array: no second copy in memory
            if f.readinto(memoryview(arr).cast("B")) != len(arr) * arr.itemsize or f.read(1):
                raise ValueError(f"{file}: not the size it was written with")
        out[name] = arr
    return out


def load_identifier(languages, *, folder: Path | None | str = "default"):
    """A ``py3langid`` ``LanguageIdentifier`` (normalised probabilities) that answers only ``languages``.

    ``folder``: where the uncompressed copy is kept ("default": :func:`cache_dir`; None: no copy, decompress
    every time).
    """
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    languages = tuple(sorted(languages))
    folder = cache_dir() if folder == "default" else (None if folder is None else Path(folder))
    model = MODEL_DIR / MODEL_FILE
    path = None if folder is None else _cache_path(model, languages, folder)
    parts = None
    if path is not None and path.is_dir():
        try:
            parts = _read(path)
        except (OSError, ValueError, KeyError):
            parts = None  # a damaged copy: decompress, and replace it
    if parts is None:
        parts = _restricted(model, languages)
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)
            _write(parts, path)
    return LanguageIdentifier(parts["ptc"], parts["pc"], parts["classes"], parts["nextmove"],
                              parts["output"].tolist(), norm_probs=True, tk_row=parts["row"])
