"""HTML presentation of the verdicts: banner with score, plain words, folded all-ok families, one
duplicate cluster shown once, one meaning of noise."""
import re

from audit.compare import pairwise_entry, per_corpus_entry
from audit.result import AuditResult
from metrics.result import MetricResult
from reports.html import dup_clusters, plain_words, render_html


def R(v, ci=None, n=400, **details):
    return MetricResult(v, ci=ci, n=n, details=details)


TEXT = "Sure! Here is a short story about a cat who learns to fly."


def _result():
    rows = [
        pairwise_entry("classifier_auc_drift", R(0.95), R(0.5)),  # drift fails
        per_corpus_entry("distinct_1_score", R(0.5), R(0.5), null_gaps=[0.01, -0.01] * 30),  # diversity ok
        per_corpus_entry("exact_duplicate_rate", R(0.0), R(0.0), null_gaps=[0.0] * 10),  # duplication ok
    ]
    members = [{"id": f"s{i}", "text": TEXT} for i in range(5)]
    sections = {"duplicate_clusters": {
        "exact": {"real": [], "synth": [{"kind": "exact", "size": 40, "id": "s0", "text": TEXT,
                                          "members": members[:1]}]},
        "near": {"real": [], "synth": [{"size": 40, "members": members, "pairs": [{"similarity": 1.0}]}]},
        "semantic": {"real": [], "synth": [{"size": 40, "members": members}]},
    }}
    return AuditResult(inputs={}, settings={}, metrics=rows, sections=sections)


def test_an_identical_cluster_found_three_ways_is_shown_once_with_a_count():
    clusters = dup_clusters(_result().sections["duplicate_clusters"])
    assert len(clusters) == 1
    c = clusters[0]
    assert c["kinds"] == ["exact", "near", "semantic"] and c["size"] == 40
    assert len(c["examples"]) == 1 and c["examples"][0]["count"] == 5
    page = render_html(_result())
    assert page.count(TEXT) == 1
    assert "found as exact, near, semantic duplicates" in page and "× 5 identical" in page


def test_banner_score_plain_words_and_folded_all_ok_families():
    res = _result()
    page = render_html(res)
    assert res.banner()["text"] in page
    assert re.search(r'class="score-big">\d+</span>', page)
    # the headline's acronym comes with plain words
    assert plain_words("Classifier two-sample AUC").startswith("how well a classifier")
    head = page.split('<ol class="findings">', 1)[1].split("</ol>", 1)[0]
    assert "Classifier two-sample AUC" in head and "how well a classifier tells synthetic from real" in head
    # the all-ok families are folded, the failing one is not
    fam = {m.group(1): m.group(2) for m in re.finditer(r'<section id="family-(\w+)"(.*?)</section>', page, re.S)}
    assert '<details class="allok">' in fam["diversity"] and '<details class="allok">' in fam["duplication"]
    assert '<details class="allok">' not in fam["drift"]


def test_noise_has_one_meaning_per_kind_of_row():
    page = render_html(_result())
    assert "Noise (real vs real)" in page
    row = page.split('id="m-distinct_1_score"', 1)[1].split("</tr>", 1)[0]
    assert "± " in row and "60 splits" in row  # a floor on the gap, and how it was measured
    pair = page.split('id="m-classifier_auc_drift"', 1)[1].split("</tr>", 1)[0]
    assert "± " not in pair and "0.500" in pair  # the real-vs-real value itself
