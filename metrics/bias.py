"""Representation of demographic groups and the associations around them."""
from __future__ import annotations

from collections.abc import Sequence

from metrics.result import MetricResult

FEMALE = frozenset("she her hers herself woman women girl girls mother mothers daughter daughters wife wives "
                   "sister sisters aunt niece grandmother female females lady ladies mrs ms".split())
MALE = frozenset("he him his himself man men boy boys father fathers son sons husband husbands brother "
                 "brothers uncle nephew grandfather male males gentleman gentlemen mr".split())


def gender_term_share(docs_tokens: Sequence[Sequence[str]]) -> MetricResult:
    """Female share of gendered-term mentions: f / (f + m), 0..1 (0.5 = balanced).

    Counts tokens from two small fixed word lists (pronouns and kinship / person nouns). ``nan`` when
    the corpus has no gendered term.
    """
    f = m = 0
    for toks in docs_tokens:
        for t in toks:
            if t in FEMALE:
                f += 1
            elif t in MALE:
                m += 1
    n = len(docs_tokens)
    value = f / (f + m) if f + m else float("nan")
    return MetricResult(value, n=n, details={"female": f, "male": m,
                                              "per_1k_docs": 1000 * (f + m) / n if n else 0.0})
