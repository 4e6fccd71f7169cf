"""Duplication rows: exact, near and semantic duplicates, and copying real -> synthetic.

Exact and near duplicates and exact / near / shared-span copies are counted over every document of both
corpora (``audit.families.duplication_full``; rows carry ``scope: "full"``). The embedding-space rows
(semantic duplicates and copies, DCR, C_T) run on the seeded samples (``scope: "sample"``), capped at
``dup_max_docs`` per corpus for the O(n²) searches, with the two real halves as the noise floor; their
copying baseline is real half B "copying" real half A. DCR and C_T need a real part the synthetic
generator never saw: real half A is the reference ("training") set and real half B the holdout; their
own baseline splits half B in two.

Options (``ctx.options``): ``near_threshold`` (0.8), ``minhash_perms`` (128), ``shingle_size`` (5),
``min_doc_tokens`` (5), ``semantic_threshold`` (0.95), ``ngram_n`` (13), ``ngram_window`` (6),
``dup_max_docs`` (5000), ``dcr_quantile`` (0.05), ``copying_cells`` (10), ``copying_min_generated`` (20).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from audit.compare import count_test_of_shares, pairwise_entry, per_corpus_entry
from audit.context import AuditContext, CorpusData, CorpusStats
from audit.families import FamilyOutput
from audit.families.duplication_full import full_rows
from audit.noise import split_gaps, split_method, splits_for
from metrics.copying_distance import copying_cells, data_copying_score, dcr_copy_rate
from metrics.duplication import excess_p_value
from metrics.duplication_semantic import nearest, semantic_copy_rate, semantic_duplicate_rate
from metrics.fingerprint import params_from_options
from metrics.result import MetricResult

_KIND_RANK = {"exact": 0, "near": 1, "ngram": 2, "semantic": 3}


def _cap(c: CorpusData, n: int, rng: np.random.Generator) -> CorpusData:
    if len(c) <= n:
        return c
    return c.subset(np.sort(rng.choice(len(c), n, replace=False)), c.name)


def _ids(c: CorpusData) -> list[str]:
    return [d.id for d in c.docs]


def with_baseline_p(value: MetricResult, base: MetricResult | None, key: str) -> MetricResult:
    """Attach a one-sided Fisher p-value: is the synthetic share above the real-vs-real share?"""
    if base is None or value.n is None or base.n is None:
        return value
    return replace(value, p_value=excess_p_value(value.details[key], value.n, base.details[key], base.n))


_ORDER = ("exact_duplicate_rate", "near_duplicate_rate", "semantic_duplicate_rate", "exact_copy_rate",
          "near_copy_rate", "semantic_copy_rate", "ngram_copy_rate", "dcr_copy_rate", "data_copying_score")


def _stats(c: CorpusData, params) -> CorpusStats:
    if c.stats is not None:
        return c.stats
    stats = CorpusStats(params=params)
    for d in c.docs:
        stats.add(d)
    return stats


def _sample_scope(entry, *corpora: CorpusData):
    """A copy of the row stating that it was computed on the samples, and their sizes."""
    return replace(entry, scope="sample", support={**entry.support, **{f"{c.name}_docs": len(c) for c in corpora}})


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    o = ctx.options
    sem_thr = o.get("semantic_threshold", 0.95)
    cap = min(len(ctx.real), len(ctx.synth), int(o.get("dup_max_docs", 5000)))
    real, synth = _cap(ctx.real, cap, ctx.rng(301)), _cap(ctx.synth, cap, ctx.rng(302))
    half_a, half_b = _cap(ctx.real_a, cap, ctx.rng(303)), _cap(ctx.real_b, cap, ctx.rng(304))
    capped = len(real) < len(ctx.real) or len(synth) < len(ctx.synth)

    # --- exact and near duplicates, exact / near / shared-span copies: every document ---
    params = params_from_options(o)
    examples = full_rows(_stats(ctx.real, params), _stats(ctx.synth, params), o, ctx.seed, out)
    clusters = out.sections.setdefault("duplicate_clusters", {})

    def mark(r: MetricResult, c: CorpusData) -> MetricResult:
        return replace(r, sampled=r.sampled or capped or c.sampled)

    # --- semantic duplicates within each corpus (embedding space: the sample) ---
    def sem(c: CorpusData) -> MetricResult:
        return mark(semantic_duplicate_rate(c.embeddings, threshold=sem_thr, ids=_ids(c), texts=c.texts), c)

    sr, ssem = sem(real), sem(synth)
    sa, sb = sem(half_a), sem(half_b)
    k = splits_for(ctx, "semantic_duplicate_rate")
    gaps = split_gaps(ctx, lambda c: sem(_cap(c, cap, ctx.rng(305))).value, k, first=(sa.value, sb.value))
    out.entries.append(_sample_scope(count_test_of_shares(
        per_corpus_entry("semantic_duplicate_rate", sr, ssem, sa, sb, null_gaps=gaps, counted=True,
                         noise_method=split_method(k, len(half_a))), sr, ssem), real, synth))
    clusters["semantic"] = {"real": sr.details["largest_clusters"], "synth": ssem.details["largest_clusters"]}

    # --- semantic copies real -> synthetic; baseline: real half B "copying" real half A ---
    have_halves = len(half_a) > 0 and len(half_b) > 0

    def sem_copy(r: CorpusData, q: CorpusData, rows=None) -> MetricResult:
        return semantic_copy_rate(r.embeddings, q.embeddings, threshold=sem_thr, real_ids=_ids(r),
                                  synth_ids=_ids(q), real_texts=r.texts, synth_texts=q.texts, nearest_rows=rows)

    # each half B document's nearest half A document: the copy baseline and DCR's holdout share this search
    b_to_a = nearest(half_a.embeddings, half_b.embeddings) if have_halves else None
    value = mark(sem_copy(real, synth), synth)
    base = mark(sem_copy(half_a, half_b, b_to_a), half_b) if have_halves else None
    value = with_baseline_p(value, base, "copied_docs")
    out.entries.append(_sample_scope(pairwise_entry("semantic_copy_rate", value, base, details={
        "reference": f"real sample ({len(real)} docs)",
        "baseline": "real half B against real half A" if base is not None else None}), real, synth))
    examples += value.details["examples"]

    # --- distance to closest record and the data-copying test: reference A, holdout B ---
    if len(half_a) >= 2 and len(half_b) >= 4:
        perm = ctx.rng(331).permutation(len(half_b))
        b1, b2 = half_b.subset(np.sort(perm[: len(perm) // 2]), "real_b1"), \
            half_b.subset(np.sort(perm[len(perm) // 2:]), "real_b2")
        q = o.get("dcr_quantile", 0.05)
        dcr_kw = dict(quantile=q, reference_ids=_ids(half_a), reference_texts=half_a.texts)
        dcr = mark(dcr_copy_rate(half_a.embeddings, half_b.embeddings, synth.embeddings, synth_ids=_ids(synth),
                                 synth_texts=synth.texts, holdout_nearest=b_to_a, **dcr_kw), synth)
        dbase = dcr_copy_rate(half_a.embeddings, b2.embeddings, b1.embeddings, **dcr_kw)
        out.entries.append(_sample_scope(pairwise_entry("dcr_copy_rate", dcr, dbase, details={
            "reference": "real half A", "holdout": "real half B",
            "baseline": "real half B1 against half A, threshold from half B2"}), half_a, half_b, synth))
        out.sections["dcr"] = {"histogram": dcr.details["histogram"], "threshold": dcr.details["threshold"],
                               "quantile": q, "value": dcr.value}
        ct_kw = dict(n_cells=o.get("copying_cells", 10), min_generated=o.get("copying_min_generated", 20))
        cells = copying_cells(half_a.embeddings, n_cells=ct_kw["n_cells"], random_state=ctx.rng(341))  # one fit
        ct = mark(data_copying_score(half_a.embeddings, half_b.embeddings, synth.embeddings, cells=cells, **ct_kw),
                  synth)
        ctb = data_copying_score(half_a.embeddings, b2.embeddings, b1.embeddings, cells=cells, **ct_kw)
        out.entries.append(_sample_scope(pairwise_entry(
            "data_copying_score", ct, ctb if ctb.value is not None else None,
            details={"train": "real half A", "test": "real half B",
                     "baseline": "real half B1 as generated, B2 as test"}), half_a, half_b, synth))

    out.sections["copied_pairs"] = _top_pairs(examples)
    out.entries.sort(key=lambda e: _ORDER.index(e.name))
    return out


def _top_pairs(examples: list[dict], limit: int = 20) -> list[dict]:
    """The strongest evidence per synthetic doc, exact first, then near, shared span, semantic."""
    best: dict[str, dict] = {}
    for e in examples:
        cur = best.get(e["synth_id"])
        key = (_KIND_RANK[e["kind"]], -e.get("span_tokens", 0), -e["similarity"])
        if cur is None or key < cur[0]:
            best[e["synth_id"]] = (key, e)
    ranked = sorted(best.values(), key=lambda kv: (kv[0], kv[1]["synth_id"]))
    return [_with_shared_span(e) for _, e in ranked[:limit]]


def _with_shared_span(pair: dict, min_chars: int = 20) -> dict:
    """Give near / semantic / exact pairs the longest shared passage of their two snippets, so the report
    can highlight it as it does for n-gram copies (which carry token-exact spans already)."""
    if "synth_span" in pair or not pair.get("real_text") or not pair.get("synth_text"):
        return pair
    import difflib

    a, b = pair["real_text"], pair["synth_text"]
    m = difflib.SequenceMatcher(None, a.casefold(), b.casefold(), autojunk=False).find_longest_match(
        0, len(a), 0, len(b))
    if m.size < min_chars:
        return pair
    return {**pair, "real_span": [m.a, m.a + m.size], "synth_span": [m.b, m.b + m.size],
            "span_chars": m.size}

