"""Pipeline pieces: mergeable stats, reservoir sampling, BH correction, verdict rules."""
import numpy as np
import pytest

from audit.compare import pairwise_entry, per_corpus_entry
from audit.context import CorpusStats
from audit.documents import Document
from audit.pipeline import correct_for_multiple_tests, sample_stream
from audit.sampling import BottomKSample, priority
from audit.result import MetricEntry
from metrics.result import MetricResult

DOCS = [Document(id=str(i), text=f"doc {i % 37}", line=i + 1) for i in range(500)]


def _content(stats):
    """The index in content order: (text hash, id hash, id, text) of every document."""
    ix = stats.index
    exact, idh = ix.exact.array(), ix.idh.array()
    return [(int(exact[i]), int(idh[i]), *ix.texts.get(int(i))) for i in ix.content_order()]


def test_corpus_stats_merge_equals_one_pass():
    whole = CorpusStats()
    for d in DOCS:
        whole.add(d)
    parts = [CorpusStats() for _ in range(3)]
    for i, d in enumerate(DOCS):
        parts[i % 3].add(d)  # interleaved partitions: a later partition may hold a text's first occurrence
    merged = parts[2].merge(parts[1]).merge(parts[0])
    assert merged.n_docs == whole.n_docs == 500
    assert merged.n_chars == whole.n_chars
    assert _content(merged) == _content(whole)  # whatever the partitions and their merge order
    assert len({e for e, *_ in _content(whole)}) == 37


def test_sample_is_seeded_uniform_and_in_priority_order():
    stats = CorpusStats()
    s1 = sample_stream(iter(DOCS), 50, 1, stats).documents()
    s2 = sample_stream(iter(DOCS), 50, 1, CorpusStats()).documents()
    assert [d.id for d in s1] == [d.id for d in s2] and len(s1) == 50
    # priority order (content and seed), not file order: positional draws downstream are order-free
    prios = [priority(d.text, 1) for d in s1]
    assert prios == sorted(prios) and [d.line for d in s1] != sorted(d.line for d in s1)
    assert stats.n_docs == 500  # the stats saw every document, not only the sample
    # uniform over distinct texts: each of 400 unique texts is kept with probability k/n
    uniq = [Document(id=str(i), text=f"text number {i}", line=i + 1) for i in range(400)]
    hits = np.zeros(400)
    for seed in range(300):
        for d in BottomKSample(40, seed).extend(uniq).documents():
            hits[int(d.id)] += 1
    p = hits / 300
    assert p.mean() == pytest.approx(0.1)
    assert p[:200].mean() == pytest.approx(p[200:].mean(), abs=0.015)
    assert p.std() < 0.03  # binomial sd at 300 draws of p = 0.1 is 0.017


def test_sample_keeps_everything_when_small():
    out = sample_stream(iter(DOCS[:10]), 50, 0, CorpusStats()).documents()
    assert sorted(d.id for d in out) == [str(i) for i in range(10)]


def test_sample_ignores_order_and_merges_like_one_pass():
    import random

    one = sample_stream(iter(DOCS), 60, 7, CorpusStats()).documents()
    shuffled = list(DOCS)
    random.Random(1).shuffle(shuffled)
    assert [d.id for d in sample_stream(iter(shuffled), 60, 7, CorpusStats()).documents()] == [d.id for d in one]
    parts = [BottomKSample(60, 7).extend(DOCS[i::3]) for i in range(3)]
    merged = parts[0].merge(parts[1]).merge(parts[2])
    assert [d.id for d in merged.documents()] == [d.id for d in one]
    # a prefix of the priority order is itself the bottom-n sample (how both corpora get equal sizes)
    assert [d.id for d in merged.documents(20)] == [d.id for d in sample_stream(iter(DOCS), 20, 7, CorpusStats()).documents()]


def test_duplicates_stay_together_in_the_sample():
    # 37 distinct texts, each repeated: a document is in the sample iff every copy of its text is
    out = sample_stream(iter(DOCS), 100, 3, CorpusStats()).documents()
    texts = {d.text for d in out}
    full = [d for d in DOCS if d.text in texts]
    assert len(out) == 100 and len(full) - len(out) < 14  # only the boundary text may be cut


def _entry(p, verdict="fail"):
    return MetricEntry(family="drift", name="x", title="x", description="", better="lower", kind="pairwise",
                       verdict=verdict, reason="r", p_value=p)


def test_correction_lifts_flags_that_do_not_survive():
    es = [_entry(0.04), _entry(0.001)] + [_entry(0.9, "ok") for _ in range(8)]
    correct_for_multiple_tests(es, 0.05)
    assert es[0].verdict == "ok" and "Benjamini" in es[0].reason  # q = 0.2
    assert es[1].verdict == "fail" and es[1].p_adjusted == pytest.approx(0.01)


def R(v, ci=None, n=100, p=None):
    return MetricResult(v, ci=ci, n=n, p_value=p)


def test_per_corpus_verdicts():
    # distinct_2_score: higher is better, warn at 10%, fail at 25% relative
    good = per_corpus_entry("distinct_2_score", R(0.5), R(0.6), R(0.5), R(0.49))
    assert good.verdict == "ok" and "no worse" in good.reason
    within = per_corpus_entry("distinct_2_score", R(0.5), R(0.45), R(0.5), R(0.47))
    assert within.verdict == "ok" and "noise floor" in within.reason  # gap 0.05 <= 2 x 0.03
    warn = per_corpus_entry("distinct_2_score", R(0.5), R(0.44), R(0.5), R(0.505))
    assert warn.verdict == "warn" and warn.delta == pytest.approx(-0.06)
    fail = per_corpus_entry("distinct_2_score", R(0.5), R(0.3), R(0.5), R(0.5))
    assert fail.verdict == "fail" and fail.noise_floor == 0
    overlap = per_corpus_entry("distinct_2_score", R(0.5, (0.3, 0.7)), R(0.3, (0.2, 0.4)), R(0.5), R(0.5))
    assert overlap.verdict == "ok" and "overlap" in overlap.reason
    tiny = per_corpus_entry("distinct_2_score", R(0.5, n=5), R(0.3, n=5), min_n=20)
    assert tiny.verdict == "insufficient"


def test_pairwise_verdicts():
    # classifier_auc_drift: lower is better, warn 0.65, fail 0.80
    assert pairwise_entry("classifier_auc_drift", R(0.55), R(0.5)).verdict == "ok"
    assert pairwise_entry("classifier_auc_drift", R(0.7), R(0.5)).verdict == "warn"
    assert pairwise_entry("classifier_auc_drift", R(0.9), R(0.5)).verdict == "fail"
    assert pairwise_entry("classifier_auc_drift", R(0.9), R(0.95)).verdict == "ok"  # no worse than real-vs-real
    ns = pairwise_entry("classifier_auc_drift", R(0.9, p=0.2), R(0.5))
    assert ns.verdict == "ok" and "not significant" in ns.reason


def test_pairwise_thresholds_apply_to_the_excess_over_chance():
    # unigram_jsd_drift: ideal 0, warn 0.10, fail 0.25. Two real halves of a small corpus already differ
    # by 0.34: a value of 0.376 is only 0.032 beyond chance -> ok, however large it looks.
    small = pairwise_entry("unigram_jsd_drift", R(0.376), R(0.344))
    assert small.verdict == "ok" and "chance-corrected 0.032" in small.reason
    big = pairwise_entry("unigram_jsd_drift", R(0.565), R(0.199))
    assert big.verdict == "fail"  # 0.366 beyond chance
    # coverage_score: higher is better, ideal 0.969; a floor at the ideal leaves the value as it is
    cov = pairwise_entry("coverage_score", R(0.64), R(0.969))
    assert cov.verdict == "fail" and "chance-corrected" not in cov.reason
    # without an ideal (precision), the raw value is judged
    assert pairwise_entry("precision_score", R(0.5), R(0.9)).verdict == "warn"


def test_a_floor_better_than_ideal_does_not_inflate_the_value():
    # a cross-validated AUC of 0.39 between real halves is noise below 0.5, not a negative bias
    e = pairwise_entry("classifier_auc_drift", R(0.7), R(0.39))
    assert e.verdict == "warn" and "chance-corrected" not in e.reason


def test_partitioned_corpus_audits_exactly_like_one_pass(tmp_path):
    """What a Dask user does: summarise partitions apart, merge, audit; the metrics equal one pass."""
    from pathlib import Path

    from audit.ingest import read_corpus
    from audit.pipeline import AuditOptions, audit_samples, run_audit

    root = Path(__file__).resolve().parents[1] / "sample_data"
    opts = AuditOptions(real=str(root / "real.jsonl"), synth=str(root / "synth.jsonl"), embedder="hash",
                        use_cache=False, make_map=False, sample_size=200, families=("diversity", "duplication"))
    whole = run_audit(opts)
    summaries = {}
    for side, salt in (("real", 1), ("synth", 2)):
        docs = list(read_corpus(getattr(opts, side)))
        parts = [(CorpusStats(), BottomKSample(opts.sample_size, opts.seed * 1000 + salt)) for _ in range(4)]
        for i, d in enumerate(docs):  # round-robin: each partition sees an interleaved quarter
            parts[i % 4][0].add(d)
            parts[i % 4][1].add(d)
        stats, sample = parts[0]
        for st, sa in parts[1:]:
            stats, sample = stats.merge(st), sample.merge(sa)
        summaries[side] = (stats, sample)
    merged = audit_samples(summaries["real"][1], summaries["synth"][1], summaries["real"][0],
                           summaries["synth"][0], opts)
    assert [m.to_dict() for m in merged.metrics] == [m.to_dict() for m in whole.metrics]
    assert merged.inputs["real"]["n_documents"] == 450 and merged.inputs["real"]["n_sampled"] == 200


def test_exact_bookkeeping_is_compact_and_spills_to_disk(monkeypatch):
    from audit import corpus_index

    docs = [Document(id=f"d{i}", text=f"text é number {i % 50} " * 3, source="f", line=i + 1)
            for i in range(3000)]
    stats = CorpusStats()
    for d in docs:
        stats.add(d)
    per_doc = stats.index.bytes_per_doc()
    assert per_doc["exact"] + per_doc["id"] <= 16  # exact-duplicate bookkeeping
    # a tiny budget: every column goes to a temporary file and reads back the same
    monkeypatch.setattr(corpus_index, "SPILL_BYTES", 256)
    spilled = CorpusStats()
    for d in docs:
        spilled.add(d)
    ix, ref = spilled.index, stats.index
    assert ix.exact.spilled and ix.bands.spilled and ix.texts.data.spilled
    assert isinstance(ix.exact.array(), np.memmap)
    for col in ("exact", "idh", "n_tokens", "bands", "fp_hash", "fp_doc"):
        assert np.array_equal(getattr(ix, col).array(), getattr(ref, col).array()), col
    assert ix.texts.get(2999) == ("d2999", docs[2999].text) == ref.texts.get(2999)


def test_no_verdict_on_a_handful_of_documents():
    # 6 documents a side: whatever the gap, it is "insufficient", never ok/warn/fail
    e = per_corpus_entry("distinct_2_score", R(0.5, n=6), R(0.1, n=6), R(0.5, n=3), R(0.5, n=3))
    assert e.verdict == "insufficient" and "only 6 documents" in e.reason
    p = pairwise_entry("classifier_auc_drift", R(0.99, n=6), R(0.5, n=3))
    assert p.verdict == "insufficient"


def test_every_row_states_its_scope(make_ctx):
    from audit.pipeline import run_context
    from tests.conftest import ROOT, load_texts

    real = load_texts(ROOT / "sample_data" / "real.jsonl", 60)
    synth = load_texts(ROOT / "sample_data" / "synth.jsonl", 60)
    entries, _ = run_context(make_ctx(real, synth), families=("diversity", "properties", "bias"))
    assert entries and all(e.scope in ("full", "sample") for e in entries)
    assert all(e.scope == "sample" for e in entries if e.sampled)
