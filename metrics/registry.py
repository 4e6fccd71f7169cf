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
In both cases the verdict only fires when the gap is also clearly beyond the split-half real noise floor;
for pairwise metrics with an ``ideal`` the thresholds apply to the excess over the real-vs-real value.

Support
-------
``support``: the least evidence a verdict may rest on, as ``(what, minimum)`` pairs, checked on each
corpus (per-corpus metrics) or on the pair (pairwise). ``what`` names a key of the metric result's
``details`` (e.g. ``gendered_terms``), or ``documents`` for the number of documents (``MetricResult.n``).
Keys starting with ``share_`` are fractions (shown as percentages). Below a minimum the row is
"insufficient" with the reason in words; the values themselves are shown beside the row's value.
``explains``: metric or family names whose flags this metric's flag explains (root cause first in the
headline; a row can also say so itself in ``details["explains"]``).
``value_range``: the values the metric can take (``None`` = unbounded), so ``audit init`` never writes
a check that cannot fail.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from metrics.registry_defects import DEFECT_SPECS

Family = Literal["language", "defects", "diversity", "duplication", "drift", "bias", "properties"]
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
    # pairwise only: the value expected when synthetic and real come from one distribution (0 for a
    # divergence, 0.5 for an AUC). Then the real-vs-real value estimates the small-sample bias, and the
    # thresholds are applied to ``ideal + (value - real_vs_real)``: only the excess over chance counts.
    ideal: float | None = None
    support: tuple[tuple[str, float], ...] = (("documents", 20),)
    value_range: tuple[float | None, float | None] = (None, None)
    # root causes: metric names or family names whose flags this metric's flag explains (a language or
    # length mismatch moves many other rows); the headline then says it once and groups those rows.
    explains: tuple[str, ...] = ()

    @property
    def min_support(self) -> dict[str, float]:
        return dict(self.support)


# What each support key counts, in words (for "insufficient" reasons and the support column).
SUPPORT_WORDS = {
    "documents": "documents",
    "gendered_terms": "gendered-term mentions",
    "rare_types": "rare words",
    "chunks": "compressed chunks",
    "groups": "groups mentioned often enough",
    "pairs": "group-occupation pairs with enough support",
    "share_long_enough": "documents at least one window long",
    "ranks_fitted": "repeated words to fit",
}


def _s(*specs: MetricSpec) -> dict[str, MetricSpec]:
    return {s.name: s for s in specs}


# Former names, still accepted wherever a user or a saved file names a metric: gate configs and
# [[trend]] checks, results and baselines read back (``AuditResult.from_dict``), ``AuditResult.metric``.
RENAMED = {
    "compression_ratio_rate": "compression_ratio",  # a ratio of sizes, not a rate (lower is still better)
}


def canonical_name(name):
    """The current name of a metric given by its current or a former name (anything else unchanged)."""
    return RENAMED.get(name, name) if isinstance(name, str) else name


REGISTRY: dict[str, MetricSpec] = {
    # --- language ------------------------------------------------------------------------------
    **_s(
        MetricSpec(
            "language_mix_drift", "language", "Language mix drift",
            "Total variation distance between the languages of the real and synthetic documents "
            "(py3langid per document, every document). 0..1: the share of synthetic documents that would "
            "have to change language to match the real mix; 0 = same mix, lower is better. When the "
            "corpora are mostly in different languages, lexical comparisons between them mean nothing.",
            "lower", kind="pairwise", warn=0.05, fail=0.15, ideal=0, value_range=(0.0, 1.0),
            # a share of documents in another language moves these; a full mismatch (the corpora mostly
            # in different languages) says so itself in details["explains"] with every lexical row
            explains=("unigram_jsd_drift", "classifier_auc_drift", "mmd_drift", "frechet_distance", "mauve_score",
                      "flesch_reading_ease", "mean_word_length", "gender_term_share", "representation_drift",
                      "toxicity_rate", "distinct_1_score", "unigram_entropy_score", "tail_survival_score"),
        ),
    ),
    # --- defects: metrics/registry_defects.py -----------------------------------------------------
    **_s(*(MetricSpec(**kw) for kw in DEFECT_SPECS)),
    # --- diversity -----------------------------------------------------------------------------
    **_s(
        MetricSpec(
            "distinct_1_score", "diversity", "Distinct-1",
            "Unique words / all words, on a fixed token budget so length does not decide it. "
            "0..1, higher = richer vocabulary (Li et al., NAACL 2016).",
            "higher", warn=0.10, fail=0.25,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "distinct_2_score", "diversity", "Distinct-2",
            "Unique word bigrams / all bigrams, on a fixed token budget so length does not decide it. "
            "0..1, higher = more varied phrasing (Li et al., NAACL 2016).",
            "higher", warn=0.10, fail=0.25,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "distinct_3_score", "diversity", "Distinct-3",
            "Unique word trigrams / all trigrams, on a fixed token budget. 0..1, higher = more varied "
            "phrasing (Li et al., NAACL 2016).",
            "higher", warn=0.10, fail=0.25,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "unigram_entropy_score", "diversity", "Word entropy",
            "Shannon entropy of the word distribution in bits, on a fixed token budget. Higher = "
            "probability spread over more words; a collapsed model concentrates on common words.",
            "higher", warn=0.03, fail=0.08, unit="bits",
            value_range=(0.0, None),
        ),
        MetricSpec(
            "bigram_entropy_score", "diversity", "Bigram entropy",
            "Shannon entropy of the word-bigram distribution in bits, on a fixed token budget. "
            "Higher = more varied phrasing.",
            "higher", warn=0.03, fail=0.08, unit="bits",
            value_range=(0.0, None),
        ),
        MetricSpec(
            "mattr_score", "diversity", "MATTR (50 words)",
            "Moving-average type-token ratio over 50-word windows, averaged over documents of 50+ "
            "words (Covington & McFall 2010). 0..1, higher = more varied vocabulary within a text.",
            "higher", warn=0.05, fail=0.12,
            value_range=(0.0, 1.0), support=(('documents', 20), ('share_long_enough', 0.5)),
        ),
        MetricSpec(
            "compression_ratio", "diversity", "gzip compression ratio",
            "Bytes / gzip bytes of the corpus in shuffled 16 KiB chunks (Shaib et al. 2024). About 2-3 "
            "for varied prose; higher = more repetitive text; lower is better. Formerly "
            "compression_ratio_rate (still accepted in configs and saved results).",
            "lower", warn=0.10, fail=0.25,
            value_range=(0.0, None), support=(('documents', 10), ('chunks', 4)),
        ),
        MetricSpec(
            "self_bleu_rate", "diversity", "Self-BLEU",
            "Mean BLEU-4 of each sampled document against all the others (Zhu et al. 2018), at the "
            "same sample size for every corpus. 0..1, higher = documents reuse each other's phrasing; "
            "lower is better (Holtzman et al. 2020: human 0.31, greedy decoding 0.50).",
            "lower", warn=0.30, fail=0.75,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "homogenization_rate", "diversity", "Homogenization (ROUGE-L)",
            "Mean pairwise ROUGE-L F1 between sampled documents (Padmakumar & He, ICLR 2024): how much of "
            "their wording documents share, in order. 0..1 at a fixed sample size and length cut; higher = "
            "more homogeneous; lower is better.",
            "lower", warn=0.10, fail=0.25,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "self_repetition_rate", "diversity", "Self-repetition",
            "Mean over documents of log(1 + number of other documents sharing each of its 4-grams) "
            "(Salkar et al. 2022), on equal-size samples. 0 = no shared 4-grams; lower is better. "
            "Absolute gap thresholds (a gap of 0.25 is about 30% more shared phrases).",
            "lower", warn=0.25, fail=0.60, absolute=True,
            value_range=(0.0, None),
        ),
        MetricSpec(
            "tail_survival_score", "diversity", "Rare-word survival",
            "Share of the real corpus's rare words (seen at most 5 times in a fixed word budget) that "
            "the corpus uses at the same budget; the real value is one real half's rare words found in "
            "the other. 0..1, higher = the long tail survives (model collapse loses it first: "
            "Shumailov et al., Nature 2024).",
            "higher", warn=0.15, fail=0.35,
            value_range=(0.0, 1.0), support=(('rare_types', 50),),
        ),
        MetricSpec(
            "zipf_exponent", "diversity", "Zipf exponent",
            "Slope s of log frequency vs log rank (f ~ r^-s) over the top 1,000 repeated words at a fixed "
            "budget. About 1 for English; larger = mass on fewer words. Should match the real corpus.",
            "closer", warn=0.12, fail=0.30,
            support=(('documents', 20), ('ranks_fitted', 50)),
        ),
        MetricSpec(
            "boilerplate_opening_rate", "diversity", "Boilerplate openings",
            "Probability that two random documents open with the same three words (unbiased, size-free). "
            "0..1; one opening shared by a share p of documents gives about p^2 (\"Sure, here's\" in half "
            "the documents: 0.25). Lower is better.",
            "lower", warn=0.01, fail=0.05, absolute=True,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "vendi_score", "diversity", "Vendi score",
            "Effective number of distinct documents: exp of the entropy of the eigenvalues of the cosine "
            "kernel / n (Friedman & Dieng, TMLR 2023), at the same sample size for every corpus. 1..min(n, "
            "dim), higher = more diverse. Depends on the embedding model.",
            "higher", warn=0.15, fail=0.35,
            value_range=(1.0, None),
        ),
        MetricSpec(
            "pairwise_similarity_rate", "diversity", "Mean pairwise cosine",
            "Mean cosine similarity of embeddings over all pairs of documents (exact). Higher = documents "
            "say similar things (homogenisation); lower is better. Absolute gap thresholds.",
            "lower", warn=0.05, fail=0.15, absolute=True,
            value_range=(-1.0, 1.0),
        ),
        MetricSpec(
            "cluster_entropy_score", "diversity", "Topic spread (cluster entropy)",
            "Normalised entropy of the corpus's histogram over k-means cells fitted on real and synthetic "
            "embeddings together. 0..1, higher = spread over more topics; lower = crowded into a few.",
            "higher", warn=0.05, fail=0.15,
            value_range=(0.0, 1.0),
        ),
    ),
    # --- duplication ---------------------------------------------------------------------------
    **_s(
        MetricSpec(
            "exact_duplicate_rate", "duplication", "Exact duplicates",
            "Share of documents whose normalised text (NFKC, casefold, collapsed white space) already "
            "appeared earlier in the same corpus. 0..1, lower is better.",
            "lower", warn=0.01, fail=0.05, absolute=True,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "near_duplicate_rate", "duplication", "Near duplicates (MinHash)",
            "Share of documents that nearly repeat another one (Jaccard of word 5-gram sets >= 0.8, found "
            "with MinHash-LSH and verified exactly), beyond the first of each cluster. 0..1, lower is better "
            "(Broder 1997).",
            "lower", warn=0.02, fail=0.10, absolute=True,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "semantic_duplicate_rate", "duplication", "Semantic duplicates",
            "Share of documents whose embedding has cosine >= 0.95 with another one (same meaning, other "
            "words), beyond the first of each cluster. 0..1, lower is better (SemDeDup, Abbas et al. 2023).",
            "lower", warn=0.05, fail=0.15, absolute=True,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "exact_copy_rate", "duplication", "Exact copies of real text",
            "Share of synthetic documents whose normalised text appears in the real corpus (whole stream). "
            "0..1, lower is better; the floor is how often real documents repeat each other.",
            "lower", kind="pairwise", warn=0.01, fail=0.05, ideal=0,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "near_copy_rate", "duplication", "Near copies of real text",
            "Share of synthetic documents with a real document at Jaccard >= 0.8 on word 5-gram sets "
            "(MinHash-LSH, verified). 0..1, lower is better; floor: real half B against real half A.",
            "lower", kind="pairwise", warn=0.02, fail=0.10, ideal=0,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "semantic_copy_rate", "duplication", "Paraphrased copies of real text",
            "Share of synthetic documents whose nearest real document has embedding cosine >= 0.95. "
            "0..1, lower is better; floor: real half B against real half A.",
            "lower", kind="pairwise", warn=0.05, fail=0.20, ideal=0,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "ngram_copy_rate", "duplication", "Shared 13-gram spans with real text",
            "Share of synthetic documents sharing at least one 13-token span with a real document (GPT-3 "
            "contamination rule, Brown et al. 2020). 0..1, lower is better; floor: real half B vs half A.",
            "lower", kind="pairwise", warn=0.05, fail=0.20, ideal=0,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "dcr_copy_rate", "duplication", "Too close to real records (DCR)",
            "Share of synthetic documents nearer (embedding cosine distance) to a real document than 95% of "
            "held-out real documents are. About 0.05 when nothing is copied; lower is better.",
            "lower", kind="pairwise", warn=0.10, fail=0.20, ideal=0.05,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "data_copying_score", "duplication", "Data-copying test C_T",
            "Meehan et al. (AISTATS 2020): per region, are synthetic documents closer to the real training "
            "half than held-out real ones are? A weighted z-score: about 0 = no copying, below -3 = copying, "
            "above 0 = underfitting. Higher means less copying (not a better corpus: well above 0 is a drift, "
            "judged by the drift rows); only the copying side (low values) is flagged.",
            "higher", kind="pairwise", warn=-2.0, fail=-5.0, ideal=0,
        ),
    ),
    # --- drift ---------------------------------------------------------------------------------
    **_s(
        MetricSpec(
            "classifier_auc_drift", "drift", "Classifier two-sample AUC",
            "Cross-validated ROC AUC of a logistic regression telling real from synthetic embeddings "
            "(Lopez-Paz & Oquab, ICLR 2017). 0.5 = indistinguishable, 1 = fully separable; lower is better.",
            "lower", kind="pairwise", warn=0.65, fail=0.80, ideal=0.5,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "mmd_drift", "drift", "MMD² (RBF kernel)",
            "Squared maximum mean discrepancy between real and synthetic embeddings, RBF kernel with "
            "median-heuristic bandwidth, unbiased estimator, permutation p-value, on seeded samples of at "
            "most 1,500 docs per side (Gretton et al., JMLR 2012). 0 = same distribution; lower is better. "
            "Scale depends on the embedding model.",
            "lower", kind="pairwise", warn=0.02, fail=0.10, ideal=0,
        ),
        MetricSpec(
            "frechet_distance", "drift", "Fréchet embedding distance",
            "Distance between Gaussians fitted to the real and synthetic embeddings, "
            "|mu1-mu2|^2 + Tr(S1+S2-2(S1 S2)^1/2), at a fixed sample size equal to the noise floor's "
            "(Heusel et al., NeurIPS 2017), with a permutation p-value. 0 = same mean and covariance; lower "
            "is better; model-dependent.",
            "lower", kind="pairwise", warn=0.05, fail=0.15, ideal=0,
            value_range=(0.0, None),
        ),
        MetricSpec(
            "mauve_score", "drift", "MAUVE",
            "Area under the divergence frontier of the two corpora's quantised embeddings (Pillutla et al., "
            "NeurIPS 2021), at a fixed sample size with n/10 k-means buckets. 0..1, 1 = same distribution; "
            "higher is better. Relative only: read it against the real-vs-real value, never across embedders.",
            "higher", kind="pairwise", warn=0.8, fail=0.5, ideal=1.0,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "precision_score", "drift", "Precision (k-NN manifold)",
            "Share of synthetic docs that fall inside the real corpus's k-NN manifold (k = 5): are synthetic "
            "docs realistic? 0..1, higher is better (Kynkäänniemi et al. 2019; Naeem et al., ICML 2020).",
            "higher", kind="pairwise", warn=0.60, fail=0.40,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "recall_score", "drift", "Recall (k-NN manifold)",
            "Share of real docs that fall inside the synthetic corpus's k-NN manifold (k = 5): does the "
            "synthetic corpus reach all of the real one? 0..1, higher is better (Kynkäänniemi et al. 2019).",
            "higher", kind="pairwise", warn=0.60, fail=0.40,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "coverage_score", "drift", "Coverage (k-NN)",
            "Share of real docs whose 5-NN ball holds at least one synthetic doc (Naeem et al., ICML 2020). "
            "0..1, higher is better; identical distributions give about 0.97.",
            "higher", kind="pairwise", warn=0.85, fail=0.70, ideal=0.969,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "knn_density", "drift", "Density (k-NN)",
            "Mean number of real 5-NN balls holding a synthetic doc, divided by 5 (Naeem et al., ICML 2020). "
            "About 1 when distributions match; above 1 = synthetic docs crowd into dense real regions, "
            "below 1 = off the real manifold. Shown for information.",
            "closer", kind="pairwise", warn=None, fail=None,
            value_range=(0.0, None),
        ),
        MetricSpec(
            "mode_coverage_score", "drift", "Real topic modes kept",
            "Share of the real corpus's documents in pooled k-means clusters that the synthetic corpus does "
            "not drop or starve (synthetic share < half the real share, Fisher exact test, BH-corrected). "
            "0..1, higher is better; the dropped and starved topics are listed with keywords. Needs the same "
            "support as Topic mix divergence.",
            "higher", kind="pairwise", warn=0.90, fail=0.75, ideal=1.0,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "cluster_js_drift", "drift", "Topic mix divergence",
            "Jensen-Shannon divergence (base 2) between the real and synthetic shares of pooled k-means "
            "clusters. 0 = same topic mix, 1 = disjoint topics; lower is better. Its p-value deals the "
            "documents' corpus labels over the fixed clusters (999 permutations); k is at most one topic per "
            "10 documents of each real half and of the synthetic sample, and below 2 topics there is no verdict.",
            "lower", kind="pairwise", warn=0.05, fail=0.15, ideal=0,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "unigram_jsd_drift", "drift", "Word distribution divergence",
            "Jensen-Shannon divergence (base 2) of the token unigram distributions, on equal-size samples "
            "of documents, with a permutation p-value. 0 = same word use, 1 = disjoint vocabularies; lower "
            "is better. Biased upward on small samples: read it against the real-vs-real value.",
            "lower", kind="pairwise", warn=0.10, fail=0.25, ideal=0,
            value_range=(0.0, 1.0),
        ),
    ),
    # --- bias ----------------------------------------------------------------------------------
    **_s(
        MetricSpec(
            "gender_term_share", "bias", "Female share of gendered terms",
            "Female / (female + male) gendered-term mentions; the synthetic corpus should match the real one.",
            "closer", warn=0.15, fail=0.30,
            value_range=(0.0, 1.0), support=(('documents', 20), ('gendered_terms', 30)),
        ),
        MetricSpec(
            "representation_drift", "bias", "Group representation drift",
            "Mean |log(synthetic / real)| of the share of documents mentioning each demographic group "
            "(gender, race/ethnicity, religion, age, nationality, disability, sexual orientation; "
            "HolisticBias descriptors, Smith et al. 2022). 0 = every group as present as in the real "
            "corpus, 0.69 = on average twice or half as often; lower is better.",
            "lower", kind="pairwise", warn=0.25, fail=0.50, ideal=0,
            value_range=(0.0, None), support=(('documents', 20), ('groups', 1)),
        ),
        MetricSpec(
            "stereotype_amplification_drift", "bias", "Stereotype amplification",
            "Mean strengthening of group-occupation associations (log relative risk of co-occurring in a "
            "document; Bordia & Bowman 2019, Zhao et al. 2017): mean of max(0, |synthetic| - |real|) over "
            "pairs with enough support. 0 = nothing more stereotyped than real; lower is better.",
            "lower", kind="pairwise", warn=0.15, fail=0.35, ideal=0,
            value_range=(0.0, None), support=(('documents', 20), ('pairs', 1)),
        ),
        MetricSpec(
            "group_sentiment_drift", "bias", "Group sentiment drift",
            "Mean absolute change of each group's relative tone: VADER compound (Hutto & Gilbert 2014) of "
            "sentences mentioning the group minus the corpus mean, synthetic vs real. 0..2, lower is better.",
            "lower", kind="pairwise", warn=0.10, fail=0.25, ideal=0,
            value_range=(0.0, 2.0), support=(('documents', 20), ('groups', 1)),
        ),
        MetricSpec(
            "toxicity_rate", "bias", "Toxic language",
            "Documents containing a profane or toxic term (filtered better_profanity word list), per 1,000 "
            "documents. Lower is better; a word list misses implicit toxicity.",
            "lower", warn=5.0, fail=20.0, absolute=True, unit="per 1k docs",
            value_range=(0.0, 1000.0),
        ),
        MetricSpec(
            "pii_rate", "bias", "Personal data",
            "Documents containing personal data (e-mail, phone, Luhn-valid card number, IPv4/IPv6, US SSN, "
            "street address), per 1,000 documents. Lower is better.",
            "lower", warn=2.0, fail=10.0, absolute=True, unit="per 1k docs",
            value_range=(0.0, 1000.0),
        ),
    ),
    # --- properties ----------------------------------------------------------------------------
    **_s(
        MetricSpec(
            "mean_words", "properties", "Mean length (words)",
            "Mean number of words per document; the synthetic corpus should match the real one.",
            "closer", warn=0.20, fail=0.50, unit="words",
            value_range=(0.0, None),
            explains=("mean_chars", "mean_sentences", "type_token_ratio", "near_empty_rate"),
        ),
        MetricSpec(
            "mean_chars", "properties", "Mean length (characters)",
            "Mean number of characters per document; should match the real corpus.",
            "closer", warn=0.20, fail=0.50, unit="chars",
            value_range=(0.0, None),
            explains=("mean_words", "mean_sentences", "type_token_ratio", "near_empty_rate"),
        ),
        MetricSpec(
            "mean_sentences", "properties", "Mean sentences per document",
            "Mean number of sentences (runs ending in . ! ?) per document; should match the real corpus.",
            "closer", warn=0.20, fail=0.50,
            value_range=(0.0, None),
        ),
        MetricSpec(
            "mean_word_length", "properties", "Mean word length",
            "Mean letters per word, per document; should match the real corpus.",
            "closer", warn=0.10, fail=0.25, unit="chars",
            value_range=(0.0, None),
        ),
        MetricSpec(
            "flesch_reading_ease", "properties", "Readability (Flesch)",
            "Mean Flesch reading ease per document (Flesch 1948; syllables by pyphen hyphenation). Roughly "
            "0..100, higher = easier; should match the real corpus. Thresholds are absolute points.",
            "closer", warn=10.0, fail=20.0, absolute=True,
            value_range=(None, 121.22),
        ),
        MetricSpec(
            "type_token_ratio", "properties", "Type-token ratio per doc",
            "Mean share of distinct words within a document (falls with length); should match the real corpus.",
            "closer", warn=0.10, fail=0.25,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "punctuation_share", "properties", "Punctuation share",
            "Mean share of punctuation and symbol characters among non-space characters; should match real.",
            "closer", warn=0.25, fail=0.50,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "digit_share", "properties", "Digit share",
            "Mean share of digits among non-space characters; should match real.",
            "closer", warn=0.25, fail=0.50,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "uppercase_share", "properties", "Uppercase share",
            "Mean share of uppercase letters among letters; should match real.",
            "closer", warn=0.25, fail=0.50,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "near_empty_rate", "properties", "Near-empty documents",
            "Share of documents with fewer than 3 words. 0..1, lower is better; thresholds are absolute.",
            "lower", warn=0.01, fail=0.05, absolute=True,
            value_range=(0.0, 1.0),
        ),
        MetricSpec(
            "nonprintable_rate", "properties", "Non-printable characters",
            "Share of documents containing control, private-use or unassigned characters or U+FFFD "
            "(encoding damage). 0..1, lower is better; thresholds are absolute.",
            "lower", warn=0.01, fail=0.05, absolute=True,
            value_range=(0.0, 1.0),
        ),
    ),
}
