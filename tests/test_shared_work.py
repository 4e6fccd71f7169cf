"""Work done once and shared must give exactly what computing it again gives (issue 13, speed).

Each test sets the shared path beside the computation it replaced (written out here as the
reference) and asks for equality, not closeness: the report must stay byte-identical.
"""
from collections import Counter

import numpy as np
from scipy import sparse

from audit.context import build_context
from audit.documents import Document as Doc
from metrics.copying_distance import copying_cells, data_copying_score, dcr_copy_rate
from metrics.drift_words import _doc_term
from metrics.duplication_semantic import nearest, semantic_copy_rate
from metrics.text import text_hash, tokenize
from metrics.topics import _bags, _content


def _unit(rng, n, d=24):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_copy_baseline_and_dcr_share_one_search():
    rng = np.random.default_rng(5)
    a, b, s = _unit(rng, 300), _unit(rng, 280), _unit(rng, 260)
    b[:7] = a[:7]  # some copies, so examples and hits are not empty
    rows = nearest(a, b)
    assert semantic_copy_rate(a, b, nearest_rows=rows, threshold=0.9) == semantic_copy_rate(a, b, threshold=0.9)
    shared = dcr_copy_rate(a, b, s, holdout_nearest=rows)
    assert shared == dcr_copy_rate(a, b, s)
    assert shared.details["threshold"] > 0


def test_copying_cells_fitted_once_give_the_same_test():
    rng = np.random.default_rng(6)
    train, test, gen = _unit(rng, 400, 8), _unit(rng, 300, 8), _unit(rng, 300, 8)
    gen[:60] = train[:60] + 1e-3  # copies of training points
    cells = copying_cells(train, n_cells=5, random_state=np.random.default_rng([1, 341]))
    for p, q in ((test, gen), (test[150:], test[:150])):  # the test and, on the same cells, its baseline
        alone = data_copying_score(train, p, q, n_cells=5, random_state=np.random.default_rng([1, 341]))
        assert data_copying_score(train, p, q, n_cells=5, cells=cells) == alone
    assert alone.details["cells_used"] > 0


def _doc_term_reference(tokens_a, tokens_b):  # the construction _doc_term replaced
    vocab, rows, cols, vals = {}, [], [], []
    for r, toks in enumerate(list(tokens_a) + list(tokens_b)):
        for w, c in Counter(toks).items():
            rows.append(r)
            cols.append(vocab.setdefault(w, len(vocab)))
            vals.append(c)
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(tokens_a) + len(tokens_b), len(vocab)),
                          dtype=np.float64)
    return x, list(vocab)


def test_doc_term_equals_per_document_counts():
    a = [tokenize(t) for t in ("the cat sat on the mat", "", "a dog, a cat; the end the end")]
    b = [tokenize(t) for t in ("cats and dogs", "the the the", "mat")]
    x, vocab = _doc_term(a, b)
    ref, ref_vocab = _doc_term_reference(a, b)
    assert vocab == ref_vocab
    for m in (x, ref):
        assert m.has_canonical_format
    assert np.array_equal(x.indptr, ref.indptr) and np.array_equal(x.indices, ref.indices)
    assert np.array_equal(x.data, ref.data) and x.data.dtype == ref.data.dtype
    assert x[2, vocab.index("the")] == 2 and x[4, vocab.index("the")] == 3


def test_topic_bags_equal_per_document_updates():
    docs = [tokenize(t) for t in ("The cats sat, 3 times", "x y zz the cats", "2024 is a year",
                                  "Über naïve café", "", "it's the cats' mat")]
    labels = np.array([0, 1, 0, 2, 1, 2])
    for stop in (None, {"cats", "mat"}):
        ref = [Counter() for _ in range(3)]
        for toks, lab in zip(docs, labels):
            ref[lab].update(_content(toks, stop))
        assert _bags(docs, labels, 3, stop) == ref
    assert _bags(docs, labels, 3)[0]["cats"] == 1 and "the" not in _bags(docs, labels, 3)[0]


def test_text_hashes_are_text_hash_and_shared_with_halves():
    texts = ["Hello  World", "hello world", "Ünïcode\u00a0text", "x" * 50, "Another one", "and more"]
    docs = [Doc(id=str(i), text=t) for i, t in enumerate(texts)]
    emb = np.eye(len(texts), dtype=np.float32)
    ctx = build_context(docs, docs, emb, emb, seed=3)
    assert ctx.real.text_hashes == [text_hash(t) for t in texts]
    assert ctx.real.text_hashes[0] == ctx.real.text_hashes[1]  # normalised first
    for half in (ctx.real_a, ctx.real_b):
        assert half.text_hashes == [text_hash(d.text) for d in half.docs]


def test_semantic_pairs_equal_a_brute_force_float64_search_and_faiss():
    from metrics import duplication_semantic as ds
    from metrics.kmeans import import_faiss

    faiss = import_faiss()

    rng = np.random.default_rng(8)
    x = _unit(rng, 120, 16)
    x[60:70] = x[:10]  # exact copies (cosine 1 up to rounding)
    noisy = x[20:40] + 0.05 * rng.standard_normal((20, 16)).astype(np.float32)
    x[80:100] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    gram = x.astype(np.float64) @ x.astype(np.float64).T  # every pair, in float64, by brute force
    ref = [(i, j, float(gram[i, j])) for i in range(len(x)) for j in range(i + 1, len(x)) if gram[i, j] >= 0.9]
    index = faiss.IndexFlatIP(16)  # the exact search this replaced, as an independent reference
    index.add(x)
    lims, dist, lab = index.range_search(x, 0.9 - 1e-6)
    via_faiss = sorted((i, int(j)) for i in range(len(x)) for j in lab[lims[i]:lims[i + 1]] if j > i)
    for block in (ds._BLOCK, 7):  # one block, and many blocks with a remainder
        old, ds._BLOCK = ds._BLOCK, block
        try:
            got = ds.semantic_duplicate_pairs(x, threshold=0.9)
        finally:
            ds._BLOCK = old
        assert [(i, j) for i, j, _ in got] == [(i, j) for i, j, _ in ref] == via_faiss and len(ref) >= 20
        np.testing.assert_allclose([s for *_, s in got], [min(1.0, s) for *_, s in ref], atol=1e-6)
        assert all(s <= 1.0 for *_, s in got)
        assert all(type(i) is int and type(j) is int and type(s) is float for i, j, s in got)


def test_nearest_equals_brute_force_and_takes_the_lowest_index_on_ties():
    from metrics import duplication_semantic as ds

    rng = np.random.default_rng(9)
    ref = _unit(rng, 50, 8)
    ref[30] = ref[4]  # a duplicated reference document: its queries tie between rows 4 and 30
    ref[41] = ref[4]
    q = _unit(rng, 23, 8)
    q[5] = ref[30]
    q[11] = ref[17]
    cos = q.astype(np.float64) @ ref.astype(np.float64).T
    for block in (ds._BLOCK, 4):
        old, ds._BLOCK = ds._BLOCK, block
        try:
            sim, idx = ds.nearest(ref, q)
        finally:
            ds._BLOCK = old
        assert idx.tolist() == [int(np.flatnonzero(np.isclose(row, row.max(), atol=1e-6))[0]) for row in cos]
        assert idx[5] == 4 and idx[11] == 17  # the first of the tied rows 4, 30, 41
        np.testing.assert_allclose(sim, np.minimum(cos.max(axis=1), 1.0), atol=1e-6)
        assert sim.max() <= 1.0
