"""Duplication rows: exact (whole stream), near and semantic duplicates, and copying real -> synthetic."""
from __future__ import annotations

from audit.compare import per_corpus_entry
from audit.context import AuditContext, CorpusStats
from audit.families import FamilyOutput
from metrics.duplication import exact_duplicate_rate


def _largest_groups(stats: CorpusStats, limit: int = 5) -> list[dict]:
    top = [(h, c) for h, c in stats.hash_counts.most_common(limit) if c > 1]
    return [{"count": c, "id": stats.hash_first[h][0], "text": stats.hash_first[h][1]} for h, c in top]


def run(ctx: AuditContext) -> FamilyOutput:
    out = FamilyOutput()
    rs, ss = ctx.real.stats, ctx.synth.stats
    if rs is not None and ss is not None:
        # whole-stream counts: the noise floor of a rate over every document is not a sampling question
        out.entries.append(per_corpus_entry(
            "exact_duplicate_rate", exact_duplicate_rate(rs.hash_counts), exact_duplicate_rate(ss.hash_counts),
            details={"groups": {"real": _largest_groups(rs), "synth": _largest_groups(ss)}}))
    return out
