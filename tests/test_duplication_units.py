"""``metrics.duplication``: the cluster rate's evidence (ordering, caps, ids, rounding), the exact duplicate
rate, the one-sided Fisher p-value and the embedding check, each against a hand computation: the Wilson
interval and the hypergeometric tail are written out here from their formulas."""
import math

import numpy as np
import pytest

from metrics.duplication import (
    check_embeddings, cluster_rate_result, clusters_from_pairs, exact_duplicate_rate, excess_p_value, snippet)


def _wilson(k, n, z=1.959963984540054):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_cluster_rate_hand_case():
    pairs = [(3, 5, 0.85), (0, 5, 0.9), (0, 3, 0.9), (1, 2, 0.123456), (6, 4, 0.8), (4, 7, 0.8)]
    ids = [f"d{i}" for i in range(10)]
    texts = [f"text {i}" for i in range(10)]
    r = cluster_rate_result(10, pairs, ids=ids, texts=texts, kind="near")
    # clusters {0, 3, 5}, {4, 6, 7}, {1, 2}: 2 + 2 + 1 documents beyond the first of each
    assert r.value == pytest.approx(5 / 10) and r.n == 10
    assert r.ci == pytest.approx(_wilson(5, 10))
    d = r.details
    assert d["duplicate_docs"] == 5 and d["clusters"] == 3 and d["cluster_sizes"] == {"2": 1, "3": 2}
    first, second, third = d["largest_clusters"]
    assert first == {"kind": "near", "size": 3,
                     "members": [{"id": "d0", "text": "text 0"}, {"id": "d3", "text": "text 3"},
                                 {"id": "d5", "text": "text 5"}],
                     # highest similarity first; ties by first then second member
                     "pairs": [{"id_a": "d0", "id_b": "d3", "similarity": 0.9},
                               {"id_a": "d0", "id_b": "d5", "similarity": 0.9},
                               {"id_a": "d3", "id_b": "d5", "similarity": 0.85}]}
    assert [(p["id_a"], p["id_b"]) for p in second["pairs"]] == [("d4", "d7"), ("d6", "d4")]
    assert [m["id"] for m in second["members"]] == ["d4", "d6", "d7"]
    assert third["pairs"] == [{"id_a": "d1", "id_b": "d2", "similarity": 0.1235}]


def test_cluster_rate_without_ids_or_texts_and_with_given_clusters():
    r = cluster_rate_result(8, [(2, 5, 1.0)], ids=None, texts=None, kind="exact", extra={"short_docs": 3})
    c = r.details["largest_clusters"][0]
    assert c["members"] == [{"id": "2", "text": None}, {"id": "5", "text": None}]
    assert c["pairs"] == [{"id_a": "2", "id_b": "5", "similarity": 1.0}]
    assert r.details["short_docs"] == 3 and r.value == pytest.approx(1 / 8)
    # given clusters (over ordinals of a whole corpus) are used as they are; n is the denominator
    r = cluster_rate_result(100, [(10, 20, 0.9)], ids=None, texts=None, kind="near",
                            clusters=[[10, 20, 30], [40, 50]])
    assert r.value == pytest.approx(3 / 100) and r.details["clusters"] == 2
    assert r.details["largest_clusters"][1]["pairs"] == []  # no edge recorded for that cluster
    assert r.ci == pytest.approx(_wilson(3, 100))


def test_cluster_rate_caps_clusters_members_and_pairs():
    pairs = [(0, j, 1.0 - j / 100) for j in range(1, 8)] + [(1, j, 0.5) for j in range(2, 8)]  # one cluster of 8
    base = 8
    for c in range(11):  # eleven more clusters of two
        pairs.append((base + 2 * c, base + 2 * c + 1, 0.9))
    n = base + 22
    r = cluster_rate_result(n, pairs, ids=None, texts=None, kind="near")
    shown = r.details["largest_clusters"]
    assert len(shown) == 10 and r.details["clusters"] == 12  # at most 10 clusters shown
    big = shown[0]
    assert big["size"] == 8 and [m["id"] for m in big["members"]] == ["0", "1", "2", "3", "4"]  # 5 members
    assert len(big["pairs"]) == 10  # 2 x 5 pairs: the 7 from 0 first (by similarity), then 3 of 1's
    assert [(p["id_a"], p["id_b"]) for p in big["pairs"]][7:] == [("1", "2"), ("1", "3"), ("1", "4")]
    r = cluster_rate_result(n, pairs, ids=None, texts=None, kind="near", max_clusters=2, max_members=2)
    assert len(r.details["largest_clusters"]) == 2 and len(r.details["largest_clusters"][0]["pairs"]) == 4
    assert r.details["largest_clusters"][0]["members"] == [{"id": "0", "text": None}, {"id": "1", "text": None}]


def test_snippet_cuts_with_an_ellipsis():
    assert snippet("x" * 300) == "x" * 300
    assert snippet("x" * 301) == "x" * 299 + "…"
    assert snippet("abcdef", 4) == "abc…"
    r = cluster_rate_result(3, [(0, 1, 1.0)], ids=["a", "b", "c"], texts=["y" * 400, "z", "w"], kind="exact")
    assert r.details["largest_clusters"][0]["members"][0]["text"] == "y" * 299 + "…"


def test_clusters_sorted_by_size_then_first_member():
    assert clusters_from_pairs(5, [(0, 1), (2, 3), (3, 4)]) == [[2, 3, 4], [0, 1]]
    assert clusters_from_pairs(6, [(0, 5), (1, 2)]) == [[0, 5], [1, 2]]
    assert clusters_from_pairs(3, []) == []


def test_exact_duplicate_rate_counts_and_interval():
    r = exact_duplicate_rate({"a": 3, "b": 1, "c": 2, "d": 1})
    assert r.value == pytest.approx(3 / 7) and r.n == 7
    assert r.details == {"duplicate_docs": 3, "duplicate_groups": 2}
    assert r.ci == pytest.approx(_wilson(3, 7))
    with pytest.raises(ValueError, match="^exact_duplicate_rate: empty corpus$"):
        exact_duplicate_rate({})


def _upper_tail(k, n, k0, n0):
    """P(X >= k), X hypergeometric: n draws from n + n0 items of which k + k0 are successes."""
    tot, succ = n + n0, k + k0
    return sum(math.comb(succ, x) * math.comb(tot - succ, n - x) for x in range(k, min(n, succ) + 1)) / math.comb(tot, n)


def test_excess_p_value_is_the_hypergeometric_upper_tail():
    assert excess_p_value(3, 5, 1, 5) == pytest.approx(66 / 252)  # (C(4,3)C(6,2) + C(4,4)C(6,1)) / C(10,5)
    for args in [(0, 10, 5, 10), (7, 20, 2, 30), (5, 5, 0, 3), (2, 40, 2, 40)]:
        assert excess_p_value(*args) == pytest.approx(_upper_tail(*args))
    assert excess_p_value(1, 0, 1, 5) is None and excess_p_value(1, 5, 0, 0) is None
    assert excess_p_value(0, -1, 0, 5) is None


def test_check_embeddings_casts_and_rejects():
    x = check_embeddings(np.ones((2, 3), dtype=np.int64), "f")
    assert x.dtype == np.float32 and x.flags["C_CONTIGUOUS"]
    assert check_embeddings(np.ones((4, 2), dtype=np.float64)[:, ::-1].T, "f").flags["C_CONTIGUOUS"]
    with pytest.raises(ValueError, match=r"^f: expected a non-empty \(n, d\) embedding matrix, got shape \(3,\)$"):
        check_embeddings(np.ones(3), "f")
    with pytest.raises(ValueError, match=r"got shape \(0, 4\)"):
        check_embeddings(np.zeros((0, 4)), "f")
    with pytest.raises(ValueError, match="^g: embeddings contain NaN or infinite values$"):
        check_embeddings(np.array([[1.0, np.inf]]), "g")


def test_cluster_rate_pairs_by_similarity_not_by_member():
    r = cluster_rate_result(13, [(10, 11, 0.8), (11, 12, 0.95)], ids=None, texts=None, kind="near")
    assert [(p["id_a"], p["id_b"]) for p in r.details["largest_clusters"][0]["pairs"]] == [("11", "12"), ("10", "11")]


def test_excess_p_value_with_one_document_on_a_side():
    assert excess_p_value(1, 1, 0, 3) == pytest.approx(1 / 4)  # one draw from 4 items, 1 success
    assert excess_p_value(1, 3, 0, 1) == pytest.approx(3 / 4)  # three draws from 4 items, 1 success
