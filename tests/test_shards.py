"""A side given as many files (a directory, a glob, a manifest, a Parquet dataset folder) audits like the
one file they were cut from, with each shard's rejects reported."""
import gzip
import json

import pandas as pd
import pytest

from audit.cli import main
from audit.errors import InputError
from audit.shards import expand, open_inputs
from tests.conftest import ROOT

ARGS = ["--embedder", "hash", "--no-map", "--no-cache", "--families", "diversity,duplication", "--no-config", "-q"]


def _lines(name, n=90):
    return (ROOT / "sample_data" / name).read_text().splitlines()[:n]


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    d = tmp_path_factory.mktemp("shards")
    for name in ("real", "synth"):
        (d / f"{name}.jsonl").write_text("\n".join(_lines(f"{name}.jsonl")) + "\n")
    shards = d / "synth_shards"
    (shards / "part-b").mkdir(parents=True)
    lines = _lines("synth.jsonl")
    (shards / "part-a.jsonl").write_text("\n".join(lines[:30]) + "\n{not json\n")
    with gzip.open(shards / "part-b" / "part-c.jsonl.gz", "wt") as f:
        f.write("\n".join(lines[30:60]) + "\n")
    pd.DataFrame([json.loads(x) for x in lines[60:]]).to_parquet(shards / "part-d.parquet")
    (shards / "_SUCCESS").write_text("")
    (shards / ".hidden.jsonl").write_text('{"text": "never read"}\n')
    (shards / "notes.md").write_text("not a shard")
    return d


def _metrics(path):
    return {m["name"]: (m["real"], m["synth"], m["value"]) for m in json.loads(path.read_text())["metrics"]}


def test_expand_forms(corpora):
    shards = corpora / "synth_shards"
    got = expand(shards)
    assert [p.replace(str(shards) + "/", "") for p in got] == ["part-a.jsonl", "part-b/part-c.jsonl.gz",
                                                               "part-d.parquet"]
    assert expand(str(shards / "*.jsonl")) == [str(shards / "part-a.jsonl")]
    assert expand(str(shards / "**" / "*.gz")) == [str(shards / "part-b" / "part-c.jsonl.gz")]
    (corpora / "list.txt").write_text("# two shards\nsynth_shards/part-a.jsonl\n\nsynth_shards/part-d.parquet\n")
    assert expand(f"@{corpora / 'list.txt'}") == [str(corpora / "synth_shards/part-a.jsonl"),
                                                  str(corpora / "synth_shards/part-d.parquet")]


def test_directory_audits_like_the_single_file(corpora):
    one, many = corpora / "one.json", corpora / "many.json"
    assert main(["compare", str(corpora / "real.jsonl"), str(corpora / "synth.jsonl"), *ARGS, "--json", str(one)]) == 0
    assert main(["compare", str(corpora / "real.jsonl"), str(corpora / "synth_shards"), *ARGS,
                 "--json", str(many)]) == 0
    assert _metrics(one) == _metrics(many)
    synth = json.loads(many.read_text())["inputs"]["synth"]
    assert synth["n_documents"] == 90 and synth["format"] == "mixed"
    assert [s["n_documents"] for s in synth["shards"]] == [30, 30, 30]
    assert synth["rejected"] == {"bad_json": 1}
    assert synth["rejected_examples"][0]["file"].endswith("part-a.jsonl")
    assert synth["rejected_examples"][0]["line"] == 31


def test_a_shard_with_no_usable_record_is_counted_not_fatal(corpora, tmp_path):
    d = tmp_path / "s"
    d.mkdir()
    (d / "a.jsonl").write_text("\n".join(_lines("synth.jsonl", 40)) + "\n")
    (d / "b.jsonl").write_text('{"text": ""}\n{"other": 1}\n')
    stream, report = open_inputs(d)
    assert sum(1 for _ in stream) == 40
    assert report.rejected == {"empty_text": 1, "missing_field": 1}


@pytest.mark.parametrize("spec, message", [
    ("nothing-*.jsonl", "matches no file"),
    ("@missing.txt", "cannot read the shard list"),
    ("empty_dir", "holds no corpus file"),
])
def test_bad_shard_specs_exit_2(tmp_path, monkeypatch, capsys, spec, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty_dir").mkdir()
    (tmp_path / "r.jsonl").write_text("\n".join(_lines("real.jsonl", 30)) + "\n")
    assert main(["compare", "r.jsonl", spec, *ARGS]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_missing_shard_in_a_manifest_fails_before_reading(tmp_path):
    (tmp_path / "a.jsonl").write_text("\n".join(_lines("real.jsonl", 30)) + "\n")
    (tmp_path / "list.txt").write_text("a.jsonl\nb.jsonl\n")
    with pytest.raises(InputError, match="b.jsonl: no such file"):
        open_inputs(f"@{tmp_path / 'list.txt'}")
