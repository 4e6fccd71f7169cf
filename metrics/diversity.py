"""Lexical and semantic diversity of one corpus. Pure functions: token lists or embeddings in.

The functions live in topic modules; this module gathers them under one import:

* ``metrics.diversity_lexical``: distinct-n / EAD, n-gram entropy, MATTR, gzip compression ratio;
* ``metrics.diversity_tail``: Zipf exponent and rare-word (tail) survival;
* ``metrics.diversity_repetition``: self-BLEU, self-repetition, boilerplate openings and phrases;
* ``metrics.diversity_semantic``: Vendi score, mean pairwise cosine, cluster entropy.
"""
from __future__ import annotations

from metrics.diversity_lexical import (
    compression_ratio,
    distinct_n,
    expectation_adjusted_distinct,
    mattr,
    mattr_corpus,
    ngram_entropy,
)
from metrics.diversity_repetition import (
    boilerplate_examples,
    boilerplate_opening_rate,
    self_bleu,
    self_repetition,
    sentence_bleu,
)
from metrics.diversity_semantic import (
    cluster_entropy,
    fit_clusters,
    mean_pairwise_cosine,
    vendi_score,
    vendi_score_kernel,
)
from metrics.diversity_tail import tail_survival, zipf_exponent

__all__ = [
    "boilerplate_examples", "boilerplate_opening_rate", "cluster_entropy", "compression_ratio", "distinct_n",
    "expectation_adjusted_distinct", "fit_clusters", "mattr", "mattr_corpus", "mean_pairwise_cosine",
    "ngram_entropy", "self_bleu", "self_repetition", "sentence_bleu", "tail_survival", "vendi_score",
    "vendi_score_kernel", "zipf_exponent",
]
