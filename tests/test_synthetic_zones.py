"""The DST analysis fast paths on zones no tz database has: POSIX rules drawn by hypothesis (#16).

``tests/test_schedule_fast_paths.py`` proves the fast paths equal to the oracles on every installed zone. Real zones
leave corners unvisited (a clock change on New Year's Eve or at midnight, a 15-minute or 2-hour shift, "negative"
DST as in Europe/Dublin, a change at hour 25 or -1), and the era loop's year-group memo has conditions only such
corners reach. Here each case is a TZif file written for the test (no transitions, only the POSIX footer rule, which
zoneinfo and :mod:`generator.schedule.tzfile` both read), installed on a temporary TZPATH under a fresh name, and
analysed by the fast code and by the oracle kept from before it, whose step-by-step walk reads the zone as Go does
(``model_offsets``: :func:`offset_at_oracle` on the TZif model, written independently of the fast model code).

Found this way: where a rule's change falls within two days of the UTC year's end (``J1/0`` east of Greenwich) or its
changes swap order between year types, zoneinfo and Go take different years' rules for the last hour of a year
(zoneinfo the local year's, Go the UTC year's); and zoneinfo reads ``J59/24`` of a leap year as 29 February 24:00
where Go reads 28 February. While robfig's walk read zoneinfo and its jumps the model, the two disagreed there; now
both read the model (:class:`generator.schedule.zones.Zone`), and the fast paths equal the Go-reading walk on every
drawn rule. No real zone has such a rule (zoneinfo and the model agree on every installed zone).
"""

from __future__ import annotations

import itertools
import struct
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from generator.schedule import analysis, tzfile, zones
from generator.schedule.analysis import analyze
from generator.schedule.cron import parse
from generator.schedule.robfig import next_after

try:  # tests/ itself on sys.path (default rootdir-less run)
    from analysis_oracle import analyze_oracle, comparable
    from schedule_oracles import changes_oracle, model_offsets, next_after_oracle, zoneinfo_offsets
except ImportError:  # pragma: no cover - tests/ is a package and the repository root is on sys.path
    from tests.analysis_oracle import analyze_oracle, comparable
    from tests.schedule_oracles import changes_oracle, model_offsets, next_after_oracle, zoneinfo_offsets

W0 = 1767225600  # 2026-01-01T00:00:00Z
W1 = W0 + 146097 * 86400

_names = itertools.count()
_installed: list[str] = []


def _tzif(std_offset: int, footer: str) -> bytes:
    """A TZif version 2 file with one local time type and no transitions: the footer rule says everything."""
    def block(time_size: int) -> bytes:
        counts = struct.pack(">6l", 0, 0, 0, 0, 1, 4)  # isut, isstd, leap, time, type, char counts
        return b"TZif2" + bytes(15) + counts + struct.pack(">lBB", std_offset, 0, 0) + b"STD\0"

    return block(4) + block(8) + f"\n{footer}\n".encode("ascii")


@pytest.fixture
def tz_dir(tmp_path: Path) -> Iterator[Path]:
    """A temporary TZPATH; the real one and every zone cache are restored afterwards."""
    zoneinfo.reset_tzpath(to=[str(tmp_path)])
    try:
        yield tmp_path
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache(only_keys=_installed)  # only ours: other tests compare zones by identity
        tzfile.zone_model.cache_clear()
        zones.clear_cache()
        analysis._zone_eras.cache_clear()
        analyze.cache_clear()


def _offset_text(seconds: int) -> str:
    """POSIX offset text (west of Greenwich positive) for an offset east of it."""
    west = -seconds
    sign = "-" if west < 0 else ""
    hours, rest = divmod(abs(west), 3600)
    return f"{sign}{hours}" + (f":{rest // 60:02d}" if rest else "")


def _time_text(seconds: int) -> str:
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}" + (f":{rest // 60:02d}" if rest else "")


# months weighted towards the year's ends (changes on New Year's Eve and Day), days towards the month's ends
_MONTHS = st.one_of(st.sampled_from([12, 1]), st.integers(1, 12))
_WALL_TIMES = st.one_of(st.sampled_from([0, 86400, 86400 + 3600, -3600, 2 * 3600, 23 * 3600 + 1800]),
                        st.integers(-4, 100).map(lambda q: q * 900))


@st.composite
def rules(draw: st.DrawFn) -> tuple[int, str]:
    """(standard offset, POSIX TZ footer) of a zone with daylight-saving time."""
    std = draw(st.integers(-48, 56).map(lambda q: q * 900))  # -12:00 .. +14:00 in quarter hours
    shift = draw(st.sampled_from([3600, 1800, 900, 2700, 7200, -3600, -1800]))
    dst = std + shift
    assume(-15 * 3600 <= dst <= 15 * 3600)

    def date() -> str:
        if draw(st.integers(0, 4)) == 0:
            return f"J{draw(st.integers(1, 365))}"
        return f"M{draw(_MONTHS)}.{draw(st.integers(1, 5))}.{draw(st.integers(0, 6))}"

    start, end = date(), date()
    assume(start != end)
    footer = (f"AAA{_offset_text(std)}BBB{_offset_text(dst)},{start}/{_time_text(draw(_WALL_TIMES))},"
              f"{end}/{_time_text(draw(_WALL_TIMES))}")
    return std, footer


def _install(tz_dir: Path, std: int, footer: str) -> str:
    key = f"Synthetic/Z{next(_names)}"  # a fresh name: nothing memoised under it
    _installed.append(key)
    (tz_dir / "Synthetic").mkdir(exist_ok=True)
    (tz_dir / key).write_bytes(_tzif(std, footer))
    return key


SCHEDULES = st.sampled_from(["15 3 1,15 * *", "0 0 * * *", "30 23 31 12 *", "0 0 1 1 *", "*/30 * * * *",
                             "45 1 * * 0", "0 12 * * 1-5", "5 0 29 2 *", "0 2 1 * *", "59 23 * * 6"])


def _go_oracle(key: str, expression: str) -> analysis.Analysis:
    """The analysis as it was, its walk reading the zone as Go does."""
    model = tzfile.zone_model(key)
    assert model is not None
    return analyze_oracle(parse(expression, key), offsets=model_offsets(model))


@pytest.mark.slow
@given(rule=rules(), expression=SCHEDULES)
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
def test_analysis_on_drawn_rules_matches_the_oracle(tz_dir: Path, rule: tuple[int, str], expression: str) -> None:
    std, footer = rule
    key = _install(tz_dir, std, footer)
    model = tzfile.zone_model(key)
    assert model is not None
    assert model.changes(W0 - 2 * 86400, W1 + 2 * 86400) == changes_oracle(model, W0 - 2 * 86400, W1 + 2 * 86400)
    analyze.cache_clear()
    got, expected = analyze(parse(expression, key)), _go_oracle(key, expression)
    assert comparable(got) == comparable(expected), (footer, expression)


@st.composite
def _near_changes(draw: st.DrawFn) -> tuple[int, str, int]:
    std, footer = draw(rules())
    year = draw(st.integers(2026, 2060))
    return std, footer, draw(st.integers(-3 * 86400, 3 * 86400)) + (year - 1970) * 31556952 + \
        draw(st.sampled_from([0, 59 * 86400, 180 * 86400, 364 * 86400]))


@pytest.mark.slow
@given(case=_near_changes(), expression=SCHEDULES)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
def test_next_after_on_drawn_rules_matches_the_go_walk(tz_dir: Path, case: tuple[int, str, int],
                                                       expression: str) -> None:
    """robfig's walk with its jumps (the zone's changes known) against the step-by-step walk, both reading Go's
    offsets, from instants near year ends, 1 March and midyear."""
    std, footer, start = case
    key = _install(tz_dir, std, footer)
    model = tzfile.zone_model(key)
    assert model is not None
    schedule = parse(expression, key)
    known = analysis._zone_eras(schedule.zone).known
    expected = next_after_oracle(schedule, model_offsets(model), start)
    assert next_after(schedule, schedule.zone, start, known) == expected, (footer, expression, start)
    assert next_after(schedule, schedule.zone, start) == expected, (footer, expression, start)


@pytest.mark.parametrize(("std", "footer"), [
    (3600, "AAA-1BBB-2,M12.5.0/23,M1.1.0/1"),                  # the year's last Sunday at 23:00 and its first Sunday
    (3600, "AAA-1BBB-2,M1.1.0/0,M12.5.6/24"),                  # midnight changes at both ends of the year
    (37800, "AAA-10:30BBB-11,M10.1.0,M4.1.0"),                 # half-hour DST, southern hemisphere (Lord Howe-like)
    (3600, "AAA-1BBB0,M10.5.0/2,M3.5.0/1"),                    # "negative" DST (Europe/Dublin)
    (-10800, "AAA3BBB2,M3.5.0/-1,M10.5.0/25"),                 # changes at hour -1 and 25
    (45900, "AAA-12:45BBB-13:45,M9.5.0/2:45,M4.1.0/3:45"),     # Chatham-like
    (0, "AAA0BBB-2,J1/0,J365/23"),                             # two-hour DST from 1 January to 31 December
    (0, "AAA0BBB-1,M12.3.0/0,J1/0"),                           # 1 January 00:00 DST is 31 December 23:00 in UTC
    (0, "AAA0BBB-1,M12.3.1/0,M12.3.0/0"),                      # the two changes swap order between year types
    (0, "AAA0BBB-1,J2/24,J59/24"),                             # J59 is 28 February, in a leap year too
    (0, "AAA0BBB-1,J10/1,J10/0"),                              # both bounds at one instant: never DST (Go)
])
@pytest.mark.parametrize("expression", ["0 0 1 1 *", "30 23 31 12 *", "15 3 1,15 * *", "0 0 * * *", "45 2 * * *"])
def test_analysis_on_year_end_and_odd_rules_matches_the_oracle(tz_dir: Path, std: int, footer: str,
                                                               expression: str) -> None:
    key = _install(tz_dir, std, footer)
    got, expected = analyze(parse(expression, key)), _go_oracle(key, expression)
    assert comparable(got) == comparable(expected), (footer, expression)


@pytest.mark.parametrize(("footer", "stamp"), [
    ("AAA0BBB-1,M12.3.0/0,J1/0", 1798758000),        # 2026-12-31 23:00 UTC: Go reads 2026's bounds, zoneinfo 2027's
    ("AAA0BBB-1,M12.3.1/0,M12.3.0/0", 1924988400),   # 2030-12-31 23:00 UTC: the same, bounds in the other order
    ("AAA0BBB-1,J2/24,J59/24", 1835391600),          # 2028-02-28 23:00 UTC, a leap year: DST has ended for Go
])
def test_where_zoneinfo_and_go_differ_the_walk_reads_go(tz_dir: Path, footer: str, stamp: int) -> None:
    """The rules that once split the walk (zoneinfo) from its jumps (the model): zoneinfo reads them otherwise than
    Go, and the zone the schedule engine uses reads them as Go (the model) does."""
    key = _install(tz_dir, 0, footer)
    model = tzfile.zone_model(key)
    assert model is not None
    go = model_offsets(model)(stamp)
    assert zoneinfo_offsets(key)(stamp) != go
    assert parse("0 0 * * *", key).zone.offset_at(stamp) == go
