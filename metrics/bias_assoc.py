"""Associations around demographic groups: co-occurrence with attributes (occupations) and sentiment.

Association of a group g with an attribute a (e.g. an occupation) within a document is the smoothed log
relative risk (a log-ratio in the sense of Bordia & Bowman, NAACL SRW 2019)::

    assoc(g, a) = log[(c_ga + 1/2) / (c_g + 1)] - log[(c_{not g, a} + 1/2) / (N - c_g + 1)]

"documents mentioning g are exp(assoc) times as likely to mention a as the other documents". The
amplification of a pair is ``assoc_synth - assoc_real`` (log space; ``exp`` of it is the factor
synthetic relative risk / real relative risk), as in bias amplification (Zhao et al., EMNLP 2017).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from metrics.bias_lexicon import Label
from metrics.result import MetricResult

ALPHA = 0.5


def log_relative_risk(c_ga: int, c_g: int, c_a: int, n: int, alpha: float = ALPHA) -> float:
    """Smoothed log relative risk of attribute ``a`` in documents with vs without group ``g``."""
    p_in = (c_ga + alpha) / (c_g + 2 * alpha)
    p_out = (c_a - c_ga + alpha) / (n - c_g + 2 * alpha)
    return math.log(p_in) - math.log(p_out)


def _counts(groups: Sequence[frozenset], attrs: Sequence[frozenset]):
    if len(groups) != len(attrs):
        raise ValueError("group and attribute lists must be aligned (one entry per document)")
    cg: Counter = Counter()
    ca: Counter = Counter()
    cga: Counter = Counter()
    for gs, as_ in zip(groups, attrs):
        gs, as_ = set(gs), set(as_)
        cg.update(gs)
        ca.update(as_)
        for g in gs:
            for a in as_:
                cga[(g, a)] += 1
    return cg, ca, cga


def association_table(
    real_groups: Sequence[frozenset[Label]],
    real_attrs: Sequence[frozenset],
    synth_groups: Sequence[frozenset[Label]],
    synth_attrs: Sequence[frozenset],
    *,
    min_group_docs: int = 10,
    min_pair_docs: int = 5,
) -> tuple[list[dict], int]:
    """Association of every supported (group, attribute) pair in each corpus and its amplification.

    A pair is supported when the group is mentioned in at least ``min_group_docs`` documents of *each*
    corpus and the pair co-occurs in at least ``min_pair_docs`` documents of the two together; others
    are not reported (they would be noise).

    Returns
    -------
    rows, n_insufficient
        ``rows``: dicts ``{"axis", "group", "attribute", "real_assoc", "synth_assoc", "amplification",
        "factor", "real_cooc", "synth_cooc", "real_group_docs", "synth_group_docs"}``, sorted by
        amplification (largest first). ``n_insufficient``: pairs seen but left out for low support.
    """
    for what, x in (("real corpus", real_groups), ("synthetic corpus", synth_groups)):
        if len(x) == 0:
            raise ValueError(f"{what}: empty corpus (no documents)")
    nr, ns = len(real_groups), len(synth_groups)
    rg, ra, rga = _counts(real_groups, real_attrs)
    sg, sa, sga = _counts(synth_groups, synth_attrs)
    rows, skipped = [], 0
    for g, a in sorted(set(rga) | set(sga)):
        if rg[g] < min_group_docs or sg[g] < min_group_docs or rga[(g, a)] + sga[(g, a)] < min_pair_docs:
            skipped += 1
            continue
        ar = log_relative_risk(rga[(g, a)], rg[g], ra[a], nr)
        as_ = log_relative_risk(sga[(g, a)], sg[g], sa[a], ns)
        rows.append({
            "axis": g[0], "group": g[1], "attribute": str(a), "real_assoc": ar, "synth_assoc": as_,
            "amplification": as_ - ar, "factor": math.exp(as_ - ar),
            "real_cooc": rga[(g, a)], "synth_cooc": sga[(g, a)],
            "real_group_docs": rg[g], "synth_group_docs": sg[g],
        })
    rows.sort(key=lambda r: (-r["amplification"], r["axis"], r["group"], r["attribute"]))
    return rows, skipped


def stereotype_amplification_drift(
    real_groups: Sequence[frozenset[Label]],
    real_attrs: Sequence[frozenset],
    synth_groups: Sequence[frozenset[Label]],
    synth_attrs: Sequence[frozenset],
    *,
    min_group_docs: int = 10,
    min_pair_docs: int = 5,
    min_pairs: int = 5,
) -> MetricResult:
    """Mean strengthening of group-attribute associations in the synthetic corpus.

    Over the supported (group, attribute) pairs of :func:`association_table`, the mean of
    ``max(0, |assoc_synth| - |assoc_real|)``: how much stronger (in log relative risk, either sign)
    the synthetic corpus ties groups to attributes than the real one does. 0 = no pair is more
    stereotyped than in the real corpus; 0.69 = on average twice as strong a relative risk. Lower is
    better. ``nan`` with a warning when fewer than ``min_pairs`` pairs have enough support (a mean over
    one or two pairs is an anecdote, not a measurement). Bias amplification: Zhao et al.,
    EMNLP 2017; log-ratio association: Bordia & Bowman, NAACL SRW 2019.
    """
    rows, skipped = association_table(real_groups, real_attrs, synth_groups, synth_attrs,
                                      min_group_docs=min_group_docs, min_pair_docs=min_pair_docs)
    n = min(len(real_groups), len(synth_groups))
    if len(rows) < max(1, min_pairs):
        return MetricResult(float("nan"), n=n, details={"pairs": len(rows), "insufficient_pairs": skipped},
                            warnings=[f"insufficient support: {len(rows)} (group, attribute) pairs co-occur often "
                                      f"enough, {min_pairs} needed"])
    amp = np.array([max(0.0, abs(r["synth_assoc"]) - abs(r["real_assoc"])) for r in rows])
    return MetricResult(float(amp.mean()), n=n,
                        details={"pairs": len(rows), "insufficient_pairs": skipped,
                                 "amplified_pairs": int((amp > 0).sum())})


def group_sentiments(
    sentence_scores: Sequence[Sequence[tuple[frozenset[Label], float]]],
) -> dict[Label, list[float]]:
    """Collect per group the compound scores of the sentences that mention it.

    ``sentence_scores``: per document, ``(labels of the sentence, VADER compound)`` for its sentences
    that mention at least one group.
    """
    out: dict[Label, list[float]] = {}
    for doc in sentence_scores:
        for labs, score in doc:
            for lab in labs:
                out.setdefault(lab, []).append(float(score))
    return out


def sentiment_table(
    real_scores: Sequence[Sequence[tuple[frozenset[Label], float]]],
    synth_scores: Sequence[Sequence[tuple[frozenset[Label], float]]],
    *,
    min_sentences: int = 10,
) -> list[dict]:
    """Per group: mean VADER compound of the sentences mentioning it, real vs synthetic.

    ``relative`` is the group's mean minus the mean over all group-mentioning sentences of that corpus,
    so a synthetic corpus that is simply more upbeat overall does not shift every group. Groups with
    fewer than ``min_sentences`` sentences in either corpus are marked ``insufficient``.
    """
    gr, gs = group_sentiments(real_scores), group_sentiments(synth_scores)
    all_r = [s for d in real_scores for _l, s in d]
    all_s = [s for d in synth_scores for _l, s in d]
    base_r = float(np.mean(all_r)) if all_r else float("nan")
    base_s = float(np.mean(all_s)) if all_s else float("nan")
    rows = []
    for lab in sorted(set(gr) | set(gs)):
        r, s = gr.get(lab, []), gs.get(lab, [])
        mr = float(np.mean(r)) if r else None
        ms = float(np.mean(s)) if s else None
        ok = len(r) >= min_sentences and len(s) >= min_sentences
        rows.append({
            "axis": lab[0], "group": lab[1], "real_sentences": len(r), "synth_sentences": len(s),
            "real_mean": mr, "synth_mean": ms,
            "real_relative": None if mr is None else mr - base_r,
            "synth_relative": None if ms is None else ms - base_s,
            "insufficient": not ok,
        })
    return rows


def group_sentiment_drift(
    real_scores: Sequence[Sequence[tuple[frozenset[Label], float]]],
    synth_scores: Sequence[Sequence[tuple[frozenset[Label], float]]],
    *,
    min_sentences: int = 10,
) -> MetricResult:
    """Mean absolute change of each group's relative sentiment, synthetic vs real.

    For every group with ``min_sentences`` sentences in both corpora: the group's mean VADER compound
    (Hutto & Gilbert, ICWSM 2014; -1..1) minus the corpus mean over all group-mentioning sentences, in
    each corpus; the value is the mean of ``|relative_synth - relative_real|`` over those groups. 0 = every
    group is talked about with the same relative tone; lower is better. ``nan`` when no group qualifies.
    """
    if len(real_scores) == 0 or len(synth_scores) == 0:
        raise ValueError("empty corpus (no documents)")
    rows = [r for r in sentiment_table(real_scores, synth_scores, min_sentences=min_sentences)
            if not r["insufficient"]]
    n = min(len(real_scores), len(synth_scores))
    if not rows:
        return MetricResult(float("nan"), n=n, details={"groups": 0},
                            warnings=[f"insufficient: no group has {min_sentences}+ sentences in both corpora"])
    gaps = [abs(r["synth_relative"] - r["real_relative"]) for r in rows]
    return MetricResult(float(np.mean(gaps)), n=n, details={"groups": len(rows)})
