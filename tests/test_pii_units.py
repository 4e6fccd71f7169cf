"""Unit tests written for mutation testing (issue 16) of metrics/pii.py and metrics/toxicity.py: each
detector, mask and rate detail on hand-computed cases, at the boundaries the code draws."""
import pytest

from metrics.pii import find_pii, luhn_valid, mask, pii_rate, pii_spans, redact
from metrics.stats import wilson_interval
from metrics.toxicity import mask_term, toxic_spans, toxicity_rate


def kinds(text):
    return [k for k, _s, _e in find_pii(text)]


@pytest.mark.parametrize("number,valid", [
    ("0", False), ("", False), ("00", True), ("18", True), ("17", False),
    ("59", True),  # 5 doubled is 10, which counts as 1: 9 + 1
    ("58", False), ("91", True),  # 9 doubled is 18 -> 9: 1 + 9
])
def test_luhn_by_hand(number, valid):
    assert luhn_valid(number) is valid


@pytest.mark.parametrize("kind,value,masked", [
    ("email", "a@b.co.uk", "a***@b***.uk"),
    ("email", "@x.org", "***@x***.org"),
    ("credit_card", "4111-1111-1111-1111", "**** **** **** 1111"),
    ("phone", "+44 20 7946 0958", "+** ** **** **58"),
    ("phone", "555-123-4567", "***-***-**67"),
    ("ipv6", "2001:db8::1", "2001:****:****"),
    ("ipv4", "10.0.0.1", "10.*.*.*"),
    ("ssn", "078-05-1120", "***-**-1120"),
    ("street_address", " 12 Main St. ", "*** St."),
    ("street_address", "12 Main Street", "*** Street"),
])
def test_masks_by_hand(kind, value, masked):
    assert mask(kind, value) == masked


def test_unknown_kind_is_named():
    with pytest.raises(ValueError, match="^unknown PII kind 'nope'$"):
        mask("nope", "x")


@pytest.mark.parametrize("text,found", [
    ("addr fe80::1 x", ["ipv6"]),
    ("full 2001:0db8:0000:0000:0000:ff00:0042:8329 form", ["ipv6"]),  # seven colons, no "::"
    ("bad a::b::c here", []),
    ("just :: and 12", []),
    ("call +12 345 678 90 now", ["phone"]),  # 10 digits: the fewest an international number may have
    ("call +12 345 678 9 now", []),
    ("call +123 4567 8901 2345 now", ["phone"]),  # 15 digits: the most
    ("mail a@b.com", ["email"]),
    ("x 12-34 y", []),
    ("ssn 078-05-1120 x", ["ssn"]),
    ("ip 10.0.0.1 x", ["ipv4"]),
    ("call 555-123-4567 or mail a@b.com", ["phone", "email"]),  # in text order, not detector order
])
def test_detectors_by_hand(text, found):
    assert kinds(text) == found


def test_spans_index_the_text():
    text = "call 555-123-4567 or mail a@b.com"
    assert find_pii(text) == [("phone", 5, 17), ("email", 26, 33)]
    assert redact(text, []) == text
    assert redact(text, [("email", 26, 33)]) == "call 555-123-4567 or mail a***@b***.com"


def test_non_string_document_is_named():
    with pytest.raises(ValueError, match="^pii_rate: document 1 is not a string$"):
        pii_spans(["ok", None])
    with pytest.raises(ValueError, match=r"^pii_rate: empty corpus \(no documents\)$"):
        pii_rate([])


def test_pii_rate_details_by_hand():
    texts = ["x" * 100 + " a@b.com and c@d.org", "none", "call 555-123-4567 or e@f.net", "nothing"]
    r = pii_rate(texts, ids=["d0", "d1", "d2", "d3"])
    assert r.value == 500.0 and r.n == 4
    lo, hi = wilson_interval(2, 4)
    assert r.ci == pytest.approx((1000 * lo, 1000 * hi))
    d = r.details
    assert d["docs"] == 2 and d["docs_by_kind"]["email"] == 2 and d["docs_by_kind"]["phone"] == 1
    assert d["per_1k_by_kind"]["email"] == 500.0 and d["per_1k_by_kind"]["phone"] == 250.0
    assert d["per_1k_by_kind"]["ssn"] == 0.0
    first, second = d["examples"]
    assert first["id"] == "d0" and first["kinds"] == ["email"] and first["masked"] == ["a***@b***.com",
                                                                                      "c***@d***.org"]
    # the snippet starts 80 characters before the first span (at 101) and runs 240 characters
    assert first["snippet"] == "x" * 79 + " a***@b***.com and c***@d***.org"
    assert second["id"] == "d2" and second["kinds"] == ["email", "phone"]
    assert second["snippet"] == "call ***-***-**67 or e***@f***.net"
    long = pii_rate(["a@b.com " + "y" * 300], max_examples=1)
    assert len(long.details["examples"][0]["snippet"]) == 240
    assert pii_rate(["a@b.com", "c@d.com"], max_examples=1).details["examples"][0]["id"] == "0"
    six = pii_rate([" ".join(f"u{i}@x.org" for i in range(6))]).details["examples"][0]
    assert len(six["masked"]) == 5


# --- toxicity -------------------------------------------------------------------------------------
def test_mask_term_by_hand():
    assert mask_term("shit") == "s***" and mask_term("ass") == "a***" and mask_term("bastards") == "b*******"
    assert mask_term("x") == "x***"


def test_toxic_spans_and_errors():
    assert toxic_spans(["Foo, BAR!"], terms=["bar"]) == [("foo bar", [(4, 7, "bar", ("toxic", "term"))])]
    with pytest.raises(ValueError, match="^toxicity_rate: document 0 is not a string$"):
        toxic_spans([3], terms=["bar"])
    with pytest.raises(ValueError, match=r"^toxicity_rate: empty corpus \(no documents\)$"):
        toxicity_rate([], terms=["bar"])


def test_toxicity_details_by_hand():
    r = toxicity_rate(["foo bar baz", "Nothing here", "BAR, bar; and more bar", "baz"],
                      terms=["foo bar", "bar baz", "bar"], ids=["a", "b", "c", "d"])
    assert r.value == 500.0 and r.n == 4 and r.details["docs"] == 2
    lo, hi = wilson_interval(2, 4)
    assert r.ci == pytest.approx((1000 * lo, 1000 * hi))
    ex_a, ex_c = r.details["examples"]
    # "foo bar" (0-7) and "bar baz" (4-11) overlap: the first is masked, the second starts inside it
    assert ex_a == {"id": "a", "terms": ["b******", "f******"], "snippet": "f****** baz"}
    assert ex_c == {"id": "c", "terms": ["b***"], "snippet": "b*** b*** and more b***"}
    # terms by the documents they occur in, ties by the term
    assert r.details["top_terms"] == [{"term": "b***", "docs": 1}, {"term": "b******", "docs": 1},
                                      {"term": "f******", "docs": 1}]
    one = toxicity_rate(["bar", "bar"], terms=["bar"], max_examples=1)
    assert one.details["examples"] == [{"id": "0", "terms": ["b***"], "snippet": "b***"}]
    far = toxicity_rate(["w " * 60 + "bar " + "z " * 200], terms=["bar"]).details["examples"][0]["snippet"]
    assert far == ("w " * 40 + "b*** " + "z " * 200)[:240]  # 80 characters before the first match


@pytest.mark.parametrize("text,found", [
    ("at 12 Main Street", ["street_address"]),
    ("at 12 Things Street", []),  # a listicle word in the name
    ("at 12 The Street", []),  # a stop word in the name
    ("at 12 Main Things Street", []),  # in any place of the name
    ("host abcd::ef x", ["ipv6"]), ("host ABCD::EF x", ["ipv6"]),  # hex digits in either case
    ("4111 1111 1111 1112 and 4111 1111 1111 1111", ["credit_card"]),  # a failed check skips one match only
    ("call +123 4567 8901 2345 6 now", []),  # 16 digits: too many for a phone number
    ("::ffff:192.168.1.1 and 10.0.0.1", ["ipv6", "ipv4"]),  # an overlapped match skips itself only
])
def test_more_detectors_by_hand(text, found):
    assert kinds(text) == found


def test_card_mask_counts_digits_not_characters():
    assert mask("credit_card", "3782 8224 6310 00 5") == "**** **** **** 0005"


def test_ten_examples_and_ten_top_terms_by_default():
    terms = [f"bad{c}" for c in "abcdefghijk"]  # 11 terms, one document each
    r = toxicity_rate([f"so {t} here" for t in terms], terms=terms)
    assert len(r.details["examples"]) == 10 and len(r.details["top_terms"]) == 10
    assert r.details["top_terms"][-1] == {"term": mask_term("badj"), "docs": 1}  # ties by term: badk is 11th
    assert len(pii_rate([f"u{i}@x.org" for i in range(11)]).details["examples"]) == 10
