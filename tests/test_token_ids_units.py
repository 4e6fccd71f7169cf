"""``metrics.token_ids``: content ranks against their definition (dense ranks of ``(blake2b(salt + key), key)``),
views' lengths and shared per-text work, per-document counts by hand."""
import hashlib

import numpy as np

import metrics.token_ids as tid
from metrics.token_ids import RankedTexts, TokenIds, content_ranks


def _dense_ranks(keys, salt):
    def sort_key(k):
        return hashlib.blake2b(salt + k.encode("utf-8", "surrogatepass"), digest_size=8).digest(), k
    distinct = sorted(set(keys), key=sort_key)
    return [distinct.index(k) for k in keys]


def test_content_ranks_are_the_dense_ranks_of_the_definition():
    keys = ["b", "a", "b", "", "c\x1fd", "a", "é", "\ud800x"]
    for salt in (b"", b"s1", (7).to_bytes(8, "little")):
        got = content_ranks(keys, salt)
        assert got.dtype == np.int32
        assert got.tolist() == _dense_ranks(keys, salt)
    assert sorted(set(content_ranks(keys, b"s1").tolist())) == [0, 1, 2, 3, 4, 5]  # from 0, no gaps
    assert content_ranks([], b"x").tolist() == []


def test_content_ranks_with_equal_digests_rank_by_key(monkeypatch):
    class Same:  # every key gets the same digest: the key alone decides
        def __init__(self, *a, **k):
            pass

        def copy(self):
            return self

        def update(self, b):
            pass

        def digest(self):
            return b"\x00" * 8

    monkeypatch.setattr(tid.hashlib, "blake2b", Same)
    assert content_ranks(["b", "a", "c", "a"], b"s").tolist() == [1, 0, 2, 0]


def test_ranked_texts_views_and_shared_per_text_work():
    texts = ["one", "two", "three", "four"]
    calls = []
    rt = RankedTexts(texts)
    sub = rt.subset([3, 1])
    assert len(rt) == 4 and len(sub) == 2 and list(sub) == ["four", "two"]
    assert len(sub.subset([1])) == 1 and sub.subset([1])[0] == "two"

    def n_chars(t):
        calls.append(t)
        return len(t)

    assert sub.per_text("len", n_chars) == [4, 3]
    assert rt.per_text("len", n_chars) == [3, 3, 5, 4]
    assert sub.subset([0]).per_text("len", n_chars) == [4]
    assert calls == texts  # once per text of the corpus, whichever view asked first


def test_token_ids_per_document_counts_by_hand():
    ids = TokenIds.encode([["a", "B", "c"], [], ["B", "B"], ["d"]])
    upper = ids.per_document("upper", str.isupper)
    assert upper.dtype == np.int32 and upper.tolist() == [1, 0, 2, 0]
    assert ids.subset([2, 0]).per_document("upper", str.isupper).tolist() == [2, 1]
    assert ids.vocab_mask("upper").tolist() == [False, True, False, False]
    flat, begin = ids.subset([3, 2, 0]).gather(np.array([0, 2]), np.array([1, 2]))
    assert [ids.vocab[t] for t in flat.tolist()] == ["d", "a", "B"] and begin.tolist() == [0, 1]


def test_content_ranks_on_many_keys_equal_the_definition():
    rng = np.random.default_rng(8)
    alphabet = ["a", "b", "é", "\x1f", "語", " ", "\ud800"]
    keys = ["".join(rng.choice(alphabet, rng.integers(0, 6)).tolist()) for _ in range(400)]
    for salt in (b"", (123456789).to_bytes(8, "little")):
        assert content_ranks(keys, salt).tolist() == _dense_ranks(keys, salt)


def test_keys_are_spelt_out_once_per_corpus_and_rank_like_the_definition(monkeypatch):
    # a generator drawing a new salt per call ranks the corpus each time: the keys and their bytes are kept
    docs = [["a", "b"], [], ["é", "\ud800"], ["a", "b"], ["c"], ["b", "a"]]
    ids = TokenIds.encode(docs)
    sub = ids.subset([5, 1, 3])
    calls = []
    real_utf8 = tid.utf8
    monkeypatch.setattr(tid, "utf8", lambda keys: calls.append(len(keys)) or real_utf8(keys))
    keys = ["\x1f".join(d) for d in docs]
    for i, salt in enumerate((b"s%d" % j).ljust(8, b"\x00") for j in range(2 * tid.RANKS_KEPT + 1)):
        view = sub if i % 2 else ids
        want = _dense_ranks(keys, salt)
        rows = view.root_rows().tolist()
        assert view.order(salt).tolist() == sorted(range(len(rows)), key=lambda p: (want[rows[p]], p))
    assert calls == [len(docs)]  # the corpus's keys encoded once, for every salt and view
    texts = ["x", "é", "", "x", "\ud800"]
    rt = RankedTexts(texts)
    for salt in (b"t1", b"t2", b"t3"):
        want = _dense_ranks(texts, salt)
        assert rt.order(salt).tolist() == sorted(range(len(texts)), key=lambda p: (want[p], p))
        assert rt.subset([4, 0, 3]).order(salt).tolist() == sorted(range(3), key=lambda p: (want[[4, 0, 3][p]], p))
    assert calls == [len(docs), len(texts)]
    assert content_ranks(keys, b"s", real_utf8(keys)).tolist() == _dense_ranks(keys, b"s")


def test_a_subset_meeting_a_new_salt_ranks_its_own_documents_in_the_same_order(monkeypatch):
    rng = np.random.default_rng(12)
    alphabet = ["a", "b", "é", "\ud800"]
    docs = [rng.choice(alphabet, rng.integers(0, 4)).tolist() for _ in range(300)]  # many equal documents
    keys = ["\x1f".join(d) for d in docs]
    sizes = []
    real_ranks = tid.content_ranks
    monkeypatch.setattr(tid, "content_ranks", lambda k, salt, enc=None: sizes.append(len(k)) or real_ranks(k, salt, enc))

    def want(view, salt):
        ranks = _dense_ranks(keys, salt)
        rows = view.root_rows().tolist()
        return sorted(range(len(rows)), key=lambda p: (ranks[rows[p]], p))

    ids = TokenIds.encode(docs)
    half = ids.subset(rng.permutation(300)[:140])
    quarter = half.subset(np.array([5, 0, 77, 5, 139, 3]))  # a repeated row too
    for i in range(6):  # a new salt per call, subsets only: each ranks its own documents
        salt = (b"new%d" % i).ljust(8, b"\x00")
        view = (half, quarter)[i % 2]
        assert view.order(salt).tolist() == want(view, salt)
    assert sizes == [140, 6] * 3
    sizes.clear()
    salt = b"again\x00\x00\x00"  # a salt that comes back: the corpus is ranked once, then kept
    for view in (half, quarter, ids, half):
        assert view.order(salt).tolist() == want(view, salt)
    assert sizes == [140, 300]
    sizes.clear()
    salt = b"root1st\x00"  # the corpus first: ranked and kept for its subsets
    for view in (ids, half, quarter):
        assert view.order(salt).tolist() == want(view, salt)
    assert sizes == [300]
    assert len(ids._met) <= tid.SALTS_MET
