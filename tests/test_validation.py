"""One input validator (audit.limits + AuditOptions.validate): every command and the Python API refuse the
same bad value with the same one line and exit 2, before any corpus is read."""
from pathlib import Path

import pytest

from audit.cli import main
from audit.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
REAL, SYNTH = str(ROOT / "sample_data" / "real.jsonl"), str(ROOT / "sample_data" / "synth.jsonl")
FAST = ["--embedder", "hash", "--no-cache", "--quiet"]


def _one_line_exit_2(argv, capsys, needle):
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2 and needle in err and len(err.splitlines()) == 1, (code, err)


@pytest.fixture
def bad_files(tmp_path):
    phrases = tmp_path / "phrases.json"
    phrases.write_text('{"refusal": 5}')
    groups = tmp_path / "groups.json"
    groups.write_text('{"axis": 5}')
    return {"defect_phrases": phrases, "bias_groups": groups}


@pytest.mark.parametrize("command", [["compare", REAL, SYNTH], ["trend", REAL, SYNTH, SYNTH], ["mix", REAL, SYNTH]])
@pytest.mark.parametrize("option", ["defect_phrases", "bias_groups"])
def test_a_bad_user_file_fails_the_same_way_on_every_command(command, option, bad_files, capsys, monkeypatch):
    import audit.ingest

    def no_reading(*a, **k):  # validation comes before any corpus is opened
        raise AssertionError("a corpus was opened before the options were checked")

    monkeypatch.setattr(audit.ingest, "open_input", no_reading)
    path = bad_files[option]
    code = main([*command, "--option", f"{option}={path}", *FAST])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and err.count(str(path)) == 1, err  # named once


@pytest.mark.parametrize("argv, needle", [
    (["mix", REAL, SYNTH, "--size", "10"], "--size must be a whole number from 40 to 10,000,000 (got 10)"),
    (["init", REAL, "--seeds", "1", "-o", "never.toml"], "--seeds must be a whole number from 2 to 1,000 (got 1)"),
    (["compare", REAL, SYNTH, "--max-memory", "nan"], "--max-memory must be a number of GiB from 0 to 1048576"),
    (["trend", REAL, SYNTH, SYNTH, "--seed", "-1"], "--seed must be a whole number from 0 to 4,294,967,295"),
    (["mix", REAL, SYNTH, "--sample-size", "5"], "--sample-size must be a whole number from 20 to"),
])
def test_numbers_are_checked_by_the_one_validator(argv, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _one_line_exit_2([*argv, *FAST], capsys, needle)
    assert not (tmp_path / "never.toml").exists()


def test_the_api_says_what_the_cli_says(bad_files):
    from audit.api import compare, mix

    with pytest.raises(ConfigError, match=r"--seed must be a whole number from 0 to 4,294,967,295 \(got '3'\)"):
        compare(REAL, SYNTH, seed="3", embedder="hash")
    with pytest.raises(ConfigError, match="--size must be a whole number from 40"):
        mix(REAL, SYNTH, size=10, embedder="hash")
    with pytest.raises(ConfigError, match="phrases.json"):
        compare(REAL, SYNTH, options={"defect_phrases": str(bad_files["defect_phrases"])}, embedder="hash")
