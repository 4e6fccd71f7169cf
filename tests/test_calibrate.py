"""`audit init`: thresholds from real-vs-real splits must pass real data and still catch a shifted corpus."""
import json

import pytest

from audit.calibrate import Calibration, MetricSamples, calibrate, render_config, suggest_checks
from audit.cli import main
from audit.config import load_config
from audit.context import build_context
from audit.embed import HashEmbedder
from audit.gate import evaluate
from audit.pipeline import run_context
from audit.result import AuditResult
from metrics.registry import MetricSpec
from tests.conftest import ROOT, docs_from_texts, load_texts

FAST = ("properties", "bias", "duplication")


def audit_result(real_texts, synth_texts, families, seed=0):
    emb = HashEmbedder()
    ctx = build_context(docs_from_texts(real_texts, "real"), docs_from_texts(synth_texts, "synth"),
                        emb.encode(real_texts), emb.encode(synth_texts), seed=seed)
    entries, sections = run_context(ctx, families)
    return AuditResult(inputs={}, settings={}, metrics=entries, sections=sections)


def calibrated_config(texts, families, tmp_path, seeds=5, **kw):
    emb = HashEmbedder().encode(texts)
    cal = calibrate(docs_from_texts(texts, "real"), emb, seeds=seeds, families=families)
    text = render_config(suggest_checks(cal, **kw), cal, header={"real": "test", "n_documents": len(texts)})
    path = tmp_path / "audit.toml"
    path.write_text(text)
    return load_config(path), text


@pytest.fixture(scope="module")
def news(corpora_dir_module):
    # 1,600 headlines drawn at random from all 16,001 (the full file is ordered by source); see tests/data/README.md
    texts = load_texts(corpora_dir_module / "clickbait" / "news_mixed.jsonl")
    assert len(texts) == 1600
    return texts[:800], texts[800:]


@pytest.fixture(scope="module")
def corpora_dir_module():
    from tests.conftest import CORPORA

    return CORPORA


def test_calibrated_thresholds_pass_real_and_fail_shifted(news, corpora_dir_module, tmp_path):
    sample, other = news
    cfg, text = calibrated_config(sample, FAST, tmp_path)
    assert len(cfg.checks) >= 15
    assert "# real-vs-real over 5 seeds" in text
    # the calibration sample against a disjoint random sample of the same corpus: nothing fails
    same = evaluate(cfg.checks, audit_result(sample, other, FAST), min_docs=cfg.min_docs)
    failed = [r.why for r in same.checks if r.status == "fail"]
    assert failed == [] and same.exit_code == 0
    assert sum(r.status == "pass" for r in same.checks) >= 15
    # a fresh half-vs-half split that the calibration did not use: nothing fails
    half = audit_result(sample[1::2], sample[0::2], FAST, seed=99)
    assert [r.why for r in evaluate(cfg.checks, half).checks if r.status == "fail"] == []
    # clickbait headlines are a different distribution: the same config must fail
    bait = load_texts(corpora_dir_module / "clickbait" / "clickbait.jsonl", 800)
    shifted = evaluate(cfg.checks, audit_result(sample, bait, FAST))
    failing = {r.check.metric for r in shifted.checks if r.status == "fail"}
    assert shifted.exit_code == 1 and len(failing) >= 3, failing


def test_noise_only_is_never_looser(news, tmp_path):
    sample, _ = news
    emb = HashEmbedder().encode(sample[:300])
    cal = calibrate(docs_from_texts(sample[:300]), emb, seeds=3, families=("properties",))
    default = {c["metric"]: c for c in suggest_checks(cal)}
    tight = {c["metric"]: c for c in suggest_checks(cal, noise_only=True)}
    assert default.keys() == tight.keys()

    def bound(c):
        t = c["threshold"]
        return float(t.split()[-1]) if isinstance(t, str) else t

    for name in default:
        assert bound(tight[name]) <= bound(default[name]) + 1e-12, name
    assert any(bound(tight[n]) < bound(default[n]) for n in default)


def test_threshold_rule_by_hand():
    reg = {
        "hi_score": MetricSpec("hi_score", "diversity", "hi", "", "higher", fail=0.25),
        "lo_drift": MetricSpec("lo_drift", "drift", "lo", "", "lower", kind="pairwise", fail=0.9),
        "match": MetricSpec("match", "properties", "m", "", "closer", fail=None),
        "zero_rate": MetricSpec("zero_rate", "duplication", "z", "", "lower", fail=None),
    }
    cal = Calibration(seeds=2, half_size=200, metrics={
        # gaps +0.01, -0.01: max |gap| 0.01, rms 0.01 -> 3 rms 0.03 -> margin 1.5 * 0.03 = 0.045
        "hi_score": MetricSamples("hi_score", "per_corpus", "higher", real=[0.5, 0.5], synth=[0.51, 0.49]),
        # values 0.1, 0.3: mean 0.2, sd 0.1414 -> 3 sd 0.4243 -> threshold 0.2 + 1.5 * 0.4243 = 0.8364
        "lo_drift": MetricSamples("lo_drift", "pairwise", "lower", value=[0.1, 0.3]),
        "match": MetricSamples("match", "per_corpus", "closer", real=[10.0, 10.0], synth=[10.0, 12.0]),
        "zero_rate": MetricSamples("zero_rate", "per_corpus", "lower", real=[0.0, 0.0], synth=[0.0, 0.0]),
    })
    out = {c["metric"]: c for c in suggest_checks(cal, reg, noise_only=True)}
    assert (out["hi_score"]["op"], out["hi_score"]["threshold"]) == (">=", "real - 0.045")
    assert out["lo_drift"]["op"] == "<=" and out["lo_drift"]["threshold"] == pytest.approx(0.8364, abs=1e-4)
    # gaps 0, 2: max 2, rms sqrt(2) -> 3 rms 4.243 -> 1.5 * 4.243 = 6.364
    assert out["match"]["on"] == "abs_delta" and out["match"]["threshold"] == pytest.approx(6.364, abs=1e-3)
    assert out["zero_rate"]["threshold"] == "real + 0.005"  # no spread: one document of 200
    # the registry's fail tolerance widens what is tighter than it (25% of real 0.5 = 0.125; 0.9 > 0.836)
    out = {c["metric"]: c for c in suggest_checks(cal, reg)}
    assert out["hi_score"]["threshold"] == "real - 0.125" and out["lo_drift"]["threshold"] == 0.9


def test_cli_init_writes_loadable_config_and_refuses_overwrite(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    real = str(ROOT / "sample_data" / "real.jsonl")
    args = ["init", real, "--embedder", "hash", "--no-cache", "--families", "properties", "--seeds", "2", "-q"]
    assert main(args) == 0
    cfg = load_config(tmp_path / "audit.toml")
    assert {c.metric for c in cfg.checks} >= {"mean_words", "digit_share"}
    capsys.readouterr()
    assert main(args) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert main([*args, "--force", "--output", "other.toml"]) == 0 and (tmp_path / "other.toml").exists()
    assert main([*args, "--output", "x.toml", "--seeds", "1"]) == 2
    # with a synthetic corpus given, halves are capped at its size
    synth = tmp_path / "small.jsonl"
    synth.write_text("".join('{"text": "short synthetic text number %d here"}\n' % i for i in range(60)))
    assert main(["init", real, str(synth), *args[2:], "--output", "y.toml"]) == 0
    assert "60 vs 60 documents" in (tmp_path / "y.toml").read_text()
    # and a compare with the written config runs and gates: real vs real passes
    assert main(["compare", real, real, "--embedder", "hash", "--no-cache", "--no-map", "--families",
                 "properties", "--config", "audit.toml", "-q"]) == 0


@pytest.mark.slow
def test_every_family_calibrated_passes_real_vs_real(tmp_path):
    texts = load_texts(ROOT / "sample_data" / "real.jsonl")
    fams = ("diversity", "duplication", "drift", "bias", "properties")
    cfg, _ = calibrated_config(texts, fams, tmp_path)
    res = audit_result(texts[1::2], texts[0::2], fams, seed=123)
    gate = evaluate(cfg.checks, res)
    assert [r.why for r in gate.checks if r.status == "fail"] == []
    assert sum(r.status == "pass" for r in gate.checks) >= 30


def test_half_stats_equal_adding_the_half_one_document_at_a_time():
    """Calibration merges each document's accumulators (computed once) instead of recomputing them in every
    split: the statistics must be exactly those of adding the half's documents to a fresh CorpusStats."""
    import numpy as np

    from audit.calibrate import HalfStats
    from audit.context import CorpusStats
    from audit.documents import Document
    from metrics.fingerprint import params_from_options

    lines = (ROOT / "tests" / "data" / "clickbait" / "news_mixed.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines][:120] + ["Sure! Here is the article you asked for.", "x"]
    docs = [Document(id=f"d{i}", text=t, source="t", line=i + 1) for i, t in enumerate(texts)]
    options = {"noise_splits": 1}
    cases = (np.arange(0, len(docs), 2), np.arange(1, len(docs), 3), np.array([5]), np.array([], dtype=int))
    halves = HalfStats(docs, options)
    small = HalfStats(docs, options)
    small.BATCH = 7  # many batches, the last one short: batching must not change what a document gets
    for halves, rows in [(h, r) for h in (halves, small) for r in cases]:
        got = halves.of(rows)
        labels = {i: dict(docs[i].metadata) for i in rows}
        for d in docs:
            d.metadata.clear()
        want = CorpusStats(params=params_from_options(options)).configure(options)
        for i in rows:
            want.add(docs[i])
        assert labels == {i: docs[i].metadata for i in rows} and all(v.get("language") for v in labels.values())
        assert (got.n_docs, got.n_chars) == (want.n_docs, want.n_chars)
        assert sorted(got.extras) == sorted(want.extras)
        for name in want.extras:  # equal contents (a merged Counter may list its keys in another order)
            assert vars(got.extras[name]) == vars(want.extras[name]), name
        gi, wi = got.index, want.index
        for col in ("exact", "idh", "n_tokens", "bands", "fp_hash", "fp_doc"):
            assert np.array_equal(getattr(gi, col).array(), getattr(wi, col).array()), col


def test_calibration_without_floors_gives_the_same_samples(news):
    """`audit init` skips each row's own noise floor inside a split (diversity, drift): calibration reads
    only the rows' values and which rows are info/insufficient, and those must not change."""
    texts = news[0][:240]
    emb = HashEmbedder().encode(texts)
    docs = docs_from_texts(texts, "real")
    fams = ("diversity", "drift")
    with_floor = calibrate(docs, emb, seeds=2, families=fams, noise_floor=True)
    without = calibrate(docs, emb, seeds=2, families=fams)
    assert with_floor.metrics.keys() == without.metrics.keys()
    assert len(without.metrics) >= 20
    for name, m in with_floor.metrics.items():
        o = without.metrics[name]
        assert (m.real, m.synth, m.value) == (o.real, o.synth, o.value), name
        excluded = [v in ("info", "insufficient") for v in m.verdicts]
        assert excluded == [v in ("info", "insufficient") for v in o.verdicts], name
    assert any(m.real or m.value for m in without.metrics.values())


def test_calibration_on_threads_gives_the_same_samples(news, monkeypatch):
    """`audit init` runs each split's families on the machine's CPUs: the samples (values and verdicts of
    every split) are those of one family at a time."""
    from audit import family_worker

    monkeypatch.setattr(family_worker, "MIN_DOCS", 50)  # 100-document halves side by side
    monkeypatch.setattr(family_worker, "IN_WORKER", ())  # on threads alone
    texts = news[0][:200]
    emb = HashEmbedder().encode(texts)
    docs = docs_from_texts(texts, "real")
    fams = ("diversity", "drift", "bias", "properties")
    one = calibrate(docs, emb, seeds=2, families=fams)
    two = calibrate(docs, emb, seeds=2, families=fams, workers=2)
    assert len(one.metrics) >= 30 and one.metrics.keys() == two.metrics.keys()
    for name, m in one.metrics.items():
        o = two.metrics[name]
        assert (m.real, m.synth, m.value, m.verdicts) == (o.real, o.synth, o.value, o.verdicts), name


def test_calibration_sends_every_split_to_one_worker_process(news, monkeypatch):
    """Large halves: diversity, bias and properties of every split run in one worker process, started once
    (its imports paid once), with the same samples as one family at a time."""
    import concurrent.futures
    import concurrent.futures.process

    from audit import family_worker

    made = []

    def counting(*a, **kw):
        made.append(concurrent.futures.process.ProcessPoolExecutor(*a, **kw))
        return made[-1]

    texts = news[0][:200]
    emb = HashEmbedder().encode(texts)
    docs = docs_from_texts(texts, "real")
    fams = ("diversity", "bias", "drift")
    one = calibrate(docs, emb, seeds=3, families=fams)
    monkeypatch.setattr(family_worker, "MIN_DOCS", 50)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", counting)
    finish, answered = family_worker.finish_families, []

    def spy(started, names, run_here):  # the worker's own answer, never the fallback
        answered.append(started[0] is not None and started[0].exception(timeout=300) is None)
        return finish(started, names, run_here)

    monkeypatch.setattr(family_worker, "finish_families", spy)
    two = calibrate(docs, emb, seeds=3, families=fams, workers=2)
    assert len(made) == 1 and answered == [True, True, True]  # one worker answered the three splits
    for name, m in one.metrics.items():
        o = two.metrics[name]
        assert (m.real, m.synth, m.value, m.verdicts) == (o.real, o.synth, o.value, o.verdicts), name


def test_a_context_without_floor_skips_the_halves(news):
    """The switch really removes the work on the halves: no row carries a noise floor."""
    from audit.pipeline import run_context

    texts = news[0][:200]
    emb = HashEmbedder().encode(texts)
    ctx = build_context(docs_from_texts(texts[:100], "real"), docs_from_texts(texts[100:], "synth"),
                        emb[:100], emb[100:], noise_floor=False)
    entries, _ = run_context(ctx, ("diversity", "drift"))
    # tail survival's values are themselves made of the halves (rare words of one half found in the other)
    rows = [e for e in entries if e.verdict not in ("info", "insufficient") and e.name != "tail_survival_score"]
    assert len(rows) >= 15
    assert all(e.noise_floor is None and "noise" not in e.details for e in rows), \
        [e.name for e in rows if e.noise_floor is not None or "noise" in e.details]


def test_calibration_splits_equal_standalone_contexts_of_each_half(news):
    """Each split is two subsets of one corpus (tokens, token ids, properties computed once for every
    split). Its rows must be those of the split's halves audited as two corpora of their own, as the
    splits were built before (``build_context`` on the documents, statistics streamed afresh)."""
    import numpy as np

    from audit.pipeline import run_context
    from audit.sampling import content_order

    texts = news[0][:160]
    emb = HashEmbedder().encode(texts)
    docs = docs_from_texts(texts, "real")
    fams = ("diversity", "properties", "drift", "bias")
    got = calibrate(docs, emb, seeds=2, families=fams)
    half = len(docs) // 2
    for s in range(2):
        perm = content_order(docs, [0, 7919, s])
        a, b = np.sort(perm[:half]), np.sort(perm[half:2 * half])
        ctx = build_context([docs[i] for i in a], [docs[i] for i in b], emb[a], emb[b], seed=s,
                            options={"noise_splits": 1}, noise_floor=False)
        rows = {e.name: e for e in run_context(ctx, fams)[0]}
        assert len(rows) >= 30
        for name, e in rows.items():
            m = got.metrics[name]
            assert m.verdicts[s] == e.verdict, name
            if e.verdict in ("info", "insufficient"):
                continue
            if e.kind == "pairwise":
                assert e.value is None or m.value[s] == float(e.value), name
            elif e.real is not None and e.synth is not None:
                assert (m.real[s], m.synth[s]) == (float(e.real), float(e.synth)), name


def test_a_context_without_sections_keeps_every_row(news):
    """`audit init` skips the example sections nothing reads (boilerplate openings, cluster keywords): the
    rows are the same, and those sections are gone."""
    from audit.pipeline import run_context

    texts = news[0][:200]
    emb = HashEmbedder().encode(texts)
    outs = []
    for sections in (True, False):
        ctx = build_context(docs_from_texts(texts[:100], "real"), docs_from_texts(texts[100:], "synth"),
                            emb[:100], emb[100:])
        ctx.sections = sections
        outs.append(run_context(ctx, ("diversity",)))
    (with_rows, with_sections), (rows, sections) = outs
    assert [(e.name, e.real, e.synth, e.value, e.verdict) for e in with_rows] == \
        [(e.name, e.real, e.synth, e.value, e.verdict) for e in rows]
    assert {"boilerplate", "diversity_clusters"} <= set(with_sections)
    assert not {"boilerplate", "diversity_clusters"} & set(sections)
