"""Duplication rows: exact (whole stream), near and semantic duplicates, and copying real -> synthetic.

Within-corpus rates are computed on equal-size seeded samples of both corpora (duplicate rates grow with
the number of documents) and on the two real halves (the noise floor). Copying metrics compare the
synthetic sample against the real sample; their baseline is real half B "copying" real half A, i.e. how
much one real half repeats the other by chance (its reference is half the size, so the baseline is a
slightly lenient floor). DCR and C_T need a real part the synthetic generator never saw: real half A is the
reference ("training") set and real half B the holdout; their own baseline splits half B in two.

Options (``ctx.options``): ``near_threshold`` (0.8), ``minhash_perms`` (128), ``shingle_size`` (5),
``semantic_threshold`` (0.95), ``ngram_n`` (13), ``dup_max_docs`` (5000, cap per corpus for the O(n²)
searches), ``dcr_quantile`` (0.05), ``copying_cells`` (10), ``copying_min_generated`` (20).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from audit.compare import pairwise_entry, per_corpus_entry
from audit.context import AuditContext, CorpusData, CorpusStats
from audit.families import FamilyOutput
from metrics.copying import exact_copy_rate, ngram_copy_rate
from metrics.copying_distance import data_copying_score, dcr_copy_rate
from metrics.duplication import excess_p_value, exact_duplicate_rate, hash_counts, snippet
from metrics.duplication_near import near_copy_rate, near_duplicate_rate
from metrics.duplication_semantic import semantic_copy_rate, semantic_duplicate_rate
from metrics.result import MetricResult
from metrics.text import top_counts

_KIND_RANK = {"exact": 0, "near": 1, "ngram": 2, "semantic": 3}


def _largest_groups(stats: CorpusStats, limit: int = 10) -> list[dict]:
    top = [(h, c) for h, c in top_counts(stats.hash_counts, limit) if c > 1]
    out = []
    for h, c in top:
        rid, text = stats.example(h)
        text = snippet(text) if text is not None else "(text not kept: its copies were in different partitions)"
        out.append({"kind": "exact", "size": c, "count": c, "id": rid, "text": text,
                    "members": [{"id": rid, "text": text}]})
    return out


def _cap(c: CorpusData, n: int, rng: np.random.Generator) -> CorpusData:
    if len(c) <= n:
        return c
    return c.subset(np.sort(rng.choice(len(c), n, replace=False)), c.name)


def _ids(c: CorpusData) -> list[str]:
    return [d.id for d in c.docs]


def _with_baseline_p(value: MetricResult, base: MetricResult | None, key: str) -> MetricResult:
    """Attach a one-sided Fisher p-value: is the synthetic share above the real-vs-real share?"""
    if base is None or value.n is None or base.n is None:
        return value
    return replace(value, p_value=excess_p_value(value.details[key], value.n, base.details[key], base.n))


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    o = ctx.options
    near_kw = dict(threshold=o.get("near_threshold", 0.8), num_perm=o.get("minhash_perms", 128),
                   shingle_size=o.get("shingle_size", 5))
    sem_thr = o.get("semantic_threshold", 0.95)
    cap = min(len(ctx.real), len(ctx.synth), int(o.get("dup_max_docs", 5000)))
    real, synth = _cap(ctx.real, cap, ctx.rng(301)), _cap(ctx.synth, cap, ctx.rng(302))
    half_a, half_b = _cap(ctx.real_a, cap, ctx.rng(303)), _cap(ctx.real_b, cap, ctx.rng(304))
    capped = len(real) < len(ctx.real) or len(synth) < len(ctx.synth)
    clusters: dict[str, dict] = {}

    # --- exact duplicates over the whole stream ---
    rs = ctx.real.stats or CorpusStats()
    ss = ctx.synth.stats or CorpusStats()
    if ctx.real.stats is None:
        for d in ctx.real.docs:
            rs.add(d)
    if ctx.synth.stats is None:
        for d in ctx.synth.docs:
            ss.add(d)
    if rs.n_docs and ss.n_docs:
        # whole-stream counts: the noise floor of a rate over every document is not a sampling question
        ea, eb = exact_duplicate_rate(hash_counts(ctx.real_a.texts)), exact_duplicate_rate(hash_counts(ctx.real_b.texts))
        out.entries.append(per_corpus_entry(
            "exact_duplicate_rate", exact_duplicate_rate(rs.hash_counts), exact_duplicate_rate(ss.hash_counts),
            ea, eb, details={"groups": {"real": _largest_groups(rs, 5), "synth": _largest_groups(ss, 5)}}))
        clusters["exact"] = {"real": _largest_groups(rs), "synth": _largest_groups(ss)}

    def mark(r: MetricResult, c: CorpusData) -> MetricResult:
        return replace(r, sampled=r.sampled or capped or c.sampled)

    # --- near duplicates within each corpus ---
    def near(c: CorpusData, salt: int) -> MetricResult:
        return mark(near_duplicate_rate(c.tokens, ids=_ids(c), texts=c.texts, random_state=ctx.rng(salt),
                                        **near_kw), c)

    nr, ns = near(real, 311), near(synth, 311)
    out.entries.append(per_corpus_entry("near_duplicate_rate", nr, ns, near(half_a, 311), near(half_b, 311)))
    clusters["near"] = {"real": nr.details["largest_clusters"], "synth": ns.details["largest_clusters"]}

    # --- semantic duplicates within each corpus ---
    def sem(c: CorpusData) -> MetricResult:
        return mark(semantic_duplicate_rate(c.embeddings, threshold=sem_thr, ids=_ids(c), texts=c.texts), c)

    sr, ssem = sem(real), sem(synth)
    out.entries.append(per_corpus_entry("semantic_duplicate_rate", sr, ssem, sem(half_a), sem(half_b)))
    clusters["semantic"] = {"real": sr.details["largest_clusters"], "synth": ssem.details["largest_clusters"]}
    out.sections["duplicate_clusters"] = clusters

    # --- copying real -> synthetic; baseline: real half B "copying" real half A ---
    examples: list[dict] = []
    if rs.n_docs and len(ctx.synth):
        ex = exact_copy_rate(ctx.synth.texts, rs.hash_counts, synth_ids=_ids(ctx.synth),
                             reference_first=rs.examples)
        base = exact_copy_rate(ctx.real.texts, rs.hash_counts, within_reference=True)
        ex = replace(_with_baseline_p(ex, base, "copied_docs"), sampled=ctx.synth.sampled)
        out.entries.append(pairwise_entry("exact_copy_rate", ex, base, details={
            "reference": "whole real stream (normalised-text hashes)",
            "baseline": "real sample docs whose text repeats another real doc"}))
        examples += ex.details["examples"]

    def pair_kw(ref: CorpusData, q: CorpusData) -> dict:
        return dict(real_ids=_ids(ref), synth_ids=_ids(q), real_texts=ref.texts, synth_texts=q.texts)

    have_halves = len(half_a) > 0 and len(half_b) > 0
    for name, fn, key in (
        ("near_copy_rate", lambda r, q: near_copy_rate(r.tokens, q.tokens, random_state=ctx.rng(321),
                                                       **near_kw, **pair_kw(r, q)), "copied_docs"),
        ("semantic_copy_rate", lambda r, q: semantic_copy_rate(r.embeddings, q.embeddings, threshold=sem_thr,
                                                               **pair_kw(r, q)), "copied_docs"),
        ("ngram_copy_rate", lambda r, q: ngram_copy_rate(r.tokens, q.tokens, n=o.get("ngram_n", 13),
                                                         **pair_kw(r, q)), "copied_docs"),
    ):
        value = mark(fn(real, synth), synth)
        base = mark(fn(half_a, half_b), half_b) if have_halves else None
        value = _with_baseline_p(value, base, key)
        out.entries.append(pairwise_entry(name, value, base, details={
            "reference": f"real sample ({len(real)} docs)",
            "baseline": "real half B against real half A" if base is not None else None}))
        examples += value.details["examples"]

    # --- distance to closest record and the data-copying test: reference A, holdout B ---
    if len(half_a) >= 2 and len(half_b) >= 4:
        perm = ctx.rng(331).permutation(len(half_b))
        b1, b2 = half_b.subset(np.sort(perm[: len(perm) // 2]), "real_b1"), \
            half_b.subset(np.sort(perm[len(perm) // 2:]), "real_b2")
        q = o.get("dcr_quantile", 0.05)
        dcr_kw = dict(quantile=q, reference_ids=_ids(half_a), reference_texts=half_a.texts)
        dcr = mark(dcr_copy_rate(half_a.embeddings, half_b.embeddings, synth.embeddings, synth_ids=_ids(synth),
                                 synth_texts=synth.texts, **dcr_kw), synth)
        dbase = dcr_copy_rate(half_a.embeddings, b2.embeddings, b1.embeddings, **dcr_kw)
        out.entries.append(pairwise_entry("dcr_copy_rate", dcr, dbase, details={
            "reference": "real half A", "holdout": "real half B",
            "baseline": "real half B1 against half A, threshold from half B2"}))
        out.sections["dcr"] = {"histogram": dcr.details["histogram"], "threshold": dcr.details["threshold"],
                               "quantile": q, "value": dcr.value}
        ct_kw = dict(n_cells=o.get("copying_cells", 10), min_generated=o.get("copying_min_generated", 20))
        ct = mark(data_copying_score(half_a.embeddings, half_b.embeddings, synth.embeddings,
                                     random_state=ctx.rng(341), **ct_kw), synth)
        ctb = data_copying_score(half_a.embeddings, b2.embeddings, b1.embeddings, random_state=ctx.rng(341),
                                 **ct_kw)
        out.entries.append(pairwise_entry("data_copying_score", ct, ctb if ctb.value is not None else None,
                                          details={"train": "real half A", "test": "real half B",
                                                   "baseline": "real half B1 as generated, B2 as test"}))

    out.sections["copied_pairs"] = _top_pairs(examples)
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

