"""MinHash-LSH near duplicates and copies (``metrics.duplication_near``): what a verified pair or copy
reports (ids, texts, similarity, counts), thresholds at their boundary, seeding, and the shingles and their
hashes, on small corpora whose Jaccard similarities are counted by hand."""
import pytest
from scipy.stats import binomtest

from metrics.duplication_near import (jaccard, near_copy_rate, near_duplicate_pairs, near_duplicate_rate,
                                      shingle_hashes, shingles)


def words(prefix, n):
    return [f"{prefix}{i}" for i in range(n)]


A = words("a", 20)              # 16 5-gram shingles
B = words("b", 20)              # no word in common with A
C = A[:19] + ["z"]              # 15 of A's 16 shingles, plus one: Jaccard 15/17 = 0.88235...
D = words("d", 20)


def test_shingles_and_jaccard_hand_cases():
    assert shingles(["a", "b", "c", "d", "e", "f"], 5) == {"a b c d e", "b c d e f"}
    assert shingles(["a", "b"], 5) == {"a b"} and shingles([], 5) == frozenset()
    assert jaccard(frozenset(), frozenset()) == 0.0
    assert jaccard(frozenset({"x"}), frozenset()) == 0.0
    assert jaccard(shingles(A), shingles(C)) == 15 / 17


def test_shingle_hashes_are_32_bit_distinct_and_order_aware():
    toks = words("t", 200)
    h = shingle_hashes(toks)
    assert len(h) == len(set(h)) == 196  # one per distinct shingle, no collisions among 196
    assert all(0 <= x < 2**32 for x in h) and max(h) >= 2**31  # the full 32 bits are used
    assert shingle_hashes(toks + toks[:5]) == sorted(set(h) | set(shingle_hashes(toks[-4:] + toks[:5])))
    assert set(shingle_hashes(toks[::-1])).isdisjoint(h)  # a shingle is an ordered k-gram
    assert shingle_hashes([]) == [] and len(shingle_hashes(["x", "y"])) == 1


def test_near_copy_rate_reports_the_closest_real_document():
    real = [A, B, A]                 # real 0 and 2 are the same document
    synth = [D, C, B, A]             # D: nothing; C: 15/17 of A; B and A: exact copies
    r = near_copy_rate(real, synth, threshold=0.8, real_ids=["r0", "r1", "r2"], synth_ids=["s0", "s1", "s2", "s3"],
                       real_texts=["ra", "rb", "ra2"], synth_texts=["sd", "sc", "sb", "sa"], random_state=0)
    assert r.value == 0.75 and r.n == 4
    ci = binomtest(3, 4).proportion_ci(method="wilson")
    assert r.ci == pytest.approx((ci.low, ci.high))
    d = r.details
    assert (d["copied_docs"], d["threshold"], d["num_perm"], d["shingle_size"]) == (3, 0.8, 128, 5)
    # most similar first, ties by synthetic position; a tie between real documents keeps the first
    assert d["examples"] == [
        {"kind": "near", "synth_id": "s2", "real_id": "r1", "synth_text": "sb", "real_text": "rb", "similarity": 1.0},
        {"kind": "near", "synth_id": "s3", "real_id": "r0", "synth_text": "sa", "real_text": "ra", "similarity": 1.0},
        {"kind": "near", "synth_id": "s1", "real_id": "r0", "synth_text": "sc", "real_text": "ra",
         "similarity": 0.8824},
    ]
    # candidates: s1 and s3 each meet real 0 and 2, s2 meets real 1 (disjoint documents never collide)
    assert d["candidates_checked"] == 5
    bare = near_copy_rate(real, synth, threshold=0.8, random_state=0, max_examples=1)
    assert bare.details["examples"] == [{"kind": "near", "synth_id": "2", "real_id": "1", "synth_text": None,
                                         "real_text": None, "similarity": 1.0}]


def test_near_copy_rate_threshold_boundaries_and_defaults():
    real, synth = [A, B], [C, A]
    # seeded: with random_state=None the MinHash permutations (and so whether LSH proposes the pair) change
    # every call, and at a Jaccard of 15/17 an unseeded run missed the pair now and then
    assert near_copy_rate(real, synth, threshold=15 / 17, random_state=0).details["copied_docs"] == 2
    assert near_copy_rate(real, synth, threshold=1.0, random_state=0).details["copied_docs"] == 1
    d = near_copy_rate(real, synth).details
    assert (d["threshold"], d["num_perm"]) == (0.8, 128)
    many = near_copy_rate([A], [A] * 25)
    assert len(many.details["examples"]) == 20  # at most 20 examples by default
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match=rf"^near_copy_rate: threshold must be in \(0, 1\], got {bad}$"):
            near_copy_rate(real, synth, threshold=bad)
    with pytest.raises(ValueError, match="^near_copy_rate: empty corpus$"):
        near_copy_rate(real, [])
    with pytest.raises(ValueError, match="^near_copy_rate: empty corpus$"):
        near_copy_rate([], synth)


def test_near_duplicate_rate_details_count_candidates():
    docs = [A, B, C, D, A]
    r = near_duplicate_rate(docs, threshold=0.8, ids=list("vwxyz"), texts=["ta", "tb", "tc", "td", "ta2"],
                            random_state=0)
    assert r.value == 2 / 5  # one cluster {A, C, A}: two beyond the first
    d = r.details
    assert (d["threshold"], d["num_perm"], d["shingle_size"]) == (0.8, 128, 5)
    assert (d["verified_pairs"], d["candidates_checked"], d["candidates_rejected"]) == (3, 3, 0)
    assert d["largest_clusters"][0]["kind"] == "near"
    assert [m["text"] for m in d["largest_clusters"][0]["members"]] == ["ta", "tc", "ta2"]
    assert near_duplicate_rate(docs).details["threshold"] == 0.8


def test_near_duplicate_pairs_threshold_boundaries():
    pairs, checked = near_duplicate_pairs([A, C, B], threshold=15 / 17, random_state=0)
    assert pairs == [(0, 1, 15 / 17)] and checked == 1
    assert near_duplicate_pairs([A, C, A], threshold=1.0, random_state=0)[0] == [(0, 2, 1.0)]
    with pytest.raises(ValueError, match=r"^near_duplicate_pairs: threshold must be in \(0, 1\], got 0.0$"):
        near_duplicate_pairs([A], threshold=0.0)


def test_lsh_proposes_by_the_threshold_and_is_seeded():
    # pairs at Jaccard ~0.33 (half the words replaced): at threshold 0.8 LSH should almost never propose them
    docs = [words("p", 40)] + [words("p", 20) + words(f"q{k}", 20) for k in range(12)]
    checked = {near_duplicate_pairs(docs, threshold=0.8, random_state=s)[1] for s in range(3)}
    assert max(checked) <= 3  # a 0.05 LSH threshold would check nearly all 78 pairs
    loose = {near_duplicate_pairs(docs, threshold=0.3, random_state=s)[1] for s in range(6)}
    assert len(loose) > 1  # near the LSH threshold, which pairs are proposed depends on the seed
    assert near_duplicate_pairs(docs, threshold=0.3, random_state=4) == \
        near_duplicate_pairs(docs, threshold=0.3, random_state=4)
