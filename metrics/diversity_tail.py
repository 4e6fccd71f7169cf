"""The long tail of the vocabulary: Zipf exponent and survival of rare words (model-collapse signature).

Shumailov et al. (Nature 2024): models trained on generated data first lose the tails of the
distribution. Both functions work on word tokens (punctuation dropped) at a fixed token budget.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from metrics.diversity_lexical import order_salt, budget_tokens, check_docs, is_word
from metrics.result import MetricResult
from metrics.stats import wilson_interval
from metrics.token_ids import TokenIds


def _word_counts(docs_tokens: Sequence[Sequence[str]], budget: int, random_state) -> tuple[Counter, int]:
    check_docs(docs_tokens)
    if budget < 1:
        raise ValueError("budget must be >= 1")
    if isinstance(docs_tokens, TokenIds):  # the same words as budget_tokens, counted with NumPy
        order = docs_tokens.order(order_salt(random_state))
        cum = np.cumsum(docs_tokens.per_document("words", is_word)[order])
        order = order[:int(np.searchsorted(cum, budget)) + 1]  # up to the document that reaches the budget
        flat, _ = docs_tokens.gather(order)
        taken = flat[docs_tokens.vocab_mask("words")[flat]][:budget]
        c = np.bincount(taken)
        seen = np.flatnonzero(c)
        vocab = docs_tokens.vocab
        return Counter(dict(zip([vocab[i] for i in seen.tolist()], c[seen].tolist()))), len(taken)
    sample = budget_tokens(docs_tokens, budget, random_state, words_only=True)
    c = Counter(t for toks in sample for t in toks)
    return c, sum(c.values())


def zipf_exponent(
    docs_tokens: Sequence[Sequence[str]], *, budget: int = 50_000, max_rank: int = 1000, random_state=None
) -> MetricResult:
    """Zipf exponent s of the word-frequency distribution, f(r) ~ r^-s, at a fixed token budget.

    Least-squares slope of log frequency on log rank over the ranks 1..``max_rank`` of the words seen at
    least twice (hapaxes form a flat step that would bend the fit). About 1 for natural English; a
    larger exponent means mass concentrated on fewer words (a thinner tail). The synthetic corpus
    should match the real one.
    """
    counts, total = _word_counts(docs_tokens, budget, random_state)
    freqs = np.array(sorted((c for c in counts.values() if c >= 2), reverse=True)[:max_rank], dtype=float)
    if len(freqs) < 10:
        return MetricResult(float("nan"), n=len(docs_tokens), warnings=["fewer than 10 repeated words"])
    ranks = np.arange(1, len(freqs) + 1, dtype=float)
    slope = np.polyfit(np.log(ranks), np.log(freqs), 1)[0]
    warnings = [] if total >= budget else [f"only {total} words (budget {budget})"]
    return MetricResult(float(-slope), n=len(docs_tokens), details={"ranks_fitted": len(freqs), "words": total},
                        warnings=warnings)


def tail_survival(
    reference_tokens: Sequence[Sequence[str]],
    target_tokens: Sequence[Sequence[str]],
    *,
    budget: int = 50_000,
    max_count: int = 5,
    random_state=None,
    examples: int = 15,
) -> MetricResult:
    """Share of the reference corpus's rare words that the target corpus still uses.

    Both corpora are cut to the same word budget (seeded). The rare types are the reference's words
    (alphabetic, at least 3 letters, to leave out numbers and fragments) seen 1..``max_count`` times;
    the value is the share of them that occur at least once in the target's sample. Range 0..1, higher =
    more of the tail survives. The number depends on the budget and the domain, so only compare it with
    the same metric between two halves of the real corpus (the noise floor). CI: Wilson interval over
    the rare types. ``details`` lists some rare words that survived and some that were lost.
    """
    ref, ref_total = _word_counts(reference_tokens, budget, random_state)
    tgt, tgt_total = _word_counts(target_tokens, budget, random_state)
    rare = sorted(w for w, c in ref.items() if c <= max_count and len(w) >= 3 and w.isalpha())
    warnings = [f"only {t} words in the {which} (budget {budget})"
                for t, which in ((ref_total, "reference"), (tgt_total, "target")) if t < budget]
    if not rare:
        return MetricResult(float("nan"), n=0, warnings=warnings + ["no rare words in the reference"])
    kept = [w for w in rare if w in tgt]
    lost = [w for w in rare if w not in tgt]
    rng = np.random.default_rng(random_state)

    def pick(ws: list[str]) -> list[str]:
        if len(ws) <= examples:
            return ws
        return sorted(ws[i] for i in rng.choice(len(ws), examples, replace=False))

    return MetricResult(
        len(kept) / len(rare), ci=wilson_interval(len(kept), len(rare)), n=len(rare),
        details={"rare_types": len(rare), "survived": len(kept), "max_count": max_count, "budget": budget,
                 "examples_survived": pick(kept), "examples_lost": pick(lost)},
        warnings=warnings,
    )
