"""Baseline comparison: `audit diff` and `compare --baseline`."""
import json

from audit.cli import main
from audit.diff import diff_results, diff_summary
from tests.test_gate import entry, make_result


def pair():
    old = make_result(entry("vendi_score", real=20.0, synth=18.0, noise=0.5),
                      entry("near_duplicate_rate", real=0.0, synth=0.01, noise=0.001, family="duplication"),
                      entry("mean_words", real=100.0, synth=100.0, noise=2.0),
                      entry("pii_rate", real=0.0, synth=0.0))
    new = make_result(entry("vendi_score", real=20.0, synth=12.0, noise=0.5, verdict="fail"),
                      entry("near_duplicate_rate", real=0.0, synth=0.02, noise=0.001, family="duplication"),
                      entry("mean_words", real=100.0, synth=100.0, noise=2.0),
                      entry("mmd_drift", kind="pairwise", value=0.1, family="drift"))
    return old, new


def test_rows_for_changed_metrics_only_worst_first():
    old, new = pair()
    rows = diff_results(old, new)
    assert [r["name"] for r in rows] == ["vendi_score", "mmd_drift", "pii_rate", "near_duplicate_rate"]
    v = rows[0]
    assert (v["before"], v["after"], v["delta"], v["verdict_before"], v["verdict_after"], v["change"]) == \
        (18.0, 12.0, -6.0, "ok", "fail", "worse")
    assert rows[1]["change"] == "added" and rows[1]["before"] is None and rows[1]["verdict_before"] == "absent"
    assert rows[2]["change"] == "removed"
    assert rows[3]["delta"] == 0.01 and rows[3]["change"] == "changed"
    assert diff_summary(rows) == {"worse": 1, "better": 0, "added": 1, "removed": 1, "changed": 1}
    assert diff_results(old, old) == []
    json.dumps(rows, allow_nan=False)


def test_cli_diff_and_compare_baseline(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    old, new = pair()
    (tmp_path / "old.json").write_text(old.to_json())
    (tmp_path / "new.json").write_text(new.to_json())
    assert main(["diff", "old.json", "new.json", "--markdown", "d.md", "--json", "d.json"]) == 0
    out = capsys.readouterr().out
    assert "4 metric(s) changed" in out and "ok -> fail" in out
    assert "vendi_score" in (tmp_path / "d.md").read_text()
    assert len(json.loads((tmp_path / "d.json").read_text())["rows"]) == 4
    assert main(["diff", "old.json", "missing.json"]) == 2
    # the gate with --baseline: `baseline` in thresholds, and the changes land in the JSON and Markdown
    (tmp_path / "audit.toml").write_text('[[check]]\nmetric = "near_duplicate_rate"\nop = "<="\n'
                                         'threshold = "baseline + 0.005"\n')
    assert main(["gate", "new.json", "--baseline", "old.json", "--json", "g.json", "--markdown", "g.md", "-q"]) == 1
    gate = json.loads((tmp_path / "g.json").read_text())["gate"]
    assert gate["checks"][0]["threshold"] == 0.015 and gate["baseline"] == "old.json"
    assert [r["name"] for r in gate["baseline_diff"]["rows"]][0] == "vendi_score"
    assert "Changes since the baseline" in (tmp_path / "g.md").read_text()
    assert main(["gate", "new.json", "--baseline", "nope.json"]) == 2
