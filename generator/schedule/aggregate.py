"""Aggregates of runs and the wall-clock calendar engine behind :mod:`generator.schedule.analysis`.

An aggregate of sorted points is ``(count, first, last, max gap, start of max gap, min gap)``; aggregates of
adjacent stretches combine in O(1) (the junction gap is ``next.first - prev.last``). :class:`WallCalendar` builds
them for matching days and wall-clock minutes without walking every run.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools

from generator.schedule.golang import is_leap, jan1_day, year_of_day
from generator.schedule.spec import Schedule

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate and explain start without collections (#16)
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["BIG", "Agg", "WallCalendar", "agg_of", "combine", "scale", "shift"]

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_DAYS_IN = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ALL_DAYS = frozenset(range(1, 32))
_ALL_WEEKDAYS = frozenset(range(7))
_ALL_MONTHS = frozenset(range(1, 13))
BIG = 1 << 62  # "no gap" sentinel for minimum gaps

# An aggregate: (count, first, last, max_gap, max_gap_start, min_gap). max_gap is -1 and min_gap BIG when there
# are fewer than two elements. Units depend on the level: day numbers, wall minutes, or real seconds.
Agg = tuple[int, int, int, int, int, int]


def combine(a: Agg | None, b: Agg | None) -> Agg | None:
    if a is None:
        return b
    if b is None:
        return a
    junction = b[1] - a[2]
    max_gap, max_at = a[3], a[4]
    if junction > max_gap:  # ties keep the earliest occurrence: a's gaps, then the junction, then b's
        max_gap, max_at = junction, a[2]
    if b[3] > max_gap:
        max_gap, max_at = b[3], b[4]
    return (a[0] + b[0], a[1], b[2], max_gap, max_at, min(a[5], b[5], junction))


def shift(a: Agg, by: int) -> Agg:
    return (a[0], a[1] + by, a[2] + by, a[3], a[4] + by, a[5])


def scale(a: Agg, factor: int, minus: int) -> Agg:
    """Map positions p -> p*factor - minus and gaps g -> g*factor (sentinels kept)."""
    max_gap = a[3] * factor if a[3] >= 0 else -1
    min_gap = a[5] * factor if a[5] < BIG else BIG
    return (a[0], a[1] * factor - minus, a[2] * factor - minus, max_gap, a[4] * factor - minus, min_gap)


def agg_of(points: Sequence[int], diffs: Sequence[int], i: int, j: int) -> Agg | None:
    """Aggregate of sorted ``points[i:j]``; ``diffs[k] = points[k+1] - points[k]``."""
    if i >= j:
        return None
    if j - i == 1:
        return (1, points[i], points[i], -1, points[i], BIG)
    max_gap = max(diffs[i:j - 1])
    at = diffs.index(max_gap, i, j - 1)
    return (j - i, points[i], points[j - 1], max_gap, points[at], min(diffs[i:j - 1]))


# --------------------------------------------------------------------------------------------------------------
# Calendar engine (wall clock, no DST)
# --------------------------------------------------------------------------------------------------------------


class WallCalendar:
    """Aggregates of wall-clock runs over day and minute ranges (days/minutes counted from 1970-01-01)."""

    def __init__(self, schedule: Schedule) -> None:
        self.s = schedule
        self.times = schedule.times_of_day
        self.n = len(self.times)
        self.tdiffs = [b - a for a, b in itertools.pairwise(self.times)]
        self.day_agg = agg_of(self.times, self.tdiffs, 0, self.n)
        self._points: dict[tuple[bool, int], tuple[list[int], list[int]]] = {}
        self._patterns: dict[tuple[int, int], Agg | None] = {}
        self._years: dict[tuple[bool, int], Agg | None] = {}
        self._blocks: dict[tuple[tuple[bool, ...], int], tuple[Agg | None, int]] = {}
        doms, dows = schedule.days_of_month >= _ALL_DAYS, schedule.days_of_week >= _ALL_WEEKDAYS
        #: every day matches (``M H * * *``): the matching days of a range are the range
        self.every_day = schedule.months >= _ALL_MONTHS and ((doms and dows) if schedule.days_anded else (doms or dows))

    # -- days ---------------------------------------------------------------------------------------------------

    def _year_points(self, leap: bool, weekday: int) -> tuple[list[int], list[int]]:
        """The matching days of a year of that type (0-based from 1 January; ``weekday``: of 1 January, Monday 0)
        and their differences, built once per type from the schedule's month patterns (for parts of years: whole
        years combine month aggregates, which is cheaper for dense schedules)."""
        key = (leap, weekday)
        got = self._points.get(key)
        if got is None:
            points: list[int] = []
            start = 0
            months = self.s.months
            for month in range(1, 13):
                length = 29 if month == 2 and leap else _DAYS_IN[month]
                if month in months:
                    first_weekday = (weekday + 1 + start) % 7  # cron weekday (Sunday 0) of day 1
                    points += [start + d - 1 for d in self.s.month_days(length, first_weekday)]
                start += length
            got = self._points[key] = (points, [b - a for a, b in itertools.pairwise(points)])
        return got

    def _pattern(self, length: int, first_weekday: int) -> Agg | None:
        """Matching days of a whole month of that shape, as day numbers within the month."""
        key = (length, first_weekday)
        if key not in self._patterns:
            days = self.s.month_days(length, first_weekday)
            self._patterns[key] = agg_of(days, [b - a for a, b in itertools.pairwise(days)], 0, len(days))
        return self._patterns[key]

    def _year(self, leap: bool, weekday: int) -> Agg | None:
        """Matching days of a whole year of that type, relative to 1 January (0-based), month by month."""
        key = (leap, weekday)
        if key not in self._years:
            res: Agg | None = None
            start = 0
            for month in range(1, 13):
                length = 29 if month == 2 and leap else _DAYS_IN[month]
                if month in self.s.months:
                    got = self._pattern(length, (weekday + 1 + start) % 7)
                    if got is not None:
                        res = combine(res, shift(got, start - 1))
                start += length
            self._years[key] = res
        return self._years[key]

    def _four_years(self, year: int, weekday: int) -> tuple[Agg | None, int]:
        """Matching days of ``year`` and the three after it, relative to its 1 January, and their length in days."""
        leaps = (is_leap(year), is_leap(year + 1), is_leap(year + 2), is_leap(year + 3))
        key = (leaps, weekday)
        got = self._blocks.get(key)
        if got is None:
            res: Agg | None = None
            start = 0
            for leap in leaps:
                one = self._year(leap, (weekday + start) % 7)
                if one is not None:
                    res = combine(res, shift(one, start))
                start += 366 if leap else 365
            got = self._blocks[key] = (res, start)
        return got

    def days(self, da: int, db: int) -> Agg | None:
        """Matching days in ``[da, db)``: whole years four at a time or one at a time, else the part of a year."""
        if self.every_day:  # consecutive days: every gap is one day
            return None if da >= db else (db - da, da, db - 1, 1 if db - da > 1 else -1, da, 1 if db - da > 1 else BIG)
        res: Agg | None = None
        d = da
        year = year_of_day(d)
        jan1 = jan1_day(year)
        while d < db:
            leap = is_leap(year)
            length = 366 if leap else 365
            weekday = (jan1 + 3) % 7  # of 1 January, Monday 0 (1970-01-01 was a Thursday)
            if d == jan1:
                if d + 1461 <= db:  # four years are 1460 or 1461 days
                    block, span = self._four_years(year, weekday)
                    if block is not None:
                        res = combine(res, shift(block, d))
                    d = jan1 = d + span
                    year += 4
                    continue
                if d + length <= db:
                    got = self._year(leap, weekday)
                    if got is not None:
                        res = combine(res, shift(got, d))
                    d = jan1 = d + length
                    year += 1
                    continue
            stop = min(jan1 + length, db)
            points, diffs = self._year_points(leap, weekday)
            got = agg_of(points, diffs, bisect.bisect_left(points, d - jan1), bisect.bisect_left(points, stop - jan1))
            if got is not None:
                res = combine(res, shift(got, jan1))
            d = stop
            if d == jan1 + length:
                jan1 = d
                year += 1
        return res

    def day_matches(self, d: int) -> bool:
        return self.s.day_matches(dt.date.fromordinal(d + _EPOCH_ORDINAL))

    # -- minutes ------------------------------------------------------------------------------------------------

    def days_to_minutes(self, days: Agg) -> Agg:
        count, first_d, last_d, max_dd, max_at_d, min_dd = days
        times = self.times
        span = times[-1] - times[0]
        first = first_d * 1440 + times[0]
        last = last_d * 1440 + times[-1]
        max_gap, max_at, min_gap = -1, first, BIG
        if self.day_agg is not None and self.n > 1:
            max_gap, max_at, min_gap = self.day_agg[3], first_d * 1440 + self.day_agg[4], self.day_agg[5]
        if count > 1:
            inter, pos = max_dd * 1440 - span, max_at_d * 1440 + times[-1]
            if inter > max_gap or (inter == max_gap and pos < max_at):
                max_gap, max_at = inter, pos
            min_gap = min(min_gap, min_dd * 1440 - span)
        return (count * self.n, first, last, max_gap, max_at, min_gap)

    def _day_slice(self, d: int, lo: int, hi: int) -> Agg | None:
        if not self.day_matches(d):
            return None
        if lo <= 0 and hi >= 1440:
            return None if self.day_agg is None else shift(self.day_agg, d * 1440)
        got = agg_of(self.times, self.tdiffs, bisect.bisect_left(self.times, lo), bisect.bisect_left(self.times, hi))
        return None if got is None else shift(got, d * 1440)

    def minutes(self, wa: int, wb: int) -> Agg | None:
        """Wall-clock runs at minutes ``[wa, wb)``."""
        if wa >= wb or self.n == 0:
            return None
        da, ma = divmod(wa, 1440)
        db, mb = divmod(wb, 1440)
        if da == db:
            return self._day_slice(da, ma, mb)
        res = self._day_slice(da, ma, 1440)
        if db > da + 1:
            days = self.days(da + 1, db)
            if days is not None:
                res = combine(res, self.days_to_minutes(days))
        if mb > 0:
            res = combine(res, self._day_slice(db, 0, mb))
        return res

