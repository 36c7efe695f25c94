"""robfig/cron v3 ``SpecSchedule.Next``, step by step, with Go's ``time.Date`` normalisation.

The CronJob controller finds each next run with ``Next(previous)``. ``Next`` does not compute "the next wall time
that matches": it walks the fields from the month down, moving ``t`` with ``AddDate`` (local calendar arithmetic
through ``time.Date``), ``Add`` (whole hours, minutes, seconds of *absolute* time) and ``Truncate``, restarting
from the month whenever a field wraps to 0. Where the offset changes by a whole hour at a whole hour this equals
"every matching wall time that exists, repeated ones twice". Where it changes by 30 minutes (Australia/Lord_Howe)
it does not: adding whole hours across the change lands on ``hh:30``, so the walk skips or shifts runs on the
transition day and can stay half an hour out of step until a minute field wraps (e.g. ``0 0 * * *`` loses the
midnight run after the spring-forward night). Where a change happens at a quarter to the hour (Pacific/Chatham,
back from 03:45 +13:45 to 02:45 +12:45) the walk can even return its own start or an earlier instant: from
02:45:01 +12:45 the hour walk resets to 02:00 (read as +13:45), adds an hour to 03:00 +13:45 and the minute walk
runs on across the change to 02:45 +12:45 again. The controller never runs such an instant (``Next(t1) <= t1``
is its "time difference between two schedules is less than 1 second" error) and stops scheduling the CronJob;
``Schedule.next_runs`` and the analysis end there. This module reproduces the walk exactly:

* ``go_date`` is Go's ``time.Date``: the wall time is read as UTC, the offset in effect at that instant is looked
  up, and if the resulting UTC instant lies outside that offset's period the offset at the resulting instant is
  used instead. Both cases reduce to ``wall - offset_at(wall - offset_at(wall))``: a nonexistent wall time maps
  past the gap (for a forward change) or before it, and an ambiguous one to whichever the rule picks -- exactly
  as Go does, whatever the size of the change.
* ``AddDate(0, 0, 1)`` is ``time.Date(y, m, d+1, hh, mm, ss)`` with the current wall fields; ``Truncate`` works on
  absolute time (the zero time is a whole number of minutes before the Unix epoch).

Loops that add whole minutes or hours are fast-forwarded when the offset is the same at both ends of the jump
(no zone changes its offset twice within a day), which is the same result the one-step loop gives. Only the
five-field standard spec is modelled (the seconds field is always ``{0}``).

Decision: robfig gives up after five years (returning Go's zero time); this walk searches a whole Gregorian cycle
so ``0 0 29 2 *`` evaluated in 2097-2103 finds 2104-02-29, as ``Schedule.next_runs`` documents.
"""

from __future__ import annotations

import datetime as dt

from generator.schedule.zones import offset_at

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from typing import Protocol

    class Fields(Protocol):
        """The parts of a parsed schedule the walk reads."""

        @property
        def minutes(self) -> frozenset[int]: ...
        @property
        def hours(self) -> frozenset[int]: ...
        @property
        def days_of_month(self) -> frozenset[int]: ...
        @property
        def months(self) -> frozenset[int]: ...
        @property
        def days_of_week(self) -> frozenset[int]: ...
        @property
        def days_anded(self) -> bool: ...


__all__ = ["Fields", "go_date", "next_after"]

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_SEARCH_YEARS = 400 + 10


def go_date(zone: dt.tzinfo, year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    """Go ``time.Date(year, month, day, hour, minute, second, 0, zone)`` as epoch seconds.

    ``month`` and ``day`` may overflow (``month`` 13 is January of the next year; day 32 runs into the next
    month), like Go's normalisation. Raises ``ValueError`` past year 9999.
    """
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    days = dt.date(year, month, 1).toordinal() - _EPOCH_ORDINAL + day - 1
    wall = days * 86400 + hour * 3600 + minute * 60 + second
    return wall - offset_at(zone, wall - offset_at(zone, wall))


def _fast_forward(zone: dt.tzinfo, t: int, unit: int, value: int, modulo: int, wanted: frozenset[int]) -> int:
    """``t`` after the loop "add ``unit`` until the local field is wanted or wraps to 0" (field now ``value``)."""
    steps = 1
    while steps < modulo and (value + steps) % modulo not in wanted and (value + steps) % modulo != 0:
        steps += 1
    jumped = t + steps * unit
    if offset_at(zone, jumped) == offset_at(zone, t):
        return jumped
    while True:  # an offset change inside the jump: step exactly as robfig does
        t += unit
        local = dt.datetime.fromtimestamp(t, zone)
        got = local.minute if unit == 60 else local.hour
        if got in wanted or got == 0:
            return t


def _day_matches(spec: Fields, local: dt.datetime) -> bool:
    dom = local.day in spec.days_of_month
    dow = (local.weekday() + 1) % 7 in spec.days_of_week
    return (dom and dow) if spec.days_anded else (dom or dow)


def next_after(spec: Fields, zone: dt.tzinfo, after: int) -> int | None:
    """robfig's ``Next`` for epoch second ``after`` (already floored): the next run, or ``None`` within the search."""
    t = after + 1
    added = False
    year_limit = dt.datetime.fromtimestamp(t, zone).year + _SEARCH_YEARS
    months, hours, minutes = spec.months, spec.hours, spec.minutes
    while True:  # WRAP
        local = dt.datetime.fromtimestamp(t, zone)
        if local.year > year_limit:
            return None
        wrapped = False
        while local.month not in months:
            if not added:
                added = True
                t = go_date(zone, local.year, local.month, 1, 0, 0, 0)
                local = dt.datetime.fromtimestamp(t, zone)
            t = go_date(zone, local.year, local.month + 1, local.day, local.hour, local.minute, local.second)
            local = dt.datetime.fromtimestamp(t, zone)
            if local.month == 1:
                wrapped = True
                break
        if wrapped:
            continue
        while not _day_matches(spec, local):
            if not added:
                added = True
                t = go_date(zone, local.year, local.month, local.day, 0, 0, 0)
                local = dt.datetime.fromtimestamp(t, zone)
            t = go_date(zone, local.year, local.month, local.day + 1, local.hour, local.minute, local.second)
            local = dt.datetime.fromtimestamp(t, zone)
            if local.hour != 0:  # robfig: midnight may not exist; move back to (or on to) hour 0
                t += (24 - local.hour) * 3600 if local.hour > 12 else -local.hour * 3600
                local = dt.datetime.fromtimestamp(t, zone)
            if local.day == 1:
                wrapped = True
                break
        if wrapped:
            continue
        if local.hour not in hours:
            if not added:
                added = True
                t = go_date(zone, local.year, local.month, local.day, local.hour, 0, 0)
                local = dt.datetime.fromtimestamp(t, zone)
            t = _fast_forward(zone, t, 3600, local.hour, 24, hours)
            local = dt.datetime.fromtimestamp(t, zone)
            if local.hour == 0:
                continue
        if local.minute not in minutes:
            if not added:
                added = True
                t -= t % 60
                local = dt.datetime.fromtimestamp(t, zone)
            t = _fast_forward(zone, t, 60, local.minute, 60, minutes)
            local = dt.datetime.fromtimestamp(t, zone)
            if local.minute == 0:
                continue
        if local.second != 0:
            # robfig adds one second at a time until the second is 0, then wraps: with a whole-minute offset that
            # is the next whole minute of absolute time.
            added = True
            jumped = t + 60 - local.second
            if offset_at(zone, jumped) == offset_at(zone, t) and dt.datetime.fromtimestamp(jumped, zone).second == 0:
                t = jumped
            else:  # pragma: no cover - only historic offsets with seconds (LMT) get here
                t += 1
                while dt.datetime.fromtimestamp(t, zone).second != 0:
                    t += 1
            continue
        return t
