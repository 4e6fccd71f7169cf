import json
from pathlib import Path

import numpy as np
import pytest

from audit.context import build_context
from audit.documents import Document
from audit.embed import HashEmbedder

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"


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
    if not CORPORA.exists():
        pytest.skip("../shared/corpora not present")
    return CORPORA


def pytest_addoption(parser):
    parser.addoption("--refresh-golden", action="store_true",
                     help="rewrite tests/golden/*.json from the current code instead of comparing")
