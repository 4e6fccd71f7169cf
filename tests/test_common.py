"""One common test over every metric (as scikit-learn's check_estimator does over estimators).

``metrics.catalog.FUNCTIONS`` maps each registered metric to its pure function; every one is swept through
the same properties: determinism under a seed, shuffle invariance, empty and NaN input (a clear
ValueError or a NaN with a warning, never another exception), identical corpora, and direction (a
collapsed, duplicated corpus or a copied / shifted synthetic side must score worse in the way the
registry's ``better`` says). Rows built from shared fits are listed in ``ROW_ONLY`` with their own tests.
"""
import inspect
import math

import numpy as np
import pytest

from audit.embed import HashEmbedder
from metrics.catalog import FUNCTIONS, ROW_ONLY
from metrics.duplication import hash_counts
from metrics.registry import REGISTRY
from metrics.result import MetricResult
from metrics.text import tokenize
from tests.conftest import CORPORA, load_texts

XSUM = load_texts(CORPORA / "fastdetect/xsum_gpt-4/real.jsonl")
PUBMED = load_texts(CORPORA / "fastdetect/pubmed_gpt-4/real.jsonl")
EMB = HashEmbedder()

REAL, SAME, HOLD = XSUM[:50], XSUM[50:100], XSUM[100:150]  # one distribution, three disjoint samples
COPIED = REAL[:25] + HOLD[:25]                              # half the synthetic side copies real documents
SHIFTED = PUBMED[:50]                                       # another domain
COLLAPSED = [" ".join(t.split()[:15] * 4) for t in XSUM[:5]] * 10  # 5 documents, each repeating itself, x10
DUPLICATED = XSUM[:5] * 10  # 5 documents x10: for embeddings (a truncated, repeated text embeds elsewhere)

COPYING = {n for n, s in REGISTRY.items() if s.family == "duplication" and s.kind == "pairwise"}
NO_DIRECTION = {  # what a collapsed or shifted corpus does not move, by design
    "zipf_exponent": "better = closer: no worse direction",
    "gender_term_share": "better = closer",
    "mean_words": "better = closer",
    "knn_density": "better = closer",
    "toxicity_rate": "collapse adds no toxic words",
    "pii_rate": "collapse adds no personal data",
}
NOT_SHUFFLE_INVARIANT = {  # seeded by row position, not content: how far a shuffle moves it at n = 50
    # (the runners pass rows in content order, so the audit itself is order-free: tests/test_pipeline.py)
    "classifier_auc_drift": 0.1,   # cross-validation folds are drawn over row positions
    "data_copying_score": 0.5,     # k-means cells seeded over row positions (a z-score)
    "mauve_score": 0.1,            # k-means quantisation seeded over row positions
}
BAD_CASE = {  # which worse synthetic side a metric is built to catch, where not the family default
    "recall_score": "collapsed",   # recall measures mode collapse; a shifted domain can still cover real
}


def _inputs(m, real, synth):
    """The function's positional inputs for a (real, synth) pair of text lists."""
    tok = lambda ts: [tokenize(t) for t in ts]  # noqa: E731
    return {
        "tokens": lambda: (tok(synth),),
        "texts": lambda: (list(synth),),
        "embeddings": lambda: (EMB.encode(synth),),
        "hash_counts": lambda: (hash_counts(synth),),
        "pair_tokens": lambda: (tok(real), tok(synth)),
        "pair_embeddings": lambda: (EMB.encode(real), EMB.encode(synth)),
        "triple_embeddings": lambda: (EMB.encode(real), EMB.encode(HOLD if synth is not HOLD else SAME),
                                      EMB.encode(synth)),
        "copy_texts": lambda: (list(synth), hash_counts(real)),
    }[m.takes]()


def _call(name, real, synth, seed=0):
    m = FUNCTIONS[name]
    kw = {"random_state": seed} if "random_state" in inspect.signature(m.function).parameters else {}
    out = m(*_inputs(m, real, synth), **kw)
    assert isinstance(out, MetricResult), name
    return out.value


def test_catalog_maps_every_registered_metric_to_its_function():
    assert not set(FUNCTIONS) & set(ROW_ONLY)
    assert set(FUNCTIONS) | set(ROW_ONLY) == set(REGISTRY), sorted(set(REGISTRY) ^ (set(FUNCTIONS) | set(ROW_ONLY)))
    for name, m in FUNCTIONS.items():
        f = m.function
        assert f.__module__.startswith("metrics.") and f.__doc__, name


NAMES = sorted(FUNCTIONS)


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_under_a_seed(name):
    a, b = _call(name, REAL, SAME), _call(name, REAL, SAME)
    assert a == b or (math.isnan(a) and math.isnan(b)), name


@pytest.mark.parametrize("name", NAMES)
def test_shuffle_invariant(name):
    perm = np.random.default_rng(7).permutation(50)
    a = _call(name, REAL, SAME)
    b = _call(name, [REAL[i] for i in perm], [SAME[i] for i in perm[::-1]])
    if name in NOT_SHUFFLE_INVARIANT:
        assert b == pytest.approx(a, abs=NOT_SHUFFLE_INVARIANT[name]), name
    else:
        assert b == pytest.approx(a, rel=1e-6, abs=1e-9), name


@pytest.mark.parametrize("name", NAMES)
def test_empty_input_is_a_clear_error_or_nan(name):
    m = FUNCTIONS[name]
    empty = {"tokens": ([],), "texts": ([],), "embeddings": (np.zeros((0, 64)),), "hash_counts": ({},),
             "pair_tokens": ([[t] for t in "abc"], []), "pair_embeddings": (EMB.encode(REAL), np.zeros((0, 64))),
             "triple_embeddings": (EMB.encode(REAL), EMB.encode(SAME), np.zeros((0, 64))),
             "copy_texts": ([], hash_counts(REAL))}[m.takes]
    try:
        out = m(*empty)
    except ValueError as e:
        assert str(e), name
        return
    assert out.value is None or math.isnan(out.value), (name, out.value)
    assert out.warnings, name


@pytest.mark.parametrize("name", [n for n in NAMES if "embeddings" in FUNCTIONS[n].takes])
def test_nan_embeddings_are_a_clear_error(name):
    m = FUNCTIONS[name]
    x = EMB.encode(SAME)
    x[3, 5] = np.nan
    args = {"embeddings": (x,), "pair_embeddings": (EMB.encode(REAL), x),
            "triple_embeddings": (EMB.encode(REAL), EMB.encode(HOLD), x)}[m.takes]
    with pytest.raises(ValueError):
        m(*args)


def _worse(name, good, bad):
    better = REGISTRY[name].better
    return bad < good if better == "higher" else bad > good


@pytest.mark.parametrize("name", [n for n in NAMES if n not in NO_DIRECTION])
def test_direction_duplicated_copied_or_shifted_is_worse(name):
    spec = REGISTRY[name]
    collapsed = DUPLICATED if "embeddings" in FUNCTIONS[name].takes else COLLAPSED
    if BAD_CASE.get(name) == "collapsed" or (spec.kind == "per_corpus" and FUNCTIONS[name].takes != "pair_tokens"):
        good, bad = _call(name, REAL, SAME), _call(name, REAL, collapsed)
    elif name in COPYING:
        good, bad = _call(name, REAL, HOLD), _call(name, REAL, COPIED)
    elif FUNCTIONS[name].takes == "pair_tokens" and spec.kind == "per_corpus":  # tail survival
        good, bad = _call(name, REAL, SAME), _call(name, REAL, COLLAPSED)
    else:
        good, bad = _call(name, REAL, SAME), _call(name, REAL, SHIFTED)
    assert _worse(name, good, bad), (name, spec.better, good, bad)


@pytest.mark.parametrize("name", [n for n in NAMES if REGISTRY[n].kind == "pairwise" and n not in NO_DIRECTION])
def test_identical_corpora(name):
    """Identical corpora: a copy rate is at its worst (every document copied), a drift at its best
    (no worse than two samples of one distribution, better than a shifted one)."""
    same = _call(name, REAL, REAL if FUNCTIONS[name].takes != "triple_embeddings" else REAL)
    if name in COPYING:
        if name.endswith("_rate") and name != "dcr_copy_rate":
            assert same == pytest.approx(1.0), name
        assert not _worse(name, same, _call(name, REAL, COPIED)), name
    else:
        assert _worse(name, same, _call(name, REAL, SHIFTED)), name
