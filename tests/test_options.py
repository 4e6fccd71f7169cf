"""Metric tuning knobs: config [options], --option, --bias-groups; unknown keys and bad files exit 2."""
import json
from pathlib import Path

import pytest

from audit.cli import main
from audit.config import load_config
from audit.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
REAL, SYNTH = ROOT / "sample_data/real.jsonl", ROOT / "sample_data/synth.jsonl"
FAST = ["--embedder", "hash", "--no-map", "--quiet", "--no-cache", "--no-config"]


def test_config_options_are_validated_with_line_numbers(tmp_path):
    cfg = tmp_path / "audit.toml"
    cfg.write_text('min_docs = 10\n[options]\nnear_threshold = 0.9\nbias_groups = "groups.json"\n')
    c = load_config(cfg)
    assert c.options == {"near_threshold": 0.9, "bias_groups": str(tmp_path / "groups.json")}
    cfg.write_text('[options]\nnear_treshold = 0.9\n')
    with pytest.raises(ConfigError, match=r"audit.toml:2: unknown option 'near_treshold' \(did you mean 'near_threshold'\?\)"):
        load_config(cfg)
    cfg.write_text('[options]\nnear_threshold = [1, 2]\n')
    with pytest.raises(ConfigError, match="must be a number or a string"):
        load_config(cfg)


def test_option_flag_reaches_the_metrics_and_settings(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["compare", str(REAL), str(SYNTH), *FAST, "--json", str(out), "--families", "duplication",
                 "--option", "near_threshold=0.5", "--option", "ngram_n=8"]) == 0
    d = json.loads(out.read_text())
    assert d["settings"]["options"] == {"near_threshold": 0.5, "ngram_n": 8}
    by = {m["name"]: m for m in d["metrics"]}
    base = tmp_path / "b.json"
    assert main(["compare", str(REAL), str(SYNTH), *FAST, "--json", str(base), "--families", "duplication"]) == 0
    b = {m["name"]: m for m in json.loads(base.read_text())["metrics"]}
    # shorter shared spans count as copies more often
    assert by["ngram_copy_rate"]["value"] > b["ngram_copy_rate"]["value"]


@pytest.mark.parametrize("argv, message", [
    (["--option", "bogus=1"], "unknown option 'bogus'"),
    (["--option", "near_threshold"], "expected KEY=VALUE"),
    (["--bias-groups", "nope.json"], "no such file"),
])
def test_bad_options_exit_2(argv, message, capsys):
    assert main(["compare", str(REAL), str(SYNTH), *FAST, *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_user_bias_groups_appear_in_the_report(tmp_path, capsys):
    groups = tmp_path / "groups.json"
    groups.write_text(json.dumps({"profession": {"scientists": ["scientist", "scientists", "researcher",
                                                                 "researchers"]}}))
    out = tmp_path / "r.json"
    assert main(["compare", str(REAL), str(SYNTH), *FAST, "--json", str(out), "--families", "bias",
                 "--bias-groups", str(groups)]) == 0
    rep = json.loads(out.read_text())["sections"]["bias"]["representation"]
    assert any(r["axis"] == "profession" and r["group"] == "scientists" for r in rep)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["compare", str(REAL), str(SYNTH), *FAST, "--bias-groups", str(bad)]) == 2
    assert "bias groups file" in capsys.readouterr().err


def test_options_in_pyproject_tool_audit(tmp_path):
    py = tmp_path / "pyproject.toml"
    py.write_text('[project]\nname = "x"\n\n[tool.audit]\nmin_docs = 5\n\n[tool.audit.options]\ntopics_k = 8\nbogus = 1\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml:9: unknown option 'bogus'"):
        load_config(py)
