"""Embedding cache (reuse, atomicity, corruption) and the real embedders."""
import sqlite3

import numpy as np
import pytest

from audit.cache import EmbeddingCache, embed_with_cache, text_key
from audit.embed import HashEmbedder, get_embedder
from audit.errors import ConfigError


class CountingEmbedder(HashEmbedder):
    def __init__(self):
        super().__init__(dim=16)
        self.calls = 0
        self.texts = 0

    def encode(self, texts):
        self.calls += 1
        self.texts += len(texts)
        return super().encode(texts)


TEXTS = [f"document number {i} about topic {i % 7}" for i in range(50)]


def test_second_run_embeds_nothing(tmp_path):
    emb = CountingEmbedder()
    c = EmbeddingCache(tmp_path, emb.name)
    first = embed_with_cache(emb, TEXTS, c, batch_size=16)
    assert emb.texts == 50 and c.misses == 50
    c.close()
    emb2 = CountingEmbedder()
    c2 = EmbeddingCache(tmp_path, emb2.name)
    second = embed_with_cache(emb2, TEXTS, c2, batch_size=16)
    assert emb2.texts == 0 and c2.hits == 50
    np.testing.assert_array_equal(first, second)
    # a partly new corpus embeds only the new texts
    third = embed_with_cache(emb2, TEXTS[:10] + ["a brand new text"], c2)
    assert emb2.texts == 1
    np.testing.assert_array_equal(third[:10], first[:10])


def test_cache_is_keyed_by_model_identity(tmp_path):
    a, b = HashEmbedder(16), HashEmbedder(32)
    ca, cb = EmbeddingCache(tmp_path, a.name), EmbeddingCache(tmp_path, b.name)
    assert ca.path != cb.path
    embed_with_cache(a, TEXTS[:5], ca)
    assert embed_with_cache(b, TEXTS[:5], cb).shape == (5, 32)


def test_corrupt_entry_is_detected_and_recomputed(tmp_path):
    emb = CountingEmbedder()
    c = EmbeddingCache(tmp_path, emb.name)
    good = embed_with_cache(emb, TEXTS[:4], c)
    c.close()
    db = sqlite3.connect(c.path)
    db.execute("UPDATE emb SET vec = ? WHERE key = ?", (b"\x00" * 64, text_key(TEXTS[2])))
    db.execute("UPDATE emb SET vec = ? WHERE key = ?", (b"\x01\x02", text_key(TEXTS[3])))
    db.commit()
    db.close()
    emb2 = CountingEmbedder()
    c2 = EmbeddingCache(tmp_path, emb2.name)
    again = embed_with_cache(emb2, TEXTS[:4], c2)
    assert c2.corrupt == 2 and emb2.texts == 2
    np.testing.assert_allclose(again, good, rtol=1e-6)


def test_failed_batch_writes_nothing_half(tmp_path):
    class Boom(HashEmbedder):
        def encode(self, texts):
            if any("boom" in t for t in texts):
                raise RuntimeError("model crashed")
            return super().encode(texts)

    emb = Boom(16)
    c = EmbeddingCache(tmp_path, emb.name)
    with pytest.raises(RuntimeError):
        embed_with_cache(emb, ["fine one", "fine two", "boom"], c, batch_size=2)
    # the first batch landed whole, the failing one not at all
    assert set(c.get_many([text_key("fine one"), text_key("fine two"), text_key("boom")])) == {
        text_key("fine one"), text_key("fine two")}


def test_hash_embedder_is_deterministic_and_normalised():
    e = HashEmbedder()
    x = e.encode(["the cat sat", "the cat sat", "quantum chromodynamics"])
    np.testing.assert_array_equal(x[0], x[1])
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, rtol=1e-5)
    assert x[0] @ x[2] < 0.9


def test_unknown_model_path_is_a_config_error():
    with pytest.raises(ConfigError, match="cannot load embedding model"):
        get_embedder("/definitely/not/a/model")


@pytest.mark.slow
def test_minilm_gives_meaningful_embeddings():
    e = get_embedder("minilm")
    x = e.encode(["A cat sits on the mat.", "A kitten is sitting on a rug.", "Stock markets fell sharply today."])
    assert x.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, rtol=1e-5)
    assert x[0] @ x[1] > x[0] @ x[2] + 0.2


@pytest.mark.slow
def test_static_embedder_is_built_once_and_meaningful(static_model):
    """The build is the suite's one (the ``static_model`` fixture, in this run's empty cache home, shared
    with the other tests that need the real model); here: it did build, the model is meaningful, and a
    second ``get_embedder`` loads it from disk instead of building again."""
    e, folder, marker = static_model
    assert marker.read_text() == str(folder) and (folder / "model.safetensors").exists()
    x = e.encode(["A cat sits on the mat.", "A kitten is sitting on a rug.", "Stock markets fell sharply today."])
    assert x.shape[0] == 3
    assert x[0] @ x[1] > x[0] @ x[2]
    built = []
    e2 = get_embedder("static", on_build=built.append)  # the default folder, under $CORPUS_AUDIT_HOME
    assert not built
    np.testing.assert_allclose(e2.encode(["A cat sits on the mat."])[0], x[0], rtol=1e-6)
    e3 = get_embedder("static", model_dir=folder, on_build=built.append)
    assert not built
    np.testing.assert_allclose(e3.encode(["A cat sits on the mat."])[0], x[0], rtol=1e-6)


@pytest.mark.parametrize("normalize, max_length", [(True, 512), (False, 3)])
def test_static_model_read_directly_equals_model2vecs_own_loading(tmp_path, normalize, max_length):
    """audit.embed reads a saved static model without model2vec's persistence module (which imports
    huggingface_hub's model cards); the model must encode exactly as StaticModel.from_pretrained's."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer, models, pre_tokenizers

    from audit.embed import _load_static

    words = ["[UNK]", "[PAD]", "the", "cat", "sat", "on", "mat", "stock", "markets", "fell", "a", "dog"]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    vectors = np.random.default_rng(0).standard_normal((len(words), 8)).astype(np.float32)
    StaticModel(vectors=vectors, tokenizer=tok, normalize=normalize, max_length=max_length).save_pretrained(
        str(tmp_path / "m"))
    ours, ref = _load_static(StaticModel, tmp_path / "m"), StaticModel.from_pretrained(str(tmp_path / "m"))
    texts = ["the cat sat on the mat", "stock markets fell", "a dog", "unknown words only", ""]
    assert np.array_equal(ours.encode(texts, show_progress_bar=False), ref.encode(texts, show_progress_bar=False))
    assert (ours.normalize, ours.max_length, ours.tokens) == (ref.normalize, ref.max_length, ref.tokens)
