"""Oracle for the schedule analysis as it was before #16 (see ``schedule_oracles.py``).

Kept verbatim (only renamed; the wall calendar's day aggregation as a subclass) from ``aggregate.py`` and
``analysis.py``: the wall calendar's days a year and a month at a time, the eras from ``changes_oracle`` and the
era loop with ``next_after_oracle`` (memoised per era, as it was, and without any memo). Do not optimise this file.

The walk reads the zone through an offset function (``schedule_oracles``): zoneinfo's by default, as it was; Go's
reading of the TZif model (``model_offsets``) for rules where the two differ.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Sequence
from functools import lru_cache

from generator.schedule.aggregate import BIG, Agg, WallCalendar, agg_of, combine, scale, shift
from generator.schedule.analysis import HORIZON_START, Analysis
from generator.schedule.describe import describe
from generator.schedule.golang import days_in, is_leap
from generator.schedule.spec import Schedule
from generator.schedule.tzfile import ZoneModel, zone_model

try:  # tests/ itself on sys.path (default rootdir-less run)
    from schedule_oracles import Offsets, changes_oracle, next_after_oracle, offset_at_oracle, zoneinfo_offsets
except ImportError:  # pragma: no cover - tests/ is a package and the repository root is on sys.path
    from tests.schedule_oracles import Offsets, changes_oracle, next_after_oracle, offset_at_oracle, zoneinfo_offsets

UTC = dt.UTC

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_CYCLE_DAYS = 146097
_CYCLE_S = _CYCLE_DAYS * 86400


# --------------------------------------------------------------------------------------------------------------
# The wall-clock calendar, a year and a month at a time with datetime dates
# --------------------------------------------------------------------------------------------------------------


class OldWallCalendar(WallCalendar):
    """:class:`.WallCalendar` with its day aggregation as it was (year by year, month by month, ``dt.date``)."""

    def __init__(self, schedule: Schedule) -> None:
        super().__init__(schedule)
        self._old_years: dict[tuple[bool, int], Agg | None] = {}

    def _old_month(self, year: int, month: int, lo: int, hi: int) -> Agg | None:
        if month not in self.s.months:
            return None
        first_weekday = (dt.date(year, month, 1).weekday() + 1) % 7
        days = self.s.month_days(days_in(year, month), first_weekday)
        diffs = [b - a for a, b in itertools.pairwise(days)]
        return agg_of(days, diffs, bisect.bisect_left(days, lo), bisect.bisect_right(days, hi))

    def _old_year(self, year: int) -> Agg | None:
        key = (is_leap(year), dt.date(year, 1, 1).weekday())
        if key not in self._old_years:
            res: Agg | None = None
            start = 0
            for month in range(1, 13):
                got = self._old_month(year, month, 1, 31)
                if got is not None:
                    res = combine(res, shift(got, start - 1))
                start += days_in(year, month)
            self._old_years[key] = res
        return self._old_years[key]

    def days(self, da: int, db: int) -> Agg | None:
        res: Agg | None = None
        d = da
        while d < db:
            day = dt.date.fromordinal(d + _EPOCH_ORDINAL)
            if day.month == 1 and day.day == 1:
                length = 366 if is_leap(day.year) else 365
                if d + length <= db:
                    got = self._old_year(day.year)
                    if got is not None:
                        res = combine(res, shift(got, d))
                    d += length
                    continue
            month_start = d - day.day + 1
            stop = min(month_start + days_in(day.year, day.month), db)
            got = self._old_month(day.year, day.month, day.day, stop - month_start)
            if got is not None:
                res = combine(res, shift(got, month_start - 1))
            d = stop
        return res


# --------------------------------------------------------------------------------------------------------------
# The analysis: eras from changes_oracle, the era loop with next_after_oracle
# --------------------------------------------------------------------------------------------------------------


def _zone_eras(key: str) -> tuple[tuple[tuple[int, int, int], ...], ZoneModel]:
    w0 = (HORIZON_START.toordinal() - _EPOCH_ORDINAL) * 86400
    w1 = w0 + _CYCLE_S
    model = zone_model(key)
    assert model is not None
    h0 = w0 - offset_at_oracle(model, w0 - offset_at_oracle(model, w0))
    h1 = w1 - offset_at_oracle(model, w1 - offset_at_oracle(model, w1))
    eras: list[tuple[int, int, int]] = []
    start, offset = h0, offset_at_oracle(model, h0)
    for t, new in changes_oracle(model, h0, h1):
        eras.append((start, t, offset))
        start, offset = t, new
    eras.append((start, h1, offset))
    return tuple(eras), model


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def analyze_oracle(schedule: Schedule, memo: bool = True, offsets: Offsets | None = None) -> Analysis:
    """The analysis as it was; ``memo=False`` also drops the era loop's memoisation (every era and walk made).
    ``offsets``: how the walk reads the zone (zoneinfo's offsets of the schedule's zone by default)."""
    off = zoneinfo_offsets(schedule.time_zone) if offsets is None else offsets

    def shown(stamp: int) -> dt.datetime:  # the instant, at the offset the walk reads there
        return dt.datetime.fromtimestamp(stamp, dt.timezone(dt.timedelta(seconds=off(stamp))))

    description = describe(schedule)
    if schedule.every is not None:
        secs = int(schedule.every.total_seconds())
        per_day = 86400 / secs
        return Analysis(description, True, per_day, per_day * 365.2425, schedule.every, schedule.every,
                        wall_worst_case_delay=schedule.every)
    if not schedule.fires:
        return Analysis(description, False, 0.0, 0.0, None, None)
    cal = OldWallCalendar(schedule)
    day0 = HORIZON_START.toordinal() - _EPOCH_ORDINAL
    wall_days = cal.days(day0, day0 + _CYCLE_DAYS)
    assert wall_days is not None
    wall = scale(cal.days_to_minutes(wall_days), 60, 0)
    wall_worst = max(wall[3], wall[1] + _CYCLE_S - wall[2])
    model: ZoneModel | None = None
    if schedule.time_zone is None:
        w0 = day0 * 86400
        eras: tuple[tuple[int, int, int], ...] = ((w0, w0 + _CYCLE_S, 0),)
    else:
        eras, model = _zone_eras(schedule.time_zone)
    stall: int | None = None
    if model is None:
        total: Agg | None = wall
    else:
        total, stall = (_zoned_total if memo else _zoned_total_unmemoised)(cal, eras, schedule, off)
    if total is None or total[0] == 0:
        return Analysis(description, False, 0.0, 0.0, None, None)
    count, first, last, max_gap, max_at, min_gap = total
    if model is None:
        wrap = first + _CYCLE_S - last
    else:
        first_wall = first + offset_at_oracle(model, first)
        shifted = first_wall + _CYCLE_S
        wrap = shifted - offset_at_oracle(model, shifted - offset_at_oracle(model, shifted)) - last
    if wrap > max_gap:
        max_gap, max_at = wrap, last
    min_gap = min(min_gap, wrap)
    per_day = count / (_CYCLE_DAYS if stall is None else (stall - eras[0][0]) / 86400)
    return Analysis(
        description=description,
        fires=True,
        runs_per_day=per_day,
        runs_per_year=per_day * 365.2425,
        worst_case_delay=dt.timedelta(seconds=max_gap),
        min_interval=dt.timedelta(seconds=min_gap),
        worst_case_after=shown(max_at),
        worst_case_from_dst=max_gap > wall_worst,
        wall_worst_case_delay=dt.timedelta(seconds=wall_worst),
        stalls_at=None if stall is None else shown(stall),
    )


@lru_cache(maxsize=1024)
def _year_info(year: int) -> tuple[int, bool, int, bool, int]:
    base = (dt.date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * 86400
    leap, next_leap = is_leap(year), is_leap(year + 1)
    return base, leap, dt.date(year, 1, 1).weekday(), next_leap, (730 + leap + next_leap) * 86400


def _zoned_total(cal: WallCalendar, eras: Sequence[tuple[int, int, int]],
                 schedule: Schedule, zone: Offsets) -> tuple[Agg | None, int | None]:
    memo: dict[tuple[bool, int, bool, int, int, int], Agg | None] = {}
    walks: dict[tuple[bool, int, bool, int, int, int], int | None] = {}
    stalled: set[tuple[bool, int, bool, int, int, int]] = set()
    times = frozenset(schedule.times_of_day)
    total: Agg | None = None
    for index, (a, b, offset) in enumerate(eras):
        start, crossing = a, None
        if index and total is not None:
            last = total[2]
            base, leap, weekday, next_leap, _ = _year_info(dt.datetime.fromtimestamp(a + offset, UTC).year)
            wkey = (leap, weekday, next_leap, last - base, a - base, offset)
            if wkey not in walks:
                found = next_after_oracle(schedule, zone, last)
                if found is not None:
                    following = next_after_oracle(schedule, zone, found) if found > last else found
                    if following is not None and following <= found:
                        stalled.add(wkey)
                walks[wkey] = None if found is None else found - base
            rel_next = walks[wkey]
            if rel_next is None:
                break
            if wkey in stalled:
                return total, rel_next + base
            if rel_next + base >= b:
                continue
            if rel_next + base >= a:
                start = rel_next + base
                day, minute = divmod((start + offset) // 60, 1440)
                if (start + offset) % 60 or minute not in times or not cal.day_matches(day):
                    crossing = (1, start, start, -1, start, BIG)
        wa, wb = start + offset, b + offset
        base, leap, weekday, next_leap, two_years = _year_info(dt.datetime.fromtimestamp(wa, UTC).year)
        if wb - base <= two_years:
            key = (leap, weekday, next_leap, wa - base, wb - base, offset)
            if key in memo:
                rel = memo[key]
            else:
                got = cal.minutes(_ceil_div(wa, 60), _ceil_div(wb, 60))
                rel = memo[key] = None if got is None else scale(got, 60, offset + base)
            era = None if rel is None else shift(rel, base)
        else:
            got = cal.minutes(_ceil_div(wa, 60), _ceil_div(wb, 60))
            era = None if got is None else scale(got, 60, offset)
        total = combine(total, combine(crossing, era))
    return total, None


def _zoned_total_unmemoised(cal: WallCalendar, eras: Sequence[tuple[int, int, int]],
                            schedule: Schedule, zone: Offsets) -> tuple[Agg | None, int | None]:
    """The era loop without memoisation: every era computed, every walk made."""
    times = frozenset(schedule.times_of_day)
    total: Agg | None = None
    for index, (a, b, offset) in enumerate(eras):
        start, crossing = a, None
        if index and total is not None:
            last = total[2]
            found = next_after_oracle(schedule, zone, last)
            if found is None:
                break
            following = next_after_oracle(schedule, zone, found) if found > last else found
            if following is not None and following <= found:
                return total, found
            if found >= b:
                continue
            if found >= a:
                start = found
                day, minute = divmod((start + offset) // 60, 1440)
                if (start + offset) % 60 or minute not in times or not cal.day_matches(day):
                    crossing = (1, start, start, -1, start, BIG)
        wa, wb = start + offset, b + offset
        got = cal.minutes(_ceil_div(wa, 60), _ceil_div(wb, 60))
        era = None if got is None else scale(got, 60, offset)
        total = combine(total, combine(crossing, era))
    return total, None


def comparable(analysis: Analysis) -> tuple[object, ...]:
    """Every field of ``analysis``, a datetime as its ISO text (instant, wall time and offset): the fast analysis
    shows its zone through :class:`~generator.schedule.zones.Zone`, the oracle through a fixed offset."""
    return tuple(v.isoformat() if isinstance(v, dt.datetime) else v for v in analysis._values(analysis))
