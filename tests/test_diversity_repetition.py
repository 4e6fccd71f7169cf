"""metrics.diversity_repetition at its edges: the jackknife written out, BLEU's smoothing, n-gram order and
brevity against nltk, the self-BLEU / self-repetition CIs and samples, boilerplate openings and the report's
examples, by hand."""
import math

import numpy as np
import pytest
from nltk.translate.bleu_score import SmoothingFunction
from nltk.translate.bleu_score import sentence_bleu as nltk_bleu

from metrics.diversity_repetition import (boilerplate_examples, boilerplate_opening_rate, jackknife_ci, opening,
                                          self_bleu, self_repetition, sentence_bleu)


def test_jackknife_ci_written_out_and_its_group_count():
    x = np.arange(30, dtype=float) ** 1.5

    def stat(ix):
        return float(x[ix].mean())

    for groups, seed in ((10, 4), (3, 1)):
        g = np.random.default_rng(seed).permutation(30) % groups
        loo = [x[g != j].mean() for j in range(groups)]
        se = math.sqrt((groups - 1) / groups * sum((v - np.mean(loo)) ** 2 for v in loo))
        assert jackknife_ci(stat, 30, groups=groups, random_state=seed) == pytest.approx(
            (x.mean() - 1.96 * se, x.mean() + 1.96 * se))
    assert jackknife_ci(stat, 19) is None and jackknife_ci(stat, 20) is not None
    assert jackknife_ci(stat, 5, groups=3) is None and jackknife_ci(stat, 6, groups=3) is not None


def test_sentence_bleu_epsilon_order_and_errors_against_nltk():
    hyp = "the cat sat on the mat today".split()
    refs = ["the cat is on the mat".split(), "a dog sat on a mat today again and again".split()]
    for eps in (0.1, 0.3):
        ref = nltk_bleu(refs, hyp, smoothing_function=SmoothingFunction(epsilon=eps).method1)
        assert sentence_bleu(hyp, refs, epsilon=eps) == pytest.approx(ref)
    for n in (1, 2, 3):
        w = tuple([1 / n] * n)
        ref = nltk_bleu(refs, hyp, weights=w, smoothing_function=SmoothingFunction().method1)
        assert sentence_bleu(hyp, refs, max_n=n) == pytest.approx(ref)
    with pytest.raises(ValueError, match="need at least one reference"):
        sentence_bleu(hyp, [])
    assert sentence_bleu(["zzz"], refs) == 0.0 and sentence_bleu([], refs) == 0.0


def test_sentence_bleu_brevity_uses_the_closest_reference_length_ties_to_the_shorter():
    hyp = "a b c d".split()
    # references of length 3 and 5 are both 1 away: the shorter one (3) sets no penalty (hyp is longer)
    refs = ["a b c".split(), "a b c d e".split()]
    assert sentence_bleu(hyp, refs) == pytest.approx(1.0)
    assert sentence_bleu(hyp, refs[::-1]) == pytest.approx(1.0)
    # only a longer reference: penalty exp(1 - 5/4)
    assert sentence_bleu(hyp, [refs[1]]) == pytest.approx(math.exp(1 - 5 / 4))
    assert sentence_bleu(hyp, [hyp]) == 1.0


def test_self_bleu_ci_sample_and_cut():
    docs = [f"w{i} w{i + 1} w{i + 2} common phrase here x{i}".split() for i in range(12)]
    sm = SmoothingFunction().method1
    vals = [nltk_bleu([d for j, d in enumerate(docs) if j != i], docs[i], smoothing_function=sm) for i in range(12)]
    r = self_bleu(docs, sample_size=None)
    half = 1.96 * np.std(vals, ddof=1) / math.sqrt(12)
    assert r.value == pytest.approx(np.mean(vals)) and r.ci == pytest.approx((np.mean(vals) - half, np.mean(vals) + half))
    assert r.details == {"max_tokens": 200, "max_n": 4} and r.sampled is False and r.n == 12
    cut = self_bleu(docs, sample_size=None, max_tokens=3, max_n=2)
    short = [d[:3] for d in docs]
    vals = [nltk_bleu([d for j, d in enumerate(short) if j != i], short[i], weights=(0.5, 0.5),
                      smoothing_function=sm) for i in range(12)]
    assert cut.value == pytest.approx(np.mean(vals)) and cut.details == {"max_tokens": 3, "max_n": 2}
    s = self_bleu(docs, sample_size=5, random_state=0)
    assert s.n == 5 and s.sampled is True
    assert self_bleu(docs, sample_size=12).sampled is False
    with pytest.raises(ValueError, match="at least two documents"):
        self_bleu([["a", "b"]])
    with pytest.raises(ValueError, match="at least two documents"):
        self_bleu(docs, sample_size=1)


def test_self_bleu_document_without_shared_words_scores_zero():
    docs = [["a", "b", "c"], ["a", "b", "c"], ["x", "y"]]
    sm = SmoothingFunction().method1
    r = self_bleu(docs, sample_size=None)
    vals = [nltk_bleu([d for j, d in enumerate(docs) if j != i], docs[i], smoothing_function=sm) for i in range(3)]
    assert vals[2] == 0.0 and r.value == pytest.approx(np.mean(vals))


def test_self_repetition_n_ci_details_and_sample():
    docs = [["a", "b", "c", "."], ["a", "b", "c", "d"], ["a", "b", "x", "y"], ["q", "r", "s", "t"]]
    r = self_repetition(docs, n=2, sample_size=None)
    # bigrams: doc0 {ab, bc}: ab in 2 others, bc in 1 -> log(4); doc1 {ab, bc, cd}: 2 + 1 + 0 -> log(4);
    # doc2 {ab, bx, xy}: 2 -> log(3); doc3: 0
    vals = [math.log(4), math.log(4), math.log(3), 0.0]
    half = 1.96 * np.std(vals, ddof=1) / 2
    assert r.value == pytest.approx(np.mean(vals)) and r.ci == pytest.approx((np.mean(vals) - half, np.mean(vals) + half))
    assert r.details == {"n": 2, "top_ngrams": [{"ngram": "a b", "docs": 3}, {"ngram": "b c", "docs": 2}]}
    assert r.n == 4 and r.sampled is False
    assert self_repetition(docs, n=2, sample_size=None, top=1).details["top_ngrams"] == [{"ngram": "a b", "docs": 3}]
    one = self_repetition(docs[:1], sample_size=None)
    assert one.value == 0.0 and one.ci == (0.0, 0.0) and one.n == 1
    s = self_repetition(docs, n=2, sample_size=2, random_state=0)
    assert s.n == 2 and s.sampled is True
    assert self_repetition(docs).details["n"] == 4  # 4-grams by default


def test_opening_and_boilerplate_rate_details():
    assert opening("Sure, here is it") == "sure here is" and opening("Two words") is None
    assert opening("Two words", n=2) == "two words"
    texts = ["Sure here it is"] * 3 + ["Hi there you"] * 2 + ["Once upon a"] + ["short"]
    r = boilerplate_opening_rate(texts)
    assert r.value == pytest.approx((3 * 2 + 2 * 1) / (6 * 5)) and r.n == 6
    assert r.details == {"n": 3, "max_share": 0.5, "top": [{"opening": "sure here it", "share": 0.5},
                                                          {"opening": "hi there you", "share": pytest.approx(1 / 3)}]}
    assert r.ci is None  # 6 documents: fewer than two per jackknife group
    two = boilerplate_opening_rate(texts, n=1)
    assert two.value == pytest.approx((3 * 2 + 2 * 1) / (7 * 6)) and two.details["n"] == 1
    few = boilerplate_opening_rate(["a b c", "x y"])
    assert few.value is None and few.n == 1 and few.warnings == ["fewer than two documents with 3 words"]
    many = boilerplate_opening_rate([f"doc {i % 4} here" for i in range(40)], random_state=1)
    assert many.value == pytest.approx(4 * 10 * 9 / (40 * 39)) and many.ci is not None


def test_boilerplate_examples_shares_ratios_examples_and_phrases():
    real = [("r1", "Once upon a time there was a cat"), ("r2", "Sure here is a dog"), ("r3", "x y z w")]
    synth = [("s1", "Sure here is a tale of old"), ("s2", "Sure here is a song of old"),
             ("s3", "Sure here is more of old"), ("s4", "Once upon a mat")]
    sec = boilerplate_examples(real, synth, random_state=0)
    assert sec["n_docs"] == {"real": 3, "synth": 4}
    (op,) = sec["openings"]  # only openings seen more than once on a side are candidates
    assert op["ngram"] == "sure here is" and op["real_share"] == pytest.approx(1 / 3) and op["synth_share"] == 0.75
    assert op["ratio"] == pytest.approx(((3 + 0.5) / 5) / ((1 + 0.5) / 4))
    assert sorted(e["id"] for e in op["examples"]) == ["s1", "s2", "s3"]
    assert {e["text"] for e in op["examples"]} == {t for i, t in synth[:3]}
    # the only 4-gram in more than one synthetic document: "sure here is a" (s1, s2; real: r2)
    (ph,) = sec["phrases"]
    assert ph["ngram"] == "sure here is a" and ph["synth_share"] == 0.5 and ph["real_share"] == pytest.approx(1 / 3)
    assert ph["ratio"] == pytest.approx(((2 + 0.5) / 5) / ((1 + 0.5) / 4))
    assert sorted((e["id"], e["text"]) for e in ph["examples"]) == [("s1", "sure here is a tale of old"),
                                                                    ("s2", "sure here is a song of old")]


def test_boilerplate_examples_top_limits_and_snippets():
    synth = [(f"s{i}", "alpha beta gamma delta " + " ".join(f"w{i}_{j}" for j in range(30))) for i in range(5)]
    real = [("r0", "nothing alike at all here")] * 2
    sec = boilerplate_examples(real, synth, top=2, n_phrase=2)
    assert [p["ngram"] for p in sec["phrases"]] == ["alpha beta", "beta gamma"]  # ties broken by the n-gram
    assert len(sec["phrases"][0]["examples"]) == 3  # at most three examples
    snip = sec["phrases"][1]["examples"][0]["text"]
    assert snip.startswith("alpha beta gamma delta") and len(snip.split()) == 1 + 2 + 12
    # openings: the synthetic side's shared one, then the real side's (seen twice there, never in synth)
    assert [(o["ngram"], o["synth_share"], o["real_share"]) for o in sec["openings"]] == [
        ("alpha beta gamma", 1.0, 0.0), ("nothing alike at", 0.0, 1.0)]
    assert sec["openings"][1]["examples"] == [] and len(sec["openings"][0]["examples"]) == 3
    capped = boilerplate_examples(real, synth, sample_size=3, random_state=0)
    assert capped["n_docs"] == {"real": 2, "synth": 3}


def test_phrases_rank_by_the_rise_in_document_share():
    real = [("r1", "alpha beta x"), ("r2", "alpha beta y"), ("r3", "alpha beta z")]
    synth = [("s1", "alpha beta p"), ("s2", "alpha beta q gamma delta"), ("s3", "alpha beta w gamma delta"),
             ("s4", "nothing")]
    sec = boilerplate_examples(real, synth, n_phrase=2, random_state=0)
    # gamma delta: 2/4 - 0 = +0.5; alpha beta: 3/4 - 3/3 = -0.25; both seen in 2+ synthetic documents
    got = [(p["ngram"], p["synth_share"], p["real_share"]) for p in sec["phrases"]][:2]
    assert got == [("gamma delta", 0.5, 0.0), ("alpha beta", 0.75, 1.0)]


def test_openings_candidates_top_and_exact_length():
    synth = [(f"s{i}", t) for i, t in enumerate(["a b c", "a b c", "d e f x", "d e f y", "g h i", "g h i", "j k l"])]
    real = [(f"r{i}", t) for i, t in enumerate(["m n o", "m n o", "p q r", "p q r", "s t u", "s t u"])]
    sec = boilerplate_examples(real, synth, top=2, random_state=0)
    # synthetic side: the top 2 openings seen twice ("a b c" of three words exactly counts); real side:
    # the top 2 // 2 = 1
    assert [o["ngram"] for o in sec["openings"]] == ["a b c", "d e f", "m n o"]
    assert sec["openings"][0]["synth_share"] == pytest.approx(2 / 7)
    all_ = boilerplate_examples(real, synth, random_state=0)  # top 10 by default: all shared openings
    assert sorted(o["ngram"] for o in all_["openings"]) == ["a b c", "d e f", "g h i", "m n o", "p q r", "s t u"]


def test_examples_are_cut_to_300_characters_and_the_defaults():
    long = "sure here is " + "abcdefghijklmnopqrstuvwxyz " * 100  # snippets of 16 such words pass 300
    sec = boilerplate_examples([("r", "x y z")], [("s1", long), ("s2", long)], random_state=0)
    assert len(sec["openings"][0]["examples"][0]["text"]) == 300
    assert len(sec["phrases"][0]["examples"][0]["text"]) == 300  # snippets too
    many = [(f"s{i}", f"w{i} " + " ".join(f"p{j} q{j} r{j} s{j}" for j in range(3))) for i in range(2001)]
    sec = boilerplate_examples([("r", "x y z")], many, n_phrase=2, random_state=0)
    assert sec["n_docs"]["synth"] == 2000 and len(sec["phrases"]) == 10


def test_examples_sample_is_the_head_of_the_seeded_order():
    from metrics.diversity_lexical import seeded_order

    synth = [(f"s{i}", f"alpha beta gamma {i}") for i in range(8)]
    for seed in (1, 2):
        sec = boilerplate_examples(synth, synth, sample_size=3, random_state=seed)
        head = {f"s{i}" for i in seeded_order([t for _, t in synth], seed)[:3]}
        assert {e["id"] for e in sec["openings"][0]["examples"]} == head


def test_sentence_bleu_brevity_against_the_closest_longer_reference():
    hyp = "a b c d".split()
    refs = ["a b".split(), "a b c d e".split()]  # lengths 2 and 5: 5 is closer to 4
    expected = nltk_bleu(refs, hyp, smoothing_function=SmoothingFunction().method1)
    assert sentence_bleu(hyp, refs) == pytest.approx(expected)
    assert sentence_bleu(hyp, refs) < sentence_bleu(hyp, refs[:1] + [hyp])
    with pytest.raises(ValueError, match="^need at least one reference$"):
        sentence_bleu(hyp, [])


def test_bleu_of_one_token_and_self_bleu_of_varied_lengths_against_nltk():
    sm = SmoothingFunction().method1
    assert sentence_bleu(["a"], [["a"]]) == pytest.approx(nltk_bleu([["a"]], ["a"], smoothing_function=sm))
    assert sentence_bleu(["a"], [["a"]]) > 0
    docs = [["a", "b", "c"], ["b", "a"], ["a", "b", "c", "d", "e", "f"], ["c", "d", "e", "f", "g"],
            ["x"], ["a", "b", "q", "r", "s", "t", "u", "v", "w"]]
    ref = [nltk_bleu([d for j, d in enumerate(docs) if j != i], docs[i], smoothing_function=sm)
           for i in range(len(docs))]
    assert self_bleu(docs, sample_size=None).value == pytest.approx(np.mean(ref))


def test_self_bleu_two_documents_default_sample_and_message():
    two = self_bleu([["a", "b"], ["a", "c"]], sample_size=None)
    assert two.n == 2
    with pytest.raises(ValueError, match="^self-BLEU needs at least two documents$"):
        self_bleu([["a"]])
    docs = [[f"w{i}", "x"] for i in range(501)]
    r = self_bleu(docs, random_state=0)
    assert r.n == 500 and r.sampled is True


def test_self_repetition_defaults_and_two_document_ci():
    docs = [[f"w{i}", "a", "b", "c", "d"] for i in range(2001)]
    r = self_repetition(docs, random_state=0)
    assert r.n == 2000 and r.sampled is True
    shared = [[f"p{j}" for j in range(15)]] * 2
    assert len(self_repetition(shared, n=1, sample_size=None).details["top_ngrams"]) == 10
    two = self_repetition([["a", "b", "c", "d"], ["x", "y", "z", "w"], ["a", "b", "c", "d"]], sample_size=None)
    vals = [math.log(2), 0.0, math.log(2)]
    half = 1.96 * np.std(vals, ddof=1) / math.sqrt(3)
    assert two.ci == pytest.approx((np.mean(vals) - half, np.mean(vals) + half))
    pair = self_repetition([["a", "b", "c", "d"], ["x", "y", "z", "w", "a", "b", "c", "d"]], sample_size=None)
    assert pair.ci == pytest.approx((math.log(2), math.log(2)))  # two equal values: std 0


def _self_repetition_by_sets(docs, n, top):
    """The former implementation: sets of string n-grams and a Counter of documents per n-gram."""
    from collections import Counter

    from metrics.diversity_lexical import word_tokens
    from metrics.text import ngrams, top_counts

    sets = [set(ngrams(w, n)) for w in word_tokens(docs)]
    df = Counter(g for s in sets for g in s)
    vals = np.array([math.log1p(sum(df[g] - 1 for g in s)) for s in sets])
    return vals, [{"ngram": " ".join(g), "docs": c} for g, c in top_counts(df, top) if c > 1]


def test_self_repetition_equals_the_set_counting_bit_for_bit():
    """Token ids and NumPy give the former set-based values bit for bit (mean, CI, top n-grams with ties),
    for token lists and for TokenIds views, at several n and top sizes, punctuation inside n-grams dropped."""
    from metrics.diversity_repetition import _sample
    from metrics.token_ids import TokenIds

    rng = np.random.default_rng(11)
    pool = ["a", "b", "c", "d", "e", "f", ".", ",", "_x", "Zé", "9"]
    docs = [[pool[k] for k in rng.integers(0, len(pool), rng.integers(0, 14))] for _ in range(120)]
    docs += [[], [".", ","], ["a", "b", "c", "d"], ["a", "b", "c", "d"]]
    ids = TokenIds.encode(docs)
    view = ids.subset(np.arange(len(docs))[::-1][:90])
    for source in (docs, ids, view):
        for n, top, size in ((1, 10, None), (2, 3, 50), (3, 0, None), (4, 10, 60), (2, None, None), (5, 1, None)):
            r = self_repetition(source, n=n, top=top, sample_size=size, random_state=3)
            idx = _sample(source, size, 3)
            vals, shared = _self_repetition_by_sets([list(source[i]) for i in idx], n, top)
            se = float(vals.std(ddof=1) / math.sqrt(len(vals)))
            assert r.value == float(vals.mean()) and r.n == len(idx)
            assert r.ci == (r.value - 1.96 * se, r.value + 1.96 * se)
            assert r.details["top_ngrams"] == shared
    assert len(self_repetition(docs, n=2, top=None, sample_size=None).details["top_ngrams"]) > 10  # all of them
    with pytest.raises(ValueError, match="^n must be >= 1 and top >= 0$"):
        self_repetition(docs, n=0)
    with pytest.raises(ValueError, match="^n must be >= 1 and top >= 0$"):
        self_repetition(docs, top=-1)


def test_self_repetition_top_cut_two_documents_and_fewer_tokens_than_n():
    # word w_k in k + 1 documents: four shared words (w1..w4), each in a different number of documents
    docs = [[f"w{k}" for k in range(5) if k + 1 >= d] for d in range(1, 7)]
    r = self_repetition(docs, n=1, top=3, sample_size=None)
    assert r.details["top_ngrams"] == [{"ngram": f"w{k}", "docs": k + 1} for k in (4, 3, 2)]
    two = self_repetition([["a", "b"], ["a", "c"]], n=1, sample_size=None)
    assert two.value == math.log(2) and two.ci == (two.value, two.value)  # two documents: always the same value
    two = self_repetition([["a", "b", "a"], ["a", "c"], ["z"]], n=1, sample_size=None)
    assert two.ci[1] - two.ci[0] > 0.5
    # three tokens in all, n = 5: no n-gram anywhere
    assert self_repetition([["a", "b"], ["c"]], n=5, sample_size=None).value == 0.0
    assert self_bleu([["a", "b"], ["c"]], sample_size=None, max_n=5).value == 0.0


def _self_bleu_by_counters(docs, max_n):
    """The former implementation: a Counter per document and the two largest counts of each n-gram."""
    from collections import Counter, defaultdict

    from metrics.diversity_repetition import _brevity
    from metrics.text import ngrams

    m = len(docs)
    lens = np.array([len(d) for d in docs])
    logs, zero = np.zeros(m), np.zeros(m, dtype=bool)
    for n in range(1, max_n + 1):
        counts = [Counter(ngrams(d, n)) for d in docs]
        top1, top2, arg = defaultdict(int), defaultdict(int), {}
        for i, c in enumerate(counts):
            for g, k in c.items():
                if k > top1[g]:
                    top2[g], top1[g], arg[g] = top1[g], k, i
                elif k > top2[g]:
                    top2[g] = k
        for i, c in enumerate(counts):
            num = sum(min(k, top2[g] if arg[g] == i else top1[g]) for g, k in c.items())
            den = max(1, sum(c.values()))
            if n == 1 and num == 0:
                zero[i] = True
            logs[i] += math.log((num if num else 0.1) / den)
    vals = np.empty(m)
    for i in range(m):
        d = np.abs(lens - lens[i]).astype(float)
        d[i] = np.inf
        j = np.lexsort((lens, d))[0]
        vals[i] = 0.0 if zero[i] else _brevity(int(lens[i]), int(lens[j])) * math.exp(logs[i] / max_n)
    return vals


def test_self_bleu_equals_the_counter_version_bit_for_bit():
    """NumPy counts on token ids give the former Counter-based values bit for bit: repeated n-grams within
    a document, ties for the largest count, empty and one-token documents, the cut at max_tokens."""
    from metrics.diversity_repetition import _sample
    from metrics.token_ids import TokenIds

    rng = np.random.default_rng(4)
    docs = [[f"t{k}" for k in rng.integers(0, 5, rng.integers(0, 16))] for _ in range(70)]
    docs += [[], ["t1"], ["t1", "t1", "t1"], ["t1", "t1", "t1"], ["q", "r", "s", "t", "u"] * 3, ["z9"]]
    ids = TokenIds.encode(docs)
    for source in (docs, ids, ids.subset(np.arange(len(docs))[::-2])):
        for size, cut, max_n in ((None, 200, 4), (30, 6, 4), (None, 3, 2), (12, 200, 1), (None, 0, 4)):
            r = self_bleu(source, sample_size=size, max_tokens=cut, max_n=max_n, random_state=9)
            vals = _self_bleu_by_counters([list(source[i])[:cut] for i in _sample(source, size, 9)], max_n)
            se = float(vals.std(ddof=1) / math.sqrt(len(vals)))
            assert r.value == float(vals.mean()) and r.n == len(vals)
            assert r.ci == (r.value - 1.96 * se, r.value + 1.96 * se)


def test_closest_other_length_equals_the_lexsort_per_document():
    from metrics.diversity_repetition import _closest_other_length

    rng = np.random.default_rng(2)
    cases = [np.array([3, 3]), np.array([0, 7]), np.array([5, 1, 9]), np.array([4, 2, 6, 6, 0, 200, 2])]
    cases += [rng.integers(0, 12, rng.integers(2, 30)) for _ in range(40)]
    for lens in cases:
        want = []
        for i in range(len(lens)):  # the former loop: closest length, ties to the shorter, itself excluded
            d = np.abs(lens - lens[i]).astype(float)
            d[i] = np.inf
            want.append(int(lens[np.lexsort((lens, d))[0]]))
        assert _closest_other_length(lens).tolist() == want
    assert _closest_other_length(np.array([5, 1, 9])).tolist() == [1, 5, 5]  # 5: 1 and 9 tie, the shorter


@pytest.mark.parametrize("pack", [True, False])
def test_ngrams_within_equal_the_unique_rows_definition(pack, monkeypatch):
    import metrics.diversity_repetition as rep

    if not pack:  # the vocabulary too large to pack: the rows themselves
        monkeypatch.setattr(rep, "PACK_LIMIT", 1)
    rng = np.random.default_rng(11)
    for size, top, docs in ((0, 5, 1), (1, 3, 1), (9, 2, 3), (400, 30, 40), (3000, 9000, 200)):
        flat = (rng.zipf(1.4, size) % top).astype(np.int32)
        doc = np.sort(rng.integers(0, docs, size))
        for n in (1, 2, 3, 4):
            start, grams, code = rep._ngrams_within(flat, doc, n)
            want_start = [i for i in range(size - n + 1) if doc[i] == doc[i + n - 1]]
            rows = np.array([flat[i:i + n] for i in want_start], dtype=np.int32).reshape(-1, n)
            want_grams, want_code = np.unique(rows, axis=0, return_inverse=True)
            assert start.tolist() == want_start
            assert grams.dtype == want_grams.dtype and grams.tolist() == want_grams.tolist()
            assert code.dtype == np.int64 and code.tolist() == want_code.reshape(-1).tolist()
