"""Language rows: the language mix of each corpus (every document) and its drift.

The mix comes from the ``language`` stream accumulator (``metrics.language.LanguageMix``), so it covers
every document of both corpora, not the sample. The noise floor is the same distance between the two
hash halves of the real corpus. When the corpora are mostly in different languages or scripts the row
fails, says so in words and carries ``details["root_cause"] = True`` with ``details["explains"]``: the
rows whose real-vs-synthetic gap that mismatch alone explains (every lexical, embedding and lexicon
comparison), so the headline states the mismatch once instead of as lost diversity.

``doc_languages(ctx)`` labels the *sampled* documents (cached in ``ctx.shared``) for the families that
gate English-only resources on the document's language: the labels the stream left on each document,
so no document is identified twice.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np

from audit.compare import MIN_DOCS, insufficient, pairwise_entry
from audit.context import AuditContext, CorpusData
from audit.families import FamilyOutput
from audit.result import MetricEntry
from audit.summary import language_root
from metrics.diversity_lexical import distinct_n, is_word
from metrics.diversity_semantic import mean_pairwise_cosine
from metrics.language import (
    MAX_CHARS, UNDETERMINED, LanguageMix, document_languages, language_mismatch, language_mix_drift, language_name, mix_table,
    stop_words,
)
from metrics.registry import REGISTRY
from metrics.result import MetricResult
from metrics.text import segmenter_names

# Families whose rows compare words, embeddings or English lexicons: a different language explains them.
_EXPLAINED_FAMILIES = ("diversity", "drift", "bias", "properties")
_NOT_EXPLAINED = {"pii_rate", "nonprintable_rate", "near_empty_rate", "digit_share"}


# Embedding-space duplicate and copy rows: an English embedder puts unrelated texts of another language close
# together, so a language shift alone can make "semantic duplicates".
_EXPLAINED_ROWS = ("semantic_duplicate_rate", "semantic_copy_rate", "dcr_copy_rate")


def explained_by_mismatch() -> list[str]:
    """Registry names of the rows a language mismatch alone would push apart."""
    return sorted(n for n, s in REGISTRY.items()
                  if (s.family in _EXPLAINED_FAMILIES or n in _EXPLAINED_ROWS) and n not in _NOT_EXPLAINED)


def mark_not_comparable(entries: list[MetricEntry]) -> list[MetricEntry]:
    """The audit's rows with those a language mismatch explains shown as not comparable.

    When the language row is a hard mismatch (``details["root_cause"]``: the corpora are mostly in
    different languages), every judged row it explains (``details["explains"]``; ok, warn or fail) measures
    the language difference, not lost diversity or drift: it becomes ``info`` (not scored, not a finding),
    its reason starts with "Not comparable: ..." and its details name the cause
    (``{"not_comparable": "language_mix_drift"}``). Values, CIs and p-values stay: they are still facts
    about the corpora. The language row lists the rows it marked (``details["not_comparable"]``) and says
    how many. An "ok" across languages is no more a comparison than a "fail": left scored, such rows gave a
    Chinese-vs-English pair a diversity score of 100. A partial shift (no ``root_cause``) changes nothing, nor
    do info and insufficient rows.
    Runs over the whole audit, after every family and before the multiple-testing correction.
    """
    root = language_root(entries)
    if root is None:
        return list(entries)
    explained = set(root.details.get("explains") or ())
    summary = root.details["mismatch"].get("summary")
    prefix = ("Not comparable: the corpora are in different languages"
              + (f" ({summary}); " if summary else "; "))
    marked = []
    out = []
    for e in entries:
        if e is not root and e.verdict in ("ok", "warn", "fail") and (e.name in explained or e.family in explained):
            e = replace(e, verdict="info", reason=prefix + e.reason,
                        details={**e.details, "not_comparable": root.name})
            marked.append(e.name)
        out.append(e)
    if marked:
        many = "row" if len(marked) == 1 else "rows"
        i = next(i for i, e in enumerate(out) if e is root)
        out[i] = replace(root, reason=f"{root.reason}; {len(marked)} {many} comparing them shown as not "
                         "comparable (info, not scored)", details={**root.details, "not_comparable": marked})
    return out


def corpus_mix(c: CorpusData) -> LanguageMix:
    """The whole-corpus mix from the stream accumulator; the sample's when stats lack it."""
    mix = (c.stats.extras.get("language") if c.stats is not None else None)
    if mix is None:
        mix = LanguageMix()
        for d in c.docs:
            mix.add(d)
    return mix


def doc_languages(ctx: AuditContext) -> dict[str, list[str]]:
    """Language code of every sampled document, ``{"real": [...], "synth": [...]}`` aligned with
    ``ctx.real.docs`` / ``ctx.synth.docs`` (computed once per context)."""
    return ctx.shared_value("doc_languages", lambda: {"real": document_languages(ctx.real.docs),
                                                      "synth": document_languages(ctx.synth.docs)})


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    real, synth = corpus_mix(ctx.real), corpus_mix(ctx.synth)
    value = language_mix_drift(real.languages, synth.languages)
    floor = language_mix_drift(real.half(0), real.half(1))
    if floor.n == 0:
        floor = MetricResult(None)
    entry = pairwise_entry("language_mix_drift", value, floor, scope="full",
                           support={"real_documents": real.n_docs, "synth_documents": synth.n_docs})
    mismatch = language_mismatch(real, synth)
    if mismatch is not None:
        # corpora mostly in different languages: the first finding whatever the drift's own verdict, and
        # the root cause of the rows it explains (a rule over the whole audit, so a changed copy here)
        entry = replace(entry, verdict="fail", reason=f"{mismatch['text']}: word, embedding and lexicon "
                        "comparisons between them measure the language difference, not the quality of the "
                        "synthetic text", details={**entry.details, "root_cause": True,
                                                   "explains": explained_by_mismatch(), "mismatch": mismatch})
    else:
        details = entry.details
        if entry.verdict in ("warn", "fail"):
            # a partial shift (40% of the synthetic documents in another language) is not the hard root
            # cause of a mismatch, but it is the likely cause of the word, topic and embedding gaps it comes with
            details = {**details, "explains": explained_by_mismatch()}
        (rl, rs), (sl, ss) = real.dominant(), synth.dominant()
        entry = replace(entry, details=details, reason=f"{entry.reason} (main language: real "
                        f"{language_name(rl)} {100 * rs:.0f}%, synthetic {language_name(sl)} {100 * ss:.0f}%)")
    out.entries.append(entry)
    out.sections["language"] = {
        "table": mix_table(real, synth),
        "scripts": {"real": dict(real.scripts), "synth": dict(synth.scripts)},
        "mismatch": mismatch,
        "documents": {"real": real.n_docs, "synth": synth.n_docs},
        "identifier": f"py3langid (langid.py model), restricted to major languages; first {MAX_CHARS} characters",
        "segmenters": segmenter_names(),
        "breakdown": language_breakdown(ctx),
    }
    return out


STOP_SHARE = 0.02  # a language with at least this share of either sample contributes its stop words


def corpus_stop_words(ctx: AuditContext) -> frozenset[str]:
    """Stop words of every language holding at least 2% of either sampled corpus (English when none)."""
    def make() -> frozenset[str]:
        present = set()
        for labels in doc_languages(ctx).values():
            counts = Counter(labels)
            present |= {lang for lang, c in counts.items() if c >= STOP_SHARE * max(1, len(labels))}
        return stop_words(present - {UNDETERMINED} or {"en"})

    return ctx.shared_value("stop_words", make)


# --- resources that support only some languages ----------------------------------------------------
ENGLISH = ("en",)


def language_subset(ctx: AuditContext, languages=ENGLISH) -> tuple[AuditContext, dict]:
    """The context restricted to sampled documents identified as one of ``languages`` (the real halves
    too), and the coverage: ``{"languages", "real_docs", "synth_docs", "real_share", "synth_share"}``.
    The context itself when every document is covered."""
    langs = doc_languages(ctx)
    ri = np.array([i for i, lang in enumerate(langs["real"]) if lang in languages], dtype=int)
    si = np.array([i for i, lang in enumerate(langs["synth"]) if lang in languages], dtype=int)
    cov = {"languages": list(languages), "real_docs": len(ri), "synth_docs": len(si),
           "real_share": len(ri) / len(ctx.real) if len(ctx.real) else 0.0,
           "synth_share": len(si) / len(ctx.synth) if len(ctx.synth) else 0.0}
    if len(ri) == len(ctx.real) and len(si) == len(ctx.synth):
        return ctx, cov
    pos = np.full(len(ctx.real), -1)
    pos[ri] = np.arange(len(ri))
    halves = []
    for half in (ctx.real_a, ctx.real_b):
        p = pos[np.asarray(half.indices, dtype=int)]
        halves.append(p[p >= 0])
    real, synth = ctx.real.subset(ri, "real"), ctx.synth.subset(si, "synth")
    sub = AuditContext(real, synth, real.subset(halves[0], "real_a"), real.subset(halves[1], "real_b"),
                       ctx.seed, options=ctx.options)
    return sub, cov


def too_little(cov: dict, min_docs: int = MIN_DOCS) -> bool:
    return min(cov["real_docs"], cov["synth_docs"]) < min_docs


def gate(entry: MetricEntry, cov: dict, what: str, min_docs: int = MIN_DOCS) -> MetricEntry:
    """Say on a row which languages its resource covers and what share of the documents that is; the
    row is ``insufficient`` ("n/a" in words) when fewer than ``min_docs`` documents of either corpus
    are covered. Returns the changed copy."""
    entry = replace(entry, details={**entry.details, "coverage": cov},
                    support={**entry.support, "real_documents_covered": cov["real_docs"],
                             "synth_documents_covered": cov["synth_docs"]})
    names = " or ".join(language_name(lang) for lang in cov["languages"])
    share = (f"{100 * cov['real_share']:.0f}% of real and {100 * cov['synth_share']:.0f}% of synthetic "
             f"documents are {names}")
    if too_little(cov, min_docs):
        return insufficient(entry, f"n/a: {what} is for {names} only, and {share} (needs {min_docs} of each)",
                            clear=True)
    if cov["real_share"] < 1 or cov["synth_share"] < 1:
        return replace(entry, reason=f"{entry.reason}; on the {names} documents only ({share})")
    return entry


# --- per-language breakdown ------------------------------------------------------------------------
def _multilingual(counts: Counter, n: int, min_docs: int, min_share: float) -> bool:
    big = [lang for lang, k in counts.items() if lang != UNDETERMINED and k >= max(min_docs, min_share * n)]
    return len(big) >= 2


def language_breakdown(ctx: AuditContext, *, min_docs: int = MIN_DOCS, min_share: float = 0.10) -> list[dict]:
    """Main metrics per language, when both sampled corpora are multilingual (two or more languages with
    at least ``min_share`` of the documents and ``min_docs`` documents each): for every language with
    ``min_docs`` documents in both, distinct-2 at an equal token budget, mean words per document and mean
    pairwise cosine of the embeddings. Descriptive (no verdicts): the corpus-level rows judge."""
    langs = doc_languages(ctx)
    cr, cs = Counter(langs["real"]), Counter(langs["synth"])
    if not (_multilingual(cr, len(ctx.real), min_docs, min_share)
            and _multilingual(cs, len(ctx.synth), min_docs, min_share)):
        return []
    rows = []
    for lang in sorted(k for k in cr if k != UNDETERMINED and cr[k] >= min_docs and cs.get(k, 0) >= min_docs):
        sub, _ = language_subset(ctx, (lang,))
        pair = (sub.real, sub.synth)
        budget = min(sum(len(t) for t in c.tokens) for c in pair)
        values = {
            "distinct-2 (equal token budget)": [
                distinct_n(c.tokens, n=2, budget=budget, random_state=ctx.rng(41)).value for c in pair],
            "mean words per document": [
                float(np.mean([sum(map(is_word, t)) for t in c.tokens])) for c in pair],
            "mean pairwise cosine": [
                mean_pairwise_cosine(c.embeddings, random_state=ctx.rng(42)).value for c in pair],
        }
        for metric, (r, s) in values.items():
            rows.append({"language": lang, "name": language_name(lang), "metric": metric, "real": r,
                         "synth": s, "real_docs": len(sub.real), "synth_docs": len(sub.synth)})
    return rows
