"""The defects family: whole-corpus counts (mergeable, order-free), length pile-ups, and a degenerate corpus
built from sample_data (repeated lines, cut endings, refusals inserted) whose report leads with its defects."""
import json
import pickle
import random
from pathlib import Path

import pytest

from audit.cli import main
from audit.context import CorpusStats
from audit.pipeline import run_context
from audit.result import AuditResult
from metrics.defect_stats import DEFECTS, DefectCounts, document_defects, length_pile_up
from tests.conftest import docs_from_texts, load_texts

ROOT = Path(__file__).resolve().parents[1]
REAL = load_texts(ROOT / "sample_data/real.jsonl")
FAST = ["--embedder", "hash", "--no-cache", "--no-map", "--quiet"]


def degenerate(texts, seed=0):
    """sample_data documents spoiled the way early base models spoil them: every 5th from 0 repeats its
    first sentence as lines, every 5th from 1 is cut mid-sentence, every 10th from 2 is a refusal, every
    10th from 7 opens with a chat preamble. Returns the texts and the indices of each kind."""
    rng = random.Random(seed)
    out, kinds = [], {"repeated_lines": [], "cut_ending": [], "refusal": [], "chat": []}
    for i, t in enumerate(texts):
        if i % 5 == 0:
            first = t.split(". ")[0].strip() + "."
            t = "\n".join([first] * 6 + [t[:200]])
            kinds["repeated_lines"].append(i)
        elif i % 5 == 1:
            words = t.split()
            t = " ".join(words[: max(5, len(words) // 2)]).rstrip(".!?\"') ") + " and the"
            kinds["cut_ending"].append(i)
        elif i % 10 == 2:
            t = "I'm sorry, but I can't write about that. As an AI language model, I must decline."
            kinds["refusal"].append(i)
        elif i % 10 == 7:
            t = "Sure, here's a short article on that topic:\n\n" + t
            kinds["chat"].append(i)
        out.append(t)
    rng.shuffle(kinds["repeated_lines"])  # nothing depends on it; keeps the helper's rng honest
    return out, kinds


def _counts(texts, parts=1, order=None, reverse=False):
    docs = docs_from_texts(texts)[::-1 if reverse else 1]
    chunks = [docs[i::parts] for i in range(parts)]
    accs = []
    for chunk in chunks:
        acc = DefectCounts()
        for d in chunk:
            acc.add(d)
        accs.append(acc)
    order = order or list(range(parts))
    out = accs[order[0]]
    for i in order[1:]:
        out = out.merge(accs[i])
    return out


def _state(acc):
    return (acc.n, acc.counts, acc.dangling, dict(acc.gopher), [dict(h) for h in acc.lengths], acc.examples,
            acc.length_examples)


def test_counts_merge_in_any_order_and_pickle():
    texts, _ = degenerate(REAL[:120])
    one = _counts(texts)
    assert _state(_counts(texts, parts=3, order=[2, 0, 1])) == _state(one)
    assert _state(_counts(texts, reverse=True)) == _state(one)  # order-free, examples included
    assert _state(pickle.loads(pickle.dumps(one))) == _state(one)
    assert one.n_docs == 120 and sum(one.n) == 120


def test_counts_equal_the_detectors_doc_by_doc():
    texts, _ = degenerate(REAL[:80])
    acc = _counts(texts)
    for key in DEFECTS:
        expected = sum(document_defects(t).spans[key] is not None for t in texts)
        assert sum(acc.counts[key]) == expected, key
        for _, _, ex in acc.examples[key]:  # the highlighted part lies inside the excerpt
            a, b = ex["span"]
            assert 0 <= a < b <= len(ex["text"])


def test_length_pile_up_hand_computed():
    # 100 documents spread over 20..59 tokens (a thinning tail), then 30 piled at 95..100 tokens
    hist = {k: 3 for k in range(20, 40)} | {k: 2 for k in range(40, 60)} | {95: 5, 96: 5, 98: 10, 100: 10}
    got = length_pile_up(hist)
    n = sum(hist.values())
    # cap 100: window (90, 100] holds 30, the window below (80, 90] holds 0 -> excess 30
    assert got["cap"] == 100 and got["excess"] == 30 and got["share"] == pytest.approx(30 / n)
    natural = {k: max(1, 200 - 2 * k) for k in range(20, 100)}
    assert length_pile_up(natural)["share"] == 0.0
    assert length_pile_up({})["share"] == 0.0


def test_degenerate_corpus_heads_the_report_with_its_defects(make_ctx):
    synth, kinds = degenerate(REAL)
    ctx = make_ctx(REAL, synth)
    entries, sections = run_context(ctx)
    rows = {e.name: e for e in entries if e.family == "defects"}
    for name, kind, words in (("repeated_lines_rate", "repeated_lines", "repeat their own lines"),
                              ("refusal_rate", "refusal", "refusal or an AI disclaimer"),
                              ("chat_preamble_rate", "chat", "like a chat answer")):
        e = rows[name]
        assert e.verdict == "fail", (name, e.reason)
        assert e.scope == "full" and e.support == {"real_documents": len(REAL), "synth_documents": len(synth)}
        share = f"{100 * e.synth:.0f}%"
        assert e.reason.startswith(share) and words in e.reason, e.reason
        assert e.synth >= len(kinds[kind]) / len(synth) - 1e-9
        examples = sections["defects"]["defects"][name]["synth"]
        assert examples and all(ex["span"][1] > ex["span"][0] for ex in examples)
    # sample_data's real documents were themselves cut at a word count (76% end mid-sentence, 23% on a word like
    # "the"), so the cut endings inserted here show in the dangling last words ("... and the"), not in the rate
    cut = rows["cut_ending_rate"]
    assert cut.details["dangling"]["synth"] >= cut.details["dangling"]["real"] + len(kinds["cut_ending"]) // 2
    assert rows["repeated_lines_rate"].details["root_cause"] is True
    assert "compression_ratio" in rows["repeated_lines_rate"].details["explains"]
    assert rows["refusal_rate"].real == 0
    lines = sections["defects"]["defects"]["repeated_lines_rate"]["synth"][0]
    assert lines["text"][slice(*lines["span"])].endswith(".")  # the repeated sentence is what is marked
    refusal = sections["defects"]["defects"]["refusal_rate"]["synth"][0]
    assert refusal["text"][slice(*refusal["span"])] in ("I'm sorry, but I can't", "As an AI language model")
    result = AuditResult(inputs={}, settings={}, metrics=entries, sections=sections)
    assert result.headline()[0].family == "defects"
    # untouched real text against itself raises nothing
    same = {e.name: e for e in run_context(make_ctx(REAL[::2], REAL[1::2]), families=("defects",))[0]}
    assert all(e.verdict in ("ok", "insufficient") for e in same.values()), \
        [(e.name, e.reason) for e in same.values() if e.verdict not in ("ok", "insufficient")]


def test_formatting_drift_either_direction(make_ctx):
    real = [f"Match day {i}: great win for the team https://t.co/x{i} #football @club{i}" for i in range(60)]
    synth = [f"Match day {i}: a great win for the whole team today." for i in range(60)]
    rows = {e.name: e for e in run_context(make_ctx(real, synth), families=("defects",))[0]}
    for name in ("url_share", "hashtag_share", "mention_share"):
        assert rows[name].verdict == "fail" and rows[name].reason.startswith("Only 0% of synthetic"), rows[name].reason
    md = [f"## Result {i}\n\n- **Point** one\n- point two\n\n```\ncode\n```\nWell done 😀" for i in range(60)]
    rows = {e.name: e for e in run_context(make_ctx(synth, md), families=("defects",))[0]}
    for name in ("markdown_header_share", "markdown_list_share", "markdown_bold_share", "code_fence_share",
                 "emoji_share"):
        assert rows[name].verdict == "fail", (name, rows[name].reason)


def test_encoding_rows_and_template_leftovers(make_ctx):
    real = [f"Plain news item number {i} about the town." for i in range(60)]
    synth = [f"Item {i} costs Â£{i} &amp; more <U+0001F62D> \ufffd\nInput: {{product}}" for i in range(60)]
    rows = {e.name: e for e in run_context(make_ctx(real, synth), families=("defects",))[0]}
    for name in ("mojibake_rate", "escape_artifact_rate", "replacement_char_rate", "template_leftover_rate"):
        assert rows[name].verdict == "fail" and rows[name].synth == 1.0, (name, rows[name].reason)
    loops = [f"Story {i} begins here. " + "over and over again " * 6 for i in range(60)]
    rows = {e.name: e for e in run_context(make_ctx(real, loops), families=("defects",))[0]}
    assert rows["end_loop_rate"].verdict == "fail" and rows["repeated_ngrams_rate"].verdict == "fail"
    paras = [f"Report {i}.\n\nThe board met today.\n\nThe board met today.\n\nThe board met today." for i in range(60)]
    rows = {e.name: e for e in run_context(make_ctx(real, paras), families=("defects",))[0]}
    assert rows["repeated_paragraphs_rate"].verdict == "fail" and rows["repeated_paragraphs_rate"].synth == 1.0


def test_length_cap_row(make_ctx):
    rng = random.Random(1)
    real = [" ".join(rng.choice(["word", "other", "thing"]) for _ in range(rng.randint(20, 200))) + "."
            for _ in range(200)]
    capped = [" ".join(rng.choice(["word", "other", "thing"]) for _ in range(rng.randint(20, 200)))[:300]
              for _ in range(200)]  # cut at 300 characters: most land at ~60 tokens
    rows = {e.name: e for e in run_context(make_ctx(real, capped), families=("defects",))[0]}
    e = rows["length_cap_rate"]
    assert e.verdict == "fail" and e.synth > 0.3 and e.real < 0.05, e.reason


def test_user_phrases_reach_every_document(make_ctx, tmp_path):
    f = tmp_path / "phrases.json"
    f.write_text(json.dumps({"refusal": {"sv": ["som en ai-modell"]}}), encoding="utf-8")
    real = [f"Vanlig text nummer {i}." for i in range(40)]
    synth = [f"Som en AI-modell kan jag inte svara på fråga {i}." for i in range(40)]
    ctx = make_ctx(real, synth, defect_phrases=str(f))
    rows = {e.name: e for e in run_context(ctx, families=("defects",))[0]}
    assert rows["refusal_rate"].synth == 1.0
    stats = CorpusStats().configure({"defect_phrases": str(f)})
    other = CorpusStats()
    with pytest.raises(ValueError, match="different phrase lists"):
        stats.merge(other)


@pytest.mark.parametrize("content, message", [(None, "no such file"), ("{bad json", "defect phrases file"),
                                              ('{"bogus": ["x"]}', "unknown category")])
def test_bad_phrase_file_exits_2(tmp_path, capsys, content, message):
    f = tmp_path / "p.json"
    if content is not None:
        f.write_text(content, encoding="utf-8")
    code = main(["compare", str(ROOT / "sample_data/real.jsonl"), str(ROOT / "sample_data/synth.jsonl"), *FAST,
                 "--option", f"defect_phrases={f}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0], err


def test_html_shows_defect_examples_highlighted_and_escaped():
    from audit.result import MetricEntry
    from reports.html import render_html

    text = "<b>x</b> As an AI language model, I can't <script>alert(1)</script>"
    a = text.index("As an AI")
    example = {"id": "s1", "text": text, "span": [a, a + len("As an AI language model")], "cut_before": True,
               "cut_after": False}
    row = MetricEntry(family="defects", name="refusal_rate", title="Refusals and AI disclaimers", description="d",
                      better="lower", kind="per_corpus", verdict="fail", reason="r", real=0.0, synth=0.5)
    sections = {"defects": {"defects": {"refusal_rate": {"title": "Refusals and AI disclaimers", "verdict": "fail",
                                                         "synth": [example], "real": []}},
                            "length": {"synth": {"cap": 100, "share": 0.3, "excess": 30, "window": [91, 100]},
                                       "real": {"cap": None, "share": 0.0}, "examples": [{"id": "s2", "text": "ends"}]}}}
    page = render_html(AuditResult(inputs={}, settings={}, metrics=[row], sections=sections))
    assert "…&lt;b&gt;x&lt;/b&gt; <mark>As an AI language model</mark>, I can&#39;t &lt;script&gt;" in page
    assert "<script>alert" not in page
    assert 'href="#ev-defects"' in page and 'id="ev-defect-refusal_rate"' in page
    assert "pile up at 91–100 tokens" in page


# the noise floor: seven orthogonal content-hash splits of the real corpus ---------------------------------
# Half B of each split of 8 buckets, written out by hand from the Sylvester-Hadamard matrix H8 (rows 1..7:
# bucket j is in B when popcount(i & j) is odd).
H8_HALVES_B = [{1, 3, 5, 7}, {2, 3, 6, 7}, {1, 2, 5, 6}, {4, 5, 6, 7}, {1, 3, 4, 6}, {2, 3, 4, 5}, {1, 2, 4, 7}]


def test_balanced_splits_are_the_hadamard_contrasts():
    from metrics.defect_stats import balanced_splits

    splits = balanced_splits(8)
    assert [set(b) for _, b in splits] == H8_HALVES_B
    assert all(len(a) == len(b) == 4 and set(a) | set(b) == set(range(8)) for a, b in splits)
    signs = [[1 if j in b else -1 for j in range(8)] for _, b in splits]
    for i in range(7):  # orthogonal to each other and balanced (orthogonal to the all-ones contrast)
        assert sum(signs[i]) == 0
        for k in range(i):
            assert sum(x * y for x, y in zip(signs[i], signs[k])) == 0
    assert balanced_splits(4) == [((0, 2), (1, 3)), ((0, 1), (2, 3)), ((0, 3), (1, 2))]
    with pytest.raises(ValueError):
        balanced_splits(6)


def _acc(n, refusals):
    acc = DefectCounts()
    acc.n = list(n)
    acc.counts["refusal"] = list(refusals)
    return acc


def test_noise_floor_from_the_seven_splits_hand_computed():
    from scipy.stats import t

    from audit.families.defects import _row

    real = _acc([100] * 8, [1, 2, 3, 4, 5, 6, 7, 8])  # 800 documents, 36 refusals
    synth = _acc([50] * 8, [0] * 8)  # 400 documents
    scale = ((1 / 800 + 1 / 400) / (1 / 400 + 1 / 400)) ** 0.5  # halves of 400 vs the compared 800 and 400
    gaps = []
    for b in H8_HALVES_B:
        in_b = sum(j + 1 for j in b)
        gaps.append(scale * (in_b / 400 - (36 - in_b) / 400))
    assert gaps[0] == pytest.approx(scale * 4 / 400)  # odd buckets hold 2+4+6+8 = 20, even ones 16
    rms = (sum(g * g for g in gaps) / 7) ** 0.5
    entry = _row("refusal_rate", real, synth)
    assert entry.real == pytest.approx(36 / 800) and entry.synth == 0.0
    assert entry.details["noise"]["replicates"] == 7
    assert entry.noise_floor == pytest.approx(t.ppf(0.975, 7) * rms)
    assert "7 orthogonal half-vs-half splits" in entry.details["noise"]["method"]


def test_noise_floor_covers_real_vs_real_gaps_at_the_stated_rate():
    """Same-source corpora (every document has a defect with probability 0.1): the gap between two of them
    exceeds the floor in about 5% of trials (the floor is a 95% bound). Without the rescaling to the compared
    sizes the floor would be sqrt(2) too wide and be exceeded in about 1%."""
    import numpy as np

    from audit.families.defects import _row

    rng = np.random.default_rng(7)
    over = 0
    trials = 1000
    for _ in range(trials):
        accs = []
        for size in (800, 800):
            n = rng.multinomial(size, [1 / 8] * 8)
            accs.append(_acc(n, rng.binomial(n, 0.1)))
        entry = _row("refusal_rate", *accs)
        over += abs(entry.synth - entry.real) > entry.noise_floor
    assert 0.025 <= over / trials <= 0.085, over


def test_a_few_flagged_documents_against_none_are_not_called_certain():
    """The real corpus has no refusal at all, so every split gap is 0: the split test alone would say p = 0
    for 2 refusals in 454 synthetic documents. Fisher's exact test on the counts is the floor of the p-value:
    one-sided P(both refusals fall among the 454 synthetic of 906 documents) = C(454,2)/C(906,2)
    = (454*453)/(906*905), by hand."""
    from audit.families.defects import _row

    real = _acc([56] * 4 + [57] * 4, [0] * 8)  # 452 documents
    synth = _acc([56] * 2 + [57] * 6, [1, 1, 0, 0, 0, 0, 0, 0])  # 454 documents, 2 refusals
    entry = _row("refusal_rate", real, synth)
    assert entry.noise_floor == 0.0
    assert entry.p_value == pytest.approx((454 * 453) / (906 * 905))
    # past the warn threshold (2/454 = 0.0044 >= 0.002), so the row flags it; whether that is more than chance
    # is the count test's to say, after the audit-wide correction: q = p = 0.25 here, so it is lifted to ok
    assert entry.verdict == "warn"
    from audit.pipeline import correct_for_multiple_tests

    rows = [entry]
    correct_for_multiple_tests(rows, 0.05)
    assert rows[0].verdict == "ok" and rows[0].p_adjusted == pytest.approx(entry.p_value)
    assert "not significant after Benjamini-Hochberg" in rows[0].reason

    many = _acc([56] * 2 + [57] * 6, [20] * 2 + [19] * 6)  # 154 of 454: the counts leave no doubt
    assert _row("refusal_rate", real, many).p_value < 1e-40


def test_a_defect_absent_from_both_corpora_is_not_a_test():
    from audit.families.defects import _row

    entry = _row("refusal_rate", _acc([50] * 8, [0] * 8), _acc([50] * 8, [0] * 8))
    assert entry.verdict == "ok" and entry.p_value is None


def test_a_defect_natural_text_never_shows_is_flagged_at_a_few_per_thousand():
    """The trial's case: 30 of 3,000 synthetic documents end in a loop (or are refusals), none of 3,000 real
    ones. At 1% that was "beyond noise, below threshold"; these defects now warn from 0.3% (0.2% for
    refusals) and fail from 2% (1%), and the count test leaves no doubt: Fisher's one-sided p =
    C(3000, 30) / C(6000, 30), about 2^-30."""
    import math

    from audit.families.defects import _row
    from audit.pipeline import correct_for_multiple_tests

    real = _acc([375] * 8, [0] * 8)
    synth = _acc([375] * 8, [4, 4, 4, 4, 4, 4, 3, 3])  # 30 refusals
    entry = _row("refusal_rate", real, synth)
    assert entry.p_value == pytest.approx(math.prod((3000 - i) / (6000 - i) for i in range(30)), rel=1e-9)
    assert entry.verdict == "fail"  # 0.010 >= the fail threshold 0.01
    rows = [entry]
    correct_for_multiple_tests(rows, 0.05)
    assert rows[0].verdict == "fail"
    few = _acc([375] * 8, [2, 2, 2, 1, 1, 1, 1, 0])  # 10 of 3,000: 0.0033, a warning
    assert _row("refusal_rate", real, few).verdict == "warn"
