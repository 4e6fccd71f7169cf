"""Score, banner and headline: a catastrophic and a mild corpus read differently; root causes first."""
import pytest

from audit.compare import pairwise_entry, per_corpus_entry
from audit.result import AuditResult
from audit.summary import banner, findings, rank, row_score, scores
from metrics.result import MetricResult


def R(v, ci=None, n=400, **details):
    return MetricResult(v, ci=ci, n=n, details=details)


def _result(rows):
    return AuditResult(inputs={}, settings={}, metrics=rows)


def test_row_score_is_the_share_of_the_way_to_the_fail_threshold():
    # distinct_2_score: higher is better, fail at a 25% relative drop. Real 0.5, synthetic 0.44: a 12%
    # drop is 48% of the way to fail -> 52 points. Its range comes from the noise floor (0.01): the gap is
    # 0.06 +- 0.01, i.e. 10%..14% relative, 40%..56% of the way -> 44..60.
    e = per_corpus_entry("distinct_2_score", R(0.5), R(0.44), null_gaps=[0.01] * 50 + [-0.01] * 50)
    assert e.verdict == "warn"
    score, low, high = row_score(e)
    assert score == pytest.approx(52.0)
    assert (low, high) == (pytest.approx(44.0), pytest.approx(60.0))
    # a gap inside the noise counts as none, whatever its size
    noisy = per_corpus_entry("distinct_2_score", R(0.5), R(0.45), null_gaps=[0.1, -0.1] * 30)
    assert noisy.verdict == "ok" and row_score(noisy)[0] == 100.0
    # past the fail threshold: 0, however far
    assert row_score(per_corpus_entry("distinct_2_score", R(0.5), R(0.1), null_gaps=[0.0] * 50))[0] == 0.0


def _mild():
    rows = [per_corpus_entry("distinct_1_score", R(0.5), R(0.5 * (1 - 0.11)), null_gaps=[0.001, -0.001] * 30),
            per_corpus_entry("zipf_exponent", R(1.0), R(1.13), null_gaps=[0.001, -0.001] * 30)]
    rows += [per_corpus_entry(n, R(0.5), R(0.5), null_gaps=[0.01, -0.01] * 30)
             for n in ("distinct_2_score", "distinct_3_score", "mattr_score", "self_bleu_rate")]
    return rows


def _catastrophic():
    names = ["distinct_1_score", "distinct_2_score", "distinct_3_score", "mattr_score", "tail_survival_score",
             "cluster_entropy_score"]
    rows = [per_corpus_entry(n, R(0.5, rare_types=400, share_long_enough=1.0), R(0.1, rare_types=400,
                                                                                  share_long_enough=1.0),
                             null_gaps=[0.01, -0.01] * 30) for n in names]
    rows.append(pairwise_entry("classifier_auc_drift", R(0.99), R(0.5)))
    rows.append(pairwise_entry("exact_copy_rate", R(0.4), R(0.0)))
    return rows


def test_catastrophic_and_mild_get_different_scores_and_banners():
    mild, bad = _mild(), _catastrophic()
    assert sum(m.verdict in ("warn", "fail") for m in mild) == 2
    assert all(m.verdict == "fail" for m in bad)
    s_mild, s_bad = scores(mild), scores(bad)
    assert s_mild["overall"]["score"] > 85 > 20 > s_bad["overall"]["score"]
    assert s_bad["overall"]["score"] == 0.0  # every check at or past its fail threshold
    b_mild, b_bad = banner(mild), banner(bad)
    assert b_mild["level"] == "minor" and "Mostly faithful" in b_mild["text"]
    assert b_bad["level"] == "severe" and "Not a stand-in" in b_bad["text"]
    assert b_mild["text"] != b_bad["text"]
    good = banner([m for m in mild if m.verdict == "ok"])
    assert good["level"] == "good"
    # in the JSON summary too
    d = _result(bad).to_dict()["summary"]
    assert d["banner"]["level"] == "severe" and d["score"]["overall"]["score"] == 0.0
    assert set(d["score"]["families"]) == {"diversity", "drift", "duplication"}


def test_headline_ranks_by_severity_effect_and_support():
    big = per_corpus_entry("distinct_1_score", R(0.5, n=1000), R(0.2, n=1000), null_gaps=[0.0] * 50)
    small_support = per_corpus_entry("distinct_2_score", R(0.5, n=25), R(0.2, n=25), null_gaps=[0.0] * 50)
    warn = per_corpus_entry("distinct_3_score", R(0.5, n=1000), R(0.44, n=1000), null_gaps=[0.0] * 50)
    assert (big.verdict, small_support.verdict, warn.verdict) == ("fail", "fail", "warn")
    assert rank(big) > rank(small_support)  # same effect, 25 documents weigh less than 1,000
    order = [f.entry.name for f in findings([warn, small_support, big])]
    assert order[0] == "distinct_1_score"


def test_a_root_cause_is_said_once_with_the_rows_it_explains():
    lang = pairwise_entry("language_mix_drift", R(0.6), R(0.01))
    jsd = pairwise_entry("unigram_jsd_drift", R(0.6), R(0.01))
    auc = pairwise_entry("classifier_auc_drift", R(0.99), R(0.5))
    other = per_corpus_entry("self_bleu_rate", R(0.2), R(0.6), null_gaps=[0.0] * 50)
    assert all(m.verdict == "fail" for m in (lang, jsd, auc, other))
    fs = findings([jsd, auc, other, lang])
    assert fs[0].entry.name == "language_mix_drift"
    assert {x.name for x in fs[0].explains} == {"unigram_jsd_drift", "classifier_auc_drift"}
    assert [f.entry.name for f in fs[1:]] == ["self_bleu_rate"]  # explained rows are not repeated
    res = _result([jsd, auc, other, lang])
    assert res.headline()[0].name == "language_mix_drift"
    assert "explains 2 more" in res.to_dict()["summary"]["headline"][0]
    # a row can declare what it explains itself (a language family row, say)
    lang.details["explains"] = ["drift"]
    assert {x.name for x in findings([jsd, auc, other, lang])[0].explains} == {"unigram_jsd_drift",
                                                                                "classifier_auc_drift"}
