import json
import random
from dataclasses import asdict

import pytest

from metrics.pii import find_pii, luhn_valid, mask, masked_pii, pii_rate, redact
from metrics.stats import wilson_interval
from metrics.toxicity import default_toxic_terms, toxicity_rate


@pytest.mark.parametrize("number", ["4111111111111111", "5500 0055 5555 5559", "378282246310005",
                                    "79927398713", "6011-1111-1111-1117"])
def test_luhn_valid(number):
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["4111111111111112", "79927398710", "1234567812345678", "7", ""])
def test_luhn_invalid(number):
    assert not luhn_valid(number)


def kinds(text):
    return [k for k, _s, _e in find_pii(text)]


@pytest.mark.parametrize("text,kind", [
    ("mail john.doe@example.com today", "email"),
    ("pay with 4111 1111 1111 1111 now", "credit_card"),
    ("card 5500-0055-5555-5559.", "credit_card"),
    ("server at 192.168.1.20.", "ipv4"),
    ("host 2001:db8::8a2e:370:7334 is up", "ipv6"),
    ("loopback ::1 only", "ipv6"),
    ("SSN 123-45-6789 on file", "ssn"),
    ("call (555) 123-4567 now", "phone"),
    ("call 555-123-4567 now", "phone"),
    ("call +44 20 7946 0958 now", "phone"),
    ("visit 1600 Pennsylvania Avenue tomorrow", "street_address"),
    ("at 221 Baker St. in London", "street_address"),
], ids=lambda v: v.replace("::", "~~"))  # "::" in a test id would split pytest's node id
def test_pattern_positive(text, kind):
    assert kinds(text) == [kind]


@pytest.mark.parametrize("text", [
    "write to user@localhost or a @ b",
    "number 4111 1111 1111 1112 fails Luhn",
    "address 999.1.1.1 is not an IP; version 1.2.3 either",
    "meet at 12:30:45 sharp",
    "SSN-like 000-12-3456 is invalid",
    "the years 2019-2020 and 1999 2000 2001",
    "on 12.05.2020 we met",
    "in 1600 the king arrived",
    "price is 3.14 and 42",
    "21 Tweets That Are Way Too Real If You Have A Four-Person Family",  # Title-Case headlines
    "17 Reasons Why Lane Is Great",
])
def test_pattern_negative(text):
    assert kinds(text) == []


def test_masks():
    assert mask("email", "john.doe@example.com") == "j***@e***.com"
    assert mask("credit_card", "4111 1111 1111 1234") == "**** **** **** 1234"
    assert mask("phone", "(555) 123-4567") == "(***) ***-**67"
    assert mask("ipv4", "192.168.1.20") == "192.*.*.*"
    assert mask("ssn", "123-45-6789") == "***-**-6789"
    assert mask("street_address", "1600 Pennsylvania Avenue") == "*** Avenue"
    with pytest.raises(ValueError):
        mask("nope", "x")


def test_card_is_not_also_a_phone():
    assert masked_pii("4111 1111 1111 1111") == [("credit_card", "**** **** **** 1111")]


def test_redact():
    assert redact("Mail a.b@c.org or call 555-123-4567.") == "Mail a***@c***.org or call ***-***-**67."


RAW = ["john.doe@example.com", "4111 1111 1111 1111", "192.168.1.20", "2001:db8::8a2e:370:7334",
       "123-45-6789", "(555) 123-4567", "1600 Pennsylvania Avenue"]


def test_pii_rate_hand_and_no_raw_value_in_result():
    texts = [f"Record: {v}. Thanks." for v in RAW] + ["No personal data here."] * 3
    r = pii_rate(texts)
    assert r.value == pytest.approx(700.0) and r.details["docs"] == 7
    assert r.details["docs_by_kind"] == {"email": 1, "credit_card": 1, "ipv6": 1, "ipv4": 1, "ssn": 1,
                                         "phone": 1, "street_address": 1}
    assert r.ci[0] < 700 < r.ci[1]
    dumped = json.dumps(asdict(r))
    for raw in RAW + ["john.doe", "example.com", "Pennsylvania", "168.1.20", "45-6789", "8a2e"]:
        assert raw not in dumped
    assert len(r.details["examples"]) == 7


def test_pii_rate_shuffle_and_empty():
    texts = [f"Record: {v}." for v in RAW] + ["clean"] * 13
    sh = list(texts)
    random.Random(0).shuffle(sh)
    assert pii_rate(texts).value == pii_rate(sh).value
    with pytest.raises(ValueError):
        pii_rate([])
    with pytest.raises(ValueError):
        pii_rate(["ok", float("nan")])


def test_wilson_interval_known_value():
    lo, hi = wilson_interval(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)


# --- toxicity -------------------------------------------------------------------------------------

def test_toxicity_rate_hand_and_masked():
    texts = ["You are a bastard.", "Nice day.", "Scunthorpe is a town.", "What a bullshit, BASTARDS!"]
    r = toxicity_rate(texts)
    assert r.value == pytest.approx(500.0) and r.details["docs"] == 2
    dumped = json.dumps(asdict(r))
    assert "bastard" not in dumped.lower() and "bullshit" not in dumped.lower()
    assert {"term": "b******", "docs": 2} in r.details["top_terms"]


def test_toxicity_list_excludes_identity_and_medical_words():
    terms = {t.casefold() for t in default_toxic_terms()}
    assert not {"gay", "queer", "lesbians", "breasts", "vagina", "kill", "dick"} & terms
    assert toxicity_rate(["The gay couple visited the breast cancer clinic."]).value == 0.0


def test_toxicity_custom_terms_and_empty():
    assert toxicity_rate(["foo bar", "baz"], terms=["foo"]).value == pytest.approx(500.0)
    with pytest.raises(ValueError):
        toxicity_rate([])
