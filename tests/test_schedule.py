"""generator.schedule.cron: the Kubernetes/robfig v3.0.1 grammar, time zones and next_runs (DST included)."""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from generator.errors import ScheduleError
from generator.schedule.cron import (
    GO_WHITESPACE,
    TZ_MESSAGE,
    Schedule,
    fields_with_columns,
    go_parse_duration,
    parse,
    validate_time_zone,
)
from generator.schedule.zones import zone_for

try:  # tests/ itself on sys.path (default rootdir-less run)
    from schedule_cases import (
        ACCEPT,
        INVALID_ZONES,
        REJECT,
        UNKNOWN_ZONES,
        VALID_ZONES,
        Accept,
        Meaning,
        Reject,
        expressions,
        naive_day,
        naive_runs,
    )
except ImportError:  # pragma: no cover - tests/ is a package and the repository root is on sys.path
    from tests.schedule_cases import (
        ACCEPT,
        INVALID_ZONES,
        REJECT,
        UNKNOWN_ZONES,
        VALID_ZONES,
        Accept,
        Meaning,
        Reject,
        expressions,
        naive_day,
        naive_runs,
    )


UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")

# ----------------------------------------------------------------------------------------------------------------
# The edge-case table
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ACCEPT, ids=[repr(c.expression) for c in ACCEPT])
def test_accepted(case: Accept) -> None:
    s = parse(case.expression)
    for name in ("minutes", "hours", "days_of_month", "months", "days_of_week", "dom_star", "dow_star"):
        expected = getattr(case, name)
        if expected is not None:
            assert getattr(s, name) == expected, name
    if case.every_seconds is not None:
        assert s.every == dt.timedelta(seconds=case.every_seconds)
    else:
        assert s.every is None
    assert s.fires is case.fires


@pytest.mark.parametrize("case", REJECT, ids=[repr(c.expression) for c in REJECT])
def test_rejected(case: Reject) -> None:
    with pytest.raises(ScheduleError) as info:
        parse(case.expression)
    err = info.value
    assert err.rule == case.rule
    assert err.hint, "every schedule error says what to do"
    assert err.file is None and err.line is None
    if case.col is not None:
        assert err.col == case.col


def test_tz_message_and_priority() -> None:
    # The TZ check comes first, even when the rest is also invalid or the time zone is bad.
    with pytest.raises(ScheduleError) as info:
        parse("CRON_TZ=Mars 99 99 * *", "Local")
    assert info.value.rule == "tz-in-schedule"
    assert info.value.message == TZ_MESSAGE
    assert "cannot use TZ or CRON_TZ in schedule, use the time-zone setting" in TZ_MESSAGE
    assert "secretRotationTimeZone / spec.timeZone" in TZ_MESSAGE


def test_hints_are_specific() -> None:
    def hint(expr: str) -> str:
        with pytest.raises(ScheduleError) as info:
            parse(expr)
        assert info.value.hint is not None
        return info.value.hint

    assert hint("0 0 * * 7") == "day-of-week is 0-6 (Sunday=0); 7 is rejected by Kubernetes: use 0"
    assert "sat,sun" in hint("0 0 * * sat-sun")
    assert "case-sensitive: use @daily" in hint("@DAILY")
    assert "@reboot is not supported" in hint("@reboot")
    assert "not supported" in hint("0 0 L * *")
    assert "#" in hint("0 0 * * 1#2")
    assert "seconds" in hint("0 0 0 * * *")
    assert "only allowed in the day-of-week field" in hint("0 0 * mon *")
    assert "at least 1" in hint("*/0 * * * *")
    assert "Go duration" in hint("@every 1d")


def test_error_columns_point_inside_items() -> None:
    with pytest.raises(ScheduleError) as info:
        parse("0 0 1,2,99 * *")
    assert info.value.col == 9
    with pytest.raises(ScheduleError) as info:
        parse("  0  0 * * 1-9")
    assert info.value.col == 12


# ----------------------------------------------------------------------------------------------------------------
# Go helpers
# ----------------------------------------------------------------------------------------------------------------


def test_go_whitespace_is_python_whitespace_minus_separators() -> None:
    python_space = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert python_space - set(GO_WHITESPACE) == {"\x1c", "\x1d", "\x1e", "\x1f"}
    assert set(GO_WHITESPACE) <= python_space
    assert "\u200b" not in GO_WHITESPACE and "\u180e" not in GO_WHITESPACE


def test_fields_with_columns() -> None:
    assert fields_with_columns(" a\u00a0 bb\tc\n") == [(2, "a"), (5, "bb"), (8, "c")]
    assert fields_with_columns("") == []
    assert fields_with_columns("a\x1cb") == [(1, "a\x1cb")]


@pytest.mark.parametrize(
    ("text", "nanos"),
    [
        ("0", 0), ("+0", 0), ("-0", 0), ("0s", 0), ("1ns", 1), ("1.5s", 1_500_000_000), ("-1.5s", -1_500_000_000),
        ("1h1m", 3_660_000_000_000), (".5h", 1_800_000_000_000), ("1.h", 3_600_000_000_000),
        ("1.0000000000000000000001s", 1_000_000_000), ("2562047h47m16.854775807s", (1 << 63) - 1),
        ("-2562047h47m16.854775808s", -(1 << 63)), ("100us", 100_000), ("3\u00b5s", 3_000), ("3\u03bcs", 3_000),
        ("1m1m", 120_000_000_000),
    ],
)
def test_go_parse_duration(text: str, nanos: int) -> None:
    assert go_parse_duration(text) == nanos


@pytest.mark.parametrize(
    "text", ["", "+", "-", "s", "1", ".s", "1.", "1x", "1 s", " 1s", "1s ", "1e3s", "2562048h", "1S", "1Ms", "١s",
             "9223372036854775808ns", "0.0.0s", "1h-1m"],
)
def test_go_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="time: "):
        go_parse_duration(text)


# ----------------------------------------------------------------------------------------------------------------
# Time zones
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", VALID_ZONES)
def test_valid_zones(zone: str) -> None:
    validate_time_zone(zone)
    assert parse("0 0 * * *", zone).time_zone == zone


@pytest.mark.parametrize("zone", INVALID_ZONES)
def test_invalid_zones(zone: str) -> None:
    with pytest.raises(ScheduleError) as info:
        validate_time_zone(zone)
    assert info.value.rule == "invalid-time-zone"
    assert info.value.hint


@pytest.mark.parametrize("zone", UNKNOWN_ZONES)
def test_unknown_zones(zone: str) -> None:
    with pytest.raises(ScheduleError) as info:
        parse("0 0 * * *", zone)
    assert info.value.rule == "unknown-time-zone"
    assert info.value.col is None


def test_schedule_error_before_zone_error() -> None:
    with pytest.raises(ScheduleError) as info:
        parse("0 0 * * 7", "Mars/Olympus")
    assert info.value.rule == "invalid-schedule"


# ----------------------------------------------------------------------------------------------------------------
# next_runs
# ----------------------------------------------------------------------------------------------------------------


def runs(expr: str, zone: str | None, after: dt.datetime, count: int) -> list[str]:
    return [r.isoformat() for r in parse(expr, zone).next_runs(after, count)]


def test_and_or_semantics() -> None:
    jan1 = dt.datetime(2026, 1, 1, tzinfo=UTC)  # a Thursday
    assert runs("0 0 */1 * 1", None, jan1, 2) == ["2026-01-05T00:00:00+00:00", "2026-01-12T00:00:00+00:00"]
    assert runs("0 0 */2 * 1", None, jan1, 3) == [
        "2026-01-03T00:00:00+00:00", "2026-01-05T00:00:00+00:00", "2026-01-07T00:00:00+00:00"
    ]
    assert runs("0 0 13 * 5", None, jan1, 3) == [
        "2026-01-02T00:00:00+00:00", "2026-01-09T00:00:00+00:00", "2026-01-13T00:00:00+00:00"
    ]
    assert runs("0 0 13 * ?", None, jan1, 2) == ["2026-01-13T00:00:00+00:00", "2026-02-13T00:00:00+00:00"]
    assert runs("0 0 , * 1", None, jan1, 1) == ["2026-01-05T00:00:00+00:00"]  # empty dom ORed with Mondays


def test_berlin_spring_forward_skips() -> None:
    after = dt.datetime(2026, 3, 28, 0, 0, tzinfo=BERLIN)
    assert runs("30 2 * * *", "Europe/Berlin", after, 2) == [
        "2026-03-28T02:30:00+01:00", "2026-03-30T02:30:00+02:00"
    ]
    after = dt.datetime(2026, 3, 29, 0, 30, tzinfo=BERLIN)
    assert runs("0 * * * *", "Europe/Berlin", after, 2) == ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00"]


def test_berlin_fall_back_runs_twice() -> None:
    after = dt.datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN)
    got = parse("30 2 * * *", "Europe/Berlin").next_runs(after, 3)
    assert [r.isoformat() for r in got] == [
        "2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00", "2026-10-26T02:30:00+01:00"
    ]
    assert [r.fold for r in got] == [0, 1, 0]
    after = dt.datetime(2026, 10, 25, 1, 45, tzinfo=BERLIN)
    assert runs("15,45 2 * * *", "Europe/Berlin", after, 4) == [
        "2026-10-25T02:15:00+02:00", "2026-10-25T02:45:00+02:00", "2026-10-25T02:15:00+01:00",
        "2026-10-25T02:45:00+01:00",
    ]


# robfig's Next adds whole hours of absolute time: where the offset changes by half an hour (Lord Howe) or at a
# quarter past (Chatham, 02:45 -> 03:45) the walk lands on hh:30 / hh:15 and skips runs that exist on the wall
# clock, even the next day's; where midnight does not exist (Santiago) it can run on a day that does not match. Each row was traced by hand through robfig v3's spec.go (see generator/schedule/
# robfig.py); "naive" is what a true-local-time computation would list instead.
LORD_HOWE_AND_CHATHAM = [
    # fall-back Sun 2026-04-05 02:00 +11 -> 01:30 +10:30: the walk from the 00:00 run reaches 00:30 on the 6th
    ("0 0 * * *", "Australia/Lord_Howe", (2026, 4, 3, 12), ["2026-04-04T00:00:00+11:00", "2026-04-05T00:00:00+11:00",
                                                            "2026-04-07T00:00:00+10:30"]),  # naive: 04-06 00:00
    ("0 2 * * *", "Australia/Lord_Howe", (2026, 4, 3, 12), ["2026-04-04T02:00:00+11:00", "2026-04-06T02:00:00+10:30"]),
    ("30 1 * * *", "Australia/Lord_Howe", (2026, 4, 4, 12), ["2026-04-05T01:30:00+11:00", "2026-04-05T01:30:00+10:30",
                                                             "2026-04-06T01:30:00+10:30"]),  # twice, like naive
    # spring-forward Sun 2026-10-04 02:00 +10:30 -> 02:30 +11
    ("0 0 * * *", "Australia/Lord_Howe", (2026, 10, 3, 12), ["2026-10-04T00:00:00+10:30", "2026-10-06T00:00:00+11:00"]),
    ("15 2 * * *", "Australia/Lord_Howe", (2026, 10, 3, 0), ["2026-10-03T02:15:00+10:30", "2026-10-05T02:15:00+11:00"]),
    ("45 2 * * *", "Australia/Lord_Howe", (2026, 10, 3, 12), ["2026-10-04T02:45:00+11:00", "2026-10-05T02:45:00+11:00"]),
    ("0 3 * * *", "Australia/Lord_Howe", (2026, 10, 3, 12), ["2026-10-05T03:00:00+11:00"]),  # naive: 10-04 03:00
    # Chatham spring-forward Sun 2026-09-27 02:45 +12:45 -> 03:45 +13:45: 02:00 + 1 h is 04:00
    ("50 3 * * *", "Pacific/Chatham", (2026, 9, 26, 12), ["2026-09-28T03:50:00+13:45"]),  # naive: 09-27 03:50
    # Santiago, Sat 2026-09-05 24:00 -04 -> Sun 01:00 -03: the hour walk goes 23:00 -> 01:00 without passing hour
    # 0, so robfig never re-checks the day and runs a Saturday-only schedule on Sunday
    ("0 1 * * 6", "America/Santiago", (2026, 9, 5, 0), ["2026-09-05T01:00:00-04:00", "2026-09-06T01:00:00-03:00",
                                                        "2026-09-12T01:00:00-03:00"]),  # naive: no 09-06
]


def test_next_runs_end_where_robfig_does_not_advance() -> None:
    # Chatham goes back from 03:45 +13:45 to 02:45 +12:45 on Sun 2027-04-04. From Saturday's run the walk reaches
    # Sunday 03:00 +13:45 and the minute walk runs on past the change to 02:50 +12:45 (t1). From t1 the hour walk
    # truncates to 02:00, which Go reads as 02:00 +13:45, adds an hour (03:00 +13:45) and reaches 02:50 +12:45
    # again: t2 == t1. The controller never runs t1 ("time difference between two schedules is less than
    # 1 second") and, anchored on Saturday's run, makes no further run: the list ends with Saturday's run.
    start = dt.datetime(2027, 4, 3, tzinfo=ZoneInfo("Pacific/Chatham"))
    assert runs("50 3 * * *", "Pacific/Chatham", start, 4) == ["2027-04-03T03:50:00+13:45"]
    # at 03:45 t1 is the change itself (03:45 +13:45 is 02:45 +12:45); 03:44 runs on, 25 hours later
    assert runs("45 3 * * *", "Pacific/Chatham", start, 4) == ["2027-04-03T03:45:00+13:45"]
    assert runs("44 3 * * *", "Pacific/Chatham", start, 3) == [
        "2027-04-03T03:44:00+13:45", "2027-04-04T03:44:00+13:45", "2027-04-05T03:44:00+12:45"]
    # from inside the stall (Next goes back to 02:45 +12:45) nothing is listed either; from 03:00 +12:45 on it runs
    inside = dt.datetime(2027, 4, 4, 2, 50, fold=1, tzinfo=ZoneInfo("Pacific/Chatham"))
    assert runs("45 3 * * *", "Pacific/Chatham", inside, 2) == []
    later = dt.datetime(2027, 4, 4, 3, 0, fold=1, tzinfo=ZoneInfo("Pacific/Chatham"))
    assert later.utcoffset() == dt.timedelta(hours=12, minutes=45)
    assert runs("45 3 * * *", "Pacific/Chatham", later, 2) == ["2027-04-04T03:45:00+12:45", "2027-04-05T03:45:00+12:45"]
    # hours 2 and 3: 02:45 +13:45, 02:45 +12:45 (the change) and 03:45 +12:45 all run
    assert runs("45 2,3 * * *", "Pacific/Chatham", start + dt.timedelta(hours=12), 4) == [
        "2027-04-04T02:45:00+13:45", "2027-04-04T02:45:00+12:45", "2027-04-04T03:45:00+12:45",
        "2027-04-05T02:45:00+12:45"]


def test_day_runs_end_where_robfig_does_not_advance() -> None:
    # day_runs walks robfig's Next from a week before; at the stall it used to append the same instant forever
    from generator.schedule.picture import hour_counts

    s = parse("45 3 * * *", "Pacific/Chatham")
    assert [s.day_wall_minutes(dt.date(2026, 4, d)) for d in (4, 5)] == [[225], []]
    counts = dict(hour_counts(s, dt.date(2026, 3, 30)))
    assert [counts[dt.date(2026, 4, d)][3] for d in (4, 5)] == [1, 0]
    both = parse("45 2,3 * * *", "Pacific/Chatham")
    assert both.day_wall_minutes(dt.date(2026, 4, 5)) == [165, 165, 225]  # 02:45 twice, then 03:45 +12:45


@pytest.mark.parametrize(("expr", "zone", "after", "expected"), LORD_HOWE_AND_CHATHAM)
def test_next_runs_follow_robfig_on_transition_days(expr: str, zone: str, after: tuple[int, int, int, int],
                                                        expected: list[str]) -> None:
    start = dt.datetime(*after, tzinfo=ZoneInfo(zone))
    assert runs(expr, zone, start, len(expected)) == expected


def test_go_date_normalises_like_go() -> None:
    from generator.schedule.robfig import go_date
    from generator.schedule.zones import zone_for

    lhi = zone_for("Australia/Lord_Howe")
    # nonexistent 02:00 on 2026-10-04: Go reads it with the offset before the change, i.e. 02:30 +11
    assert dt.datetime.fromtimestamp(go_date(lhi, 2026, 10, 4, 2, 0, 0), lhi).isoformat() == "2026-10-04T02:30:00+11:00"
    # ambiguous 01:45 on 2026-04-05: Go looks the offset up at the wall time read as UTC, which east of Greenwich
    # is after the change, so it picks the second (standard-time) occurrence
    assert dt.datetime.fromtimestamp(go_date(lhi, 2026, 4, 5, 1, 45, 0), lhi).isoformat() == "2026-04-05T01:45:00+10:30"
    # west of Greenwich the same rule picks the first occurrence (New York, 2026-11-01 01:30 EDT)
    nyc = zone_for("America/New_York")
    assert dt.datetime.fromtimestamp(go_date(nyc, 2026, 11, 1, 1, 30, 0), nyc).isoformat() == "2026-11-01T01:30:00-04:00"
    # month 13 and day 32 overflow into the next year / month
    assert go_date(zone_for(None), 2026, 13, 32, 0, 0, 0) == int(dt.datetime(2027, 2, 1, tzinfo=UTC).timestamp())


def test_results_are_in_the_schedule_zone_and_strictly_after() -> None:
    s = parse("0 * * * *")
    after = dt.datetime(2026, 1, 1, 5, 0)  # naive: taken as UTC
    got = s.next_runs(after, 2)
    assert got[0] == dt.datetime(2026, 1, 1, 6, 0, tzinfo=UTC) and got[0].tzinfo is UTC
    assert s.next_runs(after.replace(microsecond=1), 1)[0].hour == 6
    assert s.next_runs(after.replace(second=59, microsecond=999999), 1)[0].hour == 6
    berlin = parse("0 12 * * *", "Europe/Berlin").next_runs(dt.datetime(2026, 7, 1, tzinfo=UTC), 1)[0]
    assert berlin.tzinfo is zone_for("Europe/Berlin") and berlin.utcoffset() == dt.timedelta(hours=2)
    assert berlin.isoformat() == berlin.astimezone(BERLIN).isoformat() and berlin.tzname() == "CEST"


def test_never_fires_returns_empty_quickly() -> None:
    for expr in ("0 0 31 2 *", "0 0 30 2 *", ", * * * *", "0 , * * *", "0 0 * , *", "0 0 ? * ,"):
        s = parse(expr)
        assert not s.fires
        assert s.next_runs(dt.datetime(2026, 1, 1, tzinfo=UTC), 3) == []


def test_leap_day_crosses_2100() -> None:
    got = parse("0 0 29 2 *").next_runs(dt.datetime(2096, 3, 1, tzinfo=UTC), 2)
    assert [r.date().isoformat() for r in got] == ["2104-02-29", "2108-02-29"]


def test_every() -> None:
    s = parse("@every 90s")
    after = dt.datetime(2026, 1, 1, 10, 0, 0, 500000, tzinfo=UTC)
    assert [r.isoformat() for r in s.next_runs(after, 2)] == ["2026-01-01T10:01:30+00:00", "2026-01-01T10:03:00+00:00"]
    assert s.fires
    assert parse("@every 1h", "Europe/Berlin").next_runs(after, 1)[0].utcoffset() == dt.timedelta(hours=1)


def test_count_zero_and_year_9999() -> None:
    assert parse("* * * * *").next_runs(dt.datetime(2026, 1, 1, tzinfo=UTC), 0) == []
    assert parse("0 0 1 1 *").next_runs(dt.datetime(9999, 6, 1, tzinfo=UTC), 3) == []
    assert parse("@every 2562047h").next_runs(dt.datetime(9800, 1, 1, tzinfo=UTC), 2) == []


def test_descriptors_match_their_expansion() -> None:
    after = dt.datetime(2026, 2, 15, 13, 7, tzinfo=UTC)
    for desc, expr in [("@yearly", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"), ("@weekly", "0 0 * * 0"),
                       ("@daily", "0 0 * * *"), ("@hourly", "0 * * * *")]:
        assert parse(desc).next_runs(after, 5) == parse(expr).next_runs(after, 5)


def test_many_runs_are_fast_enough() -> None:
    got = parse("* * * * *", "Europe/Berlin").next_runs(dt.datetime(2026, 3, 28, tzinfo=UTC), 3000)
    assert len(got) == 3000
    stamps = [r.timestamp() for r in got]
    assert all(b - a == 60 for a, b in itertools.pairwise(stamps))


# ----------------------------------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------------------------------

@given(st.text(max_size=40))
@settings(max_examples=200)
def test_parse_only_raises_schedule_error(text: str) -> None:
    try:
        parse(text)
    except ScheduleError as err:
        assert err.rule in ("invalid-schedule", "tz-in-schedule")


@given(st.text(alphabet="0123456789*?,-/ @everyMONsunJAN+.hmsµ\u00a0\t#LW", max_size=30))
@settings(max_examples=300)
def test_parse_only_raises_schedule_error_cronish(text: str) -> None:
    try:
        s = parse(text)
    except ScheduleError:
        return
    assert isinstance(s, Schedule)


@given(st.text(alphabet="AZaz09._-+/ L\u00e9", max_size=20))
@settings(max_examples=200)
def test_time_zone_only_raises_schedule_error(name: str) -> None:
    try:
        validate_time_zone(name)
    except ScheduleError as err:
        assert err.rule in ("invalid-time-zone", "unknown-time-zone")


@given(expressions())
@settings(max_examples=80)
def test_parser_matches_independent_meaning(case: tuple[str, Meaning]) -> None:
    expr, meaning = case
    s = parse(expr)
    assert s.minutes == meaning.minutes and s.hours == meaning.hours
    assert s.days_of_month == meaning.dom and s.months == meaning.months and s.days_of_week == meaning.dow
    assert s.days_anded == meaning.anded


def _check_against_naive(expr: str, meaning: Meaning, zone: str | None, start: dt.datetime) -> None:
    s = parse(expr, zone)
    horizon = 3 * 1440
    expected = naive_runs(meaning, ZoneInfo(zone) if zone else UTC, start, horizon)  # zoneinfo: the independent view
    got = s.next_runs(start, len(expected) + 1)
    # compare instants: PEP 495 makes inter-zone == False for times inside a fall-back fold
    assert [r.timestamp() for r in got[: len(expected)]] == [r.timestamp() for r in expected]
    assert all(r.tzinfo is s.zone.tz for r in got)
    if len(got) > len(expected):
        assert got[len(expected)].timestamp() > (start + dt.timedelta(minutes=horizon)).timestamp()


STARTS = st.sampled_from(
    [dt.datetime(2026, 3, 27, 22, 0, tzinfo=UTC), dt.datetime(2026, 10, 24, 0, 0, tzinfo=UTC),
     dt.datetime(2028, 2, 27, 0, 0, tzinfo=UTC), dt.datetime(2026, 12, 30, 12, 0, tzinfo=UTC)]
) | st.integers(0, 2 * 366 * 1440).map(lambda m: dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(minutes=m))


@given(expressions(), STARTS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_next_runs_agree_with_minute_matcher_utc(case: tuple[str, Meaning], start: dt.datetime) -> None:
    _check_against_naive(*case, None, start)


@given(expressions(), STARTS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_next_runs_agree_with_minute_matcher_berlin(case: tuple[str, Meaning], start: dt.datetime) -> None:
    _check_against_naive(*case, "Europe/Berlin", start)


@given(expressions(sparse=True), st.sampled_from(["America/New_York", "Australia/Sydney", "Europe/Dublin"]))
@settings(max_examples=30, deadline=None)
def test_next_runs_agree_with_minute_matcher_other_zones(case: tuple[str, Meaning], zone: str) -> None:
    expr, meaning = case
    # windows around this zone's 2026 transitions
    z = ZoneInfo(zone)
    t = dt.datetime(2026, 1, 1, tzinfo=UTC)
    changes = []
    while t.year == 2026:
        nxt = t + dt.timedelta(days=1)
        if t.astimezone(z).utcoffset() != nxt.astimezone(z).utcoffset():
            changes.append(t)
        t = nxt
    assume(changes)
    for change in changes:
        _check_against_naive(expr, meaning, zone, change - dt.timedelta(days=1))


@given(expressions())
@settings(max_examples=40, deadline=None)
def test_fires_matches_calendar(case: tuple[str, Meaning]) -> None:
    expr, meaning = case
    # 2024-2051 holds every (month, day, weekday) combination, 29 February included, and no century year
    day, end = dt.date(2024, 1, 1), dt.date(2052, 1, 1)
    expected = False
    while day < end and not expected:
        expected = naive_day(meaning, day)
        day += dt.timedelta(days=1)
    assert parse(expr).fires is expected


def test_leap_years_and_month_lengths_equal_calendar() -> None:
    """golang.is_leap/days_in replace calendar (which imports locale) on the start-up path (#16)."""
    import calendar

    from generator.schedule.golang import days_in, is_leap

    for year in range(1, 3001):
        assert is_leap(year) == calendar.isleap(year), year
        for month in range(1, 13):
            assert days_in(year, month) == calendar.monthrange(year, month)[1], (year, month)
    for month in (0, 13, -1):
        with pytest.raises(ValueError):
            days_in(2026, month)
