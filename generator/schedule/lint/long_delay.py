"""``long-delay``: the longest gap between runs exceeds ``LintOptions.max_delay_hours``.

A renewed CA is only picked up by the next run, so the worst-case gap is how long authservice can keep trusting a
stale bundle. The gap is computed over the whole calendar cycle, daylight-saving time included; the message names
its cause and fixes that keep the schedule's intent (:mod:`generator.schedule.gaps`).

With ``rotation.trigger: watch`` the watch Deployment reacts to the change itself, and the schedule is only the
backstop: the rule then checks the watch's worst-case reaction (``resyncSeconds + backoffMaxSeconds``) instead.

Decision (the one allowance for daylight saving): when the schedule meets the limit on the wall clock and the
longest gap is longer only because the clocks go back inside it (no run is skipped), it is not reported. Every
daily schedule in a zone with daylight saving has one such 25-hour night a year, and nothing but moving to UTC
removes it. A gap that already exceeds the limit on the wall clock (``0 */6 * * *`` against 5 hours) and a run
that the clocks or the controller skip (47 hours for ``30 2 * * *`` in Europe/Berlin) are always reported. A
schedule at which the controller stalls (``45 3 * * *`` in Pacific/Chatham: no further run at all) is the error
``controller-stall``, not a delay.
"""

from __future__ import annotations

import datetime as dt

from generator.schedule.durations import human_duration
from generator.schedule.lint.base import Finding, LintContext

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Literal

ID = "long-delay"
LEVEL: Literal["error", "warning"] = "warning"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.schedule is None:
        return
    limit = dt.timedelta(hours=ctx.options.max_delay_hours)
    if ctx.options.watch_reaction_seconds is not None:
        # With the watch, a renewed CA waits at most the watch's reaction bound; the CronJob is the backstop
        # for when the watch pod is down, so its gap is not what a user waits for.
        bound = dt.timedelta(seconds=ctx.options.watch_reaction_seconds)
        if bound > limit:
            yield Finding(
                LEVEL,
                ID,
                f"the watch's worst-case reaction {human_duration(bound)} (resync + backoff) exceeds "
                f"{ctx.options.max_delay_hours:g}h: a renewed CA whose change event is missed can wait that long; "
                "lower rotation.watch.resyncSeconds",
            )
        return
    analysis = ctx.analysis
    if analysis.stalls_at is not None:
        return  # controller-stall reports it, as an error
    worst = analysis.worst_case_delay
    if worst is None or worst <= limit:
        return
    from generator.schedule.gaps import longest_gap  # only a schedule over the limit needs it (start-up, #16)

    gap = longest_gap(ctx.schedule, analysis, ctx.expression, ctx.options.max_delay_hours)
    wall = analysis.wall_worst_case_delay
    if gap is None or (wall is not None and wall <= limit and not gap.skipped):
        return
    where = f" (after {_DAYS[gap.start.weekday()]} {gap.start:%H:%M}"
    if worst > dt.timedelta(days=7) or analysis.worst_case_from_dst:
        where += f", first on {gap.start:%Y-%m-%d}"
    where += ")"
    yield Finding(
        LEVEL,
        ID,
        f"worst-case delay {human_duration(worst)}{where} exceeds {ctx.options.max_delay_hours:g}h: {gap.cause}; "
        f"a renewed CA can wait that long before it is rotated; {', or '.join(gap.fixes)}",
    )
