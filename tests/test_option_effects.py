"""Every knob in METRIC_OPTIONS changes what its description says it changes (issue 16: an options test
that never asserted on the effect let a no-op option through).

Each option is set alone to a value far from its default and the family is rerun on the same corpora;
the check states the effect in the row's own measured quantities (sample sizes, counts, values moving in
the documented direction), not only an echo of the setting."""
import json

import pytest

from audit.families import METRIC_OPTIONS, runners
from tests.conftest import ROOT, load_texts

REAL = load_texts(ROOT / "sample_data/real.jsonl")[:200]
SYNTH = load_texts(ROOT / "sample_data/synth.jsonl")[:200]


def _near_copy(text: str, every: int) -> str:
    """``text`` with one word in ``every`` replaced: 5-shingle Jaccard about (1 - 5/every) / (1 + 5/every)."""
    w = text.split()
    return " ".join(f"zz{i}" if i % every == every // 2 else x for i, x in enumerate(w))


# 20 synthetic documents are real ones with 1 word in 20 changed: Jaccard ~0.6, below the default 0.8
PLANTED = [_near_copy(t, 20) for t in REAL[:20]]
SYNTH_DUP = PLANTED + SYNTH[20:]


def rows(out):
    return {e.name: e for e in out.entries}


def _groups_file(tmp_path):
    p = tmp_path / "groups.json"
    p.write_text(json.dumps({"profession": {"scientists": ["scientist", "scientists", "researcher", "researchers"]}}))
    return str(p)


def _phrases_file(tmp_path):
    p = tmp_path / "phrases.json"
    p.write_text(json.dumps({"refusal": {"en": ["the"]}}))  # a word nearly every document has
    return str(p)


def _defect_phrases(d, c):
    assert c["refusal_rate"].synth > 0.5 > d["refusal_rate"].synth


# option -> (family, value, check(default_output, changed_output)[, options both runs share])
def _div_budget(d, c):
    assert c["distinct_1_score"].details["budget_tokens"] == 300
    assert c["distinct_1_score"].details["real"]["ngrams"] == 300
    # distinct-n falls with length: a smaller budget gives a higher ratio
    assert c["distinct_1_score"].real > d["distinct_1_score"].real
    assert c["zipf_exponent"].details["real"]["words"] == 300


def _div_bytes(d, c):
    assert c["compression_ratio"].details["real"]["bytes"] == 4096
    assert d["compression_ratio"].details["real"]["bytes"] > 4096


def _sample_size(name, k):
    def check(d, c):
        assert c[name].sample_size == k < d[name].sample_size
        assert c[name].sampled
    return check


def _repetition(d, c):
    _sample_size("self_repetition_rate", 30)(d, c)
    # fewer other documents to share 4-grams with: lower self-repetition
    assert c["self_repetition_rate"].real < d["self_repetition_rate"].real


def _clusters(d, c):
    assert c["cluster_entropy_score"].details["real"]["k"] == 5
    assert d["cluster_entropy_score"].details["real"]["k"] != 5


def _dup_cap(d, c):
    # the cap applies to the O(n^2) embedding searches; MinHash near duplicates count every document
    assert c["semantic_duplicate_rate"].sample_size == 50 and c["semantic_duplicate_rate"].sampled
    assert d["semantic_duplicate_rate"].sample_size == 200
    assert c["near_duplicate_rate"].sample_size == d["near_duplicate_rate"].sample_size == 200


def _near_threshold(d, c):
    # the planted Jaccard-0.6 copies count at 0.5 and not at the default 0.8
    assert d["near_copy_rate"].details["copied_docs"] < 20 <= c["near_copy_rate"].details["copied_docs"]


def _perms(d, c):
    assert c["near_copy_rate"].details["num_perm"] == 16


def _shingles(d, c):
    # one word in 20 changed touches 1 shingle in 20 at size 1 (Jaccard ~0.9), 5 in 20 at size 5 (~0.6):
    # with size 1 the planted copies pass the default 0.8
    assert d["near_copy_rate"].details["copied_docs"] < 20 <= c["near_copy_rate"].details["copied_docs"]


def _semantic(d, c):
    assert c["semantic_copy_rate"].value > d["semantic_copy_rate"].value
    assert c["semantic_copy_rate"].details["threshold"] == 0.6


def _ngram(d, c):
    assert c["ngram_copy_rate"].details["n"] == 8
    # shorter shared spans count as copies more often
    assert c["ngram_copy_rate"].value > d["ngram_copy_rate"].value


def _dcr(d, c):
    assert c["dcr_copy_rate"].details["expected_if_no_copying"] == 0.3
    # a wider holdout quantile puts more synthetic documents under the distance threshold
    assert c["dcr_copy_rate"].value > d["dcr_copy_rate"].value


def _cells(d, c):
    assert c["data_copying_score"].details["n_cells"] == 2
    assert c["data_copying_score"].details["cells_used"] <= 2 < d["data_copying_score"].details["cells_used"]


def _min_generated(d, c):
    assert c["data_copying_score"].details["cells_used"] > d["data_copying_score"].details["cells_used"]


def _min_doc_tokens(d, c):
    # every sample document is shorter than 1000 tokens: none may count as a copy
    assert d["ngram_copy_rate"].value > 0
    assert c["ngram_copy_rate"].value in (None, 0.0)


def _ngram_window(d, c):
    # a different winnowing window finds the same shared spans with other fingerprints
    assert c["ngram_copy_rate"].details["window"] == 2 != d["ngram_copy_rate"].details["window"]
    assert c["ngram_copy_rate"].value == d["ngram_copy_rate"].value


def _noise_splits(d, c):
    for name in ("representation_drift", "group_sentiment_drift"):
        assert c[name].details["noise"]["replicates"] == 2 < d[name].details["noise"]["replicates"]


def _drift_cap(name, k):
    def check(d, c):
        assert c[name].sample_size == k < d[name].sample_size
    return check


def _topics(d, c, ds=None, cs=None):
    assert c["mode_coverage_score"].details["k"] == 4 != d["mode_coverage_score"].details["k"]


def _bias_groups(d, c):
    rep = c["representation_drift"].details
    assert rep["groups"] >= d["representation_drift"].details["groups"]


def _min_count(d, c):
    assert c["representation_drift"].details["groups"] < d["representation_drift"].details["groups"]


def _pair_support(d, c):
    assert c["stereotype_amplification_drift"].details["pairs"] > d["stereotype_amplification_drift"].details["pairs"]


def _group_support(d, c):
    # with pairs allowed from one co-occurrence, demanding 1000 documents per group leaves no pair
    assert d["stereotype_amplification_drift"].details["pairs"] > 0 == c["stereotype_amplification_drift"].details["pairs"]


def _min_sentences(d, c):
    assert c["group_sentiment_drift"].details.get("groups", 0) < d["group_sentiment_drift"].details["groups"]


def _max_sentences(d, c):
    assert c["group_sentiment_drift"].value != d["group_sentiment_drift"].value


CASES = {
    "token_budget": ("diversity", 300, _div_budget),
    "byte_budget": ("diversity", 4096, _div_bytes),
    "bleu_sample": ("diversity", 30, _sample_size("self_bleu_rate", 30)),
    "repetition_sample": ("diversity", 30, _repetition),
    "homogenization_sample": ("diversity", 30, _sample_size("homogenization_rate", 30)),
    "clusters": ("diversity", 5, _clusters),
    "dup_max_docs": ("duplication", 50, _dup_cap),
    "near_threshold": ("duplication", 0.5, _near_threshold),
    "minhash_perms": ("duplication", 16, _perms),
    "shingle_size": ("duplication", 1, _shingles),
    "semantic_threshold": ("duplication", 0.6, _semantic),
    "ngram_n": ("duplication", 8, _ngram),
    "dcr_quantile": ("duplication", 0.3, _dcr),
    "copying_cells": ("duplication", 2, _cells),
    "copying_min_generated": ("duplication", 2, _min_generated),
    "min_doc_tokens": ("duplication", 1000, _min_doc_tokens),
    "ngram_window": ("duplication", 2, _ngram_window),
    "noise_splits": ("bias", 2, _noise_splits),
    "mmd_max_n": ("drift", 40, _drift_cap("mmd_drift", 40)),
    "prdc_max_n": ("drift", 40, _drift_cap("precision_score", 40)),
    "frechet_n": ("drift", 40, _drift_cap("frechet_distance", 40)),
    "mauve_max_n": ("drift", 40, _drift_cap("mauve_score", 40)),
    "topics_k": ("drift", 4, _topics),
    "defect_phrases": ("defects", _phrases_file, _defect_phrases),
    "bias_groups": ("bias", _groups_file, _bias_groups),
    "bias_min_count": ("bias", 60, _min_count),
    "bias_min_group_docs": ("bias", 1000, _group_support, {"bias_min_pair_docs": 1}),
    "bias_min_pair_docs": ("bias", 1, _pair_support),
    "bias_min_sentences": ("bias", 40, _min_sentences),
    "bias_max_sentences_per_group": ("bias", 3, _max_sentences),
}


def test_every_option_has_an_effect_check():
    assert set(CASES) == set(METRIC_OPTIONS), set(CASES) ^ set(METRIC_OPTIONS)


_DEFAULTS: dict = {}


def _run(make_ctx, family, options):
    synth = SYNTH_DUP if family == "duplication" else SYNTH
    return rows(runners()[family](make_ctx(REAL, synth, **options)))


@pytest.mark.slow
@pytest.mark.parametrize("option", sorted(CASES))
def test_option_changes_what_it_claims(option, make_ctx, tmp_path):
    family, value, check, *rest = CASES[option]
    base = rest[0] if rest else {}
    if callable(value):
        value = value(tmp_path)
    key = (family, tuple(sorted(base.items())))
    if key not in _DEFAULTS:
        _DEFAULTS[key] = _run(make_ctx, family, base)
    check(_DEFAULTS[key], _run(make_ctx, family, {**base, option: value}))
