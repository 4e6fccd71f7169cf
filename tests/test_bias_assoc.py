import math
import random

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from metrics.bias import bias_profile
from metrics.bias_assoc import (association_table, group_sentiment_drift, log_relative_risk, sentiment_table,
                                stereotype_amplification_drift)
from metrics.bias_lexicon import default_groups, matcher_for, occupations_lexicon, split_sentences

GM = matcher_for(default_groups())
OM = matcher_for(occupations_lexicon())
VADER = SentimentIntensityAnalyzer()


def corpus(woman_nurse, woman_other, person_nurse, person_other):
    return (["The woman works as a nurse."] * woman_nurse + ["The woman went home."] * woman_other
            + ["A person works as a nurse."] * person_nurse + ["A person went home."] * person_other)


def prof(texts):
    return bias_profile(texts, GM, OM, sentiment=VADER)


def test_log_relative_risk_hand():
    # 8 of 20 group docs and 4 of 20 other docs mention the attribute.
    assert log_relative_risk(8, 20, 12, 40) == pytest.approx(math.log((8.5 / 21) / (4.5 / 21)))


def test_amplification_when_synth_doubles_cooccurrence():
    real, synth = prof(corpus(8, 12, 4, 16)), prof(corpus(16, 4, 4, 16))
    rows, skipped = association_table(real.groups, real.attributes, synth.groups, synth.attributes)
    assert skipped == 0 and len(rows) == 1
    r = rows[0]
    assert (r["axis"], r["group"], r["attribute"]) == ("gender", "female", "nurse")
    assert (r["real_cooc"], r["synth_cooc"]) == (8, 16)
    assert r["real_assoc"] == pytest.approx(math.log(8.5 / 4.5))
    assert r["synth_assoc"] == pytest.approx(math.log(16.5 / 4.5))
    assert r["amplification"] == pytest.approx(math.log(16.5 / 8.5))
    assert r["factor"] == pytest.approx(16.5 / 8.5)
    m = stereotype_amplification_drift(real.groups, real.attributes, synth.groups, synth.attributes, min_pairs=1)
    assert m.value == pytest.approx(math.log(16.5 / 8.5))
    assert m.details["amplified_pairs"] == 1


def test_no_amplification_on_identical_or_shuffled():
    real = prof(corpus(8, 12, 4, 16))
    same = stereotype_amplification_drift(real.groups, real.attributes, real.groups, real.attributes, min_pairs=1)
    assert same.value == pytest.approx(0.0)
    idx = list(range(len(real)))
    random.Random(3).shuffle(idx)
    sh = real.subset(idx)
    synth = prof(corpus(16, 4, 4, 16))
    a = stereotype_amplification_drift(real.groups, real.attributes, synth.groups, synth.attributes, min_pairs=1)
    b = stereotype_amplification_drift(sh.groups, sh.attributes, synth.groups, synth.attributes, min_pairs=1)
    assert a.value == pytest.approx(b.value)


def test_dampened_association_is_not_amplification():
    real, synth = prof(corpus(16, 4, 4, 16)), prof(corpus(8, 12, 4, 16))
    m = stereotype_amplification_drift(real.groups, real.attributes, synth.groups, synth.attributes, min_pairs=1)
    assert m.value == pytest.approx(0.0)


def test_one_supported_pair_is_an_anecdote_not_a_measurement():
    real, synth = prof(corpus(8, 12, 4, 16)), prof(corpus(16, 4, 4, 16))
    m = stereotype_amplification_drift(real.groups, real.attributes, synth.groups, synth.attributes)
    assert m.value is None and "1 (group, attribute) pairs" in m.warnings[0] and m.details["pairs"] == 1


def test_tiny_counts_are_insufficient():
    real, synth = prof(corpus(2, 3, 1, 4)), prof(corpus(4, 1, 1, 4))
    m = stereotype_amplification_drift(real.groups, real.attributes, synth.groups, synth.attributes)
    assert m.value is None and "insufficient" in m.warnings[0]
    rows, skipped = association_table(real.groups, real.attributes, synth.groups, synth.attributes)
    assert rows == [] and skipped == 1


def test_misaligned_or_empty_raise():
    p = prof(corpus(1, 1, 1, 1))
    with pytest.raises(ValueError):
        association_table(p.groups, p.attributes[:-1], p.groups, p.attributes)
    with pytest.raises(ValueError):
        association_table([], [], p.groups, p.attributes)
    with pytest.raises(ValueError):
        group_sentiment_drift([], p.sentences)


# --- sentiment ------------------------------------------------------------------------------------

# VADER's compound score of one lexicon word with no modifier is v / sqrt(v^2 + 15) (Hutto & Gilbert 2014),
# with the lexicon's valences wonderful 2.7 and terrible -2.1: computed here, not by calling VADER
# (VADER rounds the compound to 4 decimals)
POS = round(2.7 / math.sqrt(2.7**2 + 15), 4)   # 0.5719
NEG = round(-2.1 / math.sqrt(2.1**2 + 15), 4)  # -0.4767


def test_sentence_scores_hand_computed():
    text = "The woman is wonderful. The weather is bad. The man is terrible."
    p = prof([text])
    scores = [s for _labs, s in p.sentences[0]]
    assert scores == pytest.approx([POS, NEG], abs=1e-4)  # the weather sentence mentions no group


def test_sentiment_table_hand_and_drift():
    real = prof(["The woman is wonderful.", "The man is terrible."] * 10)
    synth = prof(["The woman is terrible.", "The man is wonderful."] * 10)
    pos, neg = POS, NEG
    rows = {r["group"]: r for r in sentiment_table(real.sentences, synth.sentences)}
    assert rows["female"]["real_mean"] == pytest.approx(pos)
    assert rows["female"]["synth_mean"] == pytest.approx(neg)
    base = (pos + neg) / 2
    assert rows["female"]["real_relative"] == pytest.approx(pos - base)
    d = group_sentiment_drift(real.sentences, synth.sentences)
    assert d.value == pytest.approx(abs(pos - neg))  # both groups swap tone
    assert group_sentiment_drift(real.sentences, real.sentences).value == pytest.approx(0.0)


def test_sentiment_insufficient_with_few_sentences():
    real = prof(["The woman is wonderful."] * 3)
    d = group_sentiment_drift(real.sentences, real.sentences, min_sentences=10)
    assert d.value is None and d.warnings


def test_sentence_cap_is_seeded_and_order_independent():
    texts = [f"The woman number {i} is {'happy' if i % 2 else 'sad'}." for i in range(60)]
    p = bias_profile(texts, GM, OM, sentiment=VADER, max_sentences_per_group=10, random_state=1)
    assert sum(len(s) for s in p.sentences) == 10
    rev = bias_profile(texts[::-1], GM, OM, sentiment=VADER, max_sentences_per_group=10, random_state=1)
    assert sorted(x for s in p.sentences for _l, x in s) == sorted(x for s in rev.sentences for _l, x in s)
    assert [len(s) for s in p.sentences] == [len(s) for s in rev.sentences][::-1]


# --- supports, thresholds and details, on label sets written by hand ---------------------------------

F, M_ = ("gender", "female"), ("gender", "male")


def docs(spec):
    """[(groups, attributes, count), ...] -> aligned lists of frozensets."""
    g, a = [], []
    for groups, attrs, k in spec:
        g += [frozenset(groups)] * k
        a += [frozenset(attrs)] * k
    return g, a


def test_log_relative_risk_uses_alpha():
    assert log_relative_risk(8, 20, 12, 40, alpha=1.0) == pytest.approx(math.log((9 / 22) / (5 / 22)))
    assert log_relative_risk(0, 5, 0, 10, alpha=0.5) == pytest.approx(0.0)


def test_association_table_support_thresholds_are_inclusive():
    # group mentioned in exactly min_group_docs docs of each corpus, the pair in exactly min_pair_docs together
    rg, ra = docs([({F}, {"nurse"}, 2), ({F}, set(), 1), (set(), {"nurse"}, 1), (set(), set(), 4)])
    sg, sa = docs([({F}, {"nurse"}, 1), ({F}, set(), 3), (set(), set(), 3)])  # 4 synthetic group docs
    rows, skipped = association_table(rg, ra, sg, sa, min_group_docs=3, min_pair_docs=3)
    assert skipped == 0 and len(rows) == 1
    r = rows[0]
    assert (r["real_group_docs"], r["synth_group_docs"], r["real_cooc"], r["synth_cooc"]) == (3, 4, 2, 1)
    assert r["real_assoc"] == pytest.approx(math.log((2.5 / 4) / (1.5 / 6)))
    assert r["synth_assoc"] == pytest.approx(math.log((1.5 / 5) / (0.5 / 4)))
    assert r["attribute"] == "nurse" and type(r["attribute"]) is str
    assert association_table(rg, ra, sg, sa, min_group_docs=4, min_pair_docs=3) == ([], 1)  # real group: 3 < 4
    assert association_table(sg, sa, rg, ra, min_group_docs=4, min_pair_docs=3) == ([], 1)  # synth group: 3 < 4
    assert len(association_table(sg, sa, sg, sa, min_group_docs=4, min_pair_docs=2)[0]) == 1  # 4 and 4: enough
    assert association_table(rg, ra, sg, sa, min_group_docs=3, min_pair_docs=4) == ([], 1)  # pair: 3 < 4


def test_association_table_rows_sorted_by_amplification_then_names():
    rg, ra = docs([({F, M_}, {"nurse", "pilot"}, 5), (set(), set(), 5)])
    sg, sa = docs([({F, M_}, {"nurse", "pilot"}, 5), (set(), set(), 5)])
    rows, _ = association_table(rg, ra, sg, sa, min_group_docs=1, min_pair_docs=1)
    assert [(r["group"], r["attribute"]) for r in rows] == [("female", "nurse"), ("female", "pilot"),
                                                           ("male", "nurse"), ("male", "pilot")]
    sg2, sa2 = docs([({F, M_}, {"nurse", "pilot"}, 5), ({M_}, {"pilot"}, 5), (set(), set(), 5)])
    rows, _ = association_table(rg, ra, sg2, sa2, min_group_docs=1, min_pair_docs=1)
    assert [r["amplification"] for r in rows] == sorted((r["amplification"] for r in rows), reverse=True)
    # synth: the 5 female docs all name a nurse, none of the 10 others does (real: 5 of 5 and 0 of 5)
    assert (rows[0]["group"], rows[0]["attribute"]) == ("female", "nurse")
    assert rows[0]["amplification"] == pytest.approx(math.log((5.5 / 6) / (0.5 / 11)) - math.log(11))
    assert all(r["factor"] == pytest.approx(math.exp(r["amplification"])) for r in rows)


def test_empty_corpora_name_which():
    g, a = docs([({F}, {"nurse"}, 1)])
    with pytest.raises(ValueError, match="^real corpus: empty corpus"):
        association_table([], [], g, a)
    with pytest.raises(ValueError, match="^synthetic corpus: empty corpus"):
        association_table(g, a, [], [])
    with pytest.raises(ValueError, match="^group and attribute lists must be aligned"):
        association_table(g, a, g, a + a)


def test_amplification_counts_strength_either_sign_and_min_pairs_boundary():
    # real: no association; synth: the group avoids the attribute (negative association) -> stronger tie
    rg, ra = docs([({F}, {"nurse"}, 4), ({F}, set(), 4), (set(), {"nurse"}, 4), (set(), set(), 4)])
    sg, sa = docs([({F}, {"nurse"}, 1), ({F}, set(), 7), (set(), {"nurse"}, 7), (set(), set(), 1)])
    rows, _ = association_table(rg, ra, sg, sa, min_group_docs=1, min_pair_docs=1)
    (r,) = rows
    assert r["real_assoc"] == pytest.approx(0.0) and r["synth_assoc"] < 0
    m = stereotype_amplification_drift(rg, ra, sg, sa, min_group_docs=1, min_pair_docs=1, min_pairs=1)
    assert m.value == pytest.approx(abs(r["synth_assoc"])) and m.n == 16
    assert m.details == {"pairs": 1, "insufficient_pairs": 0, "amplified_pairs": 1}
    back = stereotype_amplification_drift(sg, sa, rg, ra, min_group_docs=1, min_pair_docs=1, min_pairs=1)
    assert back.value == 0.0 and back.details["amplified_pairs"] == 0  # weaker is not amplified
    zero = stereotype_amplification_drift(rg, ra, sg, sa, min_group_docs=1, min_pair_docs=1, min_pairs=0)
    assert zero.value == m.value  # at least one pair is always needed
    short = stereotype_amplification_drift(rg, ra, sg, sa, min_group_docs=1, min_pair_docs=1, min_pairs=2)
    assert short.value is None and short.n == 16
    assert short.details == {"pairs": 1, "insufficient_pairs": 0}
    assert short.warnings == ["insufficient support: 1 (group, attribute) pairs co-occur often enough, 2 needed"]
    # default supports: 10 group docs in each corpus, 5 pair docs together
    assert stereotype_amplification_drift(rg, ra, sg, sa, min_pairs=1).details == {"pairs": 0,
                                                                                   "insufficient_pairs": 1}


def test_amplification_n_is_the_smaller_corpus():
    rg, ra = docs([({F}, {"nurse"}, 10), (set(), set(), 10)])
    sg, sa = docs([({F}, {"nurse"}, 10), (set(), set(), 2)])
    m = stereotype_amplification_drift(rg, ra, sg, sa, min_pairs=1)
    assert m.n == 12 and m.details["pairs"] == 1


def S(*groups):
    return frozenset(groups)


def test_sentiment_table_hand_with_missing_groups_and_thresholds():
    real = [[(S(F), 0.5), (S(F, M_), -0.5)], [(S(M_), 0.25)]]
    synth = [[(S(F), 1.0)], [(S(("age", "old")), 0.0)]]
    rows = {r["group"]: r for r in sentiment_table(real, synth, min_sentences=1)}
    base_r, base_s = (0.5 - 0.5 + 0.25) / 3, 0.5
    f, m, old = rows["female"], rows["male"], rows["old"]
    assert (f["real_sentences"], f["synth_sentences"]) == (2, 1)
    assert f["real_mean"] == 0.0 and f["synth_mean"] == 1.0
    assert f["real_relative"] == pytest.approx(-base_r) and f["synth_relative"] == pytest.approx(0.5)
    assert f["insufficient"] is False
    assert m["synth_mean"] is None and m["synth_relative"] is None and m["insufficient"] is True
    assert m["real_mean"] == pytest.approx(-0.125) and m["real_relative"] == pytest.approx(-0.125 - base_r)
    assert old["real_mean"] is None and old["real_relative"] is None and old["axis"] == "age"
    assert [r["group"] for r in sentiment_table(real, synth, min_sentences=1)] == ["old", "female", "male"]
    rows2 = {r["group"]: r for r in sentiment_table(real, synth, min_sentences=2)}
    assert rows2["female"]["insufficient"] is True  # 1 synthetic sentence < 2
    assert sentiment_table([[]], [[]]) == []


def test_group_sentiment_drift_details_and_threshold():
    real = [[(S(F), 0.5)], [(S(M_), -0.5)]] * 2
    synth = [[(S(F), -0.5)], [(S(M_), 0.5)]] * 2
    d = group_sentiment_drift(real, synth, min_sentences=2)
    assert d.value == pytest.approx(1.0) and d.n == 4 and d.details == {"groups": 2}
    few = group_sentiment_drift(real, synth, min_sentences=3)
    assert few.value is None and few.details == {"groups": 0} and few.n == 4
    assert few.warnings == ["insufficient: no group has 3+ sentences in both corpora"]
    assert group_sentiment_drift(real, synth[:3], min_sentences=1).n == 3
    with pytest.raises(ValueError, match="^empty corpus"):
        group_sentiment_drift(real, [])


def test_default_supports_are_ten_group_docs_five_pair_docs_five_pairs():
    # exactly 10 group documents in each corpus and 5 co-occurrences together: supported by default
    rg, ra = docs([({F}, {"nurse"}, 3), ({F}, set(), 7), (set(), set(), 5)])
    sg, sa = docs([({F}, {"nurse"}, 2), ({F}, set(), 8), (set(), set(), 5)])
    rows, skipped = association_table(rg, ra, sg, sa)
    assert len(rows) == 1 and skipped == 0
    assert stereotype_amplification_drift(rg, ra, sg, sa, min_pairs=1).details["pairs"] == 1
    # five such attributes: five pairs, the default minimum
    attrs = ["nurse", "pilot", "cook", "judge", "clerk"]
    rg5, ra5 = docs([({F}, set(attrs), 3), ({F}, set(), 7), (set(), set(), 5)])
    sg5, sa5 = docs([({F}, set(attrs), 2), ({F}, set(), 8), (set(), set(), 5)])
    m = stereotype_amplification_drift(rg5, ra5, sg5, sa5)
    assert m.value is not None and m.details["pairs"] == 5
    assert stereotype_amplification_drift(rg5, ra5, sg5, sa5, min_pair_docs=6).value is None  # passed on


def test_pairs_seen_in_one_corpus_only_and_every_skip_counted():
    # (female, nurse) only in the synthetic corpus; (female, aaa) and (female, abc) too rare, sorted before it
    rg, ra = docs([({F}, set(), 10), (set(), set(), 5), ({F}, {"aaa"}, 1)])
    sg, sa = docs([({F}, {"nurse"}, 5), ({F}, set(), 5), ({F}, {"abc"}, 1)])
    rows, skipped = association_table(rg, ra, sg, sa)
    assert [r["attribute"] for r in rows] == ["nurse"] and rows[0]["real_cooc"] == 0 and skipped == 2


def test_sentiment_table_default_minimum_and_no_numpy_warning():
    import warnings

    real = [[(S(F), 0.5)]] * 10
    assert sentiment_table(real, real)[0]["insufficient"] is False  # 10 sentences: enough by default
    assert sentiment_table(real[:9], real)[0]["insufficient"] is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "mean of empty slice" from a corpus without group sentences
        assert sentiment_table([[]], real)[0]["real_mean"] is None
        assert sentiment_table(real, [[]])[0]["synth_mean"] is None
