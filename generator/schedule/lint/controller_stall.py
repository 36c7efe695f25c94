"""``controller-stall``: the CronJob controller stops scheduling the CronJob for good at a clock change.

robfig/cron's ``Next`` (what the controller runs) can return the instant it was given when the clocks go back
across the run (``45 3 * * *`` in Pacific/Chatham): the controller then reports InvalidSchedule and never creates
another Job unless something wakes it after ``startingDeadlineSeconds``. Unlike a long gap this is not a matter of
degree — rotation stops — so it is an error, reported with the watch trigger too (the CronJob is its backstop).
"""

from __future__ import annotations

from generator.schedule.lint.base import Finding, LintContext

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Literal

ID = "controller-stall"
LEVEL: Literal["error", "warning"] = "error"


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.schedule is None or ctx.analysis.stalls_at is None:
        return
    from generator.schedule.gaps import longest_gap

    gap = longest_gap(ctx.schedule, ctx.analysis, ctx.expression, ctx.options.max_delay_hours)
    if gap is None:  # pragma: no cover - a stalled schedule has run at least once before the stall
        return
    yield Finding(LEVEL, ID, f"{gap.cause}; a renewed CA is then never rotated on schedule; {', or '.join(gap.fixes)}")
