"""``document_defects`` skips the Gopher repetition measures when no rule can fire (one line, no word bigram
seen twice): the rules it reports must equal those of the full measures on every text, repetitive or not."""
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
