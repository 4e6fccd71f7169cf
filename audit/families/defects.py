"""Defects rows: what goes wrong in generated text, counted over every document of both corpora.

The counting happens while the corpora stream (``DefectCounts``, registered in ``audit/streams.py``);
this runner turns the counts into rows. Each row is a share of documents per corpus with a Wilson CI,
scope ``full``; its noise floor comes from the gaps between the halves of seven orthogonal content-hash
splits of the real corpus (also over every document; :func:`metrics.defect_stats.balanced_splits`), each
rescaled from the halves' sizes to the compared corpora's, so the floor is what a real-vs-real comparison of
those sizes gives. A row that flags says in words what it found ("37% of synthetic
documents repeat their own lines"); degeneration rows that flag carry ``details["root_cause"]`` and the
metrics they explain, for the headline.

Options: ``defect_phrases`` (a JSON/TOML file of extra phrases, see ``metrics/defect_phrases.py``).

Section ``defects``: per defect, up to five examples per corpus with the offending part as a span, and the
length histogram's pile-up.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

from audit.compare import per_corpus_entry, with_count_test
from audit.context import AuditContext, CorpusStats
from audit.families import FamilyOutput
from metrics.defect_phrases import phrase_set
from metrics.defect_stats import DefectCounts, balanced_splits, length_pile_up
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
# "name:higher" / "name:lower": only when the synthetic value is above / below the real one (audit.summary):
# repeated text lengthens documents; a cap cuts them, so it explains shorter documents, not longer ones.
_LONGER = ["mean_words:higher", "mean_chars:higher"]
EXPLAINS = {
    "repeated_lines_rate": ["compression_ratio", "distinct_1_score", "distinct_2_score", "distinct_3_score",
                            "unigram_entropy_score", "bigram_entropy_score", "mattr_score", "self_bleu_rate",
                            "self_repetition_rate", "type_token_ratio", *_LONGER],
    "repeated_paragraphs_rate": ["compression_ratio", "distinct_2_score", "distinct_3_score", "mean_words:higher"],
    "repeated_ngrams_rate": ["compression_ratio", "distinct_2_score", "distinct_3_score",
                             "bigram_entropy_score", "mattr_score", "type_token_ratio"],
    "end_loop_rate": ["compression_ratio", "distinct_2_score", "distinct_3_score", "mattr_score", *_LONGER],
    "length_cap_rate": ["mean_words:lower", "mean_chars:lower", "mean_sentences:lower"],
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
        msg = str(e).splitlines()[0].removeprefix(f"{extra}: ")  # the loader may name the file already
        raise ConfigError(f"defect phrases file {extra}: {msg}") from None


def counts_of(stats: CorpusStats | None, docs, options: dict) -> DefectCounts:
    """The streamed counts, or (stats from elsewhere, without them) counts over the documents at hand."""
    acc = (stats.extras.get("defects") if stats is not None else None)
    if isinstance(acc, DefectCounts):
        return acc
    acc = DefectCounts(phrases_from_options(options))
    for d in docs:
        acc.add(d)
    return acc


SPLITS = balanced_splits()


def _flags(acc: DefectCounts, key: str, buckets=None) -> tuple[int, int]:
    """(documents with the defect, documents) over the corpus or the given content-hash buckets."""
    bs = range(len(acc.n)) if buckets is None else buckets
    return sum(acc.counts[key][h] for h in bs), sum(acc.n[h] for h in bs)


def _null_gaps(real: DefectCounts, n_synth: int, share_of) -> tuple[list[float], str]:
    """Real-vs-real gaps of a share: half B minus half A over every balanced split of the real corpus,
    rescaled by ``sqrt((1/n_real + 1/n_synth) / (1/n_A + 1/n_B))`` (a difference of two shares has that
    standard error), so they are sized like the comparison. ``share_of(buckets)`` is the share over those
    buckets, or None when they hold no document."""
    gaps = []
    for a, b in SPLITS:
        va, vb = share_of(a), share_of(b)
        if va is None or vb is None:  # a half with no document
            continue
        na, nb = sum(real.n[h] for h in a), sum(real.n[h] for h in b)
        scale = ((1 / real.n_docs + 1 / n_synth) / (1 / na + 1 / nb)) ** 0.5
        gaps.append((vb - va) * scale)
    half = real.n_docs // 2
    method = (f"{len(SPLITS)} orthogonal half-vs-half splits of the whole real corpus by content hash "
              f"(about {half:,} vs {real.n_docs - half:,} documents), each gap rescaled to the compared sizes "
              f"({real.n_docs:,} vs {n_synth:,})")
    return gaps, method


def _share(k: int, n: int) -> MetricResult:
    if n == 0:
        return MetricResult(float("nan"), n=0)
    return MetricResult(k / n, ci=wilson_interval(k, n), n=n, details={"flagged": k})


def _pct(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{100 * x:.0f}%" if x >= 0.1 or x == 0 else f"{100 * x:.1f}%"


def _worded(entry, words: str) -> str:
    """A flagged row's reason in words, the finding first."""
    if entry.verdict not in ("warn", "fail"):
        return entry.reason
    if entry.better == "closer" and entry.synth < entry.real:
        lead = f"only {_pct(entry.synth)} of synthetic documents {words}, against {_pct(entry.real)} of real ones"
    else:
        lead = f"{_pct(entry.synth)} of synthetic documents {words}, against {_pct(entry.real)} of real ones"
    return f"{lead[0].upper()}{lead[1:]} ({entry.reason})"


def _examples(acc: DefectCounts, key: str) -> list[dict]:
    return [{"id": doc_id, **ex} for _, doc_id, ex in acc.examples[key]]


def _row(name: str, real: DefectCounts, synth: DefectCounts):
    key, words = ROWS[name]
    res = [_share(*_flags(acc, key)) for acc in (real, synth)]

    def share_of(buckets):
        k, n = _flags(real, key, buckets)
        return k / n if n else None

    gaps, method = _null_gaps(real, synth.n_docs, share_of)
    details = {}
    if key == "chat":
        details["by_kind"] = {k: {"real": sum(real.counts[k]), "synth": sum(synth.counts[k])}
                              for k in ("preamble", "signoff")}
    if name == "cut_ending_rate":
        details["dangling"] = {"real": sum(real.dangling), "synth": sum(synth.dangling)}
    if name.startswith("repeated_"):
        details["gopher_rules"] = {"real": dict(sorted(real.gopher.items())),
                                   "synth": dict(sorted(synth.gopher.items()))}
    entry = per_corpus_entry(name, *res, details=details, null_gaps=gaps, noise_method=method, counted=True)
    entry = with_count_test(entry, *_flags(real, key), *_flags(synth, key))
    return _finish(entry, name, words, real, synth)


def _finish(entry, name: str, words: str, real: DefectCounts, synth: DefectCounts, tail: str = ""):
    """The row as the defects family states it (every document counted, the finding in words); a copy."""
    details = entry.details
    if entry.verdict in ("warn", "fail") and name in EXPLAINS and entry.better == "lower":
        details = {**details, "root_cause": True, "explains": list(EXPLAINS[name])}
    return replace(entry, scope="full", sampled=False, details=details, reason=_worded(entry, words) + tail,
                   support={"real_documents": real.n_docs, "synth_documents": synth.n_docs})


def _length_row(real: DefectCounts, synth: DefectCounts) -> tuple:
    def histogram(acc: DefectCounts, buckets=None):
        return sum((acc.lengths[h] for h in (range(len(acc.lengths)) if buckets is None else buckets)), Counter())

    piles = [length_pile_up(histogram(real)), length_pile_up(histogram(synth))]
    res = [MetricResult(p["share"], ci=wilson_interval(p["excess"], p["n"]) if p["n"] else None, n=p["n"])
           if p["n"] else MetricResult(float("nan"), n=0) for p in piles]

    def share_of(buckets):
        p = length_pile_up(histogram(real, buckets))
        return p["share"] if p["n"] else None

    gaps, method = _null_gaps(real, synth.n_docs, share_of)
    entry = per_corpus_entry("length_cap_rate", *res, details={"real": piles[0], "synth": piles[1]},
                             null_gaps=gaps, noise_method=method, counted=True)
    entry = with_count_test(entry, piles[0]["excess"], piles[0]["n"], piles[1]["excess"], piles[1]["n"])
    tail = f"; the cap is near {piles[1]['cap']} tokens" if entry.verdict in ("warn", "fail") and piles[1]["cap"] else ""
    return _finish(entry, "length_cap_rate", "pile up just below one length (a generation cap)", real, synth,
                   tail), piles


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
