"""metrics.registry and metrics.catalog: the tables are built as their docstrings say.

The tables are built at import time, which a mutation run cannot see (it forks from a process that has
already imported them); each test reloads the module so that the building code runs inside the test.
"""
import importlib

import pytest

import metrics.catalog
import metrics.registry
from metrics.registry import canonical_name


@pytest.mark.parametrize("given,expected", [
    ("compression_ratio_rate", "compression_ratio"),  # the former name of a ratio
    ("compression_ratio", "compression_ratio"),
    ("distinct_2_score", "distinct_2_score"),
    ("no_such_metric", "no_such_metric"),  # anything else unchanged
    (None, None),
    (3, 3),
])
def test_canonical_name(given, expected):
    assert canonical_name(given) == expected


def test_canonical_name_leaves_non_strings_alone_even_unhashable_ones():
    names = ["compression_ratio_rate"]
    assert canonical_name(names) is names  # not looked up (a list is not a key), returned as given


def test_registry_is_keyed_by_each_specs_own_name():
    reg = importlib.reload(metrics.registry)
    assert len(reg.REGISTRY) > 40
    for name, spec in reg.REGISTRY.items():
        assert spec.name == name
    # one spec written out in the table: the values the report and the gate read
    spec = reg.REGISTRY["distinct_2_score"]
    assert (spec.family, spec.better, spec.kind) == ("diversity", "higher", "per_corpus")
    assert spec.min_support == {"documents": 20}


@pytest.mark.parametrize("name,path,takes,kwargs,pick", [
    ("distinct_1_score", "metrics.diversity_lexical:distinct_n", "tokens", {"n": 1}, None),
    ("bigram_entropy_score", "metrics.diversity_lexical:ngram_entropy", "tokens", {"n": 2}, None),
    ("compression_ratio", "metrics.diversity_lexical:compression_ratio", "texts", {}, None),
    ("data_copying_score", "metrics.copying_distance:data_copying_score", "triple_embeddings", {"n_cells": 3}, None),
    ("coverage_score", "metrics.drift_manifold:prdc", "pair_embeddings", {}, "coverage"),
    ("exact_duplicate_rate", "metrics.duplication:exact_duplicate_rate", "hash_counts", {}, None),
])
def test_catalog_entries_as_written(name, path, takes, kwargs, pick):
    cat = importlib.reload(metrics.catalog)
    f = cat.FUNCTIONS[name]
    assert (f.path, f.takes, f.kwargs, f.pick) == (path, takes, kwargs, pick)
    module, function = path.split(":")
    assert f.function is getattr(importlib.import_module(module), function)


def test_catalog_call_passes_its_kwargs_and_picks_one_result():
    cat = importlib.reload(metrics.catalog)
    tokens = [["a", "b", "a"], ["a", "b"]]
    # distinct-2 by hand: bigrams (a,b), (b,a), (a,b) -> 2 distinct of 3
    assert cat.FUNCTIONS["distinct_2_score"](tokens).value == pytest.approx(2 / 3)
    # a call's own keyword wins over the catalogue's
    assert cat.FUNCTIONS["distinct_2_score"](tokens, n=1).value == pytest.approx(2 / 5)
    picked = cat.MetricFunction("collections:OrderedDict", "texts", {"a": 1, "b": 2}, pick="b")
    assert picked() == 2
