"""exact_copy_rate, stated by hand: its errors, the within-reference rule, and every field of a copy example
(the HTML copy viewer shows them), including the cap on examples."""
import pytest

from metrics.copying import exact_copy_rate
from metrics.text import text_hash


def counts(texts):
    out = {}
    for t in texts:
        out[text_hash(t)] = out.get(text_hash(t), 0) + 1
    return out


def test_errors_name_the_empty_corpus():
    with pytest.raises(ValueError, match=r"^exact_copy_rate: empty synthetic corpus$"):
        exact_copy_rate([], counts(["a"]))
    with pytest.raises(ValueError, match=r"^exact_copy_rate: empty reference corpus$"):
        exact_copy_rate(["a"], {})


def test_examples_carry_ids_texts_and_counts():
    real = ["Same Text  here", "same text here", "other"]  # one text twice after normalisation
    synth = ["unrelated", "SAME TEXT HERE", "other"]
    first = {text_hash("same text here"): ("r1", "Same Text  here", "extra"), text_hash("other"): ("r3", None)}
    r = exact_copy_rate(synth, counts(real), synth_ids=["s0", "s1", "s2"], reference_first=first)
    assert r.value == pytest.approx(2 / 3) and r.details["copied_docs"] == 2
    assert r.details["examples"] == [
        {"kind": "exact", "synth_id": "s1", "real_id": "r1", "synth_text": "SAME TEXT HERE",
         "real_text": "Same Text  here", "similarity": 1.0, "real_count": 2},
        # only the id is kept for a unique real text: the real text shown is the synthetic one (the same text)
        {"kind": "exact", "synth_id": "s2", "real_id": "r3", "synth_text": "other", "real_text": "other",
         "similarity": 1.0, "real_count": 1},
    ]


def test_without_ids_examples_use_positions_and_no_real_id():
    r = exact_copy_rate(["x", "y"], counts(["y"]))
    assert r.details["examples"] == [{"kind": "exact", "synth_id": "1", "real_id": None, "synth_text": "y",
                                      "real_text": "y", "similarity": 1.0, "real_count": 1}]


def test_long_texts_are_cut_in_examples():
    from metrics.duplication import SNIPPET_CHARS

    long = "w" * (SNIPPET_CHARS + 5)
    ex = exact_copy_rate([long], counts([long])).details["examples"][0]
    assert ex["synth_text"] == "w" * (SNIPPET_CHARS - 1) + "…" and ex["real_text"] == ex["synth_text"]


def test_at_most_twenty_examples_by_default_but_every_copy_counted():
    texts = [f"doc {i}" for i in range(25)]
    r = exact_copy_rate(texts, counts(texts))
    assert r.details["copied_docs"] == 25 and len(r.details["examples"]) == 20
    assert [e["synth_id"] for e in r.details["examples"]] == [str(i) for i in range(20)]
    assert len(exact_copy_rate(texts, counts(texts), max_examples=3).details["examples"]) == 3


def test_within_reference_needs_a_second_copy():
    real = ["a", "a", "b"]
    r = exact_copy_rate(real, counts(real), within_reference=True)
    assert r.details["copied_docs"] == 2 and r.value == pytest.approx(2 / 3)


def _wilson(k, n, z=1.959963984540054):
    """The Wilson score interval written out (Wilson 1927)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return centre - half, centre + half


def test_exact_copy_rate_interval_and_support():
    r = exact_copy_rate(["a", "b", "c"], counts(["a", "b"]))
    assert r.n == 3 and r.value == pytest.approx(2 / 3)
    assert r.ci == pytest.approx(_wilson(2, 3), abs=1e-9)


# --- semantic copies: unit vectors built by hand, cosines known exactly -------------------------------
def _unit(*rows):
    import numpy as np

    x = np.asarray(rows, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_semantic_copy_rate_threshold_order_and_examples():
    import math

    from metrics.duplication_semantic import semantic_copy_rate

    real = _unit((1, 0, 0), (0, 1, 0))
    c = 0.96  # cosine of the third synthetic doc with real 1
    synth = _unit((1, 0, 0), (0, 0, 1), (0, c, math.sqrt(1 - c * c)), (0.6, 0.8, 0))
    r = semantic_copy_rate(real, synth, threshold=0.95, real_ids=["r0", "r1"], synth_ids=["s0", "s1", "s2", "s3"],
                           real_texts=["R zero", "R one"], synth_texts=["S zero", "S one", "S two", "S three"])
    # s0 is real 0 (cosine 1), s2 is 0.96 from real 1; s1 (0) and s3 (0.8) are below 0.95
    assert r.value == pytest.approx(0.5) and r.n == 4 and r.details["copied_docs"] == 2
    assert r.ci == pytest.approx(_wilson(2, 4), abs=1e-9)
    assert r.details["threshold"] == 0.95
    assert r.details["mean_nearest_cosine"] == pytest.approx((1 + 0 + c + 0.8) / 4, abs=1e-6)
    assert r.details["examples"] == [
        {"kind": "semantic", "synth_id": "s0", "real_id": "r0", "synth_text": "S zero", "real_text": "R zero",
         "similarity": 1.0},
        {"kind": "semantic", "synth_id": "s2", "real_id": "r1", "synth_text": "S two", "real_text": "R one",
         "similarity": 0.96},
    ]
    # a threshold equal to a cosine keeps it; without ids or texts, positions and None
    r = semantic_copy_rate(real, synth, threshold=0.8)
    assert r.details["copied_docs"] == 3
    assert [(e["synth_id"], e["real_id"], e["synth_text"], e["real_text"]) for e in r.details["examples"]] == \
        [("0", "0", None, None), ("2", "1", None, None), ("3", "1", None, None)]


def test_semantic_copy_examples_ties_by_position_and_capped_at_twenty():
    from metrics.duplication_semantic import semantic_copy_rate

    real = _unit((1, 0))
    synth = _unit(*[(1, 0)] * 25)
    r = semantic_copy_rate(real, synth)
    assert r.details["copied_docs"] == 25 and [e["synth_id"] for e in r.details["examples"]] == \
        [str(i) for i in range(20)]
    assert len(semantic_copy_rate(real, synth, max_examples=2).details["examples"]) == 2


def test_semantic_duplicate_rate_counts_beyond_the_first_of_each_group():
    from metrics.duplication_semantic import semantic_duplicate_pairs, semantic_duplicate_rate

    emb = _unit((1, 0, 0), (1, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0.96, 0.28), (0, 0, 1))
    assert [(i, j) for i, j, _ in semantic_duplicate_pairs(emb)] == [(0, 1), (0, 2), (1, 2), (3, 4)]
    r = semantic_duplicate_rate(emb, threshold=0.95)
    assert r.value == pytest.approx(3 / 6)  # two beyond the first of {0,1,2}, one beyond the first of {3,4}
    assert r.details["threshold"] == 0.95 and r.details["pairs"] == 4
    assert semantic_duplicate_rate(emb, threshold=0.97).details["pairs"] == 3
    with pytest.raises(ValueError, match=r"threshold must be in \[-1, 1\], got 1.5"):
        semantic_duplicate_pairs(emb, threshold=1.5)


def test_nearest_caps_the_cosine_at_one_and_names_bad_input():
    import numpy as np

    from metrics.duplication_semantic import nearest

    ref = np.array([[2, 0], [0, 1]], np.float32)  # not normalised: inner product 2 with (1, 0)
    sim, idx = nearest(ref, np.array([[1, 0], [0, 0.5]], np.float32))
    assert sim.tolist() == [1.0, 0.5] and idx.tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"^embedding dimensions differ: 2 vs 3$"):
        nearest(ref, np.zeros((1, 3), np.float32))
    bad = np.array([[np.nan, 0]], np.float32)
    with pytest.raises(ValueError, match="^reference embeddings: embeddings contain NaN"):
        nearest(bad, ref)
    with pytest.raises(ValueError, match="^query embeddings: embeddings contain NaN"):
        nearest(ref, bad)


def test_semantic_copy_rate_tolerance_given_search_and_rounding():
    import numpy as np

    from metrics.duplication_semantic import semantic_copy_rate

    real = _unit((1, 0), (0, 1))
    c = 0.987654  # more than four decimals
    synth = _unit((1, 0), (c, (1 - c * c) ** 0.5), (0.75, (1 - 0.75 ** 2) ** 0.5))
    r = semantic_copy_rate(real, synth, threshold=0.5)
    assert [e["similarity"] for e in r.details["examples"]] == [1.0, 0.9877, 0.75]
    # a cosine 1e-6 below the threshold still counts (float error); the boundary itself is kept
    assert semantic_copy_rate(real, synth, threshold=0.75 + 1e-6).details["copied_docs"] == 3
    # a caller's precomputed search is used as given
    given = (np.array([0.2, 0.99, 0.2], np.float32), np.array([1, 1, 0]))
    r = semantic_copy_rate(real, synth, threshold=0.9, nearest_rows=given)
    assert r.details["copied_docs"] == 1 and r.details["examples"][0]["real_id"] == "1"


def test_semantic_duplicates_threshold_bounds_and_cluster_evidence():
    from metrics.duplication_semantic import semantic_duplicate_pairs, semantic_duplicate_rate

    emb = _unit((1, 0), (0.75, (1 - 0.75 ** 2) ** 0.5), (-1, 0))  # cosines .75 (0, 1), -1 (0, 2)
    assert [(i, j) for i, j, _ in semantic_duplicate_pairs(emb, threshold=0.75)] == [(0, 1)]  # kept at equality
    # a cosine 1e-6 below the threshold still counts (float error), the boundary of that tolerance included
    assert [(i, j) for i, j, _ in semantic_duplicate_pairs(emb, threshold=0.75 + 1e-6)] == [(0, 1)]
    assert len(semantic_duplicate_pairs(emb, threshold=-1.0)) == 3 and semantic_duplicate_pairs(emb, threshold=1.0) == []
    for bad in (-1.5, 1.01):
        with pytest.raises(ValueError, match=rf"^semantic_duplicate_pairs: threshold must be in \[-1, 1\], got {bad}$"):
            semantic_duplicate_pairs(emb, threshold=bad)
    with pytest.raises(ValueError, match="^semantic_duplicate_pairs: embeddings contain NaN"):
        semantic_duplicate_pairs(_unit((1, 0)) * float("nan"))
    r = semantic_duplicate_rate(emb, threshold=0.7, ids=["a", "b", "c"], texts=["A", "B", "C"])
    assert r.details["largest_clusters"] == [{
        "kind": "semantic", "size": 2, "members": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
        "pairs": [{"id_a": "a", "id_b": "b", "similarity": 0.75}]}]
