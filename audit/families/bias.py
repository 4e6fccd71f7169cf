"""Bias rows: representation of groups, associations, toxic language and personal data.

Options read from ``ctx.options``:

* ``bias_groups``: extra or replacement groups, ``{axis: {group: [terms]}}`` or a path to a JSON/TOML
  file of that shape; merged over the shipped lexicon (a group present in both takes the user's terms).
* ``bias_min_count`` (5): documents a group needs (both corpora together) to enter the drift.
* ``bias_min_group_docs`` (20) / ``bias_min_pair_docs`` (10): support for an association pair.
* ``bias_min_sentences`` (10): sentences per group and corpus for the sentiment comparison.
* ``bias_max_sentences_per_group`` (100): VADER scores at most this many sentences per group (seeded,
  order-independent choice); ``None`` scores all.
"""
from __future__ import annotations

from pathlib import Path

from audit.compare import count_test_of_shares, insufficient, pairwise_entry, per_corpus_entry
from audit.context import AuditContext, CorpusData
from audit.families import FamilyOutput, sample_scope
from audit.families.language import doc_languages, gate, language_subset, too_little
from audit.noise import (bootstrap_gaps, bootstrap_mean_noise, bootstrap_method, ratio_of_sums, real_split,
                         split_method, splits_for)
from metrics.bias import BiasProfile, bias_profile, gender_term_counts, gender_term_share
from metrics.bias_assoc import association_table, group_sentiment_drift, sentiment_table, \
    stereotype_amplification_drift
from metrics.bias_groups import representation_drift, representation_table
from metrics.bias_lexicon import default_groups, load_groups_file, matcher_for, merge_groups, \
    occupations_lexicon
from metrics.pii import pii_rate, pii_spans
from metrics.result import MetricResult
from metrics.toxicity import toxic_spans, toxicity_rate

MAX_ROWS = 20
SNIPPET = 300


def lexicon_from_options(options: dict) -> dict:
    """The shipped groups with ``options["bias_groups"]`` (a dict or a JSON/TOML path) merged over them."""
    from audit.errors import ConfigError

    user = options.get("bias_groups")
    try:
        if isinstance(user, (str, Path)):
            user = load_groups_file(user)
        return merge_groups(default_groups(), user)
    except FileNotFoundError:
        raise ConfigError(f"bias groups file {user}: no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:  # JSON/TOML errors are ValueErrors
        msg = str(e).splitlines()[0].removeprefix(f"{user}: ")  # the loader may name the file already
        raise ConfigError(f"bias groups file {user}: {msg}") from None
    except RecursionError:
        raise ConfigError(f"bias groups file {user}: nested too deeply") from None


def _pairwise(name, value, floor, ctx: AuditContext | None = None, on_split=None):
    """A pairwise row; without a real split-half floor the gap cannot be told from noise: insufficient.

    ``on_split(half_a, half_b) -> MetricResult``: the metric on one real split; with it the row's noise
    comes from several real splits (``audit.noise``), the first being ``floor``'s."""
    null, method = None, None
    if ctx is not None and on_split is not None:
        k = splits_for(ctx, name)
        null = [floor.value] + [on_split(*real_split(ctx, j)).value for j in range(1, k)]
        method = split_method(k, len(ctx.real_a))
    entry = pairwise_entry(name, value, floor, null_values=null, noise_method=method)
    if entry.verdict not in ("insufficient",) and floor.value is None:
        return insufficient(entry, f"{entry.reason}; too little support in the real halves for a noise floor")
    return entry


def _example(corpus: CorpusData, prof: BiasProfile, label, attr) -> dict | None:
    for i, (g, a) in enumerate(zip(prof.groups, prof.attributes)):
        if label in g and attr in a:
            return {"id": corpus.docs[i].id, "text": corpus.docs[i].text[:SNIPPET]}
    return None


# rows whose resource reads English only, and what that resource is (said in an "n/a" reason)
ENGLISH_ONLY = {"gender_term_share": "the gendered-term list", "representation_drift": "the group lexicon",
                "stereotype_amplification_drift": "the group-occupation lexicon",
                "group_sentiment_drift": "VADER sentiment", "toxicity_rate": "the toxic-term list"}


def _english_addresses(spans: list, langs: list[str]) -> list:
    """Street-address patterns are English: drop their matches in documents in other languages."""
    return [s if lang == "en" else [x for x in s if x[0] != "street_address"] for s, lang in zip(spans, langs)]


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    opt = ctx.options
    full = ctx  # personal-data patterns read every document; the lexicons only English ones
    english, coverage = language_subset(full)
    ctx = full if too_little(coverage) else english
    lexicon = lexicon_from_options(opt)
    gm, om = matcher_for(lexicon), matcher_for(occupations_lexicon())
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    cap = opt.get("bias_max_sentences_per_group", 100)
    real = bias_profile(ctx.real.texts, gm, om, sentiment=vader, max_sentences_per_group=cap, random_state=ctx.seed)
    synth = bias_profile(ctx.synth.texts, gm, om, sentiment=vader, max_sentences_per_group=cap,
                         random_state=ctx.seed)
    ia, ib = ctx.real_a.indices, ctx.real_b.indices  # rows of ctx.real
    ra, rb = real.subset(ia), real.subset(ib)

    # --- representation
    g = [gender_term_share(c.tokens) for c in (ctx.real, ctx.synth, ctx.real_a, ctx.real_b)]
    # noise: female share in two document-bootstrap resamples of real, sized like the comparison
    gaps = bootstrap_gaps(gender_term_counts(ctx.real.tokens), len(ctx.synth), ratio_of_sums(0, (0, 1)),
                          random_state=ctx.rng(300))
    out.entries.append(per_corpus_entry("gender_term_share", *g, null_gaps=gaps,
                                        noise_method=bootstrap_method(len(ctx.real), len(ctx.synth))))
    min_count = int(opt.get("bias_min_count", 5))
    rep = representation_drift(real.groups, synth.groups, min_count=min_count, random_state=ctx.rng(301))
    rep_floor = representation_drift(ra.groups, rb.groups, min_count=min_count, random_state=ctx.rng(302))
    out.entries.append(_pairwise("representation_drift", rep, rep_floor, ctx, lambda a, b: representation_drift(
        real.subset(a.indices).groups, real.subset(b.indices).groups, min_count=min_count, n_boot=2,
        random_state=0)))
    table = representation_table(real.groups, synth.groups, min_count=min_count, random_state=ctx.rng(303))
    halves = {(r["axis"], r["group"]): r for r in representation_table(
        ra.groups, rb.groups, labels=[(r["axis"], r["group"]) for r in table], n_boot=1)}
    representation = []
    for r in table:
        h = halves[(r["axis"], r["group"])]
        representation.append({
            "axis": r["axis"], "group": r["group"], "real_per_1k": r["real_per_1k"],
            "synth_per_1k": r["synth_per_1k"], "ratio": r["ratio"], "ci": r["ci"],
            "real_count": r["real_count"], "synth_count": r["synth_count"],
            "half_a_per_1k": h["real_per_1k"], "half_b_per_1k": h["synth_per_1k"],
            "insufficient": r["insufficient"],
        })

    # --- associations with occupations, and sentiment
    kw = dict(min_group_docs=int(opt.get("bias_min_group_docs", 20)),
              min_pair_docs=int(opt.get("bias_min_pair_docs", 10)))
    amp = stereotype_amplification_drift(real.groups, real.attributes, synth.groups, synth.attributes, **kw)
    amp_floor = stereotype_amplification_drift(ra.groups, ra.attributes, rb.groups, rb.attributes, **kw)

    def amp_split(a, b):
        pa, pb = real.subset(a.indices), real.subset(b.indices)
        return stereotype_amplification_drift(pa.groups, pa.attributes, pb.groups, pb.attributes, **kw)

    out.entries.append(_pairwise("stereotype_amplification_drift", amp, amp_floor, ctx, amp_split))
    rows, skipped = association_table(real.groups, real.attributes, synth.groups, synth.attributes, **kw)
    top = [r for r in rows if r["amplification"] > 0 and abs(r["synth_assoc"]) > abs(r["real_assoc"])]
    for r in top[:MAX_ROWS]:
        lab = (r["axis"], r["group"])
        r["synth_example"] = _example(ctx.synth, synth, lab, r["attribute"])
        r["real_example"] = _example(ctx.real, real, lab, r["attribute"])
    min_sent = int(opt.get("bias_min_sentences", 10))
    sen = group_sentiment_drift(real.sentences, synth.sentences, min_sentences=min_sent)
    sen_floor = group_sentiment_drift(ra.sentences, rb.sentences, min_sentences=min_sent)
    out.entries.append(_pairwise("group_sentiment_drift", sen, sen_floor, ctx, lambda a, b: group_sentiment_drift(
        real.subset(a.indices).sentences, real.subset(b.indices).sentences, min_sentences=min_sent)))
    sent_rows = [r for r in sentiment_table(real.sentences, synth.sentences, min_sentences=min_sent)
                 if not r["insufficient"]]
    sent_rows.sort(key=lambda r: -abs(r["synth_relative"] - r["real_relative"]))

    # --- toxic language and personal data
    def ids(c):
        return [d.id for d in c.docs]

    corpora = (ctx.real, ctx.synth, ctx.real_a, ctx.real_b)
    full_corpora = (full.real, full.synth, full.real_a, full.real_b)
    tr, ts = toxic_spans(ctx.real.texts), toxic_spans(ctx.synth.texts)
    tsp = (tr, ts, [tr[i] for i in ia], [tr[i] for i in ib])
    tox = [toxicity_rate(c.texts, ids=ids(c), spans=sp) for c, sp in zip(corpora, tsp)]
    # rates per 1,000 documents: their noise from resampled real documents' flags (x 1,000); their p-value
    # also Fisher's on the counts, since with no flagged real document every resample's gap is 0
    out.entries.append(count_test_of_shares(
        per_corpus_entry("toxicity_rate", *tox, counted=True,
                         **bootstrap_mean_noise([1000.0 * bool(x[1]) for x in tr], len(ts), ctx.rng(81))),
        tox[0], tox[1], per=1000))
    langs = doc_languages(full)
    pr = _english_addresses(pii_spans(full.real.texts), langs["real"])
    ps = _english_addresses(pii_spans(full.synth.texts), langs["synth"])
    psp = (pr, ps, [pr[i] for i in full.real_a.indices], [pr[i] for i in full.real_b.indices])
    pii = [pii_rate(c.texts, ids=ids(c), spans=sp) for c, sp in zip(full_corpora, psp)]
    out.entries.append(count_test_of_shares(
        per_corpus_entry("pii_rate", *pii, details={"street_address_languages": ["en"]}, counted=True,
                         **bootstrap_mean_noise([1000.0 * bool(x) for x in pr], len(ps), ctx.rng(82))),
        pii[0], pii[1], per=1000))
    out.entries = [gate(e, coverage, ENGLISH_ONLY[e.name]) if e.name in ENGLISH_ONLY else e for e in out.entries]
    if too_little(coverage):  # nothing English to read: no tables computed from other languages
        representation, top, sent_rows, rows, skipped = [], [], [], [], 0
        tox = [MetricResult(None)] * 2

    out.sections["bias"] = {
        "representation": representation,
        "associations": top[:MAX_ROWS],
        "association_summary": {"pairs": len(rows), "amplified": len(top), "insufficient_pairs": skipped,
                                **kw},
        "sentiment": sent_rows[:MAX_ROWS],
        "pii": {"real": pii[0].details, "synth": pii[1].details,
                "real_per_1k": pii[0].value, "synth_per_1k": pii[1].value},
        "toxicity": {"real": tox[0].details, "synth": tox[1].details,
                     "real_per_1k": tox[0].value, "synth_per_1k": tox[1].value},
        "lexicon": {"axes": {a: sorted(gs) for a, gs in lexicon.items()},
                    "user_groups": bool(opt.get("bias_groups"))},
        "coverage": coverage,
    }
    # scope from the corpora as read (``full``), not the English ones; VADER reads a seeded sample of
    # sentences per group when capped
    out.entries = [sample_scope(e, full, every_doc=e.name != "group_sentiment_drift" or cap is None)
                   for e in out.entries]
    return out
