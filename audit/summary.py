"""What a reviewer reads first: a 0-100 score per family and overall, a banner in proportion to what was
found, and the findings ranked by importance with root causes first. Computed from the rows alone, so a
saved result re-renders the same summary.

Score
-----
For every check with enough data, ``details.effect`` (set by ``audit.compare``) says how far the gap goes
towards the check's fail threshold: 0 = no gap beyond the real corpus's own noise, 1 = at or past
``fail``. A row scores ``100 * (1 - min(1, effect))``; a family scores the mean of its rows; the overall
score is the mean of the family scores. The range beside each score recomputes it at both ends of every
gap's uncertainty (the noise floor, or the value's CI). Rows without enough data are not scored and are
counted apart.

Findings
--------
Flagged rows, failures before warnings, each group ranked by ``severity x effect x support``: severity 2
for fail, 1 for warn; effect capped at 5 times the fail threshold; support weight
``min(1, sqrt(documents / 200))``. (Ranked by the product alone, a warning far past its threshold on many
documents came before a failure, which read as "the worst problem is a warning".) A flagged row whose metric
declares ``explains`` (registry, or ``details["explains"]``) is a root cause: the flagged rows it explains
are grouped under it (a group is as severe as its worst row), and among rows as severe root causes come
first, a row with ``details["root_cause"]`` (the language family's mismatch, a defect) before the others.
An ``explains`` item ``name:higher`` (``name:lower``) claims that row only when its synthetic value is
above (below) the real one: a generation cap shortens documents, so it does not explain a synthetic corpus
that is longer than the real one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

SCORE_DEFINITION = (
    "0-100, higher is better. Each check with enough data scores 100 minus how far its gap goes towards "
    "its fail threshold (gaps within the real corpus's own noise count as none; at or past the threshold "
    "scores 0). A family's score is the mean of its checks, the overall score the mean of the families. "
    "The range recomputes it at both ends of each gap's noise interval.")
SEVERITY = {"fail": 2.0, "warn": 1.0}
LEVELS = (  # (minimum overall score, level) for audits with at least one flag
    (85.0, "minor"), (60.0, "substantial"), (-1.0, "severe"))


def _effect(m) -> dict | None:
    e = (m.details or {}).get("effect")
    if isinstance(e, dict) and isinstance(e.get("value"), (int, float)):
        return e
    return None


def row_score(m) -> tuple[float, float, float] | None:
    """``(score, low, high)`` of one row, or None when it is not scored (info, insufficient, no effect)."""
    if m.verdict not in ("ok", "warn", "fail"):
        return None
    e = _effect(m)
    if e is None:
        return None

    def s(x):
        return 100.0 * (1.0 - min(1.0, max(0.0, float(x))))

    return s(e["value"]), s(e.get("high", e["value"])), s(e.get("low", e["value"]))


def scores(metrics) -> dict[str, Any]:
    """``{"overall": {...}, "families": {family: {score, low, high, rows}}, "unscored": n, "definition"}``."""
    fams: dict[str, list[tuple[float, float, float]]] = {}
    unscored = 0
    for m in metrics:
        rs = row_score(m)
        if rs is None:
            unscored += m.verdict == "insufficient"
            continue
        fams.setdefault(m.family, []).append(rs)
    out_f = {}
    for fam, rows in fams.items():
        arr = list(zip(*rows))
        out_f[fam] = {"score": round(sum(arr[0]) / len(rows), 1), "low": round(sum(arr[1]) / len(rows), 1),
                      "high": round(sum(arr[2]) / len(rows), 1), "rows": len(rows)}
    if out_f:
        k = len(out_f)
        overall = {key: round(sum(f[key] for f in out_f.values()) / k, 1) for key in ("score", "low", "high")}
    else:
        overall = {"score": None, "low": None, "high": None}
    return {"overall": overall, "families": out_f, "unscored": unscored, "definition": SCORE_DEFINITION}


COPY_BANNER = 0.5  # a failed copy row at or above this share of the synthetic documents leads the banner
_COPY_ROWS = ("exact_copy_rate", "near_copy_rate")


def _copied_share(metrics) -> float | None:
    """The largest share of synthetic documents that are exact or near copies of real ones, when a failed copy
    row reaches :data:`COPY_BANNER`; else ``None``."""
    shares = [m.value for m in metrics if m.name in _COPY_ROWS and m.verdict == "fail"
              and isinstance(m.value, (int, float)) and m.value >= COPY_BANNER]
    return max(shares) if shares else None


def language_root(metrics):
    """The language row when the corpora are in different languages (the language family's failed root cause,
    with its ``mismatch``), else None. ``audit.families.language.mark_not_comparable`` marks the rows it
    explains; the banner then says so first."""
    return next((m for m in metrics if m.name == "language_mix_drift" and m.verdict == "fail"
                 and (m.details or {}).get("root_cause") and isinstance((m.details or {}).get("mismatch"), dict)),
                None)


REJECTED_NOTE = 0.01  # a corpus with at least this share of its records rejected while reading: said in the banner
REJECTED_SERIOUS = 0.10  # ... and at least this share: the banner is at least "substantial"
_ORDER = ("good", "minor", "substantial", "severe")


def _rejections(inputs: dict | None):
    """``(word, rejected records, records, reasons)`` of each corpus whose record count is known."""
    for side, word in (("real", "real"), ("synth", "synthetic")):
        info = (inputs or {}).get(side) or {}
        rejected = info.get("rejected") or {}
        total = info.get("n_records")
        if isinstance(total, int) and total > 0:
            yield word, sum(v for v in rejected.values() if isinstance(v, int)), total, rejected


def rejected_inputs(inputs: dict | None) -> list[str]:
    """One clause per corpus that lost at least :data:`REJECTED_NOTE` of its records while reading (records
    without a usable text, unreadable lines...), e.g. "100 of 200 synthetic records (50%) were rejected while
    reading (missing_field 100)": the audit describes only the rest, which a verdict must not hide."""
    out = []
    for word, lost, total, rejected in _rejections(inputs):
        if lost and lost >= REJECTED_NOTE * total:
            why = ", ".join(f"{k} {v}" for k, v in sorted(rejected.items(), key=lambda kv: -kv[1]))
            out.append(f"{lost:,} of {total:,} {word} records ({lost / total:.0%}) were rejected while reading "
                       f"({why})")
    return out


def rejected_share(inputs: dict | None) -> float:
    """The largest share of a file's records rejected while reading (0 when none, or nothing is known)."""
    return max((lost / total for _, lost, total, _ in _rejections(inputs)), default=0.0)


def banner(metrics, score: dict | None = None, inputs: dict | None = None) -> dict[str, str]:
    """``{"level", "text"}``: the one sentence at the top, in proportion to what was found. ``inputs``: the
    result's inputs (``AuditResult.inputs``): records rejected while reading are said first, and raise the
    level, since every verdict describes only the records that were read."""
    out = _banner(metrics, score or scores(metrics))
    lost = rejected_inputs(inputs)
    if not lost:
        return out
    if out["level"] == "insufficient":
        return {**out, "text": f"{'; '.join(lost)}. {out['text']}"}
    floor = "substantial" if rejected_share(inputs) >= REJECTED_SERIOUS else "minor"
    level = max(out["level"], floor, key=_ORDER.index)
    text = (f"{'; '.join(lost)}: every check below describes only the records that were read (see the inputs "
            f"table). {out['text']}")
    return {"level": level, "text": text}


def _banner(metrics, score: dict) -> dict[str, str]:
    fails = sum(m.verdict == "fail" for m in metrics)
    warns = sum(m.verdict == "warn" for m in metrics)
    judged = sum(m.verdict in ("ok", "warn", "fail") for m in metrics)
    thin = sum(m.verdict == "insufficient" for m in metrics)
    s = score["overall"]["score"]
    shown = "n/a" if s is None else f"{s:.0f}/100"
    also = (f" {thin} check{' has' if thin == 1 else 's have'} too little data for a verdict." if thin else "")
    if judged == 0:  # nothing was judged: "no difference" would be a claim without evidence
        return {"level": "insufficient",
                "text": f"No verdict: no check had enough data ({thin} check{'' if thin == 1 else 's'} too few "
                        f"documents; each row says how many it needs). Add documents to both corpora."}
    if fails + warns == 0:
        text = (f"No difference beyond the real corpus's own noise on any of the {judged} checks with enough "
                f"data (score {shown}).{also}")
        return {"level": "good", "text": text}
    root = language_root(metrics)
    if root is not None:  # a corpus in another language is no stand-in, whatever the comparable checks say
        marked = sum((m.details or {}).get("not_comparable") == root.name for m in metrics)
        text = (f"Not a stand-in: {root.details['mismatch'].get('text', 'the corpora are in different languages')}. "
                f"{marked} word, embedding and lexicon check{' is' if marked == 1 else 's are'} not comparable "
                f"across languages and not scored; of the other checks {fails} failed and {warns} warned of "
                f"{judged} (score {shown}).")
        return {"level": "severe", "text": text + also}
    copied = _copied_share(metrics)
    if copied is not None:  # a copy measures well on every fidelity check: say what it is first
        text = (f"Mostly copies of the real corpus (score {shown}): {copied:.0%} of the synthetic documents "
                f"long enough to compare are copies of real ones, so its other checks measure the real text "
                f"again. {fails} failed and {warns} warned of {judged} checks.")
        return {"level": "severe", "text": text + also}
    level = next(lv for lo, lv in LEVELS if s is None or s >= lo)
    if fails == 0 and level == "severe":
        level = "substantial"
    if level == "minor" and fails:
        # the score averages families, so a failure can sit beside a high score: never "faithful" then
        level = "substantial"
        text = (f"{fails} check{' fails' if fails == 1 else 's fail'} and {warns} warn{'s' if warns == 1 else ''} "
                f"of {judged} (score {shown}; the other {judged - fails - warns} pass): fix the failures listed "
                f"first before training on it.")
    elif level == "minor":
        # "small" is the average's word, not each warning's: a warning can sit just under its fail threshold
        text = (f"Mostly faithful (score {shown}): {warns} of {judged} checks warn and none fails. Read the "
                f"warnings before training.")
    elif level == "substantial":
        text = (f"Substantial differences (score {shown}): {fails} failed and {warns} warned of {judged} checks. "
                f"Fix the causes listed first before training on it.")
    else:
        text = (f"Not a stand-in for the real corpus (score {shown}): {fails} of {judged} checks fail, many far "
                f"past their thresholds.")
    return {"level": level, "text": text + also}


@dataclass
class Finding:
    entry: Any
    rank: float
    explains: list = field(default_factory=list)  # flagged rows this root cause accounts for


def _support_weight(m) -> float:
    docs = [v for k, v in (m.support or {}).items() if k.endswith("documents") and isinstance(v, (int, float))]
    n = min(docs) if docs else m.sample_size
    if not n:
        return 1.0
    return min(1.0, math.sqrt(n / 200.0))


def rank(m) -> float:
    """severity x effect x support (see the module docstring)."""
    e = _effect(m)
    effect = 1.0 if e is None else min(5.0, max(0.05, float(e["value"])))
    return SEVERITY.get(m.verdict, 0.0) * effect * _support_weight(m)


def _explains(m) -> tuple[str, ...]:
    own = (m.details or {}).get("explains")
    if isinstance(own, (list, tuple)):
        return tuple(str(x) for x in own)
    try:
        from metrics.registry import REGISTRY

        spec = REGISTRY.get(m.name)
    except ImportError:  # pragma: no cover - the registry ships with the package
        spec = None
    return tuple(spec.explains) if spec is not None else ()


def _claims(what: tuple[str, ...], x) -> bool:
    """Whether a root cause's ``explains`` items claim row ``x``: by its name or family, or ``name:higher`` /
    ``name:lower`` when its synthetic value is above / below the real one (never without both values)."""
    for item in what:
        name, _, way = item.partition(":")
        if name not in (x.name, x.family):
            continue
        if not way:
            return True
        real, synth = x.real, x.synth
        if isinstance(real, (int, float)) and isinstance(synth, (int, float)) and \
                (synth > real if way == "higher" else synth < real):
            return True
    return False


def findings(metrics) -> list[Finding]:
    """Flagged rows: failures, then warnings; in each, root causes (with the rows they explain) first, then by
    rank."""
    bad = sorted((m for m in metrics if m.verdict in ("fail", "warn")),
                 key=lambda m: (-SEVERITY[m.verdict], -rank(m), m.family, m.name))
    claimed: set[str] = set()
    roots: list[Finding] = []
    for m in bad:  # most important first: a root cause claims the flagged rows it explains
        what = _explains(m)
        if not what or m.name in claimed:
            continue
        under = [x for x in bad if x is not m and x.name not in claimed and _claims(what, x)]
        if under or (m.details or {}).get("root_cause"):
            claimed.update(x.name for x in under)
            claimed.add(m.name)
            roots.append(Finding(m, rank(m), under))
    rest = [Finding(m, rank(m)) for m in bad if m.name not in claimed]

    def order(f: Finding):
        # failures first: a group is as severe as its worst row (a warning that explains a failure leads it);
        # within each, a row that says it is the root cause (a language mismatch, a defect), then the other
        # root causes, then the rest, each by rank
        worst = max(SEVERITY[x.verdict] for x in [f.entry, *f.explains])
        return -worst, not (f.entry.details or {}).get("root_cause")

    return sorted(roots + rest, key=order)  # stable: root causes before the rest, each by rank, in each group


def finding_sentence(f: Finding) -> str:
    m = f.entry
    text = f"{m.title}: {m.reason}"
    if f.explains:
        text += f" (this likely explains {len(f.explains)} more: " + ", ".join(x.title for x in f.explains) + ")"
    return text
