"""Registry entries of the defects family (see :mod:`metrics.registry` for what the fields mean).

Counted over every document (``scope="full"``) by :mod:`metrics.defect_stats`; the rates are shares of
documents, so the thresholds are absolute gaps over the real corpus's share.

Defects that natural text does not show (a loop at the end, a refusal or AI disclaimer, a chat preamble,
template leftovers, mojibake, replacement characters) warn from a few documents in a thousand more than
real: 30 looping documents in 3,000 against none in real were "below threshold" at 1%. A flag still needs the
count test (Fisher's exact test, corrected over the audit) and a gap past the real corpus's noise, so a
real-vs-real comparison does not raise them.
"""
from __future__ import annotations

from typing import Any


def _spec(name, family, title, description, better, **kw) -> dict[str, Any]:
    return dict(name=name, family=family, title=title, description=description, better=better, **kw)


# MetricSpec keyword arguments; metrics.registry builds the specs (no import cycle)
DEFECT_SPECS: tuple[dict[str, Any], ...] = (
    _spec(
        "repeated_lines_rate", "defects", "Repeats its own lines",
        "Share of documents breaking a Gopher line-repetition rule: over 30% of lines, or lines holding over "
        "20% of the characters, repeat an earlier line (Rae et al. 2021, Table A1, as datatrove computes "
        "them). 0..1, lower is better; thresholds are absolute gaps over real.",
        "lower", warn=0.03, fail=0.10, absolute=True,
    ),
    _spec(
        "repeated_paragraphs_rate", "defects", "Repeats its own paragraphs",
        "Share of documents breaking a Gopher paragraph-repetition rule: over 30% of paragraphs, or "
        "paragraphs holding over 20% of the characters, repeat an earlier one (Rae et al. 2021). 0..1, "
        "lower is better.",
        "lower", warn=0.03, fail=0.10, absolute=True,
    ),
    _spec(
        "repeated_ngrams_rate", "defects", "Repeats its own n-grams",
        "Share of documents breaking a Gopher n-gram rule: the most frequent 2/3/4-gram (repeated) covers "
        "over 20/18/16% of the characters, or repeated 5..10-grams cover over 15..10% (Rae et al. 2021, "
        "as datatrove). 0..1, lower is better.",
        "lower", warn=0.03, fail=0.10, absolute=True,
    ),
    _spec(
        "end_loop_rate", "defects", "Ends in a loop",
        "Share of documents whose last 12+ tokens are one phrase repeated back to back at least 3 times, "
        "the way greedy decoding degenerates (Holtzman et al., ICLR 2020). 0..1, lower is better.",
        "lower", warn=0.003, fail=0.02, absolute=True,
    ),
    _spec(
        "cut_ending_rate", "defects", "Ends mid-sentence",
        "Share of documents whose last character is not sentence-final punctuation in any script (nor a "
        "code fence, URL, emoji, hashtag or mention): cut off by a length limit. Titles and lists end this "
        "way too, so read it against real. 0..1, lower is better.",
        "lower", warn=0.05, fail=0.15, absolute=True,
    ),
    _spec(
        "length_cap_rate", "defects", "Length pile-up at a cap",
        "Share of documents in excess just below a length cap: documents within 10% under a length that "
        "at most 1% exceed, minus those in the 10% window below that (a spike in the token-length "
        "histogram). About 0 for natural text; lower is better.",
        "lower", warn=0.03, fail=0.10, absolute=True,
    ),
    _spec(
        "refusal_rate", "defects", "Refusals and AI disclaimers",
        "Share of documents with a refusal or AI disclaimer (\"As an AI language model\", \"I cannot "
        "provide\", \"Lo siento, pero no puedo\"...; multilingual list in metrics/data, extend it with the "
        "defect_phrases option). 0..1, lower is better.",
        "lower", warn=0.002, fail=0.01, absolute=True,
    ),
    _spec(
        "chat_preamble_rate", "defects", "Chat preambles and sign-offs",
        "Share of documents opening like a chat answer (\"Sure, here's\", \"Certainly!\", \"Voici\") or "
        "closing like one (\"I hope this helps\", \"Let me know if\"); multilingual. 0..1, lower is better.",
        "lower", warn=0.005, fail=0.02, absolute=True,
    ),
    _spec(
        "template_leftover_rate", "defects", "Prompt or template leftovers",
        "Share of documents with prompt scaffolding left in: labels at a line start (\"Input:\", "
        "\"### Response\", \"Assistant:\"), chat-template tokens (<|im_start|>, [INST]), unfilled "
        "{placeholders} or [Your Name]. 0..1, lower is better.",
        "lower", warn=0.003, fail=0.02, absolute=True,
    ),
    _spec(
        "mojibake_rate", "defects", "Mojibake",
        "Share of documents with text decoded in the wrong encoding (\"cafÃ©\", \"donâ€™t\"), as "
        "ftfy's badness heuristic finds it. 0..1, lower is better.",
        "lower", warn=0.003, fail=0.02, absolute=True,
    ),
    _spec(
        "escape_artifact_rate", "defects", "Literal escapes",
        "Share of documents with escapes left as text: <U+0001F62D>, \\u00e9, \\x41, &amp;, &#39;. 0..1, "
        "lower is better. The duplication checks read such text with the escapes decoded.",
        "lower", warn=0.01, fail=0.05, absolute=True,
    ),
    _spec(
        "replacement_char_rate", "defects", "Replacement characters",
        "Share of documents containing U+FFFD (bytes lost in decoding). 0..1, lower is better.",
        "lower", warn=0.002, fail=0.01, absolute=True,
    ),
    *(_spec(
        f"{key}_share", "defects", title,
        f"Share of documents with {what}. Drift either way is a defect (a synthetic corpus without "
        "the real one's URLs is as far off as one full of Markdown); thresholds are absolute gaps.",
        "closer", warn=0.05, fail=0.15, absolute=True,
    ) for key, title, what in (
        ("markdown_header", "Markdown headers", "a Markdown header line (# Title)"),
        ("markdown_list", "Bulleted or numbered lists", "a list item line (-, *, •, 1.)"),
        ("markdown_bold", "Bold Markdown", "**bold** or __bold__ text"),
        ("code_fence", "Code fences", "a ``` or ~~~ code fence"),
        ("emoji", "Emoji", "an emoji"),
        ("url", "URLs", "a URL (http://, https://, www.)"),
        ("mention", "@mentions", "an @mention"),
        ("hashtag", "#hashtags", "a #hashtag"),
    )),

)
