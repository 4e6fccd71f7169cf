"""The diversity runner: rows for every registered metric, sections, noise floor, real corpora."""
import random

import pytest

from audit.families.diversity import run
from metrics.registry import REGISTRY
from tests.conftest import load_texts

DIVERSITY = sorted(n for n, s in REGISTRY.items() if s.family == "diversity")


def _texts(corpora_dir, pair, side):
    return load_texts(corpora_dir / "fastdetect" / pair / f"{side}.jsonl")


def _rows(out):
    return {e.name: e for e in out.entries}


def test_emits_every_registered_metric_with_floor(make_ctx, corpora_dir):
    real = _texts(corpora_dir, "xsum_gpt-4", "real")
    out = run(make_ctx(real, _texts(corpora_dir, "xsum_gpt-4", "synth")))
    rows = _rows(out)
    assert sorted(rows) == DIVERSITY
    for e in rows.values():
        assert e.real is not None and e.synth is not None, e.name
        assert e.noise_floor is not None, e.name
    assert {"openings", "phrases"} <= set(out.sections["boilerplate"])
    clusters = out.sections["diversity_clusters"]
    assert clusters and {"real_share", "synth_share", "real_examples", "synth_examples"} <= set(clusters[0])


def test_identical_corpora_show_no_gap(make_ctx, corpora_dir):
    texts = _texts(corpora_dir, "writing_gpt-4", "real")
    out = run(make_ctx(texts, list(texts)))
    for e in out.entries:
        assert e.verdict in ("ok", "insufficient"), (e.name, e.reason)
        if e.name != "tail_survival_score":  # real = half vs half, synth = half vs whole
            assert e.delta == pytest.approx(0.0, abs=1e-12), e.name


@pytest.mark.parametrize("pair", ["writing_gpt-4", "pubmed_davinci"])
def test_real_vs_real_is_not_flagged(make_ctx, corpora_dir, pair):
    texts = _texts(corpora_dir, pair, "real")
    random.Random(0).shuffle(texts)
    out = run(make_ctx(texts[:75], texts[75:]))
    bad = [(e.name, e.reason) for e in out.entries if e.verdict in ("warn", "fail")]
    assert not bad


def test_real_vs_real_headlines_not_flagged(make_ctx, corpora_dir):
    news = load_texts(corpora_dir / "clickbait" / "news.jsonl", 3000)
    random.Random(1).shuffle(news)
    out = run(make_ctx(news[:1500], news[1500:]))
    assert not [(e.name, e.reason) for e in out.entries if e.verdict in ("warn", "fail")]
    assert _rows(out)["mattr_score"].verdict == "insufficient"  # headlines are shorter than the window


def test_shuffled_corpora_give_the_same_rows(make_ctx, corpora_dir):
    real, synth = _texts(corpora_dir, "pubmed_gpt-4", "real"), _texts(corpora_dir, "pubmed_gpt-4", "synth")
    a = _rows(run(make_ctx(real, synth)))
    shuffled = list(synth)
    random.Random(2).shuffle(shuffled)
    b = _rows(run(make_ctx(real, shuffled)))
    for name in DIVERSITY:
        if name != "cluster_entropy_score":  # k-means sees the pooled rows in another order
            assert b[name].synth == pytest.approx(a[name].synth, rel=1e-9), name


def test_duplicated_synthetic_documents_are_flagged(make_ctx, corpora_dir):
    real = _texts(corpora_dir, "xsum_gpt-4", "real")
    collapsed = _texts(corpora_dir, "xsum_gpt-4", "synth")[:30] * 5
    rows = _rows(run(make_ctx(real, collapsed)))
    for name in ("self_bleu_rate", "self_repetition_rate", "compression_ratio"):
        assert rows[name].synth > rows[name].real and rows[name].verdict == "fail", name
    for name in ("distinct_2_score", "tail_survival_score", "vendi_score"):
        assert rows[name].synth < rows[name].real and rows[name].verdict in ("warn", "fail"), name


def test_boilerplate_openings_are_reported(make_ctx, corpora_dir):
    real = _texts(corpora_dir, "writing_gpt-4", "real")
    synth = [("Sure, here's a story: " + t) if i % 3 == 0 else t
             for i, t in enumerate(_texts(corpora_dir, "writing_gpt-4", "synth"))]
    out = run(make_ctx(real, synth))
    row = _rows(out)["boilerplate_opening_rate"]
    assert row.synth == pytest.approx((50 * 49) / (150 * 149), rel=0.05)  # 50 of 150 open alike
    assert row.verdict == "fail"
    top = out.sections["boilerplate"]["openings"][0]
    assert top["ngram"] == "sure here's a" and top["synth_share"] == pytest.approx(1 / 3)
    assert top["examples"][0]["text"].startswith("Sure, here's")


@pytest.mark.parametrize("pair", ["xsum_gpt-3.5-turbo", "xsum_gpt-4", "writing_gpt-3.5-turbo",
                                  "writing_gpt-4", "pubmed_gpt-3.5-turbo", "pubmed_gpt-4"])
def test_chatgpt_text_repeats_itself_more_than_people(make_ctx, corpora_dir, pair):
    """Measured on all six gpt-3.5/gpt-4 pairs (not on davinci): more compressible text, higher
    self-BLEU and more 4-grams shared across documents than the human side, at equal budgets."""
    rows = _rows(run(make_ctx(_texts(corpora_dir, pair, "real"), _texts(corpora_dir, pair, "synth"))))
    for name in ("compression_ratio", "self_bleu_rate", "self_repetition_rate"):
        assert rows[name].synth > rows[name].real, name


def test_word_budget_is_the_fewest_word_tokens_of_the_halves_and_synth(make_ctx):
    """``budget_words``: the word tokens (punctuation dropped) of the smallest of real half A, real half B
    and the synthetic corpus, capped by ``token_budget``; counted here token by token."""
    from metrics.diversity_lexical import is_word

    rng = random.Random(3)
    vocab = ["alpha", "beta", "gamma", "delta", "eps", ",", ".", "!", "_u", "42"]
    real = [" ".join(rng.choice(vocab) for _ in range(rng.randint(1, 30))) for _ in range(40)]
    synth = [" ".join(rng.choice(vocab) for _ in range(rng.randint(1, 12))) for _ in range(30)]
    ctx = make_ctx(real, synth)
    want = min(sum(is_word(t) for toks in c.tokens for t in toks) for c in (ctx.real_a, ctx.real_b, ctx.synth))
    assert 0 < want < sum(is_word(t) for toks in ctx.real.tokens for t in toks)
    assert _rows(run(ctx)).get("zipf_exponent").details["budget_words"] == want
    ctx = make_ctx(real, synth, token_budget=want - 5)
    assert _rows(run(ctx))["zipf_exponent"].details["budget_words"] == want - 5
