"""Go standard-library behaviour the API server and robfig/cron rely on, re-implemented exactly.

``strings.Fields`` (:func:`fields_with_columns`), ``strconv.Atoi`` (:func:`go_atoi`), ``strings.ToLower`` for
ASCII names (:func:`go_lower`), ``time.ParseDuration`` (:func:`go_parse_duration`), ``time.Duration.String``
(:func:`go_duration_string`) and the Gregorian calendar's ``isLeap``/``daysIn`` (:func:`is_leap`, :func:`days_in`:
``calendar`` imports ``locale``, which the light commands do without, #16), with Go's ``daysSinceEpoch`` as
:func:`jan1_day` / :func:`year_of_day` (integer day numbers, no ``datetime`` objects: the analysis's hot loops).
Pure functions: no I/O, nothing computed at import.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["GO_WHITESPACE", "days_in", "fields_with_columns", "go_atoi", "go_duration_string", "go_lower",
           "go_parse_duration", "is_leap", "jan1_day", "year_of_day"]

_DAYS_IN = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_leap(year: int) -> bool:
    """Whether ``year`` is a Gregorian leap year (``calendar.isleap``)."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in(year: int, month: int) -> int:
    """Days in ``month`` (1-12) of ``year`` (``calendar.monthrange(year, month)[1]``; other months: ``ValueError``)."""
    if not 1 <= month <= 12:
        raise ValueError(f"bad month number {month}; must be 1-12")
    return 29 if month == 2 and is_leap(year) else _DAYS_IN[month]

def jan1_day(year: int) -> int:
    """Days from 1970-01-01 to 1 January of ``year`` (proleptic Gregorian; negative before 1970)."""
    y = year - 1
    return 365 * y + y // 4 - y // 100 + y // 400 - 719162


def year_of_day(day: int) -> int:
    """The Gregorian year of day number ``day`` (days from 1970-01-01), without ``datetime`` objects."""
    year = 1970 + day * 400 // 146097  # at most one year off
    if jan1_day(year) > day:
        return year - 1
    return year + 1 if jan1_day(year + 1) <= day else year


#: Go ``unicode.IsSpace`` (what ``strings.Fields`` splits on). Python's ``str.split()`` also splits on
#: U+001C..U+001F (file/group/record/unit separators), which Go does not; everything else is the same set.
GO_WHITESPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


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


_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


def go_atoi(text: str) -> int | None:
    """Go ``strconv.Atoi`` on a 64-bit platform; ``None`` when Go returns an error."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    # ASCII digits only: no "1_0", no Unicode digits, no "0x1", no "1.0" (str.isdigit would take "²" and "٣")
    if not digits or any(not "0" <= ch <= "9" for ch in digits):
        return None
    value = int(text)
    if not _INT64_MIN <= value <= _INT64_MAX:
        return None
    return value


def go_lower(text: str) -> str:
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

