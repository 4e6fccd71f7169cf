"""What a token and a word are (metrics.text, the one tokenizer), pinned on hand-written cases.

Every lexical metric counts these units (distinct-n, entropy, MATTR, self-BLEU, n-gram copies, topic
words, word drift, mean length in words...); the Gopher rules count the same units with case kept.
The expected lists are written by hand from the rule in metrics/text.py's docstring, not taken from the
code's output.
"""
import ast
from pathlib import Path

import pytest

from metrics.defects import gopher_tokens
from metrics.text import _TOKEN, _TOKEN_FULL, _WORD, _WORD_FULL, _NEEDS_FULL, token_pattern, tokenize, words
from tests.conftest import load_texts

ROOT = Path(__file__).resolve().parents[1]

CASES = [
    # apostrophes: inside a word they join it (both ' and ’); at its edge they are punctuation
    ("Don't stop, l’homme!", ["don't", "stop", ",", "l’homme", "!"]),
    ("rock ’n’ roll", ["rock", "’", "n", "’", "roll"]),
    ("can’t won't", ["can’t", "won't"]),
    # hyphens, periods, commas, per cent: every mark is its own token; digits and letters run together
    ("well-known state-of-the-art", ["well", "-", "known", "state", "-", "of", "-", "the", "-", "art"]),
    ("3.14 and 1,000; the 2nd 10%", ["3", ".", "14", "and", "1", ",", "000", ";", "the", "2nd", "10", "%"]),
    ("snake_case e-mail: a.b@c.com", ["snake_case", "e", "-", "mail", ":", "a", ".", "b", "@", "c", ".", "com"]),
    # case is folded (casefold: ß -> ss)
    ("Straße STRASSE Ελληνικά", ["strasse", "strasse", "ελληνικά"]),
    # combining marks stay in their word (Python's \w alone cut these at every mark)
    ("cafe\u0301 au lait", ["cafe\u0301", "au", "lait"]),
    ("नमस्ते दुनिया। यह परीक्षण है", ["नमस्ते", "दुनिया", "।", "यह", "परीक्षण", "है"]),
    ("মাতৃভাষা বাংলা", ["মাতৃভাষা", "বাংলা"]),
    ("வணக்கம் உலகம்", ["வணக்கம்", "உலகம்"]),
    ("مَرْحَبًا بِالْعَالَم", ["مَرْحَبًا", "بِالْعَالَم"]),
    ("שָׁלוֹם עוֹלָם", ["שָׁלוֹם", "עוֹלָם"]),
    ("می\u200cخواهم بروم", ["می\u200cخواهم", "بروم"]),  # Persian: the zero-width non-joiner is inside the word
    # emoji: one token per user-perceived character, modifiers, joiners and flags included
    ("I ❤️ it 👍🏽 👨\u200d👩\u200d👧 🇫🇷!", ["i", "❤️", "it", "👍🏽", "👨\u200d👩\u200d👧", "🇫🇷", "!"]),
    # space-less scripts: segmented into words (jieba for Chinese, ICU for Japanese and Thai)
    ("我来到北京清华大学", ["我", "来到", "北京", "清华大学"]),
    ("私は東京大学の学生です。", ["私", "は", "東京", "大学", "の", "学生", "です", "。"]),
    ("ผมชอบ Python มาก", ["ผม", "ชอบ", "python", "มาก"]),
    ("iPhone 15 发布会在 Cupertino 举行", ["iphone", "15", "发布会", "在", "cupertino", "举行"]),
    ("한국어 문장입니다.", ["한국어", "문장입니다", "."]),  # Korean separates words with spaces
]


@pytest.mark.parametrize("text,want", CASES)  # automatic ids: mutmut could not find its own non-ASCII explicit ones
def test_tokens_are_what_the_rule_says(text, want):
    assert tokenize(text) == want


def test_words_are_the_tokens_with_a_letter_or_digit():
    assert words("I ❤️ it, 3.14! 👍🏽") == ["i", "it", "3", "14"]
    assert words("नमस्ते दुनिया। यह") == ["नमस्ते", "दुनिया", "यह"]
    for text, want in CASES:
        assert words(text) == [t for t in want if t[:1].isalnum() or t[:1] == "_"], text


def test_gopher_rules_count_the_same_units_with_case_kept():
    assert gopher_tokens("Don't STOP, l’homme 👍🏽 नमस्ते!") == ["Don't", "STOP", ",", "l’homme", "👍🏽", "नमस्ते", "!"]
    text = "Well-known 3.14 café"
    assert [t.casefold() for t in gopher_tokens(text)] == tokenize(text)
    spans = [m.span() for m in token_pattern(text).finditer(text)]  # offsets map back to the text
    assert [text[a:b] for a, b in spans] == gopher_tokens(text)


def test_the_fast_spelling_is_exact_where_it_is_used():
    """The stdlib-re spelling is used only for text without marks, joiners or emoji; on such text it
    must give exactly the full rule's tokens (checked on every shared test corpus, all languages)."""
    data = ROOT / "tests" / "data"
    files = sorted(data.glob("multilingual/*.jsonl")) + [data / "clickbait" / "news.jsonl"]
    texts = [t for f in files for t in load_texts(f, limit=400)]
    assert len(texts) >= 500
    plain = [t.casefold() for t in texts if not _NEEDS_FULL.search(t)]
    assert len(plain) >= 300
    for t in plain:
        assert _TOKEN.findall(t) == _TOKEN_FULL.findall(t), t[:80]
        assert _WORD.findall(t) == _WORD_FULL.findall(t), t[:80]


ALLOWED = {  # modules with their own word-splitting pattern, and why (see each module's docstring)
    "metrics/text.py": "the tokenizer itself",
    "audit/simulate.py": "the demo's trigram text generator (keeps case, must detokenize); not a metric",
    "metrics/diversity_homogenization.py": "rouge-score's own ASCII tokens, for ROUGE-L as published",
}


def test_no_other_word_splitter():
    """No module outside ALLOWED compiles its own word or token pattern (``\\w+``-runs or ``[^\\w\\s]``)."""
    found = set()
    for pkg in ("audit", "metrics", "reports"):
        for f in sorted((ROOT / pkg).rglob("*.py")):
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                        node.value.startswith(r"\w+") or r"[^\w\s]" in node.value or node.value == r"[^a-z0-9]+"):
                    found.add(str(f.relative_to(ROOT)))
    assert found <= ALLOWED.keys(), found - ALLOWED.keys()


def test_segmenter_names_say_which_segmenter_each_script_gets(monkeypatch):
    import metrics.text as text_mod

    assert text_mod.segmenter_names() == {"chinese": "jieba", "japanese_thai_lao_khmer_myanmar": "icu"}
    monkeypatch.setattr(text_mod, "_icu_word_breaker", lambda: None)
    assert text_mod.segmenter_names()["japanese_thai_lao_khmer_myanmar"] == "characters (icu4py missing)"


def test_small_helpers_by_hand():
    from metrics.text import ngrams, normalize, text_hash, tokenize_all, top_counts

    assert tokenize_all(["A b", "C."]) == [["a", "b"], ["c", "."]]
    assert list(ngrams(["a", "b", "c"], 2)) == [("a", "b"), ("b", "c")]
    assert normalize("  Ｆｕｌｌ\u00a0 WIDTH\n ") == "full width"  # NFKC, casefold, one space, stripped
    assert text_hash("A  b") == text_hash("a b") != text_hash("ab") and len(text_hash("x")) == 16
    assert top_counts({"b": 2, "a": 2, "c": 3}) == [("c", 3), ("a", 2), ("b", 2)]
    assert top_counts({"b": 2, "a": 2, "c": 3}, 2) == [("c", 3), ("a", 2)]


def test_without_icu_space_less_runs_fall_back_to_characters(monkeypatch):
    import metrics.text as text_mod

    monkeypatch.setattr(text_mod, "_icu_word_breaker", lambda: None)
    assert text_mod.tokenize("ผมชอบ") == ["ผ", "ม", "ช", "อ", "บ"]


def test_top_counts_equal_the_full_sort_cut_at_k():
    import random
    from collections import Counter

    from metrics.text import top_counts

    rng = random.Random(3)
    for trial in range(60):
        words = ["".join(rng.choice("abé") for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(0, 90))]
        counts = Counter(words) if trial % 2 else Counter(tuple(w) for w in words)  # string and n-gram keys
        want = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        assert top_counts(counts) == want
        for k in (-2, -1, 0, 1, 2, 3, 10, len(want) - 1, len(want), len(want) + 5):
            assert top_counts(counts, k) == want[:k], k
