"""Where corpus-audit keeps what it builds once and reuses: ``$CORPUS_AUDIT_HOME``, else
``$XDG_CACHE_HOME/corpus-audit``, else ``~/.cache/corpus-audit`` (embeddings, the static embedder,
Jinja's compiled templates)."""
from __future__ import annotations

import os
from pathlib import Path


def home_dir() -> Path:
    base = os.environ.get("CORPUS_AUDIT_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "corpus-audit")
    return Path(base)
