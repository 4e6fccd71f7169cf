"""End-to-end CLI behaviour: exit codes, one-line errors, outputs, determinism, render."""
import json
import shutil

import pytest

from audit.cli import main

ROOT_SAMPLE = __import__("pathlib").Path(__file__).resolve().parents[1] / "sample_data"
FAST = ["--embedder", "hash", "--no-map", "--quiet"]


@pytest.fixture
def pair(tmp_path):
    real = tmp_path / "real.jsonl"
    synth = tmp_path / "synth.jsonl"
    shutil.copy(ROOT_SAMPLE / "real.jsonl", real)
    shutil.copy(ROOT_SAMPLE / "synth.jsonl", synth)
    return real, synth


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_compare_writes_json_and_is_deterministic(pair, tmp_path, capsys):
    real, synth = pair
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    code, _, err = run(["compare", real, synth, "--json", a, "--cache-dir", tmp_path / "c", *FAST], capsys)
    assert code == 0, err
    # a separate process with another string-hash seed: no output may depend on set or dict order
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONHASHSEED="12345")
    proc = subprocess.run([sys.executable, "-m", "audit.cli", "compare", str(real), str(synth), "--json", str(b),
                           "--cache-dir", str(tmp_path / "c"), *FAST], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert a.read_bytes() == b.read_bytes()
    data = json.loads(a.read_text())
    assert data["schema_version"] == "1.0"
    fams = {m["family"] for m in data["metrics"]}
    assert fams == {"language", "defects", "diversity", "duplication", "drift", "bias", "properties"}
    for m in data["metrics"]:
        assert m["verdict"] in {"ok", "warn", "fail", "info", "insufficient"}
        assert m["reason"]
        assert m["better"] in {"higher", "lower", "closer"}
    inp = data["inputs"]["real"]
    assert inp["n_documents"] == 450 and inp["text_field"] == "text"
    import hashlib

    assert inp["sha256"] == hashlib.sha256(real.read_bytes()).hexdigest()
    assert data["settings"]["embedder"] == "hash-64"
    assert data["settings"]["versions"]["numpy"]


def test_different_seed_changes_sampled_numbers_only_through_seed(pair, tmp_path, capsys):
    real, synth = pair
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run(["compare", real, synth, "--json", a, "--seed", "1", *FAST, "--no-cache"], capsys)[0] == 0
    assert run(["compare", real, synth, "--json", b, "--seed", "2", *FAST, "--no-cache"], capsys)[0] == 0
    da, db = json.loads(a.read_text()), json.loads(b.read_text())
    assert da["settings"]["seed"] == 1 and db["settings"]["seed"] == 2
    ma, mb = ({m["name"]: m for m in d["metrics"]} for d in (da, db))
    # the whole sample (450 < the sample cap) is read either way: what is computed over every document
    # without a random draw is identical; what a seed draws (CV folds, budget order) moves, within noise
    for name in ("mean_words", "mean_chars", "exact_duplicate_rate", "pii_rate", "toxicity_rate"):
        assert (ma[name]["real"], ma[name]["synth"]) == (mb[name]["real"], mb[name]["synth"]), name
    moved = [n for n in ma if ma[n]["value"] != mb[n]["value"] or ma[n]["real"] != mb[n]["real"]]
    assert "classifier_auc_drift" in moved
    auc_a, auc_b = ma["classifier_auc_drift"], mb["classifier_auc_drift"]
    assert auc_a["ci"]["value"][0] <= auc_b["value"] <= auc_a["ci"]["value"][1]


def test_terminal_report_shows_families_and_verdict(pair, tmp_path, capsys):
    real, synth = pair
    code, out, _ = run(["compare", real, synth, "--embedder", "hash", "--no-map", "--no-cache"], capsys)
    assert code == 0
    assert "Verdict" in out
    for title in ("Diversity", "Duplication", "Drift", "Bias", "Properties"):
        assert title in out


def test_render_reproduces_saved_result(pair, tmp_path, capsys):
    real, synth = pair
    j, j2 = tmp_path / "r.json", tmp_path / "r2.json"
    assert run(["compare", real, synth, "--json", j, *FAST, "--no-cache"], capsys)[0] == 0
    code, out, _ = run(["render", j, "--json", j2], capsys)
    assert code == 0 and "Verdict" in out
    assert json.loads(j.read_text()) == json.loads(j2.read_text())


@pytest.mark.parametrize(
    "argv_tail, message",
    [
        (["missing.jsonl"], "no such file"),
        (["--seed", "-1"], "--seed"),
        (["--sample-size", "3"], "--sample-size"),
        (["--families", "vibes"], "unknown metric family"),
        (["--format", "xml"], "format"),
        (["--embedder", "/nonexistent/model/dir"], "cannot load embedding model"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(pair, tmp_path, capsys, argv_tail, message):
    real, synth = pair
    if argv_tail[0] == "missing.jsonl":
        argv = ["compare", real, tmp_path / "missing.jsonl", "--embedder", "hash", "--quiet"]
    else:
        argv = ["compare", real, synth, "--no-map", "--quiet", "--no-cache", *argv_tail]
        if "--embedder" not in argv_tail:
            argv += ["--embedder", "hash"]
    code, out, err = run(argv, capsys)
    assert code == 2
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("audit: error:") and message in lines[0]
    assert "Traceback" not in err


def test_unknown_option_is_exit_2(capsys):
    code, _, err = run(["compare", "--bogus"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_corpus_with_no_usable_document_exits_2(pair, tmp_path, capsys):
    real, _ = pair
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": ""}\nnot json\n')
    code, _, err = run(["compare", real, bad, *FAST], capsys)
    assert code == 2 and "no usable document" in err and "Traceback" not in err


def test_bad_records_are_counted_and_run_goes_on(pair, tmp_path, capsys):
    real, synth = pair
    mixed = tmp_path / "mixed.jsonl"
    lines = synth.read_text().splitlines()
    lines.insert(3, "{broken json")
    lines.insert(7, '{"text": "   "}')
    mixed.write_text("\n".join(lines) + "\n")
    out = tmp_path / "r.json"
    code, _, err = run(["compare", real, mixed, "--json", out, *FAST, "--no-cache"], capsys)
    assert code == 0, err
    d = json.loads(out.read_text())["inputs"]["synth"]
    assert d["rejected"] == {"bad_json": 1, "empty_text": 1}
    assert {(e["line"], e["reason"]) for e in d["rejected_examples"]} == {(4, "bad_json"), (8, "empty_text")}
    assert d["n_documents"] == 450
    code, _, err = run(["compare", real, mixed, "--strict", *FAST, "--no-cache"], capsys)
    assert code == 2 and ":4:" in err


def test_outputs_never_overwrite_inputs_or_foreign_files(pair, tmp_path, capsys):
    real, synth = pair
    before = real.read_bytes()
    code, _, err = run(["compare", real, synth, "--json", real, *FAST, "--force"], capsys)
    assert code == 2 and "is one of the inputs" in err
    assert real.read_bytes() == before
    foreign = tmp_path / "notes.json"
    foreign.write_text('{"my": "notes"}')
    code, _, err = run(["compare", real, synth, "--json", foreign, *FAST], capsys)
    assert code == 2 and "--force" in err
    assert foreign.read_text() == '{"my": "notes"}'
    # our own previous report is replaced without asking
    own = tmp_path / "own.json"
    assert run(["compare", real, synth, "--json", own, *FAST], capsys)[0] == 0
    assert run(["compare", real, synth, "--json", own, *FAST, "--seed", "3"], capsys)[0] == 0
    assert json.loads(own.read_text())["settings"]["seed"] == 3


def test_render_rejects_non_result(tmp_path, capsys):
    p = tmp_path / "x.json"
    p.write_text('{"a": 1}')
    code, _, err = run(["render", p], capsys)
    assert code == 2 and "not an audit result" in err
    p.write_text("{nope")
    code, _, err = run(["render", p], capsys)
    assert code == 2 and "not valid JSON" in err
    p.write_text('{"a": "tab\there"}')  # Python's message ends in "at": the place follows it
    code, _, err = run(["render", p], capsys)
    assert code == 2 and err.strip().endswith("not valid JSON (Invalid control character at line 1 column 11)")


def test_a_file_that_only_mentions_the_tool_is_not_ours(pair, tmp_path, capsys):
    real, synth = pair
    notes = tmp_path / "notes.md"
    notes.write_text("My notes on corpus-audit: remember to run it weekly.\n")
    code, _, err = run(["compare", real, synth, "--markdown", notes, *FAST], capsys)
    assert code == 2 and "--force" in err
    assert notes.read_text().startswith("My notes")


def test_shuffled_file_gives_the_same_audit(pair, tmp_path, capsys):
    """The sample is chosen by content, not position: a shuffled synthetic file audits the same."""
    import random

    real, synth = pair
    lines = synth.read_text().splitlines()
    random.Random(4).shuffle(lines)
    shuffled = tmp_path / "shuffled.jsonl"
    shuffled.write_text("\n".join(lines) + "\n")
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for src, out in ((synth, a), (shuffled, b)):
        assert run(["compare", real, src, "--json", out, "--sample-size", "300", *FAST, "--no-cache"], capsys)[0] == 0
    ma, mb = json.loads(a.read_text())["metrics"], json.loads(b.read_text())["metrics"]
    assert [m["name"] for m in ma] == [m["name"] for m in mb]
    for x, y in zip(ma, mb):
        assert x["verdict"] == y["verdict"], x["name"]
        for k in ("real", "synth", "value"):
            assert (x[k] is None) == (y[k] is None), (x["name"], k)
            if x[k] is not None:
                assert x[k] == pytest.approx(y[k], rel=1e-9, abs=1e-12), (x["name"], k)


def test_each_file_can_name_its_own_text_field(pair, tmp_path, capsys):
    real, synth = pair
    rows = [json.loads(l) for l in real.read_text().splitlines()]
    csv_path = tmp_path / "real.csv"
    import csv

    with csv_path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "body"])
        for r in rows:
            w.writerow([r["id"], r["text"]])
    out = tmp_path / "r.json"
    code, _, err = run(["compare", csv_path, synth, "--json", out, *FAST], capsys)
    assert code == 2 and "--text-field" in err  # no text column: the error says how to pick one
    code, _, err = run(["compare", csv_path, synth, "--json", out, "--real-text-field", "body", *FAST], capsys)
    assert code == 0, err
    d = json.loads(out.read_text())["inputs"]
    assert (d["real"]["text_field"], d["real"]["format"], d["synth"]["text_field"]) == ("body", "csv", "text")
    assert d["real"]["n_documents"] == 450


@pytest.mark.parametrize("outputs, mapped", [
    ([], False),  # the terminal report only
    (["--markdown", "s.md", "--junit", "c.xml"], False),  # a CI gate's PR comment and checks
    (["--html", "r.html"], True),
    (["--json", "r.json"], True),  # kept for `audit render`
    (["--html", "r.html", "--no-map"], False),
])
def test_the_map_is_made_only_for_a_report_that_shows_or_keeps_it(pair, tmp_path, capsys, monkeypatch, outputs,
                                                                 mapped):
    import audit.pipeline as pipeline

    seen = []
    real_run = pipeline.run_audit

    def spy(opts, progress=None):
        result = real_run(opts, progress)
        seen.append((opts.make_map, "map" in result.sections))
        return result

    monkeypatch.setattr(pipeline, "run_audit", spy)
    real, synth = pair
    outs = [a if not a.endswith((".md", ".xml", ".html", ".json")) else tmp_path / a for a in outputs]
    code, _, err = run(["compare", real, synth, "--embedder", "hash", "--families", "language", "--quiet",
                        "--no-cache", *outs], capsys)
    assert code == 0, err
    assert seen == [(mapped, mapped)]
    if "--html" in outputs:
        assert ('<section id="map"' in (tmp_path / "r.html").read_text(encoding="utf-8")) == mapped
