"""Drift rows: how the synthetic corpus differs from the real one, and what drives the difference.

Every two-corpus metric is also computed on (real half A, real half B): the noise floor. Metrics whose
value depends on sample size (Fréchet, precision/recall/density/coverage, unigram JSD) are computed on
equal-size seeded samples of real and synthetic, the size of a real half, so the floor is comparable.
"""
from __future__ import annotations

import numpy as np

from audit.compare import info_entry, insufficient, pairwise_entry
from audit.context import AuditContext, CorpusData
from audit.families import FamilyOutput, sample_scope
from metrics.drift import classifier_auc, mmd2_rbf, seeded_subsample
from metrics.drift_manifold import frechet_distance, prdc
from metrics.drift_mauve import mauve_score
from metrics.diversity_lexical import word_tokens
from audit.families.language import corpus_stop_words
from metrics.drift_words import fightin_words, unigram_jsd
from metrics.topics import (
    EXTRA,
    LOST,
    MIN_DOCS_PER_TOPIC,
    TopicFit,
    choose_k,
    cluster_js,
    fit_topics,
    mode_coverage,
    supported_k,
)

MIN_N = 20
# Rows computed on all of ctx.real and ctx.synth (the others on equal-size samples, the size of a real half)
ON_ALL = {"classifier_auc_drift", "mmd_drift", "mode_coverage_score", "cluster_js_drift"}


def _doc(c: CorpusData, i: int, **extra) -> dict:
    d = c.docs[i]
    return {"id": d.id, "text": d.text[:300], **extra}


def _resolve(c: CorpusData, rows: list[dict], score_key: str | None = None) -> list[dict]:
    out = []
    for r in rows:
        extra = {k: v for k, v in r.items() if k != "index"}
        out.append(_doc(c, r["index"], **extra))
    return out


def _topic_section(fit: TopicFit, real: CorpusData, synth: CorpusData) -> dict:
    sec = fit.section()
    for c in sec["clusters"]:
        c["examples_real"] = [_doc(real, i) for i in c["examples_real"]]
        c["examples_synth"] = [_doc(synth, i) for i in c["examples_synth"]]
    return sec


def _topic_brief(sec: dict, statuses: tuple[str, ...], limit: int = 5) -> list[dict]:
    rows = [c for c in sec["clusters"] if c["status"] in statuses]
    rows.sort(key=lambda c: -abs(c["real_share"] - c["synth_share"]))
    return [{k: c[k] for k in ("id", "status", "keywords", "real_share", "synth_share")} for c in rows[:limit]]


def _canonical(c: CorpusData) -> tuple[CorpusData, np.ndarray]:
    """The corpus in a fixed order (by text hash, then id), so seeded folds and samples do not depend on
    the order of the input file: shuffling documents changes nothing."""
    hashes = c.text_hashes  # text_hash of each document, computed once per corpus and shared with its halves
    order = np.array(sorted(range(len(c)), key=lambda i: (hashes[i], c.docs[i].id)), dtype=int)
    return c.subset(order, c.name), order


def _topic_k(n_pooled: int, sizes: tuple[int, int, int], k_option: int | None) -> tuple[int, str | None]:
    """``(k, why_not)``: the number of topics to fit and, when the topic rows cannot have a verdict at it,
    why, in words. ``sizes``: the documents of the samples the rows compare: real half A and half B (the
    noise floor), synthetic.

    The default k (:func:`metrics.topics.choose_k`) is lowered so that each of them holds
    ``MIN_DOCS_PER_TOPIC`` documents per topic on average; below 2 topics there is nothing to compare (the
    fit is still made, at the default k, for the topics section). A k given as an option is kept as given,
    and the rows say when it leaves too few documents per topic."""
    smallest = min(sizes)
    cap = supported_k(smallest)
    who = f"{sizes[0]:,} and {sizes[1]:,} real documents in the two halves, {sizes[2]:,} synthetic"
    if k_option:
        if k_option > cap:
            return k_option, (f"too few documents for {k_option} topics: {who}, {smallest / k_option:.1f} "
                              f"per topic in the smallest (needs {MIN_DOCS_PER_TOPIC})")
        return k_option, None
    if cap < 2:
        need = 2 * MIN_DOCS_PER_TOPIC
        return choose_k(n_pooled), (f"too few documents for a topic noise floor: {who} (needs {need} in "
                                    f"each: 2 topics of {MIN_DOCS_PER_TOPIC} documents)")
    return min(choose_k(n_pooled), cap), None


def _topic_rows(fit: TopicFit, floor: TopicFit | None, why_not: str | None, extra: list[dict], seed) -> list:
    """The two topic rows (modes kept, mix divergence) of ``fit`` against the real halves' ``floor``.

    Without a verdict (``insufficient``, values cleared: they describe a few documents per topic) when
    ``why_not`` says so, or when the halves' fit put them in fewer than 2 topics: a real-vs-real value of
    that fit (0 divergence, every mode kept) is the fit's collapse, not a measurement of the noise."""
    if why_not is None and floor is not None:
        used = len({*floor.labels_real, *floor.labels_synth})
        if used < 2:
            why_not = (f"the real halves' topic fit put them all in {used} topic of {floor.k}: no topic "
                       "noise floor to compare with")
    rows = [pairwise_entry("mode_coverage_score", mode_coverage(fit),
                           None if floor is None else mode_coverage(floor), min_n=MIN_N,
                           details={"topics_extra": extra}),
            pairwise_entry("cluster_js_drift", cluster_js(fit, random_state=seed),
                           None if floor is None else cluster_js(floor, n_perm=0), min_n=MIN_N)]
    if why_not is None:
        return rows
    return [e if e.verdict == "insufficient" else insufficient(e, why_not, clear=True) for e in rows]


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    (R, order_r), (S, order_s) = _canonical(ctx.real), _canonical(ctx.synth)
    A, B = _canonical(ctx.real_a)[0], _canonical(ctx.real_b)[0]
    opts = ctx.options
    floor = ctx.noise_floor  # False in `audit init`'s calibration splits, which are the noise measurement

    def halves(compute):
        """The metric on (real half A, real half B): the row's noise floor, unless none is wanted."""
        return compute() if floor else None

    if min(len(R), len(S)) < MIN_N or min(len(A), len(B)) < 2:
        return out
    # equal-size samples for the size-dependent metrics: the size of a real half
    m = min(len(A), len(B), len(S))
    rng = ctx.rng(30)
    ir, is_ = seeded_subsample(len(R), m, rng), seeded_subsample(len(S), m, rng)
    Rm, Sm = R.subset(ir, "real_eq"), S.subset(is_, "synth_eq")
    A2, B2 = A.subset(seeded_subsample(len(A), m, rng), "a_eq"), B.subset(seeded_subsample(len(B), m, rng), "b_eq")

    # --- evidence shared by several rows: topics and words ---------------------------------------
    stop = corpus_stop_words(ctx)  # of the corpora's languages
    k, topics_why_not = _topic_k(len(R) + len(S), (len(A), len(B), len(S)), opts.get("topics_k"))
    fit = fit_topics(R.embeddings, S.embeddings, R.tokens, S.tokens, k=k, random_state=ctx.rng(31),
                     stop_words=stop)
    fit_floor = halves(lambda: fit_topics(A.embeddings, B.embeddings, A.tokens, B.tokens, k=fit.k,
                                          random_state=ctx.rng(31), stop_words=stop))
    topics = _topic_section(fit, R, S)
    labels_real, labels_synth = [0] * len(R), [0] * len(S)
    for i, lab in zip(order_r, fit.labels_real):
        labels_real[i] = lab
    for i, lab in zip(order_s, fit.labels_synth):
        labels_synth[i] = lab
    # aligned with ctx.real.docs / ctx.synth.docs (the input order), for the map
    ctx.shared["topics"] = {**topics, "labels_real": labels_real, "labels_synth": labels_synth}
    out.sections["topics"] = topics
    lost, extra = _topic_brief(topics, LOST), _topic_brief(topics, EXTRA)
    # function words stay: a shift in "you" or "the" is drift too (clickbait over-uses "you")
    words = fightin_words(word_tokens(R.tokens), word_tokens(S.tokens), top=20)  # words, not punctuation
    out.sections["words"] = words
    top_words = {"over_used": [w["word"] for w in words["over"][:8] if w["z"] > 1.96],
                 "under_used": [w["word"] for w in words["under"][:8] if w["z"] < -1.96]}
    drivers = {"topics_lost": lost, "topics_extra": extra, "words": top_words}

    # --- classifier two-sample test --------------------------------------------------------------
    auc = classifier_auc(R.embeddings, S.embeddings, random_state=ctx.rng(10))
    base = halves(lambda: classifier_auc(A.embeddings, B.embeddings, random_state=ctx.rng(10)))
    examples = {}
    if auc.details:
        examples = {"most_synthetic": _resolve(S, auc.details["most_synthetic"]),
                    "most_real": _resolve(R, auc.details["most_real"])}
    out.entries.append(pairwise_entry("classifier_auc_drift", auc, base, min_n=MIN_N,
                                      details={**examples, "drivers": drivers}))
    out.sections["drift_examples"] = {"classifier": examples}

    # --- MMD² ----------------------------------------------------------------------------------
    cap = opts.get("mmd_max_n", 1500)
    mmd = mmd2_rbf(R.embeddings, S.embeddings, max_n=cap, random_state=ctx.rng(11))
    mmd_base = halves(lambda: mmd2_rbf(A.embeddings, B.embeddings, max_n=cap, random_state=ctx.rng(11)))
    witness = {"synth_excess": _resolve(S, mmd.details["synth_excess"]),
               "real_deficit": _resolve(R, mmd.details["real_deficit"])}
    out.sections["drift_examples"]["mmd"] = witness
    out.entries.append(pairwise_entry("mmd_drift", mmd, mmd_base, min_n=MIN_N,
                                      details={**witness, "drivers": drivers}))

    # --- Fréchet at fixed n ------------------------------------------------------------------------
    n_fd = min(m, opts.get("frechet_n", 1000))
    fd = frechet_distance(Rm.embeddings, Sm.embeddings, n=n_fd, n_perm=30, random_state=ctx.rng(12))
    fd_base = halves(lambda: frechet_distance(A2.embeddings, B2.embeddings, n=n_fd, random_state=ctx.rng(12)))
    out.entries.append(pairwise_entry("frechet_distance", fd, fd_base, min_n=MIN_N, details={"drivers": drivers}))

    # --- MAUVE at the same fixed n, so both runs get the same bucket count ---------------------------
    n_mv = min(m, opts.get("mauve_max_n", 2000))
    mv = mauve_score(Rm.embeddings, Sm.embeddings, max_n=n_mv, random_state=ctx.rng(15))
    mv_base = halves(lambda: mauve_score(A2.embeddings, B2.embeddings, max_n=n_mv, random_state=ctx.rng(15)))
    if mv_base is not None and mv_base.value is None:
        mv_base = None
    out.entries.append(pairwise_entry("mauve_score", mv, mv_base, min_n=MIN_N, details={"drivers": drivers}))

    # --- precision / recall / density / coverage --------------------------------------------------
    if m > 5:
        cap = opts.get("prdc_max_n", 2000)
        pr = prdc(Rm.embeddings, Sm.embeddings, k=5, max_n=cap, random_state=ctx.rng(13))
        pr_base = halves(lambda: prdc(A2.embeddings, B2.embeddings, k=5, max_n=cap, random_state=ctx.rng(13)))
        if pr_base is None:
            pr_base = dict.fromkeys(("precision", "recall", "coverage", "density"))
        outside = [_doc(Sm, o["index"]) for o in pr["precision"].details["outside"][:5]]
        uncovered = [_doc(Rm, u["index"], distance_ratio=u["distance_ratio"])
                     for u in pr["coverage"].details["uncovered"][:5]]
        out.entries.append(pairwise_entry("precision_score", pr["precision"], pr_base["precision"], min_n=MIN_N,
                                          details={"outside": outside, "topics_extra": extra}))
        out.entries.append(pairwise_entry("recall_score", pr["recall"], pr_base["recall"], min_n=MIN_N,
                                          details={"topics_lost": lost}))
        out.entries.append(pairwise_entry("coverage_score", pr["coverage"], pr_base["coverage"], min_n=MIN_N,
                                          details={"uncovered": uncovered, "topics_lost": lost}))
        rr = None if pr_base["density"] is None else pr_base["density"].value
        out.entries.append(info_entry(
            "knn_density", pr["density"],
            reason=f"{pr['density'].value:.3f}" + ("" if rr is None else f" vs real-vs-real {rr:.3f}")
            + " (1 = match)",
            details={"real_vs_real": rr, "ci": list(pr["density"].ci or [])}))

    # --- topic modes ---------------------------------------------------------------------------
    out.entries.extend(_topic_rows(fit, fit_floor, topics_why_not, extra, ctx.rng(32)))

    # --- words -----------------------------------------------------------------------------------
    try:
        jsd = unigram_jsd(Rm.tokens, Sm.tokens, random_state=ctx.rng(14))
        jsd_base = halves(lambda: unigram_jsd(A2.tokens, B2.tokens, random_state=ctx.rng(14)))
    except ValueError:
        pass  # a corpus without tokens: nothing to compare
    else:
        out.entries.append(pairwise_entry("unigram_jsd_drift", jsd, jsd_base, min_n=MIN_N,
                                          details={"fightin_words": top_words}))
    out.entries = [sample_scope(e, ctx, every_doc=e.name in ON_ALL) for e in out.entries]
    return out
