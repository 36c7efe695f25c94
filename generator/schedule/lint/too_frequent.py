"""``too-frequent``: the shortest gap between runs is below ``LintOptions.min_interval_minutes``.

Silent when ``allow_frequent`` is set, and when ``every-minute-burst`` already explains the same problem.
"""

from __future__ import annotations

import datetime as dt

from generator.schedule.durations import human_duration
from generator.schedule.lint.base import Finding, LintContext
from generator.schedule.lint.every_minute_burst import burst_field

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Literal

ID = "too-frequent"
LEVEL: Literal["error", "warning"] = "error"


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.options.allow_frequent or ctx.schedule is None:
        return
    shortest = ctx.analysis.min_interval
    limit = dt.timedelta(minutes=ctx.options.min_interval_minutes)
    if shortest is None or shortest >= limit or burst_field(ctx) is not None:
        return
    yield Finding(
        LEVEL,
        ID,
        f"runs as often as every {human_duration(shortest)}, below the {ctx.options.min_interval_minutes}-minute minimum; "
        'space the runs out (e.g. "0 */6 * * *" for every 6 hours), or set lint.allowFrequentSchedule: true '
        "if that is intended",
    )
