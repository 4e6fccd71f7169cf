"""Representation of demographic groups and the associations around them: shared helpers.

The metrics live in topic modules: :mod:`metrics.bias_groups` (representation),
:mod:`metrics.bias_assoc` (occupations, sentiment, amplification), :mod:`metrics.pii`,
:mod:`metrics.toxicity`; lexicons and matching in :mod:`metrics.bias_lexicon`. This module keeps the
female share of gendered terms and :func:`bias_profile`, which reads each document once for all of them.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from metrics.bias_lexicon import Label, TermMatcher, normalize_for_match, split_sentences
from metrics.result import MetricResult

FEMALE = frozenset("she her hers herself woman women girl girls mother mothers daughter daughters wife wives "
                   "sister sisters aunt niece grandmother female females lady ladies mrs ms".split())
MALE = frozenset("he him his himself man men boy boys father fathers son sons husband husbands brother "
                 "brothers uncle nephew grandfather male males gentleman gentlemen mr".split())


def gender_term_counts(docs_tokens: Sequence[Sequence[str]]) -> np.ndarray:
    """Per document, ``[female, male]`` gendered-term mentions: an ``(n, 2)`` integer array."""
    out = np.zeros((len(docs_tokens), 2), dtype=np.int64)
    for i, toks in enumerate(docs_tokens):
        for t in toks:
            if t in FEMALE:
                out[i, 0] += 1
            elif t in MALE:
                out[i, 1] += 1
    return out


def gender_term_share(docs_tokens: Sequence[Sequence[str]]) -> MetricResult:
    """Female share of gendered-term mentions: f / (f + m), 0..1 (0.5 = balanced).

    Counts tokens from two small fixed word lists (pronouns and kinship / person nouns). ``nan`` when
    the corpus has no gendered term. The synthetic value should match the real one (better = closer).
    """
    counts = gender_term_counts(docs_tokens)
    f, m = (int(x) for x in counts.sum(axis=0))  # (0, 0) for no documents: the sum of an empty (0, 2) array
    n = len(docs_tokens)
    value = f / (f + m) if f + m else float("nan")
    return MetricResult(value, n=n, details={"female": f, "male": m, "gendered_terms": f + m,
                                              "per_1k_docs": 1000 * (f + m) / n if n else 0.0},
                        warnings=[] if f + m else ["no gendered term in the corpus"])


@dataclass
class BiasProfile:
    """What the bias metrics need from one corpus, row-aligned with its documents.

    groups[i]: ``(axis, group)`` labels mentioned in document i; attributes[i]: attribute names
    (occupations) in document i; sentences[i]: ``(labels, VADER compound)`` for each sentence of
    document i that mentions a group.
    """

    groups: list[frozenset[Label]]
    attributes: list[frozenset[str]]
    sentences: list[list[tuple[frozenset[Label], float]]]

    def subset(self, idx: Sequence[int]) -> "BiasProfile":
        return BiasProfile([self.groups[i] for i in idx], [self.attributes[i] for i in idx],
                           [self.sentences[i] for i in idx])

    def __len__(self) -> int:
        return len(self.groups)


def _rank(sentence: str, seed: int) -> bytes:
    return hashlib.blake2b(sentence.encode("utf-8"), digest_size=8, key=str(seed).encode()).digest()


def bias_profile(texts: Sequence[str], groups: TermMatcher, attributes: TermMatcher | None = None,
                 *, sentiment=None, max_sentences_per_group: int | None = 100, random_state: int = 0) -> BiasProfile:
    """Read every document once: group mentions, attribute mentions and per-sentence sentiment.

    ``sentiment``: an object with ``polarity_scores(text) -> {"compound": float}`` (VADER's
    ``SentimentIntensityAnalyzer``); ``None`` skips sentiment. Matching is per sentence, so a multi-word
    term never spans two sentences. VADER is the slow part, so at most ``max_sentences_per_group``
    sentences per group are scored (``None``: all): those with the smallest keyed hash of their text,
    which makes the choice seeded (``random_state``) yet independent of document order.
    """
    g_out, a_out = [], []
    pending: list[tuple[int, frozenset, str]] = []
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"document {i} is not a string")
        g_doc: set = set()
        a_doc: set = set()
        for sent in split_sentences(text):
            norm = normalize_for_match(sent)
            labs = frozenset(lab for *_x, lab in groups.spans(norm))
            if attributes is not None:
                a_doc.update(lab[1] for *_x, lab in attributes.spans(norm))
            if labs:
                g_doc |= labs
                pending.append((i, labs, sent))
        g_out.append(frozenset(g_doc))
        a_out.append(frozenset(a_doc))
    s_out: list[list] = [[] for _ in texts]
    if sentiment is not None and pending:
        chosen = range(len(pending))
        if max_sentences_per_group is not None:
            by_group: dict = {}
            for j, (_i, labs, sent) in enumerate(pending):
                for lab in labs:
                    by_group.setdefault(lab, []).append(j)
            keep: set[int] = set()
            for js in by_group.values():
                if len(js) > max_sentences_per_group:
                    js = sorted(js, key=lambda j: (_rank(pending[j][2], random_state), j))[:max_sentences_per_group]
                keep.update(js)
            chosen = sorted(keep)
        for j in chosen:
            i, labs, sent = pending[j]
            s_out[i].append((labs, float(sentiment.polarity_scores(sent)["compound"])))
    return BiasProfile(g_out, a_out, s_out)
