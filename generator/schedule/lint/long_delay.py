"""``long-delay``: the longest gap between runs exceeds ``LintOptions.max_delay_hours``.

A renewed CA is only picked up by the next run, so the worst-case gap is how long authservice can keep trusting a
stale bundle. The gap is computed over the whole calendar cycle, daylight-saving time included.

With ``rotation.trigger: watch`` the watch Deployment reacts to the change itself, and the schedule is only the
backstop: the rule then checks the watch's worst-case reaction (``resyncSeconds + backoffMaxSeconds``) instead.

Decision: a gap that exceeds the limit only because of the clock change itself (by at most ``DST_SLACK``, e.g. the
25-hour gap of a daily run across the fall-back night) is not reported -- every daily schedule in a DST zone has it
and nothing can be done about it short of using UTC. A run that DST *skips* (47 hours for ``30 2 * * *`` in
Europe/Berlin) is reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Literal

from generator.schedule.durations import format_duration
from generator.schedule.lint.base import Finding, LintContext

ID = "long-delay"
LEVEL: Literal["error", "warning"] = "warning"

DST_SLACK = dt.timedelta(hours=2)
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
                f"the watch's worst-case reaction {format_duration(bound)} (resync + backoff) exceeds "
                f"{ctx.options.max_delay_hours:g}h: a renewed CA whose change event is missed can wait that long; "
                "lower rotation.watch.resyncSeconds",
            )
        return
    analysis = ctx.analysis
    worst = analysis.worst_case_delay
    if worst is None or worst <= limit:
        return
    if analysis.worst_case_from_dst and worst - limit <= DST_SLACK:
        return
    where = ""
    after = analysis.worst_case_after
    if after is not None:
        where = f" (after {_DAYS[after.weekday()]} {after:%H:%M}"
        if worst > dt.timedelta(days=7) or analysis.worst_case_from_dst:
            where += f", first on {after:%Y-%m-%d}"
        where += ")"
    if analysis.worst_case_from_dst:
        why = f" (daylight-saving time in {ctx.schedule.time_zone} skips runs that fall into the missing hour)"
        fix = 'move the run out of the hours the clocks change in (e.g. "0 4 * * *"), run more often, or use "Etc/UTC"'
    else:
        why = ""
        fix = 'run more often, e.g. "0 */6 * * *" (every 6 hours)'
    yield Finding(
        LEVEL,
        ID,
        f"worst-case delay {format_duration(worst)}{where} exceeds {ctx.options.max_delay_hours:g}h{why}: "
        f"a renewed CA can wait that long before it is rotated; {fix}",
    )
