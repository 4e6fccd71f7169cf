"""Drift rows: how the synthetic corpus differs from the real one."""
from __future__ import annotations

from audit.compare import pairwise_entry
from audit.context import AuditContext
from audit.families import FamilyOutput
from metrics.drift import classifier_auc


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    auc = classifier_auc(ctx.real.embeddings, ctx.synth.embeddings, random_state=ctx.rng(10))
    base = classifier_auc(ctx.real_a.embeddings, ctx.real_b.embeddings, random_state=ctx.rng(10))
    out.entries.append(pairwise_entry("classifier_auc_drift", auc, base, min_n=20))
    return out
