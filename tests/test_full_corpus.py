"""Duplicates and copies over every document (issue 9): planted items found at their full rate, serial and
parallel reading byte-identical, the short-answer rule, and a small real corpus against a large synthetic one.

Corpora are generated here (seeded pseudo-words), so nothing outside the repository is read. Each
reported similarity is checked against the plain reference implementation (``shingles`` / ``jaccard``:
frozensets of word 5-gram strings), and LSH recall against brute force over all pairs.
"""
import json
from collections import Counter
from itertools import combinations

import numpy as np
import pytest

from audit.context import CorpusStats
from audit.documents import Document
from audit.families import FamilyOutput
from audit.families.duplication_full import full_rows
from metrics.duplication_full import longest_shared_span
from metrics.duplication_near import jaccard, shingles
from metrics.fingerprint import FingerprintParams, fingerprint_batch, params_from_options
from metrics.text import tokenize

_SYL = ["ka", "lo", "mi", "ren", "to", "sa", "vel", "dor", "pi", "nu", "tra", "es", "qua", "bel", "zo", "fin"]


def _vocab(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    words = {"".join(rng.choice(_SYL, size=rng.integers(2, 4))) for _ in range(n * 2)}
    return sorted(words)[:n]


VOCAB = _vocab()


_CDF = np.cumsum(1.0 / np.arange(1, len(VOCAB) + 1))  # Zipf-like word frequencies
_CDF /= _CDF[-1]
_WORDS = np.array(VOCAB)


def _docs(n, seed, lo=60, hi=100):
    rng = np.random.default_rng(seed)
    lens = rng.integers(lo, hi, size=n)
    words = _WORDS[np.minimum(np.searchsorted(_CDF, rng.random(lens.sum())), len(VOCAB) - 1)]
    ends = np.cumsum(lens)
    return [" ".join(words[e - k:e]) + "." for e, k in zip(ends, lens)]


def _edit(text, rng, k=1):
    """Replace ``k`` words in the middle of a document (a light edit)."""
    w = text.split()
    for _ in range(k):
        w[int(rng.integers(len(w) // 3, 2 * len(w) // 3))] = "zzedit" + str(int(rng.integers(1e6)))
    return " ".join(w)


def _stats(texts, source="f", options=None):
    s = CorpusStats(params=params_from_options(options or {}))
    for i, t in enumerate(texts):
        s.add(Document(id=f"{source}{i}", text=t, source=source, line=i + 1))
    return s


def _rows(real, synth, **options):
    out = FamilyOutput()
    full_rows(_stats(real, "r", options), _stats(synth, "s", options), options, 0, out)
    return {e.name: e for e in out.entries}, out


def _ref_jaccard(a, b):
    return jaccard(shingles(tokenize(a), 5), shingles(tokenize(b), 5))


def test_planted_items_in_a_20k_corpus_are_found_at_their_full_rate():
    rng = np.random.default_rng(1)
    real = _docs(20_000, 2)
    synth = _docs(20_000, 3)
    # 400 near duplicates inside the synthetic corpus, 300 near copies and 200 verbatim copies of real docs
    dup_src = rng.choice(10_000, 400, replace=False)
    for k, i in enumerate(dup_src):
        synth[10_000 + k] = _edit(synth[i], rng)
    src = rng.choice(20_000, 500, replace=False)  # disjoint: a near and a verbatim copy of one doc are near dups
    near_src = src[:300]
    for k, i in enumerate(near_src):
        synth[12_000 + k] = _edit(real[i], rng)
    for k, i in enumerate(src[300:]):
        synth[13_000 + k] = real[i]
    planted_dups = [(int(i), 10_000 + k) for k, i in enumerate(dup_src) if _ref_jaccard(synth[i], synth[10_000 + k]) >= 0.8]
    planted_near = [12_000 + k for k, i in enumerate(near_src) if _ref_jaccard(real[i], synth[12_000 + k]) >= 0.8]
    assert len(planted_dups) > 360 and len(planted_near) > 270  # most single-word edits stay above 0.8

    rows, out = _rows(real, synth)
    near = rows["near_duplicate_rate"]
    assert near.scope == "full" and near.support["synth_docs"] == 20_000 and near.sample_size == 20_000
    # generated documents share no 5-gram by chance: the rate is the planted share, not a sample's
    # (LSH proposes a pair at Jaccard 0.8 with probability 0.998, so a miss is possible but rare)
    assert near.synth == pytest.approx(len(planted_dups) / 20_000, rel=0.01)
    assert near.real == 0.0
    assert rows["exact_copy_rate"].value == pytest.approx(200 / 20_000)
    assert rows["near_copy_rate"].value == pytest.approx((200 + len(planted_near)) / 20_000, rel=0.01)
    assert rows["ngram_copy_rate"].value == pytest.approx((200 + 300) / 20_000)  # every edit keeps a long span
    for e in rows.values():
        assert e.scope == "full" and e.support["real_docs"] == 20_000
    # every reported pair is a true pair, with the reference Jaccard
    by_id = {f"s{i}": t for i, t in enumerate(synth)} | {f"r{i}": t for i, t in enumerate(real)}
    for c in out.sections["duplicate_clusters"]["near"]["synth"]:
        for p in c["pairs"]:
            assert p["similarity"] == pytest.approx(_ref_jaccard(by_id[p["id_a"]], by_id[p["id_b"]]), abs=1e-4)
    for ex in rows["near_copy_rate"].details["examples"]:
        assert ex["similarity"] == pytest.approx(_ref_jaccard(by_id[ex["synth_id"]], by_id[ex["real_id"]]), abs=1e-4)


def test_lsh_finds_every_pair_brute_force_finds():
    rng = np.random.default_rng(5)
    base = _docs(150, 6)
    texts = base + [_edit(base[i], rng, k=int(rng.integers(0, 4))) for i in range(150)]
    texts += [_edit(texts[150 + i], rng, k=1) for i in range(60)]  # chains: edits of edits
    sets = [shingles(tokenize(t), 5) for t in texts]
    truth = {(i, j) for i, j in combinations(range(len(texts)), 2) if jaccard(sets[i], sets[j]) >= 0.8}
    rows, out = _rows(_docs(50, 7), texts)
    found = rows["near_duplicate_rate"].details["synth"]
    from metrics.duplication import clusters_from_pairs

    expected = clusters_from_pairs(len(texts), truth)
    assert found["duplicate_docs"] == sum(len(c) - 1 for c in expected) > 100
    assert found["clusters"] == len(expected)
    assert found["cluster_sizes"] == {str(k): v for k, v in sorted(Counter(len(c) for c in expected).items())}


def test_fingerprints_are_a_pure_function_of_each_text():
    texts = _docs(300, 8) + ["True", "", "x y"]
    p = FingerprintParams()
    whole = fingerprint_batch(texts, p)
    parts = [fingerprint_batch(texts[i:i + 7], p) for i in range(0, len(texts), 7)]
    assert np.array_equal(whole.exact, np.concatenate([x.exact for x in parts]))
    assert np.array_equal(whole.bands, np.concatenate([x.bands for x in parts]))
    assert np.array_equal(whole.fp_hash, np.concatenate([x.fp_hash for x in parts]))
    assert not whole.bands[-3:].any()  # short documents get no LSH keys


def test_longest_shared_span_matches_difflib():
    import difflib

    rng = np.random.default_rng(9)
    a, b = _docs(2, 10, 80, 90)
    qa = tokenize(a)
    qb = tokenize(b)
    qb = qb[:20] + qa[30:55] + qb[20:]  # a planted 25-token span
    q0, r0, n = longest_shared_span(qb, qa, 13)
    m = difflib.SequenceMatcher(None, qb, qa, autojunk=False).find_longest_match(0, len(qb), 0, len(qa))
    assert (q0, r0, n) == (m.a, m.b, m.size) and n >= 25
    assert longest_shared_span(qb[:12], qa, 13) == (0, 0, 0)
    del rng


def test_short_answers_equal_to_real_ones_are_counted_apart():
    real = _docs(300, 11) + ["True", "Positive", "Relevant"] * 20
    synth = _docs(300, 12) + ["True"] * 40 + ["Positive"] * 20 + ["never seen"] * 5
    rows, _ = _rows(real, synth)
    ex = rows["exact_copy_rate"]
    assert ex.value == 0.0 and ex.verdict == "ok"
    assert ex.details["short_identical"] == 60 and ex.details["short_docs"] == 65
    assert any("short answers identical to a real answer: 60" in w for w in ex.warnings)
    assert rows["exact_duplicate_rate"].synth == 0.0  # 40 x "True" is not a duplicated document
    assert rows["exact_duplicate_rate"].details["synth"]["short_duplicate_docs"] == 39 + 19 + 4
    # an option moves the line
    rows2, _ = _rows(real, synth, min_doc_tokens=1)
    assert rows2["exact_copy_rate"].value == pytest.approx(60 / 365)


def _write(path, texts):
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    return str(path)


def test_serial_and_parallel_reading_give_byte_identical_json(tmp_path, monkeypatch):
    from audit import reading
    from audit.pipeline import AuditOptions, run_audit

    pools = []

    class Counting(reading.ProcessPoolExecutor):
        def __init__(self, *a, **kw):
            pools.append(kw.get("max_workers"))
            super().__init__(*a, **kw)

    monkeypatch.setattr(reading, "ProcessPoolExecutor", Counting)
    rng = np.random.default_rng(13)
    real = _docs(4500, 14)
    synth = _docs(4500, 15)
    synth[:300] = [_edit(t, rng) for t in real[:300]]
    r, s = _write(tmp_path / "r.jsonl", real), _write(tmp_path / "s.jsonl", synth)

    def audit(workers):
        return run_audit(AuditOptions(real=r, synth=s, embedder="hash", use_cache=False, make_map=False,
                                      sample_size=150, families=("duplication",), workers=workers)).to_json()

    one, two = audit(1), audit(2)
    assert pools == [2, 2]  # the parallel run really used a pool, for both corpora
    assert one == two


def test_small_real_large_synthetic_uses_every_synthetic_document(tmp_path):
    from audit.pipeline import AuditOptions, run_audit

    rng = np.random.default_rng(16)
    real = _docs(175, 17)
    synth = _docs(4000, 18)
    synth += [t + " " + " ".join(rng.choice(VOCAB, 6)) + "." for t in synth[:1000]]  # a sentence appended
    r, s = _write(tmp_path / "r.jsonl", real), _write(tmp_path / "s.jsonl", synth)
    res = run_audit(AuditOptions(real=r, synth=s, embedder="hash", use_cache=False, make_map=False,
                                 sample_size=5000, families=("duplication",), workers=1))
    near = res.metric("near_duplicate_rate")
    assert near.scope == "full" and near.support["synth_docs"] == 5000 and near.sample_size == 175
    assert near.synth == pytest.approx(1000 / 5000)
    assert near.verdict == "fail"
    assert res.metric("semantic_duplicate_rate").scope == "sample"
    # the noise floor's halves are at the matching size: half the real corpus here
    assert near.support["real_half_docs"] == 87
