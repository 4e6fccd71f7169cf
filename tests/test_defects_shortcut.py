"""Shortcuts of the per-document defect pass must not change what it finds: ``document_defects`` skips the
Gopher repetition measures when no rule can fire (one line, no word bigram seen twice), and phrase
matching finds the candidate phrases with one Aho-Corasick pass instead of testing each needle."""
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.defect_stats import _may_repeat, document_defects
from metrics.defects import gopher_failures, gopher_repetition, gopher_tokens
from tests.test_defects import corpus_texts

WORDS = st.sampled_from(["a", "b", "the", "cat", "sat", ".", ",", "mat", "\n", "\n\n", "dog", "ran"])


def _full_rules(text: str) -> tuple:
    return tuple(gopher_failures(gopher_repetition(text, gopher_tokens(text)))) if text else ()


def test_rules_equal_the_full_measures_on_real_and_repetitive_texts():
    texts = corpus_texts() + ["a b a b", "a b c a b", "one line only here", "x\nx", ""]
    for text in texts:
        assert document_defects(text).gopher == _full_rules(text), text[:60]
    skipped = [t for t in texts if t and not _may_repeat(t, gopher_tokens(t))]
    assert skipped and all(_full_rules(t) == () for t in skipped)  # the shortcut is taken, and rightly


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, max_size=40))
def test_rules_equal_the_full_measures_on_generated_texts(words):
    text = " ".join(words)
    assert document_defects(text).gopher == _full_rules(text)


def _first_by_scan(ps, category, text, folded, lo=0, present=None):
    """The reference: every entry tried whose needle is a substring of ``folded`` (no automaton; the
    candidates the fast path found, ``present``, are ignored)."""
    best = None
    for needle, pattern in ps._compiled[category]:  # (needle, regular expression not yet compiled)
        if needle and needle not in folded:
            continue
        m = re.compile(pattern, re.IGNORECASE).search(text, lo)
        if m and (best is None or m.start() < best[0]):
            best = m.span()
    return best


def test_phrase_spans_equal_a_needle_by_needle_scan(monkeypatch):
    from metrics.defect_phrases import PhraseSet, default_phrases, phrase_set

    ps = phrase_set({"refusal": ["as an ai", "i can't", "ai"], "leftover": ["Input:", "input"]})
    texts = corpus_texts() + ["", "hi can't do it", "AS AN AI model, I CAN'T", "Input: x\ninput y", "Input：z"]
    for cat, phrases in default_phrases().items():
        for p in phrases:
            texts += [f"{p} and then some words", f"Intro words here. {p.upper()}\n\nmore text {p}", f"x{p}x"]
    fast = [ps.spans(t) for t in texts]
    monkeypatch.setattr(PhraseSet, "_first", _first_by_scan)
    slow = [ps.spans(t) for t in texts]
    assert fast == slow
    assert sum(any(v is not None for v in s.values()) for s in fast) > len(texts) // 2  # most texts hit


def _dangling_by_regex(text: str) -> bool:
    """The reference: the regular expression searched over the last 40 characters, for every text."""
    from metrics.defects import _OPEN_END

    return bool(_OPEN_END.search(text.rstrip()[-40:]))


# word characters and not, ASCII and not, with Unicode's case-folding traps: dotless/dotted i, long s, Kelvin
_TAIL_CHARS = st.sampled_from(list("aAnNdDtThHeEiIsSuU_3 ,.-–=\n!?") + ["İ", "ı", "ſ", "K", "é", "и", "И", "в", "ч",
                                                                         "т", "о", "Т", "Ч", "²", "٣", "中"])


def test_dangling_ending_equals_the_regular_expression_on_real_and_tricky_texts():
    from metrics.defects import _OPEN_WORD_LIST, dangling_ending

    texts = corpus_texts() + ["", " ", "and", "AND", "brand", "sand and", "x_and", "_and", "3and", "der_", "É and",
                              "éand", "İN", "İn", "ın", "daſ", "DAS", "ЧТО", "что", "нечто", "И", "в", "в.", "x —",
                              "x–", "x«", "x =", "x (", "the\n", "a" * 38 + " and", "a" * 45, "and" + "x" * 40]
    texts += [f"Some words {w}" for w in _OPEN_WORD_LIST] + [f"Some words {w.upper()}" for w in _OPEN_WORD_LIST]
    got = [dangling_ending(t) for t in texts]
    assert got == [_dangling_by_regex(t) for t in texts]
    assert sum(got) > len(_OPEN_WORD_LIST)  # many say yes: every listed word, upper case too


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(_TAIL_CHARS, st.sampled_from(["and", "THE", "İN", "daſ", "ЧТО", "Und", "o", "e"])), max_size=30))
def test_dangling_ending_equals_the_regular_expression_on_generated_texts(chars):
    from metrics.defects import dangling_ending

    text = "".join(chars)
    assert dangling_ending(text) == _dangling_by_regex(text)


def test_phrase_spans_with_needles_shared_by_categories_equal_the_scan(monkeypatch):
    """One automaton holds every category's needles: a needle in several categories counts for each."""
    from metrics.defect_phrases import PhraseSet, phrase_set

    ps = phrase_set({"refusal": ["sorry", "i cannot"], "preamble": ["sure", "sorry"], "signoff": ["sorry", "bye"],
                     "leftover": ["Sure:", "input"]})
    texts = ["Sure: sorry, I cannot. Bye", "sorry", "Sure thing", "SURE:\nsorry", "bye input", "nothing here",
             "x" * 150 + " sorry bye", "sorry " + "y" * 400 + " bye"]  # short texts, then long ones
    fast = [ps.spans(t) for t in texts]
    monkeypatch.setattr(PhraseSet, "_first", _first_by_scan)
    assert fast == [ps.spans(t) for t in texts]
    assert fast[1] == {"refusal": (0, 5), "preamble": (0, 5), "signoff": (0, 5), "leftover": None}
