"""Turn metric values into report rows: real vs synthetic, the real corpus's noise, and a verdict.

The rule (same for every metric, thresholds and support minimums from ``metrics.registry``):

* below the metric's minimum support (documents, terms, windows... on either corpus) there is no
  verdict: the row is ``insufficient`` and says which support is missing, in words;
* a gap in the *good* direction is never flagged;
* a gap that is not clearly beyond chance is ``ok``. For a per-corpus metric the gap must exceed the
  **noise floor**: the 95th percentile of ``|gap|`` between two samples of the real corpus alone, from a
  document bootstrap sized like the comparison or from several seeded real half-vs-half splits
  (``audit.noise``); with one split only, twice that split's gap. When both corpora have confidence
  intervals, they must not overlap. For a pairwise metric the value must be worse than the real-vs-real
  value (and than the real-vs-real 95th percentile when several splits were run), its p-value (if any)
  below ``alpha``, and the real-vs-real value outside the value's CI;
* otherwise the size of the gap against the spec's ``warn`` / ``fail`` thresholds decides. For a
  pairwise metric with a CI, the whole CI must be past a threshold: a CI of [0.41, 1.48] against a fail
  threshold of 0.5 is at most a warning. For a per-corpus metric, a fail needs the gap minus the noise
  floor to reach the fail threshold as well; a gap that reaches it only with the noise is a warning.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from audit.result import MetricEntry
from metrics.registry import REGISTRY, SUPPORT_WORDS, MetricSpec
from metrics.result import MetricResult

FLOOR_FACTOR = 2.0  # one split only: the gap must exceed twice that split's gap
FLOOR_QUANTILE = 0.95  # several splits or bootstrap replicates: the gap must exceed this quantile of |gap|
# Kept for callers that import it: the registry's "documents" minimum is the default everywhere.
MIN_DOCS = 20


def _fmt(x: float) -> str:
    if x != 0 and (abs(x) >= 1000 or abs(x) < 0.001):
        return f"{x:.3g}"
    return f"{x:.3f}"


def _spec(name: str) -> MetricSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"metric {name!r} is not in metrics.registry.REGISTRY") from None


def _base(spec: MetricSpec, **kw) -> MetricEntry:
    return MetricEntry(
        family=spec.family, name=spec.name, title=spec.title, description=spec.description,
        better=spec.better, kind=spec.kind, unit=spec.unit, **kw,
    )


# --- support ----------------------------------------------------------------------------------------
def _support_value(res: MetricResult | None, key: str):
    if res is None:
        return None
    if key in res.details and isinstance(res.details[key], (int, float)):
        return res.details[key]
    return res.n if key == "documents" else None


def _shown(key: str, v: float) -> str:
    return f"{100 * v:.0f}%" if key.startswith("share_") else f"{v:,.0f}"


def check_support(spec: MetricSpec, sides: dict[str, MetricResult | None], min_n: int | None = None
                  ) -> tuple[dict, str | None]:
    """``(support, reason)``: the support of each side (``{"real_documents": 450, ...}``) and, when a
    side is below one of the spec's minimums, why, in words (else None)."""
    rules = spec.min_support
    if min_n is not None:
        rules["documents"] = min_n
    support, short = {}, []
    for key, minimum in rules.items():
        for side, res in sides.items():
            v = _support_value(res, key)
            if v is None:
                continue
            support[f"{side}_{key}" if side else key] = v
            if v < minimum:
                who = {"real": "the real corpus", "synth": "the synthetic corpus", "": "the pair"}[side]
                words = SUPPORT_WORDS.get(key, key.replace("_", " "))
                if v == 1 and words.endswith("s") and not key.startswith("share_"):
                    words = words[:-1]  # "1 document", "1 rare word"
                if key.startswith("share_"):
                    short.append(f"only {_shown(key, v)} of {who}'s {words} (needs {_shown(key, minimum)})")
                else:
                    short.append(f"{who} has only {_shown(key, v)} {words} (needs {_shown(key, minimum)})")
    return support, ("too little support: " + "; ".join(short)) if short else None


# --- noise ------------------------------------------------------------------------------------------
def noise_summary(gaps: Sequence[float], method: str) -> dict:
    """The noise floor from real-vs-real gaps (synthetic-minus-real under "same corpus").

    With ``len(gaps) >= 40`` the floor is the empirical 95th percentile of ``|gap|``; with fewer, a
    Student-t bound ``t(0.975, k) * rms(gap)`` (the gaps of a same-corpus comparison centre on 0), so a
    handful of splits widens the floor rather than trusting a lucky small spread.
    """
    g = np.asarray([x for x in gaps if x is not None and math.isfinite(x)], dtype=float)
    k = len(g)
    if k == 0:
        return {"method": method, "replicates": 0, "floor": None}
    if k == 1:
        floor = FLOOR_FACTOR * abs(float(g[0]))
        rule = "twice the one split's gap"
    elif k >= 40:
        floor = float(np.quantile(np.abs(g), FLOOR_QUANTILE))
        rule = "95th percentile of |gap|"
    else:
        from scipy.stats import t

        floor = float(t.ppf(0.975, k) * math.sqrt(float(np.mean(g ** 2))))
        rule = f"t(0.975, {k}) x rms gap"
    return {"method": method, "replicates": k, "rule": rule, "floor": floor,
            "median_gap": float(np.median(np.abs(g))), "max_gap": float(np.max(np.abs(g)))}


def noise_p_value(gaps: Sequence[float] | None, observed: float, two_sided: bool) -> float | None:
    """How often the real corpus alone gives a gap at least ``observed`` (in the bad direction, or either
    way when ``two_sided``): Student-t on the rms of the gaps (which centre on 0), ``k`` degrees of
    freedom; None with fewer than 2 gaps. This p-value joins the audit-wide Benjamini-Hochberg step, so
    ~50 rows each tested at 5% do not add up to a false alarm in most real-vs-real runs."""
    if gaps is None:
        return None
    g = np.asarray([x for x in gaps if x is not None and math.isfinite(x)], dtype=float)
    if len(g) < 2:
        return None
    from scipy.stats import t

    rms = math.sqrt(float(np.mean(g ** 2)))
    if rms == 0:
        return 0.0 if observed > 0 else 1.0
    tail = float(t.sf(observed / rms, len(g)))
    return min(1.0, 2 * tail) if two_sided else tail


_UNSET = object()


def per_corpus_entry(
    name: str,
    real: MetricResult,
    synth: MetricResult,
    half_a: MetricResult | None = None,
    half_b: MetricResult | None = None,
    *,
    details: dict | None = None,
    min_n: int | None = None,
    null_gaps: Sequence[float] | None = None,
    noise_method: str | None = None,
    p_value=_UNSET,
    scope: str | None = None,
    support: dict | None = None,
    counted: bool = False,
) -> MetricEntry:
    """Row for a metric computed on each corpus.

    ``half_a``/``half_b``: the metric on two real halves (one split). ``null_gaps``: many real-vs-real
    gaps (``audit.noise``), which replace the one split's gap when given; ``noise_method`` says how they
    were made. ``min_n`` overrides the registry's minimum number of documents. ``p_value``: the row's
    test (e.g. a KS test of the distributions) instead of the noise p-value; ``scope`` and ``support``
    (merged over the support the spec's minimums read) are stated on the row as given. ``counted``: the
    values are shares of flagged documents whose significance a count test decides (:func:`with_count_test`,
    then the audit-wide correction), so the overlap of the two corpora's intervals is not a reason for "ok":
    two 95% intervals can overlap while the difference is significant (a p-value near 0.01), and for a defect
    that the real corpus never shows (0 of 255 refusals against 10 of 460) that hid a real finding.
    """
    spec = _spec(name)
    r, s = real.value, synth.value
    if null_gaps is None and half_a is not None and half_b is not None and \
            half_a.value is not None and half_b.value is not None:
        null_gaps = [half_b.value - half_a.value]
        noise_method = noise_method or "one split of the real sample into two halves"
    noise = noise_summary(null_gaps, noise_method or "") if null_gaps is not None else None
    floor = None if noise is None else noise["floor"]
    ci = {}
    if real.ci:
        ci["real"] = list(real.ci)
    if synth.ci:
        ci["synth"] = list(synth.ci)
    n = min(x for x in (real.n, synth.n) if x is not None) if (real.n or synth.n) else None
    merged = {"real": real.details, "synth": synth.details} if (real.details or synth.details) else {}
    if details:
        merged.update(details)
    if noise is not None:
        merged["noise"] = noise
    checked, short = check_support(spec, {"real": real, "synth": synth}, min_n)
    row = dict(real=r, synth=s, delta=None if r is None or s is None else s - r, ci=ci, noise_floor=floor,
               sample_size=n, sampled=real.sampled or synth.sampled,
               warnings=sorted(set(real.warnings) | set(synth.warnings)), support={**checked, **(support or {})},
               scope=scope)
    verdict, reason, p, effect = _per_corpus_verdict(spec, real, synth, noise, null_gaps, short, counted)
    if effect is not None:
        merged["effect"] = effect
    return _base(spec, verdict=verdict, reason=reason, details=merged,
                 p_value=p if p_value is _UNSET else p_value, **row)


def _per_corpus_verdict(spec: MetricSpec, real: MetricResult, synth: MetricResult, noise: dict | None,
                        null_gaps, short: str | None,
                        counted: bool = False) -> tuple[str, str, float | None, dict | None]:
    """``(verdict, reason, p_value, effect)`` of a per-corpus row: the rule of the module docstring."""
    r, s = real.value, synth.value
    if r is None or s is None or (isinstance(r, float) and math.isnan(r)):
        return "insufficient", short or "not enough data to compute on both corpora", None, None
    if short:
        return "insufficient", short, None, None
    floor = None if noise is None else noise["floor"]
    gap = s - r
    bad = {"higher": -gap, "lower": gap, "closer": abs(gap)}[spec.better]
    p = noise_p_value(null_gaps, bad, spec.better == "closer") if noise is not None else None  # (None with < 2 gaps)
    size = bad if spec.absolute else bad / max(abs(r), 1e-12)
    shown = f"{size:.3f}" if spec.absolute else f"{100 * size:.0f}%"
    where = {"higher": "lower than", "lower": "higher than", "closer": "away from"}[spec.better]
    scale = (1.0 if spec.absolute else max(abs(r), 1e-12)) * (spec.fail or spec.warn or 1.0)
    fl = floor or 0.0
    effect = _effect(max(0.0, bad) / scale, max(0.0, bad - fl) / scale, (max(0.0, bad) + fl) / scale)
    if bad <= 0:
        return "ok", f"synthetic {_fmt(s)} vs real {_fmt(r)}: no worse than real", p, effect
    if floor is not None and bad <= floor:
        return "ok", f"gap {_fmt(abs(gap))} is within the real corpus's noise floor ({_fmt(floor)})", p, \
            _no_effect(effect)
    if not counted and real.ci and synth.ci and real.ci[0] <= synth.ci[1] and synth.ci[0] <= real.ci[1]:
        return "ok", f"gap {_fmt(abs(gap))}: confidence intervals overlap", p, _no_effect(effect)
    verdict = "ok"
    if spec.fail is not None and size >= spec.fail:
        verdict = "fail"
    elif spec.warn is not None and size >= spec.warn:
        verdict = "warn"
    reason = f"synthetic {_fmt(s)} is {shown} {where} real {_fmt(r)}" + (
        "" if verdict != "ok" else " (beyond noise, below threshold)")
    if verdict == "fail" and fl > 0 and effect["low"] < 1.0:
        # as a pairwise row's whole CI must be past the threshold: a fail needs the gap beyond the noise floor
        # to reach the fail threshold too; a gap that only reaches it with the noise is a warning
        beyond = bad - fl if spec.absolute else (bad - fl) / max(abs(r), 1e-12)
        shown_beyond = f"{beyond:.3f}" if spec.absolute else f"{100 * beyond:.0f}%"
        limit = f"{spec.fail:.3f}" if spec.absolute else f"{100 * spec.fail:.0f}%"
        verdict = "warn"
        reason += (f", past the fail threshold ({limit}), but {shown_beyond} once the real corpus's noise floor "
                   f"({_fmt(fl)}) is taken off, short of it: warn only")
    return verdict, reason, p, effect


def with_count_test(entry, k_real: int, n_real: int, k_synth: int, n_synth: int):
    """Make the row's p-value the larger of the split-noise test's and Fisher's exact test on the counts
    (one-sided in the bad direction; two-sided for a "closer" row). The split test alone is blind when the
    real corpus has (almost) no flagged document: its gaps are all 0, so one flagged synthetic document out
    of hundreds would read as p = 0. Fisher's test sees the counts; the split test sees a real corpus more
    varied than independent documents would make it. A row is significant only when both say so.
    Returns the row with that p-value (a copy). Used by the rows that count flagged documents: defects,
    toxic language, personal data, duplicates (:func:`count_test_of_shares`)."""
    if entry.verdict == "insufficient" or not n_real or not n_synth:
        return entry
    if k_real == 0 and k_synth == 0:  # nothing flagged on either side: nothing to test (and no q-value diluted)
        return replace(entry, p_value=None)
    from scipy.stats import fisher_exact

    alternative = {"lower": "greater", "higher": "less", "closer": "two-sided"}[entry.better]
    table = [[k_synth, n_synth - k_synth], [k_real, n_real - k_real]]
    p = float(fisher_exact(table, alternative=alternative).pvalue)
    return replace(entry, p_value=p if entry.p_value is None else max(float(entry.p_value), p))


def count_test_of_shares(entry, real: MetricResult, synth: MetricResult, per: float = 1.0):
    """:func:`with_count_test` for a row whose values are shares of documents (per ``per`` documents: 1000
    for a rate per 1,000), the counts recovered as ``round(value / per * n)``."""
    if real.value is None or synth.value is None or not real.n or not synth.n or \
            not (math.isfinite(real.value) and math.isfinite(synth.value)):
        return entry
    k_real, k_synth = (int(round(x.value / per * x.n)) for x in (real, synth))
    return with_count_test(entry, k_real, int(real.n), k_synth, int(synth.n))


def _no_effect(effect: dict | None) -> dict | None:
    """The effect of a gap that chance explains: none (its range keeps the gap)."""
    return None if effect is None else {**effect, "value": 0.0, "low": 0.0}


def lift(entry: MetricEntry, why: str) -> MetricEntry:
    """A copy of a warn/fail row whose test is not significant after multiple-testing correction: ``ok``,
    its effect counted as none, and the reason says why."""
    details = dict(entry.details)
    if isinstance(details.get("effect"), dict):
        details["effect"] = _no_effect(details["effect"])
    return replace(entry, verdict="ok", reason=f"{entry.reason}; {why}", details=details)


def insufficient(entry: MetricEntry, reason: str, *, clear: bool = False, **changes) -> MetricEntry:
    """A copy of ``entry`` without a verdict (``insufficient``, ``reason`` in words); ``clear`` also drops
    its values, CIs and p-values (they describe too few documents to show)."""
    if clear:
        changes.update(real=None, synth=None, value=None, delta=None, noise_floor=None, p_value=None,
                       p_adjusted=None, ci={})
    return replace(entry, verdict="insufficient", reason=reason, **changes)


def _effect(value: float, low: float, high: float) -> dict:
    """How far a gap goes towards the fail threshold (1 = at it), with a range from the noise or CI."""
    return {"value": float(value), "low": float(min(low, value)), "high": float(max(high, value))}


def _pairwise_effect(spec: MetricSpec, sign: float, judged: float, ci, bias: float, floor) -> dict | None:
    base = spec.ideal if spec.ideal is not None else floor
    limit = spec.fail if spec.fail is not None else spec.warn
    if base is None or limit is None or sign * (limit - base) <= 0:
        return None
    span = sign * (limit - base)

    def e(x):
        return max(0.0, sign * (x - base)) / span

    lo, hi = (e(judged), e(judged)) if not ci else sorted((e(ci[0] - sign * bias), e(ci[1] - sign * bias)))
    return _effect(e(judged), lo, hi)


def _level(spec: MetricSpec, sign: float, x: float) -> str:
    if spec.fail is not None and sign * (x - spec.fail) >= 0:
        return "fail"
    if spec.warn is not None and sign * (x - spec.warn) >= 0:
        return "warn"
    return "ok"


def pairwise_entry(
    name: str,
    value: MetricResult,
    baseline: MetricResult | None = None,
    *,
    details: dict | None = None,
    min_n: int | None = None,
    alpha: float = 0.05,
    null_values: Sequence[float] | None = None,
    noise_method: str | None = None,
    scope: str | None = None,
    support: dict | None = None,
) -> MetricEntry:
    """Row for a two-corpus metric. ``baseline``: the same metric on (real half A, real half B).

    ``null_values``: the metric on several real-vs-real splits (``baseline`` among them); their mean is
    the real-vs-real value and the value must also be worse than their 95th percentile. ``scope`` and
    ``support`` as for :func:`per_corpus_entry`.
    """
    spec = _spec(name)
    v = value.value
    merged = dict(value.details)
    if details:
        merged.update(details)
    floor = None if baseline is None else baseline.value
    null = nv = None
    if null_values is not None:
        nv = np.asarray([x for x in null_values if x is not None and math.isfinite(x)], dtype=float)
        if len(nv):
            floor = float(nv.mean())
            q = FLOOR_QUANTILE if spec.better == "lower" else 1 - FLOOR_QUANTILE
            null = float(np.quantile(nv, q)) if len(nv) >= 5 else None
            merged["noise"] = {"method": noise_method or "", "replicates": int(len(nv)), "mean": floor,
                               "quantile_95": null, "min": float(nv.min()), "max": float(nv.max())}
    checked, short = check_support(spec, {"": value}, min_n)
    verdict, reason, p, effect = _pairwise_verdict(spec, value, floor, null, nv, short, alpha)
    if effect is not None:
        merged["effect"] = effect
    return _base(
        spec, verdict=verdict, reason=reason, value=v, ci={"value": list(value.ci)} if value.ci else {},
        noise_floor=floor, p_value=p, sample_size=value.n, sampled=value.sampled, details=merged,
        warnings=list(value.warnings), support={**checked, **(support or {})}, scope=scope,
    )


def _pairwise_verdict(spec: MetricSpec, value: MetricResult, floor: float | None, null: float | None,
                      nv: np.ndarray | None, short: str | None, alpha: float
                      ) -> tuple[str, str, float | None, dict | None]:
    """``(verdict, reason, p_value, effect)`` of a pairwise row: the rule of the module docstring."""
    v, p = value.value, value.p_value
    if v is None:
        return "insufficient", short or "not enough data to compute", p, None
    if short:
        return "insufficient", short, p, None
    sign = 1.0 if spec.better == "lower" else -1.0
    if spec.better == "closer":
        raise ValueError("pairwise metrics must be 'lower' or 'higher' is better")
    # With a known ideal, the real-vs-real value estimates what chance alone gives at this sample size:
    # judge the excess over it, so a small-sample bias (a JSD of 0.3 between two halves of 75 short
    # documents) is not read as drift.
    # A real-vs-real value *better* than the ideal (a CV AUC of 0.39) is noise, not a bias to remove.
    bias = 0.0 if spec.ideal is None or floor is None else max(0.0, sign * (floor - spec.ideal))
    judged = v - sign * bias
    effect = _pairwise_effect(spec, sign, judged, value.ci, bias, floor)
    if floor is not None and sign * (v - floor) <= 0:
        return "ok", f"{_fmt(v)} is no worse than real-vs-real ({_fmt(floor)})", p, _no_effect(effect)
    if null is not None and sign * (v - null) <= 0:
        return "ok", (f"{_fmt(v)} is within what real-vs-real splits give (95% of {len(nv)} splits reach "
                      f"{_fmt(null)})"), p, _no_effect(effect)
    if p is None and nv is not None and len(nv):  # (None with fewer than two values)
        p = noise_p_value(list(nv - nv.mean()), sign * (v - nv.mean()), False)
    if value.p_value is not None and value.p_value >= alpha:
        return "ok", f"{_fmt(v)}, not significant (p = {_fmt(value.p_value)})", p, _no_effect(effect)
    if value.ci and floor is not None and value.ci[0] <= floor <= value.ci[1]:
        return "ok", (f"{_fmt(v)}: its 95% CI [{_fmt(value.ci[0])}, {_fmt(value.ci[1])}] contains the "
                      f"real-vs-real value {_fmt(floor)}"), p, _no_effect(effect)
    verdict = _level(spec, sign, judged)
    extra = f" vs real-vs-real {_fmt(floor)}" if floor is not None else ""
    if judged != v:
        extra += f" (chance-corrected {_fmt(judged)})"
    limit = spec.fail if verdict == "fail" else spec.warn
    reason = f"{_fmt(v)}{extra}" + (
        f", past the {verdict} threshold {_fmt(limit)}" if verdict != "ok" else ", below thresholds")
    if value.ci and verdict != "ok":
        # the README's rule: the whole interval must be past the threshold, not just the point
        near = value.ci[0] if sign > 0 else value.ci[1]  # the CI end on the good side
        capped = _level(spec, sign, near - sign * bias)
        if capped != verdict:
            # the end is judged chance-corrected, as the value is: say so, or "reaches 0.202" reads as past 0.200
            at = _fmt(near) + (f" (chance-corrected {_fmt(near - sign * bias)})" if bias else "")
            reason = (f"{_fmt(v)}{extra}, past the {verdict} threshold {_fmt(limit)}, but its 95% CI "
                      f"[{_fmt(value.ci[0])}, {_fmt(value.ci[1])}] reaches {at}: "
                      + (f"{capped} only" if capped != "ok" else "not conclusive"))
            verdict = capped
    return verdict, reason, p, effect


def info_entry(name: str, value: MetricResult | None = None, *, real=None, synth=None, reason: str = "",
               details: dict | None = None) -> MetricEntry:
    """A row shown for information only (never flags), e.g. a descriptive statistic."""
    spec = _spec(name)
    return _base(
        spec, verdict="info", reason=reason, value=None if value is None else value.value,
        real=None if real is None else real.value, synth=None if synth is None else synth.value,
        details=details or {},
    )
