"""Defect detectors (metrics/defects.py, defect_phrases.py): Gopher values against datatrove, and every
detector on hand-made positive and negative cases, English and not."""
from pathlib import Path

import pytest
from datatrove.pipeline.filters import gopher_repetition_filter as dt
from datatrove.utils.word_tokenizers import WordTokenizer

from metrics.defect_phrases import phrase_set
from metrics.defects import (
    cut_ending, dangling_ending, end_loop, escape_artifact, formatting_spans, gopher_failures, gopher_tokens,
    gopher_repetition, mojibake, repair_escapes, replacement_char,
)
from tests.conftest import load_texts

ROOT = Path(__file__).resolve().parents[1]
REPETITIVE = [
    "The cat sat on the mat.\nThe cat sat on the mat.\nThe cat sat on the mat.\nA dog barked.",
    "Para one is here.\n\nPara two is here.\n\nPara one is here.\n\nPara one is here.",
    "buy now buy now buy now buy now buy now buy now and save big today",
    "Input: a\nOutput: b\n\nInput: a\nOutput: b\n\n\nInput: c\nOutput: d\n",
    "Der Hund bellt laut. Der Hund bellt laut. Der Hund bellt laut. Die Katze schläft im Garten.",
    "我爱北京。\n我爱北京。\n我爱北京。\n天安门。",
    "  leading space\n\n\ntrailing blank lines\n\n\n",
    "a b c d e f a b c d e f a b c d e f",
    "One sentence only.",
]


class RegexTokenizer(WordTokenizer):
    """datatrove's tokenizer interface around our word splitter, so datatrove sees the same words."""

    def word_tokenize(self, text):
        return gopher_tokens(text)

    def sent_tokenize(self, text):
        return [text]

    def span_tokenize(self, text):
        return [(0, len(text))]


TOK = RegexTokenizer()


def datatrove_values(text):
    """Each Gopher measure computed with datatrove's own helper functions, as its filter does."""
    paras = dt.re.compile(r"\n{2,}").split(text.strip())
    lines = dt.re.compile("\n+").split(text)
    words = TOK.word_tokenize(text)
    pn, pc = dt.find_duplicates(paras)
    ln, lc = dt.find_duplicates(lines)
    out = {"dup_para_frac": pn / len(paras), "dup_para_char_frac": pc / len(text),
           "dup_line_frac": ln / len(lines), "dup_line_char_frac": lc / len(text)}
    for n in (2, 3, 4):
        grams = dt.get_n_grams(words, n)
        out[f"top_{n}_gram_char_frac"] = dt.find_top_duplicate(grams) / len(text) if grams else 0.0
    for n in range(5, 11):
        out[f"dup_{n}_gram_char_frac"] = dt.find_all_duplicate(words, n) / len(text)
    return out


def corpus_texts():
    return REPETITIVE + load_texts(ROOT / "sample_data/real.jsonl", 60) + load_texts(ROOT / "sample_data/synth.jsonl", 60)


def test_gopher_values_equal_datatrove_helpers():
    for text in corpus_texts():
        ours, ref = gopher_repetition(text), datatrove_values(text)
        for key, value in ref.items():
            assert ours[key] == pytest.approx(value, abs=1e-12), (key, text[:60])


@pytest.mark.parametrize("text", REPETITIVE)
def test_gopher_values_match_datatrove_filter_decisions(text):
    """datatrove's GopherRepetitionFilter itself rejects each text for a rule exactly when our value is above
    that rule's threshold: checked with the threshold just below and just above our value."""
    ours = gopher_repetition(text)

    def rejects(**kw):
        args = dict(dup_line_frac=None, dup_para_frac=None, dup_line_char_frac=None, dup_para_char_frac=None,
                    top_n_grams=(), dup_n_grams=(), language=TOK)
        args.update(kw)
        res = dt.GopherRepetitionFilter(**args).filter(dt.Document(text=text, id="x"))
        return res is not True

    for key in ("dup_line_frac", "dup_para_frac", "dup_line_char_frac", "dup_para_char_frac"):
        v = ours[key]
        if v > 0:
            assert rejects(**{key: v - 1e-9}) and not rejects(**{key: v + 1e-9}), key
    for n in (2, 3, 4):
        v = ours[f"top_{n}_gram_char_frac"]
        assert rejects(top_n_grams=((n, v - 1e-9),)) and not rejects(top_n_grams=((n, v + 1e-9),)), n
    for n in range(5, 11):
        v = ours[f"dup_{n}_gram_char_frac"]
        if v > 0:
            assert rejects(dup_n_grams=((n, v - 1e-9),)) and not rejects(dup_n_grams=((n, v + 1e-9),)), n


def test_gopher_hand_computed():
    text = "ab\nab\ncd"  # 3 lines, 1 repeats; its 2 characters of 8
    m = gopher_repetition(text)
    assert m["dup_line_frac"] == pytest.approx(1 / 3) and m["dup_line_char_frac"] == pytest.approx(2 / 8)
    assert "dup_line_frac" in gopher_failures(m)
    # one-off top n-grams do not flag (datatrove would reject any text under ~15 words)
    short = gopher_repetition("Local council approves new budget")
    assert short["top_3_gram_char_frac"] > 0.18 and short["top_3_gram_count"] == 1
    assert gopher_failures(short) == []


def test_end_loop():
    loop = "It was a fine day. " + "and then we went home " * 5
    span = end_loop(loop)
    assert span is not None and loop[span[0]:].startswith("and then")
    assert end_loop("Der Zug fährt ab. " + "immer weiter " * 8) is not None
    assert end_loop("好的" + "哈哈。" * 10) is not None
    assert end_loop("A normal story that ends well. The end.") is None
    assert end_loop("ha ha ha, he laughed.") is None  # short and not at the very end


@pytest.mark.parametrize("text,cut", [
    ("The council said the plan would", True), ("Il a dit que", True), ("He left,", True),
    ("The plan was approved.", False), ("¿Qué hora es?", False), ("今天天气很好。", False),
    ("He said \"stop.\"", False), ("Читайте далее…", False), ("See https://example.com/x", False),
    ("Great day 😀", False), ("", False),
])
def test_cut_ending(text, cut):
    assert (cut_ending(text) is not None) == cut


def test_dangling_ending():
    assert dangling_ending("We went to the") and dangling_ending("Er sagte, dass er und")
    assert not dangling_ending("We went home")


@pytest.mark.parametrize("text,kind", [
    ("As an AI language model, I cannot give medical advice.", "refusal"),
    ("I'm sorry, but I can't help with that.", "refusal"),
    ("I’m just an AI, I have no feelings.", "refusal"),
    ("Lo siento, pero no puedo ayudar con eso.", "refusal"),
    ("En tant que modèle de langage, je ne peux pas.", "refusal"),
    ("作为一个人工智能，我无法回答。", "refusal"),
    ("Как языковая модель, я не могу.", "refusal"),
    ("Sure, here's a short story about a cat.\nOnce upon a time...", "preamble"),
    ("Bien sûr, voici un poème.\nLa nuit tombe.", "preamble"),
    ("Claro, aquí tienes la receta.", "preamble"),
    ("The answer is 4.\n\nI hope this helps! Let me know if you need more.", "signoff"),
    ("Die Antwort ist 4. Ich hoffe, das hilft!", "signoff"),
    ("Input: translate to French\nOutput: bonjour", "leftover"),
    ("### Instruction\nWrite a poem.\n### Response\nRoses are red.", "leftover"),
    ("Dear {customer_name}, your order shipped.", "leftover"),
    ("<|im_start|>assistant\nHello", "leftover"),
    ("Best regards,\n[Your Name]", "leftover"),
    ("[INST] Tell me a joke [/INST] Why did...", "leftover"),
    ("Entrada: hola\nSalida: hello", "leftover"),
])
def test_phrases_positive(text, kind):
    assert phrase_set().spans(text)[kind] is not None


@pytest.mark.parametrize("text", [
    "The model of the new car is an AI-free design.",  # mentions AI, not a disclaimer
    "She said she cannot afford the rent.",
    "The output of the factory rose by 4%.",  # 'output' not a label
    "Einstein's formula $\\frac{a}{b}$ and x^{2} are LaTeX, not placeholders.",
    '{"name": "json object"} is data.',
    "Nous avons voici longtemps quitté Paris.",
])
def test_phrases_negative(text):
    spans = phrase_set().spans(text)
    assert spans == dict.fromkeys(spans), spans


def test_preamble_only_at_start_and_signoff_only_at_end():
    body = "Word " * 100
    ps = phrase_set()
    assert ps.spans(body + "Sure, here's a list.")["preamble"] is None
    assert ps.spans("I hope this helps. " + body)["signoff"] is None
    assert ps.spans(body + "I hope this helps.")["signoff"] is not None


def test_user_phrases_extend_the_lists(tmp_path):
    f = tmp_path / "p.json"
    f.write_text('{"refusal": {"sv": ["som en ai-modell"]}, "leftover": ["<<FILL>>"]}', encoding="utf-8")
    ps = phrase_set(str(f))
    assert ps.spans("Som en AI-modell kan jag inte.")["refusal"] is not None
    assert ps.spans("Price: <<FILL>>")["leftover"] is not None
    assert ps.spans("As an AI language model")["refusal"] is not None  # shipped ones stay
    with pytest.raises(ValueError, match="unknown category"):
        phrase_set({"nonsense": ["x"]})


def test_encoding_detectors():
    assert mojibake("The price is Â£49.") is not None and mojibake("cafÃ© donâ€™t") is not None
    for fine in ("The price is £49.", "café don’t", "Größe", "Привет", "日本語", "plain ascii"):
        assert mojibake(fine) is None, fine
    assert escape_artifact("so sad <U+0001F62D> today") == (7, 19)
    assert escape_artifact("caf\\u00e9") is not None and escape_artifact("Tom &amp; Jerry") is not None
    assert escape_artifact("Tom & Jerry, 5 < 6, C:\\Users") is None
    assert replacement_char("bad \ufffd byte") == (4, 5) and replacement_char("fine") is None


def test_repair_escapes():
    assert repair_escapes("so sad <U+0001F62D>") == "so sad 😭"
    assert repair_escapes("caf\\u00e9 \\ud83d\\ude2d") == "café 😭"
    assert repair_escapes("Tom &amp; Jerry &#39;hi&#39;") == "Tom & Jerry 'hi'"
    assert repair_escapes("plain text") == "plain text"
    assert repair_escapes("<U+ZZZZ> \\u12") == "<U+ZZZZ> \\u12"


def test_formatting_spans():
    text = "## Plan\n\n- first **bold** item\n1. second\n```py\nx\n```\nhttps://a.org @bob #win 😀 www.x.com"
    got = formatting_spans(text)
    assert all(v is not None for v in got.values()), got
    assert text[slice(*got["markdown_header"])] == "## Plan"
    none = formatting_spans("Email me at bob@example.com. Issue #12 and C# are fine; 3 * 4 = 12.")
    assert all(v is None for v in none.values()), none
    assert formatting_spans("Ciao @marco, guarda #tramonto")["mention"] is not None


@pytest.mark.parametrize("words", [
    ["ab", "c", "d", "e", "f", "a", "bc", "d", "e", "f"],  # the same joined 5-gram across other word boundaries
    ["x"] * 23,  # a repeat right after a repeat: the skip past it
    ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"] * 3 + ["é", "ß", "日本", "😀", "a", "b"],
    ["one", "two"],  # shorter than n
    [],
])
def test_duplicated_ngram_chars_equal_datatrove_find_all_duplicate(words):
    from metrics.defects import _dup_ngram_chars

    for n in range(5, 11):
        assert _dup_ngram_chars(words, n) == dt.find_all_duplicate(words, n), n
