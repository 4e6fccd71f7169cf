"""Term lexicons for the bias metrics and an Aho-Corasick matcher with word boundaries.

A lexicon is ``{axis: {group: [term, ...]}}`` (e.g. ``{"gender": {"female": ["woman", "she"]}}``). The
default one ships as ``metrics/data/groups.json`` (sources and licences in ``metrics/data/README.md``);
users add or override groups with :func:`load_groups_file` and :func:`merge_groups`.

Text and terms are normalised the same way (NFKC, casefold, words only, hyphens and punctuation become
spaces, a trailing possessive ``'s`` is dropped), so ``"Middle-aged"`` matches ``"middle aged"`` and
``"women's"`` matches ``"women"``. Each term also matches with an ``s`` added to its last word
(``"Muslim"`` -> ``"Muslims"``). A match must start and end on word boundaries; inside one axis a match
contained in a longer one is dropped (``"African-American"`` is not also ``"American"``).
"""
from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import ahocorasick

from metrics.text import words

Lexicon = dict[str, dict[str, list[str]]]
Label = tuple[str, str]  # (axis, group)

_POSSESSIVE = re.compile(r"'s\b")
_SENT = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n{2,}")


def normalize_for_match(text: str) -> str:
    """Words of ``text`` (casefolded, NFKC; :func:`metrics.text.words`, the one tokenizer), possessive
    ``'s`` dropped, joined by single spaces."""
    t = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return " ".join(words(_POSSESSIVE.sub("", t)))


def split_sentences(text: str) -> list[str]:
    """Rough sentence split on ``.!?`` followed by white space, and on blank lines."""
    return [s for s in (p.strip() for p in _SENT.split(text)) if s]


def _read_data(name: str) -> str:
    return resources.files("metrics").joinpath("data", name).read_text(encoding="utf-8")


def validate_groups(groups: object, *, what: str = "bias groups") -> Lexicon:
    """Check the ``{axis: {group: [terms]}}`` shape and return a clean copy; ``ValueError`` otherwise."""
    if not isinstance(groups, Mapping):
        raise ValueError(f"{what}: expected a mapping axis -> group -> [terms], got {type(groups).__name__}")
    out: Lexicon = {}
    for axis, gs in groups.items():
        if not isinstance(gs, Mapping):
            raise ValueError(f"{what}: axis {axis!r} must map group names to term lists")
        out[str(axis)] = {}
        for group, terms in gs.items():
            if isinstance(terms, str) or not isinstance(terms, Sequence):
                raise ValueError(f"{what}: {axis}/{group} must be a list of terms")
            clean = [str(t) for t in terms if normalize_for_match(str(t))]
            if not clean:
                raise ValueError(f"{what}: {axis}/{group} has no usable term")
            out[str(axis)][str(group)] = clean
    return out


@lru_cache(maxsize=1)
def _default_groups_json() -> str:
    return _read_data("groups.json")


def default_groups() -> Lexicon:
    """The shipped lexicon (7 axes; HolisticBias v1.1 descriptors plus hand-added terms)."""
    return validate_groups(json.loads(_default_groups_json()))


def load_groups_file(path: str | Path) -> Lexicon:
    """Read user groups from a JSON or TOML file shaped ``{axis: {group: [terms]}}``.

    In TOML: ``[gender]`` then ``female = ["woman", "she"]``.
    """
    p = Path(path)
    raw = p.read_bytes()
    if p.suffix.lower() == ".toml":
        data = tomllib.loads(raw.decode("utf-8"))
    else:
        data = json.loads(raw)
    return validate_groups(data, what=str(p))


def merge_groups(base: Mapping, extra: Mapping | None) -> Lexicon:
    """``extra`` over ``base``: a group present in both takes ``extra``'s terms; new axes/groups are added."""
    out = validate_groups(base)
    if extra:
        for axis, gs in validate_groups(extra, what="user bias groups").items():
            out.setdefault(axis, {}).update(gs)
    return out


def load_word_list(name: str) -> list[str]:
    """A shipped one-term-per-line list (``#`` starts a comment)."""
    lines = (ln.split("#", 1)[0].strip() for ln in _read_data(name).splitlines())
    return [ln for ln in lines if ln]


def _variants(term: str) -> set[str]:
    norm = normalize_for_match(term)
    out = {norm}
    if not norm.endswith("s"):
        out.add(norm + "s")
    return out


class TermMatcher:
    """Find which labelled terms occur in a text (Aho-Corasick over normalised text, word boundaries).

    Parameters
    ----------
    lexicon : mapping
        ``{axis: {group: [terms]}}``.
    """

    def __init__(self, lexicon: Mapping[str, Mapping[str, Iterable[str]]]):
        self.lexicon = validate_groups(lexicon)
        self.labels: list[Label] = [(a, g) for a, gs in self.lexicon.items() for g in gs]
        table: dict[str, set[Label]] = {}
        canonical: dict[str, str] = {}  # variant -> the normalised term it came from ("muslims" -> "muslim")
        for axis, gs in self.lexicon.items():
            for group, terms in gs.items():
                for t in terms:
                    norm = normalize_for_match(t)
                    for v in _variants(t):
                        table.setdefault(v, set()).add((axis, group))
                        if v == norm or v not in canonical:
                            canonical[v] = norm
        self._auto = ahocorasick.Automaton()
        for key, labels in table.items():
            # Keys carry a space on each side and texts are padded the same way, so a hit is always a
            # whole-word match and no match inside a word ("he" in "the") ever reaches Python.
            self._auto.add_word(f" {key} ", (key, canonical[key], tuple(sorted(labels))))
        self._auto.make_automaton()

    def spans(self, norm: str) -> list[tuple[int, int, str, Label]]:
        """``(start, end, term, label)`` for every word-bounded match in already-normalised text.

        ``term`` is the normalised lexicon term (a plural variant reports its singular term).
        """
        if not norm:
            return []
        found = []
        for end, (key, term, labels) in self._auto.iter(f" {norm} "):
            start = end - len(key) - 1  # padded index of the leading space == norm index of the first char
            for lab in labels:
                found.append((start, start + len(key), term, lab))
        if len(found) <= 1:
            return found
        # Inside one axis, a match contained in a longer one is part of that term, not a mention of its own.
        by_axis: dict[str, set[tuple[int, int]]] = {}
        for s, e, _k, lab in found:
            by_axis.setdefault(lab[0], set()).add((s, e))
        kept: set[tuple[str, int, int]] = set()
        for axis, spans in by_axis.items():
            if len(spans) == 1:
                kept.add((axis, *next(iter(spans))))
                continue
            max_end = -1
            for s, e in sorted(spans, key=lambda x: (x[0], -x[1])):
                if e > max_end:  # not inside an earlier (hence longer or equal-start longer) span
                    kept.add((axis, s, e))
                max_end = max(max_end, e)
        return [f for f in found if (f[3][0], f[0], f[1]) in kept]

    def labels_in(self, text: str) -> frozenset[Label]:
        """The set of ``(axis, group)`` mentioned in ``text``."""
        return frozenset(lab for _s, _e, _k, lab in self.spans(normalize_for_match(text)))

    def terms_in(self, text: str) -> list[tuple[str, Label]]:
        """Every ``(normalised lexicon term, label)`` matched in ``text``, in order."""
        return [(k, lab) for _s, _e, k, lab in self.spans(normalize_for_match(text))]


@lru_cache(maxsize=4)
def _cached_matcher(key: str) -> TermMatcher:
    return TermMatcher(json.loads(key))


def matcher_for(lexicon: Mapping) -> TermMatcher:
    """A (cached) matcher for a lexicon."""
    return _cached_matcher(json.dumps(validate_groups(lexicon), sort_keys=True))


def occupations_lexicon() -> Lexicon:
    """The shipped occupation list as a one-axis lexicon ``{"occupation": {name: [name, plural?]}}``."""
    groups: dict[str, list[str]] = {}
    for line in load_word_list("occupations.txt"):
        forms = [f.strip() for f in line.split("|") if f.strip()]
        groups[forms[0]] = forms
    return {"occupation": groups}
