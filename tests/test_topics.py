"""Topic modes: dropped / starved / inflated / invented clusters, mode coverage, cluster JSD."""
import numpy as np
import pytest

from metrics.topics import choose_k, cluster_js, fit_topics, mode_coverage


def blobs(counts, seed=0, d=8):
    rng = np.random.default_rng(seed)
    centres = np.eye(d) * 20
    x = np.vstack([rng.standard_normal((c, d)) + centres[i] for i, c in enumerate(counts)])
    toks = [[f"topic{i}", "common"] for i, c in enumerate(counts) for _ in range(c)]
    return x, toks


def test_choose_k():
    assert choose_k(4) == 2 and choose_k(200) == 10 and choose_k(10**6) == 30


def test_dropped_starved_inflated():
    xr, tr = blobs([100, 100, 100, 0])
    xs, ts = blobs([100, 0, 20, 180], seed=1)
    fit = fit_topics(xr, xs, tr, ts, k=4, random_state=0)
    by_kw = {c["keywords"][0]: c for c in fit.clusters}
    assert by_kw["topic1"]["status"] == "dropped"
    assert by_kw["topic2"]["status"] == "starved"
    assert by_kw["topic3"]["status"] == "invented"
    assert by_kw["topic0"]["status"] == "ok"
    assert len(fit.labels_real) == 300 and len(fit.labels_synth) == 300
    ex = by_kw["topic1"]["examples_real"]
    assert len(ex) == 3 and all(100 <= i < 200 for i in ex)
    mc = mode_coverage(fit)
    assert mc.value == pytest.approx(1 / 3)
    assert {c["status"] for c in mc.details["lost"]} == {"dropped", "starved"}
    assert cluster_js(fit).value > 0.3
    sec = fit.section()
    assert "labels_real" not in sec and len(sec["clusters"]) == 4


def test_identical_corpora_no_lost_modes():
    xr, tr = blobs([120, 80, 60])
    xs, ts = blobs([120, 80, 60], seed=1)
    fit = fit_topics(xr, xs, tr, ts, random_state=0)
    assert mode_coverage(fit).value == 1.0
    assert cluster_js(fit).value < 0.02
    assert all(c["status"] == "ok" for c in fit.clusters)


def test_seeded_and_validated():
    xr, tr = blobs([50, 50])
    xs, ts = blobs([50, 50], seed=1)
    a = fit_topics(xr, xs, tr, ts, random_state=3)
    b = fit_topics(xr, xs, tr, ts, random_state=3)
    assert a.clusters == b.clusters and a.labels_real == b.labels_real
    with pytest.raises(ValueError):
        fit_topics(xr, xs, tr[:-1], ts)
    bad = xr.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        fit_topics(bad, xs, tr, ts)


def test_cluster_keywords_are_the_distinctive_content_words():
    from metrics.topics import cluster_keywords

    docs = [["the", "cat", "purrs"], ["a", "cat", "meows"], ["the", "stock", "market"], ["stock", "prices", "fell"]]
    kw = cluster_keywords(docs, [0, 0, 1, 1], 2, n_keywords=2)
    assert kw[0][0] == "cat" and kw[1][0] == "stock"  # stop words and the other cluster's words rank lower
    assert "the" not in kw[0] + kw[1]
