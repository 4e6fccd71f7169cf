"""Personal data in text without a model: validated patterns for e-mails, phones, cards, IPs, addresses.

Every value that leaves this module is masked (:func:`mask`): the raw personal data never reaches a
``MetricResult``. Detectors run in a fixed priority order and a later one skips spans an earlier one
already took (a card number is not also a phone number).
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from metrics.result import MetricResult
from metrics.stats import wilson_interval

KINDS = ("email", "credit_card", "ipv6", "ipv4", "ssn", "phone", "street_address")

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}(?![\w-])")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}|:)?(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\.?\d)(?!\w)")
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")
_PHONE_NANP = re.compile(r"(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[.-]\d{4}(?!\w)")
_PHONE_INTL = re.compile(r"(?<![\w+])\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}(?!\w)")
_STREET = re.compile(
    r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|"
    r"Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|Highway|Hwy)\b\.?")
_SUFFIX = re.compile(r"\S+\.?$")
_LISTICLE = frozenset("things reasons ways times tweets photos pictures people signs facts questions words "
                      "moments tips tricks secrets foods songs movies books years days hours minutes".split())


def _street_ok(span: str) -> bool:
    """Reject Title-Case prose that only looks like an address: '21 Tweets That Are Way Too Real'."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    name = span.split()[1:-1]
    return not any(w.lower() in ENGLISH_STOP_WORDS or w.lower() in _LISTICLE for w in name)


def luhn_valid(number: str) -> bool:
    """Luhn (mod 10) checksum of the digits in ``number`` (ISO/IEC 7812); False if fewer than 2 digits."""
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) < 2:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _star(s: str, keep: int = 1) -> str:
    return s[:keep] + "***" if s else "***"


def mask(kind: str, value: str) -> str:
    """A masked form of one detected value that keeps its shape but not its content.

    ``j***@e***.com``; card ``**** **** **** 1234``; phone keeps the last 2 digits; IPv4 keeps the first
    octet; IPv6 the first group; SSN ``***-**-6789``; street address keeps only the street suffix.
    """
    if kind == "email":
        local, _, domain = value.partition("@")
        parts = domain.split(".")
        return f"{_star(local)}@{_star(parts[0])}.{parts[-1]}"
    if kind == "credit_card":
        digits = re.sub(r"\D", "", value)
        return "**** **** **** " + digits[-4:]
    if kind == "ssn":
        return "***-**-" + value[-4:]
    if kind == "phone":
        n_digits = sum(c.isdigit() for c in value)
        out, seen = [], 0
        for c in value:
            if c.isdigit():
                seen += 1
                out.append(c if seen > n_digits - 2 else "*")
            else:
                out.append(c)
        return "".join(out)
    if kind == "ipv4":
        return value.split(".")[0] + ".*.*.*"
    if kind == "ipv6":
        return value.split(":")[0] + ":****:****"
    if kind == "street_address":
        suffix = _SUFFIX.search(value.strip())
        return "*** " + (suffix.group(0) if suffix else "")
    raise ValueError(f"unknown PII kind {kind!r}")


def _valid_ipv6(s: str) -> bool:
    if s.count(":") < 2 or not any(c in "0123456789abcdefABCDEF" for c in s):
        return False
    try:
        ipaddress.IPv6Address(s)
    except ValueError:
        return False
    return True


def _phone_ok(s: str) -> bool:
    return 10 <= sum(c.isdigit() for c in s) <= 15 if s.startswith("+") else True


_HAS_DIGITS = re.compile(r"\d{2}")
# (kind, pattern, validator, cheap test the text must pass first: most documents skip most regexes)
_DETECTORS = (
    ("email", _EMAIL, None, lambda t: "@" in t),
    ("credit_card", _CARD, lambda s: 13 <= sum(c.isdigit() for c in s) <= 19 and luhn_valid(s), None),
    ("ipv6", _IPV6, _valid_ipv6, lambda t: "::" in t or t.count(":") >= 7),
    ("ipv4", _IPV4, None, lambda t: "." in t),
    ("ssn", _SSN, None, lambda t: "-" in t),
    ("phone", _PHONE_INTL, _phone_ok, lambda t: "+" in t),
    ("phone", _PHONE_NANP, None, None),
    ("street_address", _STREET, _street_ok, None),
)


def find_pii(text: str) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` of every detected personal-data span in ``text``, in text order.

    Internal: the spans index the raw text. Use :func:`masked_pii` for anything shown to a user.
    """
    taken: list[tuple[str, int, int]] = []
    if not _HAS_DIGITS.search(text) and "@" not in text and "::" not in text:
        return taken
    for kind, rx, check, gate in _DETECTORS:
        if gate is not None and not gate(text):
            continue
        for m in rx.finditer(text):
            s, e = m.span()
            if check is not None and not check(m.group(0)):
                continue
            if any(s < e2 and s2 < e for _k, s2, e2 in taken):
                continue
            taken.append((kind, s, e))
    return sorted(taken, key=lambda x: x[1])


def masked_pii(text: str) -> list[tuple[str, str]]:
    """``(kind, masked value)`` for every detected span."""
    return [(k, mask(k, text[s:e])) for k, s, e in find_pii(text)]


def redact(text: str, spans: list[tuple[str, int, int]] | None = None) -> str:
    """``text`` with every detected span replaced by its masked form."""
    spans = find_pii(text) if spans is None else spans
    out, pos = [], 0
    for k, s, e in spans:
        out.append(text[pos:s])
        out.append(mask(k, text[s:e]))
        pos = e
    out.append(text[pos:])
    return "".join(out)


def pii_spans(texts: Sequence[str]) -> list[list[tuple[str, int, int]]]:
    """:func:`find_pii` for every document (compute once, pass to :func:`pii_rate` for subsets)."""
    out = []
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise ValueError(f"pii_rate: document {i} is not a string")
        out.append(find_pii(t))
    return out


def pii_rate(texts: Sequence[str], *, ids: Sequence[str] | None = None, max_examples: int = 10,
             spans: Sequence[list[tuple[str, int, int]]] | None = None) -> MetricResult:
    """Documents containing personal data, per 1,000 documents.

    Patterns: e-mail addresses, credit-card numbers (13-19 digits passing the Luhn check), IPv4 and
    IPv6 addresses (validated by :mod:`ipaddress`), US social-security numbers, phone numbers (North
    American with separators, or international ``+CC ...``), and simple street addresses
    (``12 Main Street``). 0..1000, lower is better. CI: Wilson score interval. ``details`` holds
    per-kind rates and up to ``max_examples`` examples, all masked (the raw values never leave
    this module). ``spans``: precomputed :func:`pii_spans` of ``texts``.
    """
    if len(texts) == 0:
        raise ValueError("pii_rate: empty corpus (no documents)")
    n = len(texts)
    any_docs = 0
    kind_docs = {k: 0 for k in KINDS}
    examples = []
    all_spans = pii_spans(texts) if spans is None else spans
    for i, (t, spans) in enumerate(zip(texts, all_spans)):
        if not spans:
            continue
        any_docs += 1
        for k in {k for k, _s, _e in spans}:
            kind_docs[k] += 1
        if len(examples) < max_examples:
            s = spans[0][1]
            red = redact(t, spans)  # text before the first span is unchanged, so ``s`` indexes both
            lo = max(0, s - 80)
            examples.append({"id": ids[i] if ids is not None else str(i), "kinds": sorted({k for k, *_ in spans}),
                             "masked": [mask(k2, t[s2:e2]) for k2, s2, e2 in spans[:5]],
                             "snippet": red[lo:lo + 240]})
    lo, hi = wilson_interval(any_docs, n)
    return MetricResult(
        1000.0 * any_docs / n, ci=(1000.0 * lo, 1000.0 * hi), n=n,
        details={"docs": any_docs, "per_1k_by_kind": {k: 1000.0 * v / n for k, v in kind_docs.items()},
                 "docs_by_kind": kind_docs, "examples": examples})
