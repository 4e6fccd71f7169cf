"""Number formatting shared by every renderer (no computation of results here)."""
from __future__ import annotations

FAMILY_ORDER = ("language", "defects", "diversity", "duplication", "drift", "bias", "properties")
FAMILY_TITLES = {
    "language": "Language", "defects": "Defects of generated text",
    "diversity": "Diversity", "duplication": "Duplication & copying", "drift": "Drift & fidelity",
    "bias": "Bias & safety", "properties": "Properties",
}
VERDICT_SYMBOL = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "info": "info", "insufficient": "n/a"}


def num(x, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}"
    ax = abs(x)
    if ax == 0:
        return "0"
    if ax >= 10_000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.1f}"
    if ax < 10 ** -digits:
        return f"{x:.2e}"
    return f"{x:.{digits}f}"


def signed(x) -> str:
    if x is None:
        return "–"
    return ("+" if x > 0 else "") + num(x)


def by_family(metrics):
    groups = {f: [] for f in FAMILY_ORDER}
    for m in metrics:
        groups.setdefault(m.family, []).append(m)
    return [(f, groups[f]) for f in groups if groups[f]]
