"""``every-minute-burst``: a ``*``-based minute field with a restricted hour field.

The classic trap is ``* */6 * * *`` (documented by Kaptain as "every 6 hours"): it runs every minute during hours
00, 06, 12 and 18 -- 240 runs a day. The rule fires when the minute field has a ``*``/``?`` item that yields at
least 6 runs an hour (``*``, ``*/2`` ... ``*/10``) while the hour field is not every hour. Minutes written out
explicitly (``0-59``) are taken as intended and left to ``too-frequent``.
"""

from __future__ import annotations

from generator.schedule.cron import fields_with_columns
from generator.schedule.describe import format_hours
from generator.schedule.lint.base import Finding, LintContext

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Literal

ID = "every-minute-burst"
LEVEL: Literal["error", "warning"] = "error"

MIN_RUNS_PER_HOUR = 6


def burst_field(ctx: LintContext) -> tuple[int, str] | None:
    """(column, text) of the offending minute field, or None when the rule does not apply."""
    schedule = ctx.schedule
    if schedule is None or schedule.every is not None or not ctx.analysis.fires:
        return None
    if len(schedule.hours) >= 24 or len(schedule.minutes) < MIN_RUNS_PER_HOUR:
        return None
    fields = fields_with_columns(ctx.expression)
    col, text = fields[0]
    if not any(item.split("/")[0].split("-")[0] in ("*", "?") for item in text.split(",") if item):
        return None
    return col, text


def check(ctx: LintContext) -> Iterator[Finding]:
    found = burst_field(ctx)
    if found is None or ctx.schedule is None:
        return
    col, text = found
    schedule = ctx.schedule
    per_hour = len(schedule.minutes)
    hours = format_hours(schedule.hours)
    plural = "s" if len(schedule.hours) > 1 else ""
    how_often = "every minute" if per_hour == 60 else f"{per_hour} times an hour"
    fixed = " ".join(["0"] + [t for _, t in fields_with_columns(ctx.expression)[1:]])
    per_day = per_hour * len(schedule.hours)
    daily = f"{per_day} runs a day" if ctx.analysis.runs_per_day > per_day - 1e-9 else f"{per_day} runs on each day it runs"
    yield Finding(
        LEVEL,
        ID,
        f'minute field "{text}" runs {how_often} during hour{plural} {hours} ({daily}), not once an hour; '
        f'use "{fixed}" to run once at the start of each of those hours',
        "schedule",
        col,
    )
