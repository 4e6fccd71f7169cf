"""``audit init``: a starter gate config whose thresholds come from the real corpus's own noise.

The real corpus is read, sampled and embedded once. For each of ``seeds`` seeds it is cut into two
disjoint random halves and every metric family runs on half A (as "real") vs half B (as "synthetic"),
exactly as ``audit compare`` would. That shows how far a metric moves when nothing is wrong.

Thresholds (``suggest_checks``), with ``safety`` = 1.5:

* per-corpus metric, gaps ``g = B - A`` over the seeds: ``spread = max(max |g|, 3 * rms(g))``,
  margin ``M = safety * spread``; the check is ``synth >= real - M`` (higher is better),
  ``synth <= real + M`` (lower is better) or ``|synth - real| <= M`` (should match real).
* pairwise metric, values ``v`` (A vs B) over the seeds: ``spread = max(max |v - mean|, 3 * sd(v))``;
  the check is ``value <= mean + safety * spread`` (lower is better) or ``>= mean - safety * spread``.
* unless ``noise_only``, the registry's ``fail`` tolerance widens a threshold that would be tighter
  than it, so the gate fails only where the gap is both past that tolerance and beyond noise. (``audit
  compare`` is stricter for a per-corpus "fail": the gap minus the noise floor must reach the tolerance;
  between the two, the gate fails and the report says "warn only".)
* a metric that did not move at all (e.g. 0 duplicates in every half) gets a margin of one document's
  worth (``1 / half size``) instead of 0.

A check is only written when it can fail: a threshold at or beyond the metric's range (registry
``value_range``; a share cannot move by more than 1) is skipped, and so is one where the real corpus's
own noise alone is more than ``NOISE_LIMIT`` times the registry's fail tolerance (the check would only
catch what is already absurd). Skipped metrics are listed in the config as comments, with the reason.

Speed: inside each calibration split the families run without their own noise floor where it is the
costly part (diversity, drift: ``AuditContext.noise_floor``) and with ``noise_splits=1`` elsewhere (the
splits *are* the noise measurement and no row's floor is read).

Halves are half the size of the corpus compared in ``audit compare``, so their noise is about √2 larger:
the thresholds err on the side of not flagging real data.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

SAFETY = 1.5
NOISE_LIMIT = 2.0


@dataclass
class MetricSamples:
    name: str
    kind: str
    better: str
    real: list[float] = field(default_factory=list)
    synth: list[float] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)


@dataclass
class Calibration:
    seeds: int
    half_size: int
    metrics: dict[str, MetricSamples]


def _f(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


class HalfStats:
    """Whole-corpus statistics of any subset of ``docs``, each document's per-document work done once.

    Every split of :func:`calibrate` needs the statistics of its two halves (``CorpusStats``: counts, the
    streamed accumulators such as language and defect counts, the duplicate index). The accumulators are
    the costly part (language identification, defect scans: a few ms a document) and are mergeable and
    order-free, so each document's are computed once and a half merges those of its documents in order:
    the same statistics as adding the half's documents one by one, at a fraction of the cost over
    several splits. Counts and the index (batched fingerprints) are built per half as before.
    """

    def __init__(self, docs, options: dict):
        from audit.context import CorpusStats
        from metrics.fingerprint import params_from_options

        self.docs, self.options = docs, dict(options)
        self.params = params_from_options(self.options)
        self._new = lambda **kw: CorpusStats(params=self.params, **kw)
        self._extras: list[dict | None] = [None] * len(docs)

    BATCH = 1024

    def _fill(self, rows) -> None:
        """Each document's own accumulators, for the rows not done yet, a batch at a time: an accumulator
        with ``add_each(accumulators, docs)`` labels the batch together (language identification walks its
        automaton over all the texts at once), the others add one document each. The labels go to
        ``doc.metadata`` as :meth:`CorpusStats.add` puts them."""
        todo = [i for i in dict.fromkeys(int(i) for i in rows) if self._extras[i] is None]
        for s in range(0, len(todo), self.BATCH):
            chunk = todo[s:s + self.BATCH]
            docs = [self.docs[i] for i in chunk]
            extras = [self._new(keep_text=False).configure(self.options).extras for _ in chunk]
            for name in extras[0]:
                accs = [e[name] for e in extras]
                each = getattr(accs[0], "add_each", None)
                notes = each(accs, docs) if each is not None else [a.add(d) for a, d in zip(accs, docs)]
                for doc, note in zip(docs, notes):
                    if note:
                        doc.metadata.update(note)
            for i, e in zip(chunk, extras):
                self._extras[i] = e

    @cached_property
    def _prints(self):
        """Every document's fingerprints, computed once (``fingerprint_batch`` is per document: a batch's
        rows do not depend on the other documents in it)."""
        from metrics.fingerprint import BatchPrints, fingerprint_batch

        texts = [d.text for d in self.docs]
        return BatchPrints.concat([fingerprint_batch(texts[s:s + self.BATCH], self.params)
                                   for s in range(0, max(1, len(texts)), self.BATCH)])

    def of(self, rows) -> "CorpusStats":
        rows = [int(i) for i in rows]
        stats = self._new(extras={})
        if rows:  # counts and the index, from the fingerprints computed once; no accumulators yet
            stats.add_fingerprinted([self.docs[i] for i in rows], self._prints.take(rows))
        self._fill(rows)
        merged: dict = {}
        for i in rows:
            for name, acc in self._extras[i].items():
                merged[name] = acc if name not in merged else merged[name].merge(acc)
        if not len(rows):
            merged = self._new().configure(self.options).extras
        stats.extras = merged
        return stats


def calibrate(real_docs, real_emb: np.ndarray, *, seeds: int = 5, seed: int = 0, families=None,
              half_size: int | None = None, progress=None, noise_floor: bool = False,
              workers: int = 1) -> Calibration:
    """Run the metric families on ``seeds`` random half-vs-half splits of the real corpus.

    ``noise_floor``: also compute each row's own noise floor inside a split (on quarters of the corpus).
    Calibration never reads it (the splits are the noise measurement), so it is off; the samples are the
    same either way (tested), only the cost differs. ``workers``: CPUs for each split's families (threads,
    and for large halves one worker process kept for every split; ``run_context``); the samples are the
    same for any number.
    """
    from audit import family_worker
    from audit.context import CorpusData, context_of
    from audit.pipeline import FAMILIES, Progress, run_context
    from audit.sampling import content_order

    progress = progress or Progress()
    families = tuple(families or FAMILIES)
    n = len(real_docs)
    half = n // 2 if half_size is None else min(n // 2, half_size)
    if half < 20:
        raise ValueError(f"the real corpus needs at least 40 documents to calibrate (got {n})")
    out: dict[str, MetricSamples] = {}
    options = {"noise_splits": 1}
    halves = HalfStats(real_docs, options)
    # every split is two subsets of one corpus: each document's tokens, token ids and properties are
    # computed once for all the splits (views, as the real halves of a compare share the real corpus's)
    corpus = CorpusData("real", list(real_docs), np.asarray(real_emb, dtype=np.float32), n)
    # one worker process for the families that run in one, kept for every split (its imports paid once)
    group = family_worker.wanted(families, half, workers)
    with family_worker.shut_down_after(family_worker.prestart() if group else {}) as pools:
        for s in range(seeds):
            perm = content_order(real_docs, [seed, 7919, s])  # by content: a shuffled file calibrates the same
            a, b = np.sort(perm[:half]), np.sort(perm[half:2 * half])
            real, synth = corpus.subset(a, "real"), corpus.subset(b, "synth")
            real.stats, synth.stats = halves.of(a), halves.of(b)
            ctx = context_of(real, synth, seed=seed + s, options=options, noise_floor=noise_floor, sections=False)
            progress.note(f"Calibration split {s + 1}/{seeds}: {half} vs {half} real documents")
            entries, _ = run_context(ctx, families, progress, workers=workers, pools=pools)
            for e in entries:
                m = out.setdefault(e.name, MetricSamples(e.name, e.kind, e.better))
                m.verdicts.append(e.verdict)
                if e.verdict in ("info", "insufficient"):
                    continue
                if e.kind == "pairwise":
                    if _f(e.value) is not None:
                        m.value.append(_f(e.value))
                elif _f(e.real) is not None and _f(e.synth) is not None:
                    m.real.append(_f(e.real))
                    m.synth.append(_f(e.synth))
    return Calibration(seeds=seeds, half_size=half, metrics=out)


def _round(x: float, up: bool) -> float:
    """Four significant digits, rounded away from flagging (up for upper bounds, down for lower)."""
    if x == 0 or not math.isfinite(x):
        return x
    step = 10 ** (math.floor(math.log10(abs(x))) - 3)
    q = x / step  # the 1e-6 keeps float noise (0.045000000001) from adding a step
    return float(f"{(math.ceil(q - 1e-6) if up else math.floor(q + 1e-6)) * step:.6g}")


def _g(x: float) -> str:
    return f"{x:.4g}"


def suggest_checks(cal: Calibration, registry=None, *, safety: float = SAFETY, noise_only: bool = False
                   ) -> list[dict[str, Any]]:
    """One check per calibrated metric: {metric, op, threshold, on, family, comment}."""
    if registry is None:
        from metrics.registry import REGISTRY as registry
    out = []
    for name, m in cal.metrics.items():
        spec = registry.get(name)
        if spec is None:
            continue
        one_doc = 1.0 / cal.half_size
        if m.kind == "pairwise":
            v = np.asarray(m.value, dtype=float)
            if len(v) < 2 or m.better not in ("higher", "lower"):
                continue
            mu, sd = float(v.mean()), float(v.std(ddof=1))
            spread = max(float(np.max(np.abs(v - mu))), 3 * sd)
            margin = safety * spread if spread > 0 else one_doc
            up = m.better == "lower"
            sign = "+" if up else "-"
            how = (f"mean {sign} {safety} × max(max dev, 3 sd)" if spread > 0
                   else f"no spread seen: mean {sign} 1/half size")
            t = mu + margin if up else mu - margin
            noise_t = t
            note = ""
            if not noise_only and spec.fail is not None and ((up and spec.fail > t) or (not up and spec.fail < t)):
                t, note = spec.fail, f"; registry fail {_g(spec.fail)} is looser -> used"
            t = _round(t, up)
            comment = (f"real-vs-real over {cal.seeds} seeds: {_g(mu)} ± {_g(sd)} (range {_g(v.min())}..{_g(v.max())}); "
                       f"noise threshold = {how.replace('mean', _g(mu))} = {_g(noise_t)}{note}")
            lo, hi = spec.value_range
            skip = None
            if up and hi is not None and t >= hi or not up and lo is not None and t <= lo:
                skip = (f"threshold {_g(t)} is at or beyond the metric's {'highest' if up else 'lowest'} possible "
                        f"value ({_g(hi if up else lo)}): the check could never fail")
            elif spec.fail is not None:
                tol = abs(spec.fail - (spec.ideal if spec.ideal is not None else mu))
                if tol > 0 and abs(noise_t - mu) > NOISE_LIMIT * tol:
                    skip = (f"the real corpus's own noise reaches {_g(noise_t)}, more than {NOISE_LIMIT:g} times the "
                            f"fail tolerance ({_g(tol)}) away: too noisy for a useful check (a larger real sample helps)")
            out.append({"metric": name, "family": spec.family, "op": "<=" if up else ">=", "threshold": t,
                        "on": None, "comment": comment, **({"skip": skip} if skip else {})})
            continue
        r, s = np.asarray(m.real, dtype=float), np.asarray(m.synth, dtype=float)
        if len(r) < 2:
            continue
        g = s - r
        rms = float(np.sqrt(np.mean(g ** 2)))
        spread = max(float(np.max(np.abs(g))), 3 * rms)
        margin = safety * spread if spread > 0 else one_doc
        how = f"{safety} × max(max |gap|, 3 rms)" if spread > 0 else "no spread seen: 1/half size"
        noise_margin = margin
        note = ""
        if not noise_only and spec.fail is not None:
            reg = spec.fail if spec.absolute else spec.fail * abs(float(r.mean()))
            if reg > margin:
                margin = reg
                note = (f"; registry fail {'' if spec.absolute else f'{spec.fail:.0%} of real = '}{_g(reg)} is "
                        "looser -> used")
        margin = _round(margin, True)
        comment = (f"real-vs-real over {cal.seeds} seeds: gap {_g(float(g.mean()))} ± {_g(float(g.std(ddof=1)))} "
                   f"(max |gap| {_g(float(np.max(np.abs(g))))}); noise margin = {how} = {_g(noise_margin)}{note}")
        skip = _per_corpus_skip(spec, m.better, float(r.mean()), margin, noise_margin)
        extra = {"skip": skip} if skip else {}
        if m.better == "closer":
            out.append({"metric": name, "family": spec.family, "op": "<=", "threshold": margin, "on": "abs_delta",
                        "comment": comment, **extra})
        else:
            up = m.better == "lower"
            out.append({"metric": name, "family": spec.family, "op": "<=" if up else ">=",
                        "threshold": f"real {'+' if up else '-'} {_g(margin)}", "on": None, "comment": comment,
                        **extra})
    return out


def _per_corpus_skip(spec, better: str, real: float, margin: float, noise_margin: float) -> str | None:
    """Why a per-corpus check could not usefully fail, or None."""
    lo, hi = spec.value_range
    if better == "closer" and lo is not None and hi is not None and margin >= hi - lo:
        return (f"a change of up to {_g(margin)} is allowed, but the metric only spans {_g(lo)}..{_g(hi)}: "
                "the check could never fail")
    if better == "higher" and lo is not None and real - margin <= lo:
        return (f"real {_g(real)} - {_g(margin)} is at or below the lowest possible value ({_g(lo)}): "
                "the check could never fail")
    if better == "lower" and hi is not None and real + margin >= hi:
        return (f"real {_g(real)} + {_g(margin)} is at or above the highest possible value ({_g(hi)}): "
                "the check could never fail")
    if spec.fail is not None:
        tol = spec.fail if spec.absolute else spec.fail * abs(real)
        if tol > 0 and noise_margin > NOISE_LIMIT * tol:
            return (f"the real corpus's own noise ({_g(noise_margin)}) is more than {NOISE_LIMIT:g} times the fail "
                    f"tolerance ({_g(tol)}): too noisy for a useful check (a larger real sample helps)")
    return None


def _toml_value(v) -> str:
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(float(v))


def render_config(checks: list[dict[str, Any]], cal: Calibration, *, header: dict[str, Any],
                  min_docs: int = 50) -> str:
    """The starter ``audit.toml`` text: one commented ``[[check]]`` per metric, grouped by family."""
    from reports.format import FAMILY_ORDER

    lines = [
        "# corpus-audit gate config, written by `audit init` (edit freely; see examples/audit.toml).",
        f"# Calibrated on the real corpus {header.get('real', '?')}"
        f" ({header.get('n_documents', '?')} documents, sha256 {str(header.get('sha256', ''))[:12]}),",
        f"# {cal.seeds} random half-vs-half splits of {cal.half_size} vs {cal.half_size} documents, "
        f"embedder {header.get('embedder', '?')}.",
        "# Thresholds sit beyond the spread seen between halves of the real corpus, so real data passes;",
        "# tighten them once you know what your synthetic data should achieve.",
        "",
        f"min_docs = {int(min_docs)}   # fewer documents than this: the check reports 'insufficient data'",
        'fail_on = ["fail"]   # add "warn" / "insufficient" to make those fail the run too',
    ]
    by_fam: dict[str, list[dict]] = {}
    for c in checks:
        by_fam.setdefault(c["family"], []).append(c)
    for fam in [*FAMILY_ORDER, *sorted(set(by_fam) - set(FAMILY_ORDER))]:
        if fam not in by_fam:
            continue
        lines += ["", f"# --- {fam} " + "-" * max(0, 60 - len(fam))]
        for c in by_fam[fam]:
            if c.get("skip"):
                lines += ["", f"# no check for {c['metric']}: {c['skip']}", f"# ({c['comment']})"]
                continue
            lines += ["", f"# {c['comment']}", "[[check]]", f"metric = {_toml_value(c['metric'])}"]
            if c.get("on"):
                lines.append(f"on = {_toml_value(c['on'])}")
            lines += [f"op = {_toml_value(c['op'])}", f"threshold = {_toml_value(c['threshold'])}",
                      'severity = "fail"']
    return "\n".join(lines) + "\n"
