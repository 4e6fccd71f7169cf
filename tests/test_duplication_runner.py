"""The duplication family runner: rows, noise floors, sections, and the corpus-level properties."""
import json

import numpy as np
import pytest

from audit.families.duplication import run
from metrics.registry import REGISTRY
from tests.conftest import load_texts

NAMES = ["exact_duplicate_rate", "near_duplicate_rate", "semantic_duplicate_rate", "exact_copy_rate",
         "near_copy_rate", "semantic_copy_rate", "ngram_copy_rate", "dcr_copy_rate", "data_copying_score"]


@pytest.fixture
def texts(corpora_dir):
    d = corpora_dir / "fastdetect" / "writing_gpt-4"
    real = load_texts(d / "real.jsonl") + load_texts(corpora_dir / "fastdetect" / "xsum_gpt-4" / "real.jsonl")
    synth = load_texts(d / "synth.jsonl") + load_texts(corpora_dir / "fastdetect" / "xsum_gpt-4" / "synth.jsonl")
    return real, synth


def _rows(out):
    return {e.name: e for e in out.entries}


def test_runner_emits_every_registered_row_with_floor(make_ctx, texts):
    real, synth = texts
    out = run(make_ctx(real, synth, copying_cells=4))
    rows = _rows(out)
    assert list(rows) == NAMES
    for name, e in rows.items():
        assert REGISTRY[name].family == "duplication"
        assert e.noise_floor is not None, name
    assert rows["exact_copy_rate"].value == 0.0 and rows["exact_copy_rate"].verdict == "ok"
    assert rows["dcr_copy_rate"].verdict in ("ok", "warn")
    assert set(out.sections) == {"duplicate_clusters", "copied_pairs", "dcr"}
    assert set(out.sections["duplicate_clusters"]) == {"exact", "near", "semantic"}
    json.dumps(out.sections)  # JSON-native


def test_identical_corpora_are_flagged_as_copies(make_ctx, texts):
    real, _ = texts
    rows = _rows(run(make_ctx(real, list(real), copying_cells=4)))
    assert rows["exact_copy_rate"].value == 1.0 and rows["exact_copy_rate"].verdict == "fail"
    assert rows["near_copy_rate"].value == 1.0 and rows["semantic_copy_rate"].value == 1.0
    assert rows["dcr_copy_rate"].value > 0.4 and rows["dcr_copy_rate"].verdict == "fail"
    assert rows["data_copying_score"].value < -3 and rows["data_copying_score"].verdict != "ok"
    # within-corpus rates: identical corpora show no gap
    for name in ("exact_duplicate_rate", "near_duplicate_rate", "semantic_duplicate_rate"):
        assert rows[name].delta == 0 and rows[name].verdict == "ok"


def test_copied_pairs_section_is_readable(make_ctx, texts):
    real, synth = texts
    synth = synth[:200] + real[:10]
    out = run(make_ctx(real, synth, copying_cells=4))
    pairs = out.sections["copied_pairs"]
    assert pairs and pairs[0]["kind"] == "exact"
    for p in pairs:
        assert {"synth_id", "real_id", "synth_text", "real_text", "similarity", "kind"} <= set(p)
        assert len(p["synth_text"]) <= 300 and len(p["real_text"]) <= 300
    assert _rows(out)["exact_copy_rate"].value == pytest.approx(10 / 210)


def test_duplicating_synthetic_docs_raises_duplication(make_ctx, texts):
    real, synth = texts
    base = _rows(run(make_ctx(real, synth, copying_cells=4)))
    dup = _rows(run(make_ctx(real, synth[:200] + synth[:100], copying_cells=4)))
    for name in ("exact_duplicate_rate", "near_duplicate_rate", "semantic_duplicate_rate"):
        assert dup[name].synth > base[name].synth, name
    assert dup["exact_duplicate_rate"].verdict == "fail"
    clusters = run(make_ctx(real, synth[:200] + synth[:100], copying_cells=4)).sections["duplicate_clusters"]
    assert clusters["near"]["synth"][0]["size"] >= 2 and clusters["near"]["synth"][0]["members"][0]["text"]


def test_shuffling_changes_nothing(make_ctx, texts):
    real, synth = texts
    perm = np.random.default_rng(0).permutation(len(synth))
    a = _rows(run(make_ctx(real, synth, copying_cells=4)))
    b = _rows(run(make_ctx(real, [synth[i] for i in perm], copying_cells=4)))
    for name in NAMES:
        va = a[name].value if a[name].value is not None else a[name].synth
        vb = b[name].value if b[name].value is not None else b[name].synth
        assert va == pytest.approx(vb, abs=1e-9), name


def test_runner_is_deterministic(make_ctx, texts):
    real, synth = texts
    one = run(make_ctx(real, synth, copying_cells=4))
    two = run(make_ctx(real, synth, copying_cells=4))
    assert json.dumps([e.to_dict() for e in one.entries]) == json.dumps([e.to_dict() for e in two.entries])


def test_tiny_corpora_do_not_crash(make_ctx):
    out = run(make_ctx(["a b c", "d e f", "g h i", "a b c"], ["a b c", "x y z"]))
    rows = _rows(out)
    # three-token documents are under the minimum length: counted apart, never called copies
    assert rows["exact_copy_rate"].value is None and rows["exact_copy_rate"].verdict == "insufficient"
    assert rows["exact_copy_rate"].details["short_identical"] == 1
    rows = _rows(run(make_ctx(["a b c", "d e f", "g h i", "a b c"], ["a b c", "x y z"], min_doc_tokens=1)))
    assert rows["exact_copy_rate"].value == 0.5
    assert rows["exact_duplicate_rate"].real == 0.25


def test_near_copies_carry_the_shared_passage_for_highlighting():
    from audit.families.duplication import _with_shared_span

    real = "The committee met on Tuesday to discuss the new budget for the regional hospital network."
    synth = "Officials said the committee met on Tuesday to discuss the new budget for the hospitals."
    out = _with_shared_span({"kind": "near", "real_text": real, "synth_text": synth, "similarity": 0.8})
    a, b = out["real_span"], out["synth_span"]
    assert real[a[0]:a[1]].casefold() == synth[b[0]:b[1]].casefold()
    assert "committee met on tuesday to discuss the new budget for the " in real[a[0]:a[1]].casefold()
    # unrelated texts get no span; n-gram pairs keep their token-exact spans
    assert "real_span" not in _with_shared_span({"kind": "semantic", "real_text": "abc def", "synth_text": "xyz"})
    kept = {"kind": "ngram", "real_text": real, "synth_text": synth, "real_span": [0, 3], "synth_span": [0, 3]}
    assert _with_shared_span(kept) is kept
