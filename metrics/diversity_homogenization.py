"""Homogenization: how much the documents of a corpus resemble each other, by ROUGE-L.

Padmakumar & He (ICLR 2024, "Does Writing with Language Models Reduce Content Diversity?") measure
homogenization as the mean pairwise ROUGE-L between documents. The `diversity` package does this pair by
pair in Python through `rouge-score` (minutes for 150 articles); here the longest common subsequences
come from rapidfuzz's bit-parallel C++ LCS on integer-coded tokens: 45,000 pairs of 200-token documents
take about 0.2 s.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from metrics.diversity_lexical import check_docs, seeded_order
from metrics.result import MetricResult
from metrics.text import words

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def rouge_tokens(text: str) -> list[str]:
    """The tokens `rouge-score` scores by default: lower-cased ASCII alphanumeric runs (no stemming).

    rouge-score drops every other letter, so a Chinese or Russian document would have no tokens at all:
    a text with letters outside ASCII gets the script-aware words of :func:`metrics.text.words` instead.
    """
    if not text.isascii() and any(c.isalpha() for c in _NON_ASCII.findall(text)):  # a letter outside ASCII
        return words(text)
    return _NON_ALNUM.sub(" ", text.lower()).split()


def rouge_l_f1(a: Sequence, b: Sequence) -> float:
    """ROUGE-L F1 of two token sequences: 2·LCS / (|a| + |b|) (P = LCS/|a|, R = LCS/|b|)."""
    from rapidfuzz.distance import LCSseq

    total = len(a) + len(b)
    return 2.0 * LCSseq.similarity(a, b) / total if total else 0.0


def homogenization_per_doc(docs_tokens: Sequence[Sequence[str]]) -> np.ndarray:
    """For each document, its mean ROUGE-L F1 against every other document (all pairs, exact).

    Every pair's LCS comes from one ``rapidfuzz.process.cdist`` call (C++, one thread) instead of a
    Python call per pair; F1 = 2·LCS / (|a| + |b|), 0 for two empty documents.
    """
    from rapidfuzz.distance import LCSseq
    from rapidfuzz.process import cdist

    vocab: dict[str, int] = {}
    coded = [[vocab.setdefault(t, len(vocab)) for t in d] for d in docs_tokens]  # ints: faster LCS
    m = len(coded)
    if m < 2:
        raise ValueError("homogenization needs at least two documents")
    lens = np.array([len(d) for d in coded], dtype=float)
    lcs = cdist(coded, coded, scorer=LCSseq.similarity, dtype=np.int64, workers=1)
    total = lens[:, None] + lens[None, :]
    sims = np.zeros((m, m))
    np.divide(2.0 * lcs, total, out=sims, where=total > 0)
    np.fill_diagonal(sims, 0.0)
    return sims.sum(axis=1) / (m - 1)


def homogenization_rate(
    texts: Sequence[str], *, sample_size: int | None = 300, max_tokens: int = 300, random_state=None,
) -> MetricResult:
    """Homogenization (Padmakumar & He, ICLR 2024): mean pairwise ROUGE-L F1 between documents.

    0..1; higher = documents share more of their wording, in order; lower is better. It is computed on a
    seeded sample of ``sample_size`` documents (chosen by content, so shuffling changes nothing), each
    cut to ``max_tokens`` tokens, and it rises with document length, so corpora are compared at the same
    sample size and cut. Tokens as in `rouge-score` without stemming. CI: normal approximation over the
    per-document means.
    """
    check_docs(texts)
    order = seeded_order(texts, random_state)
    if sample_size is not None:
        order = order[:sample_size]
    docs = [rouge_tokens(texts[i])[:max_tokens] for i in order]
    per_doc = homogenization_per_doc(docs)
    m = len(per_doc)
    mean = float(per_doc.mean())
    half = 1.96 * float(per_doc.std(ddof=1)) / np.sqrt(m) if m > 1 else 0.0
    top = int(np.argmax(per_doc))
    return MetricResult(mean, ci=(max(0.0, mean - half), min(1.0, mean + half)), n=m, sampled=m < len(texts),
                        details={"sample_docs": m, "max_tokens": max_tokens,
                                 "most_typical_doc": {"score": float(per_doc[top]),
                                                      "text": texts[order[top]][:300]}})
