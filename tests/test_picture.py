"""generator.schedule.picture: the week x 24 h strip."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from hypothesis import given, settings

from generator.schedule.cron import parse
from generator.schedule.picture import LEGEND_CHARS, REFERENCE_MONDAY, hour_counts, week_strip, week_strip_svg

try:  # tests/ itself on sys.path (default rootdir-less run)
    from schedule_cases import Meaning, expressions, naive_runs
except ImportError:  # pragma: no cover - tests/ is a package and the repository root is on sys.path
    from tests.schedule_cases import Meaning, expressions, naive_runs


NONE, ONE, SOME, MANY = LEGEND_CHARS


def test_shape_and_labels() -> None:
    lines = week_strip(parse("0 */6 * * *"))
    assert len(lines) == 9
    assert lines[0] == "    00    06    12    18"
    assert [line[:4] for line in lines[1:8]] == ["Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun "]
    assert all(len(line) == 4 + 24 for line in lines[1:8])
    assert "none" in lines[8] and "30+" in lines[8] and "week of 2026-01-05" in lines[8]
    assert REFERENCE_MONDAY.weekday() == 0


def test_the_trap_versus_the_fix() -> None:
    trap = week_strip(parse("* */6 * * *"))[1:8]
    fixed = week_strip(parse("0 */6 * * *"))[1:8]
    for row in trap:
        assert row[4:] == (MANY + NONE * 5) * 4
    for row in fixed:
        assert row[4:] == (ONE + NONE * 5) * 4


def test_days_and_buckets() -> None:
    rows = week_strip(parse("*/7 3-5 * * 1-5"))[1:8]
    assert rows[0][4:] == NONE * 3 + SOME * 3 + NONE * 18
    assert rows[5][4:] == rows[6][4:] == NONE * 24


def test_dst_days() -> None:
    spring = week_strip(parse("30 2 * * *", "Europe/Berlin"), dt.date(2026, 3, 23))
    assert spring[7][:4] == "Sun " and spring[7][4 + 2] == NONE  # 02:30 does not exist on 29 March
    fall = hour_counts(parse("30 2 * * *", "Europe/Berlin"), dt.date(2026, 10, 19))
    assert fall[6][0] == dt.date(2026, 10, 25) and fall[6][1][2] == 2  # 02:30 happens twice
    assert week_strip(parse("30 2 * * *", "Europe/Berlin"), dt.date(2026, 10, 19))[7][4 + 2] == SOME


def test_start_not_monday() -> None:
    lines = week_strip(parse("0 0 * * *"), dt.date(2026, 1, 7))
    assert lines[1].startswith("Wed ") and lines[7].startswith("Tue ")


def test_every() -> None:
    counts = hour_counts(parse("@every 7m"))
    assert counts[0][1][0] == 8  # 00:07 ... 00:56 (counted from the start of the week)
    assert counts[0][1][1] == 9
    assert sum(sum(c) for _, c in counts) == 7 * 24 * 60 // 7 - 1  # the run at the very end is next week


def test_never_fires_is_empty() -> None:
    assert all(row[4:] == NONE * 24 for row in week_strip(parse("0 0 31 2 *"))[1:8])


def test_svg_is_deterministic_xml() -> None:
    s = parse("* */6 * * *", "Europe/Berlin")
    svg = week_strip_svg(s)
    assert svg == week_strip_svg(s)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    cells = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.find("{http://www.w3.org/2000/svg}title")
             is not None]
    assert len(cells) == 7 * 24
    assert sum(1 for c in cells if c.get("fill") == "#08306b") == 7 * 4


@given(expressions(sparse=True))
@settings(max_examples=30, deadline=None)
def test_counts_agree_with_minute_matcher(case: tuple[str, Meaning]) -> None:
    expr, meaning = case
    s = parse(expr, "Europe/Berlin")
    start = dt.date(2026, 10, 19)  # contains the fall-back night
    counts = hour_counts(s, start)
    begin = dt.datetime(2026, 10, 19, tzinfo=s.zone).astimezone(dt.UTC) - dt.timedelta(minutes=1)
    expected = [[0] * 24 for _ in range(7)]
    for run in naive_runs(meaning, s.zone, begin, 7 * 1440 + 60):
        local = run.astimezone(s.zone)
        day = (local.date() - start).days
        if 0 <= day < 7:
            expected[day][local.hour] += 1
    assert [c for _, c in counts] == expected
