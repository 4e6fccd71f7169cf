"""DCR and the data-copying test C_T on points small enough to write every distance down.

DCR: unit vectors in 3-D whose cosines to the reference rows are dyadic (exact in float32), so every
distance, the held-out quantile, the binomial p-value and the histogram are computed here by hand.
C_T (Meehan, Chaudhuri & Dasgupta 2020): 1-D points in hand-made cells; the per-cell Mann-Whitney U
is counted pair by pair and z-scored as in the paper's reference code (mean m*n/2 - 0.5, variance
m*n*(m+n+1)/12), the cells weighted by their share of the test sample.
"""
import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from metrics.copying_distance import CopyingCells, copying_cells, data_copying_score, dcr_copy_rate
from metrics.kmeans import import_faiss
from tests.test_copying_units import _wilson

faiss = import_faiss()


def _at(c):
    """A unit vector with cosine ``c`` to (1, 0, 0) and 0 to (0, 1, 0)."""
    return [c, 0.0, math.sqrt(1 - c * c)]


REF = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
HOLD = np.array([_at(c) for c in (0.875, 0.75, 0.625, 0.5, 0.375)], np.float32)  # DCR .125 .25 .375 .5 .625
C5 = 0.123456  # a cosine with more than four decimals
# DCRs: 0 (a copy of r1), .125, .25 (exactly the threshold), 2 (inner product -2, clipped to 2), 1 - C5
SYNTH = np.array([[0, 1, 0], _at(0.875), _at(0.75), [-3, -2, 0], _at(C5)], np.float32)


def _binom_sf(k, n, p):
    """P(X >= k) for X ~ Binomial(n, p), summed term by term."""
    return sum(math.comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(k, n + 1))


def test_dcr_by_hand():
    r = dcr_copy_rate(REF, HOLD, SYNTH, quantile=0.25, bins=3, reference_ids=["r0", "r1"],
                      synth_ids=[f"s{i}" for i in range(5)], reference_texts=["R zero", "R one"],
                      synth_texts=[f"S {i}" for i in range(5)])
    # held-out DCRs .125 .25 .375 .5 .625: the 25% quantile sits at position .25 * 4 = 1, i.e. .25;
    # synthetic docs strictly below it: the copy (0) and .125; the one at exactly .25 is not counted
    d5 = 1 - float(np.float32(C5))
    assert r.value == pytest.approx(2 / 5) and r.n == 5
    assert r.ci == pytest.approx(_wilson(2, 5), abs=1e-9)
    assert r.p_value == pytest.approx(_binom_sf(2, 5, 0.25), rel=1e-12) == pytest.approx(0.3671875)
    d = r.details
    assert (d["quantile"], d["threshold"], d["close_docs"], d["expected_if_no_copying"]) == (0.25, 0.25, 2, 0.25)
    assert d["median_dcr"] == {"synth": 0.25, "holdout": 0.375}
    assert (d["n_reference"], d["n_holdout"]) == (2, 5)
    # shared bins up to the 99% quantile of all ten DCRs: sorted, position .99 * 9 = 8.91 between 1 - C5 and 2
    top = d5 + 0.91 * (2 - d5)
    h = d["histogram"]
    assert h["edges"] == pytest.approx([round(top * i / 3, 5) for i in range(4)], abs=1e-9)
    assert h["synth"] == [3, 1, 1]  # 0 .125 .25 | 1 - C5 | 2 (above the top: kept in the last bin)
    assert h["holdout"] == [5, 0, 0] and h["last_bin_includes_above"] is True
    # closest first, each with its nearest reference row
    assert d["examples"] == [
        {"kind": "dcr", "synth_id": "s0", "real_id": "r1", "synth_text": "S 0", "real_text": "R one",
         "similarity": 1.0, "distance": 0.0},
        {"kind": "dcr", "synth_id": "s1", "real_id": "r0", "synth_text": "S 1", "real_text": "R zero",
         "similarity": 0.875, "distance": 0.125},
        {"kind": "dcr", "synth_id": "s2", "real_id": "r0", "synth_text": "S 2", "real_text": "R zero",
         "similarity": 0.75, "distance": 0.25},
        {"kind": "dcr", "synth_id": "s4", "real_id": "r0", "synth_text": "S 4", "real_text": "R zero",
         "similarity": 0.1235, "distance": 0.8765},
        {"kind": "dcr", "synth_id": "s3", "real_id": "r1", "synth_text": "S 3", "real_text": "R one",
         "similarity": -2.0, "distance": 2.0},
    ]


def test_dcr_examples_without_ids_and_their_cap():
    r = dcr_copy_rate(REF, HOLD, SYNTH, quantile=0.25, max_examples=2)
    assert r.details["examples"] == [
        {"kind": "dcr", "synth_id": "0", "real_id": "1", "synth_text": None, "real_text": None,
         "similarity": 1.0, "distance": 0.0},
        {"kind": "dcr", "synth_id": "1", "real_id": "0", "synth_text": None, "real_text": None,
         "similarity": 0.875, "distance": 0.125},
    ]
    many = np.repeat(SYNTH, 3, axis=0)  # 15 docs: ten examples by default
    assert len(dcr_copy_rate(REF, HOLD, many).details["examples"]) == 10


def test_dcr_with_copies_inside_the_holdout_counts_exact_hits_only():
    # two held-out docs repeat a reference doc: DCRs 0, 0, .5 and a 25% quantile of 0
    hold = np.array([[1, 0, 0], [1, 0, 0], _at(0.5)], np.float32)
    synth = np.array([[0, 1, 0], _at(0.875)], np.float32)  # DCR 0 and .125
    r = dcr_copy_rate(REF, hold, synth, quantile=0.25, bins=2)
    assert r.details["threshold"] == 0.0 and r.details["close_docs"] == 1 and r.value == 0.5
    assert r.p_value == pytest.approx(_binom_sf(1, 2, 0.25))
    # 99% quantile of 0 0 0 .125 .5: position 3.96
    top = 0.125 + 0.96 * 0.375
    assert r.details["histogram"]["edges"] == pytest.approx([0.0, round(top / 2, 5), round(top, 5)], abs=1e-9)
    assert r.details["histogram"]["synth"] == [2, 0] and r.details["histogram"]["holdout"] == [2, 1]


def test_dcr_uses_the_holdout_search_it_is_given():
    # a caller's precomputed holdout search (cosines .5 everywhere, DCR .5) decides the threshold
    given = (np.full(5, 0.5, np.float32), np.zeros(5, np.int64))
    r = dcr_copy_rate(REF, HOLD, SYNTH, quantile=0.25, holdout_nearest=given)
    assert r.details["threshold"] == 0.5 and r.details["close_docs"] == 3


def test_dcr_rejects_a_quantile_outside_the_open_interval_and_names_bad_input():
    for q in (0, 1, 1.5):
        with pytest.raises(ValueError, match=rf"^dcr_copy_rate: quantile must be in \(0, 1\), got {q}$"):
            dcr_copy_rate(REF, HOLD, SYNTH, quantile=q)
    bad = REF.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="^dcr_copy_rate reference: embeddings contain NaN"):
        dcr_copy_rate(bad, HOLD, SYNTH)


# --- C_T ----------------------------------------------------------------------------------------------
CENTRES = np.array([[0], [100], [200], [300], [400]], np.float32)
TRAIN = np.array([[0], [10], [200], [205], [300], [400]], float)  # cell 1 has no training point
TRAIN_CELLS = np.array([0, 0, 2, 2, 3, 4])
TEST = np.array([[1], [4], [8], [95], [210], [199], [307]], float)  # cell 4 has no test point
GEN = np.array([[0.5], [3], [9], [5], [6], [201], [301], [302], [303], [304], [401], [402], [403]], float)


def _cells():
    index = faiss.IndexFlatL2(1)
    index.add(CENTRES)
    return CopyingCells(5, SimpleNamespace(index=index), TRAIN_CELLS)


def _u(lq, lp):
    """Mann-Whitney U of the generated sample: pairs with the generated distance larger, ties half."""
    return sum((a > b) + 0.5 * (a == b) for a in lq for b in lp)


def _nn(train, x):
    return np.array([min(abs(a - b) for b in train) for a in x])


def _z(lq, lp):
    m, n = len(lq), len(lp)
    return (_u(lq, lp) - (m * n / 2 - 0.5)) / math.sqrt(m * n * (m + n + 1) / 12)


def test_c_t_by_hand():
    r = data_copying_score(TRAIN, TEST, GEN, min_generated=3, cells=_cells())
    # cell 0: generated distances .5 3 1 5 4 against test distances 1 4 2 -> U = 0 + 2 + .5 + 3 + 2.5 = 8
    lq0, lp0 = _nn([0, 10], [0.5, 3, 9, 5, 6]), _nn([0, 10], [1, 4, 8])
    assert list(lq0) == [0.5, 3, 1, 5, 4] and list(lp0) == [1, 4, 2]
    assert _u(lq0, lp0) == 8 == mannwhitneyu(lq0, lp0).statistic
    z0 = (8 - (15 / 2 - 0.5)) / math.sqrt(15 * 9 / 12)
    assert _z(lq0, lp0) == pytest.approx(z0)
    # cell 3: generated 1 2 3 4, test 7 -> U = 0, m = 4, n = 1
    z3 = (0 - (4 / 2 - 0.5)) / math.sqrt(4 * 6 / 12)
    assert _z(_nn([300], [301, 302, 303, 304]), _nn([300], [307])) == pytest.approx(z3)
    # cell 2 has one generated point (< 3): listed, not used; weights: test shares 3/7 and 1/7
    value = (3 / 7 * z0 + 1 / 7 * z3) / (4 / 7)
    sd = math.sqrt((3 / 7) ** 2 + (1 / 7) ** 2) / (4 / 7)
    assert value == pytest.approx(-0.0416, abs=1e-4)
    assert r.value == pytest.approx(value, abs=1e-9) and r.n == 13
    assert r.p_value == pytest.approx(0.5 * math.erfc(-value / sd / math.sqrt(2)), abs=1e-9)
    assert r.details == {
        "n_cells": 5, "cells_used": 2, "min_generated": 3, "n_train": 6, "n_test": 7,
        "cells": [
            {"cell": 0, "train": 2, "test": 3, "generated": 5, "test_share": 3 / 7, "z": pytest.approx(z0)},
            {"cell": 2, "train": 2, "test": 2, "generated": 1, "test_share": 2 / 7, "z": None},
            {"cell": 3, "train": 1, "test": 1, "generated": 4, "test_share": 1 / 7, "z": pytest.approx(z3)},
        ]}
    assert r.warnings == ["cell 1 has no training or no test (held-out) points; left out",
                          "cell 4 has no training or no test (held-out) points; left out"]


def test_c_t_copies_are_negative_and_a_cell_needs_min_generated_points():
    # generated points on the training points: every generated distance 0 < every test distance
    gen = np.array([[0], [10], [0], [10], [300], [300], [300]], float)
    r = data_copying_score(TRAIN, TEST, gen, min_generated=3, cells=_cells())
    z0 = _z([0] * 4, [1, 4, 2])
    z3 = _z([0] * 3, [7])
    assert z0 < 0 and z3 < 0
    assert r.value == pytest.approx((3 * z0 + z3) / 4) and r.p_value < 0.5
    # with 4 required, cell 3 (3 generated points) drops out and cell 0 alone is C_T
    r4 = data_copying_score(TRAIN, TEST, gen, min_generated=4, cells=_cells())
    assert r4.value == pytest.approx(z0) and r4.details["cells_used"] == 1
    assert r4.p_value == pytest.approx(0.5 * math.erfc(-z0 / math.sqrt(2)))


def test_c_t_without_enough_generated_points_is_missing_with_the_cells_listed():
    r = data_copying_score(TRAIN, TEST, GEN, min_generated=50, cells=_cells())
    assert r.value is None and r.n == 13 and r.p_value is None
    assert [c["cell"] for c in r.details["cells"]] == [0, 2, 3] and list(r.details) == ["cells"]
    assert r.warnings[-1] == "no cell has 50 generated points"


def test_c_t_defaults_ten_cells_and_twenty_generated_points():
    rng = np.random.default_rng(0)
    train, test, gen = (rng.normal(size=(400, 2)) for _ in range(3))
    d = data_copying_score(train, test, gen, random_state=0).details
    assert (d["n_cells"], d["min_generated"]) == (10, 20)
    assert all((c["z"] is None) == (c["generated"] < 20) for c in d["cells"])
    few = data_copying_score(train, test, gen[:19], random_state=0)
    assert few.value is None and few.warnings[-1] == "no cell has 20 generated points"


def test_copying_cells_count_and_centroids():
    rng = np.random.default_rng(1)
    assert copying_cells(rng.normal(size=(30, 2)), random_state=0).k == 10
    assert copying_cells(rng.normal(size=(5, 2)), random_state=0).k == 2  # at most n // 2
    assert copying_cells(rng.normal(size=(3, 2)), random_state=0).k == 1
    assert copying_cells(rng.normal(size=(1, 2)), random_state=0).k == 1
    # k-means on every training point (no subsample): each centroid is the mean of its cell's rows
    blobs = np.vstack([rng.normal(-20, 1, (600, 2)), rng.normal(20, 1, (600, 2))])
    c = copying_cells(blobs, n_cells=2, random_state=0)
    assert sorted(np.bincount(c.train_labels).tolist()) == [600, 600]
    assert len(set(c.train_labels[:600])) == 1 and len(set(c.train_labels[600:])) == 1
    for j in range(2):
        assert c.kmeans.centroids[j] == pytest.approx(blobs[c.train_labels == j].mean(axis=0), abs=1e-3)


def test_c_t_errors_name_their_input():
    ok = np.zeros((4, 2))
    bad = ok.copy()
    bad[1, 1] = np.nan
    for args, name in (((bad, ok, ok), "train"), ((ok, bad, ok), "test"), ((ok, ok, bad), "generated")):
        with pytest.raises(ValueError, match=f"^data_copying_score {name}: embeddings contain NaN"):
            data_copying_score(*args)
    with pytest.raises(ValueError, match="^data_copying_score train: embeddings contain NaN"):
        copying_cells(bad)
    with pytest.raises(ValueError, match="^data_copying_score: embedding dimensions differ$"):
        data_copying_score(ok, ok, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="^data_copying_score: cells were fitted on another training sample$"):
        data_copying_score(TRAIN[:5], TEST, GEN, cells=_cells())


def test_dcr_of_an_unnormalised_opposite_vector_is_two():
    # inner products -3 and -2 with the reference rows: 1 - (-2) = 3, clipped to the cosine range's 2
    far = np.array([[-3, -2, 0]], np.float32)
    r = dcr_copy_rate(REF, far, far)
    assert r.details["median_dcr"] == {"synth": 2.0, "holdout": 2.0} and r.details["threshold"] == 2.0
