"""Diversity rows: lexical and semantic diversity of each corpus vs the real split-half floor."""
from __future__ import annotations

from audit.compare import per_corpus_entry
from audit.context import AuditContext
from audit.families import FamilyOutput
from metrics.diversity import distinct_n


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    budget = ctx.options.get("token_budget", 20_000)

    def d2(c, salt):
        return distinct_n(c.tokens, n=2, budget=budget, random_state=ctx.rng(salt))

    out.entries.append(per_corpus_entry(
        "distinct_2_score", d2(ctx.real, 1), d2(ctx.synth, 1), d2(ctx.real_a, 1), d2(ctx.real_b, 1)))
    return out
