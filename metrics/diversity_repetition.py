"""Repetition across documents: self-BLEU, self-repetition, boilerplate openings and phrases.

These compare each document with the others, so they depend on how many documents are compared: call
them on seeded samples of the same size for every corpus (``sample_size``).
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import numpy as np

from metrics.diversity_lexical import PACK_LIMIT, check_docs, is_word, pack_rows, seeded_order, token_order
from metrics.result import MetricResult
from metrics.text import ngrams, top_counts, words
from metrics.token_ids import RankedTexts, TokenIds


def _sample(docs_tokens: Sequence[Sequence[str]], sample_size: int | None, random_state) -> list[int]:
    order = token_order(docs_tokens, random_state)
    return order if sample_size is None else order[:sample_size]


def jackknife_ci(stat: Callable[[np.ndarray], float], n: int, *, groups: int = 10,
                 random_state=None) -> tuple[float, float] | None:
    """95% CI from a delete-a-group jackknife: ``stat(idx)`` recomputed without each of ``groups`` groups.

    Suits U-statistics (pairwise means), where a bootstrap would pair a document with its own copy.
    """
    if n < 2 * groups:
        return None
    g = np.random.default_rng(random_state).permutation(n) % groups
    full = stat(np.arange(n))
    loo = np.array([stat(np.flatnonzero(g != j)) for j in range(groups)])
    se = math.sqrt((groups - 1) / groups * float(((loo - loo.mean()) ** 2).sum()))
    return full - 1.96 * se, full + 1.96 * se


# -- self-BLEU ----------------------------------------------------------------------------------------
def _brevity(hyp_len: int, ref_len: int) -> float:
    if hyp_len > ref_len:
        return 1.0
    if hyp_len == 0:
        return 0.0
    return math.exp(1 - ref_len / hyp_len)


def sentence_bleu(hypothesis: Sequence[str], references: Sequence[Sequence[str]], *, max_n: int = 4,
                  epsilon: float = 0.1) -> float:
    """BLEU-max_n of one hypothesis (Papineni et al. 2002) with uniform weights and ``epsilon`` smoothing
    of zero counts (Chen & Cherry 2014 method 1; nltk's ``SmoothingFunction().method1``). 0..1."""
    if not references:
        raise ValueError("need at least one reference")
    hyp = list(hypothesis)
    logs = []
    for n in range(1, max_n + 1):
        h = Counter(ngrams(hyp, n))
        best: Counter = Counter()
        for ref in references:
            for g, c in Counter(ngrams(list(ref), n)).items():
                if c > best[g]:
                    best[g] = c
        num = sum(min(c, best[g]) for g, c in h.items())
        den = max(1, sum(h.values()))
        if n == 1 and num == 0:
            return 0.0
        logs.append(math.log((num if num else epsilon) / den))
    ref_len = min((len(r) for r in references), key=lambda r: (abs(r - len(hyp)), r))
    return _brevity(len(hyp), ref_len) * math.exp(sum(logs) / max_n)


def self_bleu(
    docs_tokens: Sequence[Sequence[str]], *, sample_size: int | None = 500, max_tokens: int = 200,
    max_n: int = 4, random_state=None,
) -> MetricResult:
    """Self-BLEU (Zhu et al., SIGIR 2018): mean BLEU-4 of each sampled document against all the others.

    0..1; higher = documents reuse each other's phrasing; lower is better. Holtzman et al. (ICLR 2020,
    Table 1): human WebText 0.31, greedy GPT-2 0.50, nucleus 0.32. It rises with the number of
    references, so compare corpora at the same ``sample_size``; each document is cut to ``max_tokens``.
    Exact, in time linear in the sample's n-grams (per n-gram, the two largest counts over documents
    give the clipped count against "all documents but this one"). CI: normal approximation over documents.
    """
    check_docs(docs_tokens)
    idx = _sample(docs_tokens, sample_size, random_state)
    ids = docs_tokens if isinstance(docs_tokens, TokenIds) else TokenIds.encode(docs_tokens)
    pos = np.asarray(idx, dtype=np.int64)
    lens = np.minimum(ids.lengths()[pos], max_tokens)  # each document cut to max_tokens
    m = len(pos)
    if m < 2:
        raise ValueError("self-BLEU needs at least two documents")
    flat, _ = ids.gather(pos, lens)
    doc = np.repeat(np.arange(m), lens)
    logs = np.zeros(m)
    zero = np.zeros(m, dtype=bool)
    for n in range(1, max_n + 1):
        num = _clipped_matches(flat, doc, n, m)
        for i, (hit, den) in enumerate(zip(num, np.maximum(1, lens - (n - 1)).tolist())):
            if n == 1 and hit == 0:
                zero[i] = True
            logs[i] += math.log((hit if hit else 0.1) / den)
    ref = _closest_other_length(lens)
    vals = np.empty(m)
    for i, (hyp, r) in enumerate(zip(lens.tolist(), ref.tolist())):
        vals[i] = 0.0 if zero[i] else _brevity(hyp, r) * math.exp(logs[i] / max_n)
    mean = float(vals.mean())
    se = float(vals.std(ddof=1) / math.sqrt(m))
    return MetricResult(mean, ci=(mean - 1.96 * se, mean + 1.96 * se), n=m, sampled=m < len(docs_tokens),
                        details={"max_tokens": max_tokens, "max_n": max_n})


def _closest_other_length(lens: np.ndarray) -> np.ndarray:
    """For each document, the length of the other document closest to it in length, ties to the shorter
    (nltk's reference length): its own length when another document shares it, else the nearest distinct
    length below or above."""
    u, count = np.unique(lens, return_counts=True)
    p = np.searchsorted(u, lens)
    far = 2 * int(u[-1]) + 2  # farther than any length: stands for "no length on this side"
    below = np.where(p > 0, u[np.maximum(p - 1, 0)], -far)
    above = np.where(p + 1 < len(u), u[np.minimum(p + 1, len(u) - 1)], far)
    nearest = np.where(lens - below <= above - lens, below, above)
    return np.where(count[p] > 1, lens, nearest)


def _ngrams_within(flat: np.ndarray, doc: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The n-grams inside documents of ``flat`` (token ids, ``doc`` the document of each, in runs).

    Returns where each n-gram starts in ``flat``, the distinct n-grams as rows of ids (sorted) and each
    n-gram's row number among them (int64).
    """
    start = np.flatnonzero(doc[:len(doc) - n + 1] == doc[n - 1:]) if len(doc) >= n else np.zeros(0, np.int64)
    rows = np.stack([flat[start + j] for j in range(n)], axis=1)
    v = int(flat.max()) + 1 if len(flat) else 1
    if v ** n < PACK_LIMIT and (not len(flat) or int(flat.min()) >= 0):
        # each row packed into one int64 in the same (lexicographic) order: the same distinct rows and
        # row numbers as np.unique(rows, axis=0), whose sort of structured rows is ~30x slower
        u, code = np.unique(pack_rows(rows, v), return_inverse=True)
        grams = np.empty((len(u), n), dtype=rows.dtype)
        for j in range(n - 1, -1, -1):
            grams[:, j] = u % v
            u = u // v
        return start, grams, code.reshape(-1).astype(np.int64)
    grams, code = np.unique(rows, axis=0, return_inverse=True)
    return start, grams, code.reshape(-1).astype(np.int64)


def _clipped_matches(flat: np.ndarray, doc: np.ndarray, n: int, m: int) -> list[int]:
    """Per document: its n-grams' counts clipped by the largest count of each in any *other* document.

    ``flat``: the documents' token ids one after another; ``doc``: the document of each. The largest
    count among the others is the n-gram's largest count over all documents, or its second largest (ties
    counted twice) in the document holding the largest.
    """
    start, _, code = _ngrams_within(flat, doc, n)
    pair, count = np.unique(code * m + doc[start], return_counts=True)  # (n-gram, document) and its count
    gram, holder = pair // m, pair % m
    order = np.lexsort((holder, -count, gram))  # per n-gram: the largest count first
    gram, holder, count = gram[order], holder[order], count[order]
    first = np.ones(len(gram), dtype=bool)
    first[1:] = gram[1:] != gram[:-1]
    head = np.flatnonzero(first)
    top1 = count[head]
    top2 = np.zeros(len(head), dtype=np.int64)
    has2 = np.append(head[1:], len(gram)) - head > 1
    top2[has2] = count[head[has2] + 1]
    g = np.cumsum(first) - 1
    best_other = np.where(first, top2[g], top1[g])
    clipped = np.minimum(count, best_other)
    return np.bincount(holder, weights=clipped, minlength=m).astype(np.int64).tolist()


# -- self-repetition ----------------------------------------------------------------------------------
def self_repetition(
    docs_tokens: Sequence[Sequence[str]], *, n: int = 4, sample_size: int | None = 2000, random_state=None,
    top: int = 10,
) -> MetricResult:
    """Self-repetition (Salkar et al. 2022; Shaib et al. 2024): mean over documents of
    log(1 + sum over the document's distinct n-grams of the number of *other* documents containing it).

    On word tokens (punctuation dropped, so ". . . ." runs of an ellipsis do not count as phrases).

    0 when no document shares an n-gram with another; grows with cross-document repetition of long
    phrases; lower is better. Depends on the number of documents: compare at the same ``sample_size``.
    CI: normal approximation over documents. ``details["top_ngrams"]``: the ``top`` most widely shared
    n-grams (ties by the words). Counted with NumPy on token ids (:func:`_shared_ngrams`).
    """
    check_docs(docs_tokens)
    if n < 1 or (top is not None and top < 0):
        raise ValueError("n must be >= 1 and top >= 0")
    idx = _sample(docs_tokens, sample_size, random_state)
    sums, grams, df, vocab = _shared_ngrams(docs_tokens, idx, n)
    vals = np.array([math.log1p(s) for s in sums])  # exact integer sums, as a Python int sum gives them
    m = float(vals.mean())
    se = float(vals.std(ddof=1) / math.sqrt(len(vals))) if len(vals) > 1 else 0.0
    wide = np.flatnonzero(df > 1)
    if top and len(wide) > top:  # only the n-grams that can rank in the top are spelt out
        wide = wide[df[wide] >= np.sort(df[wide])[::-1][top - 1]]
    counts = {tuple(vocab[t] for t in grams[u].tolist()): int(df[u]) for u in wide.tolist()}
    shared = [{"ngram": " ".join(g), "docs": c} for g, c in top_counts(counts, top)]
    return MetricResult(m, ci=(m - 1.96 * se, m + 1.96 * se), n=len(idx), sampled=len(idx) < len(docs_tokens),
                        details={"n": n, "top_ngrams": shared})


def _shared_ngrams(docs_tokens, idx: list[int], n: int) -> tuple[list[int], np.ndarray, np.ndarray, list[str]]:
    """Word n-grams (punctuation dropped) of the documents ``idx``, counted by document.

    Returns, per document of ``idx``, the sum over its distinct n-grams of the number of *other* documents
    holding it (ints); the distinct n-grams as rows of token ids; how many documents hold each; the
    vocabulary of the ids. NumPy over :class:`TokenIds` (a list of token lists is encoded first).
    """
    ids = docs_tokens if isinstance(docs_tokens, TokenIds) else TokenIds.encode(docs_tokens)
    pos = np.asarray(idx, dtype=np.int64)
    flat, _ = ids.gather(pos)
    ids.per_document("words", is_word)
    keep = ids.vocab_mask("words")[flat]
    doc = np.repeat(np.arange(len(pos)), ids.lengths()[pos])[keep]
    toks = flat[keep]
    start, grams, code = _ngrams_within(toks, doc, n)
    pair = np.unique(code * len(pos) + doc[start])  # distinct (n-gram, document) pairs
    holders = pair // len(pos)
    df = np.bincount(holders, minlength=len(grams))
    sums = np.bincount(pair % len(pos), weights=df[holders] - 1, minlength=len(pos))
    return sums.astype(np.int64).tolist(), grams, df, ids.vocab


# -- boilerplate --------------------------------------------------------------------------------------
def opening(text: str, n: int = 3) -> str | None:
    """The first ``n`` lower-cased words of a text, or None if it has fewer."""
    w = words(text)[:n]
    return " ".join(w) if len(w) == n else None


def boilerplate_opening_rate(texts: Sequence[str], *, n: int = 3, random_state=None) -> MetricResult:
    """Probability that two random documents open with the same ``n`` words.

    Unbiased collision estimate sum_o c_o (c_o - 1) / (m (m - 1)) over openings o with counts c_o among
    the m documents that have ``n`` words, so it does not depend on the corpus size. 0..1; lower is
    better. One opening shared by a share p of documents alone gives about p^2 ("Sure, here's" in half
    the documents: 0.25). CI: delete-a-group jackknife. ``details["top"]``: most common openings.
    """
    check_docs(texts)
    each = texts.per_text(f"opening{n}", lambda t: opening(t, n)) if isinstance(texts, RankedTexts) else \
        (opening(t, n) for t in texts)
    opens = [o for o in each if o is not None]
    m = len(opens)
    if m < 2:
        return MetricResult(float("nan"), n=m, warnings=[f"fewer than two documents with {n} words"])
    codes = np.unique(np.array(opens), return_inverse=True)[1]

    def stat(ix: np.ndarray) -> float:
        c = np.bincount(codes[ix]).astype(float)
        return float((c * (c - 1)).sum() / (len(ix) * (len(ix) - 1)))

    counts = Counter(opens)
    top = [{"opening": o, "share": c / m} for o, c in top_counts(counts, 10) if c > 1]
    return MetricResult(stat(np.arange(m)), ci=jackknife_ci(stat, m, random_state=random_state), n=m,
                        details={"n": n, "max_share": top_counts(counts, 1)[0][1] / m, "top": top})


def _snippet(ws: list[str], pos: int, n: int, pad: int = 12) -> str:
    return " ".join(ws[max(0, pos - pad):pos + n + pad])[:300]


def boilerplate_examples(
    real: Sequence[tuple[str, str]], synth: Sequence[tuple[str, str]], *, n_open: int = 3, n_phrase: int = 4,
    top: int = 10, sample_size: int = 2000, random_state=None,
) -> dict:
    """Evidence for the report: the openings and phrases the synthetic corpus over-uses.

    ``real`` and ``synth`` are (id, text) pairs. Returns ``{"openings": [...], "phrases": [...]}``; each
    item has ``ngram``, ``real_share`` and ``synth_share`` (share of documents), ``ratio``
    (add-0.5-smoothed synth/real share) and up to three synthetic ``examples`` ({id, text}). Openings: the
    most common of each side; phrases: the ``n_phrase``-grams whose document share rises most.
    """
    check_docs(real)
    check_docs(synth)

    def prep(pairs):
        idx = seeded_order([t for _, t in pairs], random_state)[:sample_size]
        return [(pairs[i][0], pairs[i][1], words(pairs[i][1])) for i in idx]

    r, s = prep(real), prep(synth)

    def ratio(cs: int, cr: int) -> float:
        return ((cs + 0.5) / (len(s) + 1)) / ((cr + 0.5) / (len(r) + 1))

    def item(g: str, cr: int, cs: int, ex: list[dict]) -> dict:
        return {"ngram": g, "real_share": cr / len(r), "synth_share": cs / len(s), "ratio": ratio(cs, cr),
                "examples": ex[:3]}

    op_r = Counter(" ".join(w[:n_open]) for _, _, w in r if len(w) >= n_open)
    op_s = Counter(" ".join(w[:n_open]) for _, _, w in s if len(w) >= n_open)
    cand = [g for g, c in top_counts(op_s, top) if c > 1] + [g for g, c in top_counts(op_r, top // 2) if c > 1]
    openings = []
    for g in dict.fromkeys(cand):
        ex = [{"id": i, "text": t[:300]} for i, t, w in s if " ".join(w[:n_open]) == g]
        openings.append(item(g, op_r[g], op_s[g], ex))
    openings.sort(key=lambda d: -d["synth_share"])

    def doc_freq(rows):
        return Counter(g for _, _, w in rows for g in set(ngrams(w, n_phrase)))

    df_r, df_s = doc_freq(r), doc_freq(s)
    gain = sorted((g for g, c in df_s.items() if c > 1),
                  key=lambda g: (-(df_s[g] / len(s) - df_r[g] / len(r)), g))[:top]
    phrases = []
    for g in gain:
        ex = []
        for i, _, w in s:
            for p, h in enumerate(ngrams(w, n_phrase)):
                if h == g:
                    ex.append({"id": i, "text": _snippet(w, p, n_phrase)})
                    break
            if len(ex) >= 3:
                break
        phrases.append(item(" ".join(g), df_r[g], df_s[g], ex))
    return {"openings": openings, "phrases": phrases, "n_docs": {"real": len(r), "synth": len(s)}}
