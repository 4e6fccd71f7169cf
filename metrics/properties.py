"""Surface properties of documents (length, readability, character mix) and their real-vs-synthetic tests.

``document_properties`` computes one value per document per property; ``mean_property`` / ``doc_rate``
summarise a corpus (with a normal / Wilson CI); ``distribution_test`` compares the two per-document
distributions (KS p-value, Wasserstein effect size). The runner corrects the p-values across properties
with Benjamini–Hochberg.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import stats

from metrics.result import MetricResult
from metrics.text import words

_SENT_END = re.compile(r"[.!?]+(?=\s|$)|[。！？]+")  # CJK full stops need no space after them
_HAS_WORD = re.compile(r"[^\W_]")
_PRINTABLE_CONTROL = {"\n", "\t", "\r"}
NUMERIC = ("chars", "words", "sentences", "mean_word_length", "flesch_reading_ease", "type_token_ratio",
           "punctuation_share", "digit_share", "uppercase_share")
FLAGS = ("near_empty", "nonprintable")


_LEFT = _RIGHT = 2  # the characters pyphen.Pyphen keeps unbroken at each end of a word by default (left=2, right=2)


@lru_cache(maxsize=1)
def _hyphenator():
    try:
        import pyphen
    except ImportError:  # pragma: no cover - pyphen ships with textstat
        raise ImportError("readability needs pyphen: pip install pyphen") from None
    return pyphen.Pyphen(lang="en_US")


@lru_cache(maxsize=1)
def _pattern_trie() -> tuple[dict, int] | None:
    """pyphen's en_US patterns as a trie (:func:`_trie`) and the longest pattern's length.

    Read from pyphen's own ``hyph_en_US.dic`` by :func:`_read_patterns` (0.07 s), which skips building
    ``pyphen.Pyphen`` and then the trie from its patterns (0.15 s of every audit, session 12); a dictionary
    that needs more of pyphen's parser than plain patterns goes through pyphen."""
    try:
        import pyphen

        table = _read_patterns(Path(pyphen.LANGUAGES["en_US"]))
    except (ImportError, KeyError, OSError, UnicodeDecodeError):
        table = None
    if table is not None:
        return table
    hd = _hyphenator().hd
    trie = _trie(hd.patterns)
    return None if trie is None else (trie, hd.maxlen)


_IGNORED = ("%", "#", "LEFTHYPHENMIN", "RIGHTHYPHENMIN", "COMPOUNDLEFTHYPHENMIN", "COMPOUNDRIGHTHYPHENMIN")


def _read_patterns(path: Path) -> tuple[dict, int] | None:
    """A UTF-8 ``hyph_*.dic`` of plain Liang patterns (``.ach4``, ``1ba``) as the trie :func:`_trie` builds from
    ``pyphen.HyphDict(path).patterns`` and that dictionary's ``maxlen``, parsed as ``HyphDict`` parses it
    (lines stripped, comments and the *HYPHENMIN settings skipped, a single digit before a letter its value,
    zeros trimmed from both ends, a pattern without a non-zero value dropped, a later duplicate winning).
    None where the file needs more than that (another encoding, ``^^hh`` escapes, ``/`` alternatives,
    digits that are not one ASCII digit): :func:`_pattern_trie` then asks pyphen."""
    first, _, rest = path.read_bytes().partition(b"\n")
    if first.strip().decode("ascii", "replace").upper() != "UTF-8":
        return None
    trie: dict = {}
    maxlen = 0
    for line in rest.decode("utf-8").split("\n"):
        line = line.strip()
        if not line or line.startswith(_IGNORED):
            continue
        if "^^" in line or "/" in line or "=" in line:
            return None
        letters: list[str] = []
        values = [0]
        after_digit = False
        for ch in line:
            if ch.isdigit():  # every decimal digit (pyphen's \d) is one
                if after_digit or not "0" <= ch <= "9":
                    return None
                values[-1] = ord(ch) - 48
                after_digit = True
            else:
                letters.append(ch)
                values.append(0)
                after_digit = False
        start, end = 0, len(values)
        while start < end and not values[start]:
            start += 1
        if start == end:
            continue
        while not values[end - 1]:
            end -= 1
        node = trie
        for ch in letters:
            node = node.setdefault(ch, {})
        node[None] = (start, tuple(values[start:end]))
        maxlen = max(maxlen, len(letters))
    return (trie, maxlen) if trie else None


def _trie(patterns: dict) -> dict | None:
    """Hyphenation patterns ``{letters: (offset, values)}`` as a trie of characters, a ``None`` key holding
    a pattern's ``(offset, values)``; ``None`` when a value is not an int (a non-standard hyphenation)."""
    trie: dict = {}
    for key, (offset, values) in patterns.items():
        if not all(type(v) is int for v in values):
            return None
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[None] = (offset, values)
    return trie


@lru_cache(maxsize=200_000)
def syllables(word: str) -> int:
    """Syllables of one word by pyphen's en_US hyphenation (textstat's rule for words outside CMUdict).

    ``len(Pyphen(lang="en_US").positions(word)) + 1``, counted by :func:`_count_breaks` on a trie of
    pyphen's own patterns: about four times faster than pyphen's ``positions``, the same count.
    """
    table = _pattern_trie()
    if table is None:  # pragma: no cover - pyphen's en_US patterns are all plain digits
        return len(_hyphenator().positions(word)) + 1
    return _count_breaks(word, *table, _LEFT, _RIGHT) + 1


def _count_breaks(word: str, trie: dict, maxlen: int, left: int, right: int) -> int:
    """Hyphenation points of ``word`` by Liang's algorithm, as ``pyphen.HyphDict.positions`` runs it
    (every pattern found at every position raises the values it covers; an odd value is a break), but
    walking the trie instead of slicing a substring per pattern length; kept ``left`` characters from
    the start and ``right`` from the end, as ``pyphen.Pyphen.positions`` keeps them."""
    dotted = "." + word.lower() + "."
    size = len(dotted)
    refs = [0] * (size + 1)
    for i in range(size - 1):
        node = trie
        for ch in dotted[i:i + maxlen]:
            node = node.get(ch)
            if node is None:
                break
            pattern = node.get(None)
            if pattern is not None:
                k = i + pattern[0]
                for v in pattern[1]:
                    if v > refs[k]:
                        refs[k] = v
                    k += 1
    # an odd value at refs[i] is a break before character i - 1 of the word
    last = min(len(word) - right + 1, size)
    return sum(refs[i] & 1 for i in range(left + 1, last + 1))


def flesch_reading_ease(text: str) -> float:
    """Flesch reading ease, 206.835 − 1.015·words/sentences − 84.6·syllables/words (Flesch 1948).

    Roughly 0..100 (can leave that range): higher = easier text. NaN for a text without words. Syllables
    come from pyphen hyphenation, not CMUdict (which would need a download), so values can differ from
    textstat's default English setting by a few points on dictionary words.
    """
    ws = words(text)
    return _flesch(ws, _sentences(text)) if ws else float("nan")


def _sentences(text: str) -> int:
    """Runs of text ending in . ! ? (or a CJK full stop) that hold a word."""
    return len([s for s in _SENT_END.split(text) if _HAS_WORD.search(s)])


def _flesch(ws: list[str], n_sent: int) -> float:
    n_syl = sum(syllables(w) for w in ws)
    return 206.835 - 1.015 * len(ws) / max(1, n_sent) - 84.6 * n_syl / len(ws)


# ASCII bytes of each character class, as str's own predicates define them (for bytes.translate counts)
_ASCII_CLASSES = tuple(bytes(i for i in range(128) if pred(chr(i)))
                       for pred in (str.isspace, str.isalpha, str.isalnum, str.isdigit, str.isupper))


def _char_counts(t: str) -> tuple[int, ...]:
    """Characters that are space, alphabetic, alphanumeric, digits, upper case (C-level counts)."""
    if t.isascii():  # the same counts, one bytes.translate per class
        b = t.encode("ascii")
        return tuple(len(b) - len(b.translate(None, cls)) for cls in _ASCII_CLASSES)
    return (sum(map(str.isspace, t)), sum(map(str.isalpha, t)), sum(map(str.isalnum, t)),
            sum(map(str.isdigit, t)), sum(map(str.isupper, t)))


_NONPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff\ud800-\udfff]")


def _nonprintable(text: str) -> bool:
    """Control characters (other than tab / newline / CR), surrogates, private use, or U+FFFD."""
    return _NONPRINTABLE.search(text) is not None


def document_properties(texts: Sequence[str], *, near_empty_words: int = 3) -> dict[str, np.ndarray]:
    """Per-document surface properties, each an array aligned with ``texts``.

    chars, words (:func:`metrics.text.words`, the script-aware tokenizer: Chinese, Japanese, Thai... are
    segmented into words), sentences (runs ending in . ! ? or 。！？), mean_word_length (characters per
    word), Flesch reading ease (an English formula: the caller keeps it for English documents only),
    type_token_ratio (unique / all lower-cased words in the doc; falls with length), punctuation /
    digit / uppercase shares (punctuation = non-space, non-alphanumeric characters; shares of non-space
    characters; uppercase of letters), and 0/1 flags ``near_empty`` (fewer than ``near_empty_words``
    words) and ``nonprintable`` (control characters other than tab/newline/CR, surrogates, private-use
    characters or U+FFFD). NaN where undefined (e.g. word length of a doc without words). The language
    of each document is the language family's (``metrics.language``).
    """
    if len(texts) == 0:
        raise ValueError("document_properties: no documents")
    out: dict[str, list] = {k: [] for k in NUMERIC + FLAGS}
    nan = float("nan")
    for t in texts:
        if not isinstance(t, str):
            raise ValueError(f"document_properties: expected str, got {type(t).__name__}")
        ws = lw = words(t)  # the one script-aware tokenizer (metrics.text), lower-cased
        # C-level counts: this loop runs over every sampled document
        n_space, n_letters, n_alnum, n_digit, n_upper = _char_counts(t)
        nv = len(t) - n_space
        n_sent = _sentences(t)
        out["chars"].append(len(t))
        out["words"].append(len(ws))
        out["sentences"].append(n_sent)
        out["mean_word_length"].append(sum(map(len, ws)) / len(ws) if ws else nan)  # exact sum, one division
        out["flesch_reading_ease"].append(_flesch(ws, n_sent) if ws else nan)
        out["type_token_ratio"].append(len(set(lw)) / len(lw) if lw else nan)
        out["punctuation_share"].append((nv - n_alnum) / nv if nv else nan)
        out["digit_share"].append(n_digit / nv if nv else nan)
        out["uppercase_share"].append(n_upper / n_letters if n_letters else nan)
        out["near_empty"].append(float(len(ws) < near_empty_words))
        out["nonprintable"].append(float(_nonprintable(t)))
    return {k: np.array(v, dtype=float) for k, v in out.items()}


def _finite(values, name: str) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        raise ValueError(f"{name}: no finite values")
    return v


def mean_property(values: Sequence[float]) -> MetricResult:
    """Mean of a per-document property (NaNs skipped), with a normal-theory 95% CI (mean ± 1.96·s/√n).

    Median and 95th percentile in ``details``. The CLT interval is adequate at the sample sizes audited
    (hundreds of documents and up) and costs nothing, unlike a bootstrap per property per corpus.
    """
    v = _finite(values, "mean_property")
    half = 1.96 * float(v.std(ddof=1)) / np.sqrt(len(v)) if len(v) > 1 else 0.0
    mu = float(v.mean())
    return MetricResult(mu, ci=(mu - half, mu + half), n=len(v),
                        details={"median": float(np.median(v)), "p95": float(np.percentile(v, 95))})


def doc_rate(flags: Sequence[float]) -> MetricResult:
    """Share of documents with a 0/1 flag, with a Wilson 95% CI. 0..1."""
    v = _finite(flags, "doc_rate")
    n, k, z = len(v), float(v.sum()), 1.96
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return MetricResult(p, ci=(max(0.0, centre - half), min(1.0, centre + half)), n=n,
                        details={"count": int(k)})


def mean_words(texts: Sequence[str]) -> MetricResult:
    """Mean number of words per document, with a 95% CI. Should match the real corpus."""
    if len(texts) == 0:
        raise ValueError("mean_words: no documents")
    return mean_property(document_properties(texts)["words"])


def distribution_test(real: Sequence[float], synth: Sequence[float]) -> MetricResult:
    """Compare two per-document distributions of one property.

    ``value``: the Wasserstein-1 distance (effect size, in the property's unit; 0 = same distribution,
    lower is better). ``p_value``: two-sample Kolmogorov–Smirnov test (``details["ks"]`` its statistic),
    or Fisher's exact test when both are 0/1 flags. NaNs are skipped.
    """
    a, b = _finite(real, "distribution_test"), _finite(synth, "distribution_test")
    w = stats.wasserstein_distance(a, b)
    if set(np.unique(a)) | set(np.unique(b)) <= {0.0, 1.0}:
        ka, kb = int(a.sum()), int(b.sum())
        p = stats.fisher_exact([[ka, len(a) - ka], [kb, len(b) - kb]])[1]
        return MetricResult(w, n=min(len(a), len(b)), p_value=p, details={"test": "fisher"})
    ks = stats.ks_2samp(a, b)
    return MetricResult(w, n=min(len(a), len(b)), p_value=ks.pvalue,
                        details={"test": "ks", "ks": float(ks.statistic)})


def shared_histogram(real: Sequence[float], synth: Sequence[float], *, bins: int = 30, upper_q: float = 99.0) -> dict:
    """Histogram counts of both corpora on shared bin edges (last bin also holds values beyond ``upper_q``)."""
    a, b = _finite(real, "shared_histogram"), _finite(synth, "shared_histogram")
    pooled = np.r_[a, b]
    lo, hi = float(pooled.min()), float(np.percentile(pooled, upper_q))
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    return {"edges": edges.tolist(),
            "real": np.histogram(np.clip(a, lo, hi), edges)[0].tolist(),
            "synth": np.histogram(np.clip(b, lo, hi), edges)[0].tolist(),
            "clipped_above": float(hi)}
