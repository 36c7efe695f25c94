"""What a schedule means in practice: description, run counts, worst-case delay, shortest interval.

Everything is computed from the field sets over *days*, never by walking every run:

* The calendar is periodic over one Gregorian cycle (400 years = 146097 days = 20871 weeks). Matching days are
  aggregated per month pattern (month length x weekday of day 1: 28 patterns) and per year type (leap x weekday of
  1 January: 14 types), so a 400-year pass is ~400 cheap steps.
* An aggregate of runs is ``(count, first, last, max gap, start of max gap, min gap)``; aggregates of adjacent
  stretches combine in O(1) (the junction gap is ``next.first - prev.last``).
* Time zones: the horizon is split into *eras* of constant UTC offset at the zone's real transitions (read from
  the zone's TZif file and its POSIX footer rule). Inside an era the runs are the wall-clock runs of the era's
  wall-time window shifted by the offset; consecutive eras overlap in wall time at a fall-back (runs twice) and
  leave a hole at a spring-forward (runs skipped). Era results are memoised by (year type, position in year,
  offset), so ~800 transitions cost a few dozen real computations.

Horizon (decision): the Gregorian cycle starting at local 2026-01-01 00:00, i.e. [2026-01-01, 2426-01-01); the
gap from the last run of the cycle to the first run of the next cycle is included (exact in UTC, and assuming the
zone's current rules repeat otherwise). Historic transitions before 2026 are deliberately ignored: this tool is
about the schedule's future behaviour.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import itertools
import os
import re
import struct
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from generator.schedule.cron import UTC, Schedule

__all__ = [
    "HORIZON_START",
    "HORIZON_YEARS",
    "Analysis",
    "analyze",
    "describe",
    "format_duration",
    "format_hours",
    "go_duration_string",
]

HORIZON_START = dt.date(2026, 1, 1)
HORIZON_YEARS = 400
_CYCLE_DAYS = 146097
_CYCLE_S = _CYCLE_DAYS * 86400
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_BIG = 1 << 62  # "no gap" sentinel for minimum gaps

# An aggregate: (count, first, last, max_gap, max_gap_start, min_gap). max_gap is -1 and min_gap _BIG when there
# are fewer than two elements. Units depend on the level: day numbers, wall minutes, or real seconds.
Agg = tuple[int, int, int, int, int, int]


def _combine(a: Agg | None, b: Agg | None) -> Agg | None:
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


def _shift(a: Agg, by: int) -> Agg:
    return (a[0], a[1] + by, a[2] + by, a[3], a[4] + by, a[5])


def _scale(a: Agg, factor: int, minus: int) -> Agg:
    """Map positions p -> p*factor - minus and gaps g -> g*factor (sentinels kept)."""
    max_gap = a[3] * factor if a[3] >= 0 else -1
    min_gap = a[5] * factor if a[5] < _BIG else _BIG
    return (a[0], a[1] * factor - minus, a[2] * factor - minus, max_gap, a[4] * factor - minus, min_gap)


def _agg_of(points: Sequence[int], diffs: Sequence[int], i: int, j: int) -> Agg | None:
    """Aggregate of sorted ``points[i:j]``; ``diffs[k] = points[k+1] - points[k]``."""
    if i >= j:
        return None
    if j - i == 1:
        return (1, points[i], points[i], -1, points[i], _BIG)
    max_gap = max(diffs[i:j - 1])
    at = diffs.index(max_gap, i, j - 1)
    return (j - i, points[i], points[j - 1], max_gap, points[at], min(diffs[i:j - 1]))


# --------------------------------------------------------------------------------------------------------------
# Calendar engine (wall clock, no DST)
# --------------------------------------------------------------------------------------------------------------


class _Calendar:
    """Aggregates of wall-clock runs over day and minute ranges (days/minutes counted from 1970-01-01)."""

    def __init__(self, schedule: Schedule) -> None:
        self.s = schedule
        self.times = schedule.times_of_day
        self.n = len(self.times)
        self.tdiffs = [b - a for a, b in itertools.pairwise(self.times)]
        self.day_agg = _agg_of(self.times, self.tdiffs, 0, self.n)
        self._patterns: dict[tuple[int, int], tuple[tuple[int, ...], list[int], Agg | None]] = {}
        self._years: dict[tuple[bool, int], Agg | None] = {}

    # -- days ---------------------------------------------------------------------------------------------------

    def _pattern(self, length: int, first_weekday: int) -> tuple[tuple[int, ...], list[int], Agg | None]:
        key = (length, first_weekday)
        pat = self._patterns.get(key)
        if pat is None:
            days = self.s.month_days(length, first_weekday)
            diffs = [b - a for a, b in itertools.pairwise(days)]
            pat = (days, diffs, _agg_of(days, diffs, 0, len(days)))
            self._patterns[key] = pat
        return pat

    def _month(self, year: int, month: int, lo: int, hi: int) -> Agg | None:
        """Matching days ``lo..hi`` (1-based, inclusive) of a month, as day numbers within the month."""
        if month not in self.s.months:
            return None
        first_weekday = (dt.date(year, month, 1).weekday() + 1) % 7
        days, diffs, whole = self._pattern(calendar.monthrange(year, month)[1], first_weekday)
        if lo <= 1 and hi >= 31:
            return whole
        return _agg_of(days, diffs, bisect.bisect_left(days, lo), bisect.bisect_right(days, hi))

    def _year(self, year: int) -> Agg | None:
        """Matching days of a whole year, relative to 1 January (0-based)."""
        key = (calendar.isleap(year), dt.date(year, 1, 1).weekday())
        if key not in self._years:
            res: Agg | None = None
            start = 0
            for month in range(1, 13):
                got = self._month(year, month, 1, 31)
                if got is not None:
                    res = _combine(res, _shift(got, start - 1))
                start += calendar.monthrange(year, month)[1]
            self._years[key] = res
        return self._years[key]

    def days(self, da: int, db: int) -> Agg | None:
        """Matching days in ``[da, db)``."""
        res: Agg | None = None
        d = da
        while d < db:
            day = dt.date.fromordinal(d + _EPOCH_ORDINAL)
            if day.month == 1 and day.day == 1:
                length = 366 if calendar.isleap(day.year) else 365
                if d + length <= db:
                    got = self._year(day.year)
                    if got is not None:
                        res = _combine(res, _shift(got, d))
                    d += length
                    continue
            month_start = d - day.day + 1
            stop = min(month_start + calendar.monthrange(day.year, day.month)[1], db)
            got = self._month(day.year, day.month, day.day, stop - month_start)
            if got is not None:
                res = _combine(res, _shift(got, month_start - 1))
            d = stop
        return res

    def day_matches(self, d: int) -> bool:
        return self.s.day_matches(dt.date.fromordinal(d + _EPOCH_ORDINAL))

    # -- minutes ------------------------------------------------------------------------------------------------

    def _days_to_minutes(self, days: Agg) -> Agg:
        count, first_d, last_d, max_dd, max_at_d, min_dd = days
        times = self.times
        span = times[-1] - times[0]
        first = first_d * 1440 + times[0]
        last = last_d * 1440 + times[-1]
        max_gap, max_at, min_gap = -1, first, _BIG
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
            return None if self.day_agg is None else _shift(self.day_agg, d * 1440)
        got = _agg_of(self.times, self.tdiffs, bisect.bisect_left(self.times, lo), bisect.bisect_left(self.times, hi))
        return None if got is None else _shift(got, d * 1440)

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
                res = _combine(res, self._days_to_minutes(days))
        if mb > 0:
            res = _combine(res, self._day_slice(db, 0, mb))
        return res


# --------------------------------------------------------------------------------------------------------------
# Zone model: TZif transitions + POSIX TZ footer rule
# --------------------------------------------------------------------------------------------------------------

_TZ_TIME = r"[+-]?\d{1,3}(?::\d{1,2}(?::\d{1,2})?)?"
_TZ_NAME = r"(?:<[^>]*>|[A-Za-z]{3,})"
_TZ_DATE = r"(?:J\d{1,3}|\d{1,3}|M\d{1,2}\.\d\.\d)"
_TZ_STRING = re.compile(
    rf"(?P<std>{_TZ_NAME})(?P<stdoff>{_TZ_TIME})"
    rf"(?:(?P<dst>{_TZ_NAME})(?P<dstoff>{_TZ_TIME})?"
    rf"(?:,(?P<start>{_TZ_DATE})(?:/(?P<starttime>{_TZ_TIME}))?,(?P<end>{_TZ_DATE})(?:/(?P<endtime>{_TZ_TIME}))?)?)?"
)


def _tz_seconds(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")]
    parts += [0] * (3 - len(parts))
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def _rule_day(spec: str, year: int) -> dt.date:
    """The date a POSIX TZ rule date (``Jn``, ``n`` or ``Mm.w.d``) falls on in ``year``."""
    if spec.startswith("J"):
        n = int(spec[1:])  # 1..365, 29 February never counted
        day = dt.date(year, 1, 1) + dt.timedelta(days=n - 1)
        if calendar.isleap(year) and n >= 60:
            day += dt.timedelta(days=1)
        return day
    if spec.startswith("M"):
        month, week, weekday = (int(p) for p in spec[1:].split("."))
        first = (dt.date(year, month, 1).weekday() + 1) % 7
        d = 1 + (weekday - first) % 7 + (week - 1) * 7
        length = calendar.monthrange(year, month)[1]
        while d > length:
            d -= 7
        return dt.date(year, month, d)
    return dt.date(year, 1, 1) + dt.timedelta(days=int(spec))  # 0..365, leap day counted


@dataclass(frozen=True)
class _Rule:
    std: int
    dst: int | None
    start: str = ""
    start_time: int = 7200
    end: str = ""
    end_time: int = 7200

    def year_bounds(self, year: int) -> tuple[int, int]:
        """UTC epoch seconds of the switch to DST and back to standard time in ``year``."""
        return _year_bounds(self, year)

    def offset_at(self, stamp: int) -> int:
        if self.dst is None:
            return self.std
        s, e = _year_bounds(self, dt.datetime.fromtimestamp(stamp, UTC).year)
        is_dst = s <= stamp < e if s < e else not e <= stamp < s
        return self.dst if is_dst else self.std


@lru_cache(maxsize=4096)
def _year_bounds(rule: _Rule, year: int) -> tuple[int, int]:
    assert rule.dst is not None
    s = (_rule_day(rule.start, year).toordinal() - _EPOCH_ORDINAL) * 86400 + rule.start_time - rule.std
    e = (_rule_day(rule.end, year).toordinal() - _EPOCH_ORDINAL) * 86400 + rule.end_time - rule.dst
    return s, e


def _parse_rule(text: str) -> _Rule | None:
    m = _TZ_STRING.fullmatch(text)
    if m is None:
        return None
    std = -_tz_seconds(m["stdoff"])  # POSIX offsets count west of Greenwich
    if m["dst"] is None:
        return _Rule(std, None)
    dst = -_tz_seconds(m["dstoff"]) if m["dstoff"] else std + 3600
    if m["start"] is None:  # no rule given: not produced by zic; treat as no DST
        return _Rule(std, None)
    return _Rule(
        std,
        dst,
        m["start"],
        _tz_seconds(m["starttime"]) if m["starttime"] else 7200,
        m["end"],
        _tz_seconds(m["endtime"]) if m["endtime"] else 7200,
    )


@dataclass(frozen=True)
class _ZoneModel:
    times: tuple[int, ...]
    offsets: tuple[int, ...]  # offset in effect from times[i]
    initial: int
    rule: _Rule | None

    def offset_at(self, stamp: int) -> int:
        i = bisect.bisect_right(self.times, stamp)
        if i == 0:
            return self.initial if self.times or self.rule is None else self.rule.offset_at(stamp)
        if i < len(self.times) or self.rule is None:
            return self.offsets[i - 1]
        return self.rule.offset_at(stamp)

    def changes(self, a: int, b: int) -> list[tuple[int, int]]:
        """``(instant, new offset)`` for every offset change in ``(a, b)``."""
        candidates = [t for t in self.times if a < t < b]
        rule = self.rule
        last = self.times[-1] if self.times else None
        if rule is not None and rule.dst is not None:
            y0 = dt.datetime.fromtimestamp(max(a, last if last is not None else a), UTC).year - 1
            y1 = dt.datetime.fromtimestamp(b, UTC).year + 1
            for year in range(y0, y1 + 1):
                for t in rule.year_bounds(year):
                    if a < t < b and (last is None or t > last):
                        candidates.append(t)
        out: list[tuple[int, int]] = []
        current = self.offset_at(a)
        for t in sorted(set(candidates)):
            new = self.offset_at(t)
            if new != current:
                out.append((t, new))
                current = new
        return out


def _parse_tzif(data: bytes) -> _ZoneModel | None:
    if data[:4] != b"TZif" or len(data) < 44:
        return None
    version = data[4]

    def counts(at: int) -> tuple[int, ...]:
        return struct.unpack(">6l", data[at + 20:at + 44])

    isut, isstd, leap, timecnt, typecnt, charcnt = counts(0)
    pos = 44
    time_size = 4
    if version >= ord("2"):
        pos += timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut
        isut, isstd, leap, timecnt, typecnt, charcnt = counts(pos)
        pos += 44
        time_size = 8
    fmt = "q" if time_size == 8 else "l"
    times = struct.unpack(f">{timecnt}{fmt}", data[pos:pos + timecnt * time_size])
    pos += timecnt * time_size
    idx = data[pos:pos + timecnt]
    pos += timecnt
    types = [struct.unpack(">lBB", data[pos + 6 * k:pos + 6 * k + 6])[0] for k in range(typecnt)]
    pos += typecnt * 6 + charcnt + leap * (time_size + 4) + isstd + isut
    rule = None
    if version >= ord("2"):
        footer = data[pos:].split(b"\n")
        if len(footer) >= 2 and footer[1]:
            rule = _parse_rule(footer[1].decode("ascii", "replace"))
            if rule is None:
                return None
    if not types:
        return None
    return _ZoneModel(tuple(times), tuple(types[i] for i in idx), types[0], rule)


def _read_tzif(key: str) -> bytes | None:
    """The TZif bytes zoneinfo would load for ``key`` (TZPATH first, then the tzdata package)."""
    for base in zoneinfo.TZPATH:
        path = os.path.join(base, key)
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                return handle.read()
    try:
        import importlib.resources

        return importlib.resources.files("tzdata").joinpath("zoneinfo", *key.split("/")).read_bytes()
    except (ImportError, OSError, ValueError):
        return None


def _probe_model(zone: dt.tzinfo, a: int, b: int) -> _ZoneModel:
    """Fallback when the TZif file cannot be read: find offset changes by sampling zoneinfo weekly + bisection."""

    def off(stamp: int) -> int:
        o = dt.datetime.fromtimestamp(stamp, zone).utcoffset()
        return int(o.total_seconds()) if o is not None else 0

    times: list[int] = []
    offsets: list[int] = []
    step = 7 * 86400
    t, cur = a, off(a)
    while t < b:
        nxt = min(t + step, b)
        if off(nxt) != cur:
            lo, hi = t, nxt
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if off(mid) == cur:
                    lo = mid
                else:
                    hi = mid
            cur = off(hi)
            times.append(hi)
            offsets.append(cur)
            t = hi
        else:
            t = nxt
    return _ZoneModel(tuple(times), tuple(offsets), off(a), None)


@lru_cache(maxsize=64)
def _zone_model(key: str) -> _ZoneModel | None:
    data = _read_tzif(key)
    return None if data is None else _parse_tzif(data)


def _eras(schedule: Schedule) -> tuple[tuple[tuple[int, int, int], ...], _ZoneModel | None]:
    """Real-time eras ``(start, end, offset)`` covering the horizon, and the zone model used."""
    if schedule.time_zone is None or schedule.zone is UTC:
        w0 = (HORIZON_START.toordinal() - _EPOCH_ORDINAL) * 86400
        return ((w0, w0 + _CYCLE_S, 0),), None
    return _zone_eras(schedule.time_zone, schedule.zone)


@lru_cache(maxsize=64)
def _zone_eras(key: str, zone: dt.tzinfo) -> tuple[tuple[tuple[int, int, int], ...], _ZoneModel]:
    w0 = (HORIZON_START.toordinal() - _EPOCH_ORDINAL) * 86400
    w1 = w0 + _CYCLE_S
    model = _zone_model(key)
    if model is None:
        model = _probe_model(zone, w0 - 2 * 86400, w1 + 2 * 86400)
    h0 = w0 - model.offset_at(w0 - model.offset_at(w0))
    h1 = w1 - model.offset_at(w1 - model.offset_at(w1))
    eras: list[tuple[int, int, int]] = []
    start, offset = h0, model.offset_at(h0)
    for t, new in model.changes(h0, h1):
        eras.append((start, t, offset))
        start, offset = t, new
    eras.append((start, h1, offset))
    return tuple(eras), model


# --------------------------------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    description: str
    fires: bool
    runs_per_day: float
    runs_per_year: float
    worst_case_delay: dt.timedelta | None
    min_interval: dt.timedelta | None
    max_runs_in_an_hour: int
    #: local time of the run that starts the (first) longest gap in the horizon
    worst_case_after: dt.datetime | None = field(default=None, compare=False)
    #: True when daylight-saving time makes the worst case longer than the wall-clock calendar alone would
    worst_case_from_dst: bool = field(default=False, compare=False)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _max_in_hour(times: Sequence[int], wraps: bool) -> int:
    pts = list(times) + ([t + 1440 for t in times] if wraps else [])
    best, j = 0, 0
    for i, t in enumerate(pts):
        while pts[j] <= t - 60:
            j += 1
        best = max(best, i - j + 1)
    return best


@lru_cache(maxsize=4096)
def analyze(schedule: Schedule) -> Analysis:
    """Analyse ``schedule`` over one Gregorian cycle (see the module docstring for the horizon).

    Memoised: equal schedules (same fields and zone) share one result, so a fleet pays once per distinct
    schedule, and lint and the CronJob annotations of one overlay share one analysis.
    """
    description = describe(schedule)
    if schedule.every is not None:
        secs = int(schedule.every.total_seconds())
        per_day = 86400 / secs
        return Analysis(description, True, per_day, per_day * 365.2425, schedule.every, schedule.every,
                        _ceil_div(3600, secs))
    if not schedule.fires:
        return Analysis(description, False, 0.0, 0.0, None, None, 0)
    cal = _Calendar(schedule)
    day0 = HORIZON_START.toordinal() - _EPOCH_ORDINAL
    wall_days = cal.days(day0, day0 + _CYCLE_DAYS)
    assert wall_days is not None  # fires => some day matches in every 400-year cycle
    wall = _scale(cal._days_to_minutes(wall_days), 60, 0)
    wall_worst = max(wall[3], wall[1] + _CYCLE_S - wall[2])
    eras, model = _eras(schedule)
    if model is None:
        total: Agg | None = wall
    else:
        total = _zoned_total(cal, eras)
    if total is None or total[0] == 0:
        return Analysis(description, False, 0.0, 0.0, None, None, 0)
    count, first, last, max_gap, max_at, min_gap = total
    if model is None:
        wrap = first + _CYCLE_S - last
    else:
        first_wall = first + model.offset_at(first)
        shifted = first_wall + _CYCLE_S
        wrap = shifted - model.offset_at(shifted - model.offset_at(shifted)) - last
    if wrap > max_gap:
        max_gap, max_at = wrap, last
    min_gap = min(min_gap, wrap)
    per_day = count / _CYCLE_DAYS
    wraps = wall_days[0] > 1 and wall_days[5] == 1  # two consecutive matching days exist
    return Analysis(
        description=description,
        fires=True,
        runs_per_day=per_day,
        runs_per_year=per_day * 365.2425,
        worst_case_delay=dt.timedelta(seconds=max_gap),
        min_interval=dt.timedelta(seconds=min_gap),
        max_runs_in_an_hour=_max_in_hour(schedule.times_of_day, wraps),
        worst_case_after=dt.datetime.fromtimestamp(max_at, schedule.zone),
        worst_case_from_dst=max_gap > wall_worst,
    )


@lru_cache(maxsize=1024)
def _year_info(year: int) -> tuple[int, bool, int, bool, int]:
    """(wall seconds of 1 January, leap, weekday of 1 January, next year leap, seconds in this and next year)."""
    base = (dt.date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * 86400
    leap, next_leap = calendar.isleap(year), calendar.isleap(year + 1)
    return base, leap, dt.date(year, 1, 1).weekday(), next_leap, (730 + leap + next_leap) * 86400


def _zoned_total(cal: _Calendar, eras: Sequence[tuple[int, int, int]]) -> Agg | None:
    memo: dict[tuple[bool, int, bool, int, int, int], Agg | None] = {}
    total: Agg | None = None
    for a, b, offset in eras:
        wa, wb = a + offset, b + offset  # wall seconds
        base, leap, weekday, next_leap, two_years = _year_info(dt.datetime.fromtimestamp(wa, UTC).year)
        if wb - base <= two_years:
            key = (leap, weekday, next_leap, wa - base, wb - base, offset)
            if key in memo:
                rel = memo[key]
            else:
                got = cal.minutes(_ceil_div(wa, 60), _ceil_div(wb, 60))
                rel = memo[key] = None if got is None else _scale(got, 60, offset + base)
            era = None if rel is None else _shift(rel, base)
        else:
            got = cal.minutes(_ceil_div(wa, 60), _ceil_div(wb, 60))
            era = None if got is None else _scale(got, 60, offset)
        total = _combine(total, era)
    return total


# --------------------------------------------------------------------------------------------------------------
# Descriptions and durations
# --------------------------------------------------------------------------------------------------------------

_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _runs(values: Sequence[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for v in values:
        if out and v == out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def _list(values: Sequence[int], fmt: str = "{}", sep: str = "-") -> str:
    parts = []
    for lo, hi in _runs(values):
        if hi - lo >= 2:
            parts.append(fmt.format(lo) + sep + fmt.format(hi))
        else:
            parts.extend(fmt.format(v) for v in range(lo, hi + 1))
    return _join(parts)


def _step(values: Sequence[int], low: int, high: int) -> int | None:
    """k when values == range(low, high+1, k) with k > 1."""
    if len(values) < 2 or values[0] != low:
        return None
    k = values[1] - values[0]
    return k if k > 1 and list(values) == list(range(low, high + 1, k)) else None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _time_phrase(minutes: Sequence[int], hours: Sequence[int]) -> str:
    all_m, all_h = len(minutes) == 60, len(hours) == 24
    if all_m and all_h:
        return "every minute"
    if all_m:
        return f"every minute during hours {_list(hours, '{:02d}')}"
    m_step = _step(minutes, 0, 59)
    if len(minutes) == 1:
        m_text = f"at minute {minutes[0]}"
    elif m_step:
        m_text = f"every {m_step} minutes"
    else:
        m_text = f"at minutes {_list(minutes)}"
    if all_h:
        return m_text if m_step else f"{m_text} past every hour"
    if len(minutes) == 1 and len(hours) == 1:
        return f"at {hours[0]:02d}:{minutes[0]:02d}"
    h_step = _step(hours, 0, 23)
    if h_step:
        h_text = f"every {_ordinal(h_step)} hour"
    elif len(hours) == 1:
        h_text = f"hour {hours[0]:02d}"
    else:
        h_text = f"hours {_list(hours, '{:02d}')}"
    text = f"{m_text} {'during' if m_step else 'past'} {h_text}"
    if len(minutes) * len(hours) <= 8:
        text += " (" + ", ".join(f"{h:02d}:{m:02d}" for h in hours for m in minutes) + ")"
    return text


def _dom_phrase(days: Sequence[int]) -> str:
    step = _step(days, 1, 31)
    if step:
        return f"on every {_ordinal(step)} day of the month"
    return f"on day{'s' if len(days) > 1 else ''} {_list(days)} of the month"


def _dow_phrase(days: Sequence[int]) -> str:
    return "on " + _list_names(days, _WEEKDAYS)


def _list_names(values: Sequence[int], names: Sequence[str]) -> str:
    parts = []
    for lo, hi in _runs(values):
        if hi - lo >= 2:
            parts.append(f"{names[lo]} through {names[hi]}")
        else:
            parts.extend(names[v] for v in range(lo, hi + 1))
    return _join(parts)


def _day_phrase(s: Schedule) -> str:
    dom, dow = sorted(s.days_of_month), sorted(s.days_of_week)
    dom_all, dow_all = len(dom) == 31, len(dow) == 7
    if s.days_anded:
        if not dom or not dow:
            return "on no day (a day field selects nothing)"
        if dom_all and dow_all:
            text = "every day"
        elif dow_all:
            text = _dom_phrase(dom)
        elif dom_all:
            text = _dow_phrase(dow)
        else:
            text = f"{_dom_phrase(dom)} if it is a {_list_names(dow, _WEEKDAYS)}"
    elif dom_all or dow_all:
        text = "every day"
    elif not dom:
        text = _dow_phrase(dow)
    elif not dow:
        text = _dom_phrase(dom)
    else:
        text = f"{_dom_phrase(dom)} or {_dow_phrase(dow)}"
    months = sorted(s.months)
    if len(months) < 12:
        text += f", in {_list_names(months, _MONTHS)}"
    return text


def describe(schedule: Schedule) -> str:
    """Plain-English description, e.g. "at minute 0 past every 6th hour (00:00, 06:00, 12:00, 18:00), every day"."""
    zone = f", {schedule.time_zone}" if schedule.time_zone else ""
    if schedule.every is not None:
        return (f"every {format_duration(schedule.every)} (@every {go_duration_string(schedule.every)}), counted from "
                "the previous run rather than aligned to the clock")
    if not (schedule.minutes and schedule.hours and schedule.months):
        return "never (a field selects no value)"
    text = f"{_time_phrase(sorted(schedule.minutes), sorted(schedule.hours))}, {_day_phrase(schedule)}{zone}"
    if not schedule.fires:
        text += " (no such date: never runs)"
    return text


def go_duration_string(delta: dt.timedelta) -> str:
    """Go ``time.Duration.String`` for whole seconds, e.g. ``7m0s``, ``1h30m0s``."""
    secs = int(delta.total_seconds())
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    if h:
        return f"{h}h{m}m{s}s"
    if m:
        return f"{m}m{s}s"
    return f"{s}s"


def format_duration(delta: dt.timedelta) -> str:
    """Compact human form: ``45s``, ``15m``, ``6h 0m``, ``7d 0h``, ``2921d 0h, about 8.0 years``."""
    secs = int(delta.total_seconds())
    if secs < 60:
        return f"{secs}s"
    if secs < 3600:
        m, s = divmod(secs, 60)
        return f"{m}m" + (f" {s}s" if s else "")
    if secs < 86400:
        h, rem = divmod(secs, 3600)
        return f"{h}h {rem // 60}m"
    d, rem = divmod(secs, 86400)
    h, rem = divmod(rem, 3600)
    text = f"{d}d {h}h" + (f" {rem // 60}m" if rem // 60 else "")
    if d >= 365:
        text += f", about {secs / 86400 / 365.2425:.1f} years"
    return text


def format_hours(hours: frozenset[int] | Sequence[int]) -> str:
    """``00, 06, 12 and 18`` / ``09-17``: an hour set as text."""
    return _list(sorted(hours), "{:02d}")
