"""One runner per metric family: ``run(ctx) -> FamilyOutput``.

A runner calls the pure functions of ``metrics/`` on the context's corpora (and on the two real halves,
for the noise floor) and turns them into report rows with ``audit.compare``. Evidence that is not a row
(examples, clusters, charts' data) goes into ``sections``, keyed by a name unique to the family.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audit.result import MetricEntry


@dataclass
class FamilyOutput:
    entries: list[MetricEntry] = field(default_factory=list)
    sections: dict[str, Any] = field(default_factory=dict)


def runners():
    """Family name -> runner, in report order (imported lazily: each may pull heavy libraries)."""
    from audit.families import bias, diversity, drift, duplication, properties

    return {
        "diversity": diversity.run,
        "duplication": duplication.run,
        "drift": drift.run,
        "bias": bias.run,
        "properties": properties.run,
    }
