"""generator.schedule.analysis: counts, worst-case delay and shortest interval, checked against brute force."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.schedule import tzfile
from generator.schedule.analysis import HORIZON_START, analyze
from generator.schedule.cron import Schedule, parse
from generator.schedule.describe import describe, format_hours
from generator.schedule.durations import human_duration
from generator.schedule.golang import go_duration_string
from generator.schedule.lint import lint_schedule
from generator.schedule.robfig import next_after

try:  # tests/ itself on sys.path (default rootdir-less run)
    from schedule_cases import Meaning, expressions, naive_day
except ImportError:  # pragma: no cover - tests/ is a package and the repository root is on sys.path
    from tests.schedule_cases import Meaning, expressions, naive_day


UTC = dt.UTC
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)

# ----------------------------------------------------------------------------------------------------------------
# Known answers
# ----------------------------------------------------------------------------------------------------------------


def test_every_minute() -> None:
    a = analyze(parse("* * * * *"))
    assert (a.worst_case_delay, a.min_interval) == (dt.timedelta(minutes=1), dt.timedelta(minutes=1))
    assert a.runs_per_day == 1440 and a.fires
    assert a.runs_per_year == pytest.approx(1440 * 365.2425)


def test_leap_day_gap_spans_2100() -> None:
    a = analyze(parse("0 0 29 2 *"))
    assert a.worst_case_delay == dt.timedelta(days=(dt.date(2104, 2, 29) - dt.date(2096, 2, 29)).days)
    assert a.worst_case_delay == dt.timedelta(days=2921)
    assert a.worst_case_after == dt.datetime(2096, 2, 29, tzinfo=UTC)
    assert a.min_interval == dt.timedelta(days=1461)
    assert a.runs_per_year == pytest.approx(97 / 400)


def test_every_duration() -> None:
    a = analyze(parse("@every 7m"))
    assert a.worst_case_delay == a.min_interval == dt.timedelta(minutes=7)
    assert a.runs_per_day == pytest.approx(86400 / 420)


def test_berlin_spring_forward_skip() -> None:
    a = analyze(parse("30 2 * * *", "Europe/Berlin"))
    # Sat 02:30 CET -> Mon 02:30 CEST: two days of wall clock, 47 hours of real time
    assert a.worst_case_delay == 47 * H
    assert a.worst_case_after == dt.datetime(2026, 3, 28, 2, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert a.min_interval == H  # 02:30 runs twice on the fall-back night
    assert a.runs_per_day == 1.0  # one skipped and one extra run a year
    assert a.worst_case_from_dst


def test_daily_across_dst() -> None:
    a = analyze(parse("0 0 * * *", "Europe/Berlin"))
    assert (a.worst_case_delay, a.min_interval) == (25 * H, 23 * H)
    ny = analyze(parse("30 2 * * *", "America/New_York"))  # skipped in spring, not repeated in autumn
    assert (ny.worst_case_delay, ny.min_interval) == (47 * H, 24 * H)
    assert ny.runs_per_day == pytest.approx((146097 - 400) / 146097)
    # 30-minute DST, as the controller runs it: on the fall-back day robfig's hour walk goes 01:00 +11, 01:30 +10:30,
    # 02:30 and never sees 02:00, so Sat 02:00 +11 -> Mon 02:00 +10:30 (the spring-forward gap is 47 h 30 m)
    lord_howe = analyze(parse("0 2 * * *", "Australia/Lord_Howe"))
    assert lord_howe.worst_case_delay == dt.timedelta(hours=48, minutes=30)
    assert lord_howe.runs_per_day == pytest.approx((146097 - 2 * 400) / 146097)  # both change days lose the run
    fixed = analyze(parse("0 0 * * *", "Asia/Kolkata"))
    assert (fixed.worst_case_delay, fixed.min_interval, fixed.worst_case_from_dst) == (D, D, False)


@pytest.mark.parametrize(
    ("expr", "worst", "shortest"),
    [
        ("0 0 31 * *", 61 * D, 31 * D),
        ("0 0 1 1 *", 366 * D, 365 * D),
        ("@yearly", 366 * D, 365 * D),
        ("@weekly", 7 * D, 7 * D),
        ("0 0 * * 0", 7 * D, 7 * D),
        ("* */6 * * *", dt.timedelta(hours=5, minutes=1), dt.timedelta(minutes=1)),
        ("0 */6 * * *", 6 * H, 6 * H),
        ("0 9-17 * * 1-5", dt.timedelta(days=2, hours=16), H),
    ],
)
def test_known_gaps(expr: str, worst: dt.timedelta, shortest: dt.timedelta) -> None:
    a = analyze(parse(expr))
    assert (a.worst_case_delay, a.min_interval) == (worst, shortest)


def test_never_fires() -> None:
    for expr in ("0 0 31 2 *", "0 0 30 2 *", ", * * * *", "0 0 , * ,"):
        a = analyze(parse(expr))
        assert not a.fires
        assert (a.worst_case_delay, a.min_interval, a.runs_per_day) == (None, None, 0.0)


# ----------------------------------------------------------------------------------------------------------------
# Descriptions and formatting
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "zone", "text"),
    [
        ("0 */6 * * *", "UTC", "at minute 0 past every 6th hour (00:00, 06:00, 12:00, 18:00), every day, UTC"),
        ("* */6 * * *", None, "every minute during hours 00, 06, 12 and 18, every day"),
        ("0 0 * * *", None, "at 00:00, every day"),
        ("30 2 * * 1-5", "Europe/Berlin", "at 02:30, on Monday through Friday, Europe/Berlin"),
        ("*/15 * * * *", None, "every 15 minutes, every day"),
        ("0 0 1,15 * *", None, "at 00:00, on days 1 and 15 of the month"),
        ("0 0 13 * 5", None, "at 00:00, on day 13 of the month or on Friday"),
        ("0 0 */1 * 1", None, "at 00:00, on Monday"),
        ("0 0 */2 * 1", None, "at 00:00, on every 2nd day of the month or on Monday"),
        ("0 12 * 1-3,7 *", None, "at 12:00, every day, in January through March and July"),
        ("5,35 9-17 * * *", None, "at minutes 5 and 35 past hours 09-17, every day"),
        ("0 0 31 2 *", None, "at 00:00, on day 31 of the month, in February (no such date: never runs)"),
        (", * * * *", None, "never (a field selects no value)"),
    ],
)
def test_describe(expr: str, zone: str | None, text: str) -> None:
    assert describe(parse(expr, zone)) == text
    assert analyze(parse(expr, zone)).description == text


def test_describe_every() -> None:
    assert describe(parse("@every 90m")) == (
        "every 1h 30m (@every 1h30m0s), counted from the previous run rather than aligned to the clock"
    )


def test_formatting_helpers() -> None:
    assert human_duration(dt.timedelta(seconds=45)) == "45s"
    assert human_duration(dt.timedelta(minutes=15)) == "15m"
    assert human_duration(dt.timedelta(minutes=90, seconds=5)) == "1h 30m 5s"
    assert human_duration(7 * D) == "7d"
    assert human_duration(47 * H + dt.timedelta(minutes=30)) == "1d 23h 30m"
    assert human_duration(366 * D) == "366d"
    assert human_duration(2921 * D) == "2921d, about 8.0 years"
    assert human_duration(dt.timedelta(0)) == "0s"
    assert go_duration_string(dt.timedelta(minutes=7)) == "7m0s"
    assert go_duration_string(dt.timedelta(seconds=1)) == "1s"
    assert go_duration_string(dt.timedelta(hours=1, minutes=30)) == "1h30m0s"
    assert format_hours(frozenset({0, 6, 12, 18})) == "00, 06, 12 and 18"
    assert format_hours([9, 10, 11, 12, 20]) == "09-12 and 20"


# ----------------------------------------------------------------------------------------------------------------
# Brute force: all matching days of the 400-year cycle (UTC)
# ----------------------------------------------------------------------------------------------------------------


def brute_cycle(s: Schedule) -> tuple[int, dt.timedelta, dt.timedelta]:
    meaning = Meaning(set(s.minutes), set(s.hours), set(s.days_of_month), set(s.months), set(s.days_of_week),
                      s.dom_star or s.dow_star)
    start = dt.date(2026, 1, 1).toordinal()
    days = [o for o in range(start, start + 146097) if naive_day(meaning, dt.date.fromordinal(o))]
    times = sorted(h * 60 + m for h in s.hours for m in s.minutes)
    span = times[-1] - times[0]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    gaps += [(b - a) * 1440 - span for a, b in itertools.pairwise(days)]
    gaps.append((days[0] + 146097 - days[-1]) * 1440 - span)
    return len(days) * len(times), dt.timedelta(minutes=max(gaps)), dt.timedelta(minutes=min(gaps))


@pytest.mark.parametrize("expr", ["*/7 3-5 */3 * 1-5", "0 0 13 * 5", "15 10 31 * *", "0,30 8 1,15 */2 ?",
                                  "0 0 */10 2 1"])
def test_against_400_year_brute_force(expr: str) -> None:
    s = parse(expr)
    count, worst, shortest = brute_cycle(s)
    a = analyze(s)
    assert a.runs_per_day == pytest.approx(count / 146097)
    assert (a.worst_case_delay, a.min_interval) == (worst, shortest)


# ----------------------------------------------------------------------------------------------------------------
# Brute force: next_runs over windows (hypothesis)
# ----------------------------------------------------------------------------------------------------------------


def window_gaps(s: Schedule, start: dt.datetime, end: dt.datetime) -> tuple[list[float], list[float]]:
    """Run instants in [start, end) and the gaps between them, from next_runs."""
    stamps: list[float] = []
    after = start - dt.timedelta(seconds=1)
    while True:
        batch = s.next_runs(after, 500)
        stamps += [r.timestamp() for r in batch if r < end]
        if not batch or batch[-1] >= end:
            break
        after = batch[-1]
    return stamps, [b - a for a, b in itertools.pairwise(stamps)]


@given(expressions(weekly=True))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_weekly_schedules_against_next_runs_utc(case: tuple[str, Meaning]) -> None:
    s = parse(case[0])
    a = analyze(s)
    monday = dt.datetime(2026, 1, 5, tzinfo=UTC)
    stamps, gaps = window_gaps(s, monday, monday + 3 * 7 * D)
    if not stamps:
        assert not a.fires
        return
    assert a.fires
    assert a.runs_per_day == pytest.approx(sum(1 for t in stamps if t < (monday + 7 * D).timestamp()) / 7)
    if gaps:  # a weekly pattern repeats three times in the window, so every kind of gap is in it
        assert a.worst_case_delay == dt.timedelta(seconds=max(gaps))
        assert a.min_interval == dt.timedelta(seconds=min(gaps))


BERLIN_WINDOWS = [  # winter, spring-forward (Sun 29 March), summer, fall-back (Sun 25 October)
    (dt.datetime(2026, 1, 5, tzinfo=UTC), dt.datetime(2026, 1, 26, tzinfo=UTC)),
    (dt.datetime(2026, 3, 16, tzinfo=UTC), dt.datetime(2026, 4, 13, tzinfo=UTC)),
    (dt.datetime(2026, 6, 1, tzinfo=UTC), dt.datetime(2026, 6, 22, tzinfo=UTC)),
    (dt.datetime(2026, 10, 12, tzinfo=UTC), dt.datetime(2026, 11, 9, tzinfo=UTC)),
]


@given(expressions(sparse=True, weekly=True))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_weekly_schedules_against_next_runs_berlin(case: tuple[str, Meaning]) -> None:
    """Berlin switches on Sundays at 01:00 UTC every year, so with a weekly pattern every kind of gap (normal
    winter/summer weeks and both transitions) shows up in these four windows of 2026."""
    s = parse(case[0], "Europe/Berlin")
    a = analyze(s)
    all_gaps: list[float] = []
    for start, end in BERLIN_WINDOWS:
        all_gaps += window_gaps(s, start, end)[1]
    if not all_gaps:  # three weeks per window: a firing weekly schedule always has gaps
        assert not a.fires
        return
    assert a.worst_case_delay == dt.timedelta(seconds=max(all_gaps))
    assert a.min_interval == dt.timedelta(seconds=min(all_gaps))


YEAR = (dt.datetime(2027, 1, 1, tzinfo=UTC), dt.datetime(2028, 1, 8, tzinfo=UTC))


def assert_analysis_agrees_with_runs(s: Schedule) -> None:
    """The contract between analysis and next_runs for a schedule whose gaps repeat every year.

    Either next_runs goes on through 2027 and the analysis' worst case and shortest interval are exactly the
    largest and smallest gaps between its runs; or the controller stalls (robfig's Next does not advance) and
    next_runs ends every year on the same night -- then the analysis ends there too: ``stalls_at`` is the instant
    after next_runs' last run of 2026 (the horizon's first year), its shortest interval is that of those runs and
    its worst case the rest of the horizon; its runs per day are counted up to the stall.
    """
    a = analyze(s)
    assert a.fires and a.worst_case_delay is not None and a.min_interval is not None
    stamps, gaps = window_gaps(s, *YEAR)
    if a.stalls_at is None:
        assert stamps[-1] >= YEAR[1].timestamp() - 8 * 86400  # next_runs went on through the year
        assert a.worst_case_delay == dt.timedelta(seconds=max(gaps))
        assert a.min_interval == dt.timedelta(seconds=min(gaps))
        return
    assert stamps[-1] < dt.datetime(2027, 12, 1, tzinfo=UTC).timestamp()  # it stalls in 2027 as well
    start = dt.datetime.combine(HORIZON_START, dt.time(), s.zone)
    runs, first_gaps = window_gaps(s, start, start + 400 * D)
    last = int(runs[-1])
    assert runs[-1] < a.stalls_at.timestamp()
    stall = next_after(s, s.zone, last)  # what the controller computes as t1: a stall, t2 = Next(t1) <= t1
    assert stall == a.stalls_at.timestamp()
    assert stall is not None and (next_after(s, s.zone, stall) or 0) <= stall
    assert a.worst_case_after is not None and a.worst_case_after.timestamp() == runs[-1]
    assert a.min_interval == dt.timedelta(seconds=min(first_gaps))
    assert a.worst_case_delay > 399 * 365 * D
    assert a.runs_per_day == pytest.approx(len(runs) / ((stall - start.timestamp()) / 86400))  # while it runs


@given(st.sampled_from(["Europe/Berlin", "America/Santiago", "Australia/Sydney", "Europe/Dublin",
                        "America/Sao_Paulo", "Pacific/Chatham", "Australia/Lord_Howe"]),
       st.lists(st.integers(0, 23), min_size=1, max_size=3, unique=True), st.integers(0, 59))
@settings(max_examples=20, deadline=None)
def test_daily_schedules_against_one_year_of_runs(zone: str, hours: list[int], minute: int) -> None:
    """A daily schedule's gaps repeat every year once the zone follows its rule; compare with 2027 + wrap."""
    assert_analysis_agrees_with_runs(parse(f"{minute} {','.join(map(str, hours))} * * *", zone))


@pytest.mark.parametrize(("expr", "zone"), [
    ("0 12 * * *", "Australia/Lord_Howe"), ("0 0 * * *", "Australia/Lord_Howe"),
    ("15,45 1,2 * * *", "Australia/Lord_Howe"), ("0 3 * * *", "Pacific/Chatham"),
    ("0 1 * * 6", "America/Santiago"), ("30 0 * * 0,3", "America/Santiago"),
    # Chatham: back from 03:45 +13:45 to 02:45 +12:45 (first Sunday of April), forward from 02:45 +12:45 to
    # 03:45 +13:45 (last Sunday of September)
    ("45 3 * * *", "Pacific/Chatham"), ("50 3 * * *", "Pacific/Chatham"), ("59 3 * * *", "Pacific/Chatham"),
    ("45 2 * * *", "Pacific/Chatham"), ("45 2,3 * * *", "Pacific/Chatham"), ("44 3 * * *", "Pacific/Chatham"),
    ("45 3 * * 0", "Pacific/Chatham"), ("45 3 * * 1", "Pacific/Chatham"), ("30 2,3,4 * * *", "Pacific/Chatham"),
    # drawn at random (seeded), plus some in the hours the clocks change
    ("5 14 * * *", "Pacific/Chatham"), ("20 20 * * *", "Pacific/Chatham"), ("25 5,20 * * *", "Pacific/Chatham"),
    ("38 11 * * *", "Pacific/Chatham"), ("47 1,3 * * *", "Pacific/Chatham"),
    ("18 8 * * *", "Australia/Lord_Howe"), ("42 2,19,20 * * *", "Australia/Lord_Howe"),
    ("16 2,9 * * *", "Australia/Lord_Howe"), ("14 8,13,16 * * *", "Australia/Lord_Howe"),
    ("45 1,2 * * *", "Australia/Lord_Howe"), ("30 1 * * *", "Australia/Lord_Howe"),
])
def test_analysis_follows_the_controller_where_it_differs_from_the_wall_clock(expr: str, zone: str) -> None:
    """Runs robfig's Next makes (or skips) on change days: analysis agrees with next_runs over a whole year."""
    assert_analysis_agrees_with_runs(parse(expr, zone))


@pytest.mark.parametrize(("expr", "stall", "worst_after", "shortest"), [
    ("45 3 * * *", "2026-04-05T02:45:00+12:45", "2026-04-04T03:45:00+13:45", D),
    ("50 3 * * *", "2026-04-05T02:50:00+12:45", "2026-04-04T03:50:00+13:45", D),
    ("45 3 * * 0", "2026-04-05T02:45:00+12:45", "2026-03-29T03:45:00+13:45", 7 * D),
    ("45 2,3 * * *", None, None, H),  # 02:45 +13:45, 02:45 +12:45 (= 03:45 +13:45), 03:45 +12:45: no stall
    ("45 2 * * *", None, None, 23 * H),
    ("0 3 * * *", None, None, H),
])
def test_chatham_stalls(expr: str, stall: str | None, worst_after: str | None, shortest: dt.timedelta) -> None:
    """Chatham's fall-back night stops the controller for minutes 45-59 of hour 3 (see Schedule.next_runs)."""
    a = analyze(parse(expr, "Pacific/Chatham"))
    assert (a.stalls_at.isoformat() if a.stalls_at else None) == stall
    if worst_after is not None:
        assert a.worst_case_after is not None and a.worst_case_after.isoformat() == worst_after
    assert a.min_interval == shortest
    found = lint_schedule(expr, "Pacific/Chatham")
    findings = [f.message for f in found if f.rule == "controller-stall"]
    assert not any("stops scheduling" in f.message for f in found if f.rule != "controller-stall")
    if stall is None:
        assert findings == []
    else:  # an error even though the wall clock alone meets the limit (no run is "skipped" on the wall clock)
        assert [f.level for f in found if f.rule == "controller-stall"] == ["error"]
        assert len(findings) == 1 and f"stops scheduling it at {stall[:10]} {stall[11:16]}" in findings[0]
        assert '"45 4 * * *"' in findings[0] or expr != "45 3 * * *"  # a fix that keeps it daily


# ----------------------------------------------------------------------------------------------------------------
# The zone model (TZif + POSIX rule) against zoneinfo
# ----------------------------------------------------------------------------------------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "Africa/Casablanca",
         "America/Santiago", "Pacific/Apia", "Asia/Tehran", "Europe/Dublin", "America/Sao_Paulo", "Asia/Kolkata",
         "America/Nuuk", "Antarctica/Troll", "Pacific/Chatham", "Asia/Gaza", "Etc/GMT+5", "UTC"]


def _zi_offset(zone: dt.tzinfo, stamp: int) -> int:
    off = dt.datetime.fromtimestamp(stamp, zone).utcoffset()
    assert off is not None
    return int(off.total_seconds())


@pytest.mark.parametrize("key", ZONES)
def test_zone_model_matches_zoneinfo(key: str) -> None:
    model = tzfile.zone_model(key)
    assert model is not None
    zone = ZoneInfo(key)
    a = int(dt.datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    b = int(dt.datetime(2120, 1, 1, tzinfo=UTC).timestamp())
    for t, new in model.changes(a, b):
        assert model.offset_at(t) == new == _zi_offset(zone, t)
        assert model.offset_at(t - 1) == _zi_offset(zone, t - 1) != new
    for stamp in range(a, a + 6 * 366 * 86400, 5 * 3600 + 17):  # every ~5 h for 6 years
        assert model.offset_at(stamp) == _zi_offset(zone, stamp)


def test_every_installed_zone_parses() -> None:
    keys = sorted(zoneinfo.available_timezones())
    assert keys
    assert all(tzfile.zone_model(k) is not None for k in keys)


@pytest.mark.parametrize(
    ("text", "std", "dst"),
    [
        ("CET-1CEST,M3.5.0,M10.5.0/3", 3600, 7200),
        ("<+0330>-3:30", 12600, None),
        ("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", -7200, -3600),
        ("IST-1GMT0,M10.5.0,M3.5.0/1", 3600, 0),
        ("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 37800, 39600),
        ("EST5EDT,J60/2,300/2", -18000, -14400),
        ("XXX3YYY", -10800, None),  # DST without a rule: treated as no DST
    ],
)
def test_posix_rules(text: str, std: int, dst: int | None) -> None:
    rule = tzfile.parse_rule(text)
    assert rule is not None
    assert rule.std == std and rule.dst == dst


def test_julian_rule_days() -> None:
    assert tzfile._rule_day("J60", 2028) == dt.date(2028, 3, 1)  # Feb 29 never counted
    assert tzfile._rule_day("59", 2028) == dt.date(2028, 2, 29)  # zero-based, Feb 29 counted
    assert tzfile._rule_day("M2.5.0", 2026) == dt.date(2026, 2, 22)  # last Sunday of February
    assert tzfile.parse_rule("not a rule") is None
    assert tzfile._parse_tzif(b"nope") is None
