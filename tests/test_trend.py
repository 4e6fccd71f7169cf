"""`audit trend` on simulated chains: the replace chain collapses, the accumulate chain and real resamples
do not; the JSON is deterministic; the gate's trend checks exit 1 on the collapse chain."""
import json

import numpy as np
import pytest

from audit.cli import main
from audit.pipeline import AuditOptions
from audit.simulate import collapse_chain, write_jsonl
from audit.trend import run_trend
from tests.conftest import ROOT, load_texts

REAL = load_texts(ROOT / "sample_data/real.jsonl")
N, GENS = 150, 5
FAMILIES = ("diversity",)
FAST = {"bleu_sample": 60, "homogenization_sample": 60}  # keeps each audit near a second
CLI = ["--embedder", "hash", "--no-cache", "--families", "diversity", "--no-map", "-q",
       "--option", "bleu_sample=60", "--option", "homogenization_sample=60"]
DIVERSITY = ("distinct_1_score", "distinct_2_score", "distinct_3_score", "tail_survival_score")


def _opts(path, **kw):
    return AuditOptions(real=path, synth=path, embedder="hash", use_cache=False, families=FAMILIES,
                        make_map=False, metric_options=dict(FAST), **kw)


def _write(folder, name, gens):
    paths = []
    for i, texts in enumerate(gens):
        p = folder / f"{name}{i}.jsonl"
        write_jsonl(p, texts, f"{name}{i}")
        paths.append(str(p))
    return paths


@pytest.fixture(scope="module")
def chains(tmp_path_factory):
    d = tmp_path_factory.mktemp("chains")
    real = REAL[:N]
    out = {mode: _write(d, mode, [real] + collapse_chain(real, GENS, mode=mode, seed=0))
           for mode in ("replace", "accumulate")}
    # real resamples: disjoint seeded slices of the real corpus, one per "generation"
    order = np.random.default_rng(7).permutation(len(REAL))
    size = len(REAL) // (GENS + 1)
    out["resample"] = _write(d, "resample", [[REAL[i] for i in order[k * size:(k + 1) * size]] for k in range(GENS + 1)])
    return out


@pytest.fixture(scope="module")
def results(chains):
    return {name: run_trend(paths, _opts(paths[0])) for name, paths in chains.items()}


def test_replace_chain_is_flagged_with_its_crossing_generation(results):
    r = results["replace"]
    assert r.generations == ["real", "gen1", "gen2", "gen3", "gen4", "gen5"]
    assert r.verdict == "fail"
    failed = {m.name for m in r.metrics if m.trend == "fail"}
    assert {"distinct_2_score", "distinct_3_score"} <= failed
    d2 = r.metric("distinct_2_score")
    assert d2.slope < 0 and d2.slope_ci[1] < 0 and d2.p_adjusted < 0.05
    # the crossing generation is the first whose audit verdict was fail, and every later one fails too
    first = d2.verdicts.index("fail")
    assert d2.crossed_at == r.generations[first] and first >= 1
    assert all(v == "fail" for v in d2.verdicts[first:])
    assert all(a > b for a, b in zip(d2.values[1:], d2.values[2:]))  # it really falls every generation
    tail = r.metric("tail_survival_score")
    assert tail.values[-1] < tail.values[1] and tail.worsening_run >= 2


def test_accumulate_chain_and_real_resamples_are_not_flagged(results):
    for name in ("accumulate", "resample"):
        r = results[name]
        failed = [(m.name, m.reason) for m in r.metrics if m.trend == "fail"]
        assert not failed, (name, failed)
    acc, rep = results["accumulate"], results["replace"]
    for name in DIVERSITY:  # far less loss than the replace chain by the last generation
        a, b = acc.metric(name).values[-1], rep.metric(name).values[-1]
        assert a > b, name


def test_trend_json_shape_determinism_and_gate(chains, results, tmp_path):
    r = results["replace"]
    data = json.loads(r.to_json())
    assert data["generations"] == r.generations
    for m in data["metrics"]:
        assert {"name", "family", "values", "trend", "slope", "crossed_at"} <= set(m)
        assert len(m["values"]) == len(data["generations"])
        assert m["trend"] in ("ok", "warn", "fail", "insufficient", "info")
    # the command line runs it again from the files: the same JSON, plus the gate, which fails (exit 1)
    out = tmp_path / "trend.json"
    assert main(["trend", *chains["replace"], *CLI, "--no-config", "--check", "--json", str(out)]) == 1
    again = json.loads(out.read_text())
    gate = again.pop("gate")
    data.pop("gate")
    assert again == data
    assert gate["status"] == "fail" and {c["status"] for c in gate["checks"]} == {"fail"}
    assert main(["trend", *chains["resample"], *CLI, "--no-config", "--check"]) == 0


def test_trend_checks_from_a_config(results, tmp_path):
    from audit.config import load_config
    from audit.gate import evaluate_trend

    cfg = tmp_path / "audit.toml"
    cfg.write_text('[[trend]]\nmetric = "distinct_2_score"\non = "worsening_run"\nop = "<"\nvalue = 2\n'
                   '[[trend]]\nmetric = "*"\non = "trend"\nop = "!="\nvalue = "fail"\nseverity = "warn"\n')
    checks = load_config(cfg).trend_checks
    collapse = evaluate_trend(checks, results["replace"])
    assert [c.status for c in collapse.checks] == ["fail", "warn"] and collapse.exit_code == 1
    resample = evaluate_trend(checks, results["resample"])
    assert [c.status for c in resample.checks] == ["pass", "pass"] and resample.exit_code == 0
    assert evaluate_trend([], results["replace"]).exit_code == 0  # no checks: report only


def test_trend_bad_input_is_exit_2(chains, tmp_path, capsys):
    cfg = tmp_path / "audit.toml"
    cfg.write_text('[[trend]]\nmetric = "distinct_2_scor"\n')
    assert main(["trend", *chains["replace"], *CLI, "--config", str(cfg)]) == 2
    assert "did you mean 'distinct_2_score'" in capsys.readouterr().err
    assert main(["trend", chains["replace"][0], chains["replace"][1], *CLI, "--no-config"]) == 2
    assert main(["trend", chains["replace"][0], str(tmp_path / "missing.jsonl"), chains["replace"][1], *CLI,
                 "--no-config"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_generation_map_and_tail_bands_cover_every_generation():
    from audit.embed import HashEmbedder
    from audit.sampling import BottomKSample
    from audit.trend import Corpus, generation_map, tail_bands
    from audit.context import CorpusStats
    from tests.conftest import docs_from_texts

    texts = [REAL[:60], REAL[60:120], [t.split(".")[0] for t in REAL[120:180]]]
    corpora = []
    for i, tx in enumerate(texts):
        sample = BottomKSample(100, 0).extend(docs_from_texts(tx, f"c{i}"))
        c = Corpus(["real", "gen1", "gen2"][i], f"c{i}", sample, CorpusStats(), {})
        c.emb = HashEmbedder().encode([d.text for d in c.docs()])
        corpora.append(c)
    m = generation_map(corpora, seed=0, per_corpus=25)
    assert m["method"] == "pca" and len(m["points"]) == 75
    assert sorted({p["g"] for p in m["points"]}) == [0, 1, 2]
    assert all(0 <= p["x"] <= 1 and 0 <= p["y"] <= 1 for p in m["points"])
    bands = tail_bands(corpora, _opts("x"))
    assert [r["generation"] for r in bands["rows"]] == ["gen1", "gen2"]
    rare = [r["bands"][0] for r in bands["rows"]]  # words the real sample used once
    assert rare[0]["types"] == rare[1]["types"] > 0
    # first sentences only: a thinner corpus keeps fewer of the real corpus's rare words
    assert rare[1]["share"] < rare[0]["share"]


def test_html_page_has_a_chart_per_metric_the_band_and_the_generation_map(results):
    from reports.trend import render_markdown
    from reports.trend_html import render_trend_html

    r = results["replace"]
    r.sections["map"] = {"method": "pca", "per_generation": 1,
                         "points": [{"x": g / 5, "y": 0.5, "g": g, "id": str(g), "text": "<b>t</b>"} for g in range(6)]}
    page = render_trend_html(r)
    assert page.count('class="card"') == len(r.metrics)
    assert page.count("real noise band") >= sum(1 for m in r.metrics if m.band.get("low") or m.band.get("high"))
    assert page.count("<circle") >= 6 and "&lt;b&gt;t&lt;/b&gt;" in page and "<b>t</b>" not in page
    assert "<!-- corpus-audit report -->" in page
    md = render_markdown(r)
    assert "distinct_2_score" in md and "seen 1×" in md and "<!-- corpus-audit -->" in md
    del r.sections["map"]
