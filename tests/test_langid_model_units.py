"""metrics.langid_model on a tiny hand-built model: what the restricted copy keeps, how it is written and
read back, when it is trusted, and where it is kept. (tests/test_langid_model.py checks the real model.)"""
import json
import os
import tempfile
from array import array
from pathlib import Path

import numpy as np
import py3langid.modelio
import pytest

from metrics import langid_model
from metrics.langid_model import _cache_path, _read, _restricted, _write, cache_dir, load_identifier

CLASSES = ["de", "en", "fr", "ru"]
PTC = (np.arange(20, dtype=np.float16).reshape(5, 4) / 8).astype(np.float16)  # 5 features x 4 languages
PC = np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32)
NEXTMOVE = array("H", range(512))  # two DFA rows of 256
ROW = array("H", [0, 1, 1])
OUTPUT = [0, 2, 1]


@pytest.fixture
def tiny(monkeypatch):
    """py3langid's ``load_model`` answering the tiny model; counts its calls (each is a decompression)."""
    calls = []

    def load_model(path):
        calls.append(path)
        return PTC, PC, list(CLASSES), NEXTMOVE, ROW, list(OUTPUT)

    monkeypatch.setattr(py3langid.modelio, "load_model", load_model)
    return calls


def _parts(**changes):
    parts = {"ptc": PTC[:, [1, 3]], "pc": PC[[1, 3]], "classes": ["en", "ru"], "nextmove": NEXTMOVE, "row": ROW,
             "output": np.array(OUTPUT, dtype=np.int64)}
    return {**parts, **changes}


def _equal(a, b):
    assert sorted(a) == sorted(b)
    for name in ("ptc", "pc", "output"):
        assert a[name].dtype == b[name].dtype and np.array_equal(a[name], b[name]), name
    assert a["classes"] == b["classes"]
    for name in ("nextmove", "row"):
        assert a[name].typecode == b[name].typecode and a[name] == b[name], name


def test_restricted_keeps_the_models_columns_of_the_wanted_languages_in_the_models_order(tiny, tmp_path):
    got = _restricted(tmp_path / "model", ("ru", "en"))  # asked in another order: the model's order is kept
    assert tiny == [tmp_path / "model"]
    assert got["classes"] == ["en", "ru"]
    assert got["ptc"].dtype == np.float16 and np.array_equal(got["ptc"], PTC[:, [1, 3]])
    assert got["pc"].dtype == np.float32 and np.array_equal(got["pc"], np.array([0.2, 0.4], dtype=np.float32))
    assert got["output"].dtype == np.int64 and got["output"].tolist() == OUTPUT
    assert got["nextmove"] == NEXTMOVE and got["row"] == ROW  # the DFA is shared by every language


def test_restricted_names_every_unknown_language(tiny, tmp_path):
    with pytest.raises(ValueError, match=r"^Unknown language code\(s\): \['xx', 'zz'\]$"):
        _restricted(tmp_path / "model", ("zz", "en", "xx"))


@pytest.mark.parametrize("typecode", ["H", "I"])
def test_write_then_read_gives_the_same_arrays(tmp_path, typecode):
    parts = _parts(nextmove=array(typecode, range(512)), row=array(typecode, [0, 1, 1]))
    path = tmp_path / "cache" / "deeper" / "model-x"  # neither folder exists yet
    _write(parts, path)
    assert sorted(p.name for p in path.iterdir()) == sorted(
        ["ptc.npy", "pc.npy", "output.npy", "meta.json", f"nextmove.{typecode}", f"row.{typecode}"])
    assert json.loads((path / "meta.json").read_text()) == {"classes": ["en", "ru"],
                                                            "sizes": {"nextmove": 512, "row": 3}}
    assert os.path.getsize(path / f"row.{typecode}") == 3 * array(typecode).itemsize
    assert [p.name for p in path.parent.iterdir()] == ["model-x"]  # no temporary folder left
    _equal(_read(path), parts)
    assert not _read(path)["ptc"].flags.writeable  # a read-only map of the file, read as rows are needed


def test_the_copy_is_made_in_a_hidden_folder_beside_it_then_renamed(tmp_path, monkeypatch):
    seen = []
    save = np.save
    monkeypatch.setattr(np, "save", lambda file, arr: (seen.append(Path(file).parent), save(file, arr)))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no such folder"))  # the system's temp is not used
    path = tmp_path / "cache" / "model-x"
    _write(_parts(), path)
    assert len(seen) == 3 and all(p.parent == path.parent and p.name.startswith(".tmp-") for p in seen)
    _equal(_read(path), _parts())


def test_a_second_writer_keeps_the_first_copy_and_leaves_nothing_behind(tmp_path):
    path = tmp_path / "model-x"
    _write(_parts(), path)
    _write(_parts(classes=["other", "copy"]), path)  # lost the race: the folder already exists
    assert [p.name for p in tmp_path.iterdir()] == ["model-x"]
    assert _read(path)["classes"] == ["en", "ru"]


def test_an_unwritable_folder_writes_nothing_and_raises_nothing(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    _write(_parts(), tmp_path / "file" / "model-x")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


@pytest.mark.parametrize("damage", ["short", "long"])
def test_read_refuses_a_table_not_of_the_size_written(tmp_path, damage):
    path = tmp_path / "model-x"
    _write(_parts(), path)
    table = path / "row.H"
    data = table.read_bytes()
    table.write_bytes(data[:-2] if damage == "short" else data + b"\0")
    with pytest.raises(ValueError, match="not the size it was written with"):
        _read(path)


def test_cache_path_changes_with_each_part_of_its_key(tmp_path, monkeypatch):
    model = tmp_path / "model.npz.xz"
    model.write_bytes(b"abc")
    os.utime(model, ns=(10**18, 10**18))
    first = _cache_path(model, ("en", "fr"), tmp_path / "folder")
    assert first.parent == tmp_path / "folder"
    assert first.name.startswith("model-") and len(first.name) == len("model-") + 16
    int(first.name[len("model-"):], 16)  # hexadecimal
    assert _cache_path(model, ("en", "fr"), tmp_path / "folder") == first
    others = {_cache_path(model, ("en",), tmp_path / "folder"), _cache_path(model, ("en", "fr", "ru"), tmp_path / "folder")}
    os.utime(model, ns=(10**18, 10**18 + 1))
    others.add(_cache_path(model, ("en", "fr"), tmp_path / "folder"))
    model.write_bytes(b"abcd")
    os.utime(model, ns=(10**18, 10**18))
    others.add(_cache_path(model, ("en", "fr"), tmp_path / "folder"))
    model.write_bytes(b"abc")
    os.utime(model, ns=(10**18, 10**18))
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "version", lambda name: {"py3langid": "0.0.1"}[name])
    others.add(_cache_path(model, ("en", "fr"), tmp_path / "folder"))
    assert len(others) == 5 and first not in others


def _identifier_has(ident, parts):
    assert ident.nb_classes == parts["classes"]
    assert ident.nb_ptc.dtype == parts["ptc"].dtype and np.array_equal(ident.nb_ptc, parts["ptc"])
    assert ident.nb_pc.dtype == parts["pc"].dtype and np.array_equal(ident.nb_pc, parts["pc"])
    assert ident.tk_nextmove == parts["nextmove"] and ident.tk_row == parts["row"]
    assert type(ident.tk_output) is list and ident.tk_output == parts["output"].tolist()
    assert ident._norm_probs is True and ident.min_confidence is None


def test_load_identifier_decompresses_once_then_reads_its_copy(tiny, tmp_path):
    first = load_identifier({"ru", "en"}, folder=tmp_path)
    (copy,) = tmp_path.iterdir()
    assert len(tiny) == 1 and copy.name.startswith("model-")
    _identifier_has(first, _parts())
    second = load_identifier(["en", "ru"], folder=str(tmp_path))  # same languages in another order; a str folder
    assert len(tiny) == 1  # read from the copy, not decompressed
    _identifier_has(second, _parts())
    _equal(_read(copy), _parts())


def test_no_folder_decompresses_every_time_and_writes_nothing(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("CORPUS_AUDIT_HOME", str(tmp_path))
    _identifier_has(load_identifier(["en", "ru"], folder=None), _parts())
    _identifier_has(load_identifier(["en", "ru"], folder=None), _parts())
    assert len(tiny) == 2 and list(tmp_path.iterdir()) == []


def test_default_folder_is_cache_dir(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("CORPUS_AUDIT_HOME", str(tmp_path))
    load_identifier(["en", "ru"])
    (copy,) = (tmp_path / "langid").iterdir()
    assert cache_dir() == tmp_path / "langid"
    _equal(_read(copy), _parts())


@pytest.mark.parametrize("damage", ["missing file", "truncated table", "meta without sizes", "stray file"])
def test_a_damaged_copy_is_decompressed_again_and_replaced(tiny, tmp_path, damage):
    load_identifier(["en", "ru"], folder=tmp_path)
    (copy,) = tmp_path.iterdir()
    if damage == "missing file":
        (copy / "pc.npy").unlink()
    elif damage == "truncated table":
        (copy / "nextmove.H").write_bytes(b"\0" * 10)
    elif damage == "meta without sizes":
        (copy / "meta.json").write_text(json.dumps({"classes": ["en", "ru"]}))
    else:  # a second table file: which one is the table is not known, so the copy is not trusted
        (copy / "row.I").write_bytes(b"")
    ident = load_identifier(["en", "ru"], folder=tmp_path)
    assert len(tiny) == 2
    _identifier_has(ident, _parts())
    assert [p.name for p in tmp_path.iterdir()] == [copy.name]
    _equal(_read(copy), _parts())  # the copy was replaced by a whole one
    load_identifier(["en", "ru"], folder=tmp_path)
    assert len(tiny) == 2


def test_module_reads_the_model_py3langid_ships(tiny, tmp_path):
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    load_identifier(["en"], folder=None)
    assert tiny == [MODEL_DIR / MODEL_FILE]
    assert langid_model.cache_dir().name == "langid"
