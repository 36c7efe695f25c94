"""CronJob schedules exactly as Kubernetes accepts and runs them.

The API server validates ``spec.schedule`` with robfig/cron **v3.0.1** ``ParseStandard`` (after rejecting any
``TZ`` substring) and ``spec.timeZone`` with its own format rules plus ``time.LoadLocation``; the controller then
runs the schedule in that zone. This module re-implements that grammar and calendar in pure Python: no I/O, no
printing. Facts come from the Kubernetes CronJob documentation and API validation; where they are silent,
robfig v3.0.1's ``parser.go``/``spec.go`` semantics are followed and the decision is written next to the code.

Main entry points: :func:`parse`, :func:`validate_time_zone`, :class:`Schedule` (``next_runs``, ``fires``).
"""

from __future__ import annotations

import datetime as dt

from generator.errors import ScheduleError
from generator.memo import memo
from generator.records import Record
from generator.schedule.golang import GO_WHITESPACE, fields_with_columns, go_atoi, go_lower, go_parse_duration
from generator.schedule.spec import Schedule
from generator.schedule.zones import UTC, validate_time_zone, zone_for

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "GO_WHITESPACE",
    "TZ_MESSAGE",
    "UTC",
    "Schedule",
    "fields_with_columns",
    "go_parse_duration",
    "parse",
    "validate_time_zone",
    "zone_for",
]

TZ_MESSAGE = (
    "cannot use TZ or CRON_TZ in schedule, use the time-zone setting (secretRotationTimeZone / spec.timeZone) instead"
)

_FIELD_HELP = "minute hour day-of-month month day-of-week"


# --------------------------------------------------------------------------------------------------------------
# Field bounds
# --------------------------------------------------------------------------------------------------------------


class _Bounds(Record):
    _fields = ("label", "low", "high", "names", "help")
    __slots__ = _fields
    label: str
    low: int
    high: int
    names: Mapping[str, int] | None
    help: str

    def __init__(self, label: str, low: int, high: int, names: Mapping[str, int] | None, help: str) -> None:
        self._set(label, low, high, names, help)


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
# Parsing
# --------------------------------------------------------------------------------------------------------------


def _token_hint(token: str, bounds: _Bounds) -> str:
    """A what-to-do hint for a token that is not a number or name valid in ``bounds``."""
    low = go_lower(token)
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
        named = bounds.names.get(go_lower(token))
        if named is not None:
            return named
    return _non_negative(token, bounds, col, item, what="value")


def _non_negative(token: str, bounds: _Bounds, col: int, item: str, *, what: str) -> int:
    """robfig ``mustParseInt``: Go ``strconv.Atoi`` and then ``>= 0``."""
    value = go_atoi(token)
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


@memo(maxsize=4096)
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
