"""Property rows: lengths, readability (English documents only) and character mix, real vs synthetic.

Each property is one row: the corpus means (normal or Wilson CI) with the real corpus's noise floor from
200 document-bootstrap resamples sized like the comparison (``audit.noise.bootstrap_gaps``: the values are
per-document, so resampling them costs a few array operations), plus a distribution test of the
per-document values (KS, or Fisher for 0/1 flags) and the Wasserstein distance as effect size. The
p-values are corrected with every other p-value of the audit (Benjamini–Hochberg, one scope:
``audit.pipeline.correct_for_multiple_tests``); a row only warns or fails when its corrected p-value is
below ``alpha`` as well.
"""
from __future__ import annotations


import numpy as np

from audit.compare import lift, per_corpus_entry
from audit.context import AuditContext, CorpusData
from audit.families import FamilyOutput, sample_scope
from audit.families.language import doc_languages, gate, language_subset
from audit.noise import bootstrap_mean_noise
from metrics.properties import distribution_test, doc_rate, document_properties, mean_property, shared_histogram
from metrics.result import MetricResult

ROWS = {  # property -> registry name
    "words": "mean_words", "chars": "mean_chars", "sentences": "mean_sentences",
    "mean_word_length": "mean_word_length", "flesch_reading_ease": "flesch_reading_ease",
    "type_token_ratio": "type_token_ratio", "punctuation_share": "punctuation_share",
    "digit_share": "digit_share", "uppercase_share": "uppercase_share",
    "near_empty": "near_empty_rate", "nonprintable": "nonprintable_rate",
}
RATES = {"near_empty", "nonprintable"}
# English-only formulas: computed on English documents only (the language family's label), with coverage
ENGLISH_ONLY = {"flesch_reading_ease": "the Flesch formula (English syllables and sentence lengths)"}
_NAN = MetricResult(float("nan"))


def _subset_props(props: dict, real: CorpusData, half: CorpusData) -> dict:
    """``props`` (the real corpus's, English-only columns masked) on the rows of one real half."""
    if half.parent is real:  # a view on the real corpus (build_context, context_of): its rows are known
        return {k: v[half.indices] for k, v in props.items()}
    return document_properties(half.texts)  # halves built some other way: recompute


def _summary(values: np.ndarray, rate: bool) -> MetricResult:
    try:
        return doc_rate(values) if rate else mean_property(values)
    except ValueError:  # no defined value (e.g. readability of docs without words)
        return _NAN


def _noise(ctx: AuditContext, real: np.ndarray, synth: np.ndarray, salt: int) -> dict:
    """The noise of a mean from document-bootstrap resamples of the real values, sized like the compared
    values: the defined ones (readability is English-only)."""
    return bootstrap_mean_noise(real[np.isfinite(real)], int(np.isfinite(synth).sum()), ctx.rng(salt))


def _examples(c: CorpusData, flags: np.ndarray, limit: int = 5) -> list[dict]:
    return [{"id": c.docs[i].id, "text": c.docs[i].text[:300]} for i in np.flatnonzero(flags > 0)[:limit]]


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    R, S = ctx.real, ctx.synth
    if len(R) == 0 or len(S) == 0:
        return out
    pr, ps = dict(R.properties), dict(S.properties)  # copies: the English-only columns are replaced below
    coverage = language_subset(ctx)[1]
    langs = doc_languages(ctx)
    for prop in ENGLISH_ONLY:
        for p, side in ((pr, "real"), (ps, "synth")):
            p[prop] = np.where(np.array(langs[side]) == "en", p[prop], np.nan)
    pa, pb = _subset_props(pr, R, ctx.real_a), _subset_props(pr, R, ctx.real_b)
    entries, tests = [], []
    for i, (prop, name) in enumerate(ROWS.items()):
        rate = prop in RATES
        res = [_summary(p[prop], rate) for p in (pr, ps, pa, pb)]
        noise = _noise(ctx, np.asarray(pr[prop], float), np.asarray(ps[prop], float), 70 + i)
        try:
            t = distribution_test(pr[prop], ps[prop])
        except ValueError:
            t = None
        extra = {}
        if t is not None:
            extra = {"wasserstein": t.value, "test": t.details["test"], "p_value": t.p_value}
            if "ks" in t.details:
                extra["ks"] = t.details["ks"]
        if rate:
            extra["examples_synth"] = _examples(S, ps[prop])
            extra["examples_real"] = _examples(R, pr[prop])
        entry = per_corpus_entry(name, *res, details=extra, p_value=None if t is None else t.p_value, **noise)
        if prop in ENGLISH_ONLY:
            entry = gate(entry, coverage, ENGLISH_ONLY[prop])
        entries.append(entry)
        tests.append({"property": prop, "metric": name, "real_mean": res[0].value, "synth_mean": res[1].value,
                      **{k: v for k, v in extra.items() if not k.startswith("examples")},
                      "p_adjusted": None})  # filled by the audit-wide BH step
    # a gap in a mean is only a flag when the distributions differ: without a test, no flag; with one,
    # the audit-wide Benjamini-Hochberg step (audit.pipeline.correct_for_multiple_tests) decides
    out.entries.extend(lift(e, "no distribution test could be run")
                       if e.verdict in ("warn", "fail") and e.p_value is None else e for e in entries)

    out.sections["properties"] = {
        "histograms": {"words": shared_histogram(pr["words"], ps["words"]),
                       "chars": shared_histogram(pr["chars"], ps["chars"])},
        "tests": tests,
    }
    out.entries = [sample_scope(e, ctx) for e in out.entries]
    return out
