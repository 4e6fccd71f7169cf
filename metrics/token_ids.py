"""Documents' tokens as integer ids: one vocabulary per corpus, 4 bytes per token, shared by its subsets.

:class:`TokenIds` is a ``Sequence`` of token lists (``ids[i]`` gives document ``i``'s tokens as strings),
so every metric that takes ``docs_tokens`` accepts it unchanged; the lexical metrics detect it and count
n-grams with NumPy instead of Python tuples. A subset (a half of the real corpus, a noise split) is a
view on the same arrays: its rows, 8 bytes per document.

The content-keyed seeded order of :func:`metrics.diversity_lexical.seeded_order` is a sort by
``(blake2b(salt + key), key)``, position breaking ties. A subset's order is therefore the whole
corpus's order restricted to the subset: the corpus ranks its documents once per salt (equal keys
share a rank) and a subset sorts its rows by those ranks, stably. The last few salts' ranks are kept
(4 bytes per document each). :class:`RankedTexts` does the same for a corpus's texts (the key of
``compression_ratio``, ``homogenization_rate`` and the boilerplate openings).
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

RANKS_KEPT = 4  # salts whose ranks are kept: a metric runs one salt over a corpus and its subsets in turn
SALTS_MET = 64  # salts remembered as asked for once by a subset (8 bytes each)


def token_key(tokens: Sequence[str]) -> str:
    """A document's content key for the seeded order: its tokens joined by U+001F."""
    return "\x1f".join(tokens)


class TokenIds(Sequence):
    """Token lists encoded as ``int32`` ids into ``vocab``; a view on a subset of the documents.

    ``flat``: every document's ids, one after another; ``offsets[r]:offsets[r + 1]`` the ids of root
    document ``r``; ``rows``: the root documents in this view (None: all of them, in order).
    """

    def __init__(self, vocab: list[str], flat: np.ndarray, offsets: np.ndarray,
                 rows: np.ndarray | None = None, root: TokenIds | None = None):
        self.vocab = vocab
        self.flat = flat
        self.offsets = offsets
        self.rows = rows
        self._root = root if root is not None else self
        if root is None:
            self._ranks: OrderedDict[bytes, np.ndarray] = OrderedDict()
            self._memo: dict[str, np.ndarray] = {}
            self._key_text: tuple[list[str], list[bytes]] | None = None  # the keys, and as UTF-8
            self._met: OrderedDict[bytes, None] = OrderedDict()  # salts a subset asked for, not ranked

    @classmethod
    def encode(cls, docs_tokens: Sequence[Sequence[str]]) -> TokenIds:
        """Encode token lists (the ids are given in order of first appearance)."""
        index: dict[str, int] = {}
        setdefault = index.setdefault
        flat: list[int] = []
        lengths = np.zeros(len(docs_tokens) + 1, dtype=np.int64)
        for i, toks in enumerate(docs_tokens):
            flat.extend([setdefault(t, len(index)) for t in toks])
            lengths[i + 1] = len(toks)
        return cls(list(index), np.asarray(flat, dtype=np.int32), np.cumsum(lengths))

    # -- the Sequence of token lists --------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.offsets) - 1 if self.rows is None else len(self.rows)

    def _root_row(self, i: int) -> int:
        return i if self.rows is None else int(self.rows[i])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        r = self._root_row(range(len(self))[i])
        vocab = self.vocab
        return [vocab[t] for t in self.flat[self.offsets[r]:self.offsets[r + 1]].tolist()]

    def subset(self, idx) -> TokenIds:
        """The documents ``idx`` (positions in this view) as a view on the same arrays."""
        idx = np.asarray(idx, dtype=np.int64)
        rows = idx if self.rows is None else self.rows[idx]
        return TokenIds(self.vocab, self.flat, self.offsets, rows, self._root)

    def root_rows(self) -> np.ndarray:
        return np.arange(len(self), dtype=np.int64) if self.rows is None else self.rows

    def lengths(self) -> np.ndarray:
        """Tokens per document of this view."""
        r = self.root_rows()
        return self.offsets[r + 1] - self.offsets[r]

    def per_document(self, name: str, is_counted) -> np.ndarray:
        """How many of each document's tokens satisfy ``is_counted(token)`` (computed once per corpus)."""
        root = self._root
        if name not in root._memo:
            hit = np.fromiter((bool(is_counted(t)) for t in root.vocab), dtype=bool, count=len(root.vocab))
            per = np.zeros(len(root.offsets) - 1, dtype=np.int32)
            nonempty = root.offsets[1:] > root.offsets[:-1]
            if len(root.flat):
                per[nonempty] = np.add.reduceat(hit[root.flat].astype(np.int32), root.offsets[:-1][nonempty])
            root._memo[name] = per
            root._memo[name + ":vocab"] = hit
        return root._memo[name][self.root_rows()]

    def vocab_mask(self, name: str) -> np.ndarray:
        """The vocabulary mask of an earlier :meth:`per_document` call."""
        return self._root._memo[name + ":vocab"]

    def gather(self, positions: np.ndarray, counts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ids of the documents at ``positions`` (of this view), concatenated, and where each starts.

        ``counts``: take only each document's first ``counts[k]`` tokens.
        """
        r = self.root_rows()[positions]
        start = self.offsets[r]
        take = self.offsets[r + 1] - start if counts is None else np.asarray(counts, dtype=np.int64)
        begin = np.concatenate([[0], np.cumsum(take)[:-1]]).astype(np.int64)
        idx = np.arange(int(take.sum()), dtype=np.int64) + np.repeat(start - begin, take)
        return self.flat[idx], begin

    # -- the content-keyed seeded order -----------------------------------------------------------------
    def order(self, salt: bytes) -> np.ndarray:
        """Positions of this view's documents in the order ``sorted`` by ``(blake2b(salt + key), key)``.

        A subset asking for a salt the corpus has not met ranks its own documents only (a generator that
        draws a new salt per call, as ``tail_survival``'s, never asks twice); the corpus is ranked, and
        the ranks kept, once a salt comes back or the whole corpus asks. Either way the same order: the
        dense ranks of a subset's keys order it as the corpus's ranks restricted to it do.
        """
        root = self._root
        if self.rows is not None and salt not in root._ranks and salt not in root._met:
            root._met[salt] = None
            while len(root._met) > SALTS_MET:
                root._met.popitem(last=False)
            keys, encoded = root._keys()
            rows = self.rows.tolist()
            return np.argsort(content_ranks([keys[r] for r in rows], salt, [encoded[r] for r in rows]),
                              kind="stable")
        ranks = root._ranks_for(salt)
        return np.argsort(ranks[self.root_rows()], kind="stable")

    def _ranks_for(self, salt: bytes) -> np.ndarray:
        """Rank of every root document by ``(digest, key)``; equal keys share a rank."""
        return kept_ranks(self._ranks, salt, self._keys)

    def _keys(self) -> tuple[list[str], list[bytes]]:
        """The root documents' keys and their UTF-8 bytes, spelt out once per corpus (not once per salt:
        a metric whose generator draws a new salt for every call ranks the corpus every time)."""
        root = self._root
        if root._key_text is None:
            vocab = root.vocab
            toks = [vocab[t] for t in root.flat.tolist()]
            off = root.offsets.tolist()
            keys = [token_key(toks[off[r]:off[r + 1]]) for r in range(len(off) - 1)]
            root._key_text = keys, utf8(keys)
        return root._key_text


def utf8(keys: Sequence[str]) -> list[bytes]:
    """Each key's bytes as :func:`content_ranks` hashes them."""
    return [k.encode("utf-8", "surrogatepass") for k in keys]


def kept_ranks(kept: OrderedDict, salt: bytes, keys) -> np.ndarray:
    """``content_ranks(keys, salt, encoded)``, kept for the last ``RANKS_KEPT`` salts in ``kept``
    (``keys()`` gives the keys and their :func:`utf8` bytes)."""
    if salt not in kept:
        keys_, encoded = keys()
        kept[salt] = content_ranks(keys_, salt, encoded)
        while len(kept) > RANKS_KEPT:
            kept.popitem(last=False)
    kept.move_to_end(salt)
    return kept[salt]


def content_ranks(keys: Sequence[str], salt: bytes, encoded: Sequence[bytes] | None = None) -> np.ndarray:
    """Rank of every key by ``(blake2b(salt + key), key)``, equal keys sharing a rank (int32).

    ``encoded``: the keys' :func:`utf8` bytes, when they are kept (else they are encoded here).
    """
    n = len(keys)
    head = hashlib.blake2b(salt, digest_size=8)

    def one(key: bytes, copy=head.copy) -> bytes:
        h = copy()
        h.update(key)
        return h.digest()

    # the digests read as big-endian integers: they compare like the digests' bytes
    digest = np.frombuffer(b"".join(map(one, utf8(keys) if encoded is None else encoded)),
                           dtype=">u8").astype(np.uint64)
    order = np.argsort(digest, kind="stable")
    d = digest[order]
    new = np.ones(n, dtype=bool)  # does this position start a new (digest, key)?
    new[1:] = d[1:] != d[:-1]
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], n)
    tied = ends - starts > 1
    for s, e in zip(starts[tied].tolist(), ends[tied].tolist()):  # equal digests: by key, then position
        run = sorted(order[s:e].tolist(), key=keys.__getitem__)  # stable; the run is in position order
        order[s:e] = run
        for j in range(s + 1, e):
            new[j] = keys[run[j - s]] != keys[run[j - s - 1]]
    ranks = np.empty(n, dtype=np.int32)
    ranks[order] = np.cumsum(new) - 1
    return ranks


class RankedTexts(Sequence):
    """A corpus's texts (or a subset's, as a view) whose seeded content order is ranked once per seed.

    ``metrics.diversity_lexical.seeded_order`` gives the same order for it as for a list of the texts.
    """

    def __init__(self, texts: Sequence[str], rows: np.ndarray | None = None, root: RankedTexts | None = None):
        self._texts = texts
        self.rows = rows
        self._root = root if root is not None else self
        if root is None:
            self._ranks: OrderedDict[bytes, np.ndarray] = OrderedDict()
            self._memo: dict[str, list] = {}
            self._encoded: list[bytes] | None = None

    def __len__(self) -> int:
        return len(self._texts) if self.rows is None else len(self.rows)

    def per_text(self, name: str, fn) -> list:
        """``[fn(t) for t in self]``, with ``fn`` run once per text of the corpus (kept under ``name``)."""
        root = self._root
        if name not in root._memo:
            root._memo[name] = [fn(t) for t in root._texts]
        values = root._memo[name]
        return values if self.rows is None else [values[r] for r in self.rows.tolist()]

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._texts[range(len(self))[i] if self.rows is None else int(self.rows[i])]

    def subset(self, idx) -> RankedTexts:
        idx = np.asarray(idx, dtype=np.int64)
        return RankedTexts(self._texts, idx if self.rows is None else self.rows[idx], self._root)

    def _keys(self) -> tuple[Sequence[str], list[bytes]]:
        """The texts and their UTF-8 bytes (encoded once per corpus)."""
        if self._encoded is None:
            self._encoded = utf8(self._texts)
        return self._texts, self._encoded

    def order(self, salt: bytes) -> np.ndarray:
        root = self._root
        ranks = kept_ranks(root._ranks, salt, root._keys)
        return np.argsort(ranks if self.rows is None else ranks[self.rows], kind="stable")
