"""Why a schedule's longest gap is as long as it is, and fixes that keep what the schedule is meant to do.

:func:`longest_gap` looks at the first longest gap :func:`~generator.schedule.analysis.analyze` found and names
its cause, in this order: a run the clock change skips (daylight saving), days the schedule leaves out (day of
week, day of month, month), month lengths (a day-of-month that some months lack), or simply how far apart the
runs of a day are. Fixes keep the fields the cause does not involve: a run that daylight saving skips moves to an
hour the clocks do not touch, a weekday schedule keeps its weekdays (accept the gap) or adds the missing days.
"""

from __future__ import annotations

import datetime as dt
import math

from generator.records import Record
from generator.schedule.analysis import HORIZON_START, Analysis
from generator.schedule.describe import MONTHS, day_phrase
from generator.schedule.durations import human_duration
from generator.schedule.golang import days_in, fields_with_columns
from generator.schedule.spec import Schedule
from generator.schedule.zones import UTC, Zone

__all__ = ["Gap", "longest_gap"]

_WALL_EPOCH = dt.datetime(1970, 1, 1)
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EXPANSIONS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
               "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}


class Gap(Record):
    """The longest gap, its cause and fixes (each fix a short imperative clause, the intent-keeping one first)."""

    _fields = ("start", "end", "length", "cause", "fixes", "skipped")
    __slots__ = _fields
    start: dt.datetime
    end: dt.datetime
    length: dt.timedelta
    cause: str
    fixes: tuple[str, ...]
    #: wall-clock runs inside the gap that do not happen because the clocks skip them
    skipped: tuple[dt.datetime, ...]

    def __init__(self, start: dt.datetime, end: dt.datetime, length: dt.timedelta, cause: str, fixes: tuple[str, ...],
                 skipped: tuple[dt.datetime, ...] = ()) -> None:
        self._set(start, end, length, cause, fixes, skipped)


def longest_gap(schedule: Schedule, analysis: Analysis, expression: str, limit_hours: float) -> Gap | None:
    """The cause and fixes of ``analysis``'s longest gap (``None`` when the schedule never runs twice)."""
    worst, start = analysis.worst_case_delay, analysis.worst_case_after
    if worst is None or start is None:
        return None
    end = (start.astimezone(UTC) + worst).astimezone(schedule.zone.tz)  # aware "+" would add wall-clock time
    accept = f"if that is intended, accept it with lint.maxDelayHours: {math.ceil(worst.total_seconds() / 3600)}"
    if schedule.every is not None:
        every = f'"@every {_go_hours(limit_hours)}"' if limit_hours >= 1 else "a shorter @every duration"
        return Gap(start, end, worst, f"it runs every {human_duration(worst)}", (f"run more often, e.g. {every}",))
    fields = _fields(expression)
    if analysis.stalls_at is not None:
        return _stall_gap(schedule, analysis.stalls_at, start, end, worst, fields)
    skipped = _wall_runs_between(schedule, start, end)
    if skipped:
        return _dst_gap(schedule, start, end, worst, skipped, fields)
    extra = _clock_extra(start, end, worst)
    empty = _empty_days(start, end)
    if empty:
        cause = _days_cause(schedule, start, end, empty)
        fixes = [accept]
        if fields is not None:
            if cause.startswith("day-of-month"):
                days = sorted({min(d, 28) for d in schedule.days_of_month})
                fixes.append(f'use days every month has: "{_replace(fields, {2: ",".join(map(str, days))})}"')
            else:
                months_left_out = any(d.month not in schedule.months for d in empty)
                every_day = _replace(fields, {2: "*", 4: "*"} | ({3: "*"} if months_left_out else {}))
                fixes.append(f'run every day: "{every_day}"')
        return Gap(start, end, worst, cause + extra, tuple(fixes))
    hours = sorted(schedule.hours)
    if len(schedule.times_of_day) == 1:
        cause = f"it runs once a day (at {hours[0]:02d}:{min(schedule.minutes):02d})"
    else:
        cause = f"its runs are up to {human_duration(worst - _extra_delta(start, end, worst))} apart"
    fixes = []
    step = max((s for s in (1, 2, 3, 4, 6, 8, 12) if s <= limit_hours), default=0)
    if fields is not None and step and len(schedule.minutes) == 1:
        first = hours[0] % step
        hour_field = f"*/{step}" if first == 0 else f"{first}-23/{step}"
        if step == 1:
            hour_field = "*"
        fixes.append(f'run more often, e.g. "{_replace(fields, {1: hour_field})}"')
    else:
        fixes.append("run more often")
    fixes.append(accept)
    return Gap(start, end, worst, cause + extra, tuple(fixes))


# -- daylight saving --------------------------------------------------------------------------------------------


def _dst_gap(schedule: Schedule, start: dt.datetime, end: dt.datetime, worst: dt.timedelta,
             skipped: list[dt.datetime], fields: list[str] | None) -> Gap:
    zone_name = schedule.time_zone or "UTC"
    first = skipped[0]
    times = ", ".join(f"{w:%H:%M}" for w in skipped[:3]) + (" ..." if len(skipped) > 3 else "")
    runs = f"the {times} run{'s' if len(skipped) > 1 else ''}"
    fixes = []
    if all(_exists(schedule.zone, w) for w in skipped):
        # the wall clock has these runs, the controller does not: robfig's walk adds whole hours across the
        # change and lands off the hour (Lord Howe's 30 minutes, Chatham at :45, midnight changes)
        cause = (f"the CronJob controller skips {runs} on {first:%Y-%m-%d}: its schedule walk (robfig/cron) adds "
                 f"whole hours across that day's clock change in {zone_name} and misses {'them' if len(skipped) > 1 else 'it'}")
    else:
        jump = _change_between(schedule, start, end)
        if jump is not None:
            before, after = jump
            clocks = f"the clocks in {zone_name} go from {before:%H:%M} to {after:%H:%M} on {after:%Y-%m-%d}"
        else:
            clocks = f"the clocks in {zone_name} skip {first:%H:%M} on {first:%Y-%m-%d}"
        cause = f"{clocks}, so {runs} that day {'do' if len(skipped) > 1 else 'does'} not happen"
        moved = _hours_clear_of_changes(schedule)
        if fields is not None and moved is not None:
            fixes.append(f'move the run out of the hours the clocks change: "{_replace(fields, {1: moved})}"')
    fixes.append('use "Etc/UTC"')
    return Gap(start, end, worst, cause, tuple(fixes), tuple(skipped))


def _stall_gap(schedule: Schedule, stall: dt.datetime, start: dt.datetime, end: dt.datetime, worst: dt.timedelta,
               fields: list[str] | None) -> Gap:
    """The controller stops scheduling: robfig's ``Next`` of ``stall`` is ``stall`` again (see ``next_runs``)."""
    zone_name = schedule.time_zone or "UTC"
    cause = (f"the CronJob controller stops scheduling it at {stall:%Y-%m-%d %H:%M%z}: after the clocks in {zone_name} "
             f"go back, its schedule walk (robfig/cron) returns that same instant again, so the controller reports "
             f"InvalidSchedule and makes no further run until something wakes it after startingDeadlineSeconds "
             f"(never without it)")
    fixes = []
    moved = _hours_clear_of_changes(schedule)
    if fields is not None and moved is not None:
        fixes.append(f'move the run out of the hours the clocks change: "{_replace(fields, {1: moved})}"')
    fixes.append('use "Etc/UTC"')
    return Gap(start, end, worst, cause, tuple(fixes))


def _exists(zone: Zone, wall: dt.datetime) -> bool:
    """Whether a wall time happens in ``zone`` (not inside a spring-forward gap)."""
    return bool(zone.instants(int((wall - _WALL_EPOCH).total_seconds())))


def _offset(stamp: dt.datetime) -> dt.timedelta:
    off = stamp.utcoffset()
    return off if off is not None else dt.timedelta(0)


def _extra_delta(start: dt.datetime, end: dt.datetime, worst: dt.timedelta) -> dt.timedelta:
    """How much longer the gap is in real time than on the wall clock (the clock change going back)."""
    wall = end.replace(tzinfo=None) - start.replace(tzinfo=None)
    return worst - wall


def _clock_extra(start: dt.datetime, end: dt.datetime, worst: dt.timedelta) -> str:
    extra = _extra_delta(start, end, worst)
    if extra > dt.timedelta(0):
        return f" (the clocks going back on the way add {human_duration(extra)})"
    return ""


def _change_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """Wall clock just before and just after the first forward change in the gap."""
    a, b = int(start.timestamp()), int(end.timestamp())
    zone = schedule.zone
    previous = zone.offset_at(a)
    for t, offset in zone.changes(a, b):
        if offset > previous:
            before = dt.datetime.fromtimestamp(t + previous, UTC).replace(tzinfo=None)
            after = dt.datetime.fromtimestamp(t + offset, UTC).replace(tzinfo=None)
            return before, after
        previous = offset
    return None


def _hours_clear_of_changes(schedule: Schedule) -> str | None:
    """The hour field shifted by the fewest hours so no run falls into the wall times the clocks skip or repeat."""
    key = schedule.time_zone
    if not key:
        return None
    a = int(dt.datetime.combine(HORIZON_START, dt.time(), UTC).timestamp())
    b = a + 2 * 366 * 86400
    zone = schedule.zone
    windows: list[tuple[int, int]] = []  # minutes of the day touched by a change: skipped or repeated
    previous = zone.offset_at(a)
    for t, offset in zone.changes(a, b):
        low = (t + min(previous, offset)) // 60 % 1440
        windows.append((low, low + abs(offset - previous) // 60))
        previous = offset

    def touched(hours: set[int]) -> bool:
        return any(lo <= (h * 60 + m) % 1440 < hi or lo <= (h * 60 + m) % 1440 + 1440 < hi
                   for h in hours for m in schedule.minutes for lo, hi in windows)

    for shift in range(1, 24):
        hours = {(h + shift) % 24 for h in schedule.hours}
        if not touched(hours):
            return _hour_field(sorted(hours))
    return None


def _hour_field(hours: list[int]) -> str:
    if len(hours) == 1:
        return str(hours[0])
    step = hours[1] - hours[0]
    if step > 1 and hours == list(range(hours[0], 24, step)) and hours[0] < step:
        return f"*/{step}" if hours[0] == 0 else f"{hours[0]}-23/{step}"
    return ",".join(map(str, hours))


# -- days -------------------------------------------------------------------------------------------------------


def _empty_days(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    """Whole local days strictly between the two runs (a gap that spans at least one day without a run)."""
    first, last = start.date() + dt.timedelta(days=1), end.date()
    return [first + dt.timedelta(days=k) for k in range(min((last - first).days, 800))]


def _days_cause(schedule: Schedule, start: dt.datetime, end: dt.datetime, empty: list[dt.date]) -> str:
    lacking = _months_lacking_days(schedule, start, end)
    if lacking:
        values = ", ".join(str(d) for d in sorted(schedule.days_of_month) if d > 28)
        (first, length), (last, _) = lacking[0], lacking[-1]
        if len(lacking) == 1:
            span = f"{first} ({length} days)"
        else:
            same = all(n == length for _, n in lacking)
            span = f"{first} to {last}" + (f" ({length} days each)" if same else "")
        text = f"day-of-month {values} does not occur in {span}"
        centuries = [y for y in range(start.year + 1, end.year) if y % 100 == 0 and y % 400 != 0]
        if 29 in schedule.days_of_month and centuries:
            text += f": {centuries[0]} is not a leap year"
        return text
    if len(empty) >= 7 or (end.date() - start.date()).days > 8:
        missing = f"the {(end.date() - start.date()).days - 1} days between have no run"
    else:
        names = [_DAY_NAMES[d.weekday()] for d in empty]
        shown = f"{names[0]} through {names[-1]}" if len(names) >= 3 else " and ".join(names)
        missing = f"{shown} {'has' if len(names) == 1 else 'have'} no run"
    days = day_phrase(schedule)
    days = days.removeprefix("every day, ")  # months only: "in January through June"
    return f"it runs only {days}, so {missing}"


def _months_lacking_days(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> list[tuple[str, int]]:
    """Months strictly inside the gap that the schedule would run in, had they the days it asks for."""
    if schedule.dom_star or not any(d > 28 for d in schedule.days_of_month):
        return []
    out: list[tuple[str, int]] = []
    year, month = start.year, start.month
    while True:
        month += 1
        if month == 13:
            year, month = year + 1, 1
        if (year, month) >= (end.year, end.month) or len(out) > 200:
            break
        if month not in schedule.months:
            continue
        length = days_in(year, month)
        if not schedule.days_in_month(year, month) and any(d > length for d in schedule.days_of_month):
            out.append((f"{MONTHS[month]} {year}", length))
    return out


def _wall_runs_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Wall-clock run times strictly between the two runs' wall times (the clocks skipped them)."""
    a, b = start.replace(tzinfo=None), end.replace(tzinfo=None)
    out: list[dt.datetime] = []
    for day in schedule.matching_days(a.date()):
        if day > b.date() or len(out) >= 10:
            break
        for t in schedule.times_of_day:
            wall = dt.datetime(day.year, day.month, day.day, t // 60, t % 60)
            if a < wall < b:
                out.append(wall)
    return out


# -- expressions ------------------------------------------------------------------------------------------------


def _fields(expression: str) -> list[str] | None:
    text = _EXPANSIONS.get(expression, expression)
    fields = [f for _, f in fields_with_columns(text)]
    return fields if len(fields) == 5 else None


def _replace(fields: list[str], values: dict[int, str]) -> str:
    return " ".join(values.get(i, f) for i, f in enumerate(fields))


def _go_hours(hours: float) -> str:
    whole = int(hours)
    return f"{whole}h" if whole == hours else f"{int(hours * 60)}m"
