"""Fast unit tests of ``metrics.duplication_full`` (whole-corpus exact and near duplicates, copies, shared
spans) on small hand-built corpora. Every expected value is written down by hand or comes from a brute-force
reference written here: exact Jaccard of frozensets of word 5-gram strings over every pair, LSH candidates
as "equal key in some band" over every pair, difflib for the longest common token run.

MinHash/LSH: the default parameters (21 bands x 6 rows) propose a pair of Jaccard J with probability
1 - (1 - J^6)^21; the planted near pairs here have J >= 0.9, missed with probability below
(1 - 0.9^6)^21 < 1e-6, and every proposed pair is verified with the exact Jaccard, so the expected pairs are
exactly the brute-force pairs at or above the threshold (the fixed seed makes the test deterministic).
"""
import difflib
import random
from itertools import combinations

import numpy as np
import pytest

import metrics.duplication_full as df
from metrics.duplication import clusters_from_pairs
from metrics.duplication_full import (
    MAX_POSTINGS, WINDOW_PAIRS, ShingleSets, band_candidates, best_near_matches, components, cross_candidates,
    exact_groups, fingerprint_candidates, longest_shared_span, near_duplicate_pairs_full, verify)
from metrics.fingerprint import FingerprintParams, fingerprint_batch
from metrics.text import tokenize

WORDS = [f"w{i}" for i in range(400)]


def _doc(seed: int, n: int = 40) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _swap(text: str, pos: int, word: str) -> str:
    w = text.split()
    w[pos] = word
    return " ".join(w)


def _shingles(text: str, k: int = 5) -> frozenset:
    t = tokenize(text)
    return frozenset(" ".join(t[i:i + k]) for i in range(len(t) - k + 1))


def _jac(a: str, b: str) -> float:
    sa, sb = _shingles(a), _shingles(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 0.0


# --- exact groups --------------------------------------------------------------------------------------
def _groups_reference(exact, idx, order=None):
    """Earliest member (by order, else ordinal; ties by position) and group number by that member's position."""
    idx = list(idx)
    key = (lambda d: d) if order is None else (lambda d: order[d])
    first = {}
    for p, d in enumerate(idx):
        h = exact[d]
        if h not in first or key(d) < key(idx[first[h]]):
            first[h] = p
    rank = {h: r for r, h in enumerate(sorted(first, key=lambda h: first[h]))}
    return [idx[first[exact[d]]] for d in idx], [rank[exact[d]] for d in idx]


def test_exact_groups_hand_case():
    exact = np.array([5, 7, 5, 9, 7, 5], np.uint64)
    rep, group = exact_groups(exact, np.arange(6))
    assert rep.tolist() == [0, 1, 0, 3, 1, 0]
    assert group.tolist() == [0, 1, 0, 2, 1, 0]
    # a subset in another order: hash 5's earliest member is 2, hash 7's is 1; groups numbered by where
    # their earliest member sits in idx (2 at position 1, 1 at position 2)
    rep, group = exact_groups(exact, [5, 2, 1, 4])
    assert rep.tolist() == [2, 2, 1, 1] and group.tolist() == [0, 0, 1, 1]
    # an explicit order: document 5 comes first for hash 5, document 4 for hash 7
    order = np.array([9, 8, 7, 6, 1, 0])
    rep, group = exact_groups(exact, np.arange(6), order)
    assert rep.tolist() == [5, 4, 5, 3, 4, 5] and group.tolist() == [2, 1, 2, 0, 1, 2]
    rep, group = exact_groups(exact, [])
    assert rep.tolist() == [] and group.tolist() == []


@pytest.mark.parametrize("seed", range(4))
def test_exact_groups_match_a_brute_force_grouping(seed):
    rng = np.random.default_rng(seed)
    exact = rng.integers(0, 6, 40).astype(np.uint64)
    idx = rng.permutation(40)[:25]
    order = rng.integers(0, 10, 40) if seed % 2 else None  # ties in order: by position in idx
    rep, group = exact_groups(exact, idx, order)
    want_rep, want_group = _groups_reference(exact.tolist(), idx.tolist(), None if order is None else order.tolist())
    assert rep.tolist() == want_rep and group.tolist() == want_group
    assert rep.dtype == np.int64 and group.dtype == np.int64


# --- LSH candidates ------------------------------------------------------------------------------------
def test_bucket_pairs_all_pairs_in_small_buckets_and_a_window_in_big_ones():
    big = WINDOW_PAIRS + 8  # 40 members under one key: each paired with its next 31 only
    keys = np.array([3] * big + [1, 2, 1, 1, 9], np.uint32)
    members = np.arange(len(keys)) * 10
    got = {tuple(p) for p in df._bucket_pairs(keys, members).tolist()}
    want = {(10 * a, 10 * b) for a in range(big) for b in range(a + 1, big) if b - a < WINDOW_PAIRS}
    ones = [10 * big, 10 * (big + 2), 10 * (big + 3)]
    want |= {(a, b) for a, b in combinations(ones, 2)}
    assert got == want and len(got) == sum(min(WINDOW_PAIRS - 1, big - 1 - a) for a in range(big)) + 3
    assert df._bucket_pairs(np.array([1, 2, 3]), np.array([0, 1, 2])).shape == (0, 2)


def _shared_key_pairs(bands, docs):
    return {(i, j) for i, j in combinations(sorted(docs), 2) if (bands[i] == bands[j]).any()}


def test_band_candidates_are_every_pair_sharing_a_band_key():
    rng = np.random.default_rng(3)
    bands = rng.integers(0, 5, size=(30, 3)).astype(np.uint32)
    docs = rng.permutation(30)[:20]
    got = band_candidates(bands, docs)
    assert got.dtype == np.int64 and got.shape[1] == 2
    assert [tuple(x) for x in got.tolist()] == sorted(_shared_key_pairs(bands, docs.tolist()))
    assert band_candidates(bands, docs[:1]).shape == (0, 2)
    distinct = np.arange(12, dtype=np.uint32).reshape(4, 3)
    assert band_candidates(distinct, np.arange(4)).shape == (0, 2)


def test_cross_candidates_and_the_postings_cap():
    q = np.array([[1, 10], [2, 20], [3, 30]], np.uint32)
    r = np.array([[1, 99], [1, 98], [5, 20], [1, 97], [7, 30], [8, 96]], np.uint32)
    got = cross_candidates(q, np.arange(3), r, np.arange(6))
    want = [[i, j] for i in range(3) for j in range(6) if (q[i] == r[j]).any()]
    assert got.tolist() == want == [[0, 0], [0, 1], [0, 3], [1, 2], [2, 4]]
    # key 1 is held by reference documents 0, 1, 3: a cap of 2 proposes the first two only
    assert cross_candidates(q, np.arange(3), r, np.arange(6), max_postings=2).tolist() == [[0, 0], [0, 1], [1, 2], [2, 4]]
    # only the given documents take part
    assert cross_candidates(q, [0, 2], r, [1, 3, 4]).tolist() == [[0, 1], [0, 3], [2, 4]]
    assert cross_candidates(q, [], r, np.arange(6)).shape == (0, 2)
    assert cross_candidates(q, np.arange(3), r, []).shape == (0, 2)
    assert MAX_POSTINGS == 50


# --- verification --------------------------------------------------------------------------------------
def test_verify_keeps_pairs_at_the_threshold_with_their_exact_jaccard_and_uses_the_memo():
    texts = ["a b c d e f", "a b c d e g", "b c d e f", "x y z u v w"]
    sets = ShingleSets(texts.__getitem__, 5)
    pairs = np.array([[0, 1], [0, 2], [0, 3]])
    # shingles: {abcde, bcdef} vs {abcde, bcdeg}: 1/3; vs {bcdef}: 1/2; vs nothing shared: 0
    assert [s for _, _, s in verify(pairs, sets, sets, 0.0)] == pytest.approx([1 / 3, 1 / 2, 0.0])
    assert verify(pairs, sets, sets, 0.5) == [(0, 2, 0.5)]  # kept at equality
    assert verify(pairs, sets, sets, 0.51) == []
    memo = {(0, 1): 0.9}
    assert verify(pairs, sets, sets, 0.4, memo) == [(0, 1, 0.9), (0, 2, 0.5)]  # the memo's value is used
    assert memo == {(0, 1): 0.9, (0, 2): 0.5, (0, 3): 0.0}  # and the computed ones are remembered


def test_shingle_sets_are_the_word_5_gram_sets_and_the_cache_is_bounded():
    texts = [_doc(1), _doc(2), _doc(3), "too short"]
    calls = []

    def text(i):
        calls.append(i)
        return texts[i]

    sets = ShingleSets(text, 5, cache=2)
    assert len(sets[0]) == len(_shingles(texts[0])) and len(sets[3]) == 0
    from metrics.fingerprint import set_jaccard

    assert set_jaccard(sets[0], sets[1]) == pytest.approx(_jac(texts[0], texts[1]))
    calls.clear()
    sets[3], sets[1]  # both held (two entries fit)
    assert calls == []
    sets[2]  # evicts the oldest entry, 3 (insertion order)
    sets[1]
    assert calls == [2]
    sets[3]
    assert calls == [2, 3]
    k3 = ShingleSets(texts.__getitem__, 3)
    assert len(k3[3]) == 0 and len(k3[0]) == len({tuple(tokenize(texts[0])[i:i + 3]) for i in range(38)})


# --- near duplicates over a small corpus ---------------------------------------------------------------
def _corpus():
    base = [_doc(s) for s in range(10)]
    texts = list(base)
    texts.append(_swap(base[0], 20, "zz1"))  # 10: a middle word changed: J(0, 10) = 31/41 < 0.8, no pair
    texts.append(base[3].upper())  # 11: exact duplicate of 3 after normalisation
    texts.append(_swap(base[5], 39, "zz2"))  # 12: last word changed: J(5, 12) = 35/37
    texts.append(_swap(texts[12], 0, "zz3"))  # 13: first word too: J(12, 13) = 35/37, J(5, 13) = 34/38
    texts.append(base[3])  # 14: another exact copy of 3
    texts.append("w1 w2 w3")  # 15: short
    return texts


def _brute_near(texts, docs, threshold):
    return {(i, j) for i, j in combinations(sorted(docs), 2) if _jac(texts[i], texts[j]) >= threshold}


def test_near_duplicate_pairs_full_equal_brute_force_over_representatives():
    texts = _corpus()
    fp = fingerprint_batch(texts, FingerprintParams())
    sets = ShingleSets(texts.__getitem__, 5)
    docs = np.arange(15)  # the long documents
    edges, checked = near_duplicate_pairs_full(fp.exact, fp.bands, docs, sets, 0.8)
    exact_edges = [(3, 11, 1.0), (3, 14, 1.0)]  # each copy links to its earliest copy
    assert edges[:2] == exact_edges
    reps = [d for d in range(15) if d not in (11, 14)]
    want = _brute_near(texts, reps, 0.8)
    assert want == {(5, 12), (5, 13), (12, 13)}
    assert {(i, j) for i, j, _ in edges[2:]} == want
    for i, j, s in edges[2:]:
        assert s == pytest.approx(_jac(texts[i], texts[j]))
    assert dict(((i, j), s) for i, j, s in edges[2:])[(5, 12)] == pytest.approx(35 / 37)
    # candidates checked: the representatives' pairs sharing a band key, counted by brute force
    assert checked == len(_shared_key_pairs(fp.bands, reps)) >= len(want)
    # clusters: {3, 11, 14} and {5, 12, 13}; 4 documents beyond the first of their cluster
    comps = components(docs, edges)
    assert comps == [[3, 11, 14], [5, 12, 13]] == clusters_from_pairs(15, [(i, j) for i, j, _ in edges])
    # a higher threshold keeps only the closer pairs (35/37 = 0.946 and 34/38 = 0.895)
    edges, _ = near_duplicate_pairs_full(fp.exact, fp.bands, docs, sets, 0.9)
    assert {(i, j) for i, j, _ in edges[2:]} == {(5, 12), (12, 13)}


def test_near_duplicate_pairs_full_follow_the_order_and_the_memo():
    texts = _corpus()
    fp = fingerprint_batch(texts, FingerprintParams())
    sets = ShingleSets(texts.__getitem__, 5)
    order = np.arange(16)[::-1].copy()  # latest first: 14 represents 3 and 11
    memo = {}
    edges, _ = near_duplicate_pairs_full(fp.exact, fp.bands, np.arange(15), sets, 0.8, order=order, memo=memo)
    assert sorted(edges[:2]) == [(14, 3, 1.0), (14, 11, 1.0)]
    assert {(i, j) for i, j in memo} >= {(5, 12), (5, 13), (12, 13)}


def test_partitions_concatenated_give_the_one_pass_result():
    texts = _corpus()
    p = FingerprintParams()
    whole = fingerprint_batch(texts, p)
    parts = [fingerprint_batch(texts[i:i + 4], p) for i in range(0, len(texts), 4)]
    exact = np.concatenate([x.exact for x in parts])
    bands = np.concatenate([x.bands for x in parts])
    sets = ShingleSets(texts.__getitem__, 5)
    one = near_duplicate_pairs_full(whole.exact, whole.bands, np.arange(15), sets, 0.8)
    merged = near_duplicate_pairs_full(exact, bands, np.arange(15), sets, 0.8)
    assert merged == one
    # its clusters are the brute-force ones (every pair of long documents at Jaccard >= 0.8)
    assert components(np.arange(15), merged[0]) == clusters_from_pairs(15, _brute_near(texts, range(15), 0.8))


def test_components_hand_case_and_brute_force():
    assert components(np.array([2, 5, 7, 9, 11]), []) == []
    edges = [(9, 11, 0.9), (2, 7, 1.0), (5, 9, 0.8)]
    assert components(np.array([11, 2, 5, 7, 9, 13]), edges) == [[5, 9, 11], [2, 7]]
    assert components(np.array([2, 5, 7, 9, 11]), edges[::-1]) == [[5, 9, 11], [2, 7]]
    assert components(np.array([1, 3, 4, 8]), [(4, 8, 1.0), (1, 3, 1.0)]) == [[1, 3], [4, 8]]  # ties: first member
    rng = np.random.default_rng(0)
    nodes = np.sort(rng.choice(200, 60, replace=False))
    e = [(int(a), int(b), 1.0) for a, b in rng.choice(nodes, size=(40, 2)) if a != b]
    pos = {int(v): k for k, v in enumerate(nodes)}
    ref = clusters_from_pairs(len(nodes), [(pos[a], pos[b]) for a, b, _ in e])
    assert components(nodes, e) == [[int(nodes[k]) for k in c] for c in ref]


# --- copies: best near matches -------------------------------------------------------------------------
def test_best_near_matches_hand_case():
    real = [_doc(s) for s in range(100, 106)]
    real.append(real[2].upper())  # 6: exact copy of real 2
    real.append(_swap(_swap(real[4], 39, "ss"), 0, "rr"))  # 7: synthetic 3 with its first word changed
    q0 = _swap(real[0], 39, "qq")
    synth = [
        q0,  # 0: near real 0 only (J = 35/37)
        real[2].lower(),  # 1: exact copy of real 2 (and 6): its earliest copy, 2
        _doc(999),  # 2: unrelated
        _swap(real[4], 39, "ss"),  # 3: as near real 4 as real 7 (each J = 35/37): a tie -> the lower ordinal
        q0,  # 4: exact duplicate of synthetic 0: shares its match
        _swap(real[5], 39, "tt"),  # 5: near real 5
    ]
    fs, fr = fingerprint_batch(synth), fingerprint_batch(real)
    qs, rs = ShingleSets(synth.__getitem__, 5), ShingleSets(real.__getitem__, 5)
    best, checked = best_near_matches(fs.exact, fs.bands, np.arange(6), fr.exact, fr.bands, np.arange(8), qs, rs, 0.7)
    # reference: for each query, the real documents by exact Jaccard, highest first, then lowest ordinal
    want = {}
    for q in range(6):
        cands = [(-_jac(synth[q], real[r]), r) for r in range(8) if real[r] != real[6] or r == 2]
        s, r = min(cands)
        if -s >= 0.7:
            want[q] = (r, -s)
    assert set(best) == set(want) == {0, 1, 3, 4, 5}
    for q, (r, s) in want.items():
        assert best[q][0] == r and best[q][1] == pytest.approx(s)
    assert best[1] == (2, 1.0) and best[0][1] == pytest.approx(35 / 37) and best[4] == best[0]
    assert _jac(synth[3], real[4]) == _jac(synth[3], real[7]) and best[3][0] == 4  # a tie: the lower ordinal
    # candidates: (representative query without an exact copy, real representative) sharing a band key
    reps_q, reps_r = [0, 2, 3, 5], [0, 1, 2, 3, 4, 5, 7]
    assert checked == sum(int((fs.bands[q] == fr.bands[r]).any()) for q in reps_q for r in reps_r)
    # the reference order decides which exact copy is "earliest"
    best, _ = best_near_matches(fs.exact, fs.bands, [1], fr.exact, fr.bands, np.arange(8), qs, rs, 0.7,
                                r_order=np.arange(8)[::-1].copy())
    assert best == {1: (6, 1.0)}
    # only the given reference documents are looked at
    best, _ = best_near_matches(fs.exact, fs.bands, np.arange(6), fr.exact, fr.bands, [1, 3, 7], qs, rs, 0.7)
    assert set(best) == {3} and best[3][0] == 7
    assert best_near_matches(fs.exact, fs.bands, [], fr.exact, fr.bands, np.arange(8), qs, rs, 0.7) == ({}, 0)
    assert best_near_matches(fs.exact, fs.bands, [0], fr.exact, fr.bands, [], qs, rs, 0.7) == ({}, 0)


def test_best_near_matches_prefers_the_higher_jaccard_over_the_lower_ordinal():
    base = _doc(7)
    real = [_swap(_swap(base, 0, "a1"), 39, "a2"), _swap(base, 39, "b1")]  # J = 34/38 and 35/37
    synth = [base]
    fs, fr = fingerprint_batch(synth), fingerprint_batch(real)
    qs, rs = ShingleSets(synth.__getitem__, 5), ShingleSets(real.__getitem__, 5)
    best, checked = best_near_matches(fs.exact, fs.bands, [0], fr.exact, fr.bands, [0, 1], qs, rs, 0.8)
    assert _jac(base, real[1]) > _jac(base, real[0]) >= 0.8
    assert best == {0: (1, pytest.approx(_jac(base, real[1])))} and checked == 2


# --- shared spans --------------------------------------------------------------------------------------
def test_fingerprint_candidates_rank_by_shared_fingerprints_then_ordinal():
    q_hash = np.array([1, 2, 3, 4, 1, 9], np.uint64)
    q_doc = np.array([0, 0, 0, 0, 1, 2])
    r_hash = np.array([1, 2, 3, 1, 2, 4, 1, 2, 3, 9, 1], np.uint64)
    r_doc = np.array([10, 10, 10, 11, 11, 12, 13, 13, 13, 14, 15])
    got = fingerprint_candidates(q_hash, q_doc, [0, 1, 2], r_hash, r_doc, [10, 11, 12, 13, 14, 15])
    # query 0 shares 3 with 10 and 13, 2 with 11, 1 with 12 and 15: top three, ties by lower ordinal
    assert got == {0: [10, 13, 11], 1: [10, 11, 13], 2: [14]}
    assert fingerprint_candidates(q_hash, q_doc, [0], r_hash, r_doc, [10, 11, 12, 13, 14, 15], per_query=5) == \
        {0: [10, 13, 11, 12, 15]}
    assert fingerprint_candidates(q_hash, q_doc, [0, 2], r_hash, r_doc, [11, 12]) == {0: [11, 12]}
    # hash 1 is held by four reference documents: a cap of 2 proposes the first two (10 and 11)
    assert fingerprint_candidates(q_hash, q_doc, [1], r_hash, r_doc, [10, 11, 13, 15], max_postings=2) == {1: [10, 11]}
    assert fingerprint_candidates(q_hash, q_doc, [2], r_hash, r_doc, [10]) == {}


def test_longest_shared_span_equals_difflib_on_small_alphabets():
    rng = random.Random(4)
    for trial in range(60):
        n = rng.choice([2, 3, 4])
        q = [rng.choice("abc") for _ in range(rng.randrange(0, 25))]
        r = [rng.choice("abc") for _ in range(rng.randrange(0, 25))]
        m = difflib.SequenceMatcher(None, q, r, autojunk=False).find_longest_match(0, len(q), 0, len(r))
        want = (m.a, m.b, m.size) if m.size >= n else (0, 0, 0)
        assert longest_shared_span(q, r, n) == want, (trial, q, r, n)


def test_longest_shared_span_hand_case():
    q = "x a b c d e y".split()
    r = "a b c d e z a b c".split()
    assert longest_shared_span(q, r, 3) == (1, 0, 5)
    assert longest_shared_span(q, r, 6) == (0, 0, 0)
    assert longest_shared_span(q[:2], r, 3) == (0, 0, 0)
    assert longest_shared_span(q, "p q r s".split(), 3) == (0, 0, 0)


def _case_blind(monkeypatch):
    """A deliberately weak n-gram hash: tokens that differ only in case collide."""
    real = df.gram_hashes
    monkeypatch.setattr(df, "gram_hashes", lambda tokens, n: real([t.lower() for t in tokens], n))


def test_longest_shared_span_skips_hash_collisions(monkeypatch):
    _case_blind(monkeypatch)
    # the colliding run "A B C D E F" vs "a b c d e f" is longer, but its tokens differ: skipped
    q = "A B C D E F x m n o".split()
    r = "a b c d e f y m n o".split()
    assert longest_shared_span(q, r, 3) == (7, 7, 3)
    assert longest_shared_span(q[:6], r[:6], 3) == (0, 0, 0)  # only a colliding run: nothing


def test_longest_shared_span_checks_the_five_longest_runs(monkeypatch):
    _case_blind(monkeypatch)

    def case(fakes):
        q, r = [], []
        for k in range(fakes):  # colliding runs of 6 tokens, longer than the real 4-token one
            q += [f"F{k}{c}" for c in "abcdef"] + [f"q{k}"]
            r += [f"f{k}{c}" for c in "abcdef"] + [f"r{k}"]
        start = len(q)
        return q + ["m", "n", "o", "p"], r + ["m", "n", "o", "p"], start

    q, r, s = case(4)
    assert longest_shared_span(q, r, 3) == (s, s, 4)
    q, r, s = case(5)  # five colliding runs checked first: the real one is not reached
    assert longest_shared_span(q, r, 3) == (0, 0, 0)


# --- edges of the inputs ---------------------------------------------------------------------------------
def test_empty_and_single_inputs_keep_their_shapes_and_types():
    rep, group = exact_groups(np.array([5, 5], np.uint64), [])
    assert rep.dtype == group.dtype == np.int64
    rep, group = exact_groups(np.array([5, 7, 5], np.uint64), [2])
    assert rep.tolist() == [2] and group.tolist() == [0]  # one document: its own group, number 0
    bands = np.array([[1, 2], [1, 3], [4, 5]], np.uint32)
    assert band_candidates(bands, [0, 1]).tolist() == [[0, 1]]  # two documents are enough for a pair
    assert band_candidates(bands, [0]).dtype == np.int64
    assert band_candidates(bands, [0, 2]).dtype == np.int64 and band_candidates(bands, [0, 2]).shape == (0, 2)
    assert cross_candidates(bands, [2, 0], bands, [1]).tolist() == [[0, 1]]  # a single reference document
    assert cross_candidates(bands, [], bands, [1]).dtype == np.int64
    assert components(np.array([3, 4]), [(3, 3, 1.0)]) == []  # a self-loop is no cluster
    assert fingerprint_candidates(np.array([9], np.uint64), np.array([2]), [2], np.array([9], np.uint64),
                                  np.array([14]), [14]) == {2: [14]}  # one shared fingerprint
    assert longest_shared_span(["a", "b", "c"], ["x", "a", "b", "c"], 3) == (0, 1, 3)  # exactly one n-gram
    assert longest_shared_span(["x", "a", "b", "c"], ["a", "b", "c"], 3) == (1, 0, 3)


def test_the_postings_cap_keeps_the_first_reference_documents_of_a_large_bucket():
    # 300 reference documents under three keys (more than a small sort's insertion-sort range): a cap
    # of 5 proposes the first five of each key in reference-document order
    r_keys = np.array([[k % 3] for k in range(300)], np.uint32)
    r_docs = np.random.default_rng(0).permutation(300)
    q = np.array([[0], [1], [2]], np.uint32)
    got = cross_candidates(q, np.arange(3), r_keys, r_docs, max_postings=5)
    want = [[key, int(d)] for key in range(3) for d in sorted([d for d in r_docs if d % 3 == key][:5])]
    assert got.tolist() == want


def test_exact_copies_match_without_lsh_candidates():
    real = [_doc(s) for s in range(200, 206)]
    synth = [t.upper() for t in real] + [_doc(998)]  # every real text again, and one unrelated text
    fs, fr = fingerprint_batch(synth), fingerprint_batch(real)
    qs, rs = ShingleSets(synth.__getitem__, 5), ShingleSets(real.__getitem__, 5)
    best, checked = best_near_matches(fs.exact, fs.bands, np.arange(7), fr.exact, fr.bands, np.arange(6), qs, rs, 0.8)
    assert best == {i: (i, 1.0) for i in range(6)}
    # only the unrelated text goes through LSH: its candidates are the real documents sharing a band key
    assert checked == sum(int((fs.bands[6] == fr.bands[r]).any()) for r in range(6))


def test_stable_order_and_sorted_search_equal_numpy():
    """stable_order is np.argsort(kind="stable") (packed uint32 keys and positions, or the argsort
    itself) and search_sorted_both is np.searchsorted left and right, for any keys and needles."""
    from metrics.duplication_full import search_sorted_both, stable_order

    rng = np.random.default_rng(9)
    for n in (0, 1, 2, 3, 17, 500, 20000):
        for dtype, hi in ((np.uint32, 2**32), (np.uint32, 7), (np.uint16, 2**16), (np.uint8, 3),
                          (np.int64, 50), (np.uint64, 2**64 - 1), (np.float64, 5)):
            keys = rng.integers(0, hi, n, dtype=np.uint64, endpoint=False).astype(dtype)
            if n > 10:
                keys[: n // 4] = keys[n // 4: 2 * (n // 4)]  # ties
            o = stable_order(keys)
            want = np.argsort(keys, kind="stable")
            assert o.dtype == want.dtype and np.array_equal(o, want), (n, dtype)
            rk = keys[o]
            for needles in (keys[::-1], rng.permutation(keys),
                            rng.integers(0, hi, n // 2 + 1, dtype=np.uint64).astype(dtype), keys[:0]):
                lo, up = search_sorted_both(rk, needles)
                wl, wu = np.searchsorted(rk, needles, "left"), np.searchsorted(rk, needles, "right")
                assert lo.dtype == wl.dtype and up.dtype == wu.dtype
                assert np.array_equal(lo, wl) and np.array_equal(up, wu), (n, dtype)
