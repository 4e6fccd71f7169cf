"""Unit tests written for mutation testing (issue 16) of metrics/language.py and metrics/langid_batch.py:
hand-computed mixes, distances and chi-square values, the accumulator's rules at their boundaries, and the
batch identifier against py3langid's own ``classify`` text by text."""
import math

import pytest

from audit.documents import Document
from metrics.langid_batch import automaton_tables, classify_many
from metrics.language import (
    LanguageMix, _chi2_p, dominant_script, document_languages, identifier, identify, identify_all,
    identify_many, language_mismatch, language_mix_drift, language_name, mix_distance, mix_table, stop_words,
)
from metrics.stats import wilson_interval
from metrics.text import text_hash

TEXTS = ["The committee will publish its report on Tuesday.", "Der Ausschuss veröffentlicht den Bericht.",
         "a", "Привет", "委员会将在星期二发布报告。", "x" * 400, "Le comité publiera son rapport mardi.", "ok ok"]


def test_batch_classify_equals_classify_text_by_text():
    ident = identifier()
    want = [ident.classify(t) for t in TEXTS]
    assert classify_many(ident, TEXTS) == want
    assert classify_many(ident, TEXTS, automaton_tables(ident)) == want
    assert classify_many(ident, ["a"]) == [ident.classify("a")]
    assert classify_many(ident, []) == []


def test_identify_many_equals_identify():
    texts = TEXTS + ["12345 !!!", "", "1" * 300 + " English words after the first 300 characters"]
    got = identify_many(texts)
    assert got == [identify(t) for t in texts]
    assert got[-1] == ("und", 0.0) and got[-2] == ("und", 0.0)
    assert identify_all(texts[:2]) == ["en", "de"]


def test_add_many_counts_like_add():
    docs = [_doc(0, "The committee will publish its report on Tuesday."), _doc(1, "12345")]
    many, one = LanguageMix(), LanguageMix()
    assert many.add_many(docs) == [one.add(d) for d in docs] == [{"language": "en"}, {"language": "und"}]
    assert many == one and many.languages == {"en": 1, "und": 1}


def test_document_languages_use_the_label_left_while_streaming():
    docs = [Document(id="1", text="The report is out today.", metadata={"language": "fr"}),
            Document(id="2", text="The report is out today.")]
    assert document_languages(docs) == ["fr", "en"]


def test_language_names():
    assert language_name("und") == "undetermined" and language_name("zh") == "Chinese"
    assert language_name("xx") == "xx"


@pytest.mark.parametrize("text,script", [
    ("の漢字漢字", "kana"),  # kana in exactly 20% of the letters
    ("の漢字漢字漢", "han"),  # 1 in 6
    ("ｱｲｳ", "kana"), ("abcабв", "cyrillic"),  # a tie goes to the first name
    ("1" * 300 + "abc", "none"), ("1" * 299 + "é", "latin"), ("!!", "none"), ("«»", "none"),
])
def test_dominant_script_by_hand(text, script):
    assert dominant_script(text) == script


def test_stop_words_per_language():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    import stopwordsiso

    assert stop_words(["en"]) == frozenset(ENGLISH_STOP_WORDS)
    de = {w.casefold() for w in stopwordsiso.stopwords("de")}
    assert stop_words(["de"]) == frozenset(de) and stop_words(["en", "de", "und"]) == frozenset(de | ENGLISH_STOP_WORDS)
    assert stop_words(["und"]) == frozenset() and stop_words(["xx"]) == frozenset()


# --- distances --------------------------------------------------------------------------------------
def test_mix_distance_by_hand():
    assert mix_distance({"en": 1, "de": 1}, {"en": 2}) == pytest.approx(0.5)  # de only in a
    assert mix_distance({"en": 2}, {"en": 1, "de": 1}) == pytest.approx(0.5)
    assert math.isnan(mix_distance({}, {"en": 1})) and math.isnan(mix_distance({"en": 1}, {}))


def test_chi_square_by_hand():
    # keys de, en, fr; rows [10, 30, 0] and [0, 10, 30]; expected 5, 20, 15 per row: chi2 = 50, 2 df
    assert _chi2_p({"en": 30, "de": 10}, {"en": 10, "fr": 30}) == pytest.approx(math.exp(-25), rel=1e-6)
    # [[10, 0], [0, 10]]: chi2 = 20, 1 df, no continuity correction
    assert _chi2_p({"en": 10}, {"de": 10}) == pytest.approx(math.erfc(math.sqrt(10)), rel=1e-6)
    assert _chi2_p({"en": 3, "de": 0}, {"en": 5, "de": 0}) == 1.0  # a language with no document is no column
    assert _chi2_p({}, {}) == 1.0
    assert _chi2_p({"en": 3, "de": 0}, {"en": 5}) == 1.0 and _chi2_p({"en": 5}, {"en": 3, "de": 0}) == 1.0
    # [[1, 5], [0, 5]] (de, en): expected 6/11, 60/11 and 5/11, 50/11: chi2 = 11/12, 1 df
    assert _chi2_p({"en": 5, "de": 1}, {"en": 5}) == pytest.approx(math.erfc(math.sqrt(11 / 24)), rel=1e-6)


def test_language_mix_drift_by_hand():
    r = language_mix_drift({"en": 3, "de": 1}, {"en": 1, "de": 1, "fr": 2})
    assert r.value == pytest.approx(0.5) and r.n == 4
    assert r.details == {"over": [{"language": "fr", "name": "French", "excess": 0.5}]}  # de: excess 0
    many = language_mix_drift({"en": 1}, {k: 1 for k in ("sv", "da", "fi", "nl", "pl", "it", "es")})
    assert [o["language"] for o in many.details["over"]] == ["da", "es", "fi", "it", "nl"]  # ties by code, 5
    assert many.n == 1 and many.details["over"][0]["excess"] == pytest.approx(1 / 7)
    ranked = language_mix_drift({"en": 10}, {"en": 2, "de": 3, "fr": 5})
    assert [o["language"] for o in ranked.details["over"]] == ["fr", "de"]  # largest excess first
    # de only in real: its synthetic share is 0, so it is not over-represented
    assert [o["language"] for o in language_mix_drift({"en": 99, "de": 1}, {"en": 2}).details["over"]] == ["en"]
    empty = language_mix_drift({}, {"en": 3})
    assert empty.n == 0 and empty.p_value is None and empty.details == {}
    assert empty.value is None or math.isnan(empty.value)


# --- the accumulator --------------------------------------------------------------------------------
def _doc(i, text):
    return Document(id=str(i), text=text)


def test_count_rules():
    mix = LanguageMix(k_examples=2)
    texts = [f"text number {i}" for i in range(5)]
    mix._count(_doc(0, texts[0]), "en", 0.5)  # at the confidence limit: certain
    mix._count(_doc(1, texts[1]), "en", 0.49)
    for i in (2, 3, 4):
        mix._count(_doc(i, texts[i]), "de", 0.9)
    assert mix.n_docs == 5 and mix.languages == {"en": 2, "de": 3} and mix.uncertain == {"en": 1}
    assert mix.scripts == {"latin": 5}
    parity = {i: int(text_hash(t), 16) & 1 for i, t in enumerate(texts)}
    assert sum(mix.half(0).values()) == list(parity.values()).count(0)
    assert mix.half(1)["de"] == sum(parity[i] for i in (2, 3, 4))
    de = sorted((text_hash(texts[i]), str(i), texts[i]) for i in (2, 3, 4))[:2]
    assert mix.examples["de"] == de  # the two smallest hashes
    assert mix._count(_doc(9, "x"), "fr", 1.0) == {"language": "fr"}


def test_merge_keeps_the_smallest_examples_and_adds_counts():
    a, b = LanguageMix(k_examples=1), LanguageMix(k_examples=1)
    a._count(_doc(1, "alpha one"), "en", 0.9)
    a._count(_doc(4, "delta"), "fr", 0.9)  # a language only one side has
    b._count(_doc(2, "beta two"), "en", 0.2)
    b._count(_doc(3, "gamma"), "de", 0.9)
    m = a.merge(b)
    assert m.k_examples == 1 and m.n_docs == 4 and m.languages == {"en": 2, "de": 1, "fr": 1}
    assert m.uncertain == {"en": 1} and sum(m.halves.values()) == 4 and m.scripts == {"latin": 4}
    assert m.examples["fr"] == [(text_hash("delta"), "4", "delta")]
    assert m.examples["en"] == [min((text_hash("alpha one"), "1", "alpha one"), (text_hash("beta two"), "2", "beta two"))]
    assert m.examples["de"] == [(text_hash("gamma"), "3", "gamma")]


def test_dominant_ties_and_empty():
    mix = LanguageMix()
    assert mix.dominant() == ("und", 0.0) and mix.dominant_script() == ("und", 0.0)
    for i, (lang, text) in enumerate([("en", "one"), ("de", "zwei"), ("en", "три"), ("de", "четыре")]):
        mix._count(_doc(i, text), lang, 1.0)
    assert mix.dominant() == ("de", 0.5)  # 2 and 2: the first code
    assert mix.dominant_script() == ("cyrillic", 0.5)


def _mix(counts, script_text="word"):
    mix = LanguageMix()
    i = 0
    for lang, n in counts.items():
        for _ in range(n):
            mix._count(_doc(i, f"{script_text} {lang} {i}"), lang, 1.0)
            i += 1
    return mix


def test_mix_table_by_hand():
    real, synth = _mix({"en": 3, "de": 1}), _mix({"de": 2, "fr": 4})
    rows = mix_table(real, synth)
    assert [r["language"] for r in rows] == ["fr", "de", "en"]  # 4, 3, 3 documents; ties by code
    assert [r["language"] for r in mix_table(_mix({"en": 3}), _mix({"fr": 3}))] == ["en", "fr"]
    de = rows[1]
    assert (de["name"], de["real_docs"], de["synth_docs"]) == ("German", 1, 2)
    assert de["real_share"] == 0.25 and de["synth_share"] == pytest.approx(2 / 6)
    assert de["real_ci"] == list(wilson_interval(1, 4)) and de["real_uncertain"] == 0
    assert [e["id"] for e in de["synth_examples"]] == sorted(
        [str(i) for i in (0, 1)], key=lambda i: text_hash(f"word de {i}"))
    assert de["synth_examples"][0]["text"].startswith("word de ")
    assert len(mix_table(real, synth, limit=2)) == 2
    assert len(mix_table(_mix({f"l{i:02d}": 1 for i in range(21)}), LanguageMix())) == 20
    unsure = LanguageMix()
    unsure._count(_doc(0, "x"), "en", 0.1)
    assert mix_table(unsure, unsure)[0]["real_uncertain"] == 1
    empty = mix_table(LanguageMix(), synth)
    assert empty[0]["real_share"] is None and empty[0]["real_docs"] == 0


def test_mismatch_by_hand():
    # ties go to the first code: de (50%) in both, so no mismatch
    assert language_mismatch(_mix({"en": 5, "de": 5}), _mix({"fr": 5, "de": 5})) is None
    real = _mix({"de": 6, "en": 4})
    m = language_mismatch(real, _mix({"fr": 5, "en": 5}, "слово"), min_share=0.5)
    assert m == {"kind": "script", "real": "de", "synth": "en", "real_share": 0.6, "synth_share": 0.5,
                 "real_script": "latin", "synth_script": "cyrillic", "main": "both", "other_share": None,
                 "summary": "real mostly German, synthetic mostly English",
                 "text": "the corpora are in different languages: real is mostly German (60% of documents), "
                         "synthetic mostly English (50%), in different scripts (latin vs cyrillic)"}
    same_script = language_mismatch(real, _mix({"fr": 6, "en": 4}))
    assert same_script["kind"] == "language" and same_script["text"].endswith("mostly French (60%)")
    assert language_mismatch(real, _mix({"fr": 6, "en": 4}), min_share=0.61) is None
    assert language_mismatch(_mix({"de": 6, "en": 4}), _mix({"de": 9})) is None
    # real 40% German, no main language: synthetic's (French, 100%) is 30% of real, under half
    assert language_mismatch(_mix({"de": 4, "en": 3, "fr": 3}), _mix({"fr": 10}))["main"] == "synth"
    assert language_mismatch(_mix({"fr": 10}), _mix({"de": 4, "en": 3, "fr": 3}))["main"] == "real"
    assert language_mismatch(_mix({"de": 4, "en": 3, "fr": 3}), _mix({"fr": 4, "en": 3, "de": 3})) is None  # neither has one
    assert language_mismatch(_mix({"de": 5, "en": 5}), _mix({"fr": 10}))["real_share"] == 0.5  # at the limit
    half = LanguageMix()  # de 6 of 10, its scripts 5 Cyrillic and 5 Latin: Cyrillic (a tie) at exactly 50%
    for i in range(10):
        half._count(_doc(i, f"слово {i}" if i < 5 else f"word {i}"), "de" if i < 6 else "en", 1.0)
    assert language_mismatch(half, _mix({"fr": 10}))["kind"] == "script"
    assert language_mismatch(_mix({"fr": 10}), half)["kind"] == "script"


def test_mismatch_when_only_one_corpus_has_a_main_language():
    """Real 97% English against a synthetic corpus with no English, spread over languages none of which
    reaches half: a mismatch, said plainly (the rule once needed a main language on both sides)."""
    real = _mix({"en": 97, "de": 3})
    synth = _mix({"de": 34, "es": 33, "zh": 33})
    m = language_mismatch(real, synth)
    assert (m["main"], m["kind"], m["real"], m["synth"]) == ("real", "language", "en", "de")
    assert (m["real_share"], m["synth_share"], m["other_share"]) == (0.97, 0.34, 0.0)
    assert m["summary"] == "real mostly English, synthetic 0% English"
    assert m["text"] == ("the corpora are in different languages: real is mostly English (97% of documents); "
                         "only 0% of the synthetic documents are English (its most common language: German, 34%)")
    # the other way round: the synthetic corpus has the main language
    m = language_mismatch(synth, real)
    assert (m["main"], m["real"], m["synth"], m["other_share"]) == ("synth", "de", "en", 0.0)
    assert m["text"].startswith("the corpora are in different languages: synthetic is mostly English (97% ")
    # its main language is also the other corpus's most common one, at under half: no "its most common"
    m = language_mismatch(real, _mix({"en": 40, "de": 30, "es": 30}))
    assert m["text"].endswith("only 40% of the synthetic documents are English") and m["other_share"] == 0.4
    both = language_mismatch(real, _mix({"de": 60, "es": 40}))  # two main languages: the rule as before
    assert both["main"] == "both" and both["text"].endswith("synthetic mostly German (60%)")


def test_partial_shift_and_empty_corpora_are_not_a_mismatch():
    real = _mix({"en": 97, "de": 3})
    assert language_mismatch(real, _mix({"en": 60, "de": 40})) is None  # 60% English: drift, not a mismatch
    assert language_mismatch(real, _mix({"en": 50, "de": 25, "fr": 25})) is None  # at the limit
    assert language_mismatch(real, _mix({"en": 49, "de": 26, "fr": 25}))["main"] == "real"  # just under
    assert language_mismatch(real, LanguageMix()) is None and language_mismatch(LanguageMix(), real) is None
    assert language_mismatch(real, _mix({"en": 10, "de": 90}), min_share=0.95)["main"] == "real"
    assert language_mismatch(real, _mix({"en": 10, "de": 90}), min_share=0.98) is None  # real 97%: no main


def test_add_each_equals_adding_each_document_to_its_own_accumulator():
    """LanguageMix.add_each (audit init's per-document accumulators, identified together) gives every
    accumulator exactly what add() of its one document gives, and the same labels."""
    from metrics.language import LanguageMix

    texts = ["The committee approved the budget on Tuesday after a long debate.",
             "Le comité a approuvé le budget mardi après un long débat.",
             "委员会在长时间辩论后于周二批准了预算。", "12345 !!!", "",
             "Der Ausschuss hat den Haushalt am Dienstag nach langer Debatte gebilligt."]
    docs = [Document(id=f"d{i}", text=t) for i, t in enumerate(texts)]
    together = [LanguageMix() for _ in docs]
    labels = LanguageMix.add_each(together, docs)
    for acc, doc, label in zip(together, docs, labels):
        alone = LanguageMix()
        assert label == alone.add(doc)
        assert vars(acc) == vars(alone)
    assert [lab["language"] for lab in labels][:3] == ["en", "fr", "zh"] and labels[4]["language"] == "und"
