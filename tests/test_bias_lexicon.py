"""metrics.bias_lexicon: normalisation, sentence split, lexicon validation and files, the matcher's spans,
plural variants and containment rule, each on hand-written cases."""
import json

import pytest

from metrics.bias_lexicon import (TermMatcher, load_groups_file, load_word_list, matcher_for, merge_groups,
                                  normalize_for_match, occupations_lexicon, split_sentences, validate_groups)


def test_normalize_nfkc_casefold_apostrophes_and_possessive():
    assert normalize_for_match("ﬁrst ＷＯＭＡＮ") == "first woman"  # NFKC: ligature and full-width letters
    assert normalize_for_match("STRASSE Straße") == "strasse strasse"  # casefold, not lower
    assert normalize_for_match("the nurse’s and the nurse's bag") == "the nurse and the nurse bag"
    assert normalize_for_match("") == ""


def test_split_sentences_on_closing_quotes_and_blank_lines_only():
    assert split_sentences('He said "No." Then "Yes!" (Fine.) ok') == ['He said "No.', 'Then "Yes!', "(Fine.", "ok"]
    assert split_sentences("one\ntwo") == ["one\ntwo"]
    assert split_sentences("one\n\n\n  two  ") == ["one", "two"]
    assert split_sentences("a.b and 3.5 stay") == ["a.b and 3.5 stay"]
    assert split_sentences("  \n\n ") == []


@pytest.mark.parametrize("groups, msg", [
    (["x"], "bias groups: expected a mapping axis -> group -> [terms], got list"),
    ({"ax": ["x"]}, "bias groups: axis 'ax' must map group names to term lists"),
    ({"ax": {"g": "woman"}}, "bias groups: ax/g must be a list of terms"),
    ({"ax": {"g": 5}}, "bias groups: ax/g must be a list of terms"),
    ({"ax": {"g": ["!!", "..."]}}, "bias groups: ax/g has no usable term"),
    ({"ax": {"g": []}}, "bias groups: ax/g has no usable term"),
])
def test_validate_groups_messages(groups, msg):
    with pytest.raises(ValueError) as e:
        validate_groups(groups)
    assert str(e.value) == msg


def test_validate_groups_cleans_and_copies():
    src = {1: {2: ["ok", "!!", 7]}}
    out = validate_groups(src)
    assert out == {"1": {"2": ["ok", "7"]}}  # keys and terms as strings, unusable terms dropped
    out["1"]["2"].append("x")
    assert src == {1: {2: ["ok", "!!", 7]}}
    with pytest.raises(ValueError, match="^mine: expected a mapping"):
        validate_groups(3, what="mine")


def test_load_groups_file_names_the_file_and_reads_upper_case_toml(tmp_path):
    t = tmp_path / "g.TOML"
    t.write_text('[caste]\ndalit = ["Dalit"]\n')
    assert load_groups_file(t) == {"caste": {"dalit": ["Dalit"]}}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"caste": {"dalit": "Dalit"}}))
    with pytest.raises(ValueError) as e:
        load_groups_file(str(bad))
    assert str(e.value) == f"{bad}: caste/dalit must be a list of terms"


def test_merge_groups_without_extra_and_bad_extra():
    base = {"a": {"g": ["x"]}}
    assert merge_groups(base, None) == base and merge_groups(base, {}) == base
    assert merge_groups(base, {"a": {"h": ["y"]}}) == {"a": {"g": ["x"], "h": ["y"]}}
    with pytest.raises(ValueError, match="^user bias groups: a/g must be a list"):
        merge_groups(base, {"a": {"g": "y"}})


def test_load_word_list_drops_comments_and_blank_lines():
    occ = load_word_list("occupations.txt")
    assert occ[:2] == ["accountant", "actor"] and "ceo|chief executive|chief executive officer" in occ
    assert not any(w.startswith("#") or not w or w != w.strip() for w in occ)


def test_occupations_lexicon_first_form_names_the_group():
    lex = occupations_lexicon()
    assert list(lex) == ["occupation"]
    assert lex["occupation"]["ceo"] == ["ceo", "chief executive", "chief executive officer"]
    assert lex["occupation"]["actor"] == ["actor"]


def test_plural_variant_only_for_terms_not_ending_in_s():
    m = TermMatcher({"x": {"bus": ["bus"], "cat": ["cat"]}})
    assert m.terms_in("two cats and a bus") == [("cat", ("x", "cat")), ("bus", ("x", "bus"))]
    assert m.terms_in("buss") == []  # "bus" gets no "buss" variant
    assert m.labels == [("x", "bus"), ("x", "cat")]


@pytest.mark.parametrize("order", [["cat", "cats"], ["cats", "cat"]])
def test_a_term_that_is_also_a_plural_reports_itself(order):
    m = TermMatcher({"x": {order[0]: [order[0]], order[1]: [order[1]]}})
    assert m.terms_in("cats") == [("cats", ("x", "cat")), ("cats", ("x", "cats"))]
    assert m.terms_in("cat") == [("cat", ("x", "cat"))]


def test_spans_positions_in_the_normalised_text():
    m = TermMatcher({"x": {"g": ["new york"]}, "y": {"h": ["york"]}})
    assert m.spans("") == []
    assert m.spans("i love new york") == [(7, 15, "new york", ("x", "g")), (11, 15, "york", ("y", "h"))]
    assert m.spans("york") == [(0, 4, "york", ("y", "h"))]


def test_containment_drops_only_spans_inside_a_longer_one_of_the_same_axis():
    m = TermMatcher({"x": {"a": ["new york"], "b": ["york city"], "c": ["york"], "d": ["new"]}})
    # "new york" (0-8) and "york city" (4-13) overlap without containment: both kept; "york" and "new" are
    # inside a longer span of the axis and dropped
    assert m.terms_in("new york city") == [("new york", ("x", "a")), ("york city", ("x", "b"))]
    assert m.terms_in("york") == [("york", ("x", "c"))]
    # the same span under two groups of one axis is kept for both
    two = TermMatcher({"x": {"a": ["black"], "b": ["black"]}})
    assert two.labels_in("Black") == frozenset({("x", "a"), ("x", "b")})
    # two separate mentions of one axis are both kept, however the spans sort
    assert m.terms_in("york and new") == [("york", ("x", "c")), ("new", ("x", "d"))]
    three = TermMatcher({"x": {"a": ["a b c"], "b": ["b"], "c": ["c d"]}})
    assert three.terms_in("a b c d") == [("a b c", ("x", "a")), ("c d", ("x", "c"))]


def test_matcher_for_is_cached_per_lexicon():
    a = matcher_for({"x": {"g": ["one"]}})
    assert matcher_for({"x": {"g": ["one"]}}) is a
    assert matcher_for({"x": {"g": ["two"]}}) is not a
    assert a.labels_in("One!") == frozenset({("x", "g")})


def test_load_word_list_cuts_at_the_first_hash(monkeypatch):
    from metrics import bias_lexicon

    monkeypatch.setattr(bias_lexicon, "_read_data", lambda name: "a # b # c\n\n  x  \n# only a comment\ny#\n")
    assert load_word_list("any.txt") == ["a", "x", "y"]


def test_shipped_lexicon_is_read_as_utf_8():
    from metrics.bias_lexicon import default_groups

    assert default_groups()["religion"]["other_religion"][0] == "Bahá'í"


def test_matcher_cache_key_ignores_the_order_of_axes_and_groups():
    a = matcher_for({"x": {"g": ["one"], "h": ["two"]}, "y": {"k": ["three"]}})
    assert matcher_for({"y": {"k": ["three"]}, "x": {"h": ["two"], "g": ["one"]}}) is a


def test_containment_with_exactly_two_matches_and_a_match_at_the_start():
    m = TermMatcher({"x": {"a": ["new york"], "c": ["york"]}})
    assert m.terms_in("new york") == [("new york", ("x", "a"))]  # two matches, one inside the other
    short = TermMatcher({"x": {"a": ["i"], "b": ["me"]}})
    assert short.terms_in("i me") == [("i", ("x", "a")), ("me", ("x", "b"))]  # a span ending at 1 is kept
