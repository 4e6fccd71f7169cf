"""Metric name -> the pure function of ``metrics/`` that computes it, and what that function takes.

``metrics.registry.REGISTRY`` says what a metric means; this catalogue says which function computes it, so
one common test (``tests/test_common.py``) can sweep every metric through shared properties (determinism,
shuffle invariance, empty and NaN input, identical corpora, direction), as scikit-learn's
``check_estimator`` does for estimators. Metrics whose row is assembled from a shared fit (topics, bias
profiles, per-document property columns) are listed in ``ROW_ONLY`` with the functions that build them.

``takes``:
``tokens`` / ``texts`` / ``embeddings``: one corpus; ``hash_counts``: ``metrics.duplication.hash_counts``
of the texts; ``pair_*``: (real, synth); ``triple_embeddings``: (reference, holdout, synth);
``copy_texts``: (synth texts, real hash counts). ``pick``: the key of a dict of results (``prdc``).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from metrics.registry_defects import DEFECT_SPECS

Takes = Literal["tokens", "texts", "embeddings", "hash_counts", "pair_tokens", "pair_embeddings",
                "triple_embeddings", "copy_texts"]


@dataclass(frozen=True)
class MetricFunction:
    path: str  # "module:function"
    takes: Takes
    kwargs: dict[str, Any] = field(default_factory=dict)
    pick: str | None = None

    @property
    def function(self) -> Callable:
        module, name = self.path.split(":")
        return getattr(importlib.import_module(module), name)

    def __call__(self, *inputs, **kwargs):
        out = self.function(*inputs, **{**self.kwargs, **kwargs})
        return out[self.pick] if self.pick else out


def _f(path: str, takes: Takes, pick: str | None = None, **kwargs) -> MetricFunction:
    return MetricFunction(path, takes, kwargs, pick)


LEX, REP, SEM = "metrics.diversity_lexical", "metrics.diversity_repetition", "metrics.diversity_semantic"

FUNCTIONS: dict[str, MetricFunction] = {
    "distinct_1_score": _f(f"{LEX}:distinct_n", "tokens", n=1),
    "distinct_2_score": _f(f"{LEX}:distinct_n", "tokens", n=2),
    "distinct_3_score": _f(f"{LEX}:distinct_n", "tokens", n=3),
    "unigram_entropy_score": _f(f"{LEX}:ngram_entropy", "tokens", n=1),
    "bigram_entropy_score": _f(f"{LEX}:ngram_entropy", "tokens", n=2),
    "mattr_score": _f(f"{LEX}:mattr_corpus", "tokens"),
    "compression_ratio": _f(f"{LEX}:compression_ratio", "texts"),
    "self_bleu_rate": _f(f"{REP}:self_bleu", "tokens"),
    "homogenization_rate": _f("metrics.diversity_homogenization:homogenization_rate", "texts"),
    "self_repetition_rate": _f(f"{REP}:self_repetition", "tokens"),
    "tail_survival_score": _f("metrics.diversity_tail:tail_survival", "pair_tokens"),
    "zipf_exponent": _f("metrics.diversity_tail:zipf_exponent", "tokens"),
    "boilerplate_opening_rate": _f(f"{REP}:boilerplate_opening_rate", "texts"),
    "vendi_score": _f(f"{SEM}:vendi_score", "embeddings"),
    "pairwise_similarity_rate": _f(f"{SEM}:mean_pairwise_cosine", "embeddings"),
    "exact_duplicate_rate": _f("metrics.duplication:exact_duplicate_rate", "hash_counts"),
    "near_duplicate_rate": _f("metrics.duplication_near:near_duplicate_rate", "tokens"),
    "semantic_duplicate_rate": _f("metrics.duplication_semantic:semantic_duplicate_rate", "embeddings"),
    "exact_copy_rate": _f("metrics.copying:exact_copy_rate", "copy_texts"),
    "near_copy_rate": _f("metrics.duplication_near:near_copy_rate", "pair_tokens"),
    "semantic_copy_rate": _f("metrics.duplication_semantic:semantic_copy_rate", "pair_embeddings"),
    "ngram_copy_rate": _f("metrics.copying:ngram_copy_rate", "pair_tokens"),
    "dcr_copy_rate": _f("metrics.copying_distance:dcr_copy_rate", "triple_embeddings"),
    "data_copying_score": _f("metrics.copying_distance:data_copying_score", "triple_embeddings", n_cells=3),
    "classifier_auc_drift": _f("metrics.drift:classifier_auc", "pair_embeddings"),
    "mmd_drift": _f("metrics.drift:mmd2_rbf", "pair_embeddings"),
    "frechet_distance": _f("metrics.drift_manifold:frechet_distance", "pair_embeddings"),
    "mauve_score": _f("metrics.drift_mauve:mauve_score", "pair_embeddings"),
    "precision_score": _f("metrics.drift_manifold:prdc", "pair_embeddings", pick="precision"),
    "recall_score": _f("metrics.drift_manifold:prdc", "pair_embeddings", pick="recall"),
    "coverage_score": _f("metrics.drift_manifold:prdc", "pair_embeddings", pick="coverage"),
    "knn_density": _f("metrics.drift_manifold:prdc", "pair_embeddings", pick="density"),
    "unigram_jsd_drift": _f("metrics.drift_words:unigram_jsd", "pair_tokens"),
    "gender_term_share": _f("metrics.bias:gender_term_share", "tokens"),
    "toxicity_rate": _f("metrics.toxicity:toxicity_rate", "texts"),
    "pii_rate": _f("metrics.pii:pii_rate", "texts"),
    "mean_words": _f("metrics.properties:mean_words", "texts"),
}

# Rows built from a fit shared by several rows; each is tested on its own in the named test file.
ROW_ONLY: dict[str, str] = {
    "language_mix_drift": "language.LanguageMix counts over every document + language_mix_drift "
                          "(tests/test_language.py)",
    "cluster_entropy_score": "diversity_semantic.fit_clusters + cluster_entropy (tests/test_diversity_metrics.py)",
    "mode_coverage_score": "topics.fit_topics + mode_coverage (tests/test_topics.py)",
    "cluster_js_drift": "topics.fit_topics + cluster_js (tests/test_topics.py)",
    "representation_drift": "bias.bias_profile + bias_groups.representation_drift (tests/test_bias_groups.py)",
    "stereotype_amplification_drift": "bias.bias_profile + bias_assoc (tests/test_bias_assoc.py)",
    "group_sentiment_drift": "bias.bias_profile + bias_assoc.group_sentiment_drift (tests/test_bias_assoc.py)",
    **{spec["name"]: "defect_stats.DefectCounts streamed over every document (defect_stats.document_defects per "
                     "text; length_pile_up for length_cap_rate) (tests/test_defects.py, tests/test_defects_runner.py)"
       for spec in DEFECT_SPECS},
    **{name: "a column of properties.document_properties through mean_property / doc_rate "
             "(tests/test_properties.py)"
       for name in ("mean_chars", "mean_sentences", "mean_word_length", "flesch_reading_ease", "type_token_ratio",
                    "punctuation_share", "digit_share", "uppercase_share", "near_empty_rate",
                    "nonprintable_rate")},
}
