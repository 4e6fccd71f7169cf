"""Phrase lists for chat-model defects: refusals and AI disclaimers, chat preambles and sign-offs, prompt or
template leftovers. The shipped lists are data (``metrics/data/defect_phrases.json``, several languages);
users add their own with the ``defect_phrases`` option (a JSON/TOML file of the same shape).

Matching: case-insensitive, any run of white space for a space, ``'`` also matches ``’``, a final ``:``
also matches a full-width ``：`` with or without a space before it; whole words in scripts written with
spaces. Where a phrase counts depends on its category: a preamble only in the first
``PREAMBLE_WINDOW`` characters, a sign-off only in the last ``SIGNOFF_WINDOW``, a label such as
``Input:`` or ``### Response`` only at the start of a line, everything else anywhere.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

CATEGORIES = ("refusal", "preamble", "signoff", "leftover")
PREAMBLE_WINDOW = 120
SIGNOFF_WINDOW = 300

# Scaffolding no phrase list can enumerate: chat-template role tokens and unfilled placeholders.
LEFTOVER_PATTERNS = (
    r"<\|[A-Za-z_]{2,20}\|>",                       # <|im_start|>, <|assistant|>, <|endoftext|>
    r"\[/?INST\]|<</?SYS>>",                          # Llama-2 chat tags
    r"</?s>|<(?:bos|eos|pad|unk)>",                   # special tokens printed as text
    r"\{\{\s*[A-Za-z_][\w.]{0,40}\s*\}\}",            # {{ variable }} (Jinja, Handlebars)
    r"(?<![\\\w$^_}{])\{[A-Za-z_][A-Za-z0-9_]{0,40}\}(?!\})",  # {name}: not LaTeX (\frac{a}{b}), not JSON
)


def _spaced_script(ch: str) -> bool:
    """Scripts that separate words with spaces (Latin, Greek, Cyrillic, Arabic, Devanagari...), where a
    phrase must match whole words; CJK, Thai and kana do not."""
    return ch.isalnum() and ord(ch) < 0x0E00


def phrase_pattern(phrase: str, *, line_start: bool = False) -> str:
    """The regular expression one phrase stands for (see the module docstring)."""
    p = phrase.strip()
    colon = p.endswith((":", "："))
    if colon:
        p = p[:-1].rstrip()
    body = "".join(r"\s+" if c.isspace() else "['’]" if c in "'’" else re.escape(c) for c in re.sub(r"\s+", " ", p))
    if colon:
        body += r"\s*[:：]"
    if p and _spaced_script(p[0]):
        body = r"(?<!\w)" + body
    if p and not colon and _spaced_script(p[-1]):
        body += r"(?!\w)"
    if line_start:
        body = r"(?m:^)[ \t>*_#-]*" + body
    return body


_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    """Casefolded, ``’`` as ``'``, white space runs as one space: where the needles are looked for."""
    return _SPACES.sub(" ", text.casefold().replace("’", "'"))


def _needle(phrase: str) -> str:
    """The folded phrase without a final colon: any match contains it in the folded text (a prefilter that
    spares almost every document the regular expressions)."""
    return _fold(phrase.strip()).rstrip(":：").strip()


def _is_label(phrase: str) -> bool:
    p = phrase.strip()
    return p.endswith((":", "：")) or p.startswith("###")


class PhraseSet:
    """Compiled phrase lists, one entry per category; picklable (partitions carry it to other processes)."""

    def __init__(self, lists: Mapping[str, list[str]]):
        self.lists = {c: sorted(set(lists.get(c, ()))) for c in CATEGORIES}
        # (needle, pattern) per entry; an entry's regular expression is compiled when a text first contains
        # its needle (:meth:`_regex`): most entries are never tried, and compiling all ~330 shipped ones
        # was 0.05 s of every audit's start (session 12)
        self._compiled = {
            c: [(_needle(p), phrase_pattern(p, line_start=(c == "leftover" and _is_label(p))))
                for p in self.lists[c]]
            for c in CATEGORIES
        }
        self._regexes: dict[tuple[str, int], re.Pattern] = {}
        self._patterns = [re.compile(p) for p in LEFTOVER_PATTERNS]
        self._needles = {c: _needle_index(self._compiled[c]) for c in CATEGORIES}
        self._all = _all_needles(self._needles)

    def __getstate__(self):
        return {"lists": self.lists}

    def __setstate__(self, state):
        self.__init__(state["lists"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PhraseSet) and other.lists == self.lists

    def _first(self, category: str, text: str, folded: str, lo: int = 0,
               present: set[int] | None = None) -> tuple[int, int] | None:
        """The first span of ``category`` in ``text[lo:]``, trying the entries whose needle ``folded``
        contains (``present``: those entries, when the caller found them already)."""
        best = None
        entries = self._compiled[category]
        if present is None:
            auto, always = self._needles[category]
            present = set(always)  # the entries whose needle occurs in ``folded`` (one Aho-Corasick pass)
            if auto is not None:
                for _, idx in auto.iter(folded):
                    present.update(idx)
        if not present:  # most texts: no needle, nothing to search
            return None
        for i in sorted(present):
            rx = self._regexes.get((category, i))
            if rx is None:
                rx = self._regexes[category, i] = re.compile(entries[i][1], re.IGNORECASE)
            m = rx.search(text, lo)
            if m and (best is None or m.start() < best[0]):
                best = m.span()
        return best

    def spans(self, text: str) -> dict[str, tuple[int, int] | None]:
        """For each category, the first matching span in ``text`` (where the category allows it) or None."""
        folded = _fold(text)
        lead = len(text) - len(text.lstrip())
        head = text[: lead + PREAMBLE_WINDOW]
        lo = max(0, len(text.rstrip()) - SIGNOFF_WINDOW)
        if len(head) == len(text) and lo == 0 and self._all is not None:
            # a short text is its own head and tail: every category looks in the same folded text, so one
            # pass of the automaton of all needles finds each category's candidates
            present = self._present_all(folded)
            out = {c: self._first(c, text, folded, 0, present[c]) for c in ("refusal", "preamble", "signoff",
                                                                             "leftover")}
            self._placeholders(text, out)
            return out
        out = {
            "refusal": self._first("refusal", text, folded),
            "preamble": self._first("preamble", head, folded if len(head) == len(text) else _fold(head)),
            "signoff": None,
            "leftover": self._first("leftover", text, folded),
        }
        out["signoff"] = self._first("signoff", text, folded if lo == 0 else _fold(text[lo:]), lo)
        self._placeholders(text, out)
        return out

    def _present_all(self, folded: str) -> dict[str, set[int]]:
        """Per category, the entries whose needle ``folded`` contains: one pass of the automaton of every
        category's needles (:func:`_all_needles`), with each category's needle-less entries."""
        auto, always = self._all
        present = {c: set(always[c]) for c in CATEGORIES}
        for _, hits in auto.iter(folded):
            for c, idx in hits:
                present[c].update(idx)
        return present

    def _placeholders(self, text: str, out: dict) -> None:
        """Template role tokens and unfilled placeholders (:data:`LEFTOVER_PATTERNS`) as leftovers, where
        one comes before the leftover phrase found."""
        for rx in self._patterns if ("<" in text or "{" in text or "[" in text) else ():
            m = rx.search(text)
            if m and (out["leftover"] is None or m.start() < out["leftover"][0]):
                out["leftover"] = m.span()


def _needle_index(entries: list) -> tuple:
    """(an Aho-Corasick automaton: needle -> indices of the entries with it, or None; the indices of entries
    without a needle, always tried): finds every needle a folded text contains in one pass, where testing
    ``needle in folded`` entry by entry cost ~300 substring scans per document."""
    import ahocorasick

    by_needle: dict[str, list[int]] = {}
    always = []
    for i, (needle, _) in enumerate(entries):
        if needle:
            by_needle.setdefault(needle, []).append(i)
        else:
            always.append(i)
    if not by_needle:
        return None, always
    auto = ahocorasick.Automaton()
    for needle, idx in by_needle.items():
        auto.add_word(needle, tuple(idx))
    auto.make_automaton()
    return auto, always


def _all_needles(needles: dict) -> tuple | None:
    """One automaton of every category's needles: needle -> ((category, indices of its entries), ...), and
    each category's entries without a needle; None when no category has a needle."""
    import ahocorasick

    by_needle: dict[str, list] = {}
    for c, (auto, _) in needles.items():
        if auto is None:
            continue
        for needle, idx in auto.items():
            by_needle.setdefault(needle, []).append((c, idx))
    if not by_needle:
        return None
    auto = ahocorasick.Automaton()
    for needle, hits in by_needle.items():
        auto.add_word(needle, tuple(hits))
    auto.make_automaton()
    return auto, {c: always for c, (_, always) in needles.items()}


def _flatten(data: object, what: str) -> dict[str, list[str]]:
    """``{category: {language: [phrases]}}`` or ``{category: [phrases]}`` -> ``{category: [phrases]}``."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{what} must map categories ({', '.join(CATEGORIES)}) to phrase lists")
    out: dict[str, list[str]] = {}
    for cat, val in data.items():
        if cat not in CATEGORIES:
            raise ValueError(f"{what}: unknown category {cat!r}; choose from {', '.join(CATEGORIES)}")
        lists = val.values() if isinstance(val, Mapping) else [val]
        for lst in lists:
            if not isinstance(lst, list) or not all(isinstance(p, str) and p.strip() for p in lst):
                raise ValueError(f"{what}: {cat!r} must hold lists of non-empty strings")
            out.setdefault(cat, []).extend(lst)
    return out


def default_phrases() -> dict[str, list[str]]:
    text = resources.files("metrics").joinpath("data", "defect_phrases.json").read_text(encoding="utf-8")
    return _flatten(json.loads(text), "defect_phrases.json")


def load_phrases_file(path: str | Path) -> dict[str, list[str]]:
    """A user's phrase file (JSON, or TOML by extension), same shape as the shipped one."""
    path = Path(path)
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".toml":
        import tomllib

        data = tomllib.loads(raw)
    else:
        data = json.loads(raw)
    return _flatten(data, str(path))


def phrase_set(extra: Mapping | str | Path | None = None) -> PhraseSet:
    """The shipped phrases, plus ``extra`` (a mapping of the same shape or a file path) added to them."""
    lists = default_phrases()
    if extra:
        more = load_phrases_file(extra) if isinstance(extra, (str, Path)) else _flatten(extra, "defect phrases")
        for cat, phrases in more.items():
            lists.setdefault(cat, []).extend(phrases)
    return PhraseSet(lists)
