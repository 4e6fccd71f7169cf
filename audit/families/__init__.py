"""One runner per metric family: ``run(ctx) -> FamilyOutput``.

A runner calls the pure functions of ``metrics/`` on the context's corpora (and on the two real halves,
for the noise floor) and turns them into report rows with ``audit.compare``. Evidence that is not a row
(examples, clusters, charts' data) goes into ``sections``, keyed by a name unique to the family.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from audit.limits import Option
from audit.result import MetricEntry


@dataclass
class FamilyOutput:
    entries: list[MetricEntry] = field(default_factory=list)
    sections: dict[str, Any] = field(default_factory=dict)


def sample_scope(entry: MetricEntry, ctx, *, every_doc: bool = True) -> MetricEntry:
    """A copy of a row computed on the context's corpora (``ctx.real``, ``ctx.synth``: seeded samples when a
    corpus is larger than the sample size), stating its scope. ``full`` only when its value read every
    document of both corpora: the context holds each whole, the metric kept every one of them
    (``every_doc``: no token or byte budget, no subsample sized to a real half) and took no sample of its own
    (``entry.sampled``); else ``sample``, with ``sampled`` true. A row that states its scope is kept as is.

    ``audit.pipeline`` applies it to every row that reaches it without a scope. A row counted over every
    document from ``ctx.*.stats`` sets ``full`` itself; a family whose metric reads a budget or a
    subsample calls this with ``every_doc=False``."""
    if entry.scope is not None:
        return entry
    if every_doc and not entry.sampled and not ctx.real.sampled and not ctx.synth.sampled:
        return replace(entry, scope="full")
    return replace(entry, scope="sample", sampled=True)


def runners():
    """Family name -> runner, in report order (imported lazily: each may pull heavy libraries)."""
    from audit.imports import sklearn_without_pandas

    sklearn_without_pandas()
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


# Every tuning knob the runners read from ``ctx.options``, with what it does and its default, and its type
# and range as data (``audit.limits.Option``: kind, lo, hi; a value outside is refused before the run).
# Set them in the config file's ``[options]`` table or with ``audit compare --option KEY=VALUE``; unknown
# keys are an error, so a typo never silently does nothing.
METRIC_OPTIONS: dict[str, Option] = {
    # name: Option(what it does (default), kind, lowest, highest)
    "noise_splits": Option("all: real half-vs-half splits measuring each metric's noise floor (4; slow metrics 2)",
                           "int", 1, 64),
    "token_budget": Option("diversity: tokens per corpus for distinct-n, entropy, tail survival (50000)",
                           "int", 1, 10**9),
    "byte_budget": Option("diversity: bytes per corpus for the gzip ratio (1048576)", "int", 1, 2**40),
    "bleu_sample": Option("diversity: documents sampled for self-BLEU (500)", "int", 2, 10**6),
    "repetition_sample": Option("diversity: documents sampled for self-repetition", "int", 2, 10**7),
    "homogenization_sample": Option("diversity: documents sampled for homogenization (ROUGE-L, 300)",
                                    "int", 2, 10**5),
    "clusters": Option("diversity: k-means clusters for topic spread", "int", 2, 10_000),
    "dup_max_docs": Option("duplication: documents per corpus for semantic duplicates and copies (5000)",
                           "int", 2, 10**7),
    "min_doc_tokens": Option("duplication: documents shorter than this (tokens) are counted apart, never as "
                             "copies (5)", "int", 0, 10_000),
    "ngram_window": Option("duplication: winnowing window of the shared-span fingerprints (6; larger: less "
                           "memory)", "int", 1, 1000),
    "near_threshold": Option("duplication: MinHash Jaccard threshold for near duplicates (0.8)",
                             "float", 0.05, 1.0),
    "minhash_perms": Option("duplication: MinHash permutations (128)", "int", 16, 4096),
    "shingle_size": Option("duplication: word shingle size (5)", "int", 1, 64),
    "semantic_threshold": Option("duplication: cosine threshold for semantic duplicates (0.95)",
                                 "float", 0.0, 1.0),
    "ngram_n": Option("duplication: n of the shared n-gram copy rule (13)", "int", 1, 256),
    "dcr_quantile": Option("duplication: holdout quantile for distance to closest record (0.05)",
                           "float", 0.001, 0.5),
    "copying_cells": Option("duplication: k-means cells of the data-copying test (10)", "int", 2, 1000),
    "copying_min_generated": Option("duplication: minimum synthetic docs per cell in the data-copying test (20)",
                                    "int", 1, 10**6),
    "mmd_max_n": Option("drift: documents per side for MMD (1500)", "int", 10, 10**6),
    "prdc_max_n": Option("drift: documents per side for precision/recall/density/coverage (2000)",
                         "int", 10, 10**6),
    "frechet_n": Option("drift: documents per side for the Frechet distance (1000)", "int", 10, 10**6),
    "mauve_max_n": Option("drift: documents per side for MAUVE (2000)", "int", 10, 10**6),
    "topics_k": Option("drift: number of topic clusters (default from size)", "int", 2, 10_000),
    "defect_phrases": Option("defects: JSON/TOML file of extra phrases {refusal|preamble|signoff|leftover: "
                             "[phrases]} added to the shipped multilingual lists", "path"),
    "bias_groups": Option("bias: JSON/TOML file of extra groups {axis: {group: [terms]}} merged over the defaults",
                          "path"),
    "bias_min_count": Option("bias: mentions a group needs before its ratio is judged", "int", 1, 10**9),
    "bias_min_group_docs": Option("bias: documents a group needs for associations (20)", "int", 1, 10**9),
    "bias_min_pair_docs": Option("bias: co-occurring documents a (group, occupation) pair needs (10)",
                                 "int", 1, 10**9),
    "bias_min_sentences": Option("bias: sentences a group needs for sentiment (10)", "int", 1, 10**9),
    "bias_max_sentences_per_group": Option("bias: sentences scored per group with VADER (100)", "int", 1, 10**7),
}
