"""metrics.diversity_semantic: input checks, the content-keyed sample, Vendi's and the mean cosine's
jackknife CIs, cluster fitting and the cluster entropy, each against a brute-force or hand computation."""
import math

import numpy as np
import pytest
from vendi_score import vendi

from metrics.diversity_semantic import (assign_clusters, cluster_entropy, fit_clusters, mean_pairwise_cosine,
                                        row_order, vendi_score, vendi_score_kernel)


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("bad, msg", [
    (np.zeros(4), r"non-empty 2-D array, got shape \(4,\)"),
    (np.zeros((0, 3)), r"non-empty 2-D array, got shape \(0, 3\)"),
    (np.array([[1.0, np.nan]]), "contain NaN or infinite values"),
    (np.zeros((3, 2)), "are all zero"),
])
def test_bad_embeddings_say_what_is_wrong(bad, msg):
    with pytest.raises(ValueError, match=msg):
        vendi_score(bad)
    with pytest.raises(ValueError, match="^embeddings "):
        mean_pairwise_cosine(bad)


def test_zero_rows_are_left_out_with_a_warning():
    x = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    r = mean_pairwise_cosine(x)
    assert r.value == 0.0 and r.n == 2 and r.warnings == ["2 all-zero embedding rows left out"]
    v = vendi_score(x)
    assert v.value == pytest.approx(2.0) and v.n == 2 and v.warnings == ["2 all-zero embedding rows left out"]
    assert mean_pairwise_cosine(x[[0, 2]]).warnings == []


def test_mean_pairwise_cosine_needs_two_documents():
    with pytest.raises(ValueError, match="^mean pairwise cosine needs at least two documents$"):
        mean_pairwise_cosine(np.array([[1.0, 2.0]]))
    r = mean_pairwise_cosine(np.array([[1.0, 0.0], [1.0, 1.0]]))
    assert r.value == pytest.approx(math.sqrt(0.5)) and r.n == 2 and r.ci is None  # < 20 docs: no CI


def jackknife_reference(stat, n, random_state):
    """Delete-a-group jackknife over 10 groups of a seeded permutation, written out."""
    g = np.random.default_rng(random_state).permutation(n) % 10
    loo = [stat(np.flatnonzero(g != j)) for j in range(10)]
    se = math.sqrt(9 / 10 * sum((v - np.mean(loo)) ** 2 for v in loo))
    full = stat(np.arange(n))
    return full - 1.96 * se, full + 1.96 * se


def test_mean_pairwise_cosine_ci_is_the_brute_force_jackknife():
    x = np.random.default_rng(4).standard_normal((40, 5)) + 0.3
    s = unit(x) @ unit(x).T

    def brute(ix):
        sub = s[np.ix_(ix, ix)]
        return (sub.sum() - np.trace(sub)) / (len(ix) * (len(ix) - 1))

    r = mean_pairwise_cosine(x, random_state=7)
    assert r.value == pytest.approx(brute(np.arange(40)))
    assert r.ci == pytest.approx(jackknife_reference(brute, 40, 7))
    assert r.n == 40 and r.warnings == []


def test_row_order_is_keyed_on_content_and_seeded():
    x = np.random.default_rng(5).standard_normal((30, 3))
    p = np.random.default_rng(6).permutation(30)
    o = row_order(x, 1)
    assert sorted(o) == list(range(30))
    assert np.array_equal(x[o], x[p][row_order(x[p], 1)])  # shuffling the rows changes nothing
    assert not np.array_equal(o, row_order(x, 2))  # another seed, another order
    assert np.array_equal(o, row_order(x, 1))


def test_vendi_sample_is_the_head_of_the_seeded_order():
    x = unit(np.random.default_rng(7).standard_normal((50, 6)))
    r = vendi_score(x, sample_size=30, random_state=3)
    head = x[row_order(x, 3)[:30]]
    assert r.n == 30 and r.sampled is True and r.details == {"dim": 6}
    assert r.value == pytest.approx(vendi.score_X(head), rel=1e-9)
    full = vendi_score(x, random_state=3)
    assert full.n == 50 and full.sampled is False and full.value == pytest.approx(vendi.score_X(x), rel=1e-9)


def entropy_exp(eig):
    p = np.clip(eig, 0, None) / np.clip(eig, 0, None).sum()
    p = p[p > 0]
    return math.exp(-(p * np.log(p)).sum())


def test_vendi_ci_is_the_first_order_group_jackknife():
    # groups: position in the seeded content order modulo 10; each left-out group's eigenvalues to first
    # order, v_i' (X'X - X_g'X_g) v_i, written here with the full matrix product
    x = unit(np.random.default_rng(8).standard_normal((40, 4)))
    r = vendi_score(x, random_state=2)
    xs = x[row_order(x, 2)]
    lam, vecs = np.linalg.eigh(xs.T @ xs)
    loo = []
    for j in range(10):
        xg = xs[np.arange(40) % 10 == j]
        loo.append(entropy_exp(np.diag(vecs.T @ (xs.T @ xs - xg.T @ xg) @ vecs)))
    se = math.sqrt(9 / 10 * sum((v - np.mean(loo)) ** 2 for v in loo))
    assert r.value == pytest.approx(entropy_exp(lam))
    assert r.ci == pytest.approx((r.value - 1.96 * se, r.value + 1.96 * se))
    assert vendi_score(x[:19]).ci is None and vendi_score(x[:20]).ci is not None


def test_vendi_kernel_clips_negative_eigenvalues_and_checks_shape():
    # eigenvalues of K/n: 1.5 and -0.5; the negative one is clipped, leaving one effective item
    assert vendi_score_kernel([[1.0, 2.0], [2.0, 1.0]]) == pytest.approx(1.0)
    assert vendi_score_kernel(np.eye(5)) == pytest.approx(5.0)
    for bad in ([1.0, 1.0], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], np.zeros((0, 0))):
        with pytest.raises(ValueError, match="^kernel must be a non-empty square matrix$"):
            vendi_score_kernel(bad)
    with pytest.raises(ValueError, match="^kernel contains NaN or infinite values$"):
        vendi_score_kernel([[1.0, np.inf], [np.inf, 1.0]])


def test_fit_clusters_lowers_k_to_a_fortieth_of_the_sample():
    x = np.random.default_rng(9).standard_normal((400, 5))
    assert fit_clusters([x[:200], x[200:]], k=30, random_state=0).shape == (10, 5)  # 400 // 40
    assert fit_clusters([x], k=30, sample_size=120, random_state=0).shape == (3, 5)  # the sample counts
    assert fit_clusters([x[:41]], k=30, random_state=0).shape == (2, 5)  # at least 2
    assert fit_clusters([x], k=4, random_state=0).shape == (4, 5)  # k itself when smaller
    c = fit_clusters([x], k=4, random_state=0)
    assert np.linalg.norm(c, axis=1) == pytest.approx(np.ones(4))
    with pytest.raises(ValueError, match="need at least 4 documents to fit 2 clusters"):
        fit_clusters([x[:3]], random_state=0)
    assert fit_clusters([x[:4]], random_state=0).shape == (2, 5)


def test_fit_clusters_separates_two_directions():
    rng = np.random.default_rng(10)
    a = np.array([1.0, 0.0, 0.0]) + 0.01 * rng.standard_normal((60, 3))
    b = np.array([0.0, 0.0, 1.0]) + 0.01 * rng.standard_normal((60, 3))
    c = fit_clusters([a, b], k=2, random_state=1)
    assert sorted(np.abs(c).argmax(axis=1).tolist()) == [0, 2]
    assert sorted(assign_clusters(a, c).tolist()) == [int(np.abs(c[:, 0]).argmax())] * 60


def test_assign_clusters_largest_cosine():
    cent = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    x = np.array([[5.0, 1.0], [0.1, 3.0], [-2.0, 1.0], [1.0, 0.9]])
    assert assign_clusters(x, cent).tolist() == [0, 1, 2, 0]


def test_cluster_entropy_hand_computed_with_ci_and_details():
    cent = np.eye(4)
    x = np.vstack([np.eye(4)[[0, 0, 1, 2]]])  # counts 2, 1, 1, 0 over 4 cells
    r = cluster_entropy(x, cent)
    p = np.array([0.5, 0.25, 0.25])
    h = -(p * np.log(p)).sum() + (3 - 1) / (2 * 4)
    var = ((p * np.log(p) ** 2).sum() - ((p * np.log(p)).sum()) ** 2) / 4
    se = math.sqrt(var) / math.log(4)
    assert r.value == pytest.approx(h / math.log(4))
    assert r.ci == pytest.approx((h / math.log(4) - 1.96 * se, h / math.log(4) + 1.96 * se))
    assert r.n == 4 and r.details == {"k": 4, "counts": [2, 1, 1, 0], "occupied": 3}
    one = cluster_entropy(np.tile([1.0, 0.0], (5, 1)), np.eye(2))
    assert one.value == 0.0 and one.ci == (0.0, 0.0)


def test_zero_rows_are_counted_in_the_warning():
    from metrics.diversity_semantic import vendi_score

    x = np.vstack([np.eye(3), np.zeros((2, 3))])
    r = vendi_score(x)
    assert r.value == pytest.approx(3.0)  # three orthogonal unit rows: Vendi = 3
    assert r.warnings == ["2 all-zero embedding rows left out"]


def _row_order_by_definition(x, random_state):
    """The former formula: rows sorted by blake2b(salt + row bytes) then the row bytes, position last."""
    import hashlib

    salt = int(np.random.default_rng(random_state).integers(0, 2**63 - 1)).to_bytes(8, "little")
    rows = np.ascontiguousarray(x, dtype=np.float32)
    keys = [hashlib.blake2b(salt + r.tobytes(), digest_size=8).digest() + r.tobytes() for r in rows]
    return sorted(range(len(keys)), key=keys.__getitem__)


def test_row_order_equals_its_definition_with_duplicate_rows():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((300, 5))
    x[[3, 40, 299]] = x[7]  # equal rows: equal digests, kept in position order
    for seed in (0, 1, 99):
        assert row_order(x, seed).tolist() == _row_order_by_definition(x, seed)
    assert row_order(x[:0], 0).tolist() == [] and row_order(x[:1], 0).tolist() == [0]


def test_row_order_resorts_every_run_of_equal_digests(monkeypatch):
    """A stand-in digest (the row's first float's bytes) makes two runs of two equal digests, each run in
    reverse byte order: both runs are re-sorted by the rows' bytes."""
    import metrics.diversity_semantic as ds

    class FirstFloat:
        def __init__(self, *a, **k):
            self.data = b""

        def copy(self):
            return FirstFloat()

        def update(self, b):
            self.data += bytes(b)

        def digest(self):
            return self.data[:4] + bytes(4)

    x = np.array([[1.0, 9.0], [1.0, 2.0], [3.0, 5.0], [3.0, 4.0]])
    monkeypatch.setattr(ds.hashlib, "blake2b", FirstFloat)
    # digests: 3.0's bytes (00 00 40 40) sort before 1.0's (00 00 80 3f); in each run 4.0 < 5.0 and 2.0 < 9.0
    assert row_order(x, 0).tolist() == [3, 2, 1, 0]
    assert row_order(np.array([[1.0, 2.0], [3.0, 0.0], [1.0, 2.0]]), 0).tolist() == [1, 0, 2]  # equal rows: by position


def _bits(a):
    return np.ascontiguousarray(a, dtype=np.float64).view(np.int64)


@pytest.mark.parametrize("zero_rows", [(), (2, 7)])
def test_unit_corpus_takes_the_rows_unit_rows_would_make_of_the_subset(zero_rows):
    from metrics.diversity_semantic import UnitCorpus, UnitRows, _unit_rows

    rng = np.random.default_rng(5)
    emb = rng.normal(size=(60, 16)).astype(np.float32) * rng.uniform(0.1, 9, size=(60, 1)).astype(np.float32)
    emb[list(zero_rows)] = 0
    uc = UnitCorpus(emb)
    c = fit_clusters([emb], k=2, sample_size=60, random_state=1)
    for rows in (None, np.arange(60), rng.permutation(60)[:25], np.array([7, 3, 7, 2, 59]), np.arange(0, 60, 3)):
        got = uc.take(rows)
        sub = emb if rows is None else emb[rows]
        want, warn = _unit_rows(sub)
        assert isinstance(got, UnitRows) and got.n_input == len(sub)
        assert np.array_equal(_bits(got.rows), _bits(want)) and got.warnings == warn
        # the metrics give the same numbers, bit for bit, from either
        assert vendi_score(got, sample_size=20, random_state=3) == vendi_score(sub, sample_size=20, random_state=3)
        assert mean_pairwise_cosine(got, random_state=4) == mean_pairwise_cosine(sub, random_state=4)
        assert assign_clusters(got, c).tolist() == assign_clusters(sub, c).tolist()
        assert cluster_entropy(got, c) == cluster_entropy(sub, c)
    assert np.array_equal(fit_clusters([uc.take()], k=2, sample_size=60, random_state=1), c)
    # where _unit_rows would raise, the rows themselves go to the metric, which raises as before
    assert uc.take(np.array([], dtype=np.int64)).shape == (0, 16)
    if zero_rows:
        assert uc.take(np.array(zero_rows)).tolist() == [[0.0] * 16] * len(zero_rows)
    bad = emb.copy()
    bad[4, 0] = np.nan
    assert UnitCorpus(bad).take(np.array([1, 2])) is not None and not isinstance(UnitCorpus(bad).take(), UnitRows)
    with pytest.raises(ValueError, match="NaN"):
        vendi_score(UnitCorpus(bad).take(np.array([4, 5])))


def test_the_diversity_family_cuts_subsets_from_the_roots_normalised_rows():
    from audit.context import CorpusData
    from audit.families.diversity import _unit_rows
    from metrics.diversity_semantic import _unit_rows as unit_rows

    rng = np.random.default_rng(6)
    emb = rng.normal(size=(40, 8)).astype(np.float32)
    emb[5] = 0
    root = CorpusData("real", [None] * 40, emb, 40)
    half = root.subset(np.arange(3, 40, 2), "real_a")
    quarter = half.subset(np.array([4, 0, 9, 1]), "q")
    unit = _unit_rows({})
    for c, rows in ((root, None), (half, None), (quarter, None), (half, np.array([2, 1])), (root, np.array([5, 6]))):
        got = unit(c, rows)
        want, warn = unit_rows(c.embeddings if rows is None else c.embeddings[rows])
        assert np.array_equal(_bits(got.rows), _bits(want)) and got.warnings == warn
