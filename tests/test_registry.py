"""The registry is complete and honest, and properties that hold for every metric."""
import random
from pathlib import Path

import pytest

from audit.pipeline import run_context
from metrics.registry import REGISTRY
from tests.conftest import load_texts

ROOT = Path(__file__).resolve().parents[1]
REAL = load_texts(ROOT / "sample_data/real.jsonl")
SYNTH = load_texts(ROOT / "sample_data/synth.jsonl")


@pytest.fixture(scope="module")
def sample_entries():
    from audit.context import build_context
    from audit.embed import HashEmbedder
    from tests.conftest import docs_from_texts

    e = HashEmbedder()
    ctx = build_context(docs_from_texts(REAL), docs_from_texts(SYNTH), e.encode(REAL), e.encode(SYNTH), seed=0)
    entries, sections = run_context(ctx)
    return entries, sections


def test_every_emitted_metric_is_registered_once(sample_entries):
    entries, _ = sample_entries
    names = [e.name for e in entries]
    assert len(names) == len(set(names)), "a metric row is emitted twice"
    assert set(names) <= set(REGISTRY)


def test_every_registered_metric_is_emitted(sample_entries):
    entries, _ = sample_entries
    missing = set(REGISTRY) - {e.name for e in entries}
    assert not missing, f"registered but never computed: {sorted(missing)}"


def test_names_say_which_way_is_better():
    for name, spec in REGISTRY.items():
        assert spec.name == name
        if name.endswith("_score"):
            assert spec.better == "higher", name
        if name.endswith(("_rate", "_distance", "_drift")):
            assert spec.better == "lower", name
        assert spec.description and spec.title


def test_rows_carry_family_and_reason(sample_entries):
    entries, _ = sample_entries
    for e in entries:
        assert e.family == REGISTRY[e.name].family
        assert e.reason, e.name
        assert e.verdict in {"ok", "warn", "fail", "info", "insufficient"}


def _verdicts(entries):
    return {e.name: e.verdict for e in entries}


def test_identical_corpora_show_no_gap_except_copying(make_ctx):
    texts = REAL[:300]
    ctx = make_ctx(texts, list(texts))
    entries, _ = run_context(ctx)
    copying = {"exact_copy_rate", "near_copy_rate", "semantic_copy_rate", "ngram_copy_rate", "dcr_copy_rate",
               "data_copying_score"}
    flagged = {n: v for n, v in _verdicts(entries).items() if v in ("warn", "fail") and n not in copying}
    assert not flagged, flagged
    by = {e.name: e for e in entries}
    assert by["exact_copy_rate"].value == pytest.approx(1.0)
    assert by["exact_copy_rate"].verdict == "fail"
    # tail survival is asymmetric by design: the real side is half-vs-half, the synthetic side all-vs-half
    for e in entries:
        if e.name == "tail_survival_score":
            assert e.synth >= e.real
            continue
        if e.kind == "per_corpus" and e.real is not None and e.synth is not None and not e.sampled:
            assert e.real == pytest.approx(e.synth, rel=1e-9, abs=1e-12), e.name


def test_shuffling_documents_changes_nothing(make_ctx):
    real, synth = REAL[:200], SYNTH[:200]
    shuffled = list(synth)
    random.Random(5).shuffle(shuffled)
    a, _ = run_context(make_ctx(real, synth))
    b, _ = run_context(make_ctx(real, shuffled))
    va = {e.name: (e.real, e.synth, e.value) for e in a}
    vb = {e.name: (e.real, e.synth, e.value) for e in b}
    diff = {}
    for k in va:
        for x, y in zip(va[k], vb[k]):
            if x is None or y is None:
                if x != y:
                    diff[k] = (va[k], vb[k])
            elif x != pytest.approx(y, rel=1e-6, abs=1e-9):
                diff[k] = (va[k], vb[k])
    assert not diff, diff


def test_rows_carry_the_support_their_spec_asks_for(sample_entries):
    entries, _ = sample_entries
    for e in entries:
        if e.verdict == "info" or e.real is None and e.value is None:
            continue
        spec = REGISTRY[e.name]
        for key, minimum in spec.support:
            names = (key, "docs") if key == "documents" else (key,)  # the language row says "real_docs"
            shown = [k for k in e.support if any(k == n or k.endswith("_" + n) for n in names)]
            assert shown, f"{e.name}: no {key!r} in its support {e.support}"
            if e.verdict in ("ok", "warn", "fail"):
                assert all(e.support[k] >= minimum for k in shown), (e.name, e.support)
