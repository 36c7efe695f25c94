"""A schedule in plain English, e.g. "at minute 0 past every 6th hour (00:00, 06:00, 12:00, 18:00), every day"."""

from __future__ import annotations

from generator.schedule.durations import human_duration
from generator.schedule.golang import go_duration_string
from generator.schedule.spec import Schedule

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate and explain start without collections (#16)
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["MONTHS", "WEEKDAYS", "day_phrase", "describe", "format_hours", "list_names"]

WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
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
    return "on " + list_names(days, WEEKDAYS)


def list_names(values: Sequence[int], names: Sequence[str]) -> str:
    parts = []
    for lo, hi in _runs(values):
        if hi - lo >= 2:
            parts.append(f"{names[lo]} through {names[hi]}")
        else:
            parts.extend(names[v] for v in range(lo, hi + 1))
    return _join(parts)


def day_phrase(s: Schedule) -> str:
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
            text = f"{_dom_phrase(dom)} if it is a {list_names(dow, WEEKDAYS)}"
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
        text += f", in {list_names(months, MONTHS)}"
    return text


def describe(schedule: Schedule) -> str:
    """Plain-English description, e.g. "at minute 0 past every 6th hour (00:00, 06:00, 12:00, 18:00), every day"."""
    zone = f", {schedule.time_zone}" if schedule.time_zone else ""
    if schedule.every is not None:
        return (f"every {human_duration(schedule.every)} (@every {go_duration_string(schedule.every)}), counted from "
                "the previous run rather than aligned to the clock")
    if not (schedule.minutes and schedule.hours and schedule.months):
        return "never (a field selects no value)"
    text = f"{_time_phrase(sorted(schedule.minutes), sorted(schedule.hours))}, {day_phrase(schedule)}{zone}"
    if not schedule.fires:
        text += " (no such date: never runs)"
    return text



def format_hours(hours: frozenset[int] | Sequence[int]) -> str:
    """``00, 06, 12 and 18`` / ``09-17``: an hour set as text."""
    return _list(sorted(hours), "{:02d}")
