"""metrics.topics.fit_topics at the edges of its status rules, checked against scipy's Fisher test and
Benjamini-Hochberg; examples nearest the centre by brute force; its messages and options."""
import warnings

import numpy as np
import pytest
from scipy.stats import false_discovery_control, fisher_exact

from metrics.topics import cluster_js, fit_topics
from tests.test_topics import blobs, cl, fit_of


def statuses(fit):
    return {c["keywords"][0]: c["status"] for c in fit.clusters}


def fit_of_counts(real, synth, **kw):
    xr, tr = blobs(real)
    xs, ts = blobs(synth, seed=1)
    return fit_topics(xr, xs, tr, ts, k=len(real), random_state=0, **kw)


def test_starved_and_inflated_are_strict_at_the_ratio():
    # topic0: real share 0.4, synthetic 0.2 -> 0.2 * 2 == 0.4, not below: ok (the gap is significant)
    fit = fit_of_counts([40, 60], [20, 80])
    assert min(c["q_value"] for c in fit.clusters) < 0.05
    assert statuses(fit) == {"topic0": "ok", "topic1": "ok"}
    # topic0: real 0.2, synthetic 0.4 == 2 * 0.2, not above: ok
    assert statuses(fit_of_counts([20, 80], [40, 60])) == {"topic0": "ok", "topic1": "ok"}
    # the default ratio is 2: 0.2 * 2 < 0.5 is starved (it would not be with a ratio of 3)
    assert statuses(fit_of_counts([50, 50], [20, 80])) == {"topic0": "starved", "topic1": "ok"}


def test_significance_is_q_strictly_below_alpha():
    xr, tr = blobs([50, 50])
    xs, ts = blobs([20, 80], seed=1)
    p = fisher_exact([[50, 50], [20, 80]])[1]
    q = false_discovery_control([p, p], method="bh")[0]  # both clusters have the same 2x2 table, transposed
    at = fit_topics(xr, xs, tr, ts, k=2, random_state=0, alpha=float(q))
    assert statuses(at) == {"topic0": "ok", "topic1": "ok"}
    above = fit_topics(xr, xs, tr, ts, k=2, random_state=0, alpha=float(np.nextafter(q, 1.0)))
    assert statuses(above) == {"topic0": "starved", "topic1": "ok"}


@pytest.mark.parametrize("synth", [[100, 0, 0], [0, 100, 0], [0, 0, 100]])
def test_a_synthetic_corpus_in_one_cluster(synth):
    fit = fit_of_counts([50, 50, 50], synth)
    where = synth.index(100)
    assert statuses(fit) == {f"topic{i}": "inflated" if i == where else "dropped" for i in range(3)}
    assert sorted(c["synth_count"] for c in fit.clusters) == [0, 0, 100]


def test_examples_are_the_documents_nearest_the_centre():
    xr, tr = blobs([30, 30])
    xs, ts = blobs([30, 30], seed=1)
    fit = fit_topics(xr, xs, tr, ts, k=2, random_state=0, n_examples=4)
    x = np.vstack([xr, xs])
    labels = np.array(fit.labels_real + fit.labels_synth)
    for c in fit.clusters:
        members = np.flatnonzero(labels == c["id"])
        centre = x[members].mean(axis=0)  # k-means has converged on these blobs: the centroid is the mean
        d = ((x - centre) ** 2).sum(axis=1)
        real = [i for i in members if i < 60]  # 60 real rows first, then 60 synthetic ones
        synth = [i for i in members if i >= 60]
        assert c["examples_real"] == sorted(real, key=lambda i: d[i])[:4]
        assert c["examples_synth"] == [i - 60 for i in sorted(synth, key=lambda i: d[i])[:4]]


def test_messages_name_the_function():
    xr, tr = blobs([5, 5])
    bad = xr.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^fit_topics: embeddings contain NaN or inf$"):
        fit_topics(bad, xr, tr, tr)
    with pytest.raises(ValueError, match=r"^fit_topics: tokens must be row-aligned with embeddings$"):
        fit_topics(xr, xr, tr, tr[:-1])


def test_keywords_default_to_eight_and_drop_the_given_stop_words():
    xr, _ = blobs([20, 20])
    xs, _ = blobs([20, 20], seed=1)
    words = [f"word{j}" for j in range(10)]
    toks = [[f"topic{i}", *words[: 9 - i]] for i in (0, 1) for _ in range(20)]
    fit = fit_topics(xr, xs, toks, toks, k=2, random_state=0)
    assert sorted(len(c["keywords"]) for c in fit.clusters) == [8, 8]
    fit = fit_topics(xr, xs, toks, toks, k=2, random_state=0, stop_words={"topic0", "topic1"})
    assert not any(w.startswith("topic") for c in fit.clusters for w in c["keywords"])


def test_cluster_js_warns_nothing_on_empty_clusters():
    fit = fit_of([cl(0, "ok", 1.0, 0.0), cl(1, "ok", 0.0, 1.0), cl(2, "ok", 0.0, 0.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cluster_js(fit).value == pytest.approx(1.0)


def _keywords_by_the_full_sort(bags, n_keywords):
    """The c-TF-IDF keywords as first written: every (score, word) of a cluster sorted, the last n reversed."""
    from collections import Counter

    total = sum(bags, Counter())
    sizes = [sum(bag.values()) for bag in bags]
    a = sum(sizes) / len(sizes) if bags else 0.0  # mean words per cluster
    result = []
    for bag, size in zip(bags, sizes):
        pairs = sorted((cnt / (size or 1) * np.log1p(a / total[w]), w) for w, cnt in bag.items())
        result.append([w for _, w in pairs[-n_keywords:]][::-1])
    return result


def test_keywords_equal_the_full_sort_of_every_score():
    import random
    from collections import Counter

    from metrics.topics import _keywords

    rng = random.Random(9)
    vocab = ["w%d" % i for i in range(300)] + ["é", "z", "a"]
    for trial in range(40):
        bags = []
        for _ in range(rng.randint(0, 12)):
            # few distinct counts: many equal scores, whose order the words decide
            bags.append(Counter({w: rng.choice((1, 1, 2, 3, 50)) for w in rng.sample(vocab, rng.randint(0, 60))}))
        for n in (-400, -2, 0, 1, 3, 5, 8, 100):
            assert _keywords(bags, n) == _keywords_by_the_full_sort(bags, n), (trial, n)
