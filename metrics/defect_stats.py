"""Counting defects over a whole corpus: every document once, mergeable, independent of order.

:func:`document_defects` runs every detector of :mod:`metrics.defects` and :mod:`metrics.defect_phrases` on
one text. :class:`DefectCounts` streams documents through it and keeps, per defect, eight counts (the low
three bits of the document's content hash put it in one of eight buckets; :func:`balanced_splits` pairs the
buckets into seven orthogonal half-vs-half splits of the corpus, whose gaps are the noise floor), a histogram
of token lengths per bucket (for pile-ups at a length cap) and a few examples, chosen by the smallest content hash so
that any partition and merge order keeps the same ones. Memory does not grow with the corpus apart from
the length histogram (one entry per distinct length).
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from metrics.defect_phrases import PhraseSet, phrase_set
from metrics.defects import (
    cut_ending, dangling_ending, end_loop, escape_artifact, formatting_spans, gopher_failures, gopher_tokens,
    gopher_repetition, mojibake, repeated_span, replacement_char,
)

Span = tuple[int, int]
DEGENERATION = ("repeated_lines", "repeated_paragraphs", "repeated_ngrams", "end_loop")
TRUNCATION = ("cut_ending",)
PHRASES = ("refusal", "preamble", "signoff", "chat", "leftover")  # chat: a preamble or a sign-off
ENCODING = ("mojibake", "escape_artifact", "replacement_char")
FORMATTING = ("markdown_header", "markdown_list", "markdown_bold", "code_fence", "emoji", "url", "mention",
              "hashtag")
DEFECTS = DEGENERATION + TRUNCATION + PHRASES + ENCODING + FORMATTING
_LINE_RULES = {"dup_line_frac", "dup_line_char_frac"}
_PARA_RULES = {"dup_para_frac", "dup_para_char_frac"}

EXAMPLES = 5  # kept per defect and corpus
CONTEXT = 120  # characters shown either side of the offending part
MAX_MARK = 300  # characters of the offending part shown
MAX_LENGTH_KEY = 1_000_000


@dataclass(frozen=True)
class DocumentDefects:
    """What one document shows: defect -> first offending span (or None), Gopher rules broken, tokens."""

    spans: dict[str, Span | None]
    gopher: tuple[str, ...]
    n_tokens: int
    dangling: bool


def document_defects(text: str, phrases: PhraseSet | None = None) -> DocumentDefects:
    """Run every detector on one text (pure; ``phrases`` defaults to the shipped lists)."""
    phrases = phrases or _default_set()
    words = gopher_tokens(text)
    rules = tuple(gopher_failures(gopher_repetition(text, words))) if text and _may_repeat(text, words) else ()
    spans: dict[str, Span | None] = dict.fromkeys(DEFECTS)
    if rules:  # most documents break none
        if _LINE_RULES.intersection(rules):
            spans["repeated_lines"] = repeated_span(text, "line") or (0, len(text))
        if _PARA_RULES.intersection(rules):
            spans["repeated_paragraphs"] = repeated_span(text, "paragraph") or (0, len(text))
        if any(r.startswith(("top_", "duplicated_")) for r in rules):
            spans["repeated_ngrams"] = repeated_span(text, "ngram") or (0, len(text))
    spans["end_loop"] = end_loop(text, words=words)
    cut = cut_ending(text)
    spans["cut_ending"] = cut
    spans.update(phrases.spans(text))
    spans["chat"] = spans["preamble"] or spans["signoff"]
    spans["mojibake"] = mojibake(text)
    spans["escape_artifact"] = escape_artifact(text)
    spans["replacement_char"] = replacement_char(text)
    spans.update(formatting_spans(text))
    return DocumentDefects(spans, rules, len(words), cut is not None and dangling_ending(text))


def _may_repeat(text: str, words: list[str]) -> bool:
    """False when no Gopher repetition rule can fire, so the measures need not be computed: a single line
    (no repeated line or paragraph) without any word bigram seen twice (then no 2-, 3- or 4-gram repeats,
    and no 5- to 10-gram is duplicated); every rule needs a fraction above a positive limit."""
    return "\n" in text or len(set(zip(words, words[1:]))) < len(words) - 1


_DEFAULT: list[PhraseSet] = []


def _default_set() -> PhraseSet:
    if not _DEFAULT:
        _DEFAULT.append(phrase_set())
    return _DEFAULT[0]


BUCKETS = 8  # content-hash buckets; a power of two, for balanced_splits


def balanced_splits(buckets: int = BUCKETS) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The ``buckets - 1`` half-vs-half splits of the rows of a Sylvester-Hadamard matrix: split ``i`` puts
    bucket ``j`` in half B when ``popcount(i & j)`` is odd, in half A otherwise.

    Every split is 4 buckets against 4 (for 8), and the splits are orthogonal contrasts: with buckets of equal
    size and independent documents, their gaps are uncorrelated, so ``buckets - 1`` gaps carry that many
    degrees of freedom (35 arbitrary 4-of-8 splits would carry no more). Split 1 is odd against even buckets,
    i.e. the low bit of the content hash.
    """
    if buckets < 2 or buckets & (buckets - 1):
        raise ValueError(f"buckets must be a power of two >= 2, got {buckets}")
    out = []
    for i in range(1, buckets):
        b = tuple(j for j in range(buckets) if bin(i & j).count("1") % 2)
        a = tuple(j for j in range(buckets) if j not in b)
        out.append((a, b))
    return out


def _content_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8,
                                          person=b"defects").digest(), "big")


def excerpt(text: str, span: Span, *, context: int = CONTEXT, max_mark: int = MAX_MARK) -> dict:
    """A window of ``text`` around ``span``: ``{"text", "span"}`` with the span relative to the window, and
    whether text was cut before (``cut_before``) or after (``cut_after``)."""
    a, b = span
    b = min(b, a + max_mark)
    lo, hi = max(0, a - context), min(len(text), b + context)
    return {"text": text[lo:hi], "span": [a - lo, b - lo], "cut_before": lo > 0, "cut_after": hi < len(text)}


def _keep(examples: list, item: tuple, k: int) -> list:
    """The ``k`` items ``(hash, id, excerpt)`` with the smallest hashes, one per hash: identical texts count
    once, as the one with the smallest id, so that no order of documents or merges changes the choice."""
    merged = {e[0]: e for e in examples}
    old = merged.get(item[0])
    if old is None or item[1] < old[1]:
        merged[item[0]] = item
    return sorted(merged.values(), key=lambda e: e[:2])[:k]


class DefectCounts:
    """Whole-corpus defect counts (``add(doc)``, ``merge(other)``), picklable and order-free.

    ``n[h]`` documents and ``counts[defect][h]`` documents with the defect in bucket ``h`` (0..7, the low
    three bits of the content hash); ``gopher`` counts the Gopher rules broken; ``lengths[h]`` maps a token length
    to its number of documents; ``examples[defect]`` keeps (hash, id, excerpt) of the documents with the
    smallest hashes; ``length_examples`` one document ending per length.
    """

    def __init__(self, phrases: PhraseSet | None = None, *, examples: int = EXAMPLES):
        self.phrases = phrases
        self.k = examples
        self.n = [0] * BUCKETS
        self.counts = {d: [0] * BUCKETS for d in DEFECTS}
        self.dangling = [0] * BUCKETS
        self.gopher: Counter = Counter()
        self.lengths = [Counter() for _ in range(BUCKETS)]  # per bucket: token length -> documents
        self.examples: dict[str, list] = {d: [] for d in DEFECTS}
        self.length_examples: dict[int, tuple] = {}

    def configure(self, options: dict) -> None:
        """Read the user's extra phrases (``options["defect_phrases"]``) before the first document."""
        extra = (options or {}).get("defect_phrases")
        if extra:
            self.phrases = phrase_set(extra)

    @property
    def n_docs(self) -> int:
        return sum(self.n)

    def add(self, doc) -> None:
        text = doc.text
        h = _content_hash(text)
        bucket = h & (BUCKETS - 1)
        found = document_defects(text, self.phrases)
        self.n[bucket] += 1
        for d, span in found.spans.items():
            if span is not None:
                self.counts[d][bucket] += 1
                if len(self.examples[d]) < self.k or (h, str(doc.id)) < self.examples[d][-1][:2]:
                    self.examples[d] = _keep(self.examples[d], (h, str(doc.id), excerpt(text, span)), self.k)
        self.dangling[bucket] += found.dangling
        if found.gopher:
            self.gopher.update(found.gopher)
        length = min(found.n_tokens, MAX_LENGTH_KEY)
        self.lengths[bucket][length] += 1
        old = self.length_examples.get(length)
        if old is None or (h, str(doc.id)) < old[:2]:
            self.length_examples[length] = (h, str(doc.id), text[-200:])

    def merge(self, other: "DefectCounts") -> "DefectCounts":
        if self.phrases != other.phrases:
            raise ValueError("cannot merge defect counts made with different phrase lists")
        out = DefectCounts(self.phrases, examples=max(self.k, other.k))
        out.n = [a + b for a, b in zip(self.n, other.n)]
        out.counts = {d: [a + b for a, b in zip(self.counts[d], other.counts[d])] for d in DEFECTS}
        out.dangling = [a + b for a, b in zip(self.dangling, other.dangling)]
        out.gopher = self.gopher + other.gopher
        out.lengths = [a + b for a, b in zip(self.lengths, other.lengths)]
        for d in DEFECTS:
            items = self.examples[d]
            for e in other.examples[d]:
                items = _keep(items, e, out.k)
            out.examples[d] = items
        out.length_examples = dict(self.length_examples)
        for length, e in other.length_examples.items():
            if length not in out.length_examples or e[:2] < out.length_examples[length][:2]:
                out.length_examples[length] = e
        return out


def length_pile_up(lengths: dict[int, int], *, width: float = 0.10, min_length: int = 20,
                   max_above: float = 0.01) -> dict:
    """Documents piled up just below a length cap, from a histogram ``length -> documents``.

    For each candidate cap ``c`` (a length with at most ``max_above`` of the documents longer than it), the
    excess is the number of documents in ``(c(1 - width), c]`` minus those in the equally wide window just
    below. A natural length distribution thins out towards its longest documents (excess near 0); text
    generated up to a token limit piles up there (Rae et al. 2021 and datatrove filter such documents by
    length; here the spike itself is measured). Lengths in word-and-punctuation tokens, which differ from a
    model's subword tokens by a few percent, hence the window.

    Returns ``{"share", "excess", "cap", "window": [lo, hi], "n"}``; ``share`` = excess / documents (0..1,
    lower is better), 0 with ``cap`` None when no candidate piles up.
    """
    n = sum(lengths.values())
    out = {"share": 0.0, "excess": 0, "cap": None, "window": None, "n": n}
    if n == 0:
        return out
    keys = sorted(lengths)
    above = 0
    cum_above = {}
    for key in reversed(keys):
        cum_above[key] = above
        above += lengths[key]

    def docs_in(lo: float, hi: float) -> int:
        return sum(v for k, v in lengths.items() if lo < k <= hi)

    best = 0
    for c in keys:
        if c < min_length or cum_above[c] > max_above * n:
            continue
        lo = c * (1 - width)
        excess = docs_in(lo, c) - docs_in(lo - c * width, lo)
        if excess > best:
            best = excess
            out.update(excess=excess, cap=c, window=[int(lo) + 1, c])
    out["share"] = best / n
    return out
