"""A time zone's offsets, read from its TZif file: transitions plus the POSIX TZ footer rule, as Go reads them.

The one reader of a zone's offsets (:class:`generator.schedule.zones.Zone` wraps it): robfig's walk, the analysis's
eras and the names ``validate`` accepts. The TZif file is the one zoneinfo would load (TZPATH first, then the
``tzdata`` package), read without importing zoneinfo. Go semantics (the CronJob controller is Go): past the last
transition the footer rule applies with the bounds of the instant's UTC year; a file without transitions is the
footer rule throughout; a rule whose two bounds coincide is never in DST.
"""

from __future__ import annotations

import bisect
import datetime as dt

from generator.memo import memo
from generator.records import Record
from generator.schedule.golang import days_in, is_leap, jan1_day, year_of_day
from generator.tzif_source import read_tzif

__all__ = ["ZoneModel", "parse_rule", "read_tzif", "zone_model"]

_DAYS_IN = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

def _posix_tz(text: str) -> dict[str, str] | None:
    """The parts of a POSIX TZ string (``std``, ``stdoff``, and when present ``dst``, ``dstoff``, ``start``,
    ``starttime``, ``end``, ``endtime``), or ``None`` unless all of ``text`` follows the grammar

    ``NAME TIME [NAME [TIME] [,DATE[/TIME],DATE[/TIME]]]`` with NAME ``<[^>]*>`` or three or more ASCII letters,
    TIME ``[+-]?d{1,3}(:d{1,2}(:d{1,2})?)?``, DATE ``Jd{1,3}``, ``d{1,3}`` or ``Md{1,2}.d.d`` (d: a decimal digit).
    A scanner, not a regular expression: compiling one cost half a millisecond of the first analysis (#16). No part
    may be followed by a character that could continue it, so taking the longest run of each is the only parse.
    """
    n = len(text)

    def name(i: int) -> int:
        if i < n and text[i] == "<":
            j = text.find(">", i + 1)
            return -1 if j < 0 else j + 1
        j = i
        while j < n and ("A" <= text[j] <= "Z" or "a" <= text[j] <= "z"):
            j += 1
        return j if j - i >= 3 else -1

    def digits(i: int, most: int) -> int:
        j = i
        while j < n and j - i < most and text[j].isdecimal():
            j += 1
        return j if j > i else -1

    def time(i: int) -> int:
        j = digits(i + 1 if i < n and text[i] in "+-" else i, 3)
        for _ in range(2):
            if j < 0 or j >= n or text[j] != ":" or digits(j + 1, 2) < 0:
                break
            j = digits(j + 1, 2)
        return j

    def date(i: int) -> int:
        if i < n and text[i] == "J":
            return digits(i + 1, 3)
        if i < n and text[i] == "M":
            j = digits(i + 1, 2)
            if j >= 0 and j + 3 < n and text[j] == "." and text[j + 2] == "." and text[j + 1].isdecimal() \
                    and text[j + 3].isdecimal():
                return j + 4
            return -1
        return digits(i, 3)

    parts: dict[str, str] = {}
    at = 0
    for part, scan, optional in (("std", name, False), ("stdoff", time, False), ("dst", name, False),
                                 ("dstoff", time, True), (",start", date, False), ("/starttime", time, True),
                                 (",end", date, False), ("/endtime", time, True)):
        if at == n and part in ("dst", "dstoff", ",start"):
            return parts  # the optional tail is absent
        lead = part[0] if part[0] in ",/" else ""
        if lead and (at >= n or text[at] != lead):
            if optional:
                continue
            return None
        end = scan(at + len(lead))
        if end < 0:
            if optional and not lead:
                continue
            return None
        parts[part.lstrip(",/")] = text[at + len(lead):end]
        at = end
    return parts if at == n else None


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
    return dt.date(year, 1, 1) + dt.timedelta(days=int(spec))  # 0..365, leap day counted


class _Rule(Record):
    _fields = ("std", "dst", "start", "start_time", "end", "end_time", "std_name", "dst_name")
    __slots__ = _fields
    std: int
    dst: int | None
    start: str
    start_time: int
    end: str
    end_time: int
    std_name: str
    dst_name: str

    def __init__(self, std: int, dst: int | None, start: str = "", start_time: int = 7200, end: str = "",
                 end_time: int = 7200, std_name: str = "", dst_name: str = "") -> None:
        self._set(std, dst, start, start_time, end, end_time, std_name, dst_name)

    def year_bounds(self, year: int) -> tuple[int, int]:
        """UTC epoch seconds of the switch to DST and back to standard time in ``year``."""
        return _year_bounds(self, year)

    def type_bounds(self, leap: bool, weekday: int) -> tuple[int, int]:
        """:meth:`year_bounds` relative to 1 January 00:00 UTC of a year of that type (``weekday``: of 1 January,
        Sunday = 0). The rule's days depend on nothing else, so 14 year types cover the Gregorian calendar."""
        assert self.dst is not None
        return ((_rule_day_number(self.start, leap, weekday) * 86400 + self.start_time - self.std),
                (_rule_day_number(self.end, leap, weekday) * 86400 + self.end_time - self.dst))

    def is_dst(self, stamp: int) -> bool:
        """Go's ``tzset``: DST from the start bound to the end bound of the instant's UTC year (the other way round
        when the end comes first); never when the two coincide."""
        if self.dst is None:
            return False
        s, e = _year_bounds(self, year_of_day(stamp // 86400))
        return s <= stamp < e if s <= e else not e <= stamp < s

    def offset_at(self, stamp: int) -> int:
        if self.dst is None:
            return self.std
        return self.dst if self.is_dst(stamp) else self.std


@memo(maxsize=4096)
def _year_bounds(rule: _Rule, year: int) -> tuple[int, int]:
    base = jan1_day(year)
    s, e = rule.type_bounds(is_leap(year), (base + 4) % 7)  # 1970-01-01 was a Thursday
    return base * 86400 + s, base * 86400 + e


_MONTH_STARTS = ((0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334),
                 (0, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335))


def _rule_day_number(spec: str, leap: bool, weekday: int) -> int:
    """:func:`_rule_day` as a 0-based day of the year, for a year of that type (1 January on ``weekday``)."""
    if spec.startswith("J"):
        n = int(spec[1:])
        return n - 1 + (leap and n >= 60)
    if spec.startswith("M"):
        month, week, day_of_week = (int(p) for p in spec[1:].split("."))
        start = _MONTH_STARTS[leap][month]
        d = 1 + (day_of_week - (weekday + start) % 7) % 7 + (week - 1) * 7
        length = 29 if month == 2 and leap else _DAYS_IN[month]
        while d > length:
            d -= 7
        return start + d - 1
    return int(spec)


def parse_rule(text: str) -> _Rule | None:
    m = _posix_tz(text)
    if m is None:
        return None
    std = -_tz_seconds(m["stdoff"])  # POSIX offsets count west of Greenwich
    std_name = m["std"].strip("<>")
    if "dst" not in m:
        return _Rule(std, None, std_name=std_name)
    dst = -_tz_seconds(m["dstoff"]) if m.get("dstoff") else std + 3600
    if "start" not in m:  # no rule given: not produced by zic; treat as no DST
        return _Rule(std, None, std_name=std_name)
    return _Rule(
        std,
        dst,
        m["start"],
        _tz_seconds(m["starttime"]) if m.get("starttime") else 7200,
        m["end"],
        _tz_seconds(m["endtime"]) if m.get("endtime") else 7200,
        std_name,
        m["dst"].strip("<>"),
    )


#: beyond every instant a zone is asked about (spans open at either end)
FAR = 1 << 62


class ZoneModel(Record):
    _fields = ("times", "offsets", "initial", "rule", "names", "initial_name")
    __slots__ = _fields
    times: tuple[int, ...]
    offsets: tuple[int, ...]  # offset in effect from times[i]
    initial: int
    rule: _Rule | None
    names: tuple[str, ...]  # abbreviation in effect from times[i] (for display: ``%Z``)
    initial_name: str

    def __init__(self, times: tuple[int, ...], offsets: tuple[int, ...], initial: int, rule: _Rule | None,
                 names: tuple[str, ...] = (), initial_name: str = "") -> None:
        self._set(times, offsets, initial, rule, names, initial_name)

    def offset_at(self, stamp: int) -> int:
        i = bisect.bisect_right(self.times, stamp)
        if i == 0:
            return self.initial if self.times or self.rule is None else self.rule.offset_at(stamp)
        if i < len(self.times) or self.rule is None:
            return self.offsets[i - 1]
        return self.rule.offset_at(stamp)

    def span_at(self, stamp: int) -> tuple[int, int, int]:
        """``(lo, hi, offset)``: ``stamp`` lies in ``[lo, hi)`` and :meth:`offset_at` is ``offset`` throughout (a
        stretch between transitions, or between the footer rule's bounds and the UTC year's ends)."""
        times, rule = self.times, self.rule
        i = bisect.bisect_right(times, stamp)
        if rule is None or i < len(times):
            lo = times[i - 1] if i else -FAR
            hi = times[i] if i < len(times) else FAR
            return lo, hi, self.offsets[i - 1] if i else self.initial
        lo = times[-1] if times else -FAR
        if rule.dst is None:
            return lo, FAR, rule.std
        year = year_of_day(stamp // 86400)
        s, e = _year_bounds(rule, year)
        lo, hi = max(lo, jan1_day(year) * 86400), jan1_day(year + 1) * 86400
        for c in (s, e):
            if c <= stamp:
                lo = max(lo, c)
            else:
                hi = min(hi, c)
        return lo, hi, rule.offset_at(stamp)

    def name_at(self, stamp: int) -> str:
        """The abbreviation in effect at ``stamp`` (``%Z``)."""
        i = bisect.bisect_right(self.times, stamp)
        if self.rule is None or i < len(self.times):
            return self.names[i - 1] if i else self.initial_name
        return self.rule.dst_name if self.rule.is_dst(stamp) else self.rule.std_name

    def changes(self, a: int, b: int) -> list[tuple[int, int]]:
        """``(instant, new offset)`` for every offset change in ``(a, b)``.

        Explicit transitions are sliced by bisection; past the last one the footer rule's bounds are generated
        year by year from 14 precomputed year types, and where both bounds of a year fall inside that UTC year
        (every real rule) the offset after each is the rule's own, without a look-up.
        """
        times = self.times
        current = self.offset_at(a)
        out: list[tuple[int, int]] = []
        previous: int | None = None
        for t in times[bisect.bisect_right(times, a):bisect.bisect_left(times, b)]:
            if t != previous:
                previous = t
                new = self.offset_at(t)
                if new != current:
                    out.append((t, new))
                    current = new
        rule = self.rule
        if rule is None or rule.dst is None:
            return out
        floor = max(a, times[-1]) if times else a
        year = year_of_day(floor // 86400) - 1
        jan1 = jan1_day(year)
        stop = jan1_day(year_of_day(b // 86400) + 2)
        std, dst = rule.std, rule.dst
        types: dict[tuple[bool, int], tuple[int, int, bool, bool]] = {}
        found: list[tuple[int, int]] = []
        ended_in_dst: bool | None = None  # whether the previous UTC year ended in DST
        while jan1 < stop:
            leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
            key = (leap, (jan1 + 4) % 7)
            kind = types.get(key)
            if kind is None:
                rel = rule.type_bounds(*key)
                kind = types[key] = (*rel, _in_dst(rel, 0), _in_dst(rel, (365 + leap) * 86400 - 1))
            base, end = jan1 * 86400, (jan1 + 365 + leap) * 86400
            s, e = base + kind[0], base + kind[1]
            # Go reads each UTC year by its own bounds, so the offset can also change at the new year (a bound near
            # the year's end, or bounds whose order differs between year types)
            if ended_in_dst is not None and kind[2] != ended_in_dst and floor < base < b:
                found.append((base, dst if kind[2] else std))
            ended_in_dst = kind[3]
            if s != e and base <= s < end and base <= e < end:
                if floor < s < b:
                    found.append((s, dst))
                if floor < e < b:
                    found.append((e, std))
            else:  # a bound in another UTC year: the offset as offset_at reads it
                for t in (s, e):
                    if floor < t < b:
                        found.append((t, rule.offset_at(t)))
            year += 1
            jan1 = end // 86400
        found.sort()
        for t, new in found:
            if t != previous:
                previous = t
                if new != current:
                    out.append((t, new))
                    current = new
        return out


def _in_dst(rel: tuple[int, int], at: int) -> bool:
    """:meth:`_Rule.is_dst` at ``at`` seconds into a UTC year whose bounds are ``rel`` (relative to its start)."""
    s, e = rel
    return s <= at < e if s <= e else not e <= at < s


def _parse_tzif(data: bytes) -> ZoneModel | None:
    """The model of a TZif file (RFC 8536; the version 2+ data when present), or ``None`` when ``data`` is not one
    (``validate`` then reports an unknown time zone, as zoneinfo's ``ValueError`` did)."""
    try:
        return _parse_tzif_data(data)
    except (ValueError, IndexError, UnicodeDecodeError):
        return None


def _ints(data: bytes, at: int, count: int, size: int) -> list[int]:
    """``count`` big-endian signed integers of ``size`` bytes from ``at`` (``struct`` stays unimported, #16)."""
    if at + count * size > len(data):
        raise ValueError("truncated TZif data")
    return [int.from_bytes(data[k:k + size], "big", signed=True) for k in range(at, at + count * size, size)]


def _parse_tzif_data(data: bytes) -> ZoneModel | None:
    if data[:4] != b"TZif" or len(data) < 44:
        return None
    version = data[4]
    isut, isstd, leap, timecnt, typecnt, charcnt = _ints(data, 20, 6, 4)
    pos = 44
    time_size = 4
    if version >= ord("2"):
        pos += timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut
        if data[pos:pos + 4] != b"TZif":
            return None
        isut, isstd, leap, timecnt, typecnt, charcnt = _ints(data, pos + 20, 6, 4)
        pos += 44
        time_size = 8
    if min(isut, isstd, leap, timecnt, typecnt, charcnt) < 0:
        return None
    times = _ints(data, pos, timecnt, time_size)
    pos += timecnt * time_size
    idx = data[pos:pos + timecnt]
    pos += timecnt
    types = [(_ints(data, pos + 6 * k, 1, 4)[0], data[pos + 6 * k + 5]) for k in range(typecnt)]
    pos += typecnt * 6
    chars = data[pos:pos + charcnt]
    pos += charcnt + leap * (time_size + 4) + isstd + isut
    if pos > len(data) or len(idx) < timecnt or any(i >= typecnt for i in idx):
        return None
    rule = None
    if version >= ord("2"):
        footer = data[pos:].split(b"\n")
        if len(footer) >= 2 and footer[1]:
            rule = parse_rule(footer[1].decode("ascii", "replace"))
            if rule is None:
                return None
    if not types:
        return None

    def name(k: int) -> str:
        at = types[k][1]
        return chars[at:chars.find(b"\0", at) if b"\0" in chars[at:] else len(chars)].decode("ascii", "replace")

    return ZoneModel(tuple(times), tuple(types[i][0] for i in idx), types[0][0], rule,
                     tuple(name(i) for i in idx), name(0))


@memo(maxsize=64)
def zone_model(key: str) -> ZoneModel | None:
    data = read_tzif(key)
    return None if data is None else _parse_tzif(data)
