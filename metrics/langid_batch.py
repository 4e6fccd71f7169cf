"""py3langid over a batch of texts at once, with the same answers as one text at a time.

py3langid walks its byte automaton in a Python loop, one byte at a time, per text (about a third of a
headline's language identification). Here the automaton steps every text of a batch together: one array
operation per byte position, over the texts still that long. The scores are then computed as
``LanguageIdentifier.classify`` computes them: each text's naive Bayes product on its own (the features in
the order they were first seen, the same vector-matrix product on the same values), the softmax and the
decision on all texts' rows at once, elementwise. So the labels and confidences are equal to the last bit
(``tests/test_language_batch.py``).
"""
from __future__ import annotations

import math

import numpy as np


def automaton_tables(ident) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The identifier's byte automaton as arrays: (next state table, row offsets, feature of each state)."""
    return (np.asarray(ident.tk_nextmove, dtype=np.int64), np.asarray(ident._rowbase, dtype=np.int64),
            np.asarray(ident.tk_output, dtype=np.int64))


def classify_many(ident, texts: list[str], tables=None) -> list[tuple[str, float]]:
    """``ident.classify(t)`` of each text (a normalised-probability ``LanguageIdentifier``): (label,
    confidence). ``tables``: :func:`automaton_tables` of ``ident``, when the caller keeps them."""
    if not texts:
        return []
    nextmove, rowbase, output = tables or automaton_tables(ident)
    enc = [ident._encode(t) for t in texts]
    lengths = np.fromiter((len(b) for b in enc), np.int64, count=len(enc))
    order = np.argsort(-lengths, kind="stable")  # longest first: the texts still walking are a prefix
    ls = lengths[order]
    width = int(ls[0])
    buf = np.zeros((len(enc), max(width, 1)), np.int64)
    flat = np.frombuffer(b"".join(enc[i] for i in order), np.uint8)
    buf[np.repeat(np.arange(len(enc)), ls), np.arange(len(flat)) - np.repeat(np.cumsum(ls) - ls, ls)] = flat
    alive = len(enc) - np.cumsum(np.bincount(ls, minlength=width + 1))  # alive[t]: texts longer than t
    state = np.zeros(len(enc), np.int64)
    docs, feats = [], []
    for t in range(width):
        a = int(alive[t])
        s = nextmove[rowbase[state[:a]] + buf[:a, t]]
        state[:a] = s
        f = output[s]
        hit = np.flatnonzero(f >= 0)
        if len(hit):
            docs.append(hit)
            feats.append(f[hit])
    hd = np.concatenate(docs) if docs else np.zeros(0, np.int64)
    hf = np.concatenate(feats) if feats else np.zeros(0, np.int64)
    by_doc = np.argsort(hd, kind="stable")  # per text, its features in the order the walk met them
    conf, best = _decide_rows(ident, hd[by_doc], hf[by_doc], ls)
    classes, floor = ident.nb_classes, ident.min_confidence
    out: list[tuple[str, float]] = [("", 0.0)] * len(enc)
    for r, j in enumerate(order.tolist()):
        c = float(conf[r])
        out[j] = ("und", c) if floor is not None and c < floor else (str(classes[best[r]]), c)
    return out


CHUNK = 256  # texts whose feature rows are gathered from the model's table at once


def _decide_rows(ident, docs: np.ndarray, feats: np.ndarray, n_bytes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """py3langid's ``_decide`` + ``classify`` for every walked text at once: (confidence, class index) per
    row of ``n_bytes`` (each text's encoded length). ``docs`` / ``feats``: the features each row's walk met,
    rows ascending and each row's features in the order met.

    Each row's naive Bayes score is py3langid's ``_sparse_score``, ``log1p(counts) @ nb_ptc[features] +
    nb_pc`` with the features in first-seen order: the same vector-matrix product on the same values, one
    call per row, so the same float32 sums. Everything after it is elementwise, or per row (max, sum,
    argmax), so it runs on all rows at once with the same results (``tests/test_language_batch.py``)."""
    n = len(n_bytes)
    scores = np.zeros((n, len(ident.nb_classes)), np.float32)  # a row without features: py3langid's zeros
    if len(feats):
        # each row's distinct features in first-seen order, and how often each was seen (its Counter)
        key = docs * (int(feats.max()) + 1) + feats
        by_key = np.argsort(key, kind="stable")
        starts = np.flatnonzero(np.r_[True, key[by_key][1:] != key[by_key][:-1]])
        counts = np.diff(np.r_[starts, len(key)])
        first = by_key[starts]  # where each (row, feature) was first seen
        seen = np.argsort(first, kind="stable")
        first, counts = first[seen], counts[seen]
        logc, uf = np.log1p(counts.astype(np.float32)), feats[first]
        bounds = np.searchsorted(docs[first], np.arange(n + 1)).tolist()
        table, prior = ident.nb_ptc, ident.nb_pc
        for c0 in range(0, n, CHUNK):
            c1 = min(n, c0 + CHUNK)
            b0 = bounds[c0]
            rows = table[uf[b0:bounds[c1]]]
            for r in range(c0, c1):
                s, e = bounds[r], bounds[r + 1]
                if e > s:
                    np.add(logc[s:e] @ rows[s - b0:e - b0], prior, out=scores[r])
    # T = sqrt(bytes), as py3langid's _decide: each factor rounded to float32 as its in-place multiply does
    scores *= np.array([1.0 / math.sqrt(int(b) or 1) for b in n_bytes.tolist()], np.float32)[:, None]
    np.exp(scores - scores.max(axis=1, keepdims=True), out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    for i, j in ident._alias_pairs:
        scores[:, i] += scores[:, j]
        scores[:, j] = 0.0
    best = scores.argmax(axis=1)
    return scores[np.arange(n), best], best
