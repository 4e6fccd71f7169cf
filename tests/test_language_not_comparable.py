"""audit.families.language.mark_not_comparable on hand-made rows: a hard language mismatch (the language
row's ``root_cause``) turns the judged rows it explains into ``info`` rows that say why and name the
cause; nothing else changes, and a partial shift changes nothing."""
from audit.families.language import mark_not_comparable
from audit.gate import Check, evaluate_check, parse_threshold
from audit.result import MetricEntry
from audit.summary import findings, scores

PREFIX = ("Not comparable: the corpora are in different languages (real mostly English, synthetic mostly "
          "Chinese); ")


def row(name, verdict, *, family="diversity", **details):
    return MetricEntry(family=family, name=name, title=name, description="", better="higher", kind="per_corpus",
                       verdict=verdict, reason=f"{name} moved", real=0.5, synth=0.1, delta=-0.4,
                       ci={"synth": [0.05, 0.15]}, p_value=0.001, details={"effect": {"value": 3.0}, **details})


def language_row(*, root_cause=True, explains=("distinct_1_score", "vendi_score", "mean_words", "zipf")):
    details = {"explains": list(explains)}
    if root_cause:
        details.update(root_cause=True, mismatch={"summary": "real mostly English, synthetic mostly Chinese",
                                                  "text": "the corpora are in different languages: ..."})
    return row("language_mix_drift", "fail", family="language", **details)


def audit_rows(lang):
    return [lang, row("distinct_1_score", "fail"), row("vendi_score", "warn"), row("zipf", "ok"),
            row("mean_words", "insufficient", family="properties"),
            row("digit_share", "fail", family="properties"),  # not explained by a language
            row("repeated_lines_rate", "fail", family="defects", root_cause=True, explains=["vendi_score"])]


def test_a_hard_mismatch_marks_the_judged_rows_it_explains_as_not_comparable():
    before = audit_rows(language_row())
    after = mark_not_comparable(before)
    by = {e.name: e for e in after}
    assert [e.name for e in after] == [e.name for e in before]  # same rows, same order
    for name in ("distinct_1_score", "vendi_score", "zipf"):  # an "ok" across languages is no comparison either
        e, old = by[name], next(x for x in before if x.name == name)
        assert e.verdict == "info" and e.reason == PREFIX + old.reason
        assert e.details == {**old.details, "not_comparable": "language_mix_drift"}
        # the numbers stay: they are still facts about the corpora
        assert (e.real, e.synth, e.delta, e.ci, e.p_value) == (old.real, old.synth, old.delta, old.ci, old.p_value)
    # insufficient and unexplained rows, and another root cause's own row, are the same objects
    for i in (4, 5, 6):
        assert after[i] is before[i]
    lang = by["language_mix_drift"]
    assert lang.verdict == "fail"
    assert lang.details["not_comparable"] == ["distinct_1_score", "vendi_score", "zipf"]
    assert lang.reason.endswith("; 3 rows comparing them shown as not comparable (info, not scored)")
    # not scored and not findings: the language row and the unexplained failures stay the findings
    assert {f.entry.name for f in findings(after)} == {"language_mix_drift", "digit_share", "repeated_lines_rate"}
    assert scores(before)["families"]["diversity"]["rows"] == 3 and "diversity" not in scores(after)["families"]
    assert before[1].verdict == "fail"  # the input rows are untouched (frozen, changed copies)


def test_a_family_name_in_explains_marks_its_rows_too():
    after = mark_not_comparable(audit_rows(language_row(explains=("diversity",))))
    assert [e.name for e in after if e.verdict == "info"] == ["distinct_1_score", "vendi_score", "zipf"]


def test_a_partial_shift_or_no_language_row_changes_nothing():
    for rows in (audit_rows(language_row(root_cause=False)), audit_rows(row("language_mix_drift", "ok"))[1:],
                 audit_rows(row("language_mix_drift", "ok", family="language"))):
        after = mark_not_comparable(rows)
        assert after == rows and all(a is b for a, b in zip(after, rows))
    # a root cause that is not the language row (a defect) marks nothing
    defect = audit_rows(language_row(root_cause=False))[1:]
    assert all(a is b for a, b in zip(mark_not_comparable(defect), defect))


def test_nothing_judged_to_mark_leaves_the_language_row_as_it_was():
    rows = [language_row(), row("distinct_1_score", "insufficient"), row("vendi_score", "info")]
    assert all(a is b for a, b in zip(mark_not_comparable(rows), rows))


def test_a_gate_check_on_a_not_comparable_row_says_so():
    """The gate reads a marked row's number as configured (a mismatched corpus must not turn a failing check
    into a pass), and its why says the row is not comparable instead of reading as judged."""
    class Result:
        metrics = mark_not_comparable(audit_rows(language_row()))

    fails = evaluate_check(Check("distinct_1_score", ">=", parse_threshold("0.9 * real")), Result)
    assert fails.status == "fail" and fails.why == ("synth 0.1 < 0.45 (= 0.9 * real, real 0.5); not comparable: "
                                                    "the corpora are in different languages (see language_mix_drift)")
    holds = evaluate_check(Check("distinct_1_score", "<=", parse_threshold(0.2)), Result)
    assert holds.status == "pass" and holds.why.endswith("(see language_mix_drift)")
    plain = evaluate_check(Check("digit_share", "<=", parse_threshold(0.2)), Result)  # not marked
    assert plain.status == "pass" and plain.why == "synth 0.1 <= 0.2"


def test_a_mismatch_leads_the_banner_and_its_rows_say_why_in_every_report():
    """The banner says the corpora are in different languages first (not a score over the comparable rest),
    and a marked row's reason shows beside its "info" in the terminal and in the HTML table, not only in a
    popup: "info" alone would not say why the row is not judged."""
    import io

    from rich.console import Console

    from audit.result import AuditResult
    from audit.summary import banner
    from reports.html import render_html
    from reports.terminal import render

    rows = mark_not_comparable(audit_rows(language_row()))
    b = banner(rows)
    assert b["level"] == "severe"
    # 3 rows marked; judged after marking: the language row, digit_share and the defect row, all failed
    assert b["text"].startswith("Not a stand-in: the corpora are in different languages: .... 3 word, embedding "
                                "and lexicon checks are not comparable across languages and not scored; of the "
                                "other checks 3 failed and 0 warned of 3")
    res = AuditResult(inputs={}, settings={}, metrics=rows)
    out = io.StringIO()
    render(res, Console(file=out, width=100, force_terminal=False, color_system=None))
    text = " ".join(out.getvalue().split())
    assert "info distinct_1_score: Not comparable: the corpora are in different languages" in text
    page = render_html(res)
    assert page.count('<span class="muted why">Not comparable: the corpora are in different languages') == 3
