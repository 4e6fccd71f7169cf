"""Homogenization (mean pairwise ROUGE-L) against `rouge-score`, the `diversity` package's README value,
and the usual properties."""
import random

import numpy as np
import pytest
from rouge_score import rouge_scorer

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
