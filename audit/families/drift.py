"""Drift rows: how the synthetic corpus differs from the real one, and what drives the difference.

Every two-corpus metric is also computed on (real half A, real half B): the noise floor. Metrics whose
value depends on sample size (Fréchet, precision/recall/density/coverage, unigram JSD) are computed on
equal-size seeded samples of real and synthetic, the size of a real half, so the floor is comparable.
"""
from __future__ import annotations

import numpy as np

from audit.compare import info_entry, pairwise_entry
from audit.context import AuditContext, CorpusData
from audit.families import FamilyOutput
from metrics.drift import classifier_auc, mmd2_rbf, seeded_subsample
from metrics.drift_manifold import frechet_distance, prdc
from metrics.drift_mauve import mauve_score
from metrics.diversity_lexical import word_tokens
from audit.families.language import corpus_stop_words
from metrics.drift_words import fightin_words, unigram_jsd
from metrics.topics import EXTRA, LOST, TopicFit, cluster_js, fit_topics, mode_coverage

MIN_N = 20


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
    fit = fit_topics(R.embeddings, S.embeddings, R.tokens, S.tokens, k=opts.get("topics_k"),
                     random_state=ctx.rng(31), stop_words=stop)
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
    out.entries.append(pairwise_entry("mode_coverage_score", mode_coverage(fit),
                                      halves(lambda: mode_coverage(fit_floor)), min_n=MIN_N,
                                      details={"topics_extra": extra}))
    out.entries.append(pairwise_entry("cluster_js_drift", cluster_js(fit), halves(lambda: cluster_js(fit_floor)),
                                      min_n=MIN_N))

    # --- words -----------------------------------------------------------------------------------
    try:
        jsd = unigram_jsd(Rm.tokens, Sm.tokens, random_state=ctx.rng(14))
        jsd_base = halves(lambda: unigram_jsd(A2.tokens, B2.tokens, random_state=ctx.rng(14)))
    except ValueError:
        pass  # a corpus without tokens: nothing to compare
    else:
        out.entries.append(pairwise_entry("unigram_jsd_drift", jsd, jsd_base, min_n=MIN_N,
                                          details={"fightin_words": top_words}))
    return out
