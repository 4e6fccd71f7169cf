"""Diversity rows: lexical and semantic diversity of each corpus vs the real split-half floor.

Every metric is computed on the real corpus, the synthetic corpus and the two real halves (the noise
floor). Metrics that depend on size are computed at one budget for all four: the smallest of the
option and what each of the halves and the synthetic corpus holds, so the halves compare fairly too.

Options (``ctx.options``): ``token_budget`` (50,000), ``byte_budget`` (1 MiB), ``bleu_sample`` (500),
``repetition_sample`` (2,000), ``clusters`` (30).

Sections: ``boilerplate`` (openings and phrases the synthetic corpus over-uses, with examples) and
``diversity_clusters`` (the k-means cells whose share differs most between the corpora, with examples).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from audit.compare import per_corpus_entry
from audit.context import AuditContext, CorpusData
from audit.families import FamilyOutput, sample_scope
from audit.noise import pair_gaps, real_splits, split_gaps, split_method, splits_for
from metrics.diversity_homogenization import homogenization_rate
from metrics.diversity_lexical import compression_ratio, distinct_n, is_word, mattr_corpus, ngram_entropy
from metrics.diversity_repetition import (
    boilerplate_examples,
    boilerplate_opening_rate,
    self_bleu,
    self_repetition,
)
from metrics.diversity_semantic import (
    UnitCorpus,
    assign_clusters,
    cluster_entropy,
    fit_clusters,
    mean_pairwise_cosine,
    row_order,
    vendi_score,
)
from metrics.diversity_tail import tail_survival, zipf_exponent
from metrics.result import MetricResult
from metrics.stats import wilson_interval

NAN = float("nan")
# The rows whose value reads every document of the corpora it is given. The others read a share of them: a
# token or byte budget (distinct-n, entropies, gzip ratio, tail survival, Zipf) or a seeded sample (self-BLEU,
# homogenization, self-repetition, Vendi) sized to the smallest of the real halves and the synthetic corpus,
# so real and synthetic are compared at one size: never the whole real corpus. Cluster entropy reads both
# whole only when they hold as many documents (the larger is cut to the smaller's size).
EVERY_DOC = {"mattr_score", "boilerplate_opening_rate", "pairwise_similarity_rate"}


def _safe(fn: Callable[[CorpusData], MetricResult], c: CorpusData) -> MetricResult:
    try:
        return fn(c)
    except ValueError as e:  # a corpus too small or degenerate for this metric: the row says so
        return MetricResult(NAN, n=len(c), warnings=[str(e)])


def _four(ctx: AuditContext, name: str, fn: Callable[[CorpusData], MetricResult], **kw):
    """The metric on real, synthetic and the real halves; its noise over several real splits."""
    if not ctx.noise_floor:  # `audit init`'s calibration splits: they are the noise measurement
        return per_corpus_entry(name, _safe(fn, ctx.real), _safe(fn, ctx.synth), **kw)
    r, s, a, b = (_safe(fn, c) for c in (ctx.real, ctx.synth, ctx.real_a, ctx.real_b))
    k = splits_for(ctx, name)
    gaps = split_gaps(ctx, lambda c: _safe(fn, c).value, k, first=(a.value, b.value))
    return per_corpus_entry(name, r, s, a, b, null_gaps=gaps, noise_method=split_method(k, len(ctx.real_a)),
                            **kw)


def _mean_result(x: MetricResult, y: MetricResult) -> MetricResult:
    """Average of two survival shares; CI from their pooled counts."""
    if x.value is None or y.value is None or not x.n or not y.n:
        return MetricResult(NAN, warnings=x.warnings + y.warnings)
    k = x.details["survived"] + y.details["survived"]
    n = x.n + y.n
    return MetricResult((x.value + y.value) / 2, ci=wilson_interval(k, n), n=n,
                        details={"examples_lost": x.details["examples_lost"],
                                 "examples_survived": x.details["examples_survived"],
                                 "rare_types": n, "survived": k},
                        warnings=sorted(set(x.warnings + y.warnings)))


def _tail_entry(ctx: AuditContext, budget: int, seed):
    def surv(ref: CorpusData, tgt: CorpusData) -> MetricResult:
        return _safe(lambda _: tail_survival(ref.token_ids, tgt.token_ids, budget=budget, random_state=seed), ref)

    ab, ba = surv(ctx.real_a, ctx.real_b), surv(ctx.real_b, ctx.real_a)
    a_s, b_s = surv(ctx.real_a, ctx.synth), surv(ctx.real_b, ctx.synth)
    # noise: the same two directions on several real splits (split 0 is the one above)
    k = splits_for(ctx, "tail_survival_score") if ctx.noise_floor else 1
    gaps = pair_gaps(real_splits(ctx, k), lambda a, b: (surv(a, b).value, surv(b, a).value), (ab.value, ba.value))
    # real: each half's rare words found in the other half; synth: each half's rare words found in synth
    return per_corpus_entry("tail_survival_score", _mean_result(ab, ba), _mean_result(a_s, b_s), ab, ba,
                            details={"budget_words": budget}, null_gaps=gaps or None,
                            noise_method=split_method(k, len(ctx.real_a)) if gaps else None)


def _unit_rows(units: dict) -> Callable[..., object]:
    """``unit(c, rows=None)``: the semantic metrics' normalised rows of ``c.embeddings[rows]``, cut from its
    root corpus's rows, normalised once (``units`` keeps them) instead of once per metric, half and split."""
    def unit(c: CorpusData, rows: np.ndarray | None = None):
        while c.parent is not None:  # a subset: its rows of the parent
            rows = c.indices if rows is None else np.asarray(c.indices)[rows]
            c = c.parent
        if id(c) not in units:
            units[id(c)] = (c, UnitCorpus(c.embeddings))
        return units[id(c)][1].take(rows)
    return unit


def _cluster_section(ctx: AuditContext, centroids: np.ndarray, unit, limit: int = 6) -> list[dict]:
    lr, ls = assign_clusters(unit(ctx.real), centroids), assign_clusters(unit(ctx.synth), centroids)
    k = len(centroids)
    cr, cs = np.bincount(lr, minlength=k), np.bincount(ls, minlength=k)
    sr, ss = cr / max(1, len(lr)), cs / max(1, len(ls))
    order = np.argsort(ss - sr)
    picks = list(order[::-1][:limit // 2]) + [i for i in order[:limit // 2] if i not in order[::-1][:limit // 2]]

    def ex(c: CorpusData, labels: np.ndarray, j: int) -> list[dict]:
        return [{"id": c.docs[i].id, "text": c.docs[i].text[:300]} for i in np.flatnonzero(labels == j)[:2]]

    from metrics.topics import cluster_keywords

    from audit.families.language import corpus_stop_words

    kw = cluster_keywords(ctx.real.tokens + ctx.synth.tokens, np.concatenate([lr, ls]), k,
                          stop_words=corpus_stop_words(ctx))
    return [{"cluster": int(j), "keywords": kw[j], "real_share": float(sr[j]), "synth_share": float(ss[j]),
             "real_examples": ex(ctx.real, lr, j), "synth_examples": ex(ctx.synth, ls, j)} for j in picks]


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    opt = ctx.options
    sized = (ctx.real_a, ctx.real_b, ctx.synth)
    tokens = min(sum(len(t) for t in c.tokens) for c in sized)
    # word tokens of each (punctuation dropped), counted once per corpus over its vocabulary (as MATTR does)
    words = min(int(c.token_ids.per_document("words", is_word).sum()) for c in sized)
    nbytes = min(sum(len(t.encode("utf-8")) + 1 for t in c.texts) for c in sized)
    docs = min(len(c) for c in sized)
    budget = max(1, min(opt.get("token_budget", 50_000), tokens))
    wbudget = max(1, min(opt.get("token_budget", 50_000), words))
    bbudget = max(1, min(opt.get("byte_budget", 1 << 20), nbytes))
    chunk = min(16_384, max(256, bbudget // 4))
    lex = {"budget_tokens": budget}

    for n in (1, 2, 3):
        out.entries.append(_four(ctx, f"distinct_{n}_score", lambda c, n=n: distinct_n(
            c.token_ids, n=n, budget=budget, random_state=ctx.rng(10 + n)), details=lex))
    for n, name in ((1, "unigram_entropy_score"), (2, "bigram_entropy_score")):
        out.entries.append(_four(ctx, name, lambda c, n=n: ngram_entropy(
            c.token_ids, n=n, budget=budget, random_state=ctx.rng(20 + n)), details=lex))
    out.entries.append(_four(ctx, "mattr_score", lambda c: mattr_corpus(c.token_ids, window=50)))
    out.entries.append(_four(ctx, "compression_ratio", lambda c: compression_ratio(
        c.ranked_texts, budget_bytes=bbudget, chunk_bytes=chunk, random_state=ctx.rng(30)),
        details={"budget_bytes": bbudget}))
    m_bleu = min(opt.get("bleu_sample", 500), docs)
    out.entries.append(_four(ctx, "self_bleu_rate", lambda c: self_bleu(
        c.token_ids, sample_size=m_bleu, random_state=ctx.rng(31)), details={"sample_docs": m_bleu}))
    m_hom = min(opt.get("homogenization_sample", 300), docs)
    out.entries.append(_four(ctx, "homogenization_rate", lambda c: homogenization_rate(
        c.ranked_texts, sample_size=m_hom, random_state=ctx.rng(37)), details={"sample_docs": m_hom}))
    m_rep = min(opt.get("repetition_sample", 2000), docs)
    out.entries.append(_four(ctx, "self_repetition_rate", lambda c: self_repetition(
        c.token_ids, sample_size=m_rep, random_state=ctx.rng(32)), details={"sample_docs": m_rep}))
    out.entries.append(_tail_entry(ctx, wbudget, ctx.rng(33)))
    out.entries.append(_four(ctx, "zipf_exponent", lambda c: zipf_exponent(
        c.token_ids, budget=wbudget, random_state=ctx.rng(34)), details={"budget_words": wbudget}))
    out.entries.append(_four(ctx, "boilerplate_opening_rate", lambda c: boilerplate_opening_rate(
        c.ranked_texts, random_state=ctx.rng(35))))
    try:
        if ctx.sections:
            out.sections["boilerplate"] = boilerplate_examples(
                [(d.id, d.text) for d in ctx.real.docs], [(d.id, d.text) for d in ctx.synth.docs],
                random_state=ctx.rng(36))
    except ValueError:
        pass

    # semantic: Vendi is capped by n when n < d, so all four at the same number of rows
    unit = _unit_rows({})
    m_sem = min(docs, 5000)
    out.entries.append(_four(ctx, "vendi_score", lambda c: vendi_score(
        unit(c), sample_size=m_sem, random_state=ctx.rng(40)), details={"sample_docs": m_sem}))
    out.entries.append(_four(ctx, "pairwise_similarity_rate", lambda c: mean_pairwise_cosine(
        unit(c), random_state=ctx.rng(41))))
    try:
        centroids = fit_clusters([unit(ctx.real), unit(ctx.synth)], k=opt.get("clusters", 30),
                                 random_state=ctx.rng(42))
    except ValueError:
        centroids = None
    if centroids is not None:
        m_cl = min(len(ctx.real), len(ctx.synth))

        def ent(c: CorpusData) -> MetricResult:
            e = c.embeddings
            if len(e) > m_cl and c.name in ("real", "synth"):  # real vs synth at the same size
                return cluster_entropy(unit(c, row_order(e, ctx.rng(43))[:m_cl]), centroids)
            return cluster_entropy(unit(c), centroids)

        out.entries.append(_four(ctx, "cluster_entropy_score", ent, details={"k": len(centroids)}))
        if ctx.sections:
            out.sections["diversity_clusters"] = _cluster_section(ctx, centroids, unit)
    else:
        nan = MetricResult(NAN, warnings=["too few documents to cluster"])
        out.entries.append(per_corpus_entry("cluster_entropy_score", nan, nan))
    same_size = len(ctx.real) == len(ctx.synth)
    out.entries = [sample_scope(e, ctx, every_doc=e.name in EVERY_DOC or (e.name == "cluster_entropy_score"
                                                                             and same_size))
                   for e in out.entries]
    return out
