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


@pytest.fixture(scope="session", autouse=True)
def audit_home(tmp_path_factory):
    """Each run of the suite gets its own empty cache home (``$CORPUS_AUDIT_HOME``: embedding cache, static
    model, langid copy), so no test reads or writes the user's ``~/.cache/corpus-audit`` and a run does not
    depend on what an earlier run left there. Under pytest-xdist the workers of one run share it (it sits
    beside their base temp folders); the caches in it are made for several processes (SQLite in WAL mode,
    models written to a temporary folder and renamed). numba's compile cache for umap-learn, the map's
    reference in tests, stays where it is (``NUMBA_CACHE_DIR``, else ``tests.umap_reference``'s folder):
    compiled code keyed by source, no state a test reads, and recompiling umap-learn costs ~35 s a process."""
    from tests.umap_reference import numba_cache_dir

    numba = os.environ.get("NUMBA_CACHE_DIR") or str(numba_cache_dir())
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, above every worker's own
    home = base / "audit-home"
    home.mkdir(exist_ok=True)
    mp = pytest.MonkeyPatch()
    mp.setenv("CORPUS_AUDIT_HOME", str(home))
    mp.setenv("NUMBA_CACHE_DIR", numba)
    yield home
    mp.undo()


@pytest.fixture(scope="session")
def static_model(audit_home):
    """The default ``static`` embedder, built once per run of the suite (~30-90 s: the MiniLM distillation)
    in the run's cache home, where ``get_embedder("static")`` finds it; one xdist worker builds while the
    others wait on a lock. Returns (embedder, folder, marker): ``marker`` is written by ``on_build``, so a
    test can check the build really happened in this run (the home starts empty)."""
    import fcntl

    from audit.embed import StaticEmbedder

    folder = audit_home / "models" / StaticEmbedder.DISTILL_VERSION
    marker = audit_home / "static-built.txt"
    with open(audit_home / "static-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        emb = StaticEmbedder(on_build=lambda target: marker.write_text(str(target)))
    return emb, folder, marker


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


def pytest_collection_modifyitems(config, items):
    """Files holding a test marked ``slow`` run first (otherwise in the usual order), so that under
    pytest-xdist (``make test``; whole files per worker) the longest files do not start last and leave one
    core idle at the end."""
    heavy = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in heavy)  # stable: the order within a file is kept
