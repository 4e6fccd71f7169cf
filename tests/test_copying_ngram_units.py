"""ngram_copy_rate and token_window on token lists short enough to find every shared span by eye.

With n = 2 a shared span of L tokens is L - 1 matching bigrams on one diagonal (real position - synthetic
position) of one real document at consecutive synthetic positions; each case below breaks one of those
conditions and states the longest span a reader finds by hand.
"""
import pytest

from metrics.copying import ngram_copy_rate, token_window
from tests.test_copying_units import _wilson


def _best(real, synth, **kw):
    r = ngram_copy_rate(real, [synth], n=2, **kw)
    ex = r.details["examples"]
    return (ex[0]["real_id"], ex[0]["span_tokens"], ex[0]["span_text"]) if ex else None


def test_longest_span_breaks_at_a_gap_on_the_same_diagonal():
    # "a b" and "d e" are both on diagonal 0, but "X" breaks the span: two spans of 2, the first kept
    assert _best([list("abcdef")], list("abXde")) == ("0", 2, "a b")


def test_longest_span_breaks_where_the_real_document_changes():
    # "a b" in doc 0 and "b c d" in doc 1 sit on the same diagonal at consecutive positions: not one span
    assert _best([list("ab"), list("qbcd")], list("abcd")) == ("1", 3, "b c d")
    # doc 0 holds "b c" at real position 2, between doc 1's positions of the whole "a b c d"
    assert _best([list("zzbc"), list("qabcd")], list("abcd")) == ("1", 4, "a b c d")


def test_longest_span_breaks_where_the_diagonal_changes():
    # "a b c" at real 0..2, then "c d" at real 4..5: consecutive synthetic positions, another diagonal
    assert _best([list("abcxcd")], list("abcd")) == ("0", 3, "a b c")
    # the longer of two spans in one document wins, wherever it is
    assert _best([list("abxcde")], list("abcde")) == ("0", 3, "c d e")


def test_rate_examples_order_and_details_by_hand():
    real = [list("pqrs"), list("abc")]
    synth = [list("abc"), list("pqr"), list("pqrstuv"), ["zz"], list("xy")]
    r = ngram_copy_rate(real, synth, n=2, real_ids=["R0", "R1"], synth_ids=[f"s{i}" for i in range(5)])
    # s0 shares 3 tokens with R1, s1 3 with R0, s2 4 with R0; s3 (one token) is shorter than n, s4 shares nothing
    assert r.value == pytest.approx(3 / 5) and r.n == 5 and r.ci == pytest.approx(_wilson(3, 5), abs=1e-9)
    assert r.details == {"n": 2, "copied_docs": 3, "longest_span": 4, "median_span": 3.0, "short_docs": 1,
                         "examples": [
        {"kind": "ngram", "synth_id": "s2", "real_id": "R0", "span_tokens": 4, "span_text": "p q r s",
         "similarity": 0.5714},  # 4 of 7 tokens
        # equal spans: by synthetic position, not by real document
        {"kind": "ngram", "synth_id": "s0", "real_id": "R1", "span_tokens": 3, "span_text": "a b c",
         "similarity": 1.0},
        {"kind": "ngram", "synth_id": "s1", "real_id": "R0", "span_tokens": 3, "span_text": "p q r",
         "similarity": 1.0},
    ]}


def test_nothing_shared_and_unigrams():
    r = ngram_copy_rate([list("ab")], [list("cd")], n=2)
    assert r.value == 0 and r.details == {"n": 2, "copied_docs": 0, "longest_span": 0, "median_span": None,
                                          "short_docs": 0, "examples": []}
    # n = 1 is allowed; a one-token document copied whole has similarity 1
    r = ngram_copy_rate([["a"]], [["a"], ["b"]], n=1)
    assert r.value == 0.5 and r.details["examples"] == [
        {"kind": "ngram", "synth_id": "0", "real_id": "0", "span_tokens": 1, "span_text": "a", "similarity": 1.0}]


def test_default_is_thirteen_grams_and_twenty_examples():
    doc = [f"w{i}" for i in range(13)]
    r = ngram_copy_rate([doc], [doc] * 21)
    assert r.details["n"] == 13 and r.details["short_docs"] == 0 and r.details["copied_docs"] == 21
    assert r.details["longest_span"] == 13 and len(r.details["examples"]) == 20
    assert ngram_copy_rate([doc], [doc[:12]]).details["short_docs"] == 1


def test_a_hash_collision_is_not_a_copy_and_the_next_document_is_still_read():
    # CPython hashes -1 and -2 alike, so (-1,) and (-2,) are one gram hash; the token check rejects it
    assert hash((-1,)) == hash((-2,))
    r = ngram_copy_rate([[-1]], [[-2], [-1]], n=1, max_examples=0)
    assert r.details["copied_docs"] == 1 and r.value == 0.5


def test_a_boilerplate_gram_names_the_first_real_document_holding_it():
    # "the end" is in 400 real documents; spans are seeded from the first 50 of them (a stable sort), so
    # the real document named is the first one
    real = [[f"u{i}", "the", "end", f"v{i}"] for i in range(400)]
    assert _best(real, ["the", "end"]) == ("0", 2, "the end")


def test_errors():
    with pytest.raises(ValueError, match=r"^ngram_copy_rate: empty corpus$"):
        ngram_copy_rate([], [["a"]])
    with pytest.raises(ValueError, match=r"^ngram_copy_rate: empty corpus$"):
        ngram_copy_rate([["a"]], [])
    with pytest.raises(ValueError, match=r"^ngram_copy_rate: n must be >= 1, got 0$"):
        ngram_copy_rate([["a"]], [["a"]], n=0)


# --- token_window: 100 words "w000".."w099", word i at characters [5i, 5i + 4) ----------------------------
TEXT = " ".join(f"w{i:03d}" for i in range(100))  # 499 characters


def test_window_is_cut_60_characters_before_the_span():
    assert token_window(TEXT, 40, 3) == {"text": TEXT[140:440], "span": [60, 74], "offset": 140}


def test_window_at_the_start_and_at_the_end():
    assert token_window(TEXT, 5, 2) == {"text": TEXT[:300], "span": [25, 34], "offset": 0}
    # the last two tokens: the window ends with the text
    assert token_window(TEXT, 98, 2) == {"text": TEXT[199:], "span": [291, 300], "offset": 199}
    # a span longer than the window ends with it
    assert token_window(TEXT, 0, 100) == {"text": TEXT[:300], "span": [0, 300], "offset": 0}


def test_a_text_within_the_limit_is_whole():
    short = TEXT[:300]
    assert token_window(short, 1, 1, limit=300) == {"text": short, "span": [5, 9]}


def test_spans_that_cannot_be_located_fall_back_to_a_snippet():
    assert token_window("a b c", 2, 5) == {"text": "a b c", "span": None}  # past the last token
    folded = "Straße " + "w" * 400  # casefolding changes the length: offsets would not map back
    assert token_window(folded, 0, 1, limit=50) == {"text": folded[:49] + "…", "span": None}
