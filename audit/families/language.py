"""Language rows (to be filled in): see the issue tracker."""
from __future__ import annotations

from audit.context import AuditContext
from audit.families import FamilyOutput


def run(ctx: AuditContext) -> FamilyOutput:
    return FamilyOutput()
