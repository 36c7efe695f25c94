"""Oracles for the fast paths of the schedule analysis: the simple implementations as they were before #16.

Kept verbatim (only renamed) from ``generator/schedule/robfig.py`` and ``tzfile.py`` at the commit before the
speed-up, so the differential tests in ``test_schedule_fast_paths.py`` compare the fast code with what it replaced:
robfig's ``Next`` walked one day / one month at a time, a zone's offset changes found by trying every footer-rule
bound with ``dt.date`` arithmetic and ``offset_at`` per candidate, and the POSIX TZ footer parsed by a regular
expression. The analysis as it was is in ``analysis_oracle.py``. Do not optimise this file.

The walk reads its zone through an offset function (epoch second -> UTC offset), its wall fields being those of
``t + offset(t)`` (what ``fromtimestamp(t, zone)`` gave): :func:`zoneinfo_offsets` is zoneinfo's reading, the walk's
before the zone model became the one reader, and the reference for every real zone; :func:`model_offsets` is Go's
reading of the TZif file (:func:`offset_at_oracle`), the reference for rules where zoneinfo and Go differ
(``test_synthetic_zones.py``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import zoneinfo
from collections.abc import Callable

from generator.schedule.golang import days_in, is_leap
from generator.schedule.tzfile import ZoneModel

UTC = dt.UTC
Offsets = Callable[[int], int]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from generator.schedule.robfig import Fields

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_SEARCH_YEARS = 400 + 10
_WALL_EPOCH = dt.datetime(1970, 1, 1)


def zoneinfo_offsets(key: str | None) -> Offsets:
    """zoneinfo's offsets of ``key`` (UTC for ``None``)."""
    zone: dt.tzinfo = UTC if key is None else zoneinfo.ZoneInfo(key)

    def offset(stamp: int) -> int:
        off = dt.datetime.fromtimestamp(stamp, zone).utcoffset()
        return int(off.total_seconds()) if off is not None else 0

    return offset


def model_offsets(model: ZoneModel) -> Offsets:
    """Go's offsets of a TZif model, read by :func:`offset_at_oracle`."""
    return lambda stamp: offset_at_oracle(model, stamp)


def _local(zone: Offsets, t: int) -> dt.datetime:
    return _WALL_EPOCH + dt.timedelta(seconds=t + zone(t))
# --------------------------------------------------------------------------------------------------------------
# robfig's Next, one step at a time
# --------------------------------------------------------------------------------------------------------------


def go_date(zone: Offsets, year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    days = dt.date(year, month, 1).toordinal() - _EPOCH_ORDINAL + day - 1
    wall = days * 86400 + hour * 3600 + minute * 60 + second
    return wall - zone(wall - zone(wall))


def _fast_forward(zone: Offsets, t: int, unit: int, value: int, modulo: int, wanted: frozenset[int]) -> int:
    steps = 1
    while steps < modulo and (value + steps) % modulo not in wanted and (value + steps) % modulo != 0:
        steps += 1
    jumped = t + steps * unit
    if zone(jumped) == zone(t):
        return jumped
    while True:
        t += unit
        local = _local(zone, t)
        got = local.minute if unit == 60 else local.hour
        if got in wanted or got == 0:
            return t


def _day_matches(spec: Fields, local: dt.datetime) -> bool:
    dom = local.day in spec.days_of_month
    dow = (local.weekday() + 1) % 7 in spec.days_of_week
    return (dom and dow) if spec.days_anded else (dom or dow)


def next_after_oracle(spec: Fields, zone: Offsets, after: int) -> int | None:
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
            t = go_date(zone, local.year, local.month, local.day + 1, local.hour, local.minute, local.second)
            local = _local(zone, t)
            if local.hour != 0:
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
            t = _fast_forward(zone, t, 3600, local.hour, 24, hours)
            local = _local(zone, t)
            if local.hour == 0:
                continue
        if local.minute not in minutes:
            if not added:
                added = True
                t -= t % 60
                local = _local(zone, t)
            t = _fast_forward(zone, t, 60, local.minute, 60, minutes)
            local = _local(zone, t)
            if local.minute == 0:
                continue
        if local.second != 0:
            added = True
            jumped = t + 60 - local.second
            if zone(jumped) == zone(t) and _local(zone, jumped).second == 0:
                t = jumped
            else:  # pragma: no cover
                t += 1
                while _local(zone, t).second != 0:
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
    is_dst = s <= stamp < e if s <= e else not e <= stamp < s  # Go's tzset: never DST when the bounds coincide
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
            # Go's tzset reads each UTC year by its own bounds: a change happens at a bound or at a new year
            new_year = int(dt.datetime(year, 1, 1, tzinfo=UTC).timestamp())
            for t in (*_year_bounds(model, year), new_year):
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
