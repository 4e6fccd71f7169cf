"""``fingerprint_batch`` hashes a whole batch in array passes; each document's rows must equal the plain
per-document definitions: ``shingle_set`` (MinHash input), ``winnow(gram_hashes(...))`` and the MinHash of
that one document alone. Texts: the repository's clickbait / news headlines (tests/data/clickbait, MIT,
see /work/shared/corpora/README.md) and seeded word soups with many repeats, empty and short texts."""
import json
import random
from pathlib import Path

import numpy as np
import pytest
import rensa

from metrics.fingerprint import (
    FingerprintParams, _band_keys, fingerprint_batch, gram_hashes, shingle_set, winnow,
)
from metrics.text import tokenize

DATA = Path(__file__).parent / "data" / "clickbait"


def _texts() -> list[str]:
    rng = random.Random(3)
    words = "a b c the cat sat on mat dog ran far away over hill".split()
    soup = [" ".join(rng.choice(words) for _ in range(rng.randrange(0, 40))) for _ in range(600)]
    heads = [json.loads(line)["text"] for f in ("clickbait.jsonl", "news.jsonl")
             for line in (DATA / f).read_text(encoding="utf-8").splitlines()[:400]]
    texts = soup + heads + ["", "x", "one two three four", "one two three four five"]
    rng.shuffle(texts)
    return texts


def _one(text: str, p: FingerprintParams):
    """The per-document reference: (bands row, sorted unique fingerprints) of one text alone."""
    toks = tokenize(text)
    if len(toks) < max(p.min_tokens, p.shingle_size):
        return np.zeros(p.bands, np.uint32), np.zeros(0, np.uint64)
    sh = shingle_set(toks, p.shingle_size)
    mat = rensa.RMinHash.digest_matrix_from_flat_token_hashes(sh, np.array([0, len(sh)], np.uint64),
                                                              p.num_perm, p.seed)
    band = _band_keys(np.asarray(mat.to_rows(), dtype=np.uint32), p.bands, p.rows)[0]
    return band, winnow(gram_hashes(toks, p.fp_gram), p.window)


@pytest.mark.parametrize("params", [FingerprintParams(), FingerprintParams(shingle_size=3, ngram_n=6, window=2,
                                                                           min_tokens=1),
                                    FingerprintParams(ngram_n=9, window=9)])
def test_batch_equals_each_document_alone(params):
    texts = _texts()
    for lo in range(0, len(texts), 331):
        batch = texts[lo:lo + 331]
        got = fingerprint_batch(batch, params)
        assert got.n_tokens.tolist() == [len(tokenize(t)) for t in batch]
        for i, text in enumerate(batch):
            band, fps = _one(text, params)
            assert np.array_equal(got.bands[i], band)
            mine = got.fp_hash[got.fp_doc == i]
            assert mine.dtype == np.uint64 and np.array_equal(mine, fps)
        assert np.all(np.diff(got.fp_doc.astype(np.int64)) >= 0)  # grouped by document, in batch order


def test_empty_and_all_short_batches():
    p = FingerprintParams()
    for batch in ([], [""], ["a b"], ["a b", "c d e"]):
        got = fingerprint_batch(batch, p)
        assert len(got.exact) == len(batch) and not got.bands.any() and len(got.fp_hash) == len(got.fp_doc) == 0
