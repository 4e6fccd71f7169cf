import json
import math
import random

import numpy as np
import pytest

from audit.families import bias as bias_runner
from metrics.bias import bias_profile, gender_term_share
from metrics.bias_groups import group_doc_counts, representation_drift, representation_table
from metrics.bias_lexicon import (TermMatcher, default_groups, load_groups_file, matcher_for, merge_groups,
                                  normalize_for_match, occupations_lexicon, split_sentences)
from metrics.registry import REGISTRY

M = matcher_for(default_groups())


def labels(texts):
    return [M.labels_in(t) for t in texts]


# --- lexicon and matching -------------------------------------------------------------------------

def test_default_lexicon_has_the_seven_axes():
    axes = set(default_groups())
    assert {"gender", "race_ethnicity", "religion", "age", "nationality", "disability",
            "sexual_orientation"} <= axes


def test_normalize_for_match():
    assert normalize_for_match("The Women’s  Middle-Aged, LGBTQ+!") == "the women middle aged lgbtq"


def test_word_boundaries_and_variants():
    assert M.labels_in("The theme of Shelby's human rights.") == frozenset()  # he/she/man inside words
    assert ("religion", "muslim") in M.labels_in("Muslims pray.")  # plural s
    assert ("gender", "female") in M.labels_in("the women's team")  # possessive
    assert ("age", "middle_aged") in M.labels_in("a middle aged teacher")  # hyphen optional
    assert M.labels_in("Deaf") == frozenset({("disability", "auditory")})


def test_containment_within_axis_but_not_across():
    labs = M.labels_in("an Indian-American engineer")
    assert ("nationality", "indian") in labs and ("nationality", "american") not in labs
    labs = M.labels_in("Black women voted.")
    assert ("race_ethnicity", "black") in labs and ("gender", "female") in labs
    assert ("race_ethnicity", "black") not in M.labels_in("a black cat")  # colour word alone is not a group


def test_matcher_terms_in_reports_normalised_term():
    m = TermMatcher({"x": {"g": ["New York"]}})
    assert m.terms_in("I love new-york and New York!") == [("new york", ("x", "g"))] * 2


def test_split_sentences():
    assert split_sentences("One. Two!  Three?\n\nFour") == ["One.", "Two!", "Three?", "Four"]


def test_occupations_lexicon_forms():
    occ = matcher_for(occupations_lexicon())
    assert occ.labels_in("Two attorneys and a nurse.") == frozenset({("occupation", "lawyer"),
                                                                     ("occupation", "nurse")})


# --- user groups ----------------------------------------------------------------------------------

def test_merge_groups_overrides_and_adds():
    merged = merge_groups(default_groups(), {"gender": {"female": ["gal"]}, "profession": {"coder": ["coder"]}})
    m = TermMatcher(merged)
    assert ("gender", "female") not in m.labels_in("a woman")
    assert ("gender", "female") in m.labels_in("a gal")
    assert m.labels_in("coders") == frozenset({("profession", "coder")})
    assert "male" in merged["gender"]  # untouched groups stay


def test_load_groups_file_json_and_toml(tmp_path):
    j = tmp_path / "g.json"
    j.write_text(json.dumps({"caste": {"dalit": ["Dalit"]}}))
    t = tmp_path / "g.toml"
    t.write_text('[caste]\ndalit = ["Dalit"]\n')
    assert load_groups_file(j) == load_groups_file(t) == {"caste": {"dalit": ["Dalit"]}}


def test_bad_groups_raise():
    with pytest.raises(ValueError):
        merge_groups(default_groups(), {"axis": {"g": "not a list"}})
    with pytest.raises(ValueError):
        merge_groups(default_groups(), {"axis": {"g": ["!!!"]}})


# --- representation: hand-computed -----------------------------------------------------------------

REAL = ["A woman spoke.", "The Muslim community met.", "Nothing here.", "Her mother and a man."]
SYNTH = ["Women and women.", "Muslims pray.", "A man.", "Nothing.", "Nothing again."]


def test_group_doc_counts_hand():
    c = group_doc_counts(labels(REAL))
    assert c[("gender", "female")] == 2 and c[("gender", "male")] == 1 and c[("religion", "muslim")] == 1
    assert sum(c.values()) == 4


def test_representation_table_hand():
    rows = {(r["axis"], r["group"]): r for r in representation_table(labels(REAL), labels(SYNTH),
                                                                    random_state=0, min_count=1)}
    f = rows[("gender", "female")]
    assert f["real_per_1k"] == 500.0 and f["synth_per_1k"] == 200.0
    assert f["ratio"] == pytest.approx(0.4)
    assert f["ci"][0] <= f["ratio"] * 1.5 and f["ci"][0] < f["ci"][1]
    assert rows[("gender", "male")]["ratio"] == pytest.approx(0.2 / 0.25)


def test_representation_drift_hand():
    r = representation_drift(labels(REAL), labels(SYNTH), min_count=1, random_state=0)
    expected = (math.log(2) + 2 * math.log(6 / 5)) / 3
    assert r.value == pytest.approx(expected)
    assert r.details["groups"] == 3
    r5 = representation_drift(labels(REAL), labels(SYNTH), min_count=5)
    assert r5.value is None and r5.warnings  # nan -> None: insufficient, not noise


def test_identical_corpora_ratio_one_and_no_drift():
    texts = REAL * 5
    rows = representation_table(labels(texts), labels(texts), random_state=0)
    assert all(r["ratio"] == pytest.approx(1.0) for r in rows)
    assert representation_drift(labels(texts), labels(texts), random_state=0).value == pytest.approx(0.0)


def test_shuffling_changes_nothing():
    real, synth = labels(REAL * 3), labels(SYNTH * 3)
    shuffled = list(synth)
    random.Random(1).shuffle(shuffled)
    a = representation_drift(real, synth, random_state=0)
    b = representation_drift(real, shuffled, random_state=0)
    assert a.value == pytest.approx(b.value)
    ta = representation_table(real, synth, random_state=0)
    tb = representation_table(real, shuffled, random_state=0)
    assert [(r["group"], r["synth_count"], r["ci"]) for r in ta] == [(r["group"], r["synth_count"], r["ci"])
                                                                      for r in tb]


def test_same_seed_same_numbers_and_empty_raises():
    a = representation_drift(labels(REAL * 3), labels(SYNTH * 3), random_state=7)
    b = representation_drift(labels(REAL * 3), labels(SYNTH * 3), random_state=7)
    assert a == b
    with pytest.raises(ValueError):
        representation_drift([], labels(SYNTH))
    with pytest.raises(ValueError):
        representation_table(labels(REAL), [])


def test_erasing_a_group_raises_drift():
    real = labels(["A Muslim man.", "A Jewish woman.", "A Hindu man."] * 10)
    erased = labels(["A Christian man.", "A Christian woman.", "A Christian man."] * 10)
    assert representation_drift(real, erased).value > representation_drift(real, real).value + 1.0


def test_gender_term_share_hand():
    r = gender_term_share([["she", "and", "he", "and", "her"], ["nothing"]])
    assert r.value == pytest.approx(2 / 3) and r.details["female"] == 2 and r.details["male"] == 1
    assert gender_term_share([["x"]]).value is None


def test_bias_profile_nonstring_raises():
    with pytest.raises(ValueError):
        bias_profile(["ok", None], M)


# --- runner ---------------------------------------------------------------------------------------

TEXTS = [
    "The woman works as a nurse. She is kind.", "A man works as an engineer. He is proud.",
    "The Muslim family moved to Paris.", "Call 555-123-4567 or mail jane.roe@example.com.",
    "An elderly Deaf man plays chess.", "The Christian teacher smiled.", "Nothing much happened today.",
] * 6


def test_runner_sections_and_identical_corpora(make_ctx):
    ctx = make_ctx(TEXTS, TEXTS)
    out = bias_runner.run(ctx)
    names = {e.name for e in out.entries}
    assert {"representation_drift", "stereotype_amplification_drift", "group_sentiment_drift",
            "toxicity_rate", "pii_rate", "gender_term_share"} <= names
    assert all(REGISTRY[n].family == "bias" for n in names)
    by = {e.name: e for e in out.entries}
    assert by["representation_drift"].value == pytest.approx(0.0)
    assert by["group_sentiment_drift"].value == pytest.approx(0.0)
    assert by["stereotype_amplification_drift"].value in (None, 0.0)
    sec = out.sections["bias"]
    assert {"representation", "associations", "pii", "toxicity", "sentiment"} <= set(sec)
    row = sec["representation"][0]
    assert {"axis", "group", "real_per_1k", "synth_per_1k", "ratio", "ci"} <= set(row)
    dumped = json.dumps(sec)  # JSON-native
    assert "jane.roe" not in dumped and "555-123-4567" not in dumped
    assert all(e.verdict in ("ok", "insufficient") for e in out.entries)


def test_runner_user_groups_from_options(make_ctx, tmp_path):
    texts = ["The coder shipped it.", "Nothing."] * 20
    ctx = make_ctx(texts, texts, bias_groups={"profession": {"coder": ["coder"]}})
    sec = bias_runner.run(ctx).sections["bias"]
    assert any(r["axis"] == "profession" and r["real_count"] == 20 for r in sec["representation"])
    p = tmp_path / "groups.json"
    p.write_text(json.dumps({"profession": {"coder": ["coder"]}}))
    sec2 = bias_runner.run(make_ctx(texts, texts, bias_groups=str(p))).sections["bias"]
    assert sec2["representation"] == sec["representation"]


def test_runner_flags_erased_group(make_ctx):
    # distinct documents (a number in each): the real halves are cut by content hash, so 8 texts repeated
    # 25 times would put whole groups into one half and make real-vs-real drift as large as the finding
    base_r = ["A Muslim woman prays.", "A Jewish man reads.", "A Hindu girl sings.", "A Sikh boy runs."]
    base_s = ["A Christian woman prays.", "A Christian man reads.", "A Christian girl sings.",
              "A Christian boy runs."]
    real = [f"{t} Day {i}." for i in range(25) for t in base_r + ["The weather was mild."] * 4]
    real = [f"{t} ({j})" for j, t in enumerate(real)]
    synth = [f"{t} ({j})" for j, t in enumerate(f"{t} Day {i}." for i in range(25)
                                                for t in base_s + ["The weather was mild."] * 4)]
    out = bias_runner.run(make_ctx(real, synth))
    e = {x.name: x for x in out.entries}["representation_drift"]
    assert e.verdict == "fail" and e.value > e.noise_floor
    rows = {(r["axis"], r["group"]): r for r in out.sections["bias"]["representation"]}
    assert rows[("religion", "muslim")]["synth_per_1k"] == 0.0
    assert rows[("religion", "muslim")]["real_per_1k"] == pytest.approx(125.0)
    assert rows[("religion", "christian")]["ratio"] is None  # absent from real
