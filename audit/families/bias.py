"""Bias rows: representation of groups, associations, toxic language and personal data."""
from __future__ import annotations

from audit.compare import per_corpus_entry
from audit.context import AuditContext
from audit.families import FamilyOutput
from metrics.bias import gender_term_share


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    g = [gender_term_share(c.tokens) for c in (ctx.real, ctx.synth, ctx.real_a, ctx.real_b)]
    out.entries.append(per_corpus_entry("gender_term_share", *g, min_n=20))
    return out
