import json
import os
from pathlib import Path

import numpy as np
import pytest

from audit.context import build_context
from audit.documents import Document
from audit.embed import HashEmbedder

ROOT = Path(__file__).resolve().parents[1]
# Slices of real corpora, copied into the repo with attribution (tests/data/README.md): the suite reads
# nothing outside the repo.
CORPORA = ROOT / "tests" / "data"


def docs_from_texts(texts, source="mem"):
    return [Document(id=str(i), text=t, source=source, line=i + 1) for i, t in enumerate(texts)]


def load_texts(path, limit=None):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            out.append(json.loads(line)["text"])
            if limit and len(out) >= limit:
                break
    return out


@pytest.fixture
def make_ctx():
    """make_ctx(real_texts, synth_texts, seed=0, embedder=HashEmbedder(), **options) -> AuditContext"""

    def _make(real_texts, synth_texts, seed=0, embedder=None, **options):
        emb = embedder or HashEmbedder()
        r, s = docs_from_texts(real_texts, "real"), docs_from_texts(synth_texts, "synth")
        return build_context(r, s, emb.encode(real_texts), emb.encode(synth_texts), seed=seed, options=options)

    return _make


@pytest.fixture
def corpora_dir():
    return CORPORA


def in_ci() -> bool:
    """True under CI (`CI=true`, set by .ci/run and by most CI services): what may be missing on a
    developer's machine (a reference package, a browser) is then a failure, never a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes") or os.environ.get("AUDIT_REQUIRE_REFERENCES") == "1"


def reference_package(name: str):
    """Import a reference implementation the tests compare against (a `dev` extra). Missing: a failure
    under CI; elsewhere a skip whose reason names the package (shown by `-rs`, never silent)."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as e:
        msg = f"reference package {name!r} is missing ({e}); `pip install -e .[dev]`"
        if in_ci():
            pytest.fail(msg)
        pytest.skip(msg, allow_module_level=True)


def pytest_addoption(parser):
    parser.addoption("--refresh-golden", action="store_true",
                     help="rewrite tests/golden/*.json from the current code instead of comparing")
