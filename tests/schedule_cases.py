"""Edge cases for the Kubernetes (robfig/cron v3.0.1 ParseStandard) schedule grammar.

Each accepted case says what it means; each rejected case names the rule. Sources: the Kubernetes CronJob
documentation and API validation, and robfig v3.0.1 parser.go semantics where they are silent
(marked "robfig source").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hypothesis import strategies as st

ALL_MIN = frozenset(range(60))
ALL_HOUR = frozenset(range(24))
ALL_DOM = frozenset(range(1, 32))
ALL_MONTH = frozenset(range(1, 13))
ALL_DOW = frozenset(range(7))


@dataclass(frozen=True)
class Accept:
    expression: str
    why: str
    # expected field values; None = not checked
    minutes: frozenset[int] | None = None
    hours: frozenset[int] | None = None
    days_of_month: frozenset[int] | None = None
    months: frozenset[int] | None = None
    days_of_week: frozenset[int] | None = None
    dom_star: bool | None = None
    dow_star: bool | None = None
    every_seconds: int | None = None
    fires: bool = True


@dataclass(frozen=True)
class Reject:
    expression: str
    rule: str
    why: str
    col: int | None = field(default=None)


ACCEPT: list[Accept] = [
    Accept("0 0 * * *", "Kaptain's default", frozenset({0}), frozenset({0}), ALL_DOM, ALL_MONTH, ALL_DOW, True, True),
    Accept("* * * * *", "every minute", ALL_MIN, ALL_HOUR, ALL_DOM, ALL_MONTH, ALL_DOW, True, True),
    Accept("? ? ? ? ?", "? acts as * in any field", ALL_MIN, ALL_HOUR, ALL_DOM, ALL_MONTH, ALL_DOW, True, True),
    Accept("?/15 * * * *", "? with a step", frozenset({0, 15, 30, 45})),
    Accept("5-5 * * * *", "an equal range is one value (croniter: whole cycle)", frozenset({5})),
    Accept("0 0 * * SUN-SUN", "equal named range is one day", days_of_week=frozenset({0})),
    Accept("0 0 */1 * 1", "*/1 keeps the star bit: Mondays only (AND)", days_of_month=ALL_DOM,
           days_of_week=frozenset({1}), dom_star=True, dow_star=False),
    Accept("0 0 */2 * 1", "*/2 clears the star bit: odd days OR Mondays", days_of_month=frozenset(range(1, 32, 2)),
           days_of_week=frozenset({1}), dom_star=False, dow_star=False),
    Accept("0 0 13 * 5", "both restricted: the 13th OR any Friday (Vixie)", dom_star=False, dow_star=False),
    Accept("0 0 13 * ?", "? in day-of-week: the 13th only", dom_star=False, dow_star=True),
    Accept("0\u00a00 * * *", "NBSP separates fields (Go unicode.IsSpace)", frozenset({0}), frozenset({0})),
    Accept("0\u30000 * * *", "ideographic space separates fields", frozenset({0}), frozenset({0})),
    Accept("0\u0085 0 * * *", "NEL separates fields", frozenset({0}), frozenset({0})),
    Accept("0 0 * * *\n", "a trailing newline is whitespace", frozenset({0})),
    Accept("\t0  0 * * * ", "leading/trailing/multiple whitespace", frozenset({0})),
    Accept("+5 * * * *", "strconv.Atoi accepts a plus sign", frozenset({5})),
    Accept("000 * * * *", "leading zeros", frozenset({0})),
    Accept("0000000000000000000000005 * * * *", "long numbers go through ParseInt", frozenset({5})),
    Accept("0/99999999999 * * * *", "a huge step keeps only the start", frozenset({0})),
    Accept("1,,2 * * * *", "empty comma items are dropped", frozenset({1, 2})),
    Accept(", * * * *", "a lone comma is accepted and never matches", frozenset(), fires=False),
    Accept("5/15 * * * *", "N/step means N-max/step", frozenset({5, 20, 35, 50})),
    Accept("0 0 * * mon/2", "named start with a step", days_of_week=frozenset({1, 3, 5})),
    Accept("0 0 * * MON-FRI", "names are case-insensitive", days_of_week=frozenset(range(1, 6))),
    Accept("0 0 * JAN-mar *", "month names in a range", months=frozenset({1, 2, 3})),
    Accept("0 0 * * FR\u0130", "Go ToLower maps U+0130 to i (robfig source)", days_of_week=frozenset({5})),
    Accept("*-5 * * * *", "robfig source: after * the rest of the range is ignored", ALL_MIN),
    Accept("0-59/59 * * * *", "range with step", frozenset({0, 59})),
    Accept("59 23 31 12 6", "upper bounds", frozenset({59}), frozenset({23}), frozenset({31}), frozenset({12}),
           frozenset({6})),
    Accept("0 0 31 2 *", "parses but never fires", fires=False),
    Accept("0 0 30 2 *", "parses but never fires", fires=False),
    Accept("59 23 31 2 *", "the note's InvalidSchedule example", fires=False),
    Accept("0 0 29 2 *", "leap day fires"),
    Accept("0 0 , * ,", "empty day fields (OR) never fire", fires=False),
    Accept("@yearly", "descriptor", frozenset({0}), frozenset({0}), frozenset({1}), frozenset({1}), ALL_DOW, False, True),
    Accept("@annually", "descriptor", days_of_month=frozenset({1}), months=frozenset({1})),
    Accept("@monthly", "descriptor", days_of_month=frozenset({1}), months=ALL_MONTH),
    Accept("@weekly", "descriptor", days_of_week=frozenset({0}), dom_star=True, dow_star=False),
    Accept("@daily", "descriptor", frozenset({0}), frozenset({0})),
    Accept("@midnight", "descriptor", frozenset({0}), frozenset({0})),
    Accept("@hourly", "descriptor", frozenset({0}), ALL_HOUR),
    Accept("@every 1h30m", "Go duration", every_seconds=5400),
    Accept("@every 1.5h", "fractional duration", every_seconds=5400),
    Accept("@every .5m", "fraction without integer part", every_seconds=30),
    Accept("@every 5.s", "integer part with empty fraction", every_seconds=5),
    Accept("@every 0s", "0s is accepted and becomes 1s", every_seconds=1),
    Accept("@every 0", "a bare 0 is a valid Go duration", every_seconds=1),
    Accept("@every -5m", "negative durations become 1s", every_seconds=1),
    Accept("@every +5m", "a plus sign is allowed", every_seconds=300),
    Accept("@every 500ms", "sub-second durations become 1s", every_seconds=1),
    Accept("@every 1500ms", "sub-second parts are truncated", every_seconds=1),
    Accept("@every 1\u00b5s", "micro sign unit", every_seconds=1),
    Accept("@every 1\u03bcs", "Greek mu unit", every_seconds=1),
    Accept("@every 1h1m1s1ms1us1ns", "all units", every_seconds=3661),
    Accept("@every 2562047h", "near the int64 limit", every_seconds=2562047 * 3600),
]

REJECT: list[Reject] = [
    Reject("", "invalid-schedule", "empty"),
    Reject("   ", "invalid-schedule", "only whitespace: 0 fields"),
    Reject("0 0 * *", "invalid-schedule", "4 fields", 1),
    Reject("0 0 0 * * *", "invalid-schedule", "6 fields (seconds) are not supported", 11),
    Reject("0 0 * * * 2026", "invalid-schedule", "no year field", 11),
    Reject("0\x1c0 * * *", "invalid-schedule", "U+001C splits in Python but not in Go"),
    Reject("0\u200b0 * * *", "invalid-schedule", "zero-width space is not whitespace"),
    Reject("0 0 L * *", "invalid-schedule", "L is not supported", 5),
    Reject("0 0 LW * *", "invalid-schedule", "LW is not supported", 5),
    Reject("0 0 15W * *", "invalid-schedule", "W is not supported", 5),
    Reject("0 0 * * 5L", "invalid-schedule", "nL is not supported", 9),
    Reject("0 0 * * 1#2", "invalid-schedule", "# is not supported", 9),
    Reject("H 0 * * *", "invalid-schedule", "H is not supported", 1),
    Reject("R 0 * * *", "invalid-schedule", "R is not supported", 1),
    Reject("0 0 * * 7", "invalid-schedule", "day-of-week 7 is rejected", 9),
    Reject("0 0 * * 1,7", "invalid-schedule", "7 inside a list", 11),
    Reject("0 0 * * 5-7", "invalid-schedule", "7 as a range end", 9),
    Reject("0 0 * * Sat-Sun", "invalid-schedule", "ranges do not wrap", 9),
    Reject("5-1 * * * *", "invalid-schedule", "ranges do not wrap", 1),
    Reject("*/0 * * * *", "invalid-schedule", "step 0", 1),
    Reject("*/-1 * * * *", "invalid-schedule", "negative step", 3),
    Reject("-1 * * * *", "invalid-schedule", "a leading - splits a range with an empty start", 1),
    Reject("60 * * * *", "invalid-schedule", "minute 60", 1),
    Reject("0 24 * * *", "invalid-schedule", "hour 24", 3),
    Reject("0 0 0 * *", "invalid-schedule", "day-of-month 0", 5),
    Reject("0 0 32 * *", "invalid-schedule", "day-of-month 32", 5),
    Reject("0 0 * 0 *", "invalid-schedule", "month 0", 7),
    Reject("0 0 * 13 *", "invalid-schedule", "month 13", 7),
    Reject("0x1 * * * *", "invalid-schedule", "hex", 1),
    Reject("1.0 * * * *", "invalid-schedule", "decimal point", 1),
    Reject("1_0 * * * *", "invalid-schedule", "Python int() would accept 1_0, Go does not", 1),
    Reject("\u0661 * * * *", "invalid-schedule", "Arabic-Indic digit", 1),
    Reject("\uff11 * * * *", "invalid-schedule", "fullwidth digit", 1),
    Reject("99999999999999999999 * * * *", "invalid-schedule", "int64 overflow", 1),
    Reject("0 0 * MON *", "invalid-schedule", "day name in the month field", 7),
    Reject("0 0 JAN * *", "invalid-schedule", "month name in day-of-month", 5),
    Reject("jan * * * *", "invalid-schedule", "month name in minute", 1),
    Reject("0 0 * * 1-2-3", "invalid-schedule", "too many hyphens", 9),
    Reject("*/2/3 * * * *", "invalid-schedule", "too many slashes", 1),
    Reject("1- * * * *", "invalid-schedule", "missing range end", 3),
    Reject("1/ * * * *", "invalid-schedule", "missing step", 3),
    Reject("*/mon * * * 1", "invalid-schedule", "a step is never a name", 3),
    Reject("0 0 * * FRI\u0307", "invalid-schedule", "a combining dot is not part of a name"),
    Reject("@DAILY", "invalid-schedule", "descriptors are case-sensitive", 1),
    Reject("@Daily", "invalid-schedule", "descriptors are case-sensitive", 1),
    Reject("@reboot", "invalid-schedule", "@reboot is not supported", 1),
    Reject(" @daily", "invalid-schedule", "a leading space: one field, not a descriptor", 2),
    Reject("@daily ", "invalid-schedule", "descriptors match exactly", 1),
    Reject("@daily\n", "invalid-schedule", "descriptors match exactly", 1),
    Reject("@every", "invalid-schedule", "no duration", 1),
    Reject("@every ", "invalid-schedule", "empty duration", 8),
    Reject("@every5m", "invalid-schedule", "no space", 1),
    Reject("@every  5m", "invalid-schedule", "two spaces", 8),
    Reject("@every 5m ", "invalid-schedule", "trailing space becomes part of the unit", 8),
    Reject("@every 5", "invalid-schedule", "missing unit", 8),
    Reject("@every 5 m", "invalid-schedule", "space inside", 8),
    Reject("@every 1d", "invalid-schedule", "no day unit", 8),
    Reject("@every 1e3s", "invalid-schedule", "no exponent", 8),
    Reject("@every .s", "invalid-schedule", "no digits", 8),
    Reject("@every -", "invalid-schedule", "sign only", 8),
    Reject("@every 2562048h", "invalid-schedule", "int64 overflow", 8),
    Reject("@every 9223372036854775808ns", "invalid-schedule", "int64 overflow", 8),
    Reject("@hourly * * * *", "invalid-schedule", "descriptor with fields", 1),
    Reject("TZ=UTC 0 0 * * *", "tz-in-schedule", "TZ prefix", 1),
    Reject("TZ=UTC", "tz-in-schedule", "robfig would panic; Kubernetes rejects the TZ first", 1),
    Reject("CRON_TZ=Europe/Berlin 0 0 * * *", "tz-in-schedule", "CRON_TZ prefix", 1),
    Reject("0 0 * * * TZ=UTC", "tz-in-schedule", "TZ anywhere", 11),
    Reject("0 0 * * MON TZ", "tz-in-schedule", "bare TZ anywhere", 13),
    Reject("@every 1hTZ", "tz-in-schedule", "TZ inside a descriptor", 8),
    Reject("tz=UTC 0 0 * * *", "invalid-schedule", "lower-case tz is not the TZ check; 6 fields", 16),
]

VALID_ZONES = ["UTC", "Etc/UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Etc/GMT-14",
               "America/Port-au-Prince", "Asia/Kolkata"]
INVALID_ZONES = ["", "Local", "local", "LOCAL", "Europe/../Berlin", "./UTC", "-UTC", "Europe/-Berlin",
                 "Europe//Berlin", "/Europe/Berlin", "Europe/Berlin/", "Europe/Berlin\n", "Europe/Berlin ",
                 "America/Argentina_BuenosAires", "Europe/Berlín", "Europe/Ber lin", "UTC\u00a0"]
UNKNOWN_ZONES = ["Mars/Olympus", "Europe/Berln", "europe/berlin", "utc", "a..b", "America", "Etc/GMT+15"]


# --------------------------------------------------------------------------------------------------------------
# Hypothesis strategies: valid expressions with an independently computed meaning
# --------------------------------------------------------------------------------------------------------------

MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DOW_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


@st.composite
def _item(draw: st.DrawFn, lo: int, hi: int, names: list[str] | None) -> tuple[str, set[int], bool]:
    def num(v: int) -> str:
        if names and draw(st.booleans()):
            name = names[v - lo]
            return draw(st.sampled_from([name, name.upper(), name.capitalize()]))
        return draw(st.sampled_from(["", "", "", "0", "+"])) + str(v)

    kind = draw(st.sampled_from(["star", "star_step", "num", "range", "num_step", "range_step"]))
    star = draw(st.sampled_from(["*", "?"]))
    if kind == "star":
        return star, set(range(lo, hi + 1)), True
    step = draw(st.integers(1, hi - lo + 2))
    if kind == "star_step":
        return f"{star}/{step}", set(range(lo, hi + 1, step)), step == 1
    a = draw(st.integers(lo, hi))
    if kind == "num":
        return num(a), {a}, False
    if kind == "num_step":
        return f"{num(a)}/{step}", set(range(a, hi + 1, step)), False
    b = draw(st.integers(a, hi))
    if kind == "range":
        return f"{num(a)}-{num(b)}", set(range(a, b + 1)), False
    return f"{num(a)}-{num(b)}/{step}", set(range(a, b + 1, step)), False


@st.composite
def _field(draw: st.DrawFn, lo: int, hi: int, names: list[str] | None = None) -> tuple[str, set[int], bool]:
    items = draw(st.lists(_item(lo, hi, names), min_size=1, max_size=3))
    return ",".join(t for t, _, _ in items), set().union(*(v for _, v, _ in items)), any(s for _, _, s in items)


@dataclass(frozen=True)
class Meaning:
    minutes: set[int]
    hours: set[int]
    dom: set[int]
    months: set[int]
    dow: set[int]
    anded: bool


@st.composite
def expressions(draw: st.DrawFn, sparse: bool = False, weekly: bool = False) -> tuple[str, Meaning]:
    """A valid expression and its independently computed meaning."""
    if sparse:
        minute = draw(st.lists(st.integers(0, 59), min_size=1, max_size=3, unique=True))
        hour = draw(st.lists(st.integers(0, 23), min_size=1, max_size=4, unique=True))
        fields = [(",".join(map(str, minute)), set(minute), False), (",".join(map(str, hour)), set(hour), False)]
    else:
        fields = [draw(_field(0, 59)), draw(_field(0, 23))]
    if weekly:
        fields += [("*", set(range(1, 32)), True), ("*", set(range(1, 13)), True)]
    else:
        fields += [draw(_field(1, 31)), draw(_field(1, 12, MONTH_NAMES))]
    fields.append(draw(_field(0, 6, DOW_NAMES)))
    sep = draw(st.sampled_from([" ", "  ", "\t", "\u00a0", "\u3000"]))
    meaning = Meaning(fields[0][1], fields[1][1], fields[2][1], fields[3][1], fields[4][1], fields[2][2] or fields[4][2])
    return sep.join(f[0] for f in fields), meaning


def naive_day(meaning: Meaning, day: dt.date) -> bool:
    if day.month not in meaning.months:
        return False
    dom, dow = day.day in meaning.dom, (day.weekday() + 1) % 7 in meaning.dow
    return (dom and dow) if meaning.anded else (dom or dow)


def naive_match(meaning: Meaning, local: dt.datetime) -> bool:
    return local.minute in meaning.minutes and local.hour in meaning.hours and naive_day(meaning, local.date())


def naive_runs(meaning: Meaning, zone: dt.tzinfo, start: dt.datetime, minutes: int) -> list[dt.datetime]:
    """Every real minute after ``start`` whose local wall time matches (no calendar cleverness at all)."""
    out = []
    for k in range(1, minutes + 1):
        t = start + dt.timedelta(minutes=k)
        if naive_match(meaning, t.astimezone(zone)):
            out.append(t)
    return out
