"""The cached, uncompressed copy of py3langid's model gives the identifier py3langid itself builds.

Decompressing py3langid's model costs about a second a time; the tests decompress it once per process
(py3langid's own ``load_model``, cached here; the code under test still cuts, writes and reads its copy on
every call), so that each mutant of ``metrics.langid_model`` is checked in well under a second.
"""
import functools
import json
from pathlib import Path

import numpy as np
import py3langid.modelio
import pytest
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from metrics.langid_model import load_identifier
from metrics.language import LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
TEXTS = [json.loads(line)["text"] for line in (ROOT / "sample_data" / "real.jsonl").read_text().splitlines()[:60]] + [
    "Bonjour tout le monde, comment allez-vous aujourd'hui ?", "这是一个中文句子，用来测试语言识别。",
    "Привет, мир! Как дела?", "Dies ist ein deutscher Satz über das Wetter.", "ok", "12345"]


_decompress_once = functools.lru_cache(maxsize=None)(py3langid.modelio.load_model)


@pytest.fixture(autouse=True)
def _model_decompressed_once(monkeypatch):
    monkeypatch.setattr(py3langid.modelio, "load_model", _decompress_once)


@functools.lru_cache(maxsize=None)
def _reference():
    """py3langid's own identifier, restricted by py3langid's own ``set_languages`` (classify is read-only)."""
    ptc, pc, classes, nextmove, row, output = _decompress_once(MODEL_DIR / MODEL_FILE)
    ident = LanguageIdentifier(np.asarray(ptc), np.asarray(pc), classes, nextmove, output, norm_probs=True,
                               tk_row=row)
    ident.set_languages(list(LANGUAGES))
    return ident


def _same(a, b):
    for name in ("nb_classes", "tk_row", "tk_output", "_rowbase", "_alias_pairs"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.tk_nextmove == b.tk_nextmove
    for name in ("nb_ptc", "nb_pc"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    for t in TEXTS:
        assert a.classify(t) == b.classify(t), t


def test_cached_copy_equals_py3langids_own_restricted_model(tmp_path):
    ref = _reference()
    first = load_identifier(LANGUAGES, folder=tmp_path)  # decompresses and writes the copy
    (copy,) = tmp_path.glob("model-*")
    assert (copy / "ptc.npy").exists() and not list(tmp_path.glob(".tmp-*"))
    second = load_identifier(LANGUAGES, folder=tmp_path)  # reads the copy
    _same(first, ref)
    _same(second, ref)
    assert first.classify("Guten Morgen, wie geht es dir heute?")[0] == "de"


def test_no_folder_and_damaged_copy_still_give_the_model(tmp_path):
    ref = _reference()
    _same(load_identifier(LANGUAGES, folder=None), ref)
    load_identifier(LANGUAGES, folder=tmp_path)
    (copy,) = tmp_path.glob("model-*")
    (next(copy.glob("nextmove.*"))).write_bytes(b"\0" * 10)  # truncated: not trusted, decompressed again
    _same(load_identifier(LANGUAGES, folder=tmp_path), ref)


def test_unwritable_folder_only_costs_the_decompression(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    _same(load_identifier(LANGUAGES, folder=blocker / "langid"), _reference())


def test_cache_dir_follows_the_other_caches(monkeypatch, tmp_path):
    from metrics.langid_model import cache_dir

    monkeypatch.setenv("CORPUS_AUDIT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "home" / "langid"
    monkeypatch.delenv("CORPUS_AUDIT_HOME")
    assert cache_dir() == tmp_path / "xdg" / "corpus-audit" / "langid"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert cache_dir() == tmp_path / "user" / ".cache" / "corpus-audit" / "langid"
