"""Homogenization (mean pairwise ROUGE-L) against `rouge-score`, the `diversity` package's README value,
and the usual properties."""
import random
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer

from metrics.text import words
from metrics.diversity_homogenization import homogenization_per_doc, homogenization_rate, rouge_tokens
from tests.conftest import load_texts

# the three documents of the `diversity` package's README (cshaib/diversity)
README = [
    "I enjoy walking with my cute dog for the rest of the day, but this time it was hard for me to figure out "
    "what to do with it. When I finally looked at this for a few moments, I immediately thought.",
    "I enjoy walking with my cute dog. The only time I felt like walking was when I was working, so it was "
    "awesome for me. I didn't want to walk for days. I am really curious how she can walk with me",
    "I enjoy walking with my cute dog (Chama-I-I-I-I-I), and I really enjoy running. I play in a little game "
    "I play with my brother in which I take pictures of our houses.",
]


def _reference(texts):
    sc = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    return np.array([np.mean([sc.score(texts[i], texts[j])["rougeL"].fmeasure
                              for j in range(len(texts)) if j != i]) for i in range(len(texts))])


def test_matches_rouge_score_on_the_readme_example():
    ours = homogenization_per_doc([rouge_tokens(t) for t in README])
    ref = _reference(README)
    np.testing.assert_allclose(ours, ref, rtol=1e-12)
    assert homogenization_rate(README, sample_size=None).value == pytest.approx(0.31821, abs=1e-5)
    # The package's README prints 0.222: its loop never adds the last document's score, i.e.
    # (d0 + d1) / 3. Reproducing that number from our per-document scores pins down the difference.
    assert (ours[0] + ours[1]) / 3 == pytest.approx(0.222, abs=5e-4)


def test_matches_rouge_score_on_real_text(corpora_dir):
    texts = load_texts(corpora_dir / "fastdetect/pubmed_gpt-4/synth.jsonl", limit=25)
    np.testing.assert_allclose(homogenization_per_doc([rouge_tokens(t) for t in texts]), _reference(texts),
                               rtol=1e-12)


def test_properties():
    texts = load_texts(__import__("pathlib").Path(__file__).resolve().parents[1] / "sample_data/real.jsonl")[:120]
    base = homogenization_rate(texts, sample_size=100, random_state=3)
    shuffled = list(texts)
    random.Random(1).shuffle(shuffled)
    assert homogenization_rate(shuffled, sample_size=100, random_state=3).value == pytest.approx(base.value)
    # half the corpus replaced by copies of one document: far more homogeneous
    collapsed = texts[:60] + [texts[0]] * 60
    assert homogenization_rate(collapsed, sample_size=100, random_state=3).value > base.value + 0.2
    assert homogenization_rate(["same words here"] * 5, sample_size=None).value == pytest.approx(1.0)
    assert base.sampled and base.n == 100 and base.ci[0] <= base.value <= base.ci[1]


def test_bad_input():
    with pytest.raises(ValueError, match="empty"):
        homogenization_rate([])
    with pytest.raises(ValueError, match="at least two"):
        homogenization_rate(["one document"])


# --- by hand: tokens, empty documents, the cut, the CI and the most typical document ---------------------

def test_rouge_tokens_ascii_rule_and_script_fallback():
    assert rouge_tokens("Hello, World! It's 3pm.") == ["hello", "world", "it", "s", "3pm"]
    assert rouge_tokens("Привет, мир") == ["привет", "мир"]  # letters outside ASCII: the script-aware words
    assert rouge_tokens("café") == ["café"]
    assert rouge_tokens("№ 5 — ok") == ["5", "ok"]  # non-ASCII but no letter: the ASCII rule
    assert rouge_tokens("don’t “quote” me…") == ["don", "t", "quote", "me"]  # typographic marks are no letters
    long = "plain words " * 500
    assert rouge_tokens(long + "naïve") == words(long + "naïve")  # one letter beyond ASCII, at the very end
    assert rouge_tokens(long + "…") == long.split()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab Z9,.!'\n") + list("é№—…’“ж中٣ⅷ\u00a0")), max_size=60))
def test_rouge_tokens_follow_the_character_by_character_rule(text):
    # the rule as first written (session 12 looks only at the non-ASCII characters, after str.isascii)
    if any(c.isalpha() and not c.isascii() for c in text):
        assert rouge_tokens(text) == words(text)
    else:
        assert rouge_tokens(text) == re.sub(r"[^a-z0-9]+", " ", text.lower()).split()


def test_rouge_l_f1_by_hand():
    from metrics.diversity_homogenization import rouge_l_f1

    assert rouge_l_f1(list("abcd"), list("axcyd")) == pytest.approx(2 * 3 / 9)  # LCS a c d
    assert rouge_l_f1([], []) == 0.0 and rouge_l_f1(["a"], []) == 0.0


def test_per_doc_means_with_empty_documents_by_hand():
    docs = [["a", "b", "c"], ["a", "c"], [], ["x"]]
    # pairs: (0,1) LCS 2 -> 4/5; (0,2) 0; (0,3) 0; (1,2) 0; (1,3) 0; (2,3) 0 (an empty document scores 0)
    assert homogenization_per_doc(docs).tolist() == pytest.approx([0.8 / 3, 0.8 / 3, 0.0, 0.0])
    assert homogenization_per_doc([[], []]).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="^homogenization needs at least two documents$"):
        homogenization_per_doc([["a"]])


def test_rate_ci_cut_sample_and_typical_document():
    texts = ["a b c d", "a b c e", "a x y z", "q r s t"]
    per = homogenization_per_doc([rouge_tokens(t) for t in texts])
    r = homogenization_rate(texts, sample_size=None)
    half = 1.96 * np.std(per, ddof=1) / 2
    assert r.value == pytest.approx(per.mean()) and r.ci == pytest.approx((per.mean() - half, per.mean() + half))
    assert r.n == 4 and r.sampled is False
    assert r.details["sample_docs"] == 4 and r.details["max_tokens"] == 300
    assert r.details["most_typical_doc"]["score"] == pytest.approx(per.max())
    assert r.details["most_typical_doc"]["text"] in ("a b c d", "a b c e")  # tied: either, by the seeded order
    cut = homogenization_rate(texts, sample_size=None, max_tokens=1)
    assert cut.value == pytest.approx(np.mean([2 / 3, 2 / 3, 2 / 3, 0.0]))  # first tokens a, a, a, q
    assert cut.details["max_tokens"] == 1
    s = homogenization_rate(texts, sample_size=3, random_state=0)
    assert s.n == 3 and s.sampled is True and s.details["sample_docs"] == 3
    assert homogenization_rate(texts, sample_size=4).sampled is False
    same = homogenization_rate(["w"] * 3, sample_size=None)
    assert same.value == 1.0 and same.ci == (1.0, 1.0)  # the CI stays inside 0..1
    apart = homogenization_rate(["a", "b", "c"], sample_size=None)
    assert apart.value == 0.0 and apart.ci == (0.0, 0.0)
    long_text = "z " * 400
    assert len(homogenization_rate([long_text, long_text + "y"], sample_size=None).details["most_typical_doc"]["text"]) == 300


def test_rate_ci_is_clipped_to_the_unit_interval():
    texts = ["a", "a", "b", "c", "d"]  # per-doc means 1/4, 1/4, 0, 0, 0: the normal CI dips below 0
    r = homogenization_rate(texts, sample_size=None)
    per = np.array([0.25, 0.25, 0.0, 0.0, 0.0])
    half = 1.96 * per.std(ddof=1) / np.sqrt(5)
    assert per.mean() - half < 0
    assert r.ci == pytest.approx((0.0, per.mean() + half))


def test_default_sample_is_300_documents():
    texts = [f"w{i}" for i in range(301)]
    r = homogenization_rate(texts, random_state=0)
    assert r.n == 300 and r.sampled is True and r.value == 0.0


def _lcs_by_dp(a, b) -> int:
    row = [0] * (len(b) + 1)
    for x in a:
        prev = 0
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], prev + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def test_per_doc_equals_the_pair_loop_bit_for_bit_and_a_dp_lcs():
    """One cdist call gives the same floats as the former Python loop over pairs (kept here), whose LCS
    also equals a textbook dynamic programme; empty documents, repeats and a long document included."""
    from rapidfuzz.distance import LCSseq

    rng = np.random.default_rng(5)
    docs = [[f"w{v}" for v in rng.integers(0, 6, rng.integers(0, 12))] for _ in range(40)]
    docs += [[], [], ["w1"] * 5, [f"w{v}" for v in rng.integers(0, 50, 150)]]
    m = len(docs)
    sims = np.zeros((m, m))
    for i in range(m):
        for j in range(i + 1, m):
            total = float(len(docs[i])) + float(len(docs[j]))
            lcs = LCSseq.similarity(docs[i], docs[j])
            assert lcs == _lcs_by_dp(docs[i], docs[j])
            if total:
                sims[i, j] = sims[j, i] = 2.0 * lcs / total
    want = sims.sum(axis=1) / (m - 1)
    got = homogenization_per_doc(docs)
    assert got.tobytes() == want.tobytes()
    assert got[m - 4] == got[m - 3] == 0.0 and got.min() >= 0.0 and got.max() <= 1.0  # the empty documents


def test_most_typical_document_is_the_highest_score_whatever_the_seed():
    texts = ["a b c d", "a b c e", "a x y z", "q r s t"]
    best = homogenization_per_doc([rouge_tokens(t) for t in texts]).max()
    for seed in range(6):  # each seed orders the documents differently: the best is not always first
        typical = homogenization_rate(texts, sample_size=None, random_state=seed).details["most_typical_doc"]
        assert typical["score"] == best and typical["text"] in ("a b c d", "a b c e")
