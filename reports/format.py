"""Number formatting shared by every renderer (no computation of results here)."""
from __future__ import annotations

FAMILY_ORDER = ("language", "defects", "diversity", "duplication", "drift", "bias", "properties")
FAMILY_TITLES = {
    "language": "Language", "defects": "Defects of generated text",
    "diversity": "Diversity", "duplication": "Duplication & copying", "drift": "Drift & fidelity",
    "bias": "Bias & safety", "properties": "Properties",
}
VERDICT_SYMBOL = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "info": "info", "insufficient": "insufficient"}


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


def p_text(p) -> str:
    """A p-value as a reader takes it: ``<0.001`` below a thousandth (never ``0``, which a p-value is not),
    else three decimals; ``–`` when there is none."""
    if p is None or isinstance(p, bool) or not isinstance(p, (int, float)) or p != p:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def signed(x) -> str:
    if x is None:
        return "–"
    return ("+" if x > 0 else "") + num(x)


def by_family(metrics):
    groups = {f: [] for f in FAMILY_ORDER}
    for m in metrics:
        groups.setdefault(m.family, []).append(m)
    return [(f, groups[f]) for f in groups if groups[f]]


SUPPORT_LABELS = {"documents": "docs", "gendered_terms": "gendered terms", "rare_types": "rare words",
                  "chunks": "chunks", "groups": "groups", "pairs": "pairs", "ranks_fitted": "ranked words",
                  "share_long_enough": "long enough"}


def _support_num(key: str, v) -> str:
    if v is None:
        return "–"
    if key.startswith("share_"):
        return f"{100 * v:.0f}%"
    return f"{v:,.0f}" if isinstance(v, (int, float)) else str(v)


def support_text(m) -> str:
    """What a row's value rests on, e.g. ``450/450 docs · 12/40 gendered terms`` (real/synthetic)."""
    sup = getattr(m, "support", None) or {}
    keys: list[str] = []
    for k in sup:
        base = k.split("_", 1)[1] if k.startswith(("real_", "synth_")) else k
        if base not in keys:
            keys.append(base)
    if "docs" in keys and "documents" in keys and all(  # the same count under two names: said once
            sup.get(f"{side}docs") == sup.get(f"{side}documents") for side in ("", "real_", "synth_")):
        keys.remove("docs")
    parts = []
    for key in sorted(keys, key=lambda k: (k != "documents", k)):  # same order after a JSON round trip
        label = SUPPORT_LABELS.get(key, key.replace("_", " "))
        if key in sup:
            parts.append(f"{_support_num(key, sup[key])} {label}")
        else:
            parts.append(f"{_support_num(key, sup.get('real_' + key))}/{_support_num(key, sup.get('synth_' + key))} "
                         f"{label}")
    return " · ".join(parts)
