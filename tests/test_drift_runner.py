"""Drift runner: identical corpora show no drift; clickbait vs news drifts, and the rows say why."""
import json

import pytest

from audit.families import drift as runner
from tests.conftest import load_texts

DRIFT_ROWS = {"classifier_auc_drift", "mmd_drift", "frechet_distance", "precision_score", "recall_score",
              "coverage_score", "knn_density", "mode_coverage_score", "cluster_js_drift", "unigram_jsd_drift",
              "mauve_score"}


@pytest.fixture(scope="module")
def texts():
    from tests.conftest import CORPORA

    return (load_texts(CORPORA / "clickbait/news.jsonl", 600), load_texts(CORPORA / "clickbait/clickbait.jsonl", 300))


def test_identical_distribution_no_drift(make_ctx, texts):
    news = texts[0]
    out = runner.run(make_ctx(news[:300], news[300:600]))
    rows = {e.name: e for e in out.entries}
    assert set(rows) == DRIFT_ROWS
    assert {e.verdict for e in out.entries} <= {"ok", "info"}, {e.name: e.reason for e in out.entries}
    assert abs(rows["classifier_auc_drift"].value - 0.5) < 0.1
    assert rows["mmd_drift"].p_value > 0.05
    assert rows["mode_coverage_score"].value > 0.9
    assert rows["coverage_score"].value > 0.85
    assert rows["mauve_score"].value > 0.8


def test_clickbait_drifts_and_explains(make_ctx, texts):
    news, click = texts
    ctx = make_ctx(news[:300], click)
    out = runner.run(ctx)
    rows = {e.name: e for e in out.entries}
    assert rows["classifier_auc_drift"].verdict in ("warn", "fail") and rows["classifier_auc_drift"].value > 0.7
    assert rows["mmd_drift"].p_value < 0.05 and rows["mmd_drift"].value > 5 * abs(rows["mmd_drift"].noise_floor)
    assert rows["unigram_jsd_drift"].verdict in ("warn", "fail")
    assert rows["cluster_js_drift"].value > rows["cluster_js_drift"].noise_floor
    assert rows["mode_coverage_score"].value < rows["mode_coverage_score"].noise_floor
    # with bag-of-words fake embeddings and 150 docs a half, MAUVE only moves in the right direction;
    # the real-embedder case is test_mauve_with_a_real_embedder below
    assert rows["mauve_score"].value < rows["mauve_score"].noise_floor
    # explanations: examples with ids and texts, words, topics
    d = rows["classifier_auc_drift"].details
    assert d["most_synthetic"][0]["text"] in click and d["most_real"][0]["text"] in news[:300]
    assert "you" in d["drivers"]["words"]["over_used"]
    assert rows["mmd_drift"].details["synth_excess"][0]["id"]
    topics = ctx.shared["topics"]
    assert len(topics["labels_real"]) == 300 and len(topics["labels_synth"]) == 300
    statuses = {c["status"] for c in topics["clusters"]}
    assert statuses <= {"dropped", "starved", "ok", "inflated", "invented"} and statuses & {"inflated", "invented"}
    assert "labels_real" not in out.sections["topics"]
    assert len(out.sections["words"]["over"]) == 20
    json.dumps([e.to_dict() for e in out.entries])
    json.dumps(out.sections)


def test_runner_is_seeded(make_ctx, texts):
    news, click = texts
    a = runner.run(make_ctx(news[:120], click[:120]))
    b = runner.run(make_ctx(news[:120], click[:120]))
    assert [e.to_dict() for e in a.entries] == [e.to_dict() for e in b.entries]
    assert json.dumps(a.sections) == json.dumps(b.sections)


def test_shuffled_input_same_rows_and_aligned_labels(make_ctx, texts):
    news, click = texts
    a_ctx, b_ctx = make_ctx(news[:150], click[:150]), make_ctx(news[:150], click[:150][::-1])
    a, b = runner.run(a_ctx), runner.run(b_ctx)
    assert [(e.name, e.value) for e in a.entries] == [(e.name, e.value) for e in b.entries]
    la, lb = a_ctx.shared["topics"]["labels_synth"], b_ctx.shared["topics"]["labels_synth"]
    assert la == lb[::-1]  # labels follow the documents, in input order


@pytest.mark.slow
def test_mauve_with_a_real_embedder(make_ctx, texts, static_model):
    news, click = texts
    emb = static_model[0]
    same = {e.name: e for e in runner.run(make_ctx(news[:300], news[300:600], embedder=emb)).entries}
    diff = {e.name: e for e in runner.run(make_ctx(news[:300], click, embedder=emb)).entries}
    assert same["mauve_score"].verdict == "ok" and same["mauve_score"].value > 0.85
    assert diff["mauve_score"].verdict == "fail" and diff["mauve_score"].value < 0.5
