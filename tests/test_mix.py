"""`audit mix`: the mixing curve leaves the real noise band at a synthetic share below 1, never at 0.

The pair: news headlines (real) and clickbait headlines, a shared corpus pair whose second side is known
to be formulaic (less diverse: distinct-2 0.77 vs 0.91 at the same word budget), from tests/data."""
import json

import pytest

from audit.cli import main
from audit.mix import mixtures, parse_ratios, run_mix
from audit.pipeline import AuditOptions
from tests.conftest import ROOT, docs_from_texts

REAL = ROOT / "tests/data/clickbait/news_mixed.jsonl"
FAST = {"bleu_sample": 60, "homogenization_sample": 60}


@pytest.fixture(scope="module")
def less_diverse():
    return str(ROOT / "tests/data/clickbait/clickbait.jsonl")


@pytest.fixture(scope="module")
def curve(less_diverse):
    opts = AuditOptions(real=str(REAL), synth=less_diverse, embedder="hash", use_cache=False,
                        families=("diversity", "bias"), make_map=False, metric_options=dict(FAST))
    return run_mix(str(REAL), less_diverse, opts, ratios=[0, 0.25, 0.5, 0.75, 1], size=400)


def test_mixing_curve_leaves_the_band_below_1_and_never_at_0(curve):
    sec = curve.sections["mix"]
    assert curve.generations == ["0", "0.25", "0.5", "0.75", "1"]
    assert sec["size"] == 400
    assert sec["answer"] is not None and 0 < sec["answer"]["ratio"] < 1
    for m in curve.metrics:  # share 0 is real against real: nothing may leave the band there
        assert m.left_band_at != "0", (m.name, m.values, m.band)
    for name in ("distinct_1_score", "distinct_2_score", "tail_survival_score"):
        m = curve.metric(name)
        assert m.left_band_at is not None and float(m.left_band_at) < 1, name
        assert m.values[0] > m.values[-1], name  # more clickbait, less diversity
    assert curve.metric("distinct_1_score").trend == "fail"


def test_mixtures_are_nested_at_a_fixed_size():
    pool, synth = docs_from_texts([f"r{i}" for i in range(50)]), docs_from_texts([f"s{i}" for i in range(60)])
    mixes = mixtures(pool, synth, [0.0, 0.5, 1.0], 40, seed=0)
    assert [len(m) for m in mixes] == [40, 40, 40]
    synth_rows = [set(int(j) for j in m if j >= 50) for m in mixes]
    assert [len(s) for s in synth_rows] == [0, 20, 40]
    assert synth_rows[1] <= synth_rows[2]
    assert all(len(set(m.tolist())) == 40 for m in mixes)


def test_mix_cli_writes_reports_and_rejects_bad_ratios(less_diverse, tmp_path, capsys):
    args = ["--embedder", "hash", "--no-cache", "--families", "diversity", "--no-config", "-q",
            "--option", "bleu_sample=60", "--option", "homogenization_sample=60"]
    assert main(["mix", str(REAL), less_diverse, "--ratios", "0,1", *args]) == 2
    assert "at least three" in capsys.readouterr().err
    assert main(["mix", str(REAL), less_diverse, "--ratios", "0,0.5,2", *args]) == 2
    with pytest.raises(Exception):
        parse_ratios("a,b,c")
    js, md, html = tmp_path / "mix.json", tmp_path / "mix.md", tmp_path / "mix.html"
    assert main(["mix", str(REAL), less_diverse, "--ratios", "0,0.5,1", "--size", "100", *args,
                 "--json", str(js), "--markdown", str(md), "--html", str(html)]) == 0
    data = json.loads(js.read_text())
    assert data["tool"]["report"] == "mix" and data["generations"] == ["0", "0.5", "1"]
    assert data["sections"]["mix"]["size"] == 100
    assert "synthetic share" in md.read_text() and "<svg" in html.read_text()
