"""Defects of generated text, one document at a time: degeneration, truncation, encoding damage, formatting.

Every detector is a pure function of one text that returns the character span of the offending part (for
the report to highlight) or ``None``. :func:`document_defects` runs them all; the whole-corpus counting
lives in :mod:`metrics.defect_stats`, the phrase lists (refusals, preambles, leftovers) in
:mod:`metrics.defect_phrases`.

Repetition follows the Gopher quality rules (Rae et al. 2021, *Scaling Language Models*, Table A1) exactly
as datatrove's ``GopherRepetitionFilter`` computes them (tested against datatrove on the same texts), with
one deliberate difference in the *flag*: datatrove counts the most frequent n-gram even when it occurs
once, so every document under ~15 words fails its top-3-gram rule; here a top n-gram must repeat.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from itertools import accumulate

from metrics.text import token_pattern

Span = tuple[int, int]

# --- within-document repetition (Gopher, Rae et al. 2021, Table A1; datatrove's defaults) -------------
GOPHER_LINE_FRAC, GOPHER_LINE_CHAR_FRAC = 0.30, 0.20
GOPHER_PARA_FRAC, GOPHER_PARA_CHAR_FRAC = 0.30, 0.20
GOPHER_TOP_NGRAMS = ((2, 0.20), (3, 0.18), (4, 0.16))
GOPHER_DUP_NGRAMS = ((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10))

_PARA_SPLIT = re.compile(r"\n{2,}")
_LINE_SPLIT = re.compile(r"\n+")


def gopher_tokens(text: str) -> list[str]:
    """The tokens the Gopher rules and the loop detector count: :mod:`metrics.text`'s token rule (words with
    their combining marks and inner apostrophes, one token per punctuation mark or emoji), with case kept
    (datatrove's Gopher filter compares words as written) and space-less scripts not segmented (these
    rules run over every document while it streams, and their spans must map back to character offsets;
    a Chinese clause counts as one token here, as in datatrove without a Chinese tokenizer)."""
    return token_pattern(text).findall(text)


def _duplicates(parts: list[str]) -> tuple[int, int]:
    """(elements seen before, their characters): datatrove's ``find_duplicates``."""
    seen: set[str] = set()
    n = chars = 0
    for p in parts:
        if p in seen:
            n += 1
            chars += len(p)
        else:
            seen.add(p)
    return n, chars


def _dup_ngram_chars(words: list[str], n: int, joined: tuple[str, list[int]] | None = None) -> int:
    """Characters in n-grams that repeat an earlier one, skipping past each repeat: datatrove's
    ``find_all_duplicate`` (n-grams joined without spaces, as there). ``joined``: the words joined without
    spaces and each word's offset in that string (:func:`_joined`), when already made; n-gram ``i`` is then the
    slice between the offsets of words ``i`` and ``i + n``, the same string as ``"".join(words[i:i + n])``."""
    text, off = joined or _joined(words)
    seen: set[str] = set()
    chars = i = 0
    last = len(words) - n + 1
    while i < last:
        g = text[off[i]:off[i + n]]
        if g in seen:
            chars += len(g)
            i += n
        else:
            seen.add(g)
            i += 1
    return chars


def _joined(words: list[str]) -> tuple[str, list[int]]:
    """``"".join(words)`` and the offset where each word starts in it, with the end as a last offset."""
    return "".join(words), list(accumulate(map(len, words), initial=0))


def gopher_repetition(text: str, words: list[str] | None = None) -> dict[str, float]:
    """The Gopher repetition measures of one document, each a fraction in 0..1 (lower is better).

    ``dup_para_frac`` / ``dup_line_frac``: paragraphs (split on blank lines) / lines that repeat an earlier
    one, over all of them; ``dup_para_char_frac`` / ``dup_line_char_frac``: their characters over the
    document's; ``top_{n}_gram_char_frac`` (n = 2, 3, 4): characters of the most frequent word n-gram times
    its count; ``dup_{n}_gram_char_frac`` (n = 5..10): characters in repeated n-grams. Rae et al. 2021,
    Table A1, computed as datatrove's ``GopherRepetitionFilter`` does; ``top_{n}_gram_count`` says how often
    the top n-gram occurs. ``words``: the text's tokens, when already split (:func:`gopher_tokens`). An
    empty text gives all zeros.

    One shortcut: without any repeated 5-gram of words, the 5..10-gram fractions are 0 without being
    counted. datatrove joins n-grams without spaces, so it could still see a repeat where word boundaries
    differ ("ab c" / "a bc"); natural text never showed one in our tests.
    """
    out: dict[str, float] = {}
    if not text:
        return dict.fromkeys(_GOPHER_KEYS, 0.0)
    size = len(text)
    paras = _PARA_SPLIT.split(text.strip())
    n, chars = _duplicates(paras)
    out["dup_para_frac"], out["dup_para_char_frac"] = n / len(paras), chars / size
    lines = _LINE_SPLIT.split(text)
    n, chars = _duplicates(lines)
    out["dup_line_frac"], out["dup_line_char_frac"] = n / len(lines), chars / size
    words = gopher_tokens(text) if words is None else words
    for k, _ in GOPHER_TOP_NGRAMS:
        grams = Counter(zip(*(words[i:] for i in range(k))))  # tuples: words hold no spaces, so equal to
        if grams:  # datatrove's " ".join; ties go to the first seen, as Counter.most_common
            gram, count = grams.most_common(1)[0]
            chars = sum(map(len, gram)) + k - 1
            out[f"top_{k}_gram_char_frac"], out[f"top_{k}_gram_count"] = chars * count / size, float(count)
        else:
            out[f"top_{k}_gram_char_frac"], out[f"top_{k}_gram_count"] = 0.0, 0.0
    fives = list(zip(*(words[i:] for i in range(5))))
    repeats = len(set(fives)) < len(fives)
    joined = _joined(words) if repeats else None
    for k, _ in GOPHER_DUP_NGRAMS:
        out[f"dup_{k}_gram_char_frac"] = _dup_ngram_chars(words, k, joined) / size if repeats else 0.0
    return out


_GOPHER_KEYS = (["dup_para_frac", "dup_para_char_frac", "dup_line_frac", "dup_line_char_frac"]
                + [f"top_{k}_gram_{s}" for k, _ in GOPHER_TOP_NGRAMS for s in ("char_frac", "count")]
                + [f"dup_{k}_gram_char_frac" for k, _ in GOPHER_DUP_NGRAMS])


def gopher_failures(m: dict[str, float]) -> list[str]:
    """The Gopher rules a document breaks (datatrove's rejection reasons), top n-grams only when repeated."""
    out = []
    if m["dup_para_frac"] > GOPHER_PARA_FRAC:
        out.append("dup_para_frac")
    if m["dup_para_char_frac"] > GOPHER_PARA_CHAR_FRAC:
        out.append("dup_para_char_frac")
    if m["dup_line_frac"] > GOPHER_LINE_FRAC:
        out.append("dup_line_frac")
    if m["dup_line_char_frac"] > GOPHER_LINE_CHAR_FRAC:
        out.append("dup_line_char_frac")
    for k, limit in GOPHER_TOP_NGRAMS:
        if m[f"top_{k}_gram_char_frac"] > limit and m[f"top_{k}_gram_count"] >= 2:
            out.append(f"top_{k}_gram")
    for k, limit in GOPHER_DUP_NGRAMS:
        if m[f"dup_{k}_gram_char_frac"] > limit:
            out.append(f"duplicated_{k}_n_grams")
    return out


def _second_occurrence(text: str, parts: list[str]) -> Span | None:
    """The span of the first part (line or paragraph) that repeats an earlier one."""
    seen: set[str] = set()
    pos = 0
    for p in parts:
        start = text.find(p, pos) if p else pos
        if p.strip() and p in seen:
            return (start, start + len(p))
        seen.add(p)
        pos = start + len(p)
    return None


def repeated_span(text: str, kind: str) -> Span | None:
    """Where a ``"line"`` / ``"paragraph"`` first repeats, or (``"ngram"``) the first repeated 5-gram."""
    if kind == "line":
        return _second_occurrence(text, _LINE_SPLIT.split(text))
    if kind == "paragraph":
        return _second_occurrence(text, _PARA_SPLIT.split(text))
    toks = [(m.group(), m.start(), m.end()) for m in token_pattern(text).finditer(text)]
    seen: set[tuple[str, ...]] = set()
    for i in range(len(toks) - 4):
        g = tuple(t[0] for t in toks[i:i + 5])
        if g in seen:
            return (toks[i][1], toks[i + 4][2])
        seen.add(g)
    return None


# --- loops at the end ---------------------------------------------------------------------------------
LOOP_MAX_PERIOD = 64  # tokens in the repeated unit
LOOP_MIN_REPEATS = 3
LOOP_MIN_TOKENS = 12


def end_loop(text: str, *, words: list[str] | None = None, max_period: int = LOOP_MAX_PERIOD,
             min_repeats: int = LOOP_MIN_REPEATS, min_tokens: int = LOOP_MIN_TOKENS) -> Span | None:
    """The span of a loop the document ends in, or None.

    A loop: the last tokens are one unit of 1..``max_period`` tokens repeated back to back at least
    ``min_repeats`` times (the last copy may be cut short), over at least ``min_tokens`` tokens, the way
    greedy decoding degenerates (Holtzman et al., ICLR 2020). Tokens are words and punctuation marks,
    compared without case; ``words``: the text's tokens when already split.
    """
    toks = gopher_tokens(text) if words is None else words
    n = len(toks)
    best = 0
    for p in range(1, min(max_period, n // min_repeats) + 1):
        j = n - 1
        while j - p >= 0 and (toks[j] == toks[j - p] or toks[j].casefold() == toks[j - p].casefold()):
            j -= 1
        covered = (n - 1 - j) + p  # tokens inside the loop
        if covered // p >= min_repeats and covered >= min_tokens and covered > best:
            best = covered
    if not best:
        return None
    starts = [m.start() for m in token_pattern(text).finditer(text)]
    return (starts[n - best], len(text.rstrip()))


# --- truncation ------------------------------------------------------------------------------------------
# Sentence-final marks in many scripts: Latin, CJK full-width, Arabic/Urdu, Devanagari, Armenian, Ethiopic...
_FINAL = set(".!?…。！？｡‼⁇⁈⁉؟۔।॥։።")
_CLOSERS = set("\"'”’»)]}›」』】〉》）")
_OPEN_PUNCT = ",;:-–—([{«“‘/&+="  # a last character that leaves the sentence open
_OPEN_WORD_LIST = ("and", "or", "but", "the", "a", "an", "of", "to", "with", "for", "in", "that", "which",
                   "y", "o", "de", "la", "el", "et", "ou", "le", "und", "oder", "der", "die", "das", "e", "di", "il",
                   "и", "в", "что")  # a last word that cannot end a sentence
_OPEN_END = re.compile("[" + re.escape(_OPEN_PUNCT) + r"]$|\b(?:" + "|".join(_OPEN_WORD_LIST) + ")$", re.IGNORECASE)
_OPEN_WORDS = frozenset(w for w in _OPEN_WORD_LIST if w.isascii())
_LAST_WORD = re.compile(r"\S+$")
_TAIL_OK = re.compile(r"(?:```|https?://\S+|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]|#\w+|@\w+)\s*$")


def cut_ending(text: str) -> Span | None:
    """The span of the last word when the document stops mid-sentence, else None.

    A document is cut when its last character, after closing quotes and brackets, is not sentence-final
    punctuation in any script (``. ! ? … 。 ！ ？ ؟ ۔ । ॥``) and the text does not end in a code fence,
    a URL, an emoji, a hashtag or a mention. Titles and list items that end without a full stop count too;
    read the rate against the real corpus's. ``details`` of the row separate the strongest sign: a last
    word that cannot end a sentence (a comma, a hyphen, "and", "the", "de", "und"...).
    """
    stripped = text.rstrip()
    if not stripped:
        return None
    tail = stripped[-300:]
    # every _TAIL_OK alternative needs "`", "http", "#", "@" or a non-ASCII character (an emoji): most
    # texts have none of them and skip the search
    if (not tail.isascii() or "`" in tail or "http" in tail or "#" in tail or "@" in tail) and _TAIL_OK.search(tail):
        return None
    i = len(stripped)
    while i > 0 and stripped[i - 1] in _CLOSERS:
        i -= 1
    if i > 0 and stripped[i - 1] in _FINAL:
        return None
    m = _LAST_WORD.search(stripped[-300:])
    return (len(stripped) - len(m.group()), len(stripped)) if m else None


def dangling_ending(text: str) -> bool:
    """True when the last word is one that cannot end a sentence (conjunction, article, comma, hyphen).

    :data:`_OPEN_END` decides; an ASCII last word is looked up instead of searched for (the same answer:
    the regular expression can only match the whole run of word characters at the end, and on ASCII its
    case-insensitive match is ``str.lower``; 12 µs -> ~1 µs a headline, ``tests/test_defects_shortcut.py``)."""
    tail = text.rstrip()[-40:]
    if not tail:
        return False
    if tail[-1] in _OPEN_PUNCT:
        return True
    i = len(tail)
    while i and (tail[i - 1].isalnum() or tail[i - 1] == "_"):  # re's \w: alphanumeric or the underscore
        i -= 1
    word = tail[i:]
    if not word:
        return False
    if word.isascii():
        return word.lower() in _OPEN_WORDS
    return bool(_OPEN_END.search(tail))  # a non-ASCII last word: Unicode case folding is the regex's


# --- encoding damage -------------------------------------------------------------------------------------
_ESCAPES = re.compile(
    r"<U\+[0-9A-Fa-f]{4,8}>"            # R's and some exporters' code-point literals: <U+0001F62D>
    r"|\\U[0-9A-Fa-f]{8}|\\u[0-9A-Fa-f]{4}"  # JSON / Python escapes left as text
    r"|\\x[0-9A-Fa-f]{2}"
    r"|&(?:#[0-9]{2,7}|#[xX][0-9A-Fa-f]{2,6}|amp|lt|gt|quot|apos|nbsp);")  # HTML entities left in text


def escape_artifact(text: str) -> Span | None:
    """The first literal escape left in the text (``<U+0001F62D>``, ``\\u00e9``, ``&amp;``, ``&#39;``), or None."""
    if "<U+" not in text and "\\" not in text and "&" not in text:
        return None
    m = _ESCAPES.search(text)
    return m.span() if m else None


def replacement_char(text: str) -> Span | None:
    """The first U+FFFD REPLACEMENT CHARACTER (bytes lost in a decode), or None."""
    i = text.find("\ufffd")
    return None if i < 0 else (i, i + 1)


def mojibake(text: str) -> Span | None:
    """The first mojibake sequence ftfy recognises (UTF-8 read as Latin-1/cp1252: ``cafÃ©``, ``donâ€™t``)."""
    from ftfy.badness import BADNESS_RE, is_bad

    if text.isascii() or not is_bad(text):  # ASCII cannot hold mojibake
        return None
    m = BADNESS_RE.search(text)
    return m.span() if m else (0, min(len(text), 1))


def _code_point(m: re.Match) -> str:
    try:
        return chr(int(m.group(1), 16))
    except (ValueError, OverflowError):
        return m.group()


_UPLUS = re.compile(r"<U\+([0-9A-Fa-f]{4,8})>")
_BACKSLASH_U = re.compile(r"\\U([0-9A-Fa-f]{8})|\\u([0-9A-Fa-f]{4})")
_SURROGATES = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def repair_escapes(text: str) -> str:
    """The text with literal escapes turned back into the characters they stand for.

    ``<U+0001F62D>`` and ``\\U0001F62D`` become 😭, ``\\u00e9`` é (surrogate pairs are joined), HTML
    entities their characters. Use it before hashing or n-gram matching, so that two documents sharing
    escaped emoji are not taken for copies of each other. Mojibake is left alone (see :func:`mojibake`).
    """
    if "<U+" in text:
        text = _UPLUS.sub(_code_point, text)
    if "\\u" in text or "\\U" in text:
        text = _BACKSLASH_U.sub(_code_point_group, text)
        text = _SURROGATES.sub(lambda m: m.group().encode("utf-16", "surrogatepass").decode("utf-16"), text)
    if "&" in text:
        text = html.unescape(text)
    return text


def _code_point_group(m: re.Match) -> str:
    hexdigits = m.group(1) or m.group(2)
    try:
        return chr(int(hexdigits, 16))
    except (ValueError, OverflowError):
        return m.group()


# --- formatting ------------------------------------------------------------------------------------------
EMOJI = re.compile("[\U0001F1E6-\U0001F1FF\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2B55\u2934\u2935\u3030"
                   "\u303D\u3297\u3299]")
FORMATTING: dict[str, re.Pattern] = {
    "markdown_header": re.compile(r"(?m)^ {0,3}#{1,6}[ \t]+\S.*$"),
    "markdown_list": re.compile(r"(?m)^[ \t]*(?:[-*+•][ \t]+|\d{1,3}[.)][ \t]+)\S.*$"),
    "markdown_bold": re.compile(r"\*\*[^*\n]+\*\*|(?<!\w)__[^_\n]+__(?!\w)"),
    "code_fence": re.compile(r"(?m)^[ \t]*(?:```|~~~)"),
    "emoji": EMOJI,
    "url": re.compile(r"\bhttps?://[^\s<>\"']+|\bwww\.[a-z0-9-]+\.[a-z]{2,}[^\s<>\"']*", re.IGNORECASE),
    "mention": re.compile(r"(?<![\w.@/])@[A-Za-z0-9_]{1,30}\b(?![.@]\w)"),
    "hashtag": re.compile(r"(?<![\w&#/])#[^\W\d_][\w]{0,60}"),
}


# a character each feature needs: most documents skip most patterns
_NEEDS = {"markdown_header": "#", "markdown_bold": ("**", "__"), "code_fence": ("```", "~~~"), "url": ("http", "HTTP", "www.", "WWW."),
          "mention": "@", "hashtag": "#"}




def _as_tuple(need: str | tuple[str, ...] | None) -> tuple[str, ...]:
    return () if need is None else (need,) if isinstance(need, str) else tuple(need)


_NON_ASCII = {"emoji"}  # features whose patterns match no ASCII character
# (feature, pattern, the strings one of which it needs, or () for none), in FORMATTING's order
_CHECKS = tuple((key, pattern, _as_tuple(_NEEDS.get(key))) for key, pattern in FORMATTING.items())


def formatting_spans(text: str) -> dict[str, Span | None]:
    """For each formatting feature, the first place it occurs (or None)."""
    out = {}
    ascii_only = text.isascii()
    for key, pattern, need in _CHECKS:
        if ascii_only and key in _NON_ASCII:  # its pattern matches only characters beyond ASCII
            out[key] = None
            continue
        if need:
            for x in need:
                if x in text:
                    break
            else:  # none of the strings it needs: no match possible
                out[key] = None
                continue
        m = pattern.search(text)
        out[key] = m.span() if m else None
    return out
