"""The reading stage's fast paths (issue 13) against the implementations they replaced, kept here as references:
formatting needles checked as tuples, a short text's phrase head and tail folded once, a category without a
needle returning at once, token hashes through ``map``; and the fork server's warm-up without scipy.stats."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import xxhash

from metrics.defect_phrases import PREAMBLE_WINDOW, SIGNOFF_WINDOW, phrase_set
from metrics.defects import _CLOSERS, _FINAL, _NEEDS, _TAIL_OK, EMOJI, FORMATTING, cut_ending, formatting_spans
from metrics.fingerprint import token_hashes

ROOT = Path(__file__).resolve().parents[1]


def _old_formatting_spans(text):
    out = {}
    for key, pattern in FORMATTING.items():
        need = _NEEDS.get(key)
        if need is not None and not any(x in text for x in ((need,) if isinstance(need, str) else need)):
            out[key] = None
            continue
        m = pattern.search(text)
        out[key] = m.span() if m else None
    return out


def _old_cut_ending(text):
    stripped = text.rstrip()
    if not stripped or _TAIL_OK.search(stripped[-300:]):
        return None
    i = len(stripped)
    while i > 0 and stripped[i - 1] in _CLOSERS:
        i -= 1
    if i > 0 and stripped[i - 1] in _FINAL:
        return None
    m = re.search(r"\S+$", stripped[-300:])
    return (len(stripped) - len(m.group()), len(stripped)) if m else None


def _old_fold(text):
    return re.sub(r"\s+", " ", text.casefold().replace("’", "'"))


def _old_first(ps, category, text, folded, lo=0):
    best = None
    entries = ps._compiled[category]
    for i, (needle, pattern) in enumerate(entries):
        if needle and needle not in folded:  # the plain substring test the automaton replaced
            continue
        m = re.compile(pattern, re.IGNORECASE).search(text, lo)
        if m and (best is None or m.start() < best[0]):
            best = m.span()
    return best


def _old_spans(ps, text):
    folded = _old_fold(text)
    lead = len(text) - len(text.lstrip())
    head = text[: lead + PREAMBLE_WINDOW]
    out = {"refusal": _old_first(ps, "refusal", text, folded),
           "preamble": _old_first(ps, "preamble", head, _old_fold(head)),
           "signoff": None,
           "leftover": _old_first(ps, "leftover", text, folded)}
    lo = max(0, len(text.rstrip()) - SIGNOFF_WINDOW)
    out["signoff"] = _old_first(ps, "signoff", text, _old_fold(text[lo:]), lo)
    for rx in ps._patterns if ("<" in text or "{" in text or "[" in text) else ():
        m = rx.search(text)
        if m and (out["leftover"] is None or m.start() < out["leftover"][0]):
            out["leftover"] = m.span()
    return out


def _texts():
    """Headlines (short: their own head and tail), padded ones on both sides of the windows, and phrases."""
    heads = [json.loads(line)["text"] for name in ("news.jsonl", "clickbait.jsonl")
             for line in (ROOT / "tests" / "data" / "clickbait" / name).read_text(encoding="utf-8").splitlines()[:150]]
    pieces = ["Sure, here's the  summary:", "As an AI language model, I can't", "I hope this helps!",
              "### Instruction:\nWrite a poem", "Let me know if you\u2019d like more.", "<|endoftext|>",
              "**bold** and __under__", "# Title\n- item\n1. first", "see https://x.org or www.example.com",
              "@someone #tag &amp; \\u00e9 \U0001F600", "plain \u2764 heart", "```\ncode\n```", "\n\n  leading blank\t\ttabs  "]
    out = heads + pieces + ["", " ", "\n"]
    for p in pieces:
        for pad in (PREAMBLE_WINDOW - 10, PREAMBLE_WINDOW, SIGNOFF_WINDOW - len(p), SIGNOFF_WINDOW + 5, 600):
            filler = ("word " * pad)[:pad]
            out += [p + filler, filler + p, "  " + p + " " + filler + p + "  "]
    return out


def test_formatting_spans_equal_the_generator_version():
    texts = _texts()
    assert sum(any(v is not None for v in _old_formatting_spans(t).values()) for t in texts) > 50  # they do match
    for t in texts:
        assert formatting_spans(t) == _old_formatting_spans(t), t


def test_cut_ending_equals_the_always_search_version():
    endings = ["", " ", "done.", "and then", "see https://x.org/a", "see http://x.org  ", "#tag", "@user",
               "ok \U0001F600", "ok \u2764\ufe0f", "```", "word`", "a (b)", "\u00e9t\u00e9", "x #", "x @ y",
               "caf\u00e9.", "http", "\u201cquoted\u201d", "a\n\n"]
    texts = _texts() + [p + e for p in ("", "Some words ", "x" * 400 + " ") for e in endings]
    assert sum(_old_cut_ending(t) is None for t in texts) > 20 and sum(_old_cut_ending(t) is not None for t in texts) > 20
    for t in texts:
        assert cut_ending(t) == _old_cut_ending(t), t


def test_no_ascii_character_is_an_emoji():
    assert all(EMOJI.search(chr(c)) is None for c in range(128))
    assert all(_TAIL_OK.search(chr(c)) is None for c in range(128) if chr(c) not in "`#@")


def test_phrase_spans_equal_the_fold_everything_version():
    ps = phrase_set()
    texts = _texts()
    found = {c: 0 for c in ("refusal", "preamble", "signoff", "leftover")}
    for t in texts:
        old = _old_spans(ps, t)
        assert ps.spans(t) == old, t
        for c, span in old.items():
            found[c] += span is not None
    assert all(n > 0 for n in found.values()), found  # every category (and both head/tail paths) exercised


def test_token_hashes_equal_the_per_token_encoding():
    toks = ["a", "don't", "\u00e9t\u00e9", "\U0001F600", "\ud800", "", "word"]
    ref = np.array([xxhash.xxh3_64_intdigest(t.encode("utf-8", "surrogatepass")) for t in toks], dtype=np.uint64)
    assert np.array_equal(token_hashes(toks), ref)
    assert token_hashes([]).dtype == np.uint64 and len(token_hashes([])) == 0


def test_fork_server_warm_up_compiles_phrases_without_scipy_stats():
    code = ("import sys, audit.reading_warm, metrics.defect_stats as d; "
            "assert d._DEFAULT, 'phrases not compiled'; assert 'ftfy.badness' in sys.modules, 'ftfy not imported'; "
            "assert 'scipy.stats' not in sys.modules, 'scipy.stats imported'; print('ok')")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr[-2000:]
