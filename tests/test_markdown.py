"""Markdown summary: gate table, findings, baseline changes, inputs, and the PR-comment size limit."""
from dataclasses import replace

from audit.gate import evaluate
from reports.markdown import MAX_CHARS, render_diff_markdown, render_markdown
from tests.test_gate import chk, entry, make_result, standard_result


def table_rows(md, header_start):
    lines = md.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith(header_start))
    rows = []
    for ln in lines[i + 2:]:
        if not ln.startswith("|"):
            break
        rows.append([c.strip() for c in ln.strip("|").split(" | ")])
    return rows


def gated(checks, res=None, **kw):
    res = res or standard_result()
    res.gate = evaluate(checks, res, config="audit.toml", **kw).to_dict()
    return res


def test_failed_checks_in_view_once_in_words_and_the_table_folded_worst_first():
    res = gated([chk("vendi_score", ">=", "0.5 * real"), chk("near_duplicate_rate", "<=", 0.02),
                 chk("vendi_score", ">=", 16, severity="warn")])
    md = render_markdown(res)
    assert md.startswith("<!-- corpus-audit -->\n## ❌ corpus-audit: gate failed")
    view = md.split("<details>", 1)[0]
    # in view: each failed or warned check once, in words, the failure first
    assert "- ❌ fail near duplicate rate rose from 0.010 to 0.030; allowed ≤ 0.020" in view
    assert "- ⚠️ warn vendi score fell from 20.000 to 15.000; allowed ≥ 16.000" in view
    assert view.index("near duplicate rate rose") < view.index("vendi score fell")
    assert view.count("near duplicate rate") == 1
    assert "1 pass, 1 warn, 1 fail" in view
    # folded: every check in a table, worst first
    folded = md.split("<summary>All gate checks</summary>", 1)[1]
    rows = table_rows(folded, "| status | check |")
    assert [r[0] for r in rows] == ["❌ fail", "⚠️ warn", "✅ pass"]
    assert rows[0][1] == "`near_duplicate_rate <= 0.02`" and rows[0][2] == "0.030" and rows[0][3] == "0.020"
    assert "<summary>Inputs</summary>" in md and "`real.jsonl`" in md


def test_titles_for_pass_warn_and_no_gate():
    assert "gate passed" in render_markdown(gated([chk("vendi_score", ">=", 1)]))
    assert "passed with warnings" in render_markdown(gated([chk("vendi_score", ">=", 16, severity="warn")]))
    md = render_markdown(standard_result())
    assert "## corpus-audit report" in md and "not evaluated" in md
    md = render_markdown(gated([]))
    assert "report only" in md


def test_cells_cannot_break_the_table():
    res = make_result(entry("vendi_score", real=1.0, synth=0.1, verdict="fail"))
    res.metrics[0] = replace(res.metrics[0], reason="a | b\nc <script>alert(1)</script>")
    md = render_markdown(res)
    line = next(ln for ln in md.splitlines() if "a \\| b" in ln)
    assert "<script>" not in md and "&lt;script>" in line and "\n" not in line


def test_huge_result_stays_under_the_comment_limit():
    many = [replace(entry("vendi_score", real=1.0, synth=0.5, verdict="fail"), reason="x" * 400,
                    title=f"metric {i} " + "y" * 100) for i in range(3000)]
    res = make_result(*many)
    res.gate = evaluate([chk("vendi_score", ">=", 0.9)] * 2000, res, config="audit.toml").to_dict()
    md = render_markdown(res)
    assert len(md) <= MAX_CHARS and len(md.encode()) <= 4000
    assert md.count("<details>") == md.count("</details>")  # every collapsible block is closed
    assert len(render_markdown(res, max_chars=5000)) <= 5000
    big = render_markdown(res, max_chars=60_000, target_bytes=50_000)
    assert len(big) <= 60_000 and "more checks left out to fit a comment" in big
    assert big.count("<details>") == big.count("</details>")


def test_baseline_changes_section():
    res = gated([chk("vendi_score", ">=", 1)])
    res.gate["baseline_diff"] = {"path": "old.json", "rows": [
        {"name": "vendi_score", "before": 20.0, "after": 15.0, "delta": -5.0, "noise_floor": 0.5,
         "verdict_before": "ok", "verdict_after": "fail", "change": "worse"}]}
    md = render_markdown(res)
    rows = table_rows(md.split("Changes since the baseline")[1], "| metric | before | after | delta | verdict |")
    assert rows == [["vendi_score", "20.000", "15.000", "-5.000", "ok → fail"]]


def test_diff_markdown():
    md = render_diff_markdown([{"name": "vendi_score", "before": 1.0, "after": 2.0, "delta": 1.0, "noise_floor": None,
                                "verdict_before": "ok", "verdict_after": "ok", "change": "changed"}], "a.json", "b.json")
    assert "`a.json` → `b.json`" in md and "1 changed" in md
    assert "No metric changed" in render_diff_markdown([], "a", "b")


def test_a_failing_audit_comment_is_under_4_kb_and_names_each_failed_check_once():
    """A real failing audit (sample data, 9 flagged rows) with a gate that fails many checks."""
    from pathlib import Path

    from audit.result import AuditResult

    res = AuditResult.load(Path(__file__).parent / "golden" / "sample_result.json")
    flagged = [m.name for m in res.metrics if m.verdict in ("warn", "fail")]
    assert len(flagged) >= 5
    checks = []
    for m in res.metrics:
        if m.kind == "pairwise" and m.value is not None:
            checks.append(chk(m.name, "<=" if m.better == "lower" else ">=", m.value * (0.9 if m.better == "lower" else 1.1)))
        elif m.real is not None and m.synth is not None and m.better != "closer":
            checks.append(chk(m.name, ">=" if m.better == "higher" else "<=", "real"))
    res.gate = evaluate(checks, res, config="audit.toml").to_dict()
    failed = [c for c in res.gate["checks"] if c["status"] == "fail"]
    assert len(failed) >= 10
    md = render_markdown(res)
    assert len(md.encode("utf-8")) < 4096
    view = md.split("<details>", 1)[0]
    for c in failed:
        title = res.metric(c["metric"]).title
        assert view.count(f"❌ fail {title} ") == 1, title
        assert md.count(f"❌ fail {title} ") == 1, title  # once in the whole comment, not three times
    assert "Score " in view and res.banner()["text"][:40] in view


def test_findings_beyond_those_in_view_are_counted_never_dropped():
    """Without a gate the comment lists the first 8 findings; the others are counted in one line, by verdict."""
    flagged = [entry(f"m{i}", real=1.0, synth=2.0, verdict="fail" if i < 9 else "warn") for i in range(12)]
    md = render_markdown(make_result(*flagged))
    shown = [ln for ln in md.splitlines() if ln.startswith("- ❌") or ln.startswith("- ⚠️")]
    assert len(shown) == 8
    assert "- … 4 more flagged checks (1 failed, 3 warned): in the HTML/JSON report." in md.splitlines()
    few = render_markdown(make_result(*flagged[:8]))
    assert "more flagged" not in few
    # rows grouped under a finding that is not in view are counted too: 9 root causes, each with one row
    roots = [replace(entry(f"r{i}", real=1.0, synth=2.0, verdict="fail"), details={"explains": [f"w{i}"]})
             for i in range(9)]
    grouped = [entry(f"w{i}", real=1.0, synth=2.0, verdict="warn") for i in range(9)]
    md = render_markdown(make_result(*roots, *grouped))
    assert "- … 2 more flagged checks (1 failed, 1 warned): in the HTML/JSON report." in md.splitlines()
