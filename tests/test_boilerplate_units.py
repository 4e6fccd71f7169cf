"""metrics.diversity_repetition.boilerplate_opening_rate by hand: the collision estimate, its smallest
corpus, the ranked-texts path (memoised per n), the top-openings cap and the seeded jackknife written out."""
import math

import numpy as np
import pytest

from metrics.diversity_repetition import boilerplate_opening_rate
from metrics.token_ids import RankedTexts

TEXTS = ["sure here is the answer", "sure here is another", "the cat sat down", "the cat ran off",
         "sure here is more", "a b", "one two three four"]
# openings of 3 words: "sure here is" x3, "the cat sat", "the cat ran", "one two three"; "a b" has only 2 words
# collisions: 3 * 2 / (6 * 5) = 0.2. Openings of 2 words: "sure here" x3, "the cat" x2, "a b", "one two":
# (3 * 2 + 2 * 1) / (7 * 6) = 8 / 42


def test_collision_estimate_by_hand():
    r = boilerplate_opening_rate(TEXTS)
    assert r.value == pytest.approx(0.2) and r.n == 6
    assert r.details["max_share"] == pytest.approx(3 / 6)
    assert r.details["top"] == [{"opening": "sure here is", "share": pytest.approx(0.5)}]  # only repeated openings
    assert boilerplate_opening_rate(TEXTS, n=2).value == pytest.approx(8 / 42)


def test_ranked_texts_give_the_same_and_keep_each_n_apart():
    ranked = RankedTexts(TEXTS)
    assert boilerplate_opening_rate(ranked, n=2).value == pytest.approx(8 / 42)
    assert boilerplate_opening_rate(ranked, n=3).value == pytest.approx(0.2)  # not the n=2 openings again
    assert boilerplate_opening_rate(ranked, n=3).n == 6


def test_two_documents_are_enough_one_is_not():
    r = boilerplate_opening_rate(["x y z a", "x y z b"])
    assert r.value == 1.0 and r.n == 2
    r = boilerplate_opening_rate(["x y z a", "short"])
    assert r.value is None and r.n == 1 and r.warnings == ["fewer than two documents with 3 words"]


def test_top_openings_are_capped_at_ten():
    texts = [f"w{i} x y end" for i in range(12) for _ in range(2)]
    r = boilerplate_opening_rate(texts)
    assert len(r.details["top"]) == 10
    assert [t["opening"] for t in r.details["top"]] == sorted(f"w{i} x y" for i in range(12))[:10]  # ties by text


def test_seeded_jackknife_written_out():
    rng = np.random.default_rng(5)
    texts = [f"o{int(rng.integers(6))} p q tail{i}" for i in range(60)]
    opens = [" ".join(t.split()[:3]) for t in texts]

    def collisions(ix):
        counts = {}
        for i in ix:
            counts[opens[i]] = counts.get(opens[i], 0) + 1
        return sum(c * (c - 1) for c in counts.values()) / (len(ix) * (len(ix) - 1))

    groups = np.random.default_rng(11).permutation(60) % 10
    full = collisions(range(60))
    loo = [collisions([i for i in range(60) if groups[i] != j]) for j in range(10)]
    mean = sum(loo) / 10
    se = math.sqrt(9 / 10 * sum((v - mean) ** 2 for v in loo))
    r = boilerplate_opening_rate(texts, random_state=11)
    assert r.value == pytest.approx(full)
    assert r.ci == pytest.approx((full - 1.96 * se, full + 1.96 * se))
