"""The built-in whole-corpus accumulators, streamed over every document of each corpus.

Each entry is ``name -> factory``; the factory makes an object with ``add(doc)`` and
``merge(other) -> new`` (see ``audit.context.STREAM_ACCUMULATORS`` for the contract). Families read them as
``ctx.real.stats.extras[name]`` / ``ctx.synth.stats.extras[name]``. One line per accumulator, imported here
so that the pipeline (and every partition worker) streams them without importing the family runners.
"""
from __future__ import annotations

from typing import Any, Callable


def builtin_accumulators() -> dict[str, Callable[[], Any]]:
    from metrics.defect_stats import DefectCounts
    from metrics.language import LanguageMix

    out: dict[str, Callable[[], Any]] = {}
    out["language"] = LanguageMix  # languages and scripts of every document (audit/families/language.py)
    out["defects"] = DefectCounts  # defect counts and examples (audit/families/defects.py)
    return out
