"""The one explicit registry: metric name -> its spec (family, direction, thresholds, help text).

Every public metric that appears in an ``AuditResult`` is listed here; ``tests/test_registry.py`` checks
that every entry the pipeline emits is registered and every registered metric is tested.

Thresholds
----------
``kind="per_corpus"``: the metric is computed on the real and on the synthetic corpus. ``warn`` / ``fail``
are the *relative* gap ``|synth - real| / |real|`` in the bad direction that triggers the verdict, unless
``absolute=True``, in which case they are absolute gaps.
``kind="pairwise"``: one value for the pair (real, synth). ``warn`` / ``fail`` are absolute values of that
number in the bad direction (``better="lower"``: value above; ``better="higher"``: value below).
In both cases the verdict only fires when the gap is also clearly beyond the split-half real noise floor.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Family = Literal["diversity", "duplication", "drift", "bias", "properties"]
Better = Literal["higher", "lower", "closer"]


@dataclass(frozen=True)
class MetricSpec:
    name: str
    family: Family
    title: str
    description: str  # plain language: what it measures, range, which way is better, the paper
    better: Better  # for per_corpus: which direction of synth vs real is better; "closer" = match real
    kind: Literal["per_corpus", "pairwise"] = "per_corpus"
    warn: float | None = 0.10
    fail: float | None = 0.25
    absolute: bool = False
    unit: str = ""


def _s(*specs: MetricSpec) -> dict[str, MetricSpec]:
    return {s.name: s for s in specs}


REGISTRY: dict[str, MetricSpec] = {
    # --- diversity -----------------------------------------------------------------------------
    **_s(
        MetricSpec(
            "distinct_2_score", "diversity", "Distinct-2",
            "Unique word bigrams / all bigrams, on a fixed token budget so length does not decide it. "
            "0..1, higher = more varied phrasing (Li et al., NAACL 2016).",
            "higher",
        ),
    ),
    # --- duplication ---------------------------------------------------------------------------
    **_s(
        MetricSpec(
            "exact_duplicate_rate", "duplication", "Exact duplicates",
            "Share of documents whose normalised text (NFKC, casefold, collapsed white space) already "
            "appeared earlier in the same corpus. 0..1, lower is better.",
            "lower", warn=0.01, fail=0.05, absolute=True,
        ),
    ),
    # --- drift ---------------------------------------------------------------------------------
    **_s(
        MetricSpec(
            "classifier_auc_drift", "drift", "Classifier two-sample AUC",
            "Cross-validated ROC AUC of a logistic regression telling real from synthetic embeddings "
            "(Lopez-Paz & Oquab, ICLR 2017). 0.5 = indistinguishable, 1 = fully separable; lower is better.",
            "lower", kind="pairwise", warn=0.65, fail=0.80,
        ),
    ),
    # --- bias ----------------------------------------------------------------------------------
    **_s(
        MetricSpec(
            "gender_term_share", "bias", "Female share of gendered terms",
            "Female / (female + male) gendered-term mentions; the synthetic corpus should match the real one.",
            "closer", warn=0.15, fail=0.30,
        ),
        MetricSpec(
            "representation_drift", "bias", "Group representation drift",
            "Mean |log(synthetic / real)| of the share of documents mentioning each demographic group "
            "(gender, race/ethnicity, religion, age, nationality, disability, sexual orientation; "
            "HolisticBias descriptors, Smith et al. 2022). 0 = every group as present as in the real "
            "corpus, 0.69 = on average twice or half as often; lower is better.",
            "lower", kind="pairwise", warn=0.25, fail=0.50,
        ),
        MetricSpec(
            "stereotype_amplification_drift", "bias", "Stereotype amplification",
            "Mean strengthening of group-occupation associations (log relative risk of co-occurring in a "
            "document; Bordia & Bowman 2019, Zhao et al. 2017): mean of max(0, |synthetic| - |real|) over "
            "pairs with enough support. 0 = nothing more stereotyped than real; lower is better.",
            "lower", kind="pairwise", warn=0.15, fail=0.35,
        ),
        MetricSpec(
            "group_sentiment_drift", "bias", "Group sentiment drift",
            "Mean absolute change of each group's relative tone: VADER compound (Hutto & Gilbert 2014) of "
            "sentences mentioning the group minus the corpus mean, synthetic vs real. 0..2, lower is better.",
            "lower", kind="pairwise", warn=0.10, fail=0.25,
        ),
        MetricSpec(
            "toxicity_rate", "bias", "Toxic language",
            "Documents containing a profane or toxic term (filtered better_profanity word list), per 1,000 "
            "documents. Lower is better; a word list misses implicit toxicity.",
            "lower", warn=5.0, fail=20.0, absolute=True, unit="per 1k docs",
        ),
        MetricSpec(
            "pii_rate", "bias", "Personal data",
            "Documents containing personal data (e-mail, phone, Luhn-valid card number, IPv4/IPv6, US SSN, "
            "street address), per 1,000 documents. Lower is better.",
            "lower", warn=2.0, fail=10.0, absolute=True, unit="per 1k docs",
        ),
    ),
    # --- properties ----------------------------------------------------------------------------
    **_s(
        MetricSpec(
            "mean_words", "properties", "Mean length (words)",
            "Mean number of words per document; the synthetic corpus should match the real one.",
            "closer", warn=0.20, fail=0.50, unit="words",
        ),
    ),
}
