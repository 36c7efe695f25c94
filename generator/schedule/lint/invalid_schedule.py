"""``invalid-schedule``: the API server would reject the schedule (reported by the parser)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from generator.schedule.lint.base import Finding, LintContext, error_finding

ID = "invalid-schedule"
LEVEL: Literal["error", "warning"] = "error"


def check(ctx: LintContext) -> Iterator[Finding]:
    err = ctx.schedule_error
    if err is not None and err.rule == ID:
        yield error_finding(err, ID, "schedule")
