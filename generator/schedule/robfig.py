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

* Every local field is read from the zone's own offsets (:meth:`.zones.Zone.offset_at`, the TZif model with Go's
  semantics): the wall time of ``t`` is ``t + offset_at(t)`` and its fields are that many seconds after 1970-01-01.
* ``go_date`` is Go's ``time.Date``: the wall time is read as UTC, the offset in effect at that instant is looked
  up, and if the resulting UTC instant lies outside that offset's period the offset at the resulting instant is
  used instead. Both cases reduce to ``wall - offset_at(wall - offset_at(wall))``: a nonexistent wall time maps
  past the gap (for a forward change) or before it, and an ambiguous one to whichever the rule picks -- exactly
  as Go does, whatever the size of the change.
* ``AddDate(0, 0, 1)`` is ``time.Date(y, m, d+1, hh, mm, ss)`` with the current wall fields; ``Truncate`` works on
  absolute time (the zero time is a whole number of minutes before the Unix epoch).

Loops that add whole minutes or hours are fast-forwarded when the offset is the same at both ends of the jump
(no zone changes its offset twice within a day), which is the same result the one-step loop gives. Given the
zone's offset changes over a stretch of time (``known``, from its TZif file: the analysis passes its eras), the
month and day loops jump too -- straight to the next wanted month or matching day, or to the wrap -- but only as far
as no change lies within ``margin`` (more than any offset of the zone) of the jumped stretch: there every step adds
whole days of absolute time, midnight exists and each ``go_date`` look-up reads the same offset, so the jump lands
where the steps would (a zone can change twice within a few days, e.g. Africa/Casablanca around Ramadan, so the
offsets at both ends would not do). Near a change the loops step as before, except that where the hour or minute
loop steps across a change, it jumps over the steps before and after it (a constant offset adds one to the field per
step). Only the five-field standard spec is modelled (the seconds field is always ``{0}``).

Decision: robfig gives up after five years (returning Go's zero time); this walk searches a whole Gregorian cycle
so ``0 0 29 2 *`` evaluated in 2097-2103 finds 2104-02-29, as ``Schedule.next_runs`` documents.
"""

from __future__ import annotations

import bisect
import datetime as dt

from generator.memo import memo

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


    from collections.abc import Sequence

    #: ``(instants, lo, hi, margin)``: every instant at which the zone's offset changes within ``(lo, hi)``, sorted,
    #: and a margin larger than any offset the zone has there (a wall time read as UTC is within it of its instant)
    Known = tuple[Sequence[int], int, int, int]

    from generator.schedule.zones import Zone

__all__ = ["Fields", "Known", "go_date", "next_after", "plainly_advances"]

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_SEARCH_YEARS = 400 + 10
_DAYS_IN = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_UTC = dt.UTC


def _local(zone: Zone, t: int) -> dt.datetime:
    """The wall clock at epoch second ``t``: its fields are those of ``t + offset`` read in UTC (one C call;
    ``ValueError``/``OverflowError`` outside years 1-9999, as ``fromtimestamp`` in the zone raised)."""
    return dt.datetime.fromtimestamp(t + zone.offset_at(t), _UTC)


def go_date(zone: Zone, year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    """Go ``time.Date(year, month, day, hour, minute, second, 0, zone)`` as epoch seconds.

    ``month`` and ``day`` may overflow (``month`` 13 is January of the next year; day 32 runs into the next
    month), like Go's normalisation. Raises ``ValueError`` past year 9999.
    """
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    days = dt.date(year, month, 1).toordinal() - _EPOCH_ORDINAL + day - 1
    wall = days * 86400 + hour * 3600 + minute * 60 + second
    off = zone.offset_at
    return wall - off(wall - off(wall))


def _fast_forward(zone: Zone, t: int, unit: int, value: int, modulo: int, wanted: frozenset[int],
                  known: Known | None = None) -> int:
    """``t`` after the loop "add ``unit`` until the local field is wanted or wraps to 0" (field now ``value``)."""
    jumped = t + _steps(wanted, modulo)[value] * unit
    if (known is not None and _steady(known, t, jumped)) or zone.offset_at(jumped) == zone.offset_at(t):
        return jumped
    while True:  # an offset change inside the jump: step exactly as robfig does
        t += unit
        local = _local(zone, t)
        got = local.minute if unit == 60 else local.hour
        if got in wanted or got == 0:
            return t
        if known is not None:  # while the offset stays, each step adds one to the field: jump to where it stops,
            steps = _steps(wanted, modulo)[got]  # or to the last step before the next change
            if _steady(known, t, t + steps * unit):
                return t + steps * unit
            instants, lo = known[0], known[1]
            i = bisect.bisect_right(instants, t)
            if lo <= t and i < len(instants):
                t += min(steps - 1, (instants[i] - 1 - t) // unit) * unit


@memo(maxsize=256)
def _steps(wanted: frozenset[int], modulo: int) -> tuple[int, ...]:
    """Per field value, how many units the loop adds until the field is wanted or wraps to 0."""
    out = []
    for value in range(modulo):
        steps = 1
        while steps < modulo and (value + steps) % modulo not in wanted and (value + steps) % modulo != 0:
            steps += 1
        out.append(steps)
    return tuple(out)


def _steady(known: Known, t: int, u: int) -> bool:
    """Whether the offset is the same from ``t`` to ``u`` (``t <= u``; no change in ``(t, u]``)."""
    instants, lo, hi, _ = known
    if not lo <= t <= u < hi:
        return False
    i = bisect.bisect_right(instants, t)
    return i == len(instants) or instants[i] > u


def _clear_until(known: Known, t: int) -> int:
    """The last instant ``u`` such that the offset is constant over ``[t - margin, u + margin]`` (< ``t``: none):
    every look-up ``go_date`` makes for a wall time of that stretch then reads the same offset."""
    instants, lo, hi, margin = known
    if t - margin < lo:
        return t - 1
    i = bisect.bisect_left(instants, t - margin)
    return (instants[i] if i < len(instants) and instants[i] < hi else hi) - margin - 1


def _days_to_stop(spec: Fields, local: dt.datetime) -> int:
    """Days from ``local`` to the next day that matches or to the 1st of the next month, whichever comes first."""
    day = local.day
    month_days = 29 if local.month == 2 and _leap(local.year) else _DAYS_IN[local.month]
    first_weekday = (local.weekday() + 2 - day) % 7  # cron weekday of day 1
    return _month_stops(spec.days_of_month, spec.days_of_week, spec.days_anded, month_days, first_weekday)[day]


@memo(maxsize=512)
def _month_stops(doms: frozenset[int], dows: frozenset[int], anded: bool, month_days: int,
                 first_weekday: int) -> tuple[int, ...]:
    """Per day of such a month (index 1..), the days to the next matching day or to the 1st of the next month."""
    out = [0]
    for day in range(1, month_days + 1):
        weekday = (first_weekday + day - 1) % 7
        stop = month_days - day + 1
        for j in range(1, month_days - day + 1):
            dom, dow = day + j in doms, (weekday + j) % 7 in dows
            if (dom and dow) if anded else (dom or dow):
                stop = j
                break
        out.append(stop)
    return tuple(out)


def _months_ahead(spec: Fields, t: int, local: dt.datetime, limit: int) -> int:
    """Where the month loop's steps from ``local`` (day <= 28) stop -- at a wanted month or at January -- or as
    far as ``limit`` allows towards it (``t`` itself when not even one step fits)."""
    year, month = local.year, local.month
    leap = _leap(year)
    at = t
    while month < 12:
        nxt = at + (29 if month == 2 and leap else _DAYS_IN[month]) * 86400
        if nxt > limit:
            return at
        at, month = nxt, month + 1
        if month in spec.months:
            return at
    nxt = at + 31 * 86400  # December to January: the wrap
    return nxt if nxt <= limit else at


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _day_matches(spec: Fields, local: dt.datetime) -> bool:
    dom = local.day in spec.days_of_month
    dow = (local.weekday() + 1) % 7 in spec.days_of_week
    return (dom and dow) if spec.days_anded else (dom or dow)


def plainly_advances(spec: Fields, zone: Zone, run: int) -> bool:
    """Whether ``next_after(spec, zone, run) > run`` is certain without walking, in a zone whose offsets never differ
    by 12 hours or more (the caller's part).

    It is when the local time one second after ``run`` is in a month, day, hour and minute that match: then the
    walk's first move is the seconds step (no reset to an earlier month, day, hour or minute start), which passes
    ``run``, and from there every move goes forward -- months and days by at least a day less the largest offset
    difference, less 12 hours for the midnight correction; hours, minutes and seconds by adding.
    """
    local = _local(zone, run + 1)
    return local.month in spec.months and _day_matches(spec, local) and local.hour in spec.hours \
        and local.minute in spec.minutes


def next_after(spec: Fields, zone: Zone, after: int, known: Known | None = None) -> int | None:
    """robfig's ``Next`` for epoch second ``after`` (already floored): the next run, or ``None`` within the search.

    With ``known`` (the zone's offset changes over a stretch of time, from its TZif file) the month and day loops
    jump over whole months and days where no offset change is near, landing where the step-by-step walk lands.
    """
    t = after + 1
    added = False
    year_limit = _local(zone, t).year + _SEARCH_YEARS
    months, hours, minutes = spec.months, spec.hours, spec.minutes
    while True:  # WRAP
        local = _local(zone, t)
        if local.year > year_limit:
            return None
        wrapped = False
        while local.month not in months:
            if not added:
                added = True
                t = go_date(zone, local.year, local.month, 1, 0, 0, 0)
                local = _local(zone, t)
            if known is not None and local.day <= 28:
                jumped = _months_ahead(spec, t, local, _clear_until(known, t))
                if jumped != t:
                    t = jumped
                    local = _local(zone, t)
                    if local.month == 1:
                        wrapped = True
                        break
                    continue
            t = go_date(zone, local.year, local.month + 1, local.day, local.hour, local.minute, local.second)
            local = _local(zone, t)
            if local.month == 1:
                wrapped = True
                break
        if wrapped:
            continue
        while not _day_matches(spec, local):
            if not added:
                added = True
                t = go_date(zone, local.year, local.month, local.day, 0, 0, 0)
                local = _local(zone, t)
            if known is not None and local.hour == 0:
                days = min(_days_to_stop(spec, local), (_clear_until(known, t) - t) // 86400)
                if days > 0:  # no offset change near: every step adds 86400 s and midnight exists
                    t += days * 86400
                    local = _local(zone, t)
                    if local.day == 1:
                        wrapped = True
                        break
                    continue
            t = go_date(zone, local.year, local.month, local.day + 1, local.hour, local.minute, local.second)
            local = _local(zone, t)
            if local.hour != 0:  # robfig: midnight may not exist; move back to (or on to) hour 0
                t += (24 - local.hour) * 3600 if local.hour > 12 else -local.hour * 3600
                local = _local(zone, t)
            if local.day == 1:
                wrapped = True
                break
        if wrapped:
            continue
        if local.hour not in hours:
            if not added:
                added = True
                t = go_date(zone, local.year, local.month, local.day, local.hour, 0, 0)
                local = _local(zone, t)
            t = _fast_forward(zone, t, 3600, local.hour, 24, hours, known)
            local = _local(zone, t)
            if local.hour == 0:
                continue
        if local.minute not in minutes:
            if not added:
                added = True
                t -= t % 60
                local = _local(zone, t)
            t = _fast_forward(zone, t, 60, local.minute, 60, minutes, known)
            local = _local(zone, t)
            if local.minute == 0:
                continue
        if local.second != 0:
            # robfig adds one second at a time until the second is 0, then wraps: with a whole-minute offset that
            # is the next whole minute of absolute time.
            added = True
            jumped = t + 60 - local.second
            if known is not None and _steady(known, t, jumped):
                t = jumped  # one offset throughout: its local second is (t + offset + 60 - second) % 60 = 0
            elif zone.offset_at(jumped) == zone.offset_at(t) and (jumped + zone.offset_at(jumped)) % 60 == 0:
                t = jumped
            else:  # pragma: no cover - only historic offsets with seconds (LMT) get here
                t += 1
                while (t + zone.offset_at(t)) % 60 != 0:
                    t += 1
            continue
        return t
