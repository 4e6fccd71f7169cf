"""Defects rows: what goes wrong in generated text, counted over every document of both corpora.

The counting happens while the corpora stream (``DefectCounts``, registered in ``audit/streams.py``);
this runner turns the counts into rows. Each row is a share of documents per corpus with a Wilson CI,
scope ``full``; its noise floor is the gap between the two halves of the real corpus split by content
hash (also over every document). A row that flags says in words what it found ("37% of synthetic
documents repeat their own lines"); degeneration rows that flag carry ``details["root_cause"]`` and the
metrics they explain, for the headline.

Options: ``defect_phrases`` (a JSON/TOML file of extra phrases, see ``metrics/defect_phrases.py``).

Section ``defects``: per defect, up to five examples per corpus with the offending part as a span, and the
length histogram's pile-up.
"""
from __future__ import annotations

from audit.compare import per_corpus_entry
from audit.context import AuditContext, CorpusStats
from audit.families import FamilyOutput
from metrics.defect_phrases import phrase_set
from metrics.defect_stats import DefectCounts, length_pile_up
from metrics.result import MetricResult
from metrics.stats import wilson_interval

# row -> (the defect it counts, what a flagged document does, in words)
ROWS: dict[str, tuple[str, str]] = {
    "repeated_lines_rate": ("repeated_lines", "repeat their own lines"),
    "repeated_paragraphs_rate": ("repeated_paragraphs", "repeat their own paragraphs"),
    "repeated_ngrams_rate": ("repeated_ngrams", "repeat the same phrases over and over"),
    "end_loop_rate": ("end_loop", "end in a loop of the same words"),
    "cut_ending_rate": ("cut_ending", "stop mid-sentence"),
    "refusal_rate": ("refusal", "contain a refusal or an AI disclaimer"),
    "chat_preamble_rate": ("chat", "open or close like a chat answer"),
    "template_leftover_rate": ("leftover", "contain prompt or template leftovers"),
    "mojibake_rate": ("mojibake", "contain mojibake"),
    "escape_artifact_rate": ("escape_artifact", "contain literal escapes such as <U+1F62D> or &amp;"),
    "replacement_char_rate": ("replacement_char", "contain U+FFFD replacement characters"),
    "markdown_header_share": ("markdown_header", "use Markdown headers"),
    "markdown_list_share": ("markdown_list", "use bulleted or numbered lists"),
    "markdown_bold_share": ("markdown_bold", "use **bold** Markdown"),
    "code_fence_share": ("code_fence", "contain code fences"),
    "emoji_share": ("emoji", "contain emoji"),
    "url_share": ("url", "contain URLs"),
    "mention_share": ("mention", "contain @mentions"),
    "hashtag_share": ("hashtag", "contain #hashtags"),
}
# Degeneration inflates or explains these rows elsewhere in the report (the headline groups them under it).
EXPLAINS = {
    "repeated_lines_rate": ["compression_ratio_rate", "distinct_1_score", "distinct_2_score", "distinct_3_score",
                            "unigram_entropy_score", "bigram_entropy_score", "mattr_score", "self_bleu_rate",
                            "self_repetition_rate", "type_token_ratio", "mean_words", "mean_chars"],
    "repeated_paragraphs_rate": ["compression_ratio_rate", "distinct_2_score", "distinct_3_score", "mean_words"],
    "repeated_ngrams_rate": ["compression_ratio_rate", "distinct_2_score", "distinct_3_score",
                             "bigram_entropy_score", "mattr_score", "type_token_ratio"],
    "end_loop_rate": ["compression_ratio_rate", "distinct_2_score", "distinct_3_score", "mattr_score"],
    "length_cap_rate": ["mean_words", "mean_chars", "mean_sentences"],
    "template_leftover_rate": ["boilerplate_opening_rate", "unigram_jsd_drift", "classifier_auc_drift"],
    "chat_preamble_rate": ["boilerplate_opening_rate", "unigram_jsd_drift", "classifier_auc_drift"],
    "escape_artifact_rate": ["ngram_copy_rate", "near_duplicate_rate"],
}


def phrases_from_options(options: dict):
    """The phrase lists with the user's ``defect_phrases`` file added; a bad file is a ConfigError."""
    from audit.errors import ConfigError

    extra = (options or {}).get("defect_phrases")
    try:
        return phrase_set(extra)
    except FileNotFoundError:
        raise ConfigError(f"defect phrases file {extra}: no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ConfigError(f"defect phrases file {extra}: {str(e).splitlines()[0]}") from None


def counts_of(stats: CorpusStats | None, docs, options: dict) -> DefectCounts:
    """The streamed counts, or (stats from elsewhere, without them) counts over the documents at hand."""
    acc = (stats.extras.get("defects") if stats is not None else None)
    if isinstance(acc, DefectCounts):
        return acc
    acc = DefectCounts(phrases_from_options(options))
    for d in docs:
        acc.add(d)
    return acc


def _flags(acc: DefectCounts, key: str, half: int | None) -> tuple[int, int]:
    """(documents with the defect, documents) over the corpus or one half."""
    halves = (0, 1) if half is None else (half,)
    return sum(acc.counts[key][h] for h in halves), sum(acc.n[h] for h in halves)


def _share(k: int, n: int) -> MetricResult:
    if n == 0:
        return MetricResult(float("nan"), n=0)
    return MetricResult(k / n, ci=wilson_interval(k, n), n=n, details={"flagged": k})


def _pct(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{100 * x:.0f}%" if x >= 0.1 or x == 0 else f"{100 * x:.1f}%"


def _worded(entry, words: str) -> None:
    """Say a flagged row in words, the finding first."""
    if entry.verdict not in ("warn", "fail"):
        return
    if entry.better == "closer" and entry.synth < entry.real:
        lead = f"only {_pct(entry.synth)} of synthetic documents {words}, against {_pct(entry.real)} of real ones"
    else:
        lead = f"{_pct(entry.synth)} of synthetic documents {words}, against {_pct(entry.real)} of real ones"
    entry.reason = f"{lead[0].upper()}{lead[1:]} ({entry.reason})"


def _examples(acc: DefectCounts, key: str) -> list[dict]:
    return [{"id": doc_id, **ex} for _, doc_id, ex in acc.examples[key]]


def _row(name: str, real: DefectCounts, synth: DefectCounts):
    key, words = ROWS[name]
    res = [_share(*_flags(acc, key, half)) for acc, half in ((real, None), (synth, None), (real, 0), (real, 1))]
    details = {}
    if key == "chat":
        details["by_kind"] = {k: {"real": sum(real.counts[k]), "synth": sum(synth.counts[k])}
                              for k in ("preamble", "signoff")}
    if name == "cut_ending_rate":
        details["dangling"] = {"real": sum(real.dangling), "synth": sum(synth.dangling)}
    if name.startswith("repeated_"):
        details["gopher_rules"] = {"real": dict(sorted(real.gopher.items())),
                                   "synth": dict(sorted(synth.gopher.items()))}
    entry = per_corpus_entry(name, *res, details=details)
    _finish(entry, name, words, real, synth)
    return entry


def _finish(entry, name: str, words: str, real: DefectCounts, synth: DefectCounts) -> None:
    entry.scope = "full"
    entry.sampled = False
    entry.support = {"real_documents": real.n_docs, "synth_documents": synth.n_docs}
    _worded(entry, words)
    if entry.verdict in ("warn", "fail") and name in EXPLAINS and entry.better == "lower":
        entry.details["root_cause"] = True
        entry.details["explains"] = list(EXPLAINS[name])


def _length_row(real: DefectCounts, synth: DefectCounts) -> tuple:
    piles = [length_pile_up(h) for h in
             (real.lengths[0] + real.lengths[1], synth.lengths[0] + synth.lengths[1], real.lengths[0],
              real.lengths[1])]
    res = [MetricResult(p["share"], ci=wilson_interval(p["excess"], p["n"]) if p["n"] else None, n=p["n"])
           if p["n"] else MetricResult(float("nan"), n=0) for p in piles]
    entry = per_corpus_entry("length_cap_rate", *res, details={"real": piles[0], "synth": piles[1]})
    _finish(entry, "length_cap_rate", "pile up just below one length (a generation cap)", real, synth)
    if entry.verdict in ("warn", "fail") and piles[1]["cap"]:
        entry.reason += f"; the cap is near {piles[1]['cap']} tokens"
    return entry, piles


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    real = counts_of(ctx.real.stats, ctx.real.docs, ctx.options)
    synth = counts_of(ctx.synth.stats, ctx.synth.docs, ctx.options)
    if real.n_docs == 0 or synth.n_docs == 0:
        return out
    order = list(ROWS)
    order.insert(order.index("cut_ending_rate") + 1, "length_cap_rate")
    section: dict = {"defects": {}, "length": {}}
    for name in order:
        if name == "length_cap_rate":
            entry, piles = _length_row(real, synth)
            section["length"] = {"real": piles[0], "synth": piles[1], "examples": _cap_examples(synth, piles[1])}
        else:
            entry = _row(name, real, synth)
            key = ROWS[name][0]
            section["defects"][name] = {"title": entry.title, "verdict": entry.verdict,
                                        "real": _examples(real, key), "synth": _examples(synth, key)}
        out.entries.append(entry)
    out.sections["defects"] = section
    return out


def _cap_examples(acc: DefectCounts, pile: dict, limit: int = 5) -> list[dict]:
    """Endings of synthetic documents in the pile-up window (one per length, smallest hash first)."""
    if not pile.get("window"):
        return []
    lo, hi = pile["window"]
    items = sorted(e for length, e in acc.length_examples.items() if lo <= length <= hi)
    return [{"id": doc_id, "text": text, "ending": True} for _, doc_id, text in items[:limit]]
