"""Text normalisation and the one tokenizer that every lexical metric uses.

A *token* is a lower-cased (casefolded) word or punctuation mark; a *word* is a token with at least one
letter or digit. Words are found per script:

* scripts that separate words with spaces (Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Hangul...):
  runs of Unicode letters, digits, ``_`` and combining marks (so ``नमस्ते``, vowelled ``مَرْحَبًا`` and
  ``café`` written with a combining accent stay one word: Python's ``\\w`` alone cuts them at every
  mark), keeping inner apostrophes and zero-width (non-)joiners (``don't``, ``l’homme``, Persian
  ``می‌خواهم``);
* Chinese (a run of Han characters without kana): jieba's dictionary + HMM segmenter
  (``我来到北京清华大学`` -> 我 / 来到 / 北京 / 清华大学);
* Japanese (a run containing kana), Thai, Lao, Khmer, Myanmar: the ICU word break iterator (dictionary
  based, via ``icu4py``); without it, one token per character (documented fallback, never silent: see
  :func:`segmenter_names`).

Anything else is one token per user-perceived character (extended grapheme cluster): a punctuation mark,
or an emoji with its modifiers and joiners (``👍🏽``, ``👨‍👩‍👧``, ``🇫🇷``, ``❤️`` are one token each).
Hyphens, periods and commas split (``well-known`` -> ``well - known``, ``3.14`` -> ``3 . 14``); case is
folded (``Straße`` -> ``strasse``). ``tests/test_tokenizer.py`` pins the definition on hand-written cases.

Why these segmenters and what they cost is measured in ``benchmarks/tokenizer.py`` (results in
``benchmarks/tokenizer_results.md``). Text without any space-less script takes the regex path only, so
English tokenises exactly as before.
"""
from __future__ import annotations

import hashlib
import heapq
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

import regex

_WS = re.compile(r"\s+")
# Two spellings of one rule. The stdlib ``re`` one is exact for text without combining marks, joiners,
# emoji or other grapheme extenders (all English, most European text) and about 1.6x faster; the
# ``regex`` one (``\\p{M}``, ``\\X``) is used for every text that has one (:func:`token_pattern`).
_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]", re.UNICODE)
_WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
_W0 = r"[\p{L}\p{N}_]"  # what ``re``'s \w is (str.isalnum() or "_"); a word starts with one
_W = r"[\p{L}\p{N}_\p{M}]"  # and goes on with letters, digits and combining marks
_WORD_FULL = regex.compile(rf"{_W0}{_W}*(?:['’\u200c\u200d]{_W}+)*")
_TOKEN_FULL = regex.compile(rf"{_WORD_FULL.pattern}|(?![\p{{L}}\p{{N}}_\s])\X")
# What makes the two spellings differ: a combining mark or other grapheme extender, a joiner, a prepended
# mark, a regional indicator (flags) or an emoji.
_NEEDS_FULL = regex.compile(r"[\p{M}\p{Grapheme_Cluster_Break=Extend}\p{Grapheme_Cluster_Break=SpacingMark}"
                            r"\p{Grapheme_Cluster_Break=Prepend}\p{Grapheme_Cluster_Break=ZWJ}"
                            r"\p{Regional_Indicator}\p{Extended_Pictographic}]")
TOKEN_RE = _TOKEN  # the fast spelling (see token_pattern for the one that fits a given text)


def token_pattern(text: str):
    """The compiled token pattern (``finditer`` gives character offsets) that spells the rule for ``text``:
    the fast one when ``text`` has no combining mark, joiner or emoji, else the full one. It does not
    segment space-less scripts (Chinese, Japanese, Thai...): :func:`tokenize` does."""
    return _TOKEN if text.isascii() or not _NEEDS_FULL.search(text) else _TOKEN_FULL

# Scripts written without spaces between words (Unicode blocks). Han includes the CJK extensions and
# compatibility ideographs; kana includes half-width katakana and the prolonged sound mark.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_SEA = "\u0e00-\u0e7f\u0e80-\u0eff\u1780-\u17ff\u19e0-\u19ff\u1000-\u109f"  # Thai, Lao, Khmer, Myanmar
_SPACELESS = re.compile(f"[{_HAN}{_KANA}{_SEA}]+")
_HAS_KANA = re.compile(f"[{_KANA}]")
_HAS_SEA = re.compile(f"[{_SEA}]")


def normalize(text: str) -> str:
    """NFKC, casefold, collapse white space, strip: the key for exact-duplicate detection."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def text_hash(text: str) -> str:
    """A stable 16-hex-digit hash of the normalised text."""
    return normalized_hash(normalize(text))


def normalized_hash(normalized: str) -> str:
    """:func:`text_hash` of a text from its :func:`normalize` d form (when that is at hand already)."""
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).hexdigest()


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it announces its dictionary load on stderr otherwise
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


@lru_cache(maxsize=1)
def _icu_word_breaker():
    try:
        from icu4py.breakers import WordBreaker
    except ImportError:  # pragma: no cover - icu4py is a runtime dependency
        return None
    return WordBreaker


def segmenter_names() -> dict[str, str]:
    """Which segmenter each space-less script gets here (recorded in the report settings)."""
    return {"chinese": "jieba", "japanese_thai_lao_khmer_myanmar":
            "icu" if _icu_word_breaker() is not None else "characters (icu4py missing)"}


def _segment_run(run: str) -> list[str]:
    """Words of one run of space-less script characters."""
    if not _HAS_KANA.search(run) and not _HAS_SEA.search(run):
        return [w for w in _jieba().lcut(run) if not w.isspace()]
    breaker = _icu_word_breaker()
    if breaker is None:  # pragma: no cover
        return list(run)
    locale = "ja" if _HAS_KANA.search(run) else ""
    return [w for w in breaker(run, locale) if w and not w.isspace()]


def _split(text: str, pattern: re.Pattern) -> list[str]:
    """``pattern.findall`` outside space-less runs, a segmenter inside them, in text order."""
    if text.isascii():
        return pattern.findall(text)
    if _NEEDS_FULL.search(text):
        pattern = _TOKEN_FULL if pattern is _TOKEN else _WORD_FULL
    if not _SPACELESS.search(text):
        return pattern.findall(text)
    out: list[str] = []
    pos = 0
    for m in _SPACELESS.finditer(text):
        out.extend(pattern.findall(text, pos, m.start()))
        out.extend(_segment_run(m.group()))
        pos = m.end()
    out.extend(pattern.findall(text, pos))
    return out


def tokenize(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens (``"Don't stop."`` -> ``["don't", "stop", "."]``),
    script-aware: Chinese, Japanese, Thai... are segmented into words (see the module docstring)."""
    return _split(text.casefold(), _TOKEN)


def words(text: str) -> list[str]:
    """Lower-cased word tokens only (no punctuation), script-aware like :func:`tokenize`."""
    return _split(text.casefold(), _WORD)


def ngrams(tokens: list[str], n: int) -> Iterator[tuple[str, ...]]:
    """Contiguous n-grams of a token list."""
    return zip(*(tokens[i:] for i in range(n)))


def tokenize_all(texts: Iterable[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]


def top_counts(counts, k: int | None = None) -> list:
    """``Counter.most_common`` with ties broken by the key, so the order never depends on hashing
    (string hashes differ between processes, and reports must be byte-identical)."""
    def key(kv):
        return -kv[1], kv[0]

    if k is None or k < 0:
        return sorted(counts.items(), key=key)[:k]
    # the k first of that order without sorting them all (heapq documents it as sorted(...)[:k])
    return heapq.nsmallest(k, counts.items(), key=key)
