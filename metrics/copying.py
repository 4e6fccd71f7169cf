"""Copying from the real corpus into the synthetic one: exact reproductions and long shared n-gram spans.

Near and semantic copies live in :mod:`metrics.duplication_near` / :mod:`metrics.duplication_semantic`,
distance-based tests (DCR, the data-copying test C_T) in :mod:`metrics.copying_distance`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from metrics.duplication import snippet
from metrics.stats import wilson_interval
from metrics.result import MetricResult
from metrics.text import text_hash, token_pattern

_MAX_POSTINGS = 50  # a boilerplate n-gram in more real docs than this only seeds spans with 50 of them


def exact_copy_rate(
    synth_texts: Sequence[str],
    reference_counts: Mapping[str, int],
    *,
    within_reference: bool = False,
    synth_ids: Sequence[str] | None = None,
    reference_first: Mapping[str, tuple] | None = None,
    max_examples: int = 20,
) -> MetricResult:
    """Share of synthetic documents whose normalised text (NFKC, casefold, white space) occurs in the real corpus.

    ``reference_counts`` maps a normalised-text hash to its count in the reference corpus (e.g. the
    whole-stream ``CorpusStats.hash_counts``). With ``within_reference=True`` the queries are themselves
    part of the reference (the real-vs-real baseline) and a query counts only when its text occurs at
    least twice there, i.e. when it repeats *another* real document.

    Returns
    -------
    MetricResult
        value in [0, 1], lower is better (1.0 when the synthetic corpus is the real one); CI: Wilson;
        ``details["examples"]``: copied synthetic docs with the first real doc holding the same text
        (when ``reference_first``, hash -> (id, text or None), is given; a missing text is the synthetic
        one, which is the same after normalisation).
    """
    n = len(synth_texts)
    if n == 0:
        raise ValueError("exact_copy_rate: empty synthetic corpus")
    if not reference_counts:
        raise ValueError("exact_copy_rate: empty reference corpus")
    need = 2 if within_reference else 1
    hits = []
    for i, t in enumerate(synth_texts):
        h = text_hash(t)
        if reference_counts.get(h, 0) >= need:
            hits.append((i, h))
    examples = []
    for i, h in hits[:max_examples]:
        rid, rtext = (reference_first or {}).get(h, (None, None))[:2]
        if rtext is None:  # only ids are kept for unique real texts; an exact copy reads the same
            rtext = synth_texts[i]
        examples.append({
            "kind": "exact", "synth_id": str(synth_ids[i]) if synth_ids is not None else str(i),
            "real_id": rid, "synth_text": snippet(synth_texts[i]),
            "real_text": snippet(rtext), "similarity": 1.0,
            "real_count": int(reference_counts[h]),
        })
    k = len(hits)
    return MetricResult(k / n, ci=wilson_interval(k, n), n=n,
                        details={"copied_docs": k, "examples": examples})


def _gram_hashes(tokens: Sequence[str], n: int) -> np.ndarray:
    # Python's tuple hash: stable within a process; only equality is used, spans are verified on tokens
    return np.fromiter((hash(g) for g in zip(*(tokens[i:] for i in range(n)))), dtype=np.int64,
                       count=max(0, len(tokens) - n + 1))


def _longest_run(rows: np.ndarray, n: int) -> tuple[int, int, int, int]:
    """rows: (k, 3) = (real doc, real pos, synth pos) of matching n-grams -> best (doc, rpos, spos, len)."""
    diag = rows[:, 1] - rows[:, 2]
    order = np.lexsort((rows[:, 2], diag, rows[:, 0]))
    r = rows[order]
    d = diag[order]
    new = np.ones(len(r), dtype=bool)
    new[1:] = (r[1:, 0] != r[:-1, 0]) | (d[1:] != d[:-1]) | (r[1:, 2] != r[:-1, 2] + 1)
    starts = np.flatnonzero(new)
    lengths = np.diff(np.append(starts, len(r)))
    b = int(np.argmax(lengths))  # first maximum: lowest real doc index, then earliest position
    s = starts[b]
    return int(r[s, 0]), int(r[s, 1]), int(r[s, 2]), int(lengths[b]) + n - 1


def token_window(text: str, tokens_start: int, tokens_len: int, limit: int = 300) -> dict:
    """The text around a token span, with the span's character offsets inside the returned window."""
    folded = text.casefold()
    spans = [m.span() for m in token_pattern(folded).finditer(folded)]
    if len(folded) != len(text) or tokens_start + tokens_len > len(spans):
        return {"text": snippet(text, limit), "span": None}
    a, b = spans[tokens_start][0], spans[tokens_start + tokens_len - 1][1]
    if len(text) <= limit:
        return {"text": text, "span": [a, b]}
    lo = max(0, min(a - 60, len(text) - limit))
    hi = min(len(text), lo + limit)
    return {"text": text[lo:hi], "span": [a - lo, min(b, hi) - lo], "offset": lo}


def ngram_copy_rate(
    real_tokens: Sequence[Sequence[str]],
    synth_tokens: Sequence[Sequence[str]],
    *,
    n: int = 13,
    real_ids: Sequence[str] | None = None,
    synth_ids: Sequence[str] | None = None,
    real_texts: Sequence[str] | None = None,
    synth_texts: Sequence[str] | None = None,
    max_examples: int = 20,
) -> MetricResult:
    """Share of synthetic documents that share at least one token ``n``-gram with a real document.

    The GPT-3 contamination rule (Brown et al. 2020, 13-grams). For each such document the longest span
    of consecutive tokens it shares with one real document is found (diagonal runs of matching n-grams)
    and checked on the tokens themselves.

    Returns
    -------
    MetricResult
        value in [0, 1], lower is better; CI: Wilson. ``details["examples"]``: the longest shared spans
        (both ids, a window of both texts with the span's character offsets, ``span_tokens``, the span
        text); ``details["longest_span"]``; documents shorter than ``n`` tokens count as not copied.
    """
    if len(synth_tokens) == 0 or len(real_tokens) == 0:
        raise ValueError("ngram_copy_rate: empty corpus")
    if n < 1:
        raise ValueError(f"ngram_copy_rate: n must be >= 1, got {n}")
    per_doc = [_gram_hashes(t, n) for t in real_tokens]
    keys = np.concatenate(per_doc)  # real_tokens is not empty, so neither is per_doc
    doc = np.repeat(np.arange(len(per_doc)), [len(h) for h in per_doc])
    pos = np.concatenate([np.arange(len(h)) for h in per_doc])
    order = np.argsort(keys, kind="stable")
    keys, doc, pos = keys[order], doc[order], pos[order]
    found = []  # (synth idx, real idx, real pos, synth pos, span length)
    for i, toks in enumerate(synth_tokens):
        q = _gram_hashes(toks, n)
        if not len(q) or not len(keys):
            continue
        lo, hi = np.searchsorted(keys, q, "left"), np.searchsorted(keys, q, "right")
        m = np.flatnonzero(hi > lo)
        if not len(m):
            continue
        rows = [np.column_stack((doc[lo[j]:min(hi[j], lo[j] + _MAX_POSTINGS)],
                                 pos[lo[j]:min(hi[j], lo[j] + _MAX_POSTINGS)],
                                 np.full(min(hi[j] - lo[j], _MAX_POSTINGS), j))) for j in m]
        r, rp, sp, length = _longest_run(np.concatenate(rows), n)
        if list(real_tokens[r][rp:rp + length]) != list(toks[sp:sp + length]):
            continue  # a hash collision: not a real shared span
        found.append((i, r, rp, sp, length))
    k, total = len(found), len(synth_tokens)
    found.sort(key=lambda f: (-f[4], f[0]))
    examples = []
    for i, r, rp, sp, length in found[:max_examples]:
        ex = {
            "kind": "ngram",
            "synth_id": str(synth_ids[i]) if synth_ids is not None else str(i),
            "real_id": str(real_ids[r]) if real_ids is not None else str(r),
            "span_tokens": length,
            "span_text": snippet(" ".join(synth_tokens[i][sp:sp + length])),
            "similarity": round(length / max(1, len(synth_tokens[i])), 4),
        }
        if synth_texts is not None:
            w = token_window(synth_texts[i], sp, length)
            ex["synth_text"], ex["synth_span"] = w["text"], w["span"]
        if real_texts is not None:
            w = token_window(real_texts[r], rp, length)
            ex["real_text"], ex["real_span"] = w["text"], w["span"]
        examples.append(ex)
    spans = [f[4] for f in found]
    return MetricResult(k / total, ci=wilson_interval(k, total), n=total, details={
        "n": n, "copied_docs": k, "longest_span": max(spans, default=0),
        "median_span": float(np.median(spans)) if spans else None,
        "short_docs": sum(1 for t in synth_tokens if len(t) < n), "examples": examples})
