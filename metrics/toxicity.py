"""Toxic and profane language, counted with a word list (no model)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from metrics.bias_lexicon import TermMatcher, load_word_list, normalize_for_match
from metrics.stats import wilson_interval
from metrics.text import top_counts
from metrics.result import MetricResult


@lru_cache(maxsize=1)
def default_toxic_terms() -> tuple[str, ...]:
    """The shipped list (``metrics/data/toxic_terms.txt``: better_profanity's wordlist, filtered)."""
    return tuple(load_word_list("toxic_terms.txt"))


@lru_cache(maxsize=4)
def _matcher(terms: tuple[str, ...]) -> TermMatcher:
    return TermMatcher({"toxic": {"term": list(terms)}})


def mask_term(term: str) -> str:
    """First letter then stars of the term's length (``"shit"`` -> ``"s***"``)."""
    return term[:1] + "*" * max(3, len(term) - 1)


def toxic_spans(texts: Sequence[str], *, terms: Sequence[str] | None = None) -> list[tuple[str, list]]:
    """Per document: (normalised text, matched spans) -- compute once, pass to :func:`toxicity_rate`."""
    m = _matcher(tuple(terms) if terms is not None else default_toxic_terms())
    out = []
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise ValueError(f"toxicity_rate: document {i} is not a string")
        norm = normalize_for_match(t)
        out.append((norm, m.spans(norm)))
    return out


def toxicity_rate(texts: Sequence[str], *, terms: Sequence[str] | None = None,
                  ids: Sequence[str] | None = None, max_examples: int = 10,
                  spans: Sequence[tuple[str, list]] | None = None) -> MetricResult:
    """Documents containing at least one toxic or profane term, per 1,000 documents.

    Whole-word, case-insensitive matching (Aho-Corasick, same normalisation as the group lexicon) of a
    word list: by default better_profanity 0.7.0's list with medical, anatomical, identity and mild
    words removed (see ``metrics/data/README.md``). A word list misses implicit toxicity and cannot see
    context; read the rate as an upper-level screen, not a classifier. 0..1000, lower is better.
    CI: Wilson score interval. ``details``: the most frequent terms (masked) and example documents with
    the matched terms masked (snippets are
    shown in normalised form: lower case, punctuation removed). ``spans``: precomputed
    :func:`toxic_spans` of ``texts`` (same ``terms``).
    """
    if len(texts) == 0:
        raise ValueError("toxicity_rate: empty corpus (no documents)")
    per_doc = toxic_spans(texts, terms=terms) if spans is None else spans
    n, hits = len(texts), 0
    term_docs: Counter = Counter()
    examples = []
    for i, (norm, spans) in enumerate(per_doc):
        if not spans:
            continue
        found = {k for _s, _e, k, _lab in spans}
        hits += 1
        term_docs.update(found)
        if len(examples) < max_examples:
            masked, pos = [], 0
            for s, e, k, _lab in spans:
                if s >= pos:
                    masked += [norm[pos:s], mask_term(k)]
                    pos = e
            masked.append(norm[pos:])
            lo = max(0, spans[0][0] - 80)
            examples.append({"id": ids[i] if ids is not None else str(i),
                             "terms": sorted(mask_term(k) for k in found),
                             "snippet": "".join(masked)[lo:lo + 240]})
    lo, hi = wilson_interval(hits, n)
    top = [{"term": mask_term(k), "docs": c} for k, c in top_counts(term_docs, 10)]
    return MetricResult(1000.0 * hits / n, ci=(1000.0 * lo, 1000.0 * hi), n=n,
                        details={"docs": hits, "top_terms": top, "examples": examples})
