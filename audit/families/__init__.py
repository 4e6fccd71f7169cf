"""One runner per metric family: ``run(ctx) -> FamilyOutput``.

A runner calls the pure functions of ``metrics/`` on the context's corpora (and on the two real halves,
for the noise floor) and turns them into report rows with ``audit.compare``. Evidence that is not a row
(examples, clusters, charts' data) goes into ``sections``, keyed by a name unique to the family.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audit.result import MetricEntry


@dataclass
class FamilyOutput:
    entries: list[MetricEntry] = field(default_factory=list)
    sections: dict[str, Any] = field(default_factory=dict)


def runners():
    """Family name -> runner, in report order (imported lazily: each may pull heavy libraries)."""
    from audit.families import bias, defects, diversity, drift, duplication, language, properties

    return {
        "language": language.run,
        "defects": defects.run,
        "diversity": diversity.run,
        "duplication": duplication.run,
        "drift": drift.run,
        "bias": bias.run,
        "properties": properties.run,
    }


# Every tuning knob the runners read from ``ctx.options``, with what it does and its default. Set them in
# the config file's ``[options]`` table or with ``audit compare --option KEY=VALUE``; unknown keys are
# an error, so a typo never silently does nothing.
METRIC_OPTIONS: dict[str, str] = {
    "noise_splits": "all: real half-vs-half splits measuring each metric's noise floor (4; slow metrics 2)",
    "token_budget": "diversity: tokens per corpus for distinct-n, entropy, tail survival (50000)",
    "byte_budget": "diversity: bytes per corpus for the gzip ratio (1048576)",
    "bleu_sample": "diversity: documents sampled for self-BLEU (500)",
    "repetition_sample": "diversity: documents sampled for self-repetition",
    "homogenization_sample": "diversity: documents sampled for homogenization (ROUGE-L, 300)",
    "clusters": "diversity: k-means clusters for topic spread",
    "dup_max_docs": "duplication: documents per corpus for semantic duplicates and copies (5000)",
    "min_doc_tokens": "duplication: documents shorter than this (tokens) are counted apart, never as copies (5)",
    "ngram_window": "duplication: winnowing window of the shared-span fingerprints (6; larger: less memory)",
    "near_threshold": "duplication: MinHash Jaccard threshold for near duplicates (0.8)",
    "minhash_perms": "duplication: MinHash permutations (128)",
    "shingle_size": "duplication: word shingle size (5)",
    "semantic_threshold": "duplication: cosine threshold for semantic duplicates (0.95)",
    "ngram_n": "duplication: n of the shared n-gram copy rule (13)",
    "dcr_quantile": "duplication: holdout quantile for distance to closest record (0.05)",
    "copying_cells": "duplication: k-means cells of the data-copying test (10)",
    "copying_min_generated": "duplication: minimum synthetic docs per cell in the data-copying test (20)",
    "mmd_max_n": "drift: documents per side for MMD (1500)",
    "prdc_max_n": "drift: documents per side for precision/recall/density/coverage (2000)",
    "frechet_n": "drift: documents per side for the Frechet distance (1000)",
    "mauve_max_n": "drift: documents per side for MAUVE (2000)",
    "topics_k": "drift: number of topic clusters (default from size)",
    "bias_groups": "bias: JSON/TOML file of extra groups {axis: {group: [terms]}} merged over the defaults",
    "bias_min_count": "bias: mentions a group needs before its ratio is judged",
    "bias_min_group_docs": "bias: documents a group needs for associations (20)",
    "bias_min_pair_docs": "bias: co-occurring documents a (group, occupation) pair needs (10)",
    "bias_min_sentences": "bias: sentences a group needs for sentiment (10)",
    "bias_max_sentences_per_group": "bias: sentences scored per group with VADER (100)",
}
