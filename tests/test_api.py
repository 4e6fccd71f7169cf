"""The Python API: every input kind gives the CLI's JSON for the equivalent file; the result's pandas,
file and notebook views read the result's own data."""
import json
import warnings

import pandas as pd
import pytest

import audit
from audit.api import compare
from audit.cli import main
from audit.errors import ConfigError, InputError
from audit.result import AuditResult
from tests.conftest import ROOT

KW = dict(embedder="hash", make_map=False, use_cache=False, families=("diversity", "duplication"))


def _records(name, n=80):
    return [json.loads(line) for line in (ROOT / "sample_data" / name).read_text().splitlines()[:n]]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("api")
    for name in ("real.jsonl", "synth.jsonl"):
        (d / name).write_text("".join(json.dumps(r) + "\n" for r in _records(name)))
    return d


@pytest.fixture(scope="module")
def cli_metrics(files):
    out = files / "cli.json"
    assert main(["compare", str(files / "real.jsonl"), str(files / "synth.jsonl"), "--embedder", "hash",
                 "--no-map", "--no-cache", "--families", "diversity,duplication", "--no-config", "-q",
                 "--json", str(out)]) == 0
    return json.loads(out.read_text())["metrics"]


def _same_numbers(a, b):
    """The metric rows agree (ids and sources name the input, so the evidence's ids may differ)."""
    keys = ("name", "real", "synth", "value", "verdict", "noise_floor", "sample_size")
    assert [{k: m[k] for k in keys} for m in a] == [{k: m[k] for k in keys} for m in b]


def test_paths_give_the_cli_json(files, cli_metrics):
    result = compare(files / "real.jsonl", str(files / "synth.jsonl"), **KW)
    assert result.to_dict()["metrics"] == cli_metrics


@pytest.mark.parametrize("kind", ["dataframe", "records", "strings", "series"])
def test_in_memory_inputs_give_the_same_numbers(kind, cli_metrics):
    real, synth = _records("real.jsonl"), _records("synth.jsonl")
    conv = {
        "dataframe": lambda rs: pd.DataFrame(rs),
        "records": lambda rs: rs,
        "strings": lambda rs: [r["text"] for r in rs],
        "series": lambda rs: pd.Series([r["text"] for r in rs]),
    }[kind]
    result = compare(conv(real), conv(synth), **KW)
    _same_numbers(result.to_dict()["metrics"], cli_metrics)
    assert result.inputs["real"]["n_documents"] == 80


def test_bad_records_in_memory_are_counted_not_fatal():
    real = [r["text"] for r in _records("real.jsonl")]
    # blank, missing, white space and invisible-only text: rejected exactly as the file readers reject them
    synth = pd.DataFrame({"text": [r["text"] for r in _records("synth.jsonl")] + ["", None, "   ", "\u200b\u200d"]})
    result = compare(real, synth, **KW)
    assert result.inputs["synth"]["n_documents"] == 80
    assert sum(result.inputs["synth"]["rejected"].values()) == 4
    with pytest.raises(InputError, match="empty_text"):
        compare(real, synth, strict=True, **KW)


def test_options_are_validated_with_the_cli_messages():
    texts = ["a b c"] * 30
    with pytest.raises(ConfigError, match="unknown option 'near_treshold'.*near_threshold"):
        compare(texts, texts, options={"near_treshold": 0.9}, **KW)
    with pytest.raises(ConfigError, match="--seed"):
        compare(texts, texts, seed="1", **KW)
    with pytest.raises(InputError, match="cannot audit a int"):
        compare(3, texts, **KW)


def test_an_option_reaches_the_metric():
    real, synth = [r["text"] for r in _records("real.jsonl")], [r["text"] for r in _records("synth.jsonl")]
    base = synth[3].split()
    # a near duplicate: the same text plus a third as many new words (5-shingle Jaccard about 0.7)
    synth = synth + [" ".join(base + [f"w{i}" for i in range(len(base) // 3)])]
    loose = compare(real, synth, options={"near_threshold": 0.5}, **KW).metric("near_duplicate_rate")
    strict = compare(real, synth, options={"near_threshold": 0.95}, **KW).metric("near_duplicate_rate")
    assert loose.synth > 0 and strict.synth == 0


def test_to_pandas_round_trips_the_metric_rows(files):
    result = compare(files / "real.jsonl", files / "synth.jsonl", **KW)
    df = result.to_pandas()
    assert len(df) == len(result.metrics) and list(df["name"]) == [m.name for m in result.metrics]
    assert df["synth"].dtype == float  # numbers are numbers (missing ones NaN), so the frame can be filtered
    back = df.astype(object).where(df.notna(), None).to_dict("records")
    assert back == result.to_dict()["metrics"]


def test_save_load_html_and_notebook_view(files, tmp_path):
    result = compare(files / "real.jsonl", files / "synth.jsonl", **KW)
    path = result.save(tmp_path / "r.json")
    again = AuditResult.load(path)
    assert again.to_json() == result.to_json()
    assert "<html" in result.save(tmp_path / "r.html").read_text()[:500].lower()
    assert result.save(tmp_path / "r.md").read_text().strip()
    (tmp_path / "mine.json").write_text("{}")
    with pytest.raises(ConfigError, match="not written by corpus-audit"):
        result.save(tmp_path / "mine.json")
    with pytest.raises(ConfigError, match="unknown report format"):
        result.save(tmp_path / "r.pdf")
    cell = result._repr_html_()
    assert result.verdict.upper() in cell and "80 docs" in cell
    assert "<script" not in cell


def test_flagged_ids_filter_the_synthetic_corpus():
    synth = [r["text"] for r in _records("synth.jsonl", 60)]
    real = [r["text"] for r in _records("real.jsonl", 60)]
    planted = synth + [synth[3] + " extra words at the end.", synth[7]]  # a near and an exact duplicate
    planted = planted + [real[5]]  # a verbatim copy of a real document
    result = compare(real, planted, **KW)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copied = result.flagged_ids("copy")
        exact = result.flagged_ids("exact_copy")
    assert "63" in exact and "63" in copied  # 1-based line of the planted copy
    frame = result.examples("copy")
    assert {"kind", "synth_id", "real_id", "synth_text", "real_text"} <= set(frame.columns)
    with pytest.raises(KeyError, match="unknown kind"):
        result.flagged_ids("nonsense")


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"corpus-audit {audit.__version__}"


def test_hugging_face_datasets(tmp_path, cli_metrics):
    import datasets  # the dev extra installs it: a missing package fails here, never skips
    real = datasets.Dataset.from_list(_records("real.jsonl"))
    synth = datasets.Dataset.from_list(_records("synth.jsonl"))
    _same_numbers(compare(real, synth, **KW).to_dict()["metrics"], cli_metrics)
    # a saved dataset (load_from_disk) and its Arrow file read directly
    real.save_to_disk(tmp_path / "real_ds")
    synth.save_to_disk(tmp_path / "synth_ds")
    _same_numbers(compare(tmp_path / "real_ds", tmp_path / "synth_ds", **KW).to_dict()["metrics"], cli_metrics)
    arrow = next((tmp_path / "synth_ds").glob("*.arrow"))
    _same_numbers(compare(tmp_path / "real_ds", arrow, **KW).to_dict()["metrics"], cli_metrics)
    # streaming (IterableDataset) too
    _same_numbers(compare(real.to_iterable_dataset(), synth, **KW).to_dict()["metrics"], cli_metrics)
    with pytest.raises(InputError, match="DatasetDict"):
        compare(datasets.DatasetDict({"train": real, "test": real}), synth, **KW)


def test_progress_is_live_on_a_terminal_and_plain_elsewhere():
    import io

    from rich.console import Console

    from audit.cli_output import RichProgress

    for terminal in (True, False):
        buf = io.StringIO()
        p = RichProgress(Console(file=buf, force_terminal=terminal, width=120))
        tick = p.step("Reading x", total=None)
        for _ in range(3):
            tick(1024)
        p.done("Read x: 3,072 documents")
        p.close()
        out = buf.getvalue()
        import re

        assert "Read x: 3,072 documents" in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)
        assert p.live is terminal
        if not terminal:
            assert "\x1b[" not in out and "Reading x" not in out  # no bars or escape codes in a CI log


def test_trend_and_mix_from_python(tmp_path):
    from audit.api import mix, trend
    from audit.simulate import collapse_chain, write_jsonl

    real = [r["text"] for r in _records("real.jsonl", 150)]
    paths = []
    for i, texts in enumerate([real] + collapse_chain(real, 4, mode="replace", seed=0)):
        write_jsonl(tmp_path / f"g{i}.jsonl", texts, f"g{i}")
        paths.append(tmp_path / f"g{i}.jsonl")
    fast = dict(embedder="hash", use_cache=False, make_map=False, families=("diversity",),
                options={"bleu_sample": 60, "homogenization_sample": 60})
    cfg = tmp_path / "audit.toml"
    cfg.write_text('[[trend]]\nmetric = "distinct_2_score"\non = "trend"\nop = "=="\nvalue = "ok"\n')
    result = trend(paths, config=cfg, **fast)
    assert result.generations == ["real", "gen1", "gen2", "gen3", "gen4"]
    assert result.metric("distinct_2_score").trend in ("warn", "fail")
    assert result.gate["status"] == "fail"
    df = result.to_pandas()
    row = df[(df["name"] == "distinct_2_score") & (df["against"] == "real")].iloc[0]
    assert row["trend"] in ("warn", "fail") and row["gen4"] < row["gen1"]
    with pytest.raises(ConfigError, match="at least two generations"):
        trend(paths[:2], **fast)
    curve = mix(paths[0], paths[4], ratios=[0, 0.5, 1], **fast)
    from audit.mix import label

    assert curve.generations == [label(r) for r in (0, 0.5, 1)]
    assert curve.to_pandas().shape[0] == len(curve.metrics)
