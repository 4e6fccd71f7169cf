"""Within-corpus duplication: exact, near (MinHash-LSH, verified) and semantic duplicates."""
from itertools import combinations

import numpy as np
import pytest

from metrics.duplication import clusters_from_pairs, exact_duplicate_rate, hash_counts
from metrics.stats import wilson_interval
from metrics.duplication_near import jaccard, near_duplicate_pairs, near_duplicate_rate, shingles
from metrics.duplication_semantic import semantic_duplicate_pairs, semantic_duplicate_rate
from metrics.text import tokenize
from tests.conftest import load_texts


@pytest.fixture
def stories(corpora_dir):
    return load_texts(corpora_dir / "fastdetect" / "writing_gpt-4" / "real.jsonl", 60)


def _edit(tokens, every, rng):
    """Replace every ``every``-th token (from a random offset) with a new word."""
    out = list(tokens)
    for i in range(int(rng.integers(every)), len(out), every):
        out[i] = f"zz{i}"
    return out


# --- exact ---------------------------------------------------------------------------------------------
def test_exact_duplicate_rate_hand_case():
    r = exact_duplicate_rate(hash_counts(["A  b", "a b", "A B\n", "c"]))
    assert r.value == pytest.approx(2 / 4)
    assert r.details == {"duplicate_docs": 2, "duplicate_groups": 1}
    assert r.ci[0] < 0.5 < r.ci[1]


def test_exact_duplicate_rate_empty_raises():
    with pytest.raises(ValueError, match="empty"):
        exact_duplicate_rate({})


def test_wilson_interval_matches_statsmodels_value():
    # Wilson 95% for 5/20: (0.1119, 0.4687) (e.g. statsmodels proportion_confint method="wilson")
    lo, hi = wilson_interval(5, 20)
    assert (lo, hi) == pytest.approx((0.11186, 0.46870), abs=1e-4)


def test_clusters_from_pairs_is_order_free():
    pairs = [(0, 3), (3, 5), (1, 2)]
    assert clusters_from_pairs(6, pairs) == clusters_from_pairs(6, pairs[::-1]) == [[0, 3, 5], [1, 2]]


# --- near ----------------------------------------------------------------------------------------------
def test_shingles_and_jaccard_hand_cases():
    assert shingles(["a", "b", "c"], 5) == frozenset(["a b c"])
    assert shingles([], 5) == frozenset()
    assert len(shingles(list("abcdefg"), 5)) == 3
    assert jaccard(frozenset("ab"), frozenset("bc")) == pytest.approx(1 / 3)


def test_near_pairs_match_brute_force(stories):
    rng = np.random.default_rng(0)
    base = [tokenize(t) for t in stories[:20]]
    docs = base + [_edit(base[i], every, rng) for i, every in zip(range(20), [40, 60, 80, 100, 150] * 4)]
    sets = [shingles(t, 5) for t in docs]
    brute = {(i, j): jaccard(sets[i], sets[j]) for i, j in combinations(range(len(docs)), 2)}
    expected = {p for p, s in brute.items() if s >= 0.8}
    assert expected, "the planted edits should give some pairs above 0.8"
    pairs, checked = near_duplicate_pairs(docs, threshold=0.8, num_perm=256, random_state=1)
    found = {(i, j) for i, j, _ in pairs}
    assert found == expected
    for i, j, s in pairs:  # every reported similarity is the true Jaccard, not the MinHash estimate
        assert s == brute[(i, j)]
    assert checked >= len(pairs)


def test_planted_near_duplicate_found_with_exact_jaccard(stories):
    docs = [tokenize(t) for t in stories[:30]]
    planted = list(docs[7])
    planted[len(planted) // 2] = "qqqq"  # one word changed: drops at most 5 of the shingles
    docs.append(planted)
    want = jaccard(shingles(docs[7]), shingles(planted))
    assert 0.9 < want < 1
    r = near_duplicate_rate(docs, threshold=0.8, ids=[f"d{i}" for i in range(len(docs))],
                            texts=[" ".join(d) for d in docs], random_state=0)
    assert r.value == pytest.approx(1 / len(docs))  # only the planted copy; unrelated stories are not paired
    top = r.details["largest_clusters"][0]
    assert top["size"] == 2 and {m["id"] for m in top["members"]} == {"d7", "d30"}
    assert top["pairs"][0]["similarity"] == pytest.approx(want, abs=1e-4)
    assert r.details["cluster_sizes"] == {"2": 1}


def test_near_rate_rises_with_duplication_and_ignores_order(stories):
    docs = [tokenize(t) for t in stories[:40]]
    base = near_duplicate_rate(docs, random_state=3).value
    more = near_duplicate_rate(docs + docs[:10], random_state=3).value
    assert more > base
    perm = np.random.default_rng(1).permutation(len(docs))
    assert near_duplicate_rate([docs[i] for i in perm], random_state=3).value == base


def test_near_rate_threshold_option_changes_result(stories):
    rng = np.random.default_rng(2)
    docs = [tokenize(t) for t in stories[:10]]
    docs.append(_edit(docs[0], 12, rng))  # Jaccard around 0.5-0.7
    j = jaccard(shingles(docs[0]), shingles(docs[-1]))
    assert near_duplicate_rate(docs, threshold=min(0.95, j + 0.05), random_state=0).value == 0
    assert near_duplicate_rate(docs, threshold=j - 0.05, random_state=0).value == pytest.approx(1 / 11)


def test_near_rate_empty_raises():
    with pytest.raises(ValueError, match="empty"):
        near_duplicate_rate([])


# --- semantic ------------------------------------------------------------------------------------------
def _vectors(n, d, rng):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_semantic_pairs_match_brute_force():
    rng = np.random.default_rng(0)
    x = _vectors(200, 16, rng)
    noisy = x[:30] + 0.08 * rng.standard_normal((30, 16)).astype(np.float32)
    x = np.vstack([x, noisy / np.linalg.norm(noisy, axis=1, keepdims=True)])
    sim = x @ x.T
    expected = {(i, j) for i, j in zip(*np.nonzero(np.triu(sim, 1) >= 0.95))}
    pairs = semantic_duplicate_pairs(x, threshold=0.95)
    assert {(i, j) for i, j, _ in pairs} == expected and expected
    for i, j, s in pairs:
        assert s == pytest.approx(sim[i, j], abs=1e-5)


def test_semantic_rate_counts_cluster_beyond_first():
    rng = np.random.default_rng(1)
    x = _vectors(50, 32, rng)
    x = np.vstack([x, x[[4, 4]]])  # two more copies of doc 4: one cluster of 3
    r = semantic_duplicate_rate(x, ids=[str(i) for i in range(52)], texts=[f"t{i}" for i in range(52)])
    assert r.value == pytest.approx(2 / 52)
    assert r.details["largest_clusters"][0]["size"] == 3
    perm = rng.permutation(52)
    assert semantic_duplicate_rate(x[perm]).value == r.value


def test_semantic_rate_rejects_nan_and_empty():
    x = np.ones((3, 4), dtype=np.float32)
    x[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        semantic_duplicate_rate(x)
    with pytest.raises(ValueError, match="non-empty"):
        semantic_duplicate_rate(np.zeros((0, 4), dtype=np.float32))


@pytest.mark.parametrize("block", [1, 7, 64, 1024])
def test_semantic_pairs_equal_the_triu_mask_formulation(monkeypatch, block):
    """Each block's pairs i < j are its mask's nonzeros filtered to column > row: the same list (order,
    indices and cosines) as np.nonzero(np.triu(mask, 1)), blocks of any size, thresholds low and high."""
    import metrics.duplication_semantic as ds

    rng = np.random.default_rng(5)
    x = _vectors(150, 8, rng)
    x = np.vstack([x, x[:20], x[40:45]])  # exact copies: cosine 1 off the diagonal
    monkeypatch.setattr(ds, "_BLOCK", block)
    for thr in (-1.0, 0.0, 0.5, 0.95, 1.0):
        want = []
        cut = thr - 1e-6
        for a in range(0, len(x), block):
            scores = x[a:a + block] @ x[a:].T
            r, c = np.nonzero(np.triu(scores >= cut, k=1))
            want.extend(zip((r + a).tolist(), (c + a).tolist(), np.minimum(scores[r, c], 1.0).tolist()))
        got = semantic_duplicate_pairs(x, threshold=thr)
        assert got == want and all(type(s) is float for _, _, s in got)
