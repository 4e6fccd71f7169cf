"""audit.summary on hand-written rows: each row's score, the family and overall means, the banner's level
boundaries and sentences, the rank's factors and the root-cause grouping, all computed by hand."""
import math
from dataclasses import replace

import pytest

from audit.result import MetricEntry
from audit.summary import Finding, banner, finding_sentence, findings, rank, rejected_inputs, row_score, scores


def row(name, verdict="warn", *, family="diversity", effect=None, low=None, high=None, n=None, support=None,
        **details):
    if effect is not None:
        details["effect"] = {"value": effect, **({} if low is None else {"low": low}),
                             **({} if high is None else {"high": high})}
    return MetricEntry(family=family, name=name, title=name.upper(), description="", better="higher",
                       kind="per_corpus", verdict=verdict, reason=f"{name} moved", sample_size=n, details=details,
                       support=support or {})


# -- one row's score -----------------------------------------------------------------------------------
def test_row_score_and_its_range():
    assert row_score(row("a", "warn", effect=0.3, low=0.1, high=0.5)) == (70.0, 50.0, 90.0)
    assert row_score(row("a", "ok", effect=0.25)) == (75.0, 75.0, 75.0)  # no range given: the value's
    assert row_score(row("a", "fail", effect=1.5, low=-0.2)) == (0.0, 0.0, 100.0)  # clipped to 0..100
    assert row_score(row("a", "info", effect=0.3)) is None
    assert row_score(row("a", "insufficient", effect=0.3)) is None
    assert row_score(row("a", "ok")) is None
    assert row_score(row("a", "ok", effect="0.3")) is None  # not a number


# -- family and overall means ---------------------------------------------------------------------------
def test_scores_mean_per_family_then_over_families():
    rows = [row("thin", "insufficient", effect=0.9), row("note", "info"),
            row("a", "ok", effect=0.0, low=0.0, high=0.3), row("b", "ok", effect=0.0, low=0.0, high=0.1),
            row("c", "fail", effect=1.0, low=0.7, high=1.0),
            row("d", "warn", family="drift", effect=0.5, low=0.45, high=0.55)]
    s = scores(rows)
    # diversity: scores 100, 100, 0 -> 66.67; "low" ends at each row's high effect: 70, 90, 0 -> 53.33;
    # "high" at the low effect: 100, 100, 30 -> 76.67. drift: 50, 45, 55.
    assert s["families"] == {"diversity": {"score": 66.7, "low": 53.3, "high": 76.7, "rows": 3},
                             "drift": {"score": 50.0, "low": 45.0, "high": 55.0, "rows": 1}}
    # overall: the mean of the two families (not of the four rows): (66.67 + 50) / 2, each rounded first
    assert s["overall"] == {"score": round((66.7 + 50.0) / 2, 1), "low": round((53.3 + 45.0) / 2, 1),
                            "high": round((76.7 + 55.0) / 2, 1)}
    assert s["unscored"] == 1  # the insufficient row; an info row is not a check
    assert s["definition"].startswith("0-100, higher is better.")


def test_scores_with_nothing_scored():
    s = scores([row("thin", "insufficient"), row("thin2", "insufficient"), row("x", "info")])
    assert s == {"overall": {"score": None, "low": None, "high": None}, "families": {}, "unscored": 2,
                 "definition": s["definition"]}


# -- the banner ---------------------------------------------------------------------------------------
def ok_rows(k, effect=0.0):
    return [row(f"ok{i}", "ok", effect=effect) for i in range(k)]


def test_banner_when_nothing_is_flagged():
    b = banner(ok_rows(3) + [row("t", "insufficient"), row("i", "info")])
    assert b == {"level": "good", "text": "No difference beyond the real corpus's own noise on any of the 3 checks "
                                          "with enough data (score 100/100). 1 check has too little data for a verdict."}
    b = banner(ok_rows(2) + [row("t", "insufficient"), row("u", "insufficient")])
    assert b["text"].endswith("(score 100/100). 2 checks have too little data for a verdict.")
    assert banner(ok_rows(1))["text"] == ("No difference beyond the real corpus's own noise on any of the 1 checks "
                                          "with enough data (score 100/100).")
    # nothing judged: no "no difference" claim, and a level of its own
    assert banner([row("t", "insufficient")]) == {
        "level": "insufficient",
        "text": "No verdict: no check had enough data (1 check too few documents; each row says how many it "
                "needs). Add documents to both corpora."}
    assert banner([row("t", "insufficient"), row("u", "insufficient"), row("i", "info")])["text"].startswith(
        "No verdict: no check had enough data (2 checks too few documents;")


def test_banner_levels_at_their_boundaries():
    # one family; the overall score is the mean of its rows' scores
    minor = banner(ok_rows(2) + [row("w", "warn", effect=0.45)])  # (100 + 100 + 55) / 3 = 85.0
    assert minor == {"level": "minor", "text": "Mostly faithful (score 85/100): 1 of 3 checks warn and none fails. "
                                               "Read the warnings before training."}
    assert banner([row("w", "warn", effect=0.4)])["level"] == "substantial"  # 60.0 exactly
    assert banner([row("w", "warn", effect=0.401)])["level"] == "substantial"  # 59.9: severe, but no failure
    f = banner([row("f", "fail", effect=0.401)])
    assert f == {"level": "severe", "text": "Not a stand-in for the real corpus (score 60/100): 1 of 1 checks fail, "
                                            "many far past their thresholds."}
    f = banner([row("f", "fail", effect=0.4)])
    assert f == {"level": "substantial", "text": "Substantial differences (score 60/100): 1 failed and 0 warned of 1 "
                                                 "checks. Fix the causes listed first before training on it."}
    m = banner(ok_rows(3) + [row("f", "fail", effect=0.4), row("w", "warn", effect=0.0),
                             row("t", "insufficient")])  # (400 + 60) / 5 = 92
    # a failure beside a high score (the score averages families): never "mostly faithful", at least substantial
    assert m == {"level": "substantial", "text": "1 check fails and 1 warns of 5 (score 92/100; the other 3 pass): "
                                                 "fix the failures listed first before training on it. 1 check has "
                                                 "too little data for a verdict."}
    two = banner(ok_rows(8) + [row("f", "fail", effect=0.4), row("g", "fail", effect=0.4), row("w", "warn"),
                               row("v", "warn")])
    # (8 x 100 + 2 x 60) / 10 scored rows = 92; the two warnings have no effect, so no score
    assert two["level"] == "substantial" and two["text"].startswith("2 checks fail and 2 warn of 12 (score 92/100;")


def side(records, **rejected):
    return {"n_records": records, "n_documents": records - sum(rejected.values()), "rejected": rejected}


def test_banner_says_first_what_was_rejected_while_reading():
    # half the synthetic records had no text field: a clean comparison of the other half must not read as "ok"
    inputs = {"real": side(200), "synth": side(200, missing_field=100)}
    b = banner(ok_rows(3), inputs=inputs)
    assert b == {"level": "substantial",
                 "text": "100 of 200 synthetic records (50%) were rejected while reading (missing_field 100): every "
                         "check below describes only the records that were read (see the inputs table). No "
                         "difference beyond the real corpus's own noise on any of the 3 checks with enough data "
                         "(score 100/100)."}
    # 1% to 10% lost: said, and at least "minor"; under 1%: not in the banner (the inputs table has it)
    few = {"real": side(1000, bad_json=3, empty_text=20), "synth": side(1000)}
    assert rejected_inputs(few) == ["23 of 1,000 real records (2%) were rejected while reading (empty_text 20, "
                                    "bad_json 3)"]
    assert banner(ok_rows(3), inputs=few)["level"] == "minor"
    assert rejected_inputs({"real": side(1000, bad_json=9), "synth": side(1000)}) == []
    assert banner(ok_rows(3), inputs={"real": side(1000, bad_json=9), "synth": side(1000)})["level"] == "good"
    # a worse level stays; both corpora are named
    both = {"real": side(100, bad_json=50), "synth": side(100, bad_json=2)}
    assert banner([row("f", "fail", effect=1.0)], inputs=both)["level"] == "severe"
    assert banner([row("f", "fail", effect=1.0)], inputs=both)["text"].startswith(
        "50 of 100 real records (50%) were rejected while reading (bad_json 50); 2 of 100 synthetic records (2%)")
    assert rejected_inputs(None) == [] and rejected_inputs({"real": {"n_records": 0, "rejected": {"x": 1}}}) == []


def test_banner_with_flags_but_no_score_is_minor_and_says_na():
    b = banner([row("w", "warn"), row("w2", "warn")])  # flagged rows without an effect are not scored
    assert b["level"] == "minor" and b["text"].startswith("Mostly faithful (score n/a): 2 of 2 checks warn")


def test_banner_uses_a_given_score():
    given = {"overall": {"score": 70.0}}  # the row alone would score 100
    assert banner([row("f", "fail", effect=0.0)], given)["text"].startswith("Substantial differences (score 70/100)")


# -- rank ---------------------------------------------------------------------------------------------
def test_rank_is_severity_times_effect_times_support():
    assert rank(row("f", "fail", effect=0.5, n=800)) == 2.0 * 0.5 * 1.0
    assert rank(row("w", "warn", effect=0.5, n=800)) == 1.0 * 0.5 * 1.0
    assert rank(row("o", "ok", effect=0.5, n=800)) == 0.0
    assert rank(row("f", "fail", n=800)) == 2.0  # no effect: 1
    assert rank(row("f", "fail", effect=7.0, n=800)) == 10.0  # capped at 5
    assert rank(row("f", "fail", effect=0.0, n=800)) == pytest.approx(0.1)  # floor 0.05
    assert rank(row("f", "fail", effect=0.5, n=50)) == pytest.approx(2 * 0.5 * math.sqrt(50 / 200))
    assert rank(row("f", "fail", effect=0.5, n=None)) == 1.0  # unknown support: full weight
    assert rank(row("f", "fail", effect=0.5, n=0)) == 1.0


def test_support_weight_reads_the_fewest_documents_of_the_support():
    sup = {"real_documents": 50, "synth_documents": 800, "gendered_terms": 2, "windows": 1}
    assert rank(row("f", "fail", effect=0.5, n=800, support=sup)) == pytest.approx(math.sqrt(50 / 200))
    # no "...documents" key (or not a number): the sample size
    assert rank(row("f", "fail", effect=0.5, n=50, support={"gendered_terms": 800})) == pytest.approx(0.5)
    assert rank(row("f", "fail", effect=0.5, n=50, support={"documents": "many"})) == pytest.approx(0.5)
    assert rank(row("f", "fail", effect=0.5, n=800, support={"documents": 50})) == pytest.approx(0.5)


# -- findings ----------------------------------------------------------------------------------------
def test_findings_are_failures_then_warnings_each_by_rank_then_family_then_name():
    rows = [row("ok", "ok", effect=3.0, n=800), row("w1", "warn", effect=1.0, n=800),
            row("f1", "fail", effect=0.2, n=800), row("b", "warn", family="b", effect=0.4, n=800),
            row("a", "warn", family="b", effect=0.4, n=800), row("z", "fail", family="a", effect=0.2, n=800)]
    fs = findings(rows)
    # the failures (rank 0.4 each: family "a" before "diversity"), then the warnings: w1 (rank 1.0, above both
    # failures' rank) and the two of family b by name
    assert [f.entry.name for f in fs] == ["z", "f1", "w1", "a", "b"]
    assert [f.rank for f in fs] == pytest.approx([0.4, 0.4, 1.0, 0.4, 0.4])
    assert all(f.explains == [] for f in fs)


def test_a_root_cause_groups_what_it_explains_by_name_or_family():
    words = row("mean_words", "fail", family="properties", effect=2.0, n=800)  # registry: explains mean_chars...
    chars = row("mean_chars", "fail", family="properties", effect=1.0, n=800)  # ...which explains mean_words
    ttr = row("type_token_ratio", "warn", family="properties", effect=0.5, n=800)
    top = row("top", "fail", effect=3.0, n=800)  # ranks first, explains nothing
    own = row("lang", "warn", family="language", effect=0.1, n=800, explains=["drift"])  # a row's own list
    drift = row("mmd", "warn", family="drift", effect=0.2, n=800)
    fs = findings([ttr, chars, drift, own, words, top])
    # failures first (the mean_words group, a root cause, before top), then the warning root cause
    assert [(f.entry.name, [x.name for x in f.explains]) for f in fs] == [
        ("mean_words", ["mean_chars", "type_token_ratio"]), ("top", []), ("lang", ["mmd"])]
    assert [f.rank for f in fs] == pytest.approx([4.0, 6.0, 0.1])
    # a warning that explains a failure leads the failures: the group is as severe as its worst row
    cause = row("cause", "warn", effect=0.1, n=800, explains=["effect"])
    effect_ = row("effect", "fail", effect=2.0, n=800)
    assert [f.entry.name for f in findings([top, effect_, cause])] == ["cause", "top"]


def test_a_row_already_explained_claims_nothing_itself():
    a = row("a", "fail", effect=3.0, n=800, explains=["b"])
    b = row("b", "fail", effect=2.0, n=800, explains=["c"])
    c = row("c", "fail", effect=1.0, n=800)
    fs = findings([c, b, a])
    assert [(f.entry.name, [x.name for x in f.explains]) for f in fs] == [("a", ["b"]), ("c", [])]


def test_a_declared_root_cause_comes_first_among_rows_as_severe():
    root = row("lang", "fail", family="language", effect=0.1, n=800, explains=["drift"], root_cause=True)
    top = row("top", "fail", effect=3.0, n=800)
    fs = findings([top, root])
    assert [f.entry.name for f in fs] == ["lang", "top"] and fs[0].explains == []
    plain = row("lang", "fail", family="language", effect=0.1, n=800, explains=["drift"])
    assert [f.entry.name for f in findings([top, plain])] == ["top", "lang"]  # explains nothing here
    # among root causes too: the declared one first, though another ranks higher
    big = row("big", "fail", effect=3.0, n=800, explains=["small"])
    small = row("small", "warn", effect=0.1, n=800)
    assert [f.entry.name for f in findings([big, small, root])] == ["lang", "big"]
    # but a failure comes before a declared root cause that only warns (a defect's warning)
    warned = row("loop", "warn", family="defects", effect=0.1, n=800, explains=["x"], root_cause=True)
    assert [f.entry.name for f in findings([warned, top])] == ["top", "loop"]


def test_finding_sentence():
    a, b = row("a", "fail"), row("b", "warn")
    assert finding_sentence(Finding(a, 1.0)) == "A: a moved"
    assert finding_sentence(Finding(a, 1.0, [b, row("c", "warn")])) == (
        "A: a moved (this likely explains 2 more: B, C)")


def test_a_directed_explanation_claims_a_row_only_when_the_gap_goes_that_way():
    """``name:lower`` claims a row whose synthetic value is below the real one, not above it; without both
    values, nothing (a length cap cuts documents: it does not explain a longer synthetic corpus)."""
    cap = row("length_cap_rate", "warn", family="defects", effect=3.0, n=800,
              explains=["mean_words:lower", "mean_chars:lower"])
    longer = replace(row("mean_words", "warn", family="properties", effect=0.5, n=800), real=35.8, synth=46.4)
    shorter = replace(row("mean_chars", "warn", family="properties", effect=0.5, n=800), real=251.8, synth=180.0)
    fs = findings([cap, longer, shorter])
    assert [(f.entry.name, [x.name for x in f.explains]) for f in fs] == [
        ("length_cap_rate", ["mean_chars"]), ("mean_words", [])]
    unknown = row("mean_chars", "warn", family="properties", effect=0.5, n=800)  # no real / synthetic values
    assert [x.name for f in findings([cap, unknown]) for x in f.explains] == []
    loop = row("end_loop_rate", "fail", family="defects", effect=3.0, n=800, explains=["mean_words:higher"])
    assert [x.name for x in findings([loop, longer])[0].explains] == ["mean_words"]


def test_banner_leads_with_copies_when_most_synthetic_documents_are_real_ones():
    """A synthetic file that is mostly the real one scores well on every fidelity check (it *is* the real
    text): a failed copy row covering at least half the synthetic documents leads the banner instead."""
    copy = replace(row("exact_copy_rate", "fail", family="duplication", effect=5.0), value=1.0)
    b = banner(ok_rows(20) + [copy])
    assert b == {"level": "severe", "text": "Mostly copies of the real corpus (score 50/100): 100% of the synthetic "
                                            "documents long enough to compare are copies of real ones, so its "
                                            "other checks measure the real text again. 1 failed and 0 warned of "
                                            "21 checks."}
    near = replace(row("near_copy_rate", "fail", family="duplication", effect=5.0), value=0.5)
    assert banner(ok_rows(20) + [near])["text"].startswith("Mostly copies of the real corpus")
    few = replace(copy, value=0.49)  # fewer than half: the usual banner, the copy row among the failures
    assert banner(ok_rows(20) + [few])["text"].startswith("Not a stand-in for the real corpus (score 50/100)")
    warned = replace(copy, verdict="warn")  # not a failure: not the headline
    assert not banner(ok_rows(20) + [warned])["text"].startswith("Mostly copies")


def test_support_says_a_count_once_when_two_keys_hold_it():
    """``real_docs`` (a row's scope) and ``real_documents`` (its support minimum) with the same counts are one
    "docs" entry, not two; with different counts both stay."""
    from reports.format import support_text

    same = replace(row("a"), support={"real_docs": 150, "real_documents": 150, "synth_docs": 150,
                                      "synth_documents": 150, "real_half_docs": 75})
    assert support_text(same) == "150/150 docs · 75/– half docs"
    other = replace(row("a"), support={"real_docs": 150, "real_documents": 120, "synth_docs": 150,
                                       "synth_documents": 150})
    assert support_text(other) == "120/150 docs · 150/150 docs"
