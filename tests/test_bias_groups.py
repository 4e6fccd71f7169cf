import json
from collections import Counter
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


# --- gender share and the profile, by hand ------------------------------------------------------------

def test_gender_term_counts_and_share_details():
    from metrics.bias import gender_term_counts

    toks = [["She", "she", "he", "him", "mr", "ms"], [], ["woman", "men", "boys", "girl"]]
    assert gender_term_counts(toks).tolist() == [[2, 3], [0, 0], [2, 2]]  # "She" is not lower-cased here
    assert gender_term_counts(toks).dtype == np.int64
    balanced = gender_term_share([["she", "he"]])
    assert balanced.value == 0.5 and balanced.warnings == []
    r = gender_term_share(toks)
    assert r.value == pytest.approx(4 / 9) and r.n == 3 and r.warnings == []
    assert r.details == {"female": 4, "male": 5, "gendered_terms": 9, "per_1k_docs": 3000.0}
    none = gender_term_share([["x"], ["y"]])
    assert none.value is None and none.n == 2 and none.warnings == ["no gendered term in the corpus"]
    assert none.details == {"female": 0, "male": 0, "gendered_terms": 0, "per_1k_docs": 0.0}
    empty = gender_term_share([])
    assert empty.value is None and empty.n == 0 and empty.details["per_1k_docs"] == 0.0


class Tone:
    """A stand-in for VADER: the compound score is the number of "!" in the sentence, and every call is
    recorded."""

    def __init__(self):
        self.seen = []

    def polarity_scores(self, text):
        self.seen.append(text)
        return {"compound": text.count("!")}


def test_bias_profile_groups_attributes_and_sentences_by_hand():
    occ = matcher_for(occupations_lexicon())
    texts = ["A woman is a nurse! The sky is blue. A man sings!!", "No group. A nurse works.", ""]
    tone = Tone()
    p = bias_profile(texts, M, occ, sentiment=tone)
    assert p.groups == [frozenset({("gender", "female"), ("gender", "male")}), frozenset(), frozenset()]
    assert p.attributes == [frozenset({"nurse"}), frozenset({"nurse"}), frozenset()]
    assert p.sentences == [[(frozenset({("gender", "female")}), 1.0), (frozenset({("gender", "male")}), 2.0)],
                           [], []]
    assert tone.seen == ["A woman is a nurse!", "A man sings!!"]  # only sentences that name a group
    assert type(p.sentences[0][0][1]) is float and len(p) == 3
    bare = bias_profile(texts, M)
    assert bare.groups == p.groups and bare.attributes == [frozenset()] * 3 and bare.sentences == [[], [], []]
    sub = p.subset([1, 0])
    assert sub.groups == p.groups[1::-1] and sub.attributes == p.attributes[1::-1]
    assert sub.sentences == p.sentences[1::-1] and len(sub) == 2
    with pytest.raises(ValueError, match="^document 1 is not a string$"):
        bias_profile(["ok", 3], M)


def test_bias_profile_sentence_cap_per_group():
    texts = [f"The woman {i} smiled{'!' * (i % 3)}. The man {i} spoke." for i in range(12)]
    all_ = bias_profile(texts, M, sentiment=Tone(), max_sentences_per_group=None)
    assert sum(len(s) for s in all_.sentences) == 24
    tone = Tone()
    capped = bias_profile(texts, M, sentiment=tone, max_sentences_per_group=5, random_state=0)
    per_group = Counter(lab for s in capped.sentences for labs, _ in s for lab in labs)
    assert per_group == {("gender", "female"): 5, ("gender", "male"): 5} and len(tone.seen) == 10
    # the 5 kept of each group: those with the smallest keyed hash of their text (blake2b, key = the seed)
    import hashlib

    def rank(s, seed):
        return hashlib.blake2b(s.encode("utf-8"), digest_size=8, key=str(seed).encode()).digest()

    women = [f"The woman {i} smiled{'!' * (i % 3)}." for i in range(12)]
    assert sorted(t for t in tone.seen if "woman" in t) == sorted(sorted(women, key=lambda s: rank(s, 0))[:5])
    other = Tone()
    bias_profile(texts, M, sentiment=other, max_sentences_per_group=5, random_state=1)
    assert set(other.seen) != set(tone.seen)
    exact = bias_profile(texts, M, sentiment=Tone(), max_sentences_per_group=12)
    assert exact.sentences == all_.sentences  # a group at exactly the cap keeps everything
    both = ["The woman and the man met."] * 3 + ["The woman left."] * 3
    t2 = Tone()
    bias_profile(both, M, sentiment=t2, max_sentences_per_group=3)
    # male: its 3 sentences (at the cap); female: 3 of 6, the "left" ones if their hash is smaller
    left_first = rank("The woman left.", 0) < rank("The woman and the man met.", 0)
    assert sorted(t2.seen) == sorted(["The woman and the man met."] * 3 + ["The woman left."] * (3 if left_first else 0))


# --- representation: supports, labels, CIs against exact distributions --------------------------------

def lab_docs(spec):
    """[(labels, count), ...] -> list of frozensets."""
    return [frozenset(labs) for labs, k in spec for _ in range(k)]


F, MA, OLD = ("gender", "female"), ("gender", "male"), ("age", "old")


def exact_quantile(values, probs, q):
    order = np.argsort(values)
    cdf = np.cumsum(np.asarray(probs)[order])
    return float(np.asarray(values)[order][np.searchsorted(cdf, q)])


def test_representation_table_ci_is_the_binomial_bootstrap_of_the_smoothed_ratio():
    from scipy.stats import binom

    real = lab_docs([({F}, 6), (set(), 14)])  # 6 of 20
    synth = lab_docs([({F}, 15), (set(), 10)])  # 15 of 25
    (row,) = representation_table(real, synth, n_boot=20_000, random_state=0)
    br, bs = np.arange(21), np.arange(26)
    ratio = ((bs[None, :] + 0.5) / 26) / ((br[:, None] + 0.5) / 21)
    prob = binom.pmf(br, 20, 0.3)[:, None] * binom.pmf(bs, 25, 0.6)[None, :]
    v, pr = ratio.ravel(), prob.ravel()
    lo, hi = row["ci"]
    eps = 1e-12  # exp(log - log) vs the plain ratio
    assert exact_quantile(v, pr, 0.02) - eps <= lo <= exact_quantile(v, pr, 0.03) + eps
    assert exact_quantile(v, pr, 0.97) - eps <= hi <= exact_quantile(v, pr, 0.98) + eps
    assert row["ratio"] == pytest.approx(0.6 / 0.3) and row["real_per_1k"] == 300.0 and row["synth_per_1k"] == 600.0
    assert (row["real_count"], row["synth_count"], row["insufficient"]) == (6, 15, False)
    assert type(row["ci"][0]) is float


def test_representation_table_labels_min_count_and_absent_groups():
    real = lab_docs([({F}, 2), (set(), 3)])
    synth = lab_docs([({F}, 1), ({OLD}, 2), (set(), 1)])
    rows = representation_table(real, synth, random_state=0, n_boot=50)
    assert [(r["axis"], r["group"]) for r in rows] == [("age", "old"), ("gender", "female")]
    old, fem = rows
    assert old["ratio"] is None and old["real_per_1k"] == 0.0 and old["synth_per_1k"] == 500.0
    assert old["insufficient"] is True  # 0 + 2 < 5
    assert fem["insufficient"] is True and fem["ratio"] == pytest.approx(0.25 / 0.4)
    rows3 = representation_table(real, synth, random_state=0, n_boot=50, min_count=3)
    assert [r["insufficient"] for r in rows3] == [True, False]  # female: 2 + 1 = 3 is enough
    given = representation_table(real, synth, labels=[MA, F], random_state=0, n_boot=50)
    assert [r["group"] for r in given] == ["female", "male"]  # only the given labels, sorted
    male = given[1]
    assert (male["real_count"], male["synth_count"], male["ratio"]) == (0, 0, None)
    # absent from both: every resample is 0 and 0, the smoothed ratio (0.5/5) / (0.5/6) exactly
    assert male["ci"] == pytest.approx([(0.5 / 5) / (0.5 / 6)] * 2)
    with pytest.raises(ValueError, match="^synthetic corpus: empty corpus"):
        representation_table(real, [])
    with pytest.raises(ValueError, match="^real corpus: empty corpus"):
        representation_table([], synth)


def test_representation_drift_min_count_labels_and_largest_gaps():
    real = lab_docs([({F}, 4), ({MA}, 2), ({OLD}, 1), (set(), 3)])  # n = 10
    synth = lab_docs([({F}, 1), ({MA}, 2), ({OLD}, 1), (set(), 1)])  # n = 5

    def lr(ks, ns, kr, nr):
        return math.log((ks + 0.5) / (ns + 1)) - math.log((kr + 0.5) / (nr + 1))

    r = representation_drift(real, synth, min_count=2, n_boot=50, random_state=0)
    gaps = {"female": lr(1, 5, 4, 10), "male": lr(2, 5, 2, 10), "old": lr(1, 5, 1, 10)}
    assert r.value == pytest.approx(np.mean([abs(g) for g in gaps.values()]))
    assert r.details["groups"] == 3 and r.details["min_count"] == 2 and r.n == 5
    worst = r.details["largest_gaps"]
    assert abs(gaps["old"]) == pytest.approx(abs(gaps["male"])) and abs(gaps["male"]) > abs(gaps["female"])
    assert [w["group"] for w in worst] == ["old", "male", "female"]  # a tie keeps the (axis, group) order
    assert worst[2] == {"axis": "gender", "group": "female", "log_ratio": pytest.approx(gaps["female"]),
                        "real_per_1k": 400.0, "synth_per_1k": 200.0}
    r3 = representation_drift(real, synth, min_count=3, n_boot=50, random_state=0)
    assert r3.details["groups"] == 2  # old: 1 + 1 = 2 < 3; male: 2 + 2 = 4
    only = representation_drift(real, synth, labels=[OLD], min_count=2, n_boot=50, random_state=0)
    assert only.value == pytest.approx(abs(gaps["old"])) and only.details["groups"] == 1
    none = representation_drift(real, synth, min_count=50)
    assert none.value is None and none.n == 5 and none.details == {"groups": 0}
    assert none.warnings == ["no group is mentioned in 50+ documents"]


def test_representation_drift_keeps_the_ten_largest_gaps():
    groups = [("g", f"x{i:02d}") for i in range(12)]
    real = lab_docs([({g}, 1 + i) for i, g in enumerate(groups)])
    synth = lab_docs([({g}, 13 - i) for i, g in enumerate(groups)])
    r = representation_drift(real, synth, min_count=1, n_boot=20, random_state=0)
    worst = r.details["largest_gaps"]
    assert len(worst) == 10 and r.details["groups"] == 12
    assert {w["group"] for w in worst} == {f"x{i:02d}" for i in range(12)} - {"x05", "x06"}


def test_representation_drift_ci_is_a_document_bootstrap():
    # the reference: resample the documents of each corpus with replacement, recompute the mean |log ratio|
    real = lab_docs([({F}, 6), ({MA}, 3), (set(), 11)])
    synth = lab_docs([({F}, 3), ({MA}, 6), (set(), 11)])
    keys = [MA, F]

    def drift(docs_r, docs_s):
        out = []
        for k in keys:
            kr, ks = sum(k in d for d in docs_r), sum(k in d for d in docs_s)
            out.append(abs(math.log((ks + 0.5) / 21) - math.log((kr + 0.5) / 21)))
        return np.mean(out)

    rng = np.random.default_rng(123)
    ref = [drift([real[i] for i in rng.integers(20, size=20)], [synth[i] for i in rng.integers(20, size=20)])
           for _ in range(4000)]
    r = representation_drift(real, synth, min_count=1, n_boot=4000, random_state=0)
    assert r.value == pytest.approx(drift(real, synth))
    assert r.ci[0] == pytest.approx(np.percentile(ref, 2.5), abs=0.04)
    assert r.ci[1] == pytest.approx(np.percentile(ref, 97.5), abs=0.04)
    other = representation_drift(real, synth, min_count=1, n_boot=4000, random_state=1)
    assert other.ci != r.ci  # seeded


def test_representation_defaults_500_and_200_resamples_min_count_5():
    real = lab_docs([({F}, 3), ({MA}, 1), (set(), 6)])
    synth = lab_docs([({F}, 1), ({MA}, 1), (set(), 8)])
    assert representation_table(real, synth, random_state=0) == representation_table(real, synth, n_boot=500,
                                                                                      random_state=0)
    assert representation_table(real, synth, random_state=0) != representation_table(real, synth, n_boot=501,
                                                                                      random_state=0)
    rows = {r["group"]: r for r in representation_table(real, synth, random_state=0)}
    assert rows["female"]["insufficient"] is True  # 3 + 1 = 4 < 5
    rows = {r["group"]: r for r in representation_table(real + lab_docs([({F}, 1)]), synth, random_state=0)}
    assert rows["female"]["insufficient"] is False  # 4 + 1 = 5
    d = representation_drift(real + lab_docs([({F}, 1)]), synth, random_state=0)
    assert d.details["groups"] == 1 and d.details["min_count"] == 5
    assert d.ci == representation_drift(real + lab_docs([({F}, 1)]), synth, n_boot=200, random_state=0).ci


def test_bias_profile_default_cap_100_and_seed_0():
    texts = [f"The woman {i} spoke." for i in range(101)]
    tone = Tone()
    bias_profile(texts, M, sentiment=tone)
    assert len(tone.seen) == 100
    seeded = Tone()
    bias_profile(texts, M, sentiment=seeded, max_sentences_per_group=100, random_state=0)
    assert seeded.seen == tone.seen


def test_representation_drift_errors_name_the_corpus_and_one_sided_groups():
    with pytest.raises(ValueError, match="^real corpus: empty corpus"):
        representation_drift([], labels(SYNTH))
    with pytest.raises(ValueError, match="^synthetic corpus: empty corpus"):
        representation_drift(labels(REAL), [])
    real = lab_docs([({F}, 4), (set(), 6)])
    synth = lab_docs([({MA}, 4), ({F}, 2), (set(), 4)])
    # male only in the synthetic corpus (4 documents), female in both (4 + 2)
    r = representation_drift(real, synth, min_count=5, n_boot=20, random_state=0)
    assert r.details["groups"] == 1 and r.details["largest_gaps"][0]["group"] == "female"
    r4 = representation_drift(real, synth, min_count=4, n_boot=20, random_state=0)
    gap_m = math.log(4.5 / 11) - math.log(0.5 / 11)
    gap_f = math.log(2.5 / 11) - math.log(4.5 / 11)
    assert r4.value == pytest.approx((abs(gap_m) + abs(gap_f)) / 2)
    male = r4.details["largest_gaps"][0]
    assert male == {"axis": "gender", "group": "male", "log_ratio": pytest.approx(gap_m), "real_per_1k": 0.0,
                    "synth_per_1k": 400.0}
    back = representation_drift(synth, real, min_count=5, n_boot=20, random_state=0)
    assert back.details["groups"] == 1  # male only in the real corpus now: still 4 < 5
    back4 = representation_drift(synth, real, min_count=4, n_boot=20, random_state=0)
    assert back4.value == pytest.approx(r4.value)  # male only in the real corpus: 0 synthetic documents


def test_representation_drift_ci_percentiles_against_an_exact_category_bootstrap():
    # each document names one group or none, so resampling documents is a multinomial draw over the three
    # kinds of document: the reference draws those counts directly
    real = lab_docs([({F}, 6), ({MA}, 3), (set(), 11)])
    synth = lab_docs([({F}, 3), ({MA}, 6), (set(), 11)])
    rng = np.random.default_rng(99)
    cr = rng.multinomial(20, [6 / 20, 3 / 20, 11 / 20], size=200_000)
    cs = rng.multinomial(20, [3 / 20, 6 / 20, 11 / 20], size=200_000)
    lr = np.log((cs[:, :2] + 0.5) / 21) - np.log((cr[:, :2] + 0.5) / 21)
    ref = np.abs(lr).mean(axis=1)
    r = representation_drift(real, synth, min_count=1, n_boot=20_000, random_state=0)
    lo, hi = r.ci
    assert np.percentile(ref, 2.0) <= lo <= np.percentile(ref, 3.0)
    assert np.percentile(ref, 97.0) <= hi <= np.percentile(ref, 98.0)


def test_largest_gaps_ties_keep_the_group_order_beyond_sixteen_groups():
    # 39 groups, 26 with the same |log ratio| (rarer or commoner in synth): the ten listed are the first ten
    # of those in (axis, group) order
    groups = [("g", f"x{i:02d}") for i in range(39)]  # 13 of each kind: both corpora have 117 documents
    # (every third group as frequent in both corpora: a mix of ties and non-ties, which unstable sorts reorder)
    real = lab_docs([({g}, (4, 2, 3)[i % 3]) for i, g in enumerate(groups)])
    synth = lab_docs([({g}, (2, 4, 3)[i % 3]) for i, g in enumerate(groups)])
    r = representation_drift(real, synth, min_count=1, n_boot=5, random_state=0)
    expected = [f"x{i:02d}" for i in range(39) if i % 3 != 2][:10]
    assert [w["group"] for w in r.details["largest_gaps"]] == expected
    lr = np.array([[-1.0, 1.0, 0.0][i % 3] for i in range(39)])
    assert list(np.argsort(-np.abs(lr))[:10]) != [i for i in range(39) if i % 3 != 2][:10]  # quicksort differs
