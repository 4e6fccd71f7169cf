"""Topic rows (modes kept, mix divergence) need support before a verdict, and their divergence a test.

A new-user trial: two disjoint 20-headline slices of real news failed "Topic mix divergence" (0.151 vs a
real-vs-real 0.000), every cluster's q-value 0.24 or more. The rows now need MIN_DOCS_PER_TOPIC (10)
documents per topic in each real half and in the synthetic sample, at k >= 2; a real-halves fit that
collapses to one topic is no noise floor; and the divergence carries a permutation p-value.
"""
import numpy as np
import pytest

from audit.embed import HashEmbedder
from audit.families import drift as runner
from metrics.topics import MIN_DOCS_PER_TOPIC, TopicFit, cluster_js, supported_k
from tests.conftest import CORPORA, load_texts

TOPIC_ROWS = ("mode_coverage_score", "cluster_js_drift")


@pytest.fixture(scope="module")
def news():
    return load_texts(CORPORA / "clickbait/news_mixed.jsonl", 400)


def _rows(out):
    return {e.name: e for e in out.entries if e.name in TOPIC_ROWS}


def test_twenty_real_headlines_a_side_have_no_topic_verdict(make_ctx, news):
    # 20 real documents split into halves of 10: 10 // 10 = 1 topic supported, fewer than the 2 a topic mix
    # needs, so neither row may pass or fail (before: a k = 4 fit, 2.5 documents a topic in each half)
    rows = _rows(runner.run(make_ctx(news[:20], news[20:40])))
    for e in rows.values():
        assert e.verdict == "insufficient", (e.name, e.reason)
        assert "10 and 10 real documents in the two halves, 20 synthetic" in e.reason
        assert "needs 20 in each" in e.reason
        assert e.value is None and e.noise_floor is None and e.p_value is None


def test_fifty_real_headlines_a_side_get_two_topics_and_pass(make_ctx, news):
    # halves of 25: 25 // 10 = 2 topics (the default would be round(sqrt(100 / 2)) = 7, 3.6 a topic a half)
    ctx = make_ctx(news[:50], news[50:100])
    rows = _rows(runner.run(ctx))
    assert ctx.shared["topics"]["k"] == 2
    for e in rows.values():
        assert e.verdict == "ok", (e.name, e.reason)
    assert rows["cluster_js_drift"].p_value is not None


def test_a_collapsed_real_halves_fit_is_no_noise_floor(make_ctx, news):
    # every real document the same headline: the halves' fit puts all 60 of them in one topic, so its
    # real-vs-real values (divergence 0, every mode kept) describe the collapse, not the corpus's noise
    rows = _rows(runner.run(make_ctx([news[0]] * 60, news[100:160])))
    for e in rows.values():
        assert e.verdict == "insufficient", (e.name, e.reason)
        assert "real halves' topic fit put them all in 1 topic" in e.reason


class _ApartEmbedder:
    """Hash embeddings, the second corpus encoded moved far along an axis of its own: two corpora with no
    topic in common, whatever the texts."""

    def __init__(self):
        self.calls = 0

    def encode(self, texts):
        x = HashEmbedder().encode(texts)
        x = np.hstack([x, np.full((len(x), 1), 5.0 * self.calls, dtype=x.dtype)])
        self.calls += 1
        return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_clear_drift_at_adequate_size_still_flags(make_ctx, news):
    ctx = make_ctx(news[:200], news[200:400], embedder=_ApartEmbedder())
    rows = _rows(runner.run(ctx))
    # halves of 100: 100 // 10 = 10 topics, below the default round(sqrt(400 / 2)) = 14
    assert ctx.shared["topics"]["k"] == 10
    js, modes = rows["cluster_js_drift"], rows["mode_coverage_score"]
    # no topic shared: JS near 1, every real mode dropped; the halves, one corpus, share theirs
    assert js.verdict == "fail" and js.value > 0.9 and js.noise_floor < 0.1, js.reason
    assert js.p_value == pytest.approx(1 / 1000)  # no draw of 999 reaches it: the smallest p there is
    assert modes.verdict == "fail" and modes.value < 0.1, modes.reason


def test_news_vs_clickbait_topic_mix_is_significant(make_ctx, news):
    click = load_texts(CORPORA / "clickbait/clickbait.jsonl", 300)
    ctx = make_ctx(news[:300], click)
    js = _rows(runner.run(ctx))["cluster_js_drift"]
    # halves of 150: 150 // 10 = 15 topics, below the default round(sqrt(600 / 2)) = 17
    assert ctx.shared["topics"]["k"] == 15
    # bag-of-words hash embeddings see little of the topic shift (a JS of ~0.06), but it is beyond chance
    assert js.value > js.noise_floor and js.p_value < 0.01


def test_a_k_option_past_the_support_is_insufficient(make_ctx, news):
    # topics_k = 8 with halves of 30: 30 / 8 = 3.75 documents per topic, below 10
    rows = _rows(runner.run(make_ctx(news[:60], news[60:120], topics_k=8)))
    for e in rows.values():
        assert e.verdict == "insufficient" and "too few documents for 8 topics" in e.reason
        assert "3.8 per topic" in e.reason


def test_supported_k_is_ten_documents_a_topic():
    assert MIN_DOCS_PER_TOPIC == 10
    assert [supported_k(n) for n in (9, 10, 19, 20, 25, 150, 1500)] == [0, 1, 1, 2, 2, 15, 150]


def _fit(real_counts, synth_counts):
    k = len(real_counts)
    lr = [c for c in range(k) for _ in range(real_counts[c])]
    ls = [c for c in range(k) for _ in range(synth_counts[c])]
    nr, ns = len(lr), len(ls)
    clusters = [{"id": c, "status": "ok", "real_count": real_counts[c], "synth_count": synth_counts[c],
                 "real_share": real_counts[c] / nr, "synth_share": synth_counts[c] / ns, "keywords": [],
                 "q_value": 1.0} for c in range(k)]
    return TopicFit(k=k, labels_real=lr, labels_synth=ls, clusters=clusters)


def test_cluster_js_permutation_p_value_by_hand():
    # 2 real documents in cluster 0, 2 synthetic in cluster 1: JS = 1. Dealing the 4 documents' sides at
    # random, the real pair is {0, 0} or {1, 1} in 2 of C(4, 2) = 6 ways (JS = 1), else one each (JS = 0):
    # P(JS >= 1) = 1/3, so p = (1 + ~333) / 1000
    r = cluster_js(_fit([2, 0], [0, 2]), random_state=0)
    assert r.value == pytest.approx(1.0)
    assert 0.29 < r.p_value < 0.38
    # 50 and 50 in disjoint clusters: one way in C(100, 50) ~ 1e29; no draw reaches it
    assert cluster_js(_fit([50, 0], [0, 50]), random_state=0).p_value == pytest.approx(1 / 1000)
    # the same mix on both sides: every draw is at least as far apart
    assert cluster_js(_fit([5, 5], [5, 5]), random_state=0).p_value == 1.0
    assert cluster_js(_fit([2, 0], [0, 2]), n_perm=0).p_value is None


def test_cluster_js_p_value_is_seeded():
    fit = _fit([7, 3, 5], [4, 6, 5])
    assert cluster_js(fit, random_state=3).p_value == cluster_js(fit, random_state=3).p_value


def test_a_divergence_past_a_threshold_without_a_significant_test_is_ok():
    # 20 + 20 documents in 2 topics: real 12/8, synthetic 6/14. JS of (0.6, 0.4) and (0.3, 0.7) =
    # 0.5·(0.6·log2(0.6/0.45) + 0.4·log2(0.4/0.55)) + 0.5·(0.3·log2(0.3/0.45) + 0.7·log2(0.7/0.55)) = 0.067,
    # past the warn threshold 0.05 with a floor of 0 (halves 6/4 and 6/4). But the 2 × 2 table is no
    # evidence: chi-square 40·(12·14 - 8·6)² / (20·20·18·22) = 3.6, p = 0.06 (Fisher's two-sided 0.11)
    fit, floor = _fit([12, 8], [6, 14]), _fit([6, 4], [6, 4])
    js = dict((e.name, e) for e in runner._topic_rows(fit, floor, None, [], 0))["cluster_js_drift"]
    assert js.value == pytest.approx(0.0667, abs=5e-4) and js.noise_floor == 0.0
    assert 0.05 < js.p_value < 0.2
    assert js.verdict == "ok" and "not significant" in js.reason
