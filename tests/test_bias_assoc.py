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
