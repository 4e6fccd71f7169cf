"""Unit tests written for mutation testing (issue 16) of metrics/defects.py, defect_phrases.py and
defect_stats.py: hand-computed cases at the rules' boundaries."""
import pickle

import pytest

from metrics.defect_phrases import PhraseSet, _flatten, load_phrases_file, phrase_pattern, phrase_set
from metrics.defect_stats import (
    DEFECTS, DefectCounts, _keep, balanced_splits, document_defects, excerpt, length_pile_up,
)
from metrics.defects import (
    _GOPHER_KEYS, GOPHER_DUP_NGRAMS, GOPHER_TOP_NGRAMS, cut_ending, dangling_ending, end_loop, escape_artifact,
    formatting_spans, gopher_failures, gopher_repetition, mojibake, repair_escapes, repeated_span,
)
from audit.documents import Document
from tests.conftest import docs_from_texts


# --- Gopher rules ----------------------------------------------------------------------------------
def test_empty_text_gives_every_measure_as_zero():
    assert gopher_repetition("") == dict.fromkeys(_GOPHER_KEYS, 0.0)
    assert set(gopher_repetition("One line here.")) == set(_GOPHER_KEYS)


def _measures(**values):
    m = dict.fromkeys(_GOPHER_KEYS, 0.0)
    m.update(values)
    return m


@pytest.mark.parametrize("key,limit,rule", [
    ("dup_para_frac", 0.30, "dup_para_frac"), ("dup_para_char_frac", 0.20, "dup_para_char_frac"),
    ("dup_line_frac", 0.30, "dup_line_frac"), ("dup_line_char_frac", 0.20, "dup_line_char_frac"),
    *[(f"dup_{k}_gram_char_frac", limit, f"duplicated_{k}_n_grams") for k, limit in GOPHER_DUP_NGRAMS],
])
def test_each_rule_fires_only_above_its_limit(key, limit, rule):
    """Rae et al. 2021 Table A1 limits: a value equal to the limit passes, the next float above fails."""
    assert gopher_failures(_measures(**{key: limit})) == []
    assert gopher_failures(_measures(**{key: limit + 1e-9})) == [rule]


@pytest.mark.parametrize("k,limit", GOPHER_TOP_NGRAMS)
def test_top_ngram_rule_needs_the_gram_twice(k, limit):
    char, count = f"top_{k}_gram_char_frac", f"top_{k}_gram_count"
    assert gopher_failures(_measures(**{char: limit + 1e-9, count: 2.0})) == [f"top_{k}_gram"]
    assert gopher_failures(_measures(**{char: limit, count: 2.0})) == []
    assert gopher_failures(_measures(**{char: limit + 1e-9, count: 1.0})) == []
    assert gopher_failures(_measures(**{char: 0.9, count: 2.0, "dup_line_frac": 0.5})) == [
        "dup_line_frac", f"top_{k}_gram"]


def test_top_ngram_count_and_ties_by_hand():
    # "b a b a b": bigrams (b,a) x2, (a,b) x2: the first seen wins the tie; 3 characters ("b a") x 2 of 9
    m = gopher_repetition("b a b a b")
    assert m["top_2_gram_count"] == 2.0 and m["top_2_gram_char_frac"] == pytest.approx(6 / 9)
    # trigrams (b,a,b) x2, (a,b,a) x1: 5 characters x 2 of 9
    assert m["top_3_gram_count"] == 2.0 and m["top_3_gram_char_frac"] == pytest.approx(10 / 9)
    assert m["top_4_gram_count"] == 1.0
    one = gopher_repetition("word")  # no bigram at all
    assert one["top_2_gram_count"] == 0.0 and one["top_2_gram_char_frac"] == 0.0


# --- where the repetition is ------------------------------------------------------------------------
def test_repeated_spans_by_hand():
    assert repeated_span("a\nb\na", "line") == (4, 5)
    assert repeated_span("x\ny\nx\ny", "line") == (4, 5)
    assert repeated_span("a\nb\nc", "line") is None
    assert repeated_span("p one\n\np two\n\np one", "paragraph") == (14, 19)
    assert repeated_span("a\n \nb\n \nc", "line") is None  # blank lines repeat, they are not shown
    assert repeated_span("\n\nx\n\n\nx", "paragraph") == (6, 7)
    # tokens a b c d e a b c d e: the 5-gram at token 5 repeats the first; characters 10..19
    assert repeated_span("a b c d e a b c d e", "ngram") == (10, 19)
    assert repeated_span("a b c d e f a b c d", "ngram") is None
    assert repeated_span("a b c d a", "ngram") is None


def test_rules_without_a_findable_repeat_mark_the_whole_text():
    # "red car" twice: the top bigram covers 14 of 15 characters, but no 5-gram repeats to point at
    text = "red car red car"
    found = document_defects(text)
    assert found.gopher == ("top_2_gram",) and found.spans["repeated_ngrams"] == (0, 15)
    assert found.spans["repeated_lines"] is None and found.spans["repeated_paragraphs"] is None
    lines = document_defects("ab\nab\ncd")
    assert lines.spans["repeated_lines"] == (3, 5) and lines.spans["repeated_paragraphs"] is None
    paras = document_defects("pp\n\npp\n\nqq")
    assert paras.spans["repeated_paragraphs"] == (4, 6)


# --- loops --------------------------------------------------------------------------------------------
def test_loop_needs_three_copies_over_twelve_tokens():
    assert end_loop("a " * 12) == (0, 23)  # 12 copies of one token; the span ends before the trailing space
    assert end_loop("a " * 11) is None  # 11 tokens: too few
    assert end_loop("x y z " + "a b c d " * 3) == (6, 29)  # a 4-token unit, 3 copies, exactly 12 tokens
    assert end_loop("a b c d e f " * 2) is None  # 12 tokens but 2 copies
    assert end_loop("x " + "a b c d " * 3 + "a b") == (2, 29)  # the last copy cut short still counts
    assert end_loop("x y " + "A b c D a B c d a b C d") == (4, 27)  # case does not matter
    assert end_loop("") is None


def test_loop_period_limit():
    unit64 = " ".join(f"w{i}" for i in range(64)) + " "
    unit65 = " ".join(f"w{i}" for i in range(65)) + " "
    assert end_loop(unit64 * 3) == (0, len(unit64 * 3) - 1)
    assert end_loop(unit65 * 3) is None
    assert end_loop("a b c d e " * 4, max_period=4) is None
    assert end_loop("a b c d e " * 4, max_period=5) == (0, 39)
    assert end_loop("a b " * 3, min_tokens=6) == (0, 11) and end_loop("a b " * 3, min_repeats=4) is None


def test_loop_reports_the_longest_loop():
    # period 2 ("b a") covers 12 tokens, period 1 only the last; the longest loop starts at the first "b"
    assert end_loop("z " + "b a " * 6) == (2, 25)


# --- endings --------------------------------------------------------------------------------------------
def test_cut_ending_spans_by_hand():
    assert cut_ending("He said stop") == (8, 12)
    assert cut_ending('He said "stop"') == (8, 14)  # closers are skipped, the last word is marked whole
    assert cut_ending("He said stop.  ") is None and cut_ending("(Stop.)") is None
    assert cut_ending('")') == (0, 2)  # closers only: nothing final before them
    assert cut_ending("   ") is None
    assert cut_ending("x" * 400) == (100, 400)  # only the last 300 characters are read for the last word
    assert cut_ending("see #tags") is None and cut_ending("ask @bob") is None and cut_ending("```") is None


def test_dangling_endings():
    assert dangling_ending("bread, milk,") and dangling_ending("a well-") and dangling_ending("the cat and  ")
    assert not dangling_ending("sand") and not dangling_ending("The end.")
    assert dangling_ending("x " * 30 + "and") and not dangling_ending("and " + "x " * 30)


# --- encoding -----------------------------------------------------------------------------------------
def test_escape_spans_by_hand():
    assert escape_artifact("a \\x41 b") == (2, 6)
    assert escape_artifact("&#x1F600; &#39;") == (0, 9)
    assert escape_artifact("\\U0001F62D") == (0, 10)
    assert escape_artifact("nbsp&nbsp;") == (4, 10)
    assert escape_artifact("a <U+12> b") is None  # four hex digits at least
    assert escape_artifact("plain") is None


def test_repair_leaves_impossible_code_points():
    assert repair_escapes("<U+110000> \\U00110000") == "<U+110000> \\U00110000"
    assert repair_escapes("\\U0001F62D and \\u00e9") == "😭 and é"
    assert repair_escapes("<U+00E9>") == "é" and repair_escapes("\\U0001F62D") == "😭"


def test_mojibake_span():
    text = "so cafÃ© ok"
    a, b = mojibake(text)  # ftfy's pattern decides how much context it takes; the damage lies inside
    assert 0 < a <= 6 and b >= 8 and "Ã©" in text[a:b]
    assert mojibake("") is None


# --- formatting -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("key,text,span", [
    ("markdown_bold", "an __important__ word", (3, 16)),
    ("markdown_bold", "x **b** y", (2, 7)),
    ("url", "go to WWW.EXAMPLE.COM now", (6, 21)),
    ("url", "HTTP://X.ORG", (0, 12)),
    ("url", "at www.example.org", (3, 18)),
    ("code_fence", "~~~\ncode", (0, 3)),
    ("code_fence", "```", (0, 3)),
    ("hashtag", "so #fun", (3, 7)),
    ("markdown_header", "# T", (0, 3)),
    ("mention", "hi @bob", (3, 7)),
])
def test_formatting_feature_spans(key, text, span):
    assert formatting_spans(text)[key] == span


def test_formatting_needs_its_character():
    got = formatting_spans("plain words only")
    assert list(got) == ["markdown_header", "markdown_list", "markdown_bold", "code_fence", "emoji", "url",
                         "mention", "hashtag"]
    assert all(v is None for v in got.values())


# --- phrase matching (defect_phrases) ----------------------------------------------------------------
def _span(lists, category, text):
    return PhraseSet(lists).spans(text)[category]


def test_phrase_matching_rules():
    ps = {"refusal": ["don't know"]}
    assert _span(ps, "refusal", "I don’t know.") == (2, 12)  # ' matches ’
    assert _span(ps, "refusal", "I DON'T \n  know") == (2, 15)  # case and any white space
    assert _span(ps, "refusal", "I don't knowledge") is None and _span(ps, "refusal", "xdon't know") is None
    assert _span({"refusal": ["作为人工"]}, "refusal", "我作为人工智能") == (1, 5)  # no word edges in Han
    assert _span({"refusal": ["作为ai"]}, "refusal", "我作为ai的") is None  # a Latin end is a word end
    assert _span({"refusal": ["as an ai,"]}, "refusal", "as an ai,x") == (0, 9)  # ends on a comma: no edge
    assert _span({"refusal": ["ai"]}, "refusal", "she said it") is None


def test_labels_only_at_a_line_start():
    ps = {"leftover": ["Input:", "### Response", "[your name]"]}
    assert _span(ps, "leftover", "Input：x") == (0, 6)
    assert _span(ps, "leftover", "Input : x") == (0, 7)
    assert _span(ps, "leftover", "a\n> Input: x") == (2, 10)
    assert _span(ps, "leftover", "the Input: x") is None
    assert _span(ps, "leftover", "see ### Response") is None and _span(ps, "leftover", "### response\n") == (0, 12)
    assert _span(ps, "leftover", "Regards, [Your Name]") == (9, 20)  # not a label: anywhere
    assert _span({"refusal": ["note:"]}, "refusal", "a note: b") == (2, 7)  # labels are a leftover thing
    assert _span({"leftover": [":"]}, "leftover", "x\n: y") == (2, 3)  # a phrase without a needle


def test_earliest_phrase_wins():
    ps = {"refusal": ["zeta", "alpha"]}
    assert _span(ps, "refusal", "alpha zeta") == (0, 5) and _span(ps, "refusal", "zeta alpha") == (0, 4)
    lo = {"leftover": ["Output:"]}
    assert _span(lo, "leftover", "{name}\nOutput: x") == (0, 6)  # a placeholder before the label
    assert _span(lo, "leftover", "Output: x {name}") == (0, 7)
    assert _span(lo, "leftover", "x <|im_start|>") == (2, 14) and _span(lo, "leftover", "[INST] hi") == (0, 6)


def test_preamble_and_signoff_windows():
    pre, sign = {"preamble": ["sure"]}, {"signoff": ["thanks"]}
    assert _span(pre, "preamble", " " * 200 + "sure thing") == (200, 204)  # leading white space is skipped
    assert _span(pre, "preamble", "x" * 115 + " sure") == (116, 120)  # ends at character 120
    assert _span(pre, "preamble", "x" * 116 + " sure") is None
    assert _span(sign, "signoff", "thanks " + "y" * 293) == (0, 6)  # starts 300 characters from the end
    assert _span(sign, "signoff", "thanks " + "y" * 294) is None
    assert _span(sign, "signoff", "thanks " + "y" * 293 + "  \n") == (0, 6)


def test_phrase_sets_compare_and_pickle_by_their_lists():
    ps = PhraseSet({"refusal": ["b", "a", "b"], "nonsense": ["x"]})
    assert ps.lists == {"refusal": ["a", "b"], "preamble": [], "signoff": [], "leftover": []}
    back = pickle.loads(pickle.dumps(ps))
    assert back == ps and back.spans("so a b") == ps.spans("so a b") and back.spans("so a")["refusal"] == (3, 4)
    assert ps != PhraseSet({"refusal": ["a"]}) and ps != "a b"


@pytest.mark.parametrize("data,message", [
    (["x"], "what must map categories (refusal, preamble, signoff, leftover) to phrase lists"),
    ({"refusal": "x"}, "what: 'refusal' must hold lists of non-empty strings"),
    ({"refusal": ["ok", "  "]}, "what: 'refusal' must hold lists of non-empty strings"),
    ({"signoff": {"en": ["ok"], "fr": [1]}}, "what: 'signoff' must hold lists of non-empty strings"),
    ({"refusals": ["x"]}, "what: unknown category 'refusals'; choose from refusal, preamble, signoff, leftover"),
])
def test_bad_phrase_lists_say_why(data, message):
    with pytest.raises(ValueError) as err:
        _flatten(data, "what")
    assert str(err.value) == message


def test_phrase_files_json_and_toml(tmp_path):
    toml = tmp_path / "p.TOML"
    toml.write_text('[refusal]\nsv = ["som en ai"]\nda = ["som en ai-model"]\n', encoding="utf-8")
    assert load_phrases_file(toml) == {"refusal": ["som en ai", "som en ai-model"]}
    js = tmp_path / "p.json"
    js.write_text('{"leftover": ["<<X>>"], "refusal": {"sv": ["é"]}}', encoding="utf-8")
    assert load_phrases_file(str(js)) == {"leftover": ["<<X>>"], "refusal": ["é"]}
    with pytest.raises(ValueError, match="p.json: unknown category"):
        js.write_text('{"x": []}', encoding="utf-8")
        load_phrases_file(js)
    ps = phrase_set(toml)
    assert "som en ai" in ps.lists["refusal"] and "as an ai language model" in ps.lists["refusal"]
    assert phrase_set({}) == phrase_set()
    with pytest.raises(ValueError, match="^defect phrases: unknown category"):
        phrase_set({"x": ["y"]})


def test_phrase_pattern_is_a_regular_expression_for_the_phrase():
    import re

    assert re.fullmatch(phrase_pattern("a b"), "a \t b") and not re.fullmatch(phrase_pattern("a b"), "ab")
    assert re.search(phrase_pattern("x:", line_start=True), "  x :") and not re.search(
        phrase_pattern("x:", line_start=True), "y x:")


# --- per document and per corpus (defect_stats) -----------------------------------------------------
def test_document_defects_chat_and_dangling():
    d = document_defects("The end. I hope this helps!")
    assert d.spans["chat"] == d.spans["signoff"] == (9, 26) and d.spans["preamble"] is None
    d = document_defects("Sure, here's the plan:\nWe go to the")
    assert d.spans["chat"] == d.spans["preamble"] == (0, 12)
    assert d.dangling and d.spans["cut_ending"] == (32, 35) and d.n_tokens == 10
    assert not document_defects("We went to the.").dangling and not document_defects("Cut here").dangling
    mine = PhraseSet({"refusal": ["nope"]})
    assert document_defects("nope, as an AI language model.", mine).spans["refusal"] == (0, 4)
    assert set(document_defects("").spans) == set(DEFECTS)


def test_excerpt_by_hand():
    text = "0123456789" * 3
    assert excerpt(text, (12, 15), context=5) == {"text": text[7:20], "span": [5, 8], "cut_before": True,
                                                  "cut_after": True}
    assert excerpt(text, (0, 3), context=5) == {"text": text[0:8], "span": [0, 3], "cut_before": False,
                                                "cut_after": True}
    assert excerpt(text, (27, 30), context=5)["cut_after"] is False
    assert excerpt(text, (12, 20), context=5, max_mark=2) == {"text": text[7:19], "span": [5, 7],
                                                               "cut_before": True, "cut_after": True}
    long = "x" * 1000
    assert excerpt(long, (500, 900)) == {"text": long[380:920], "span": [120, 420], "cut_before": True,
                                         "cut_after": True}


def test_keep_smallest_hashes_one_per_hash():
    kept = _keep([], (5, "b", 1), 2)
    assert kept == [(5, "b", 1)]
    kept = _keep(kept, (5, "a", 2), 2)
    assert kept == [(5, "a", 2)]  # the same text again: the smaller id
    assert _keep(kept, (5, "c", 3), 2) == [(5, "a", 2)]
    kept = _keep(kept, (3, "z", 4), 2)
    assert kept == [(3, "z", 4), (5, "a", 2)]
    assert _keep(kept, (9, "a", 5), 2) == kept and _keep(kept, (1, "a", 6), 2) == [(1, "a", 6), (3, "z", 4)]


def test_counts_keep_the_smallest_hash_examples():
    from metrics.defect_stats import _content_hash

    texts = [f"As an AI language model, I refuse number {i}." for i in range(7)] + ["A fine sentence."]
    acc = DefectCounts(examples=2)
    for d in docs_from_texts(texts):
        acc.add(d)
    hashes = sorted((_content_hash(t), t) for t in texts[:7])
    assert [e[2]["text"] for e in acc.examples["refusal"]] == [t for _, t in hashes[:2]]
    assert [e[1] for e in acc.examples["refusal"]] == [str(texts.index(t)) for _, t in hashes[:2]]
    assert sum(acc.counts["refusal"]) == 7 and acc.n_docs == 8
    for t in texts:
        assert acc.n[_content_hash(t) & 7] >= 1  # each document in the bucket of its hash's low 3 bits
    assert sum(acc.n[b] for b in {_content_hash(t) & 7 for t in texts}) == 8
    assert sum(sum(h.values()) for h in acc.lengths) == 8
    assert {k for h in acc.lengths for k in h} == {11, 4}  # 11 tokens per refusal ("0" and "." count), 4 in the last
    assert acc.length_examples[4][1:] == ("7", "A fine sentence.")


def test_counts_gopher_dangling_and_configure():
    acc = DefectCounts()
    for d in docs_from_texts(["ab\nab\ncd", "We went to the", "Done."]):
        acc.add(d)
    assert acc.gopher == {"dup_line_frac": 1, "dup_line_char_frac": 1} and sum(acc.dangling) == 1
    acc.configure(None)
    acc.configure({"defect_phrases": None})
    assert acc.phrases is None
    acc.configure({"defect_phrases": {"refusal": ["nope"]}})
    assert acc.phrases == phrase_set({"refusal": ["nope"]})
    with pytest.raises(ValueError, match="^cannot merge defect counts made with different phrase lists$"):
        acc.merge(DefectCounts())
    mine = phrase_set({"refusal": ["nope"]})
    merged = DefectCounts(mine).merge(DefectCounts(mine))
    assert merged.phrases == mine  # the merged counts go on with the user's phrases
    merged.add(docs_from_texts(["nope, not this."])[0])
    assert sum(merged.counts["refusal"]) == 1
    small, big = DefectCounts(examples=1), DefectCounts(examples=3)
    assert small.merge(big).k == 3 and big.merge(small).k == 3


def test_merge_keeps_the_smaller_length_example():
    a, b = DefectCounts(), DefectCounts()
    a.add(docs_from_texts(["one two three"])[0])
    b.add(docs_from_texts(["four five six"])[0])
    ab, ba = a.merge(b), b.merge(a)
    assert ab.length_examples == ba.length_examples and len(ab.length_examples) == 1
    assert ab.length_examples[3] == min(a.length_examples[3], b.length_examples[3])


@pytest.mark.parametrize("buckets", [0, 1, 6, 12])
def test_balanced_splits_need_a_power_of_two(buckets):
    with pytest.raises(ValueError, match=f"^buckets must be a power of two >= 2, got {buckets}$"):
        balanced_splits(buckets)


def test_two_buckets_one_split():
    assert balanced_splits(2) == [((0,), (1,))]


def test_length_pile_up_boundaries():
    assert length_pile_up({19: 5}) == {"share": 0.0, "excess": 0, "cap": None, "window": None, "n": 5}
    assert length_pile_up({20: 5}) == {"share": 1.0, "excess": 5, "cap": 20, "window": [19, 20], "n": 5}
    # 1 document of 100 above 20: exactly the 1% allowed, so 20 is a candidate cap
    assert length_pile_up({20: 99, 30: 1})["cap"] == 20
    assert length_pile_up({20: 98, 30: 2})["cap"] == 30
    # window (90, 100] holds 10, the one below (80, 90] holds 4 (the 90s), the 80s are outside both
    got = length_pile_up({100: 10, 90: 4, 80: 3})
    assert (got["cap"], got["excess"], got["window"]) == (100, 6, [91, 100])
    assert got["share"] == pytest.approx(6 / 17)
    # equal excesses: the first (smallest) cap is kept
    assert length_pile_up({50: 5, 100: 5}, max_above=1.0)["cap"] == 50
    assert length_pile_up({100: 10, 60: 4}, width=0.5, max_above=0.5)["excess"] == 14
    assert length_pile_up({10: 5}, min_length=10)["cap"] == 10
    assert length_pile_up({}) == {"share": 0.0, "excess": 0, "cap": None, "window": None, "n": 0}


def test_defect_specs_table_invariants():
    """The registry entries (declarative data): checked for what every entry must hold, not re-typed."""
    import importlib

    import metrics.registry_defects as rd
    from metrics.registry import REGISTRY, MetricSpec

    rd = importlib.reload(rd)  # the entries are built inside the test, so a change to their helper shows
    specs = [MetricSpec(**kw) for kw in rd.DEFECT_SPECS]
    names = [s.name for s in specs]
    assert len(set(names)) == len(names) == 20
    for s in specs:
        assert s.family == "defects" and s.kind == "per_corpus" and s.absolute is True, s.name
        assert s.title and s.description and 0 < s.warn < s.fail < 1, s.name
        assert (s.better == "lower") == s.name.endswith("_rate") == ("lower is better" in s.description), s.name
        assert (s.better == "closer") == s.name.endswith("_share"), s.name
        assert REGISTRY[s.name] == s  # the registry serves these entries as they are
    assert {s.name[:-len("_share")] for s in specs if s.better == "closer"} == {
        "markdown_header", "markdown_list", "markdown_bold", "code_fence", "emoji", "url", "mention", "hashtag"}


def test_labels_with_full_width_colons_and_spaced_phrases():
    ps = {"leftover": ["答案："]}
    assert _span(ps, "leftover", "答案: x") == (0, 3) and _span(ps, "leftover", "x 答案：y") is None
    assert _span({"leftover": ["Input :"]}, "leftover", "Input: x") == (0, 6)
    assert _span({"refusal": ["don't  know"]}, "refusal", "I don't know") == (2, 12)  # any white space run
    assert _span({"refusal": ["Xbox"]}, "refusal", "my xbox") == (3, 7)


def test_examples_keep_the_smaller_id_of_one_text_and_odd_texts_count():
    from metrics.defect_stats import _content_hash

    acc = DefectCounts(examples=1)
    text = "As an AI language model, I decline."
    for d in [Document(id="2", text=text), Document(id="1", text=text)]:
        acc.add(d)
    assert [e[:2] for e in acc.examples["refusal"]] == [(_content_hash(text), "1")]
    assert acc.length_examples[9][:2] == (_content_hash(text), "1")  # 9 tokens
    acc.add(Document(id="3", text="lone \ud800 surrogate"))  # hashed as it is, not refused
    assert acc.n_docs == 3
    mine = DefectCounts(phrase_set({"refusal": ["nope"]}))
    mine.add(Document(id="1", text="nope."))
    assert sum(mine.counts["refusal"]) == 1


def test_pile_up_counts_every_document_above():
    # 2 documents above 20 (one at 30, one at 40): more than 1% of 100, so 20 is no cap; 30 has 1 above
    assert length_pile_up({20: 98, 30: 1, 40: 1})["cap"] == 30


def test_loop_edges():
    assert end_loop("x a a a", min_tokens=3) == (2, 7)  # a one-token unit: only period 1 fits 3 copies in 4 tokens
    assert end_loop("a b " * 6 + "c") is None  # the last token breaks the loop
    assert cut_ending("He said stop  ") == (8, 12)  # trailing white space is not the ending
