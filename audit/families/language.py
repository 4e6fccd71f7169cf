"""Language rows: the language mix of each corpus (every document) and its drift.

The mix comes from the ``language`` stream accumulator (``metrics.language.LanguageMix``), so it covers
every document of both corpora, not the sample. The noise floor is the same distance between the two
hash halves of the real corpus. When the corpora are mostly in different languages or scripts the row
fails, says so in words and carries ``details["root_cause"] = True`` with ``details["explains"]``: the
rows whose real-vs-synthetic gap that mismatch alone explains (every lexical, embedding and lexicon
comparison), so the headline states the mismatch once instead of as lost diversity.

``doc_languages(ctx)`` labels the *sampled* documents (cached in ``ctx.shared``) for the families that
gate English-only resources on the document's language.
"""
from __future__ import annotations

from audit.compare import pairwise_entry
from audit.context import AuditContext, CorpusData
from audit.families import FamilyOutput
from metrics.language import (
    LanguageMix, identify_all, language_mismatch, language_mix_drift, language_name, mix_table,
)
from metrics.registry import REGISTRY
from metrics.result import MetricResult
from metrics.text import segmenter_names

# Families whose rows compare words, embeddings or English lexicons: a different language explains them.
_EXPLAINED_FAMILIES = ("diversity", "drift", "bias", "properties")
_NOT_EXPLAINED = {"pii_rate", "nonprintable_rate", "near_empty_rate", "digit_share"}


def explained_by_mismatch() -> list[str]:
    """Registry names of the rows a language mismatch alone would push apart."""
    return sorted(n for n, s in REGISTRY.items() if s.family in _EXPLAINED_FAMILIES and n not in _NOT_EXPLAINED)


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
    if "doc_languages" not in ctx.shared:
        ctx.shared["doc_languages"] = {"real": identify_all(ctx.real.texts),
                                       "synth": identify_all(ctx.synth.texts)}
    return ctx.shared["doc_languages"]


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    real, synth = corpus_mix(ctx.real), corpus_mix(ctx.synth)
    value = language_mix_drift(real.languages, synth.languages)
    floor = language_mix_drift(real.half(0), real.half(1))
    if floor.n == 0:
        floor = MetricResult(None)
    entry = pairwise_entry("language_mix_drift", value, floor)
    entry.scope = "full"
    entry.support = {"real_docs": real.n_docs, "synth_docs": synth.n_docs}
    mismatch = language_mismatch(real, synth)
    if mismatch is not None:
        entry.verdict = "fail"
        entry.reason = f"{mismatch['text']}: word, embedding and lexicon comparisons between them measure " \
                       "the language difference, not the quality of the synthetic text"
        entry.details["root_cause"] = True
        entry.details["explains"] = explained_by_mismatch()
        entry.details["mismatch"] = mismatch
    else:
        (rl, rs), (sl, ss) = real.dominant(), synth.dominant()
        entry.reason = f"{entry.reason} (main language: real {language_name(rl)} {100 * rs:.0f}%, " \
                       f"synthetic {language_name(sl)} {100 * ss:.0f}%)"
    out.entries.append(entry)
    out.sections["language"] = {
        "table": mix_table(real, synth),
        "scripts": {"real": dict(real.scripts), "synth": dict(synth.scripts)},
        "mismatch": mismatch,
        "documents": {"real": real.n_docs, "synth": synth.n_docs},
        "identifier": "py3langid (langid.py model), restricted to major languages; first 1000 characters",
        "segmenters": segmenter_names(),
    }
    return out
