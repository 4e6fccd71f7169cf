"""Text normalisation and tokenisation shared by every lexical metric."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator

_WS = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]", re.UNICODE)
_WORD = re.compile(r"\w+(?:['’]\w+)*", re.UNICODE)
TOKEN_RE = _TOKEN  # public: lets span finders map tokens back to character offsets


def normalize(text: str) -> str:
    """NFKC, casefold, collapse white space, strip: the key for exact-duplicate detection."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def text_hash(text: str) -> str:
    """A stable 16-hex-digit hash of the normalised text."""
    return hashlib.blake2b(normalize(text).encode("utf-8"), digest_size=8).hexdigest()


def tokenize(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens (``"Don't stop."`` -> ``["don't", "stop", "."]``)."""
    return _TOKEN.findall(text.casefold())


def words(text: str) -> list[str]:
    """Lower-cased word tokens only (no punctuation)."""
    return _WORD.findall(text.casefold())


def ngrams(tokens: list[str], n: int) -> Iterator[tuple[str, ...]]:
    """Contiguous n-grams of a token list."""
    return zip(*(tokens[i:] for i in range(n)))


def tokenize_all(texts: Iterable[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]


def top_counts(counts, k: int | None = None) -> list:
    """``Counter.most_common`` with ties broken by the key, so the order never depends on hashing
    (string hashes differ between processes, and reports must be byte-identical)."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return items if k is None else items[:k]
