"""Property rows: lengths and other surface statistics, real vs synthetic."""
from __future__ import annotations

from audit.compare import per_corpus_entry
from audit.context import AuditContext
from audit.families import FamilyOutput
from metrics.properties import mean_words


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    m = [mean_words(c.texts, random_state=ctx.rng(20)) for c in (ctx.real, ctx.synth, ctx.real_a, ctx.real_b)]
    out.entries.append(per_corpus_entry("mean_words", *m))
    return out
