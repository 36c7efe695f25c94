"""The fast paths of the schedule analysis (#16) against the simple code they replaced (tests/schedule_oracles.py,
tests/analysis_oracle.py).

* ``ZoneModel.changes`` (integer footer-rule bounds per year type, bisected explicit transitions) against the
  candidate-by-candidate version, over the whole horizon, for every zone of the machine's tz database;
* robfig's ``Next`` with the zone's known offset changes (month and day loops jump where no change is near) reading
  the zone model, against the one-step-at-a-time walk reading zoneinfo, as it did before: hypothesis over schedules x
  tricky zones x instants near transitions, and every run of a few schedules around every transition of 2026-2030;
* :func:`.robfig.plainly_advances` (the analysis skips the "Next of the run" walk when it holds) against the walk;
* ``analyze`` against the analysis as it was (the whole record, detail fields included), and for a few schedules
  against the era loop without any memoisation.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from generator.schedule import analysis, tzfile
from generator.schedule.aggregate import WallCalendar
from generator.schedule.analysis import analyze
from generator.schedule.cron import parse
from generator.schedule.golang import jan1_day, year_of_day
from generator.schedule.robfig import next_after, plainly_advances
from generator.schedule.zones import Zone, zone_for

try:  # tests/ itself on sys.path (default rootdir-less run)
    from analysis_oracle import OldWallCalendar, analyze_oracle, comparable
    from schedule_cases import expressions
    from schedule_oracles import (
        changes_oracle,
        next_after_oracle,
        offset_at_oracle,
        posix_parts_oracle,
        zoneinfo_offsets,
    )
except ImportError:  # pragma: no cover - tests/ is a package and the repository root is on sys.path
    from tests.analysis_oracle import OldWallCalendar, analyze_oracle, comparable
    from tests.schedule_cases import expressions
    from tests.schedule_oracles import (
        changes_oracle,
        next_after_oracle,
        offset_at_oracle,
        posix_parts_oracle,
        zoneinfo_offsets,
    )

UTC = dt.UTC
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
W0 = int(dt.datetime(2026, 1, 1, tzinfo=UTC).timestamp())
W1 = W0 + 146097 * 86400

TRICKY = ["Australia/Lord_Howe", "Pacific/Chatham", "America/Santiago", "Africa/Casablanca", "America/Havana",
          "America/Asuncion", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC",
          "Pacific/Apia", "Pacific/Kiritimati", "Asia/Gaza", "America/Nuuk", "Antarctica/Troll", "Europe/Dublin",
          "Australia/Sydney", "Asia/Tehran"]


def _zi_offset(zone: dt.tzinfo, stamp: int) -> int:
    off = dt.datetime.fromtimestamp(stamp, zone).utcoffset()
    assert off is not None
    return int(off.total_seconds())


# ----------------------------------------------------------------------------------------------------------------
# Calendar arithmetic and zone changes
# ----------------------------------------------------------------------------------------------------------------


def test_integer_calendar_matches_datetime() -> None:
    for year in (*range(1, 40), *range(1890, 2500), *range(9960, 10000)):
        assert jan1_day(year) == dt.date(year, 1, 1).toordinal() - _EPOCH_ORDINAL
    for day in (*range(-719162, -718000), *range(-30000, 200000, 7), *range(2900000, 2932897)):
        assert year_of_day(day) == dt.date.fromordinal(day + _EPOCH_ORDINAL).year, day


def test_changes_match_the_oracle_for_every_zone() -> None:
    """Exhaustive over the machine's tz database: the horizon the analysis asks for, and a historic window."""
    keys = sorted(zoneinfo.available_timezones())
    assert len(keys) > 300
    with_rules = 0
    for key in keys:
        model = tzfile.zone_model(key)
        assert model is not None, key
        with_rules += model.rule is not None and model.rule.dst is not None
        for a, b in ((W0 - 3 * 86400, W1 + 3 * 86400), (-(10**9), 10**9)):
            assert model.changes(a, b) == changes_oracle(model, a, b), key
        for stamp in range(W0 - 86400, W1, 86400 * 731 + 3600 * 7 + 61):  # ~200 instants across the horizon
            assert model.offset_at(stamp) == offset_at_oracle(model, stamp), (key, stamp)
    assert with_rules > 100  # the footer-rule path was exercised


def test_changes_agree_with_zoneinfo_for_every_zone() -> None:
    """What robfig's fast paths rely on: the TZif model's changes are zoneinfo's (at each change and just before)."""
    for key in sorted(zoneinfo.available_timezones()):
        model = tzfile.zone_model(key)
        assert model is not None
        zone = ZoneInfo(key)
        assert model.offset_at(W0) == _zi_offset(zone, W0), key
        for t, new in model.changes(W0, W1):
            assert _zi_offset(zone, t) == new and _zi_offset(zone, t - 1) != new, (key, t)


# ----------------------------------------------------------------------------------------------------------------
# robfig's Next
# ----------------------------------------------------------------------------------------------------------------


def _known(key: str) -> tuple[Zone, analysis.Known]:
    zone = zone_for(key)
    return zone, analysis._zone_eras(zone).known


def _transitions(key: str, start_year: int, end_year: int) -> list[int]:
    known = _known(key)[1]
    a = int(dt.datetime(start_year, 1, 1, tzinfo=UTC).timestamp())
    b = int(dt.datetime(end_year, 1, 1, tzinfo=UTC).timestamp())
    return [t for t in known[0] if a <= t < b]


def _starts(key: str) -> st.SearchStrategy[int]:
    """Instants concentrated near the zone's transitions of 2026-2100 (or anywhere, for a zone without any)."""
    changes = _transitions(key, 2026, 2100)
    anywhere = st.integers(W0, W0 + 80 * 365 * 86400)
    if not changes:
        return anywhere
    near = st.tuples(st.sampled_from(changes), st.integers(-40 * 86400, 3 * 86400)).map(sum)
    very_near = st.tuples(st.sampled_from(changes), st.integers(-3 * 3600, 3 * 3600)).map(sum)
    return st.one_of(near, very_near, anywhere)


@st.composite
def _cases(draw: st.DrawFn) -> tuple[str, str, int]:
    key = draw(st.sampled_from(TRICKY))
    expression, _ = draw(expressions(sparse=draw(st.booleans())))
    start = draw(_starts(key))
    return expression, key, start


@given(_cases())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_next_after_with_known_changes_matches_the_step_by_step_walk(case: tuple[str, str, int]) -> None:
    expression, key, start = case
    schedule = parse(expression, key)
    assume(schedule.fires)
    zone, known = _known(key)
    offsets = zoneinfo_offsets(key)
    expected = next_after_oracle(schedule, offsets, start)
    assert next_after(schedule, zone, start, known) == expected
    assert next_after(schedule, zone, start) == expected  # without known changes: the plain walk
    if expected is not None and expected > start and analysis._zone_eras(zone).monotone \
            and plainly_advances(schedule, zone, expected):
        following = next_after_oracle(schedule, offsets, expected)
        assert following is None or following > expected


WALKED = ["0 0 * * *", "30 2 * * *", "15 3 1,15 * *", "*/20 1-3 * * *", "45 * * * 0", "0 12 * 1,4,10 6"]
WALKED_ZONES = ["Australia/Lord_Howe", "Pacific/Chatham", "America/Santiago", "Africa/Casablanca", "Europe/London",
                "America/Havana", "Asia/Gaza", "America/Nuuk"]


@pytest.mark.parametrize("key", WALKED_ZONES)
def test_every_run_around_every_transition_2026_2030(key: str) -> None:
    zone, known = _known(key)
    offsets = zoneinfo_offsets(key)
    changes = _transitions(key, 2026, 2031)
    assert changes
    for expression in WALKED:
        schedule = parse(expression, key)
        for change in changes:
            stamp, end, runs = change - 4 * 86400, change + 2 * 86400, 0
            while stamp < end:
                expected = next_after_oracle(schedule, offsets, stamp)
                assert next_after(schedule, zone, stamp, known) == expected, (expression, stamp)
                if expected is None or expected <= stamp:
                    break  # a stall: the oracle's Next does not advance
                stamp, runs = expected, runs + 1
            for probe in range(change - 2 * 3600, change + 2 * 3600, 1800 + 7):  # between runs, too
                assert next_after(schedule, zone, probe, known) == next_after_oracle(schedule, offsets, probe)


# ----------------------------------------------------------------------------------------------------------------
# The analysis
# ----------------------------------------------------------------------------------------------------------------

DAY0 = W0 // 86400


@given(expressions(), st.integers(DAY0 - 800, DAY0 + 146097), st.integers(0, 3000))
@settings(max_examples=150, deadline=None)
def test_wall_calendar_days_match_the_oracle(case: tuple[str, object], start: int, length: int) -> None:
    schedule = parse(case[0])
    assert WallCalendar(schedule).days(start, start + length) == OldWallCalendar(schedule).days(start, start + length)


def test_wall_calendar_whole_cycle_matches_the_oracle() -> None:
    for expression in ANALYSED:
        schedule = parse(expression)
        for start in (DAY0, DAY0 + 59, DAY0 - 365 * 30 - 7):
            assert WallCalendar(schedule).days(start, start + 146097) == \
                OldWallCalendar(schedule).days(start, start + 146097)

ANALYSED = ["15 3 1,15 * *", "0 0 1 1 *", "30 2 * * *", "0 1 * * *", "*/7 3-5 */3 * 1-5", "45 3 * * *",
            "0 2 * * *", "0 0 29 2 *", "30 0 * * 0", "0,30 * * * *", "0 0 1 * *", "0 12 31 * *"]
ANALYSED_ZONES = ["Australia/Lord_Howe", "Europe/London", "Europe/Berlin", "America/Santiago", "Pacific/Chatham",
                  "America/New_York", "Africa/Casablanca", "America/Asuncion", "Asia/Tokyo", "Asia/Gaza", None]


def _fresh(expression: str, key: str | None) -> tuple[analysis.Analysis, analysis.Analysis]:
    analyze.cache_clear()
    schedule = parse(expression, key)
    return analyze(schedule), analyze_oracle(schedule)


@pytest.mark.parametrize("key", ANALYSED_ZONES)
def test_analysis_matches_the_oracle(key: str | None) -> None:
    for expression in ANALYSED:
        got, expected = _fresh(expression, key)
        assert comparable(got) == comparable(expected), expression  # every field, detail fields too


@given(expressions(sparse=True), st.sampled_from(TRICKY))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_analysis_matches_the_oracle_hypothesis(case: tuple[str, object], key: str) -> None:
    got, expected = _fresh(case[0], key)
    assert comparable(got) == comparable(expected)


@pytest.mark.parametrize(("expression", "key"), [("15 3 1,15 * *", "Australia/Lord_Howe"),
                                                 ("45 3 * * *", "Pacific/Chatham"),
                                                 ("0 0 * * *", "Europe/London")])
def test_analysis_matches_the_era_loop_without_memoisation(expression: str, key: str) -> None:
    analyze.cache_clear()
    got, expected = analyze(parse(expression, key)), analyze_oracle(parse(expression, key), memo=False)
    assert comparable(got) == comparable(expected)


# ----------------------------------------------------------------------------------------------------------------
# The POSIX TZ footer scanner
# ----------------------------------------------------------------------------------------------------------------


def test_posix_scanner_matches_the_regex_on_every_installed_footer() -> None:
    footers = set()
    for key in sorted(zoneinfo.available_timezones()):
        data = tzfile.read_tzif(key)
        assert data is not None
        footers.add(data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii", "replace"))
    assert len(footers) > 50
    for text in footers:
        assert tzfile._posix_tz(text) == posix_parts_oracle(text) is not None, text


_TZ_PIECES = ["<", ">", "+", "-", ":", ",", ".", "/", "J", "M", "0", "1", "2", "5", "9", "10", "123", "1234",
              "A", "EST", "EDT", "ab", "<+0330>", "M3.2.0", "M10.5.0/3", "J60", "\u0663", "\n", " "]


@given(st.lists(st.sampled_from(_TZ_PIECES), max_size=12).map("".join))
@settings(max_examples=1000, deadline=None)
def test_posix_scanner_matches_the_regex(text: str) -> None:
    assert tzfile._posix_tz(text) == posix_parts_oracle(text)


@pytest.mark.parametrize("text", ["EST5EDT,M3.2.0,M11.1.0", "<-03>3<-02>,M3.2.0,M11.1.0", "IST-2IDT,M3.4.4/26,M10.5.0",
                                  "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", "EST5EDT", "XXX3YYY4",
                                  "EST5EDT4,J60/2,300/25", "AAA1BBB,0,365", "EST5EDT,M3.2.0", "EST5:", "EST1234",
                                  "<A>1<B>2:3:4,M1.1.1/-1:2,J1/+3", "ES5", "<A1", "EST5EDT,M3.2.0/,M11.1.0"])
def test_posix_scanner_examples(text: str) -> None:
    assert tzfile._posix_tz(text) == posix_parts_oracle(text)
