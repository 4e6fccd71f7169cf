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


# --- by hand: k, keywords, statuses, p/q values, coverage and JSD on fits written out -------------------

from metrics.topics import TopicFit, _content, _keywords  # noqa: E402


def test_choose_k_rounds_the_square_root_of_half_and_clamps():
    assert [choose_k(n) for n in (2, 8, 50, 60, 61, 1800, 1801)] == [2, 2, 5, 5, 6, 30, 30]
    assert choose_k(18) == 3 and choose_k(1800, k_max=10) == 10 and choose_k(200, k_max=11) == 10


def test_content_words_rule_and_stop_words():
    toks = ["the", "cat", "a1", "2024", "x", "ok", "--", "Cat"]
    assert _content(toks) == ["cat", "a1", "ok", "Cat"]  # letters, not English stop words, 2+ characters
    assert _content(toks, stop_words={"cat"}) == ["the", "a1", "ok", "Cat"]
    assert _content(["be", "of"], stop_words=set()) == ["be", "of"]


def test_keywords_are_c_tf_idf_by_hand():
    from collections import Counter

    bags = [Counter({"cat": 3, "dog": 1}), Counter({"dog": 2, "fish": 2}), Counter()]
    a = (4 + 4 + 0) / 3
    score = {("cat", 0): 3 / 4 * np.log1p(a / 3), ("dog", 0): 1 / 4 * np.log1p(a / 3),
             ("dog", 1): 2 / 4 * np.log1p(a / 3), ("fish", 1): 2 / 4 * np.log1p(a / 2)}
    assert score[("fish", 1)] > score[("dog", 1)]
    assert _keywords(bags, 2) == [["cat", "dog"], ["fish", "dog"], []]
    assert _keywords(bags, 1) == [["cat"], ["fish"], []]
    assert _keywords([Counter({"b": 1, "a": 1})], 2) == [["b", "a"]]  # equal scores: the later word first
    assert _keywords([], 3) == []


def test_cluster_keywords_use_the_given_stop_words():
    from metrics.topics import cluster_keywords

    docs = [["der", "der", "hund", "bellt"], ["der", "hund", "schläft"], ["die", "katze"]]
    kw = cluster_keywords(docs, [1, 1, 0], 2, n_keywords=1, stop_words={"der", "die"})
    assert kw == [["katze"], ["hund"]]
    assert cluster_keywords(docs, [1, 1, 0], 2, n_keywords=1)[1] == ["der"]  # not an English stop word
    assert cluster_keywords(docs, [1, 1, 0], 2)[1] == ["der", "hund", "schläft", "bellt"]  # up to 5 by default
    six = [[f"w{i}" for i in range(7)]]
    assert len(cluster_keywords(six, [0], 1)[0]) == 5


def fit_of(clusters, n_real=10, n_synth=10, k=None):
    return TopicFit(k=k or len(clusters), labels_real=[0] * n_real, labels_synth=[0] * n_synth, clusters=clusters)


def cl(i, status, rs, ss):
    return {"id": i, "status": status, "real_share": rs, "synth_share": ss, "keywords": [f"k{i}"],
            "q_value": 0.01, "p_value": 0.01, "real_count": 0, "synth_count": 0}


def test_mode_coverage_subtracts_dropped_and_starved_real_mass():
    fit = fit_of([cl(0, "ok", 0.3, 0.5), cl(1, "dropped", 0.2, 0.0), cl(2, "starved", 0.4, 0.1),
                  cl(3, "inflated", 0.1, 0.4)], n_real=8, n_synth=12)
    m = mode_coverage(fit)
    assert m.value == pytest.approx(0.4) and m.n == 8
    assert [c["id"] for c in m.details["lost"]] == [2, 1] and m.details["k"] == 4  # largest real share first
    assert m.details["lost"][0] == {"id": 2, "status": "starved", "real_share": 0.4, "synth_share": 0.1,
                                    "keywords": ["k2"], "q_value": 0.01}
    many = fit_of([cl(i, "dropped", 0.1 + i / 1000, 0.0) for i in range(12)])
    lost = mode_coverage(many)
    assert lost.value == 0.0 and len(lost.details["lost"]) == 10 and lost.details["lost"][0]["id"] == 11


def test_mode_coverage_p_value_is_the_smallest_q_of_a_lost_cluster():
    def q(c, v):
        return {**c, "q_value": v}

    fit = fit_of([q(cl(0, "ok", 0.3, 0.5), 0.001), q(cl(1, "dropped", 0.2, 0.0), 0.04),
                  q(cl(2, "starved", 0.4, 0.1), 0.02), q(cl(3, "inflated", 0.1, 0.4), 0.0001)])
    assert mode_coverage(fit).p_value == 0.02  # of the lost ones only: an ok or inflated cluster is no loss
    assert mode_coverage(fit_of([q(cl(0, "ok", 0.5, 0.5), 0.5), q(cl(1, "inflated", 0.5, 0.5), 0.001)])).p_value \
        is None  # nothing lost: nothing to test


def test_cluster_js_against_scipy_and_the_shifted_list():
    from scipy.spatial.distance import jensenshannon

    p, q = [0.5, 0.5, 0.0, 0.0], [0.25, 0.5, 0.0, 0.25]
    fit = fit_of([cl(i, "ok", a, b) for i, (a, b) in enumerate(zip(p, q))], n_real=4, n_synth=9)
    r = cluster_js(fit)
    assert r.value == pytest.approx(jensenshannon(p, q, base=2) ** 2) and r.n == 4 and r.details["k"] == 4
    shifted = r.details["shifted"]
    assert [s["id"] for s in shifted] == [3, 0]  # clusters 1 and 2 contribute nothing
    m0 = 0.375
    assert shifted[1]["contribution"] == pytest.approx(0.5 * (0.5 * np.log2(0.5 / m0) + 0.25 * np.log2(0.25 / m0)))
    assert cluster_js(fit_of([cl(0, "ok", 1.0, 0.0), cl(1, "ok", 0.0, 1.0)])).value == pytest.approx(1.0)
    wide = fit_of([cl(i, "ok", 1 / 12, (i + 1) / 78) for i in range(12)])
    assert len(cluster_js(wide).details["shifted"]) == 10


def test_fit_topics_statuses_counts_and_tests_against_scipy():
    from scipy.stats import false_discovery_control, fisher_exact

    xr, tr = blobs([60, 60, 60, 0, 20])
    xs, ts = blobs([60, 0, 15, 60, 60], seed=1)
    fit = fit_topics(xr, xs, tr, ts, k=5, random_state=0, n_keywords=1, n_examples=2)
    by = {c["keywords"][0]: c for c in fit.clusters}
    assert {kw: c["status"] for kw, c in by.items()} == {"topic0": "ok", "topic1": "dropped", "topic2": "starved",
                                                         "topic3": "invented", "topic4": "inflated"}
    c2 = by["topic2"]
    assert (c2["real_count"], c2["synth_count"]) == (60, 15)
    assert c2["real_share"] == pytest.approx(60 / 200) and c2["synth_share"] == pytest.approx(15 / 195)
    p = [fisher_exact([[c["real_count"], 200 - c["real_count"]], [c["synth_count"], 195 - c["synth_count"]]])[1]
         for c in fit.clusters]
    assert [c["p_value"] for c in fit.clusters] == pytest.approx(p)
    assert [c["q_value"] for c in fit.clusters] == pytest.approx(false_discovery_control(p, method="bh"))
    ex = by["topic4"]
    assert len(ex["examples_real"]) == 2 and all(180 <= i < 200 for i in ex["examples_real"])
    assert len(ex["examples_synth"]) == 2 and all(135 <= i < 195 for i in ex["examples_synth"])
    assert [c["id"] for c in fit.clusters] == list(range(5)) and fit.k == 5
    assert set(fit.labels_real) | set(fit.labels_synth) == set(range(5))
    assert fit.labels_real[:60] == [by["topic0"]["id"]] * 60


def test_fit_topics_ratio_alpha_and_k():
    xr, tr = blobs([60, 60])
    xs, ts = blobs([60, 35], seed=1)  # topic1 share 0.5 real vs 0.37 synth: within a ratio of 2
    fit = fit_topics(xr, xs, tr, ts, k=2, random_state=0)
    assert {c["status"] for c in fit.clusters} == {"ok"}
    tight = fit_topics(xr, xs, tr, ts, k=2, random_state=0, ratio=1.2, alpha=0.99)
    assert {c["keywords"][0]: c["status"] for c in tight.clusters} == {"topic0": "inflated", "topic1": "starved"}
    strict = fit_topics(xr, xs, tr, ts, k=2, random_state=0, ratio=1.2, alpha=1e-9)
    assert {c["status"] for c in strict.clusters} == {"ok"}  # not significant at that level
    assert fit_topics(xr, xs, tr, ts, random_state=0).k == choose_k(215)
    assert fit_topics(xr[:1], xs[:1], tr[:1], ts[:1], k=5, random_state=0).k == 2  # k <= pooled rows
    with pytest.raises(ValueError, match="row-aligned"):
        fit_topics(xr, xs, tr, ts[:-1])


def test_topic_fit_section_is_json_native():
    fit = TopicFit(k=np.int64(2), labels_real=[0], labels_synth=[1], clusters=[{"share": np.float32(0.5)}])
    sec = fit.section()
    assert sec == {"k": 2, "clusters": [{"share": 0.5}]} and type(sec["k"]) is int
