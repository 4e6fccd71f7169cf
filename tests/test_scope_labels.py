"""Each row's scope is true: ``full`` only when its value read every document of both corpora.

A new-user trial: Distinct-3 was marked ∀ (``scope: "full"``, ``sampled: false``) on 3,000 of 3,150
synthetic documents, and moved from 0.844 to 0.871 with ``--sample-size 1000``. Rows computed on the
context's corpora (seeded samples when a corpus is larger than the sample size) or on a share of them
(a token budget, an equal-size subsample) are ``sample``.
"""
import pytest

from audit.context import build_context
from audit.embed import HashEmbedder
from audit.families import diversity, drift, properties
from tests.conftest import CORPORA, docs_from_texts, load_texts


@pytest.fixture(scope="module")
def texts():
    return load_texts(CORPORA / "clickbait/news_mixed.jsonl", 240)


def _ctx(real, synth, synth_total=None):
    emb = HashEmbedder()
    return build_context(docs_from_texts(real, "real"), docs_from_texts(synth, "synth"), emb.encode(real),
                         emb.encode(synth), synth_total=synth_total)


def _scopes(out):
    return {e.name: (e.scope, e.sampled) for e in out.entries}


@pytest.fixture(scope="module")
def whole_and_sampled(texts):
    """Diversity rows on 120 + 120 whole corpora, and on the same documents as a sample of a 150-document
    synthetic corpus (what the pipeline builds when the synthetic file holds more than the sample size)."""
    real, synth = texts[:120], texts[120:]
    return diversity.run(_ctx(real, synth)), diversity.run(_ctx(real, synth, synth_total=150))


def test_distinct_n_of_a_sample_is_a_sample(whole_and_sampled):
    sampled = _scopes(whole_and_sampled[1])
    for n in (1, 2, 3):
        assert sampled[f"distinct_{n}_score"] == ("sample", True)


def test_distinct_n_reads_a_token_budget_so_never_every_document(whole_and_sampled):
    # the budget is the fewest tokens of real half A, half B and synthetic: the real corpus holds both
    # halves, so its value reads about half of its documents even when the corpora are whole
    whole = _scopes(whole_and_sampled[0])
    for n in (1, 2, 3):
        assert whole[f"distinct_{n}_score"] == ("sample", True)


def test_rows_that_read_every_document_are_full_only_on_whole_corpora(whole_and_sampled):
    whole, sampled = (_scopes(o) for o in whole_and_sampled)
    for name in ("mattr_score", "boilerplate_opening_rate", "pairwise_similarity_rate", "cluster_entropy_score"):
        assert whole[name] == ("full", False), name  # cluster entropy: 120 and 120, neither cut
        assert sampled[name] == ("sample", True), name


def test_self_bleu_sample_and_budget_rows_are_samples_either_way(whole_and_sampled):
    whole = _scopes(whole_and_sampled[0])
    for name in ("self_bleu_rate", "compression_ratio", "unigram_entropy_score", "vendi_score", "zipf_exponent"):
        assert whole[name] == ("sample", True), name


@pytest.mark.parametrize("family,row,subsampled", [
    # Fréchet, MAUVE, PRDC and the unigram JSD read samples the size of a real half (60 of 120)
    (drift, "classifier_auc_drift", ("frechet_distance", "mauve_score", "precision_score", "unigram_jsd_drift",
                                     "knn_density")),
    (properties, "mean_words", ()),
])
def test_rows_on_the_corpora_follow_them_and_subsamples_are_samples(texts, family, row, subsampled):
    real, synth = texts[:120], texts[120:]
    whole, sampled = (_scopes(family.run(_ctx(real, synth, t))) for t in (None, 150))
    assert whole[row] == ("full", False)
    assert sampled[row] == ("sample", True)
    for name in subsampled:
        assert whole[name] == ("sample", True), name


def test_a_sampled_audit_labels_distinct_n_a_sample_and_stream_counts_full(tmp_path, texts):
    # the trial's case, end to end: the synthetic file holds more documents than the sample size
    import json

    from audit.pipeline import AuditOptions, run_audit

    for name, rows in (("real", texts[:100]), ("synth", texts[100:240])):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in rows))
    res = run_audit(AuditOptions(real=str(tmp_path / "real.jsonl"), synth=str(tmp_path / "synth.jsonl"),
                                 embedder="hash", use_cache=False, make_map=False, sample_size=100,
                                 families=("defects", "diversity")))
    d3 = res.metric("distinct_3_score")
    assert (d3.scope, d3.sampled, d3.sample_size) == ("sample", True, 100)  # 100 of the 140 synthetic
    mattr = res.metric("mattr_score")
    assert (mattr.scope, mattr.sampled) == ("sample", True)
    assert res.metric("repeated_lines_rate").scope == "full"  # counted over every document by the stream


def test_the_pipeline_labels_a_row_without_a_scope_by_its_corpora(texts):
    """A row that reaches the pipeline without a scope (a new family's, a plugin's) was computed on the
    context's corpora: ``full`` when both are whole, ``sample`` when one was sampled, never ``full`` by
    default as before."""
    from audit.compare import per_corpus_entry
    from audit.families import FamilyOutput, runners
    from audit.pipeline import run_context
    from metrics.result import MetricResult

    def plain(ctx):
        return FamilyOutput(entries=[per_corpus_entry("mean_words", MetricResult(1.0, n=100),
                                                      MetricResult(1.0, n=100))])

    table = runners()
    table["diversity"] = plain
    import audit.families as fams

    old = fams.runners
    fams.runners = lambda: table
    try:
        real, synth = texts[:60], texts[60:120]
        whole, _ = run_context(_ctx(real, synth), ["diversity"], workers=1)
        sampled, _ = run_context(_ctx(real, synth, synth_total=150), ["diversity"], workers=1)
    finally:
        fams.runners = old
    assert (whole[0].scope, whole[0].sampled) == ("full", False)
    assert (sampled[0].scope, sampled[0].sampled) == ("sample", True)
