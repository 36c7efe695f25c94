"""A parsed schedule and its calendar: which days match, which runs a day has, the next runs."""

from __future__ import annotations

import datetime as dt

from generator.memo import cached
from generator.schedule.golang import days_in
from generator.schedule.robfig import go_date, next_after
from generator.schedule.zones import UTC, Zone, zone_for

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate and explain start without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Schedule"]

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_MONTH_LENGTHS = {1: (31,), 2: (28, 29), 3: (31,), 4: (30,), 5: (31,), 6: (30,),
                  7: (31,), 8: (31,), 9: (30,), 10: (31,), 11: (30,), 12: (31,)}
#: How far back :meth:`Schedule.day_runs` starts robfig's walk near an offset change.
_CARRY_DAYS = 8


def _cron_weekday(day: dt.date) -> int:
    return (day.weekday() + 1) % 7  # cron: Sunday=0


class Schedule:
    """A parsed schedule: robfig's field bit sets as frozensets, plus its star bits and zone.

    For ``@every <duration>`` only ``every`` matters (the field sets are empty). Immutable; equal and hashed by
    its fields (``analyze`` is memoised on it). A plain class rather than a frozen dataclass: ``validate`` and
    ``explain`` must start without importing ``dataclasses`` (#16), and the cached properties need a ``__dict__``.
    """

    expression: str
    time_zone: str | None
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]
    dom_star: bool
    dow_star: bool
    every: dt.timedelta | None

    def __init__(self, expression: str, time_zone: str | None, minutes: frozenset[int], hours: frozenset[int],
                 days_of_month: frozenset[int], months: frozenset[int], days_of_week: frozenset[int],
                 dom_star: bool, dow_star: bool, every: dt.timedelta | None = None) -> None:
        set_ = object.__setattr__
        set_(self, "expression", expression)
        set_(self, "time_zone", time_zone)
        set_(self, "minutes", minutes)
        set_(self, "hours", hours)
        set_(self, "days_of_month", days_of_month)
        set_(self, "months", months)
        set_(self, "days_of_week", days_of_week)
        set_(self, "dom_star", dom_star)
        set_(self, "dow_star", dow_star)
        set_(self, "every", every)

    def _key(self) -> tuple[object, ...]:
        return (self.expression, self.time_zone, self.minutes, self.hours, self.days_of_month, self.months,
                self.days_of_week, self.dom_star, self.dow_star, self.every)

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if isinstance(other, Schedule) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a Schedule is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a Schedule is immutable")

    def __repr__(self) -> str:
        return (f"Schedule(expression={self.expression!r}, time_zone={self.time_zone!r}, minutes={self.minutes!r}, "
                f"hours={self.hours!r}, days_of_month={self.days_of_month!r}, months={self.months!r}, "
                f"days_of_week={self.days_of_week!r}, dom_star={self.dom_star!r}, dow_star={self.dow_star!r}, "
                f"every={self.every!r})")

    def with_time_zone(self, time_zone: str | None) -> Schedule:
        """The same fields evaluated in ``time_zone``."""
        return Schedule(self.expression, time_zone, self.minutes, self.hours, self.days_of_month, self.months,
                        self.days_of_week, self.dom_star, self.dow_star, self.every)

    # -- calendar helpers (also used by analysis and picture) --------------------------------------------------

    @cached
    def zone(self) -> Zone:
        """The zone the controller evaluates the schedule in (UTC when no time zone is set): its offsets for the
        walk and the analysis, and the ``tzinfo`` of the datetimes shown."""
        return zone_for(self.time_zone)

    @cached
    def times_of_day(self) -> tuple[int, ...]:
        """Sorted minutes-of-day (0..1439) at which a matching day runs."""
        return tuple(h * 60 + m for h in sorted(self.hours) for m in sorted(self.minutes))

    @property
    def days_anded(self) -> bool:
        """robfig ``dayMatches``: AND when either day field carries the star bit, else OR (Vixie)."""
        return self.dom_star or self.dow_star

    def day_matches(self, day: dt.date) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days_of_month
        dow = _cron_weekday(day) in self.days_of_week
        return (dom and dow) if self.days_anded else (dom or dow)

    @cached
    def _month_cache(self) -> dict[tuple[int, int], tuple[int, ...]]:
        return {}

    def month_days(self, length: int, first_weekday: int) -> tuple[int, ...]:
        """Days (1-based) that match in a month of ``length`` days whose day 1 is cron weekday ``first_weekday``.

        Month membership is not checked here.
        """
        key = (length, first_weekday)
        cached = self._month_cache.get(key)
        if cached is None:
            anded = self.days_anded
            days = []
            for d in range(1, length + 1):
                dom = d in self.days_of_month
                dow = (first_weekday + d - 1) % 7 in self.days_of_week
                if (dom and dow) if anded else (dom or dow):
                    days.append(d)
            cached = tuple(days)
            self._month_cache[key] = cached
        return cached

    def days_in_month(self, year: int, month: int) -> tuple[int, ...]:
        """Matching days of one calendar month."""
        if month not in self.months:
            return ()
        first = dt.date(year, month, 1)
        return self.month_days(days_in(year, month), _cron_weekday(first))

    def matching_days(self, start: dt.date) -> Iterator[dt.date]:
        """Matching days on or after ``start``, in order (stops at year 9999)."""
        year, month = start.year, start.month
        first_day = start.day
        while year <= 9999:
            for d in self.days_in_month(year, month):
                if d >= first_day:
                    yield dt.date(year, month, d)
            first_day = 1
            month += 1
            if month == 13:
                month = 1
                year += 1

    @cached
    def fires(self) -> bool:
        """Whether the schedule ever matches a calendar date (``0 0 30 2 *`` does not)."""
        if self.every is not None:
            return True
        if not (self.minutes and self.hours and self.months):
            return False
        # Over a 400-year cycle every valid (month, day), Feb 29 included, falls on every weekday.
        return any(self.month_days(length, wd) for m in self.months for length in _MONTH_LENGTHS[m] for wd in range(7))

    # -- runs -------------------------------------------------------------------------------------------------

    def _constant_offset(self, day: dt.date) -> int | None:
        """The UTC offset in effect from a week before local ``day`` to its end, or ``None`` when it changes.

        robfig's walk can carry a half-hour change into the next matching day (see :mod:`.robfig`), so a day
        counts as plain only when the week before it had no change either. Samples every 6 hours (no zone
        changes its offset twice within 6 hours).
        """
        zone = self.zone
        if zone.model is None:
            return 0
        wall0 = (day.toordinal() - _EPOCH_ORDINAL) * 86400
        offset = zone.wall_offset(wall0, 0)
        real0 = wall0 - offset
        if all(zone.offset_at(real0 + k * 6 * 3600) == offset for k in range(-_CARRY_DAYS * 4, 5)):
            return offset
        return None

    def day_runs(self, day: dt.date) -> list[int]:
        """Epoch seconds of the runs on local date ``day`` in real-time order (the day is assumed to match).

        On a day near an offset change the runs are those of robfig's ``Next`` walked from a week before (wall
        times in a spring-forward gap are skipped, repeated ones run twice, half-hour changes shift runs); where
        that walk stalls (see :meth:`next_runs`) the day has no runs from there on.
        """
        wall0 = (day.toordinal() - _EPOCH_ORDINAL) * 86400
        offset = self._constant_offset(day)
        if offset is not None:
            return [wall0 - offset + t * 60 for t in self.times_of_day]
        zone = self.zone
        stamp = go_date(zone, day.year, day.month, day.day - _CARRY_DAYS, 0, 0, 0) - 1
        found = next_after(self, zone, stamp)
        out: list[int] = []
        number = wall0 // 86400
        while found is not None and found > stamp:
            following = next_after(self, zone, found)
            if following is not None and following <= found:
                break  # the controller stalls here and makes no further run (see next_runs)
            local = (found + zone.offset_at(found)) // 86400  # its local day
            if local > number:
                break
            if local == number:
                out.append(found)
            stamp, found = found, following
        return out

    def day_wall_minutes(self, day: dt.date) -> list[int]:
        """Minutes-of-day of the runs on ``day`` (the day is assumed to match); repeated wall times appear twice."""
        if self._constant_offset(day) is not None:
            return list(self.times_of_day)
        wall0 = (day.toordinal() - _EPOCH_ORDINAL) * 86400
        return sorted((r + self.zone.offset_at(r) - wall0) // 60 for r in self.day_runs(day))

    def next_runs(self, after: dt.datetime, count: int) -> list[dt.datetime]:
        """The next ``count`` run times strictly after ``after``, tz-aware in the schedule's zone.

        Each run is robfig's ``Next`` of the previous one (:func:`.robfig.next_after`), as the CronJob controller
        computes it. A naive ``after`` is taken as UTC. ``@every`` runs are counted from ``after`` (robfig's
        ``ConstantDelaySchedule``: ``after`` truncated to the second, plus the delay). Returns ``[]`` when the
        schedule never fires; the search is bounded by one Gregorian cycle, so it cannot loop forever.

        Decision: unlike robfig's ``Next``, which gives up after five years (so ``0 0 29 2 *`` evaluated in
        2097-2103 returns the zero time there), this follows the calendar to the real next run.

        Where robfig's ``Next`` of an instant is that same instant or an earlier one (a *stall*: ``45 3 * * *``
        or ``50 3 * * *`` in Pacific/Chatham on the night the clocks go back from 03:45 +13:45 to 02:45 +12:45 --
        the hour walk reads 02:00 as +13:45, adds an hour to 03:00 +13:45 and the minute walk runs on past the
        change to 02:45 / 02:50 +12:45), the list ends *before* that instant. The controller computes
        ``t1 = Next(last run)`` and ``t2 = Next(t1)``; with ``t2 == t1`` it never creates a Job for ``t1`` but
        reports ``InvalidSchedule`` ("time difference between two schedules is less than 1 second") and stops
        requeueing the CronJob. Without ``startingDeadlineSeconds`` it never schedules it again (the last run stays
        the anchor); with it, only once something wakes the controller (an informer resync, 12-24 h in
        kube-controller-manager, or an edit) after the deadline has moved past the stall -- a time no schedule
        arithmetic can predict. :func:`~generator.schedule.analysis.analyze` reports the same stall.
        """
        if count <= 0:
            return []
        zone = self.zone
        if after.tzinfo is None:
            after = after.replace(tzinfo=UTC)
        after_s = (after - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(seconds=1)  # floor
        out: list[dt.datetime] = []
        if self.every is not None:
            step = int(self.every.total_seconds())
            stamps: list[int | None] = [after_s + k * step for k in range(1, count + 1)]
        elif not self.fires:
            return []
        else:
            stamps = []
            previous = after_s
            try:
                found = next_after(self, zone, previous)
                while found is not None and found > previous and len(stamps) < count:
                    # the controller runs ``found`` only if the Next after it advances (see the docstring)
                    following = next_after(self, zone, found)
                    if following is not None and following <= found:
                        break
                    stamps.append(found)
                    previous, found = found, following
            except (OverflowError, ValueError, OSError):  # past year 9999
                pass
        for stamp in stamps:
            if stamp is None:
                break
            try:
                out.append(dt.datetime.fromtimestamp(stamp, zone.tz))
            except (OverflowError, ValueError, OSError):
                break
        return out
