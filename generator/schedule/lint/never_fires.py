"""``never-fires``: the schedule is accepted by Kubernetes but never creates a Job (e.g. ``0 0 31 2 *``)."""

from __future__ import annotations

from generator.schedule.cron import Schedule, fields_with_columns
from generator.schedule.lint.base import Finding, LintContext

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Literal

ID = "never-fires"
LEVEL: Literal["error", "warning"] = "error"

_FIELD_NAMES = ("minute", "hour", "day-of-month", "month", "day-of-week")
_MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_MAX_DAYS = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def _reason(schedule: Schedule, expression: str) -> tuple[str, int | None]:
    fields = fields_with_columns(expression)
    sets = (schedule.minutes, schedule.hours, schedule.days_of_month, schedule.months, schedule.days_of_week)
    if len(fields) == 5:
        for index in (0, 1, 3, 2, 4):
            if not sets[index] and (index in (0, 1, 3) or schedule.days_anded):
                return f'the {_FIELD_NAMES[index]} field "{fields[index][1]}" selects no value', fields[index][0]
        if not schedule.days_anded and not schedule.days_of_month and not schedule.days_of_week:
            both = f'neither the day-of-month field "{fields[2][1]}" nor the day-of-week field "{fields[4][1]}"'
            return f"{both} selects a day", fields[2][0]
    months = sorted(schedule.months)
    days = sorted(schedule.days_of_month)
    longest = max(_MAX_DAYS[m] for m in months)
    names = ", ".join(_MONTHS[m] for m in months)
    col: int | None = fields[2][0] if len(fields) == 5 else None
    if days:
        return f"day-of-month {', '.join(map(str, days))} never occurs in {names} (at most {longest} days)", col
    return "no day matches", col


def check(ctx: LintContext) -> Iterator[Finding]:
    schedule = ctx.schedule
    if schedule is None or ctx.analysis.fires:
        return
    col: int | None = None
    if schedule.fires:  # calendar dates exist, but every run falls into a daylight-saving gap
        reason = f"every run falls into a daylight-saving gap in {schedule.time_zone}"
    else:
        reason, col = _reason(schedule, ctx.expression)
    yield Finding(
        LEVEL,
        ID,
        f"schedule never fires: {reason}; Kubernetes accepts it but the CronJob never creates a Job "
        "(the controller reports InvalidSchedule): pick a date and time that exist",
        "schedule",
        col,
    )
