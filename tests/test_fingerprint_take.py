"""BatchPrints.take / concat: selecting and joining fingerprints equals fingerprinting those texts afresh."""
import numpy as np

from metrics.fingerprint import BatchPrints, FingerprintParams, fingerprint_batch

TEXTS = [
    "the quick brown fox jumps over the lazy dog near the old river bank today",
    "short one",
    "",
    "the quick brown fox jumps over the lazy dog near the old river bank today",  # an exact duplicate
    "a completely different sentence with enough words to get shingles and fingerprints out of it",
    "yet another long document that talks about data, models, corpora and the collapse of diversity",
    "x",
]


def _same(a: BatchPrints, b: BatchPrints) -> None:
    for col in ("exact", "n_tokens", "bands", "fp_hash", "fp_doc"):
        x, y = getattr(a, col), getattr(b, col)
        assert x.dtype == y.dtype and np.array_equal(x, y), col


def test_take_equals_fingerprinting_the_chosen_texts_in_that_order():
    params = FingerprintParams()
    whole = fingerprint_batch(TEXTS, params)
    assert len(whole.fp_hash) >= 8 and len(set(whole.fp_doc.tolist())) >= 3  # the long texts have fingerprints to move around
    for rows in ([0, 4, 5], [5, 0, 3, 1], [2], [6, 5, 4, 3, 2, 1, 0], []):
        _same(whole.take(rows), fingerprint_batch([TEXTS[i] for i in rows], params))


def test_concat_equals_one_batch_of_all_the_texts():
    params = FingerprintParams()
    parts = [fingerprint_batch(TEXTS[:2], params), fingerprint_batch(TEXTS[2:5], params),
             fingerprint_batch(TEXTS[5:], params)]
    _same(BatchPrints.concat(parts), fingerprint_batch(TEXTS, params))
