"""A week x 24 hours picture of when a schedule runs (text rows and a small standalone SVG).

One cell per local hour of the schedule's zone; the cell shows how many runs start in that hour:
``·`` none, ``▪`` one, ``▄`` 2-29, ``█`` 30 or more. So ``* */6 * * *`` shows four solid ``█`` columns a day
and ``0 */6 * * *`` four ``▪``. The default week is the one starting Monday 2026-01-05, so output is
deterministic. Counts come from the field sets (plus exact DST handling on transition days), not from
iterating ``next_runs``.
"""

from __future__ import annotations

import datetime as dt

from generator.schedule.cron import Schedule

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from generator.schedule.zones import Zone


def escape(text: str) -> str:
    """XML text escaping (xml.sax.saxutils would import urllib and http.client: +25 ms start-up)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["LEGEND_CHARS", "REFERENCE_MONDAY", "hour_counts", "week_strip", "week_strip_svg"]

REFERENCE_MONDAY = dt.date(2026, 1, 5)
LEGEND_CHARS = ("·", "▪", "▄", "█")
_COLORS = ("#eeeeee", "#9ecae1", "#3182bd", "#08306b")
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _bucket(count: int) -> int:
    if count <= 0:
        return 0
    if count == 1:
        return 1
    return 2 if count < 30 else 3


def _offset(zone: Zone, stamp: int) -> int:
    return zone.offset_at(stamp)


def _minute_starts(zone: Zone, day: dt.date, minute: int) -> list[int]:
    """Epoch seconds at which the wall clock shows ``day`` ``minute`` (0, 1 or 2 instants)."""
    return [t for t, _ in zone.instants((day.toordinal() - _EPOCH_ORDINAL) * 86400 + minute * 60)]


def _every_counts(schedule: Schedule, day: dt.date, anchor: int, step: int) -> list[int]:
    """Runs of ``@every`` (anchor + k*step, k >= 1) per local hour of ``day``."""
    zone = schedule.zone

    def runs_in(a: int, b: int) -> int:  # k >= 1 with a <= anchor + k*step < b
        lo = max(1, -(-(a - anchor) // step))
        hi = -(-(b - anchor) // step)
        return max(0, hi - lo)

    counts = [0] * 24
    wall0 = (day.toordinal() - _EPOCH_ORDINAL) * 86400
    offset = _offset(zone, wall0 - _offset(zone, wall0))
    if zone.model is None or all(_offset(zone, wall0 - offset + k * 3600) == offset for k in range(-1, 26)):
        for hour in range(24):
            start = wall0 + hour * 3600 - offset
            counts[hour] = runs_in(start, start + 3600)
        return counts
    for minute in range(1440):
        for start in _minute_starts(zone, day, minute):
            counts[minute // 60] += runs_in(start, start + 60)
    return counts


def hour_counts(schedule: Schedule, start: dt.date | None = None) -> list[tuple[dt.date, list[int]]]:
    """For each of the 7 days from ``start``: the number of runs starting in each local hour 00..23."""
    first = REFERENCE_MONDAY if start is None else start
    days = [first + dt.timedelta(days=i) for i in range(7)]
    out: list[tuple[dt.date, list[int]]] = []
    if schedule.every is not None:
        step = int(schedule.every.total_seconds())
        wall0 = (first.toordinal() - _EPOCH_ORDINAL) * 86400
        anchor = wall0 - _offset(schedule.zone, wall0 - _offset(schedule.zone, wall0))
        return [(day, _every_counts(schedule, day, anchor, step)) for day in days]
    for day in days:
        counts = [0] * 24
        if schedule.fires and schedule.day_matches(day):
            for minute in schedule.day_wall_minutes(day):
                counts[minute // 60] += 1
        out.append((day, counts))
    return out


def _zone_label(schedule: Schedule) -> str:
    return schedule.time_zone if schedule.time_zone else "UTC; no time zone set"


def week_strip(schedule: Schedule, start: dt.date | None = None) -> list[str]:
    """Header, 7 day rows (``Mon `` + 24 cells), legend: 9 lines of text."""
    rows = hour_counts(schedule, start)
    header = "    " + "00    06    12    18"
    lines = [header]
    for day, counts in rows:
        lines.append(f"{_DAY_NAMES[day.weekday()]} " + "".join(LEGEND_CHARS[_bucket(c)] for c in counts))
    first = rows[0][0]
    lines.append(
        f"{LEGEND_CHARS[0]} none  {LEGEND_CHARS[1]} 1 run  {LEGEND_CHARS[2]} 2-29 runs  {LEGEND_CHARS[3]} 30+ runs "
        f"per hour ({_zone_label(schedule)}, week of {first.isoformat()})"
    )
    return lines


def week_strip_svg(schedule: Schedule, start: dt.date | None = None) -> str:
    """The same picture as a small standalone SVG document (deterministic output)."""
    rows = hour_counts(schedule, start)
    cell, left, top = 14, 36, 18
    width = left + 24 * cell + 8
    height = top + 7 * cell + 30
    title = f"{schedule.expression} ({_zone_label(schedule)}), week of {rows[0][0].isoformat()}"
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="10">'
        ),
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for hour in range(0, 24, 6):
        parts.append(f'<text x="{left + hour * cell}" y="{top - 6}">{hour:02d}</text>')
    for r, (day, counts) in enumerate(rows):
        y = top + r * cell
        parts.append(f'<text x="4" y="{y + cell - 4}">{_DAY_NAMES[day.weekday()]}</text>')
        for hour, count in enumerate(counts):
            label = f"{_DAY_NAMES[day.weekday()]} {day.isoformat()} {hour:02d}:00: {count} run{'s' if count != 1 else ''}"
            parts.append(
                f'<rect x="{left + hour * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                f'fill="{_COLORS[_bucket(count)]}"><title>{escape(label)}</title></rect>'
            )
    legend_y = top + 7 * cell + 8
    x = left
    for color, text in zip(_COLORS, ("none", "1 run", "2-29", "30+"), strict=True):
        parts.append(f'<rect x="{x}" y="{legend_y}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{x + 13}" y="{legend_y + 9}">{escape(text)}</text>')
        x += 70
    parts.append(f"<desc>{escape(title)}</desc>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
