"""Language identification per document, the language mix of a corpus, and language-mix drift.

``identify`` labels one document with py3langid (Lui & Baldwin 2012, langid.py: a naive Bayes model over
byte n-grams, offline, ~10,000 short documents/s here) restricted to :data:`LANGUAGES`, the major written
languages: on English headlines the full 97-language model calls ~9% of them Nigerian Pidgin, Central
Bikol or Latin, the restricted one ~2-3% (``benchmarks/language_results.md``). A text without letters is
``und`` (undetermined). Only the first :data:`MAX_CHARS` characters are read.

:class:`LanguageMix` counts languages and scripts over every document of a corpus while it streams
(picklable, mergeable, order-free: examples are chosen by content hash). :func:`language_mix_drift` is the
total variation distance between the two corpora's language distributions, and :func:`language_mismatch`
says when the corpora are mostly in different languages or scripts: the root cause that makes every
lexical comparison between them meaningless.
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from metrics.result import MetricResult
from metrics.stats import wilson_interval
from metrics.text import text_hash

MAX_CHARS = 300  # ~50 words: 100% on 25-word texts; langid reads every byte in Python (benchmarks)
UNDETERMINED = "und"
# ISO 639-1 codes py3langid is allowed to answer (its model knows 97; the rest are rare languages and
# creoles that short English text is often mistaken for).
NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "az": "Azerbaijani", "be": "Belarusian", "bg": "Bulgarian",
    "bn": "Bengali", "ca": "Catalan", "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "ga": "Irish", "gl": "Galician", "gu": "Gujarati", "he": "Hebrew",
    "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "hy": "Armenian", "id": "Indonesian",
    "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ka": "Georgian", "kk": "Kazakh", "km": "Khmer",
    "kn": "Kannada", "ko": "Korean", "lo": "Lao", "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian",
    "ml": "Malayalam", "mn": "Mongolian", "mr": "Marathi", "ms": "Malay", "my": "Burmese", "ne": "Nepali",
    "nl": "Dutch", "no": "Norwegian", "pa": "Punjabi", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian",
    "ru": "Russian", "si": "Sinhala", "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian",
    "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "th": "Thai", "tl": "Tagalog",
    "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek", "vi": "Vietnamese", "zh": "Chinese",
}
LANGUAGES = tuple(sorted(NAMES))
# Unicode character-name prefixes -> script label (the first word of a letter's name, mostly).
_SCRIPT_ALIASES = {"CJK": "han", "HIRAGANA": "kana", "KATAKANA": "kana", "HALFWIDTH": "kana"}
LOW_CONFIDENCE = 0.5  # py3langid's normalised probability below which a label counts as uncertain


def stop_words(languages) -> frozenset[str]:
    """Stop words of the given languages, casefolded: scikit-learn's English list for ``en`` (as before),
    stopwords-iso (MIT, the ``stopwordsiso`` package, 57 languages) for the others; languages it lacks
    add nothing."""
    import stopwordsiso
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    out = set(ENGLISH_STOP_WORDS) if "en" in languages else set()
    for lang in sorted(set(languages) - {"en", UNDETERMINED}):
        if stopwordsiso.has_lang(lang):
            out |= {w.casefold() for w in stopwordsiso.stopwords(lang)}
    return frozenset(out)


def language_name(code: str) -> str:
    """``"zh"`` -> ``"Chinese"``; the code itself when unknown, ``und`` -> ``"undetermined"``."""
    return "undetermined" if code == UNDETERMINED else NAMES.get(code, code)


@lru_cache(maxsize=1)
def identifier():
    """The language identifier (py3langid restricted to LANGUAGES), loaded once per process."""
    from metrics.langid_model import load_identifier  # an uncompressed copy of the model, cached on disk

    return load_identifier(LANGUAGES)


@lru_cache(maxsize=4096)
def _char_script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    return _SCRIPT_ALIASES.get(first, first.lower() or "unknown")


def dominant_script(text: str) -> str:
    """The script of most letters of ``text[:MAX_CHARS]`` (``latin``, ``cyrillic``, ``han``, ``kana``,
    ``hangul``, ``arabic``...), or ``none`` without letters. Japanese mixes kana and han: a text with kana
    in at least 20% of its letters is ``kana``."""
    head = text[:MAX_CHARS]
    if head.isascii():
        return "latin" if any(c.isalpha() for c in head) else "none"
    counts = Counter(_char_script(c) for c in head if c.isalpha())
    if not counts:
        return "none"
    if counts.get("kana", 0) >= 0.2 * sum(counts.values()):
        return "kana"
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def identify(text: str) -> tuple[str, float]:
    """``(language code, confidence)`` of one document: py3langid over ``text[:MAX_CHARS]`` restricted to
    :data:`LANGUAGES`; confidence is its normalised probability (0..1). ``("und", 0.0)`` without letters."""
    head = text[:MAX_CHARS]
    if not any(c.isalpha() for c in head):
        return UNDETERMINED, 0.0
    lang, conf = identifier().classify(head)
    return str(lang), float(conf)


@lru_cache(maxsize=1)
def _automaton():
    from metrics.langid_batch import automaton_tables

    return automaton_tables(identifier())


def identify_many(texts) -> list[tuple[str, float]]:
    """:func:`identify` of many texts at once: the same answers, py3langid's byte automaton walked over all
    of them together (``metrics.langid_batch``)."""
    from metrics.langid_batch import classify_many

    heads = [t[:MAX_CHARS] for t in texts]
    todo = [i for i, h in enumerate(heads) if any(c.isalpha() for c in h)]
    out = [(UNDETERMINED, 0.0)] * len(heads)
    for i, res in zip(todo, classify_many(identifier(), [heads[i] for i in todo], _automaton())):
        out[i] = res
    return out


def identify_all(texts) -> list[str]:
    """Language codes of many documents (see :func:`identify`)."""
    return [identify(t)[0] for t in texts]


def document_languages(docs) -> list[str]:
    """Language codes of documents: the label :class:`LanguageMix` left in ``doc.metadata`` while the
    corpus streamed (the same :func:`identify`), else identified now."""
    return [d.metadata.get("language") or identify(d.text)[0] for d in docs]


@dataclass
class LanguageMix:
    """Languages and scripts of every document of one corpus, counted while it streams.

    Mergeable (``merge`` adds counts) and order-free: the examples kept per language are the
    ``k_examples`` documents with the smallest content hash, whatever order they arrive in, and the
    real corpus's noise floor compares its two hash halves (hash parity), not a positional split.
    Memory: a few counters plus ``k_examples`` snippets per language, nothing per document.
    """

    k_examples: int = 3
    n_docs: int = 0
    languages: Counter = field(default_factory=Counter)
    scripts: Counter = field(default_factory=Counter)
    uncertain: Counter = field(default_factory=Counter)  # language -> docs labelled below LOW_CONFIDENCE
    halves: Counter = field(default_factory=Counter)  # (hash parity, language) -> docs
    examples: dict = field(default_factory=dict)  # language -> sorted [(hash, id, text[:200])]

    def add(self, doc) -> dict[str, str]:
        """Count one document; returns its label ``{"language": code}`` (kept with the sampled document)."""
        return self._count(doc, *identify(doc.text))

    def add_many(self, docs) -> list[dict[str, str]]:
        """:meth:`add` of each document, their languages identified together (:func:`identify_many`)."""
        return [self._count(d, lang, conf) for d, (lang, conf) in zip(docs, identify_many([d.text for d in docs]))]

    @staticmethod
    def add_each(accumulators, docs) -> list[dict[str, str]]:
        """``accumulators[i].add(docs[i])`` for every i, the languages identified together: one accumulator
        per document (``audit.calibrate.HalfStats``) without identifying one text at a time."""
        langs = identify_many([d.text for d in docs])
        return [acc._count(d, lang, conf) for acc, d, (lang, conf) in zip(accumulators, docs, langs)]

    def _count(self, doc, lang: str, conf: float) -> dict[str, str]:
        h = text_hash(doc.text)
        self.n_docs += 1
        self.languages[lang] += 1
        self.scripts[dominant_script(doc.text)] += 1
        if conf < LOW_CONFIDENCE:
            self.uncertain[lang] += 1
        self.halves[(int(h, 16) & 1, lang)] += 1
        ex = self.examples.get(lang, [])
        if len(ex) < self.k_examples or h <= ex[-1][0]:
            self.examples[lang] = _keep(ex + [(h, doc.id, doc.text[:200])], self.k_examples)
        return {"language": lang}

    def merge(self, other: "LanguageMix") -> "LanguageMix":
        examples = {lang: _keep(self.examples.get(lang, []) + other.examples.get(lang, []), self.k_examples)
                    for lang in set(self.examples) | set(other.examples)}
        return LanguageMix(self.k_examples, self.n_docs + other.n_docs, self.languages + other.languages,
                           self.scripts + other.scripts, self.uncertain + other.uncertain,
                           self.halves + other.halves, examples)

    def half(self, parity: int) -> Counter:
        """Language counts of one hash half (parity 0 or 1) of the corpus."""
        return Counter({lang: n for (p, lang), n in self.halves.items() if p == parity})

    def dominant(self) -> tuple[str, float]:
        """(most common language, its share); ``("und", 0.0)`` for an empty corpus."""
        return _dominant(self.languages, self.n_docs)

    def dominant_script(self) -> tuple[str, float]:
        return _dominant(self.scripts, self.n_docs)


def _keep(entries: list, k: int) -> list:
    """The ``k`` entries with the smallest (hash, id), one per hash: the same whatever the arrival order."""
    out, seen = [], set()
    for e in sorted(entries):
        if e[0] not in seen:
            seen.add(e[0])
            out.append(e)
    return out[:k]


def _dominant(counts: Counter, n: int) -> tuple[str, float]:
    if not n or not counts:
        return UNDETERMINED, 0.0
    lang, c = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return lang, c / n


def mix_distance(a: Mapping[str, int], b: Mapping[str, int]) -> float:
    """Total variation distance between two count maps' distributions: ½·Σ|p_a − p_b|.

    0..1: the share of documents whose language would have to change to turn one mix into the other.
    """
    na, nb = sum(a.values()), sum(b.values())
    if not na or not nb:
        return float("nan")
    keys = sorted(set(a) | set(b))  # a fixed order: a set's order changes with each process's string hashes
    return 0.5 * sum(abs(a.get(k, 0) / na - b.get(k, 0) / nb) for k in keys)


def _chi2_p(a: Mapping[str, int], b: Mapping[str, int]) -> float | None:
    keys = sorted(k for k in set(a) | set(b) if a.get(k, 0) + b.get(k, 0) > 0)
    if len(keys) < 2:
        return 1.0
    from scipy.stats import chi2_contingency

    table = np.array([[a.get(k, 0) for k in keys], [b.get(k, 0) for k in keys]], dtype=float)
    return float(chi2_contingency(table, correction=False)[1])


def language_mix_drift(real: Mapping[str, int], synth: Mapping[str, int]) -> MetricResult:
    """Language-mix drift: total variation distance between the language distributions of two corpora.

    0..1, lower is better (0 = same mix; 0.4 = 40% of the synthetic documents would have to change
    language). ``p_value``: chi-square test of homogeneity on the language x corpus table (Pearson, no
    continuity correction). ``n``: documents of the smaller corpus. ``details["over"]``: languages the
    synthetic corpus over-represents, largest excess first.
    """
    n = min(sum(real.values()), sum(synth.values()))
    value = mix_distance(real, synth)
    if not n:
        return MetricResult(float("nan"), n=0)
    nr, ns = sum(real.values()), sum(synth.values())
    excess = {k: synth.get(k, 0) / ns - real.get(k, 0) / nr for k in set(real) | set(synth)}
    over = [{"language": k, "name": language_name(k), "excess": v}
            for k, v in sorted(excess.items(), key=lambda kv: (-kv[1], kv[0])) if v > 0]
    return MetricResult(value, n=n, p_value=_chi2_p(real, synth), details={"over": over[:5]})


def mix_table(real: LanguageMix, synth: LanguageMix, *, limit: int = 20) -> list[dict]:
    """One row per language (most documents in both corpora first): counts, shares with Wilson 95% CIs,
    the share of labels below :data:`LOW_CONFIDENCE`, and up to ``k_examples`` examples from each side."""
    langs = set(real.languages) | set(synth.languages)
    order = sorted(langs, key=lambda k: (-(real.languages.get(k, 0) + synth.languages.get(k, 0)), k))
    rows = []
    for lang in order[:limit]:
        row = {"language": lang, "name": language_name(lang)}
        for side, mix in (("real", real), ("synth", synth)):
            k = mix.languages.get(lang, 0)
            row[f"{side}_docs"] = k
            row[f"{side}_share"] = k / mix.n_docs if mix.n_docs else None
            row[f"{side}_ci"] = list(wilson_interval(k, mix.n_docs))
            row[f"{side}_uncertain"] = mix.uncertain.get(lang, 0)
            row[f"{side}_examples"] = [{"id": i, "text": t} for _, i, t in mix.examples.get(lang, [])]
        rows.append(row)
    return rows


def language_mismatch(real: LanguageMix, synth: LanguageMix, *, min_share: float = 0.5) -> dict | None:
    """The corpora's main languages or scripts differ. ``None`` when they match.

    Two ways: each corpus has a language covering at least ``min_share`` of its documents and they are not
    the same; or one corpus has such a main language and it covers under ``min_share`` of the other
    corpus (real 97% English against a synthetic corpus 0% English, spread over German, Spanish and
    Chinese with none of them at half). Either way most documents of one side are in a language the other
    side barely has, so word, embedding and lexicon comparisons measure the languages. A partial shift
    (synthetic 60% English, 40% German against English real) is drift, not a mismatch.

    Returns ``{"kind": "language" | "script", "real": code, "synth": code, "real_share", "synth_share",
    "main": "both" | "real" | "synth", "other_share", "summary", "text"}``: ``real``/``synth`` are each
    corpus's most common language and its share; ``main`` says which corpus's main language the rule
    rests on and ``other_share`` that language's share of the other corpus (``None`` for ``both``);
    ``summary`` is a short phrase ("real mostly English, synthetic mostly Chinese"), ``text`` one
    sentence. A script mismatch (Han vs Latin) is reported as such, since it also breaks
    tokenisation-based comparisons.
    """
    if not real.n_docs or not synth.n_docs:
        return None
    rl, rs = real.dominant()
    sl, ss = synth.dominant()
    main = _mismatched_side(real, synth, (rl, rs), (sl, ss), min_share)
    if main is None:
        return None
    rsc, rscs = real.dominant_script()
    ssc, sscs = synth.dominant_script()
    script = rsc != ssc and rscs >= min_share and sscs >= min_share
    other_share = None
    if main == "both":
        summary = f"real mostly {language_name(rl)}, synthetic mostly {language_name(sl)}"
        text = (f"the corpora are in different languages: real is mostly {language_name(rl)} "
                f"({100 * rs:.0f}% of documents), synthetic mostly {language_name(sl)} ({100 * ss:.0f}%)")
    else:
        (lang, share), other, (ol, os_) = (((rl, rs), synth, (sl, ss)) if main == "real"
                                           else ((sl, ss), real, (rl, rs)))
        other_share = other.languages.get(lang, 0) / other.n_docs
        this_name, other_name = ("real", "synthetic") if main == "real" else ("synthetic", "real")
        name = language_name(lang)
        summary = f"{this_name} mostly {name}, {other_name} {100 * other_share:.0f}% {name}"
        most = ("" if ol == lang else
                f" (its most common language: {language_name(ol)}, {100 * os_:.0f}%)")
        text = (f"the corpora are in different languages: {this_name} is mostly {name} "
                f"({100 * share:.0f}% of documents); only {100 * other_share:.0f}% of the {other_name} "
                f"documents are {name}{most}")
    if script:
        text += f", in different scripts ({rsc} vs {ssc})"
    return {"kind": "script" if script else "language", "real": rl, "synth": sl, "real_share": rs,
            "synth_share": ss, "real_script": rsc, "synth_script": ssc, "main": main,
            "other_share": other_share, "summary": summary, "text": text}


def _mismatched_side(real: LanguageMix, synth: LanguageMix, real_main: tuple[str, float],
                     synth_main: tuple[str, float], min_share: float) -> str | None:
    """``"both"`` when each corpus's main language (at least ``min_share`` of it) differs; ``"real"``
    (``"synth"``) when only that corpus's main language reaches ``min_share`` and it covers under
    ``min_share`` of the other corpus; else ``None``. ``real_main``/``synth_main``: each corpus's
    ``dominant()``. Both corpora must have documents."""
    (rl, rs), (sl, ss) = real_main, synth_main
    if rs >= min_share and ss >= min_share:
        return None if rl == sl else "both"
    for side, (lang, share), other in (("real", (rl, rs), synth), ("synth", (sl, ss), real)):
        if share >= min_share and other.languages.get(lang, 0) / other.n_docs < min_share:
            return side
    return None
