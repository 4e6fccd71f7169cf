"""audit.result: the audit's overall verdict and headline, the JSON summary a CI job reads, the JSON read
back (former names, defaults, the schema's major version) and the atomic write, by hand."""
import json
import os
import stat
import tempfile
from pathlib import Path

import pytest

from audit.errors import InputError
from audit.result import AuditResult, write_atomic
from tests.test_summary_units import row


def result(*rows, **kw):
    return AuditResult(inputs={"real": {"path": "r.jsonl"}}, settings={"seed": 0}, metrics=list(rows), **kw)


@pytest.mark.parametrize("verdicts,overall", [
    (("ok", "info", "insufficient"), "ok"), (("ok", "warn", "info"), "warn"),
    (("warn", "fail", "ok"), "fail"), (("fail",), "fail"),
    # no row judged: no verdict to claim
    ((), "insufficient"), (("insufficient", "info"), "insufficient"), (("insufficient",), "insufficient"),
])
def test_the_audit_verdict_is_its_worst_row(verdicts, overall):
    assert result(*[row(f"m{i}", v) for i, v in enumerate(verdicts)]).verdict == overall


def test_headline_is_the_first_findings_up_to_the_limit():
    rows = [row(f"m{i}", "fail", effect=0.1 * (i + 1), n=800) for i in range(7)] + [row("ok", "ok", effect=0.0)]
    res = result(*rows)
    assert [m.name for m in res.headline()] == ["m6", "m5", "m4", "m3", "m2"]
    assert [m.name for m in res.headline(2)] == ["m6", "m5"]


def test_json_summary_counts_verdicts_and_says_the_headline():
    rows = [row("a", "fail", effect=2.0, n=800), row("b", "warn", effect=0.5, n=800), row("c", "ok", effect=0.0),
            row("d", "info"), row("e", "insufficient"), row("f", "insufficient")]
    d = result(*rows).to_dict()
    s = d["summary"]
    assert s["verdict"] == "fail"
    assert s["counts"] == {"ok": 1, "warn": 1, "fail": 1, "info": 1, "insufficient": 2}
    assert s["headline"] == ["A: a moved", "B: b moved"]
    # a: 0, b: 50, c: 100 -> 50, one family; two rows lack data
    assert s["score"]["overall"]["score"] == 50.0 and s["score"]["unscored"] == 2
    assert s["banner"]["level"] == "severe"
    assert s["banner"]["text"].startswith("Not a stand-in for the real corpus (score 50/100)")
    assert d["schema_version"] == "1.0" and d["tool"] == {"name": "corpus-audit"}
    assert (d["inputs"], d["settings"], d["sections"], d["gate"]) == ({"real": {"path": "r.jsonl"}}, {"seed": 0}, {},
                                                                      None)
    assert [m["name"] for m in d["metrics"]] == ["a", "b", "c", "d", "e", "f"]


def test_json_headline_says_the_five_first_findings():
    rows = [row(f"m{i}", "fail", effect=0.1 * (i + 1), n=800) for i in range(7)]
    assert result(*rows).to_dict()["summary"]["headline"] == [f"M{i}: m{i} moved" for i in (6, 5, 4, 3, 2)]


def test_json_text_is_sorted_indented_unicode_and_ends_with_a_newline():
    res = result(row("é", "ok"), sections={"b": 1, "a": "ü"})
    text = res.to_json()
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert '"a": "ü"' in text and "\\u00fc" not in text  # not escaped
    assert text.startswith('{\n  "gate": null,\n  "inputs": {')  # keys sorted, two-space indent
    assert json.loads(text) == res.to_dict()
    assert '"v": null' in result(row("x", "ok"), sections={"v": float("nan")}).to_json()  # valid JSON, no NaN


def test_from_dict_reads_back_with_former_names_and_defaults():
    res = result(row("compression_ratio_rate", "warn"), row("b", "ok"), gate={"status": "pass"},
                 sections={"map": {"points": [1, 2]}})
    data = res.to_dict()
    data["metrics"][1]["reason"] = "compression_ratio_rate"  # only the name is read as the new name
    data["metrics"][0]["not_a_field"] = 1  # a field this version does not know is ignored
    back = AuditResult.from_dict(data)
    assert [m.name for m in back.metrics] == ["compression_ratio", "b"]  # the former name is read as the new one
    assert back.metrics[1].reason == "compression_ratio_rate"
    assert back.metrics[1].details == res.metrics[1].details and back.metrics[1].verdict == "ok"
    assert (back.inputs, back.settings, back.sections, back.gate) == (res.inputs, res.settings,
                                                                      {"map": {"points": [1, 2]}}, {"status": "pass"})
    assert back.schema_version == "1.0"
    bare = AuditResult.from_dict({"schema_version": 1, "metrics": [], "inputs": None})
    assert (bare.inputs, bare.settings, bare.sections, bare.gate, bare.schema_version) == ({}, {}, {}, None, "1")
    assert AuditResult.from_dict({"schema_version": "1.7", "metrics": []}).schema_version == "1.7"


def test_from_dict_refuses_another_major_version():
    with pytest.raises(InputError) as e:
        AuditResult.from_dict({"schema_version": "2.0", "metrics": []})
    assert str(e.value) == "audit result has schema_version 2.0, this version reads 1.0"


def test_load_names_the_file_in_its_error(tmp_path):
    p = tmp_path / "r.json"
    p.write_text(json.dumps({"schema_version": "2.0", "metrics": []}))
    with pytest.raises(InputError) as e:
        AuditResult.load(p)
    assert str(e.value) == f"{p}: audit result has schema_version 2.0, this version reads 1.0"
    p.write_text(result(row("a", "warn")).to_json())
    assert AuditResult.load(str(p)).metrics[0].name == "a"


def test_metric_by_current_or_former_name():
    res = result(row("compression_ratio", "ok"), row("b", "ok"))
    assert res.metric("compression_ratio_rate").name == "compression_ratio"
    assert res.metric("b") is res.metrics[1]
    with pytest.raises(KeyError) as e:
        res.metric("zz")
    assert e.value.args == ("zz",)


def test_write_atomic_makes_the_folder_and_an_ordinary_file(tmp_path):
    old = os.umask(0o022)
    try:
        p = tmp_path / "new" / "deeper" / "report.json"
        write_atomic(p, "é\n")
        assert p.read_bytes() == "é\n".encode("utf-8")
        assert stat.S_IMODE(p.stat().st_mode) == 0o644  # 0o666 less the umask, not mkstemp's 0o600
        write_atomic(str(p), "second")
        assert p.read_text() == "second"
        assert sorted(x.name for x in p.parent.iterdir()) == ["report.json"]  # no temporary file left
    finally:
        os.umask(old)


def test_write_atomic_writes_a_hidden_temporary_beside_the_file_then_renames_it(tmp_path, monkeypatch):
    renamed = []
    replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (renamed.append((Path(a), Path(b))), replace(a, b)))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no such folder"))  # the system's temp is not used
    p = tmp_path / "report.json"
    write_atomic(p, "x")
    ((tmp, target),) = renamed
    assert target == p and tmp.parent == tmp_path
    assert tmp.name.startswith(".report.json.") and tmp.name.endswith(".tmp")
    assert p.read_text() == "x"


def test_write_atomic_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    p = tmp_path / "report.json"
    p.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(p, None)  # fails while writing
    assert p.read_text() == "old"
    assert [x.name for x in tmp_path.iterdir()] == ["report.json"]


def test_the_banner_reads_the_results_own_inputs():
    res = AuditResult(inputs={"real": {"n_records": 10, "rejected": {}},
                              "synth": {"n_records": 10, "rejected": {"bad_json": 4}}},
                      settings={}, metrics=[row("a", "ok")])
    assert res.banner()["text"].startswith("4 of 10 synthetic records (40%) were rejected while reading (bad_json 4)")
    assert res.to_dict()["summary"]["banner"] == res.banner()


def test_a_file_with_a_tenth_of_its_records_rejected_is_not_ok():
    def res(lost, verdict="ok"):
        return AuditResult(inputs={"real": {"n_records": 100, "rejected": {}},
                                   "synth": {"n_records": 100, "rejected": {"missing_field": lost}}},
                           settings={}, metrics=[row("a", verdict)])
    assert res(10).verdict == "warn"  # 10%: the rows describe only the other 90
    assert res(9).verdict == "ok"
    assert res(50, "fail").verdict == "fail"  # a worse row stays
    assert AuditResult(inputs=res(50).inputs, settings={}, metrics=[row("a", "insufficient")]).verdict == "insufficient"
