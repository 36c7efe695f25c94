"""CronJob schedules exactly as Kubernetes accepts and runs them.

The API server validates ``spec.schedule`` with robfig/cron **v3.0.1** ``ParseStandard`` (after rejecting any
``TZ`` substring) and ``spec.timeZone`` with its own format rules plus ``time.LoadLocation``; the controller then
runs the schedule in that zone. This module re-implements that grammar and calendar in pure Python: no I/O, no
printing. Facts come from ``/work/shared/research/cron-and-validation.md``; where it is silent, robfig v3.0.1's
``parser.go``/``spec.go`` semantics are followed and the decision is written next to the code.

Main entry points: :func:`parse`, :func:`validate_time_zone`, :class:`Schedule` (``next_runs``, ``fires``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.errors import ScheduleError

__all__ = [
    "GO_WHITESPACE",
    "Schedule",
    "fields_with_columns",
    "go_parse_duration",
    "parse",
    "validate_time_zone",
    "zone_for",
]

UTC = dt.UTC
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()

#: Go ``unicode.IsSpace`` (what ``strings.Fields`` splits on). Python's ``str.split()`` also splits on
#: U+001C..U+001F (file/group/record/unit separators), which Go does not; everything else is the same set.
GO_WHITESPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

TZ_MESSAGE = (
    "cannot use TZ or CRON_TZ in schedule, use the time-zone setting (secretRotationTimeZone / spec.timeZone) instead"
)

_FIELD_HELP = "minute hour day-of-month month day-of-week"


# --------------------------------------------------------------------------------------------------------------
# Field bounds
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bounds:
    label: str
    low: int
    high: int
    names: Mapping[str, int] | None
    help: str


_MONTH_NAMES = {n: i for i, n in enumerate(("jan", "feb", "mar", "apr", "may", "jun",
                                               "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_DOW_NAMES = {n: i for i, n in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}

_MINUTE = _Bounds("minute", 0, 59, None, "minute is 0-59")
_HOUR = _Bounds("hour", 0, 23, None, "hour is 0-23")
_DOM = _Bounds("day-of-month", 1, 31, None, "day-of-month is 1-31")
_MONTH = _Bounds("month", 1, 12, _MONTH_NAMES, "month is 1-12 or jan-dec")
_DOW = _Bounds("day-of-week", 0, 6, _DOW_NAMES, "day-of-week is 0-6 (Sunday=0) or sun-sat")
_FIELDS = (_MINUTE, _HOUR, _DOM, _MONTH, _DOW)

# robfig's descriptors, as (minutes, hours, dom, months, dow, dom_star, dow_star). ``all(bounds)`` in robfig sets
# the star bit, so e.g. @yearly has a star day-of-week (ANDed with day-of-month 1).
_ALL_MIN = frozenset(range(60))
_ALL_HOUR = frozenset(range(24))
_ALL_DOM = frozenset(range(1, 32))
_ALL_MONTH = frozenset(range(1, 13))
_ALL_DOW = frozenset(range(7))
_DESCRIPTORS: dict[str, tuple[frozenset[int], frozenset[int], frozenset[int], frozenset[int], frozenset[int],
                              bool, bool]] = {
    "@yearly": (frozenset({0}), frozenset({0}), frozenset({1}), frozenset({1}), _ALL_DOW, False, True),
    "@monthly": (frozenset({0}), frozenset({0}), frozenset({1}), _ALL_MONTH, _ALL_DOW, False, True),
    "@weekly": (frozenset({0}), frozenset({0}), _ALL_DOM, _ALL_MONTH, frozenset({0}), True, False),
    "@daily": (frozenset({0}), frozenset({0}), _ALL_DOM, _ALL_MONTH, _ALL_DOW, True, True),
    "@hourly": (frozenset({0}), _ALL_HOUR, _ALL_DOM, _ALL_MONTH, _ALL_DOW, True, True),
}
_DESCRIPTORS["@annually"] = _DESCRIPTORS["@yearly"]
_DESCRIPTORS["@midnight"] = _DESCRIPTORS["@daily"]


# --------------------------------------------------------------------------------------------------------------
# Go helpers: strings.Fields, strconv.Atoi, strings.ToLower (for names), time.ParseDuration
# --------------------------------------------------------------------------------------------------------------


def fields_with_columns(expression: str) -> list[tuple[int, str]]:
    """Split like Go ``strings.Fields``; return ``(1-based column, field text)`` pairs."""
    out: list[tuple[int, str]] = []
    start = -1
    for i, ch in enumerate(expression):
        if ch in GO_WHITESPACE:
            if start >= 0:
                out.append((start + 1, expression[start:i]))
                start = -1
        elif start < 0:
            start = i
    if start >= 0:
        out.append((start + 1, expression[start:]))
    return out


_ATOI = re.compile(r"[+-]?[0-9]+")  # ASCII digits only: no "1_0", no Unicode digits, no "0x1", no "1.0"
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


def _go_atoi(text: str) -> int | None:
    """Go ``strconv.Atoi`` on a 64-bit platform; ``None`` when Go returns an error."""
    if not _ATOI.fullmatch(text):
        return None
    value = int(text)
    if not _INT64_MIN <= value <= _INT64_MAX:
        return None
    return value


def _go_lower_ascii(text: str) -> str:
    """Go ``strings.ToLower``, as far as it can matter for the ASCII month/day names.

    Go lowers rune by rune with simple case mapping: U+0130 (İ) becomes plain ``i`` and U+212A (Kelvin sign)
    becomes ``k`` — the only non-ASCII runes whose lower case is ASCII. Python's ``str.lower`` maps U+0130 to
    two characters, so it would wrongly reject ``FRİ`` (which robfig accepts as Friday).
    """
    return "".join("i" if ch == "\u0130" else ch.lower() for ch in text)


_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek small letter mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_U63 = 1 << 63


def go_parse_duration(text: str) -> int:
    """Go ``time.ParseDuration``: return nanoseconds or raise ``ValueError`` (Go's message).

    Grammar ``[-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+`` with units ns, us, µs, μs, ms, s, m, h; a bare ``0`` is allowed;
    overflow of int64 nanoseconds is an error; fraction digits beyond uint64 precision are ignored, like Go.
    """
    orig = text
    s = text
    neg = False
    if s and s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if s == "":
        raise ValueError(f"time: invalid duration {orig!r}")
    total = 0
    while s:
        if not (s[0] == "." or "0" <= s[0] <= "9"):
            raise ValueError(f"time: invalid duration {orig!r}")
        # leadingInt
        i = 0
        whole = 0
        while i < len(s) and "0" <= s[i] <= "9":
            if whole > _U63 // 10:
                raise ValueError(f"time: invalid duration {orig!r}")
            whole = whole * 10 + ord(s[i]) - 48
            if whole > _U63:
                raise ValueError(f"time: invalid duration {orig!r}")
            i += 1
        pre = i > 0
        s = s[i:]
        # leadingFraction
        frac = 0
        scale = 1.0
        post = False
        if s and s[0] == ".":
            s = s[1:]
            i = 0
            overflow = False
            while i < len(s) and "0" <= s[i] <= "9":
                if not overflow:
                    if frac > (_U63 - 1) // 10:
                        overflow = True
                    else:
                        nxt = frac * 10 + ord(s[i]) - 48
                        if nxt > _U63:
                            overflow = True
                        else:
                            frac = nxt
                            scale *= 10
                i += 1
            post = i > 0
            s = s[i:]
        if not pre and not post:
            raise ValueError(f"time: invalid duration {orig!r}")
        i = 0
        while i < len(s) and not (s[i] == "." or "0" <= s[i] <= "9"):
            i += 1
        if i == 0:
            raise ValueError(f"time: missing unit in duration {orig!r}")
        unit_text = s[:i]
        s = s[i:]
        unit = _DURATION_UNITS.get(unit_text)
        if unit is None:
            raise ValueError(f"time: unknown unit {unit_text!r} in duration {orig!r}")
        if whole > _U63 // unit:
            raise ValueError(f"time: invalid duration {orig!r}")
        whole *= unit
        if frac > 0:
            whole += int(float(frac) * (float(unit) / scale))
            if whole > _U63:
                raise ValueError(f"time: invalid duration {orig!r}")
        total += whole
        if total > _U63:
            raise ValueError(f"time: invalid duration {orig!r}")
    if neg:
        return -total
    if total > _U63 - 1:
        raise ValueError(f"time: invalid duration {orig!r}")
    return total


# --------------------------------------------------------------------------------------------------------------
# Time zones
# --------------------------------------------------------------------------------------------------------------

_TZ_PART = re.compile(r"[A-Za-z.\-_0-9+]{1,14}")  # Kubernetes validTimeZoneCharacters (fullmatch = Go's ^...$)


def validate_time_zone(name: str) -> None:
    """Apply the API server's ``spec.timeZone`` rules; raise :class:`ScheduleError` when it would reject ``name``.

    Format rules (rule ``invalid-time-zone``): non-empty; every ``/`` part matches ``[A-Za-z.\\-_0-9+]{1,14}``,
    is not ``.``/``..`` and does not start with ``-``; not ``Local`` (any case). Then ``time.LoadLocation`` must
    succeed (rule ``unknown-time-zone``); we ask Python's zoneinfo (system tz database, then the ``tzdata``
    package) and, like Go, refuse any name containing ``..``. The API server's own database may differ for very
    new zones or the ``posix/``/``right/`` trees.
    """
    if name == "":
        raise ScheduleError(
            "time zone must not be empty",
            rule="invalid-time-zone",
            hint='leave the time zone unset or name an IANA zone, e.g. "Etc/UTC" or "Europe/Berlin"',
        )
    for part in name.split("/"):
        if part in (".", "..") or part.startswith("-") or not _TZ_PART.fullmatch(part):
            raise ScheduleError(
                f"invalid time zone {name!r}: each '/'-separated part must be 1-14 characters of A-Z a-z 0-9 . - _ +,"
                " not '.' or '..', and must not start with '-'",
                rule="invalid-time-zone",
                hint='use an IANA zone name such as "Europe/Berlin" or "Etc/UTC"',
            )
    if name.lower() == "local":
        raise ScheduleError(
            f"time zone {name!r} is not allowed: Kubernetes needs an explicit IANA time zone",
            rule="invalid-time-zone",
            hint='name the zone explicitly, e.g. "Etc/UTC" or "Europe/Berlin"',
        )
    zone_for(name)


def zone_for(name: str | None) -> dt.tzinfo:
    """The tzinfo for a validated zone name (``UTC`` for ``None``); raises ``unknown-time-zone``."""
    if name is None:
        return UTC
    if ".." in name:  # Go's LoadLocation rejects any name containing ".." ("invalid location name")
        raise ScheduleError(
            f"unknown time zone {name!r}: invalid location name",
            rule="unknown-time-zone",
            hint='use an IANA zone name such as "Europe/Berlin" or "Etc/UTC"',
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ScheduleError(
            f"unknown time zone {name!r}: not in the IANA time-zone database",
            rule="unknown-time-zone",
            hint='check spelling and case (e.g. "America/New_York", "Etc/UTC"); see https://www.iana.org/time-zones',
        ) from exc


# --------------------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------------------


def _token_hint(token: str, bounds: _Bounds) -> str:
    """A what-to-do hint for a token that is not a number or name valid in ``bounds``."""
    low = _go_lower_ascii(token)
    if "#" in token:
        return "'#' (nth weekday of the month) is not supported by Kubernetes; use a day-of-week or day-of-month list"
    if token.upper() in ("L", "LW") or (token[:-1].isdigit() and token[-1:] in ("L", "W")) or token.upper() == "W":
        return "L and W (last day / nearest weekday) are not supported by Kubernetes; list the days explicitly"
    if token.upper() == "H" or token.upper().startswith("H("):
        return "H (hashed value) is a Jenkins extension that Kubernetes rejects; pick a fixed number"
    if token.upper() == "R":
        return "R (random value) is not supported by Kubernetes; pick a fixed number"
    if low in _MONTH_NAMES and bounds is not _MONTH:
        return f"month names are only allowed in the month field; {bounds.help}"
    if low in _DOW_NAMES and bounds is not _DOW:
        return f"day names are only allowed in the day-of-week field; {bounds.help}"
    if token.lower().startswith(("0x", "+0x", "0o", "0b")):
        return f"numbers must be plain decimal; {bounds.help}"
    if any(not ch.isascii() for ch in token):
        return f"use plain ASCII digits; {bounds.help}"
    return bounds.help


def _number_or_name(token: str, bounds: _Bounds, col: int, item: str) -> int:
    """robfig ``parseIntOrName``: a (case-insensitive) name when the field has names, else ``mustParseInt``."""
    if bounds.names is not None:
        named = bounds.names.get(_go_lower_ascii(token))
        if named is not None:
            return named
    return _non_negative(token, bounds, col, item, what="value")


def _non_negative(token: str, bounds: _Bounds, col: int, item: str, *, what: str) -> int:
    """robfig ``mustParseInt``: Go ``strconv.Atoi`` and then ``>= 0``."""
    value = _go_atoi(token)
    if value is None:
        shown = token if token else "(empty)"
        raise ScheduleError(
            f"invalid {bounds.label} {what} {shown!r} in {item!r}",
            col=col,
            rule="invalid-schedule",
            hint=_token_hint(token, bounds) if token else f"a number is missing; {bounds.help}",
        )
    if value < 0:  # only reachable for steps ("*/-1"): a '-' elsewhere splits a range
        raise ScheduleError(
            f"negative {bounds.label} {what} {token!r} in {item!r}",
            col=col,
            rule="invalid-schedule",
            hint="steps must be positive whole numbers, e.g. */5",
        )
    return value


def _out_of_range_hint(bounds: _Bounds, value: int) -> str:
    if bounds is _DOW and value == 7:
        return "day-of-week is 0-6 (Sunday=0); 7 is rejected by Kubernetes: use 0"
    if bounds is _DOM and value == 0:
        return "day-of-month starts at 1"
    if bounds is _HOUR and value == 24:
        return "hour is 0-23; midnight is 0"
    if bounds is _MINUTE and value == 60:
        return "minute is 0-59; the top of the hour is 0"
    return bounds.help


def _parse_item(item: str, bounds: _Bounds, col: int) -> tuple[set[int], bool]:
    """robfig ``getRange`` for one comma item: returns (values, star bit)."""
    range_and_step = item.split("/")
    low_and_high = range_and_step[0].split("-")
    single = len(low_and_high) == 1
    star = False
    if low_and_high[0] in ("*", "?"):
        # Decision (robfig v3.0.1 source): when the first part is * or ?, the rest of the range is never looked at,
        # so "*-5" or "?-x" parse as "*" (star bit set). Kubernetes therefore accepts them; so do we.
        start, end, star = bounds.low, bounds.high, True
    else:
        start = _number_or_name(low_and_high[0], bounds, col, item)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _number_or_name(low_and_high[1], bounds, col + len(low_and_high[0]) + 1, item)
        else:
            raise ScheduleError(
                f"too many hyphens in {bounds.label} item {item!r}",
                col=col,
                rule="invalid-schedule",
                hint="a range is N-M (ranges do not wrap around); use a comma list for several ranges",
            )
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _non_negative(range_and_step[1], bounds, col + len(range_and_step[0]) + 1, item, what="step")
        if single:  # "N/step" means "N-max/step"
            end = bounds.high
        if step > 1:  # "*/1" keeps the star bit, "*/2" clears it
            star = False
    else:
        raise ScheduleError(
            f"too many slashes in {bounds.label} item {item!r}",
            col=col,
            rule="invalid-schedule",
            hint="a step is written once, e.g. */15 or 0-30/10",
        )
    if start < bounds.low:
        raise ScheduleError(
            f"{bounds.label} {start} in {item!r} is below the minimum {bounds.low}",
            col=col,
            rule="invalid-schedule",
            hint=_out_of_range_hint(bounds, start),
        )
    if end > bounds.high:
        raise ScheduleError(
            f"{bounds.label} {end} in {item!r} is above the maximum {bounds.high}",
            col=col,
            rule="invalid-schedule",
            hint=_out_of_range_hint(bounds, end),
        )
    if start > end:
        if bounds is _DOW:
            hint = 'ranges do not wrap around: write e.g. "sat,sun" or "0,6" instead of "sat-sun"'
        else:
            hint = f"ranges do not wrap around: split it into two ranges joined by a comma; {bounds.help}"
        raise ScheduleError(
            f"{bounds.label} range {item!r} goes backwards ({start} > {end})",
            col=col,
            rule="invalid-schedule",
            hint=hint,
        )
    if step == 0:
        raise ScheduleError(
            f"{bounds.label} step in {item!r} is 0",
            col=col,
            rule="invalid-schedule",
            hint="a step must be at least 1, e.g. */5",
        )
    return set(range(start, end + 1, step)), star


def _parse_field(text: str, bounds: _Bounds, col: int) -> tuple[frozenset[int], bool]:
    """robfig ``getField``: comma list; empty items are dropped (``1,,2`` and ``,`` are accepted)."""
    values: set[int] = set()
    star = False
    offset = 0
    for piece in text.split(","):
        if piece:
            got, item_star = _parse_item(piece, bounds, col + offset)
            values |= got
            star = star or item_star
        offset += len(piece) + 1
    return frozenset(values), star


def _descriptor(expression: str, time_zone: str | None) -> Schedule:
    fixed = _DESCRIPTORS.get(expression)
    if fixed is not None:
        minutes, hours, dom, months, dow, dom_star, dow_star = fixed
        return Schedule(expression, time_zone, minutes, hours, dom, months, dow, dom_star, dow_star)
    prefix = "@every "
    if expression.startswith(prefix):
        text = expression[len(prefix):]
        try:
            nanos = go_parse_duration(text)
        except ValueError as exc:
            raise ScheduleError(
                f"invalid @every duration {text!r}: {exc}",
                col=len(prefix) + 1,
                rule="invalid-schedule",
                hint='write a Go duration after exactly one space, e.g. "@every 6h" or "@every 1h30m" '
                "(units ns, us, ms, s, m, h)",
            ) from exc
        # robfig Every(): anything below one second becomes one second (0s and negative durations included);
        # otherwise sub-second parts are truncated.
        second = 1_000_000_000
        nanos = second if nanos < second else nanos - nanos % second
        return Schedule(expression, time_zone, frozenset(), frozenset(), frozenset(), frozenset(), frozenset(),
                        False, False, every=dt.timedelta(seconds=nanos // second))
    fields = fields_with_columns(expression)
    word = fields[0][1] if fields else expression
    if word in _DESCRIPTORS:
        hint = f"descriptors must match exactly: remove everything after {word}, including whitespace"
    elif word.lower() in _DESCRIPTORS:
        hint = f"descriptors are case-sensitive: use {word.lower()}"
    elif word.lower().startswith("@every"):
        hint = 'write "@every <duration>" with exactly one space, e.g. "@every 6h"'
    elif word.lower() == "@reboot":
        hint = "@reboot is not supported by Kubernetes; use a time-based schedule such as @daily"
    else:
        hint = "known descriptors: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every <duration>"
    raise ScheduleError(f"unrecognized descriptor {expression!r}", col=1, rule="invalid-schedule", hint=hint)


@lru_cache(maxsize=4096)
def parse(expression: str, time_zone: str | None = None) -> Schedule:
    """Parse a CronJob schedule the way the Kubernetes API server validates it; raise :class:`ScheduleError`.

    Order of checks: ``TZ`` anywhere (rule ``tz-in-schedule``), then the schedule (``invalid-schedule``), then the
    time zone (``invalid-time-zone`` / ``unknown-time-zone``). ``col`` is the 1-based position inside the
    expression of the offending field or item (``None`` for time-zone problems).
    """
    at = expression.find("TZ")  # Kubernetes: strings.Contains(schedule, "TZ") -- case-sensitive
    if at >= 0:
        tz_col = at + 1
        for field_col, text in fields_with_columns(expression):
            if field_col - 1 <= at < field_col - 1 + len(text):
                tz_col = field_col
        raise ScheduleError(
            TZ_MESSAGE,
            col=tz_col,
            rule="tz-in-schedule",
            hint='remove the "TZ=..."/"CRON_TZ=..." prefix and put the zone in secretRotationTimeZone',
        )
    if expression == "":
        raise ScheduleError(
            "schedule is empty",
            rule="invalid-schedule",
            hint=f'write five fields ({_FIELD_HELP}), e.g. "0 0 * * *"',
        )
    if expression.startswith("@"):
        schedule = _descriptor(expression, time_zone)
    else:
        fields = fields_with_columns(expression)
        if len(fields) != 5:
            col: int | None
            if len(fields) > 5:
                col = fields[5][0]
                hint = (
                    f"Kubernetes uses exactly five fields ({_FIELD_HELP}); there is no seconds or year field"
                )
            else:
                col = fields[0][0] if fields else None
                hint = f'Kubernetes needs exactly five fields ({_FIELD_HELP}), e.g. "0 0 * * *"'
                if fields and fields[0][1].startswith("@"):
                    hint = "a descriptor such as @daily must start the schedule, without leading whitespace"
            raise ScheduleError(
                f"expected exactly 5 fields, found {len(fields)}",
                col=col,
                rule="invalid-schedule",
                hint=hint,
            )
        parsed = [_parse_field(text, bounds, col) for (col, text), bounds in zip(fields, _FIELDS, strict=True)]
        schedule = Schedule(
            expression,
            time_zone,
            minutes=parsed[0][0],
            hours=parsed[1][0],
            days_of_month=parsed[2][0],
            months=parsed[3][0],
            days_of_week=parsed[4][0],
            dom_star=parsed[2][1],
            dow_star=parsed[4][1],
        )
    if time_zone is not None:
        validate_time_zone(time_zone)
    return schedule


# --------------------------------------------------------------------------------------------------------------
# The schedule and its calendar
# --------------------------------------------------------------------------------------------------------------

_MONTH_LENGTHS = {1: (31,), 2: (28, 29), 3: (31,), 4: (30,), 5: (31,), 6: (30,),
                  7: (31,), 8: (31,), 9: (30,), 10: (31,), 11: (30,), 12: (31,)}
#: Search horizon for ``next_runs``: one Gregorian cycle (400 years, 146097 days) plus slack. Any schedule that
#: fires on the calendar fires within 8 years; only a schedule whose every run falls into DST gaps can exhaust it.
_SEARCH_DAYS = 146097 + 400


def _cron_weekday(day: dt.date) -> int:
    return (day.weekday() + 1) % 7  # cron: Sunday=0


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: robfig's field bit sets as frozensets, plus its star bits and zone.

    For ``@every <duration>`` only ``every`` matters (the field sets are empty).
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
    every: dt.timedelta | None = None

    # -- calendar helpers (also used by analysis and picture) --------------------------------------------------

    @cached_property
    def zone(self) -> dt.tzinfo:
        """The zone the controller evaluates the schedule in (UTC when no time zone is set)."""
        return zone_for(self.time_zone)

    @cached_property
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

    @cached_property
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
        return self.month_days(calendar.monthrange(year, month)[1], _cron_weekday(first))

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

    @cached_property
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
        """The UTC offset in effect for the whole of local ``day``, or ``None`` when it changes that day.

        Samples the day's real-time span hourly (no zone has two transitions within one hour).
        """
        zone = self.zone
        if zone is UTC:
            return 0
        offset = _offset_fold(zone, day, 0)
        real0 = (day.toordinal() - _EPOCH_ORDINAL) * 86400 - offset
        if all(_offset_at(zone, real0 + k * 3600) == offset for k in range(-1, 26)):
            return offset
        return None

    def day_runs(self, day: dt.date) -> list[int]:
        """Epoch seconds of the runs on local date ``day`` in real-time order (the day is assumed to match).

        Wall times that do not exist (spring-forward gap) are skipped; wall times that exist twice (fall-back)
        run twice, like robfig's ``Next`` which walks the hours in absolute time.
        """
        wall0 = (day.toordinal() - _EPOCH_ORDINAL) * 86400
        times = self.times_of_day
        offset = self._constant_offset(day)
        if offset is not None:
            return [wall0 - offset + t * 60 for t in times]
        zone = self.zone
        out: set[int] = set()
        for t in times:
            wall = wall0 + t * 60
            naive = dt.datetime(day.year, day.month, day.day, t // 60, t % 60)
            for fold in (0, 1):
                off = naive.replace(tzinfo=zone, fold=fold).utcoffset()
                candidate = wall - (int(off.total_seconds()) if off is not None else 0)
                if candidate + _offset_at(zone, candidate) == wall:
                    out.add(candidate)
        return sorted(out)

    def day_wall_minutes(self, day: dt.date) -> list[int]:
        """Minutes-of-day of the runs on ``day`` (the day is assumed to match); repeated wall times appear twice."""
        if self._constant_offset(day) is not None:
            return list(self.times_of_day)
        wall0 = (day.toordinal() - _EPOCH_ORDINAL) * 86400
        return sorted((r + _offset_at(self.zone, r) - wall0) // 60 for r in self.day_runs(day))

    def next_runs(self, after: dt.datetime, count: int) -> list[dt.datetime]:
        """The next ``count`` run times strictly after ``after``, tz-aware in the schedule's zone.

        A naive ``after`` is taken as UTC. ``@every`` runs are counted from ``after`` (robfig's
        ``ConstantDelaySchedule``: ``after`` truncated to the second, plus the delay). Returns ``[]`` when the
        schedule never fires; the search is bounded by one Gregorian cycle, so it cannot loop forever.

        Decision: unlike robfig's ``Next``, which gives up after five years (so ``0 0 29 2 *`` evaluated in
        2097-2103 returns the zero time there), this follows the calendar to the real next run.
        """
        if count <= 0:
            return []
        zone = self.zone
        if after.tzinfo is None:
            after = after.replace(tzinfo=UTC)
        after_s = (after - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(seconds=1)  # floor
        results: list[int] = []
        if self.every is not None:
            step = int(self.every.total_seconds())
            for k in range(1, count + 1):
                results.append(after_s + k * step)
        else:
            if not self.fires:
                return []
            start = dt.date.fromordinal(max(1, dt.datetime.fromtimestamp(after_s, zone).date().toordinal() - 1))
            last_day = dt.date.fromordinal(min(dt.date.max.toordinal(), start.toordinal() + _SEARCH_DAYS))
            found: list[int] = []
            for day in self.matching_days(start):
                if day > last_day:
                    break
                if len(found) >= count:
                    found.sort()
                    # Every run on `day` is at or after the first instant whose wall clock reads `day` 00:00.
                    earliest = (day.toordinal() - _EPOCH_ORDINAL) * 86400 - max(
                        _offset_fold(zone, day, 0), _offset_fold(zone, day, 1)
                    )
                    if earliest > found[count - 1]:
                        break
                found.extend(r for r in self.day_runs(day) if r > after_s)
            found.sort()
            results = found[:count]
        out: list[dt.datetime] = []
        for stamp in results:
            try:
                out.append(dt.datetime.fromtimestamp(stamp, zone))
            except (OverflowError, ValueError, OSError):
                break
        return out


def _offset_at(zone: dt.tzinfo, stamp: int) -> int:
    """UTC offset in seconds in effect at epoch second ``stamp``."""
    off = dt.datetime.fromtimestamp(stamp, zone).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def _offset_fold(zone: dt.tzinfo, day: dt.date, fold: int) -> int:
    """UTC offset zoneinfo assigns to wall time ``day`` 00:00 with the given fold (PEP 495)."""
    off = dt.datetime(day.year, day.month, day.day, fold=fold, tzinfo=zone).utcoffset()
    return int(off.total_seconds()) if off is not None else 0
