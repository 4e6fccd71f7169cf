"""Document properties: hand-computed values, Flesch vs textstat, tests vs scipy, runner behaviour."""
from pathlib import Path

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


# --- each property, summary and test at its edges, by hand or against scipy ---------------------------

def test_sentences_words_and_shares_by_hand():
    p = document_properties(["Wait... what? 3.5 is fine!! 你好。再见！", "   ", "ab_cd", "The cat sat."])
    assert p["sentences"].tolist() == [5, 0, 1, 1]  # "3.5" is no sentence end; CJK stops need no space
    assert p["chars"].tolist() == [34, 3, 5, 12]
    assert p["mean_word_length"][3] == pytest.approx(3.0) and np.isnan(p["mean_word_length"][1])
    assert p["mean_word_length"][2] == 5.0  # "ab_cd" is one word
    assert p["punctuation_share"][2] == pytest.approx(1 / 5)  # "_" is not alphanumeric
    assert p["punctuation_share"][3] == pytest.approx(1 / 10) and p["digit_share"][3] == 0.0
    assert p["uppercase_share"][3] == pytest.approx(1 / 9)
    assert all(np.isnan(p[k][1]) for k in ("punctuation_share", "digit_share", "uppercase_share",
                                           "flesch_reading_ease", "type_token_ratio"))
    assert np.isnan(document_properties(["123 456"])["uppercase_share"][0])  # no letters
    assert p["type_token_ratio"].tolist()[3] == 1.0
    assert document_properties(["a b a B"])["type_token_ratio"][0] == 0.5  # lower-cased words
    assert set(p) == {"chars", "words", "sentences", "mean_word_length", "flesch_reading_ease",
                      "type_token_ratio", "punctuation_share", "digit_share", "uppercase_share",
                      "near_empty", "nonprintable"}


def test_flesch_by_hand_and_syllables_from_pyphen():
    import pyphen

    # 3 words, 1 sentence, 3 syllables: 206.835 - 1.015 * 3 - 84.6 * 1
    assert flesch_reading_ease("The cat sat.") == pytest.approx(206.835 - 1.015 * 3 - 84.6)
    assert flesch_reading_ease("the cat sat") == pytest.approx(206.835 - 1.015 * 3 - 84.6)  # no stop: 1 sentence
    assert flesch_reading_ease("The cat sat. The cat sat.") == pytest.approx(206.835 - 1.015 * 3 - 84.6)
    from metrics.properties import syllables

    assert syllables("extraordinary") == len(pyphen.Pyphen(lang="en_US").positions("extraordinary")) + 1 == 5
    assert flesch_reading_ease("extraordinary") == pytest.approx(206.835 - 1.015 - 84.6 * 5)
    assert document_properties(["The cat sat."])["flesch_reading_ease"][0] == pytest.approx(119.19)


def test_pattern_reader_equals_pyphen_s_parser_on_its_en_us_dictionary():
    import pyphen

    from metrics.properties import _LEFT, _RIGHT, _pattern_trie, _read_patterns, _trie

    hyph = pyphen.Pyphen(lang="en_US")
    trie, maxlen = _read_patterns(Path(pyphen.LANGUAGES["en_US"]))
    assert trie == _trie(hyph.hd.patterns) and maxlen == hyph.hd.maxlen
    assert _pattern_trie() == (trie, maxlen)
    assert (_LEFT, _RIGHT) == (hyph.left, hyph.right)


def test_pattern_reader_on_small_dictionaries_against_pyphen(tmp_path):
    import pyphen

    from metrics.properties import _read_patterns, _trie

    plain = ("UTF-8\n% a comment\n# another\nLEFTHYPHENMIN 2\n.ach4\n  1ba  \nab1c\nx0\n"
             "ab1c2\n.a2b1c0\nz5\n\n4é3\nab3c\n")  # blank lines, an all-zero pattern, a duplicate (last wins)
    f = tmp_path / "hyph_xx.dic"
    f.write_text(plain, encoding="utf-8")
    hd = pyphen.HyphDict(f)
    assert _read_patterns(f) == (_trie(hd.patterns), hd.maxlen)
    # what the reader leaves to pyphen: another encoding, ^^hh escapes, alternatives, two digits in a row
    for text, enc in (("ISO8859-1\n.ach4\n", "latin-1"), ("UTF-8\n^^e9a1\n", "utf-8"),
                      ("UTF-8\nc1k/k=k,1,1\n", "utf-8"), ("UTF-8\na12b\n", "utf-8"), ("UTF-8\na١b\n", "utf-8")):
        f.write_text(text, encoding=enc)
        assert _read_patterns(f) is None, text


def test_near_empty_threshold_and_nonprintable_classes():
    p = document_properties(["one two", "one two three"], near_empty_words=3)
    assert p["near_empty"].tolist() == [1.0, 0.0]
    assert document_properties(["one two"], near_empty_words=2)["near_empty"].tolist() == [0.0]
    bad = ["a\x07b", "a\x7fb", "a\x85b", "a\x9fb", "a\ufffdb", "a\ue000b", "a\uf8ffb", "a\ud800b", "a\x0bb", "a\x1fb"]
    good = ["a\nb\tc\rd", "a\xa0b", "café", "a\x20b"]
    assert document_properties(bad)["nonprintable"].tolist() == [1.0] * len(bad)
    assert document_properties(good)["nonprintable"].tolist() == [0.0] * len(good)


def test_property_errors_say_what():
    with pytest.raises(ValueError, match="^document_properties: no documents$"):
        document_properties([])
    with pytest.raises(ValueError, match="^document_properties: expected str, got int$"):
        document_properties(["a", 3])
    with pytest.raises(ValueError, match="^mean_words: no documents$"):
        mean_words([])
    for fn, name in ((mean_property, "mean_property"), (doc_rate, "doc_rate")):
        with pytest.raises(ValueError, match=f"^{name}: no finite values$"):
            fn([np.nan, np.inf])
    with pytest.raises(ValueError, match="^distribution_test: no finite values$"):
        distribution_test([1.0], [np.nan])
    with pytest.raises(ValueError, match="^shared_histogram: no finite values$"):
        shared_histogram([np.nan], [1.0])


def test_mean_property_ci_and_details_by_hand():
    m = mean_property([1.0, 2.0, 3.0, np.inf, 4.0])
    half = 1.96 * np.std([1, 2, 3, 4], ddof=1) / 2
    assert m.value == 2.5 and m.n == 4 and m.ci == pytest.approx((2.5 - half, 2.5 + half))
    assert m.details == {"median": 2.5, "p95": pytest.approx(3.85)}
    one = mean_property([7.0])
    assert one.ci == (7.0, 7.0) and one.n == 1


def test_doc_rate_is_wilson():
    for flags in ([0, 0, 1, 1], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0] * 7, [1] * 3):
        k, n = sum(flags), len(flags)
        r = doc_rate(flags + [np.nan])
        ref = stats.binomtest(k, n).proportion_ci(method="wilson")
        assert r.value == k / n and r.n == n and r.details == {"count": k}
        # z = 1.96 here, scipy's 1.95996...: the ends agree to 1e-5
        assert r.ci == pytest.approx((max(0.0, ref.low), min(1.0, ref.high)), abs=1e-5)


def test_distribution_test_picks_ks_or_fisher_and_reports_the_smaller_size():
    a, b = [0.0, 0.5, 1.0, np.nan], [0.2, 0.4, 2.0, 3.0, 4.0]
    t = distribution_test(a, b)
    ks = stats.ks_2samp([0.0, 0.5, 1.0], b[:])
    assert t.details == {"test": "ks", "ks": pytest.approx(ks.statistic)} and t.p_value == pytest.approx(ks.pvalue)
    assert t.value == pytest.approx(stats.wasserstein_distance([0.0, 0.5, 1.0], b)) and t.n == 3
    f = distribution_test([0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0])  # one side all zeros: still flags
    assert f.details == {"test": "fisher"} and f.n == 3
    assert f.p_value == pytest.approx(stats.fisher_exact([[0, 3], [3, 1]])[1])
    assert f.value == pytest.approx(0.75)
    assert distribution_test([0.0, 1.0], [1.0, 1.0]).details["test"] == "fisher"
    assert distribution_test([0.0, 1.0], [1.0, 2.0]).details["test"] == "ks"


def test_shared_histogram_edges_clipping_and_degenerate_range():
    h = shared_histogram([0.0, 1.0, 2.0], [3.0, 4.0, np.nan], bins=4, upper_q=75)
    hi = float(np.percentile([0, 1, 2, 3, 4], 75))  # 3.0
    assert h["edges"] == pytest.approx(list(np.linspace(0.0, hi, 5)))
    assert h["real"] == [1, 1, 1, 0] and h["synth"] == [0, 0, 0, 2]  # 4.0 is clipped into the last bin
    assert h["clipped_above"] == 3.0
    flat = shared_histogram([2.0, 2.0], [2.0], bins=2)
    assert flat["edges"] == [2.0, 2.5, 3.0] and flat["real"] == [2, 0] and flat["synth"] == [1, 0]
    assert flat["clipped_above"] == 3.0
    assert len(shared_histogram([0.0, 1.0], [1.0])["edges"]) == 31  # 30 bins by default
    top = shared_histogram(list(range(100)), [1000.0])  # default: up to the 99th percentile
    assert top["clipped_above"] == pytest.approx(np.percentile(list(range(100)) + [1000.0], 99))


# --- the fast paths give the slow paths' numbers ---------------------------------------------------------
def test_ascii_character_counts_equal_strs_own_predicates():
    import random

    from metrics.properties import _char_counts

    rnd = random.Random(0)
    alphabet = [chr(i) for i in range(128)]
    texts = ["".join(alphabet)] + ["".join(rnd.choice(alphabet) for _ in range(rnd.randrange(60))) for _ in range(300)]
    for t in texts + ["Ünï 12", "\u3000全角。"]:
        want = tuple(sum(map(pred, t)) for pred in (str.isspace, str.isalpha, str.isalnum, str.isdigit, str.isupper))
        assert _char_counts(t) == want, repr(t)


def test_mean_word_length_and_flesch_equal_their_formulas_bit_for_bit():
    import random
    import re

    import numpy as np

    from metrics.properties import document_properties, flesch_reading_ease, syllables
    from metrics.text import words

    rnd = random.Random(1)
    vocab = ["a", "tree", "photosynthesis", "Ünïcödé", "x1", "don't", "re-enter"]
    texts = [" ".join(rnd.choice(vocab) for _ in range(rnd.randrange(1, 40))) + rnd.choice(["", ".", "! Yes?"])
             for _ in range(200)]
    props = document_properties(texts)
    for i, t in enumerate(texts):
        ws = words(t)
        assert props["mean_word_length"][i] == np.mean([len(w) for w in ws])
        sent = max(1, len([s for s in re.split(r"[.!?]+(?=\s|$)|[。！？]+", t) if re.search(r"[^\W_]", s)]))
        want = 206.835 - 1.015 * len(ws) / sent - 84.6 * sum(syllables(w) for w in ws) / len(ws)
        assert props["flesch_reading_ease"][i] == flesch_reading_ease(t) == want
def test_summaries_edges_messages_and_missing_values():
    assert all(doc_rate([1.0] * n).ci[1] <= 1.0 for n in range(1, 40))  # rounding never passes 1 (n = 5: it would)
    assert all(doc_rate([0.0] * n).ci[0] >= 0.0 for n in range(1, 40))
    two = mean_property([1.0, 3.0])
    assert two.ci == pytest.approx((2.0 - 1.96, 2.0 + 1.96))  # s = sqrt(2), n = 2
    assert mean_property([1.0, None, 3.0]).value == 2.0  # None (a NaN saved as JSON) is missing, like NaN
    with pytest.raises(ValueError, match="^distribution_test: no finite values$"):
        distribution_test([np.nan], [1.0])
    with pytest.raises(ValueError, match="^shared_histogram: no finite values$"):
        shared_histogram([1.0], [np.nan])
    h = shared_histogram([0.0, 1.0, 9.0], [2.0, 3.0], bins=2, upper_q=50)  # hi = 2.0: 9.0 goes to the last bin
    assert h["real"] == [1, 2] and h["synth"] == [0, 2] and h["clipped_above"] == 2.0


def test_near_empty_is_fewer_than_three_words_by_default():
    from metrics.properties import document_properties

    flags = document_properties(["one two", "one two three", "one"])["near_empty"]
    assert flags.tolist() == [1.0, 0.0, 1.0]


def test_syllables_equal_pyphen_positions_on_corpus_words():
    """The trie walk counts what pyphen's own ``positions`` finds, on about 1,500 words of the test slices (English,
    other scripts, mixed case, apostrophes, a letter whose lower case is longer) and on edge cases."""
    import json
    import re
    from pathlib import Path

    import pyphen

    from metrics.properties import syllables

    data = Path(__file__).parent / "data"
    lines = [line for f in sorted(data.rglob("*.jsonl")) for line in f.read_text("utf-8").splitlines()[:300]]
    vocab = {w for line in lines if line.strip() for w in re.findall(r"[^\W\d_]+", json.loads(line).get("text", ""))}
    vocab = set(sorted(vocab)[::max(1, len(vocab) // 1500)])  # about 1,500 words: milliseconds
    vocab |= {"", "a", "I", "ab", "x" * 40, "İstanbul", "ÉCOLE", "naïve", "co-op", "don't", "Straße", "ǅemal",
              "Extraordinary", "hyphenation", "HYPHENATION", "antidisestablishmentarianism"}
    assert len(vocab) > 1000
    hyph = pyphen.Pyphen(lang="en_US")
    want = {w: len(hyph.positions(w)) + 1 for w in vocab}
    assert max(want.values()) >= 6
    assert {w: syllables(w) for w in vocab} == want


def test_pattern_trie_and_break_count_by_hand():
    from metrics.properties import _count_breaks, _trie

    trie = _trie({"ab": (1, (1,)), "a": (0, (2, 0)), "b.": (0, (0, 3))})
    assert trie == {"a": {None: (0, (2, 0)), "b": {None: (1, (1,))}}, "b": {".": {None: (0, (0, 3))}}}
    assert _trie({"ab": (0, (1, "x"))}) is None  # a non-standard hyphenation: pyphen's own path
    # ".ab.": "a" at 1 raises refs[1] to 2; "ab" at 1 raises refs[2] to 1; "b." at 2 raises refs[3] to 3
    # refs = [0, 2, 1, 3, 0, 0]: odd at 2 and 3, breaks before characters 1 and 2 of "ab"
    assert _count_breaks("ab", trie, 2, 0, 0) == 2
    assert _count_breaks("AB", trie, 2, 0, 0) == 2  # lower-cased first
    assert _count_breaks("ab", trie, 2, 2, 0) == 1  # left margin: the break before character 1 is dropped
    assert _count_breaks("ab", trie, 2, 0, 1) == 1  # right margin: breaks up to len - 1 only
    assert _count_breaks("ab", trie, 1, 0, 0) == 0  # patterns longer than maxlen are never reached
    assert _count_breaks("ba", trie, 2, 0, 0) == 0  # refs[2] = 2 from "a": even, no break
    # as in pyphen, no pattern is looked for from the closing dot: "." matches only at the opening one
    assert _count_breaks("ab", _trie({".": (0, (1,))}), 1, 0, 0) == 0


def test_runner_noise_floor_is_the_bootstrap_of_the_mean(make_ctx, corpora_dir):
    """A property row's noise floor: the 95th percentile of |mean of resample B - mean of resample A| over
    200 document-bootstrap resamples of the real values, sized like the two corpora. Against the normal
    approximation of that difference, 1.96 * sd * sqrt(1/n_real + 1/n_synth): within 25% at these sizes."""
    news = load_texts(corpora_dir / "clickbait/news.jsonl", 600)
    click = load_texts(corpora_dir / "clickbait/clickbait.jsonl", 60)
    rows = {e.name: e for e in runner.run(make_ctx(news, click)).entries}
    words = document_properties(news)["words"]
    # unbalanced sizes: resamples sized 600 / 600 would give 0.43 of this, 60 / 60 1.35 times it
    normal = 1.96 * float(np.std(words, ddof=1)) * np.sqrt(1 / 600 + 1 / 60)
    noise = rows["mean_words"].details["noise"]
    assert noise["replicates"] == 200 and noise["method"].startswith("200 document-bootstrap resamples")
    assert "600 vs 60 documents" in noise["method"]
    assert rows["mean_words"].noise_floor == pytest.approx(normal, rel=0.2)
