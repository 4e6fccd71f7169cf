"""Topics and modes: which regions of the real corpus the synthetic one dropped, starved, inflated or invented.

One k-means fit on the pooled real ∪ synthetic embeddings; per cluster, each corpus's share, c-TF-IDF
keywords, the documents nearest the centre, and a Fisher exact test (Benjamini–Hochberg corrected across
clusters) of whether the synthetic share differs from the real share.
"""
from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import false_discovery_control, fisher_exact
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from metrics.drift import check_embeddings
from metrics.kmeans import fit_kmeans
from metrics.result import MetricResult, to_native

LOST = ("dropped", "starved")
EXTRA = ("invented", "inflated")

# The least number of documents per topic, on average, in each sample a topic row compares: real half A,
# real half B (the noise floor) and the synthetic sample. A share of a topic that holds 2-3 documents of a
# sample moves by 30-50% when one document moves, so the real-vs-real JS is then one draw of a very noisy
# number (10 documents in each half over 4 topics: between 0 and 0.33, median 0.10) and can be exactly 0
# when the two halves happen to fall into the topics alike. At 10 the JS of two halves of one corpus is
# about (k - 1) / (4 · 10k · ln 2) < 0.04 whatever k, and the chi-square rule of thumb (expected counts of
# at least 5 in each cell of the 2 × k table) holds with room. With k >= 2 as well, the topic rows need at
# least 20 documents in each real half and 20 synthetic ones.
MIN_DOCS_PER_TOPIC = 10


@dataclass
class TopicFit:
    """A pooled clustering. ``labels_*`` are row-aligned with the inputs; ``clusters`` is JSON-native."""

    k: int
    labels_real: list[int]
    labels_synth: list[int]
    clusters: list[dict] = field(default_factory=list)

    def section(self) -> dict:
        """The JSON-native summary for reports (without the per-document labels)."""
        return to_native({"k": self.k, "clusters": self.clusters})


def choose_k(n: int, *, k_max: int = 30) -> int:
    """Number of clusters from the pooled size: round(√(n/2)), between 2 and ``k_max``."""
    return int(min(k_max, max(2, round(np.sqrt(n / 2)))))


def supported_k(n_smallest: int) -> int:
    """The most topics a sample of ``n_smallest`` documents (the smallest compared: a real half or the
    synthetic sample) supports: ``MIN_DOCS_PER_TOPIC`` documents per topic on average (below 2: none)."""
    return int(n_smallest) // MIN_DOCS_PER_TOPIC


def _kmeans(x: np.ndarray, k: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """faiss k-means (one run, 20 iterations, ≤ 128 training points per centroid); labels and distances."""
    km = fit_kmeans(x, k, niter=20, nredo=1, seed=seed, max_points_per_centroid=128)
    d2, lab = km.index.search(x, 1)
    return lab[:, 0].astype(np.int64), np.sqrt(np.maximum(d2[:, 0], 0.0))


def _keywords(tokens_by_cluster: list[Counter], n_keywords: int) -> list[list[str]]:
    """c-TF-IDF (Grootendorst 2022, BERTopic): tf(t, c) · log(1 + A / f(t)), A = mean words per cluster."""
    total = Counter()
    for c in tokens_by_cluster:
        total.update(c)
    a = np.mean([sum(c.values()) for c in tokens_by_cluster]) if tokens_by_cluster else 0.0
    out = []
    for c in tokens_by_cluster:
        size = sum(c.values()) or 1
        # each word's score (float64 division, log1p, product, element by element), best first, ties by the
        # word: the words of a cluster are distinct, so the n largest (score, word) pairs are the last n of
        # the sorted pairs, reversed (n < 1: Python's slice [-n:] of them, every word for 0)
        ws = list(c)
        cnt = np.fromiter(c.values(), dtype=np.int64, count=len(ws))
        tot = np.fromiter((total[w] for w in ws), dtype=np.int64, count=len(ws))
        score = ((cnt / size) * np.log1p(a / tot)).tolist()
        n = n_keywords if n_keywords >= 1 else max(0, len(ws) + n_keywords) if n_keywords < 0 else len(ws)
        out.append([w for _, w in heapq.nlargest(n, zip(score, ws))])
    return out


class _ContentWords(dict):
    """token -> is it a content word (:func:`_content`'s rule), decided once per distinct token (corpora
    repeat their words)."""

    def __init__(self, stop_words=None):
        super().__init__()
        self.stop = ENGLISH_STOP_WORDS if stop_words is None else stop_words

    def __missing__(self, t: str) -> bool:
        keep = self[t] = any(ch.isalpha() for ch in t) and t not in self.stop and len(t) > 1
        return keep


def _content(tokens: Sequence[str], stop_words=None) -> list[str]:
    """Content words: letters, not a stop word (scikit-learn's English list unless ``stop_words`` is
    given, e.g. ``metrics.language.stop_words`` of the corpora's languages), longer than one character."""
    content = _ContentWords(stop_words)
    return [t for t in tokens if content[t]]


def _bags(docs_tokens, labels, k: int, stop_words=None) -> list[Counter]:
    """Per cluster, the counts of its documents' content words (:func:`_content`)."""
    content = _ContentWords(stop_words)
    words: list[list[str]] = [[] for _ in range(k)]
    for toks, lab in zip(docs_tokens, labels):
        words[int(lab)] += [t for t in toks if content[t]]
    return [Counter(w) for w in words]


def cluster_keywords(docs_tokens: Sequence[Sequence[str]], labels: Sequence[int], k: int, *,
                     n_keywords: int = 5, stop_words=None) -> list[list[str]]:
    """c-TF-IDF keywords of each of ``k`` clusters, from the content words of its documents."""
    return _keywords(_bags(docs_tokens, labels, k, stop_words), n_keywords)


def fit_topics(
    x_real: np.ndarray, x_synth: np.ndarray, tokens_real: Sequence[Sequence[str]],
    tokens_synth: Sequence[Sequence[str]], *, k: int | None = None, alpha: float = 0.05, ratio: float = 2.0,
    n_keywords: int = 8, n_examples: int = 3, random_state=None, stop_words=None,
) -> TopicFit:
    """Cluster pooled embeddings with k-means and classify each cluster against the real corpus.

    Per cluster: ``real_share`` / ``synth_share`` (share of each corpus's documents in it), counts,
    ``keywords`` (c-TF-IDF over the cluster's documents, ``stop_words`` removed: English by default), ``examples_real`` /
    ``examples_synth`` (indices of the documents nearest the centre), ``p_value`` (two-sided Fisher exact
    test of the 2×2 table in/out × real/synth), ``q_value`` (Benjamini–Hochberg across clusters) and a
    ``status``:

    * ``dropped``: real documents, no synthetic ones, q < alpha;
    * ``starved``: synth_share < real_share / ratio, q < alpha;
    * ``invented``: synthetic documents, no real ones, q < alpha;
    * ``inflated``: synth_share > ratio · real_share, q < alpha;
    * ``ok``: anything else (including differences that are not significant).

    k defaults to :func:`choose_k` of the pooled size. Scale: k-means is O(n·k·d) per iteration, fine for
    the context's sample; faiss trains on at most 128 points per centroid, then assigns every point.
    """
    x_real, x_synth = check_embeddings("fit_topics", x_real, x_synth, min_rows=1)
    if len(tokens_real) != len(x_real) or len(tokens_synth) != len(x_synth):
        raise ValueError("fit_topics: tokens must be row-aligned with embeddings")
    nr, ns = len(x_real), len(x_synth)
    x = np.ascontiguousarray(np.vstack([x_real, x_synth]), dtype=np.float32)
    k = min(k or choose_k(len(x)), len(x))
    rng = np.random.default_rng(random_state)
    labels, dist = _kmeans(x, k, seed=int(rng.integers(2**31 - 1)))
    lr, ls = labels[:nr], labels[nr:]
    cr, cs = np.bincount(lr, minlength=k), np.bincount(ls, minlength=k)
    pvals = np.array([fisher_exact([[cr[c], nr - cr[c]], [cs[c], ns - cs[c]]])[1] for c in range(k)])
    qvals = false_discovery_control(np.clip(pvals, 0.0, 1.0), method="bh")
    keywords = _keywords(_bags(list(tokens_real) + list(tokens_synth), labels, k, stop_words), n_keywords)
    clusters = []
    for c in range(k):
        rs, ss = cr[c] / nr, cs[c] / ns
        sig = qvals[c] < alpha
        if sig and cr[c] > 0 and cs[c] == 0:
            status = "dropped"
        elif sig and cs[c] > 0 and cr[c] == 0:
            status = "invented"
        elif sig and ss * ratio < rs:
            status = "starved"
        elif sig and ss > ratio * rs:
            status = "inflated"
        else:
            status = "ok"
        ir = np.flatnonzero(lr == c)
        is_ = np.flatnonzero(ls == c)
        clusters.append({
            "id": c, "status": status, "real_count": int(cr[c]), "synth_count": int(cs[c]),
            "real_share": float(rs), "synth_share": float(ss), "keywords": keywords[c],
            "p_value": float(pvals[c]), "q_value": float(qvals[c]),
            "examples_real": [int(i) for i in ir[np.argsort(dist[ir], kind="stable")[:n_examples]]],
            "examples_synth": [int(i) for i in is_[np.argsort(dist[nr + is_], kind="stable")[:n_examples]]],
        })
    return TopicFit(k=k, labels_real=lr.tolist(), labels_synth=ls.tolist(), clusters=clusters)


def _summary(c: dict) -> dict:
    return {key: c[key] for key in ("id", "status", "real_share", "synth_share", "keywords", "q_value")}


def mode_coverage(fit: TopicFit) -> MetricResult:
    """Share of the real corpus's mass in clusters the synthetic corpus covers (not dropped or starved).

    0..1, higher is better; 1 = no real mode is significantly missing or starved in the synthetic corpus.
    ``details["lost"]`` lists the dropped and starved clusters, largest real share first.

    ``p_value``: the smallest Benjamini–Hochberg q-value among the lost clusters (the Simes test of "no real
    mode is lost"), None when none is. The clusters' q-values correct only across this fit's k tests; as
    the row's p-value it also enters the audit-wide correction with every other test, as one test. Without
    it, a cluster starved by chance at q = 0.04 among 3 (about one real-vs-real split in 60 at 75 documents a
    side) failed the row whatever else the audit tested.
    """
    lost = sorted((c for c in fit.clusters if c["status"] in LOST), key=lambda c: -c["real_share"])
    value = 1.0 - sum(c["real_share"] for c in lost)
    n = min(len(fit.labels_real), len(fit.labels_synth))
    p = min((float(c["q_value"]) for c in lost if c.get("q_value") is not None), default=None)
    return MetricResult(max(0.0, value), n=n, p_value=p,
                        details={"k": fit.k, "lost": [_summary(c) for c in lost[:10]]})


def _js_rows(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Per-cluster contributions to the JS divergence (base 2) of share rows ``p`` and ``q`` (last axis)."""
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 0.5 * (np.where(p > 0, p * np.log2(p / m), 0.0) + np.where(q > 0, q * np.log2(q / m), 0.0))


def cluster_js(fit: TopicFit, *, n_perm: int = 999, random_state=None) -> MetricResult:
    """Jensen–Shannon divergence (base 2) between the two corpora's cluster histograms.

    0 = both corpora spread over the pooled clusters in the same proportions, 1 = disjoint clusters; lower
    is better. ``details["shifted"]`` lists the clusters that move it most (with their status).

    ``p_value``: permutation test of "real and synthetic documents are exchangeable", holding the clusters
    fixed: the fit never saw which side a document came from, so under that hypothesis the real counts
    per cluster are a multivariate hypergeometric draw of ``n_real`` documents from the pooled counts.
    ``n_perm`` draws, p = (1 + #{JS_perm >= JS_obs}) / (n_perm + 1), never 0. The JS of small samples is
    biased upwards; the draws share that bias, so the test is fair at any size. ``n_perm=0``: no test.
    """
    p = np.array([c["real_share"] for c in fit.clusters])
    q = np.array([c["synth_share"] for c in fit.clusters])
    contrib = _js_rows(p, q)
    value = float(contrib.sum())
    order = np.argsort(-contrib, kind="stable")[:10]
    shifted = [{**_summary(fit.clusters[i]), "contribution": float(contrib[i])} for i in order if contrib[i] > 0]
    nr, ns = len(fit.labels_real), len(fit.labels_synth)
    details = {"k": fit.k, "shifted": shifted}
    pval = None
    cr = np.array([c.get("real_count", 0) for c in fit.clusters], dtype=np.int64)
    cs = np.array([c.get("synth_count", 0) for c in fit.clusters], dtype=np.int64)
    if n_perm > 0 and nr > 0 and ns > 0 and cr.sum() == nr and cs.sum() == ns:  # (counts of every document)
        rng = np.random.default_rng(random_state)
        draws = rng.multivariate_hypergeometric(cr + cs, nr, size=n_perm)
        null = _js_rows(draws / nr, (cr + cs - draws) / ns).sum(axis=1)
        pval = float((1.0 + np.sum(null >= value - 1e-12)) / (n_perm + 1.0))
        details["n_permutations"] = int(n_perm)
    return MetricResult(value, n=min(nr, ns), p_value=pval, details=details)
