"""Document properties: hand-computed values, Flesch vs textstat, tests vs scipy, runner behaviour."""
import numpy as np
import pytest
from scipy import stats

from audit.families import properties as runner
from audit.pipeline import run_context
from metrics.properties import (
    distribution_test, doc_rate, document_properties, flesch_reading_ease, mean_property,
    mean_words, shared_histogram,
)
from tests.conftest import load_texts, reference_package


def test_hand_computed_properties():
    p = document_properties(["Hello World! It's 2024.", "", "a\x00b"])
    assert p["chars"].tolist() == [23, 0, 3]
    assert p["words"].tolist() == [4, 0, 2]  # Hello, World, It's, 2024 | a, b
    assert p["sentences"].tolist() == [2, 0, 1]
    assert p["digit_share"][0] == pytest.approx(4 / 20)  # 20 non-space characters
    assert p["punctuation_share"][0] == pytest.approx(3 / 20)  # ! ' .
    assert p["uppercase_share"][0] == pytest.approx(3 / 13)  # H W I of 13 letters
    assert p["type_token_ratio"][0] == 1.0 and np.isnan(p["type_token_ratio"][1])
    assert p["near_empty"].tolist() == [0, 1, 1] and p["nonprintable"].tolist() == [0, 0, 1]


def test_flesch_matches_textstat_pyphen_path(monkeypatch):
    textstat = reference_package("textstat")
    from textstat.backend.counts import _count_syllables

    # textstat's English path downloads CMUdict; without it textstat falls back to pyphen, as we do
    monkeypatch.setattr(_count_syllables, "get_cmudict", lambda lang: None)
    for t in ["The cat sat on the mat. It was happy.",
              "Reading ease is computed from words, sentences and syllables!",
              "Extraordinary administrative complications."]:
        assert flesch_reading_ease(t) == pytest.approx(textstat.flesch_reading_ease(t), abs=1e-9)
    assert np.isnan(flesch_reading_ease("..."))


def test_summaries_and_tests_hand_computed():
    # KS: [1,2,3] vs [4,5,6] are fully separated, D = 1; exact two-sided p = 2 / C(6,3) = 0.1.
    # Wasserstein: every mass moves by 3.
    t = distribution_test([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert t.details["ks"] == pytest.approx(1.0) and t.p_value == pytest.approx(0.1)
    assert t.value == pytest.approx(3.0)
    # Fisher on 0/1 flags: real 2 zeros of 4, synth 0 of 4; tables with the same margins have P(z zeros in
    # real) = C(2,z) C(6,4-z) / C(8,4) = 15/70, 40/70, 15/70; as or less likely than z=2: 30/70
    f = distribution_test([0, 0, 1, 1], [1, 1, 1, 1])
    assert f.details["test"] == "fisher" and f.p_value == pytest.approx(3 / 7)
    m = mean_property([1.0, 2.0, np.nan, 3.0])
    assert m.value == 2.0 and m.n == 3 and m.ci[0] < 2.0 < m.ci[1]
    r = doc_rate([0, 0, 1, 1])
    assert r.value == 0.5 and 0.1 < r.ci[0] < 0.5 < r.ci[1] < 0.9
    assert mean_words(["a b", "c d e f"]).value == 3.0
    h = shared_histogram([1, 2, 3], [3, 4, 100], bins=4, upper_q=100)
    assert len(h["edges"]) == 5 and sum(h["real"]) == 3 and sum(h["synth"]) == 3


def test_empty_and_nan_raise():
    with pytest.raises(ValueError):
        document_properties([])
    with pytest.raises(ValueError):
        mean_property([np.nan])
    with pytest.raises(ValueError):
        mean_words([])


def test_runner_identical_corpora_ok(make_ctx, corpora_dir):
    news = load_texts(corpora_dir / "clickbait/news.jsonl", 600)
    out = runner.run(make_ctx(news[:300], news[300:]))
    assert {e.verdict for e in out.entries} <= {"ok", "insufficient"}
    assert all(e.p_adjusted is None or e.p_adjusted >= e.p_value for e in out.entries)
    hist = out.sections["properties"]["histograms"]
    assert set(hist) == {"words", "chars"} and len(hist["words"]["real"]) == len(hist["words"]["edges"]) - 1


def test_runner_flags_clickbait_properties(make_ctx, corpora_dir):
    news = load_texts(corpora_dir / "clickbait/news.jsonl", 400)
    click = load_texts(corpora_dir / "clickbait/clickbait.jsonl", 400)
    out = runner.run(make_ctx(news, click))
    rows = {e.name: e for e in run_context(make_ctx(news, click), families=["properties"])[0]}
    assert rows["uppercase_share"].verdict in ("warn", "fail")  # Clickbait Headlines Capitalise Every Word
    assert rows["uppercase_share"].p_adjusted < 0.05
    assert rows["mean_words"].synth > rows["mean_words"].real
    # shuffling documents changes nothing
    out2 = runner.run(make_ctx(news[::-1], click[::-1]))
    assert [e.real for e in out2.entries] == pytest.approx([e.real for e in out.entries])


def test_runner_rows_and_bh(make_ctx, corpora_dir):
    news = load_texts(corpora_dir / "clickbait/news.jsonl", 200)
    entries, _ = run_context(make_ctx(news, ["Ça va très bien, merci à vous et à la famille \ufffd"] * 50),
                             families=["properties"])
    rows = {e.name: e for e in entries}
    for name in ("mean_words", "mean_chars", "mean_sentences", "mean_word_length",
                 "type_token_ratio", "punctuation_share", "digit_share", "uppercase_share"):
        assert rows[name].real is not None and rows[name].p_value is not None
    # readability is an English formula: on 50 French documents it is n/a, not a number
    flesch = rows["flesch_reading_ease"]
    assert flesch.verdict == "insufficient" and flesch.synth is None and flesch.reason.startswith("n/a")
    assert flesch.details["coverage"]["synth_share"] == 0.0 and "English" in flesch.reason
    assert rows["nonprintable_rate"].synth == 1.0 and rows["nonprintable_rate"].verdict == "fail"
    assert rows["nonprintable_rate"].details["examples_synth"][0]["id"] == "0"
    assert all(e.p_adjusted >= e.p_value for e in entries if e.p_value is not None)
