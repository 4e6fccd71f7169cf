"""py3langid over a batch of texts at once, with the same answers as one text at a time.

py3langid walks its byte automaton in a Python loop, one byte at a time, per text (about a third of a
headline's language identification). Here the automaton steps every text of a batch together: one array
operation per byte position, over the texts still that long. Each text's scores are then computed exactly
as ``LanguageIdentifier.classify`` computes them (the features in the order they were first seen, the same
array operations on the same values), so the labels and confidences are equal to the last bit
(``tests/test_language_batch.py``).
"""
from __future__ import annotations

import math
from collections import Counter

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
    bounds = np.searchsorted(hd[by_doc], np.arange(len(enc) + 1))
    hf = hf[by_doc].tolist()
    out: list[tuple[str, float]] = [("", 0.0)] * len(enc)
    for r, j in enumerate(order.tolist()):
        out[j] = _decide(ident, hf[bounds[r]:bounds[r + 1]], int(ls[r]))
    return out


def _decide(ident, feats: list[int], n_bytes: int) -> tuple[str, float]:
    """py3langid's ``_decide`` + ``classify`` (normalised probabilities) from the features a walk met."""
    visits = Counter(feats)
    if visits:
        scores = ident._sparse_score(visits, ident.nb_ptc)
    else:
        scores = np.full(len(ident.nb_classes), 0.0, dtype=np.float32)
    scores *= 1.0 / math.sqrt(n_bytes or 1)
    np.exp(scores - scores.max(), out=scores)
    scores /= scores.sum()
    for i, j in ident._alias_pairs:
        scores[i] += scores[j]
        scores[j] = 0.0
    i = int(scores.argmax())
    conf = float(scores[i])
    if ident.min_confidence is not None and conf < ident.min_confidence:
        return "und", conf
    return str(ident.nb_classes[i]), conf
