"""Oracles for the fast paths of the schedule analysis: the simple implementations as they were before #16.

Kept verbatim (only renamed; the wall calendar's day aggregation as a subclass) from ``generator/schedule/robfig.py``,
``tzfile.py``, ``aggregate.py`` and ``analysis.py`` at the commit before the speed-up, so the differential tests in
``test_schedule_fast_paths.py`` compare the fast code with what it replaced: robfig's ``Next`` walked one day / one
month at a time with zoneinfo, a zone's offset changes found by trying every footer-rule bound with ``dt.date``
arithmetic and ``offset_at`` per candidate, the POSIX TZ footer parsed by a regular expression, the wall calendar's
days a year and a month at a time, and the era loop of the analysis (memoised per era, as it was, and without any
memo). Do not optimise this file.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from collections.abc import Sequence
from functools import lru_cache

from generator.schedule.aggregate import BIG, Agg, WallCalendar, agg_of, combine, scale, shift
from generator.schedule.analysis import HORIZON_START, Analysis
from generator.schedule.describe import describe
from generator.schedule.golang import days_in, is_leap
from generator.schedule.spec import Schedule
from generator.schedule.tzfile import ZoneModel, probe_model, zone_model
from generator.schedule.zones import UTC, offset_at

TYPE_CHECKING = False
if TYPE_CHECKING:
    from generator.schedule.robfig import Fields

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_SEARCH_YEARS = 400 + 10
_CYCLE_DAYS = 146097
_CYCLE_S = _CYCLE_DAYS * 86400

# --------------------------------------------------------------------------------------------------------------
# robfig's Next, one step at a time
# --------------------------------------------------------------------------------------------------------------


def go_date(zone: dt.tzinfo, year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    days = dt.date(year, month, 1).toordinal() - _EPOCH_ORDINAL + day - 1
    wall = days * 86400 + hour * 3600 + minute * 60 + second
    return wall - offset_at(zone, wall - offset_at(zone, wall))


def _fast_forward(zone: dt.tzinfo, t: int, unit: int, value: int, modulo: int, wanted: frozenset[int]) -> int:
    steps = 1
    while steps < modulo and (value + steps) % modulo not in wanted and (value + steps) % modulo != 0:
        steps += 1
    jumped = t + steps * unit
    if offset_at(zone, jumped) == offset_at(zone, t):
        return jumped
    while True:
        t += unit
        local = dt.datetime.fromtimestamp(t, zone)
        got = local.minute if unit == 60 else local.hour
        if got in wanted or got == 0:
            return t


def _day_matches(spec: Fields, local: dt.datetime) -> bool:
    dom = local.day in spec.days_of_month
    dow = (local.weekday() + 1) % 7 in spec.days_of_week
    return (dom and dow) if spec.days_anded else (dom or dow)


def next_after_oracle(spec: Fields, zone: dt.tzinfo, after: int) -> int | None:
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
            if local.hour != 0:
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
            added = True
            jumped = t + 60 - local.second
            if offset_at(zone, jumped) == offset_at(zone, t) and dt.datetime.fromtimestamp(jumped, zone).second == 0:
                t = jumped
            else:  # pragma: no cover
                t += 1
                while dt.datetime.fromtimestamp(t, zone).second != 0:
                    t += 1
            continue
        return t


# --------------------------------------------------------------------------------------------------------------
# A zone's offset changes: every footer-rule bound, dt.date arithmetic, offset_at per candidate
# --------------------------------------------------------------------------------------------------------------


def _rule_day(spec: str, year: int) -> dt.date:
    if spec.startswith("J"):
        n = int(spec[1:])
        day = dt.date(year, 1, 1) + dt.timedelta(days=n - 1)
        if is_leap(year) and n >= 60:
            day += dt.timedelta(days=1)
        return day
    if spec.startswith("M"):
        month, week, weekday = (int(p) for p in spec[1:].split("."))
        first = (dt.date(year, month, 1).weekday() + 1) % 7
        d = 1 + (weekday - first) % 7 + (week - 1) * 7
        length = days_in(year, month)
        while d > length:
            d -= 7
        return dt.date(year, month, d)
    return dt.date(year, 1, 1) + dt.timedelta(days=int(spec))


def _year_bounds(model: ZoneModel, year: int) -> tuple[int, int]:
    rule = model.rule
    assert rule is not None and rule.dst is not None
    s = (_rule_day(rule.start, year).toordinal() - _EPOCH_ORDINAL) * 86400 + rule.start_time - rule.std
    e = (_rule_day(rule.end, year).toordinal() - _EPOCH_ORDINAL) * 86400 + rule.end_time - rule.dst
    return s, e


def offset_at_oracle(model: ZoneModel, stamp: int) -> int:
    times, rule = model.times, model.rule
    i = bisect.bisect_right(times, stamp)
    if i == 0 and (times or rule is None):
        return model.initial
    if 0 < i < len(times) or (i and rule is None):
        return model.offsets[i - 1]
    assert rule is not None
    if rule.dst is None:
        return rule.std
    s, e = _year_bounds(model, dt.datetime.fromtimestamp(stamp, UTC).year)
    is_dst = s <= stamp < e if s < e else not e <= stamp < s
    return rule.dst if is_dst else rule.std


def changes_oracle(model: ZoneModel, a: int, b: int) -> list[tuple[int, int]]:
    """``(instant, new offset)`` for every offset change in ``(a, b)``."""
    candidates = [t for t in model.times if a < t < b]
    rule = model.rule
    last = model.times[-1] if model.times else None
    if rule is not None and rule.dst is not None:
        y0 = dt.datetime.fromtimestamp(max(a, last if last is not None else a), UTC).year - 1
        y1 = dt.datetime.fromtimestamp(b, UTC).year + 1
        for year in range(y0, y1 + 1):
            for t in _year_bounds(model, year):
                if a < t < b and (last is None or t > last):
                    candidates.append(t)
    out: list[tuple[int, int]] = []
    current = offset_at_oracle(model, a)
    for t in sorted(set(candidates)):
        new = offset_at_oracle(model, t)
        if new != current:
            out.append((t, new))
            current = new
    return out


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


def _zone_eras(key: str, zone: dt.tzinfo) -> tuple[tuple[tuple[int, int, int], ...], ZoneModel]:
    w0 = (HORIZON_START.toordinal() - _EPOCH_ORDINAL) * 86400
    w1 = w0 + _CYCLE_S
    model = zone_model(key)
    if model is None:
        model = probe_model(zone, w0 - 2 * 86400, w1 + 2 * 86400)
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


def analyze_oracle(schedule: Schedule, memo: bool = True) -> Analysis:
    """The analysis as it was; ``memo=False`` also drops the era loop's memoisation (every era and walk made)."""
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
    if schedule.time_zone is None or schedule.zone is UTC:
        w0 = day0 * 86400
        eras: tuple[tuple[int, int, int], ...] = ((w0, w0 + _CYCLE_S, 0),)
    else:
        eras, model = _zone_eras(schedule.time_zone, schedule.zone)
    stall: int | None = None
    if model is None:
        total: Agg | None = wall
    else:
        total, stall = (_zoned_total if memo else _zoned_total_unmemoised)(cal, eras, schedule)
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
        worst_case_after=dt.datetime.fromtimestamp(max_at, schedule.zone),
        worst_case_from_dst=max_gap > wall_worst,
        wall_worst_case_delay=dt.timedelta(seconds=wall_worst),
        stalls_at=None if stall is None else dt.datetime.fromtimestamp(stall, schedule.zone),
    )


@lru_cache(maxsize=1024)
def _year_info(year: int) -> tuple[int, bool, int, bool, int]:
    base = (dt.date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * 86400
    leap, next_leap = is_leap(year), is_leap(year + 1)
    return base, leap, dt.date(year, 1, 1).weekday(), next_leap, (730 + leap + next_leap) * 86400


def _zoned_total(cal: WallCalendar, eras: Sequence[tuple[int, int, int]],
                 schedule: Schedule) -> tuple[Agg | None, int | None]:
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
                found = next_after_oracle(schedule, schedule.zone, last)
                if found is not None:
                    following = next_after_oracle(schedule, schedule.zone, found) if found > last else found
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
                            schedule: Schedule) -> tuple[Agg | None, int | None]:
    """The era loop without memoisation: every era computed, every walk made."""
    times = frozenset(schedule.times_of_day)
    total: Agg | None = None
    for index, (a, b, offset) in enumerate(eras):
        start, crossing = a, None
        if index and total is not None:
            last = total[2]
            found = next_after_oracle(schedule, schedule.zone, last)
            if found is None:
                break
            following = next_after_oracle(schedule, schedule.zone, found) if found > last else found
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


# --------------------------------------------------------------------------------------------------------------
# The POSIX TZ footer grammar as a regular expression (tzfile parses it with a scanner now)
# --------------------------------------------------------------------------------------------------------------

_TZ_TIME = r"[+-]?\d{1,3}(?::\d{1,2}(?::\d{1,2})?)?"
_TZ_NAME = r"(?:<[^>]*>|[A-Za-z]{3,})"
_TZ_DATE = r"(?:J\d{1,3}|\d{1,3}|M\d{1,2}\.\d\.\d)"
TZ_STRING = re.compile(
    rf"(?P<std>{_TZ_NAME})(?P<stdoff>{_TZ_TIME})"
    rf"(?:(?P<dst>{_TZ_NAME})(?P<dstoff>{_TZ_TIME})?"
    rf"(?:,(?P<start>{_TZ_DATE})(?:/(?P<starttime>{_TZ_TIME}))?,(?P<end>{_TZ_DATE})(?:/(?P<endtime>{_TZ_TIME}))?)?)?"
)


def posix_parts_oracle(text: str) -> dict[str, str] | None:
    """The groups the regular expression matched (absent ones left out), or ``None``."""
    m = TZ_STRING.fullmatch(text)
    return None if m is None else {k: v for k, v in m.groupdict().items() if v is not None}
