"""Fingerprint parameters (``metrics.fingerprint``): the LSH (bands, rows) choice against a brute-force search
over the definition P(proposed) = 1 - (1 - J^rows)^bands, every audit option reaching its parameter, the
validation messages, and the exact Jaccard of hash arrays against Python sets."""
import pytest

from metrics.fingerprint import FingerprintParams, lsh_bands, params_from_options, set_jaccard

import numpy as np


def _best_rows(threshold, num_perm, recall):
    """Brute force: every rows count, the largest whose recall at ``threshold`` reaches ``recall``."""
    ok = [r for r in range(1, num_perm + 1) if 1.0 - (1.0 - threshold ** r) ** (num_perm // r) >= recall]
    return (num_perm // max(ok), max(ok)) if ok else (num_perm, 1)


def test_lsh_bands_hand_case_and_brute_force():
    # 21 x 6 at 0.8: 1 - (1 - 0.8^6)^21 = 0.998 >= 0.99; 18 x 7: 0.9855 < 0.99
    assert lsh_bands(0.8, 128) == (21, 6)
    assert lsh_bands(0.8, 128, recall=0.999) == _best_rows(0.8, 128, 0.999)
    for thr in (0.3, 0.5, 0.7, 0.8, 0.9, 1.0):
        for perms in (1, 2, 7, 16, 33, 127, 128, 256):
            for recall in (0.5, 0.9, 0.99):
                assert lsh_bands(thr, perms, recall) == _best_rows(thr, perms, recall), (thr, perms, recall)
    assert lsh_bands(0.1, 4) == (4, 1)  # nothing reaches 0.99: one row per band
    b, r = lsh_bands(0.8, 127)
    assert isinstance(b, int) and b * r <= 127


def test_lsh_bands_keeps_a_recall_reached_exactly():
    exact = 1.0 - (1.0 - 0.8 ** 6) ** 21
    assert lsh_bands(0.8, 128, recall=exact) == (21, 6)


def test_params_from_options_defaults_and_every_option():
    assert params_from_options({}) == FingerprintParams(shingle_size=5, bands=21, rows=6, ngram_n=13, window=6,
                                                        min_tokens=5, seed=1)
    p = params_from_options({"near_threshold": 0.5, "minhash_perms": 8, "shingle_size": 3, "ngram_n": 9,
                             "ngram_window": 4, "min_doc_tokens": 7})
    assert p == FingerprintParams(shingle_size=3, bands=8, rows=1, ngram_n=9, window=4, min_tokens=7, seed=1)
    # 64 permutations: 12 x 5 proposes a 0.8 pair with 1 - (1 - 0.8^5)^12 = 0.9915; 10 x 6 only with 0.952
    assert params_from_options({"minhash_perms": 64}) == FingerprintParams(bands=12, rows=5)
    assert params_from_options({"near_threshold": 0.9}).rows == _best_rows(0.9, 128, 0.99)[1]
    # 128 permutations by default: at 0.5, 42 bands of 3 rows (129 would give 43)
    p5 = params_from_options({"near_threshold": 0.5})
    assert (p5.bands, p5.rows) == _best_rows(0.5, 128, 0.99) == (42, 3)
    assert params_from_options({"ngram_n": 4}).window == 4  # the window never exceeds ngram_n
    assert params_from_options({"ngram_window": 20}).window == 13
    assert params_from_options({"near_threshold": 1.0, "minhash_perms": 1}) == FingerprintParams(bands=1, rows=1)


@pytest.mark.parametrize("options, message", [
    ({"near_threshold": 0.0}, r"near_threshold must be in \(0, 1\], got 0.0"),
    ({"near_threshold": 1.01}, r"near_threshold must be in \(0, 1\], got 1.01"),
    ({"near_threshold": -0.5}, "near_threshold"),
    ({"minhash_perms": 0}, "minhash_perms must be at least 1, got 0"),
    ({"shingle_size": 0}, r"shingle_size must be at least 1 \(got 0\)"),
    ({"ngram_n": 0}, r"ngram_n must be at least 1 \(got 0\)"),
    ({"min_doc_tokens": 0}, r"min_tokens must be at least 1 \(got 0\)"),
])
def test_params_from_options_rejects_bad_values(options, message):
    with pytest.raises(ValueError, match=message):
        params_from_options(options)


@pytest.mark.parametrize("field", ["shingle_size", "bands", "rows", "ngram_n", "window", "min_tokens"])
def test_validate_names_the_field_below_one(field):
    with pytest.raises(ValueError, match=rf"^{field} must be at least 1 \(got 0\)$"):
        FingerprintParams(**{field: 0}).validate()
    if field != "window":
        kw = {field: 1} if field != "ngram_n" else {"ngram_n": 1, "window": 1}
        p = FingerprintParams(**kw)
        assert p.validate() is p


def test_validate_window_at_most_ngram_n():
    with pytest.raises(ValueError, match=r"^ngram_window \(7\) must not exceed ngram_n \(6\)$"):
        FingerprintParams(ngram_n=6, window=7).validate()
    p = FingerprintParams(ngram_n=6, window=6)
    assert p.validate() is p and p.fp_gram == 1 and p.num_perm == 126


def test_set_jaccard_equals_python_sets():
    rng = np.random.default_rng(0)
    for _ in range(50):
        a = np.unique(rng.integers(0, 30, rng.integers(0, 20)).astype(np.uint64))
        b = np.unique(rng.integers(0, 30, rng.integers(0, 20)).astype(np.uint64))
        sa, sb = set(a.tolist()), set(b.tolist())
        want = len(sa & sb) / len(sa | sb) if sa | sb else 0.0
        assert set_jaccard(a, b) == pytest.approx(want)
    e = np.zeros(0, np.uint64)
    assert set_jaccard(e, e) == 0.0 and set_jaccard(e, np.array([1], np.uint64)) == 0.0
    assert set_jaccard(np.array([1, 2], np.uint64), np.array([2, 3], np.uint64)) == pytest.approx(1 / 3)


def test_band_keys_follow_the_rows_of_their_band():
    from metrics.fingerprint import _band_keys

    rng = np.random.default_rng(1)
    sig = rng.integers(0, 2**32, size=(300, 12), dtype=np.uint64).astype(np.uint32)
    keys = _band_keys(sig, 4, 3)
    assert keys.shape == (300, 4) and keys.dtype == np.uint32
    # distinct random rows: distinct keys (a collision among 300 has probability about 300^2 / 2^33)
    assert all(len(set(keys[:, b].tolist())) == 300 for b in range(4))
    other = sig.copy()
    other[:, 4] ^= np.uint32(1)  # one row of band 1 changed
    k2 = _band_keys(other, 4, 3)
    assert (k2[:, [0, 2, 3]] == keys[:, [0, 2, 3]]).all() and (k2[:, 1] != keys[:, 1]).all()
    same = np.tile(sig[:, :3], (1, 4))  # the same rows in every band: still four different keys
    ks = _band_keys(same, 4, 3)
    assert all(len(set(row)) == 4 for row in ks.tolist())


def test_batch_arrays_have_their_documented_types_and_defaults():
    from metrics.fingerprint import fingerprint_batch, gram_hashes, shingle_set

    got = fingerprint_batch(["one two three four five six", "x"])
    assert got.exact.dtype == np.uint64 and got.n_tokens.dtype == np.uint32 and got.bands.dtype == np.uint32
    assert got.fp_hash.dtype == np.uint64 and got.fp_doc.dtype == np.uint32
    assert got.n_tokens.tolist() == [6, 1]
    toks = [f"t{i}" for i in range(20)]
    assert len(gram_hashes(toks)) == 20 - 13 + 1  # 13-grams by default
    assert len(shingle_set(toks)) == 20 - 5 + 1  # distinct 5-gram shingles by default


def test_lone_surrogates_are_hashed_and_short_inputs_keep_uint64():
    from metrics.fingerprint import exact_hash, fingerprint_batch, gram_hashes, shingle_set

    text = "a \ud800 b c d e f g"  # a lone surrogate (e.g. from a JSON escape) must not stop the audit
    assert exact_hash(text) != exact_hash("a b c d e f g")
    got = fingerprint_batch([text])
    assert got.n_tokens[0] >= 7 and got.bands.any()
    assert gram_hashes(["a"], 3).dtype == np.uint64 and len(gram_hashes(["a"], 3)) == 0
    assert shingle_set(["a", "b"], 5).dtype == np.uint64
