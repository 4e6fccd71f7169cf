"""Full-corpus duplication rows: exact and near duplicates, exact / near / shared-span copies, over every
document of both corpora (``CorpusStats.index``), not a sample.

Noise floor at the matching size: two disjoint halves A and B of the real corpus, each of
``min(real // 2, synthetic)`` documents, chosen by a keyed hash of the text (order-free). Within-corpus
rates are compared with |rate(A) − rate(B)|; copying rates with "real half B copying real half A"
(its reference, A, is smaller than the whole real corpus the synthetic one is checked against, so the
baseline is a slightly lenient floor). Documents under ``min_doc_tokens`` tokens are short: counted
apart, never a duplicate or a copy.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from audit.compare import count_test_of_shares, pairwise_entry, per_corpus_entry
from audit.context import CorpusStats
from audit.noise import DEFAULT_SPLITS, pair_gaps
from metrics.copying import token_window
from metrics.duplication import cluster_rate_result, snippet
from metrics.duplication_full import (
    ShingleSets, best_near_matches, components, exact_groups, fingerprint_candidates,
    longest_shared_span, near_duplicate_pairs_full)
from metrics.result import MetricResult
from metrics.stats import wilson_interval
from metrics.text import tokenize

_MIX = np.uint64(0x9E3779B97F4A7C15)
SPLIT_SALT = 7919  # seed + SPLIT_SALT * j keys the j-th noise split's halves


class _Lookup:
    """``[i]`` -> the id or the text of document ``i`` (read from the index's byte store on demand)."""

    def __init__(self, side: "Side", what: int):
        self.side, self.what = side, what

    def __getitem__(self, i: int) -> str:
        return self.side.doc(int(i))[self.what]


@dataclass
class Side:
    """One corpus's whole-stream arrays, and helpers to read its documents back."""

    name: str
    stats: CorpusStats
    ids: _Lookup = field(init=False)
    texts: _Lookup = field(init=False)

    def __post_init__(self):
        ix = self.stats.index
        self.ix, self.params, self.n = ix, ix.params, len(ix)
        # canonical ordinals: documents by (text hash, id hash), whatever the file or partition order
        self.perm = ix.content_order()
        inv = np.empty(self.n, np.int64)
        inv[self.perm] = np.arange(self.n)
        self.exact, self.ntok, self.bands = (np.asarray(c.array())[self.perm] for c in
                                             (ix.exact, ix.n_tokens, ix.bands))
        self.order = None  # canonical ordinals are already in content order
        self.fp_hash, self.fp_doc = ix.fp_hash.array(), inv[np.asarray(ix.fp_doc.array(), np.int64)]
        self.all = np.arange(self.n, dtype=np.int64)
        self.long = np.flatnonzero(self.ntok >= self.params.min_tokens)
        self.short = np.flatnonzero(self.ntok < self.params.min_tokens)
        self.sets = ShingleSets(self.text, self.params.shingle_size)
        self.ids, self.texts = _Lookup(self, 0), _Lookup(self, 1)
        self._docs: dict[int, tuple[str, str]] = {}

    def doc(self, i: int) -> tuple[str, str]:
        if i not in self._docs:
            if len(self._docs) > 4096:
                self._docs.clear()
            self._docs[i] = self.ix.texts.get(int(self.perm[i]))
        return self._docs[i]

    def text(self, i: int) -> str:
        return self.doc(i)[1]

    def halves(self, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Two disjoint sets of ``size`` documents, by a keyed hash of (text, occurrence): order-free."""
        rep, group = exact_groups(self.exact, self.all)
        o = np.lexsort((self.all, group))
        occ = np.empty(self.n, np.uint64)
        start = np.ones(self.n, bool)
        start[1:] = group[o][1:] != group[o][:-1]
        pos = np.arange(self.n)
        occ[o] = (pos - np.maximum.accumulate(np.where(start, pos, 0))).astype(np.uint64)
        key = (self.exact ^ (occ * _MIX) ^ np.uint64(seed + 1)) * _MIX
        key ^= key >> np.uint64(29)
        rank = np.lexsort((self.all, key))
        return np.sort(rank[:size]), np.sort(rank[size:2 * size])


def _eligible(side: Side, docs: np.ndarray) -> np.ndarray:
    return docs[side.ntok[docs] >= side.params.min_tokens]


def exact_rate(side: Side, docs: np.ndarray) -> MetricResult:
    long_ = _eligible(side, docs)
    n = len(long_)
    if n == 0:
        return MetricResult(None, n=0, details={"short_docs": len(docs)})
    _, counts = np.unique(side.exact[long_], return_counts=True)
    dups = n - len(counts)
    short = np.setdiff1d(docs, long_, assume_unique=True)
    short_dups = len(short) - len(np.unique(side.exact[short]))
    return MetricResult(dups / n, ci=wilson_interval(dups, n), n=n, details={
        "duplicate_docs": dups, "duplicate_groups": int(np.sum(counts > 1)), "short_docs": len(short),
        "short_duplicate_docs": short_dups})


def largest_exact_groups(side: Side, limit: int = 10) -> list[dict]:
    if len(side.long) == 0:
        return []
    rep, _ = exact_groups(side.exact, side.long, side.order)
    reps, counts = np.unique(rep, return_counts=True)
    top = np.lexsort((reps, -counts))[:limit]
    out = []
    for k in top:
        if counts[k] < 2:
            break
        rid, text = side.doc(int(reps[k]))
        out.append({"kind": "exact", "size": int(counts[k]), "count": int(counts[k]), "id": rid,
                    "text": snippet(text), "members": [{"id": rid, "text": snippet(text)}]})
    return out


def near_rate(side: Side, docs: np.ndarray, threshold: float, memo: dict) -> MetricResult:
    long_ = _eligible(side, docs)
    if len(long_) == 0:
        return MetricResult(None, n=0)
    edges, checked = near_duplicate_pairs_full(side.exact, side.bands, long_, side.sets, threshold,
                                               side.order, memo)
    p = side.params
    verified = sum(1 for e in edges if e[2] < 1.0 or side.exact[e[0]] != side.exact[e[1]])
    return cluster_rate_result(
        len(long_), edges, ids=side.ids, texts=side.texts, kind="near", clusters=components(long_, edges),
        extra={"threshold": threshold, "num_perm": p.num_perm, "bands": p.bands, "rows": p.rows,
               "shingle_size": p.shingle_size, "candidates_checked": checked,
               "verified_pairs": verified, "candidates_rejected": checked - verified,
               "short_docs": len(docs) - len(long_)})


def _pair(kind, q: Side, r: Side, i: int, j: int, sim: float) -> dict:
    sid, stext = q.doc(i)
    rid, rtext = r.doc(j)
    return {"kind": kind, "synth_id": sid, "real_id": rid, "synth_text": snippet(stext),
            "real_text": snippet(rtext), "similarity": round(float(sim), 4)}


def exact_copies(q: Side, qdocs, r: Side, rdocs, max_examples: int = 20) -> MetricResult:
    """Query documents (long enough) whose normalised text is a reference document's."""
    ql, rl = _eligible(q, qdocs), _eligible(r, rdocs)
    # short documents identical to a reference document: counted apart, never called copies
    qs = np.setdiff1d(qdocs, ql, assume_unique=True)
    short = {"short_docs": len(qs), "short_identical": int(np.isin(q.exact[qs], r.exact[rdocs]).sum())}
    if len(ql) == 0 or len(rl) == 0:
        return MetricResult(None, n=len(ql), details=short)
    rep, _ = exact_groups(r.exact, rl, r.order)
    reps = np.unique(rep)
    rh = r.exact[reps]
    o = np.argsort(rh, kind="stable")
    pos = np.clip(np.searchsorted(rh[o], q.exact[ql]), 0, len(o) - 1)
    hit = rh[o][pos] == q.exact[ql]
    counts = dict(zip(*np.unique(r.exact[rl], return_counts=True)))
    examples = []
    for i, j in list(zip(ql[hit].tolist(), reps[o][pos[hit]].tolist()))[:max_examples]:
        examples.append({**_pair("exact", q, r, i, j, 1.0), "real_count": int(counts[r.exact[j]])})
    k, n = int(hit.sum()), len(ql)
    return MetricResult(k / n, ci=wilson_interval(k, n), n=n, details={
        "copied_docs": k, "examples": examples, **short})


def near_copies(q: Side, qdocs, r: Side, rdocs, threshold: float, max_examples: int = 20) -> MetricResult:
    ql, rl = _eligible(q, qdocs), _eligible(r, rdocs)
    if len(ql) == 0 or len(rl) == 0:
        return MetricResult(None, n=len(ql))
    q_sets = q.sets if q is not r else r.sets
    best, checked = best_near_matches(q.exact, q.bands, ql, r.exact, r.bands, rl, q_sets, r.sets, threshold,
                                      r.order)
    k, n = len(best), len(ql)
    top = sorted(best.items(), key=lambda kv: (-kv[1][1], kv[0]))[:max_examples]
    p = q.params
    return MetricResult(k / n, ci=wilson_interval(k, n), n=n, details={
        "copied_docs": k, "threshold": threshold, "num_perm": p.num_perm, "shingle_size": p.shingle_size,
        "candidates_checked": checked, "examples": [_pair("near", q, r, i, j, s) for i, (j, s) in top]})


def span_copies(q: Side, qdocs, r: Side, rdocs, max_examples: int = 20) -> MetricResult:
    """Query documents sharing a run of at least ``ngram_n`` tokens with a reference document."""
    ql, rl = _eligible(q, qdocs), _eligible(r, rdocs)
    n_gram = q.params.ngram_n
    if len(ql) == 0 or len(rl) == 0:
        return MetricResult(None, n=len(ql))
    cands = fingerprint_candidates(q.fp_hash, q.fp_doc, ql, r.fp_hash, r.fp_doc, rl)
    found = []  # (query, reference, q start, r start, length)
    for i, refs in sorted(cands.items()):
        qt = tokenize(q.text(i))
        best = None
        for j in refs:
            a, b, length = longest_shared_span(qt, tokenize(r.text(j)), n_gram)
            if length >= n_gram and (best is None or length > best[4]):
                best = (i, j, a, b, length)
        if best is not None:
            found.append(best)
    k, n = len(found), len(ql)
    found.sort(key=lambda f: (-f[4], f[0]))
    examples = []
    for i, j, a, b, length in found[:max_examples]:
        qt = tokenize(q.text(i))
        ex = {**_pair("ngram", q, r, i, j, length / max(1, len(qt))), "span_tokens": length,
              "span_text": snippet(" ".join(qt[a:a + length]))}
        w = token_window(q.text(i), a, length)
        ex["synth_text"], ex["synth_span"] = w["text"], w["span"]
        w = token_window(r.text(j), b, length)
        ex["real_text"], ex["real_span"] = w["text"], w["span"]
        examples.append(ex)
    spans = [f[4] for f in found]
    return MetricResult(k / n, ci=wilson_interval(k, n), n=n, details={
        "n": n_gram, "window": q.params.window, "copied_docs": k, "longest_span": max(spans, default=0),
        "median_span": float(np.median(spans)) if spans else None,
        "fingerprint_gram": q.params.fp_gram,
        "short_docs": int(np.sum(q.ntok[ql] < n_gram)), "examples": examples})


def _scope(entry, real: Side, synth: Side, **extra):
    """A copy of the row stating that every document was counted, and on what support."""
    return replace(entry, scope="full", support={
        **entry.support, "real_docs": real.n, "synth_docs": synth.n, "real_long_docs": len(real.long),
        "synth_long_docs": len(synth.long), "min_doc_tokens": real.params.min_tokens, **extra})


def _short_note(n_short: int, n_same: int, min_tokens: int) -> list[str]:
    if not n_same:
        return []
    return [f"short answers identical to a real answer: {n_same:,} (of {n_short:,} synthetic documents under "
            f"{min_tokens} tokens; counted apart, not as copied text)"]


def full_rows(real_stats: CorpusStats, synth_stats: CorpusStats, options: dict, seed: int, out) -> list[dict]:
    """Append the full-corpus rows to ``out`` (a FamilyOutput); return the copy examples."""
    from audit.families.duplication import with_baseline_p

    real, synth = Side("real", real_stats), Side("synth", synth_stats)
    thr = float(options.get("near_threshold", 0.8))
    size = min(real.n // 2, synth.n)
    half_a, half_b = real.halves(size, seed)
    halves = {"real_half_docs": size}
    clusters = out.sections.setdefault("duplicate_clusters", {})

    # the noise: several disjoint half-vs-half splits of the whole real corpus (split 0 is the one above)
    splits = [(half_a, half_b)] + [real.halves(size, seed + SPLIT_SALT * j)
                                   for j in range(1, max(1, int(options.get("noise_splits", DEFAULT_SPLITS))))]
    noise_method = (f"{len(splits)} half-vs-half split{'s' if len(splits) > 1 else ''} of the whole real "
                    f"corpus by content hash ({size:,} vs {size:,} documents)")

    def noise(rate, first: tuple[MetricResult, MetricResult]) -> dict:
        gaps = pair_gaps(splits, lambda a, b: (rate(a).value, rate(b).value), (first[0].value, first[1].value))
        return {"null_gaps": gaps, "noise_method": noise_method} if size and gaps else {}

    r, s = exact_rate(real, real.all), exact_rate(synth, synth.all)
    if r.value is not None or s.value is not None:
        groups = {"real": largest_exact_groups(real), "synth": largest_exact_groups(synth)}
        first = exact_rate(real, half_a), exact_rate(real, half_b)
        e = count_test_of_shares(per_corpus_entry(
            "exact_duplicate_rate", r, s, *first, counted=True,
            details={"groups": {k: v[:5] for k, v in groups.items()}},
            **noise(lambda d: exact_rate(real, d), first)), r, s)
        out.entries.append(_scope(e, real, synth, **halves))
        clusters["exact"] = groups

    memo: dict = {}
    nr, ns = near_rate(real, real.all, thr, memo), near_rate(synth, synth.all, thr, {})
    first = near_rate(real, half_a, thr, memo), near_rate(real, half_b, thr, memo)
    e = count_test_of_shares(per_corpus_entry("near_duplicate_rate", nr, ns, *first, counted=True,
                                              **noise(lambda d: near_rate(real, d, thr, memo), first)), nr, ns)
    out.entries.append(_scope(e, real, synth, **halves))
    clusters["near"] = {"real": (nr.details or {}).get("largest_clusters", []),
                        "synth": (ns.details or {}).get("largest_clusters", [])}

    examples: list[dict] = []
    base_note = "real half B against real half A (each of {:,} documents)".format(size)
    for name, fn in (("exact_copy_rate", exact_copies),
                     ("near_copy_rate", lambda q, qd, rr, rd: near_copies(q, qd, rr, rd, thr)),
                     ("ngram_copy_rate", span_copies)):
        value = fn(synth, synth.all, real, real.all)
        base = fn(real, half_b, real, half_a) if size else None
        warn = _short_note(value.details.get("short_docs", 0), value.details.get("short_identical", 0),
                           real.params.min_tokens)
        value = replace(value, warnings=list(value.warnings) + warn)
        if value.value is None:
            out.entries.append(_scope(pairwise_entry(name, value, None), real, synth, **halves))
            continue
        if base is not None and base.value is None:
            base = None
        value = with_baseline_p(value, base, "copied_docs")
        e = pairwise_entry(name, value, base, details={
            "reference": f"whole real corpus ({real.n:,} documents)",
            "baseline": base_note if base is not None else None})
        out.entries.append(_scope(e, real, synth, **halves))
        examples += value.details.get("examples", [])
    return examples
