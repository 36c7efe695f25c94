"""generator.schedule.lint: one test group per rule, plus ordering and options."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import generator.schedule.lint
from generator.schedule.lint import Finding, LintOptions, lint_schedule, rules

ZONE = "Etc/UTC"
DEFAULTS = LintOptions()


def only(expression: str, time_zone: str | None = ZONE, options: LintOptions = DEFAULTS) -> list[str]:
    return [f.rule for f in lint_schedule(expression, time_zone, options)]


def find(expression: str, rule: str, time_zone: str | None = ZONE, options: LintOptions = DEFAULTS) -> Finding:
    found = [f for f in lint_schedule(expression, time_zone, options) if f.rule == rule]
    assert len(found) == 1, found
    return found[0]


def test_every_rule_module_is_registered_with_id_level_check() -> None:
    parser_rules, semantic_rules = rules()
    registered = [r.ID for r in (*parser_rules, *semantic_rules)]
    assert len(set(registered)) == len(registered) == 10
    modules = {m.name for m in pkgutil.iter_modules(generator.schedule.lint.__path__)} - {"base"}
    assert {r.ID for r in semantic_rules} == {name.replace("_", "-") for name in modules}
    for name in modules:  # one semantic rule per module, named after its ID
        module = importlib.import_module(f"generator.schedule.lint.{name}")
        assert name.replace("_", "-") == module.ID
        assert module.LEVEL in ("error", "warning")
        assert callable(module.check)
    # the API server's own checks are reported by the parser: errors, one per rule, none of them a module
    assert [r.ID for r in parser_rules] == ["tz-in-schedule", "invalid-schedule", "invalid-time-zone",
                                            "unknown-time-zone"]
    assert all(r.LEVEL == "error" for r in parser_rules)


def test_clean_schedule_has_no_findings() -> None:
    assert lint_schedule("0 */6 * * *", ZONE) == []
    assert lint_schedule("0 0 * * *", "Europe/Berlin") == []  # 25 h across fall-back: see long_delay's docstring


def test_messages_are_one_line() -> None:
    for expr, zone in [("* */6 * * *", None), ("0 0 31 2 *", ZONE), ("*/5 * * * *", ZONE), ("0 0 * * 0", ZONE),
                       ("0 0 * * 7", "Local"), ("TZ=UTC 0 0 * * *", ZONE)]:
        for f in lint_schedule(expr, zone):
            assert "\n" not in f.message and f.message


# -- parser rules ------------------------------------------------------------------------------------------------


def test_invalid_schedule_stops_further_rules() -> None:
    found = lint_schedule("* */6 * * 7", None)  # would also be a burst and lack a zone
    assert [f.rule for f in found] == ["invalid-schedule"]
    f = found[0]
    assert f.level == "error" and f.field == "schedule" and f.col == 11
    assert "7 is rejected by Kubernetes: use 0" in f.message


def test_tz_in_schedule() -> None:
    f = find("CRON_TZ=Europe/Berlin 0 0 * * *", "tz-in-schedule")
    assert "cannot use TZ or CRON_TZ in schedule, use the time-zone setting" in f.message
    assert f.col == 1 and f.level == "error"


def test_zone_errors_point_at_the_time_zone_field() -> None:
    f = find("0 0 * * *", "invalid-time-zone", "Local")
    assert f.field == "timeZone" and f.col is None
    f = find("0 0 * * *", "unknown-time-zone", "Europe/Berln")
    assert f.field == "timeZone" and "IANA" in f.message


def test_schedule_and_zone_errors_are_both_reported() -> None:
    assert only("0 0 * * 7", "Mars/Olympus") == ["invalid-schedule", "unknown-time-zone"]
    assert only("TZ=UTC 0 0 * * *", "") == ["tz-in-schedule", "invalid-time-zone"]


# -- every-minute-burst ------------------------------------------------------------------------------------------


def test_every_minute_burst_the_kaptain_trap() -> None:
    f = find("* */6 * * *", "every-minute-burst")
    assert f.level == "error" and f.col == 1
    assert 'use "0 */6 * * *" to run once at the start of each of those hours' in f.message
    assert "every minute during hours 00, 06, 12 and 18" in f.message and "240 runs a day" in f.message
    assert "too-frequent" not in only("* */6 * * *")  # one explanation is enough


@pytest.mark.parametrize("expr", ["*/2 9-17 * * 1-5", "? 3 * * *", "*/10 0 * * *", "*-5 0 * * *", "* 0-22 * * *"])
def test_every_minute_burst_variants(expr: str) -> None:
    assert "every-minute-burst" in only(expr)


@pytest.mark.parametrize("expr", ["0 */6 * * *", "*/15 */6 * * *", "0-59 */6 * * *", "* * * * *", "@hourly",
                                  "5,10,15,20,25,30 3 * * *"])
def test_not_a_burst(expr: str) -> None:
    assert "every-minute-burst" not in only(expr, options=LintOptions(allow_frequent=True))


def test_burst_keeps_the_other_fields_and_column() -> None:
    f = find("  */2  9-17 * * MON-FRI", "every-minute-burst")
    assert f.col == 3
    assert 'use "0 9-17 * * MON-FRI"' in f.message and "30 times an hour" in f.message
    assert "on each day it runs" in f.message


# -- never-fires -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "text", "col"),
    [
        ("0 0 31 2 *", "day-of-month 31 never occurs in February", 5),
        ("0 0 30,31 2 *", "day-of-month 30, 31 never occurs in February", 5),
        ("0 0 31 4,6 *", "never occurs in April, June", 5),
        (", 0 * * *", 'the minute field "," selects no value', 1),
        ("0 0 * * ,", 'the day-of-week field "," selects no value', 9),
        ("0 0 , * ,", 'neither the day-of-month field "," nor the day-of-week field ","', 5),
    ],
)
def test_never_fires(expr: str, text: str, col: int) -> None:
    f = find(expr, "never-fires")
    assert f.level == "error" and f.col == col
    assert text in f.message and "InvalidSchedule" in f.message


def test_never_fires_suppresses_the_rest() -> None:
    assert only("* 0 31 2 *", None) == ["never-fires", "no-time-zone"]


# -- too-frequent ------------------------------------------------------------------------------------------------


def test_too_frequent() -> None:
    f = find("*/5 * * * *", "too-frequent")
    assert f.level == "error"
    assert "every 5m" in f.message and "15-minute minimum" in f.message and "allowFrequentSchedule" in f.message
    assert find("@every 1m", "too-frequent").level == "error"
    assert "too-frequent" not in only("*/15 * * * *")
    assert "too-frequent" not in only("*/5 * * * *", options=LintOptions(allow_frequent=True))
    assert "too-frequent" in only("*/30 * * * *", options=LintOptions(min_interval_minutes=60))


def test_too_frequent_sees_dst_repeats() -> None:
    # 01:30 runs twice on New York's fall-back night, one hour apart
    assert "too-frequent" in only("30 1 * * *", "America/New_York", LintOptions(min_interval_minutes=120))
    assert "too-frequent" not in only("30 3 * * *", "America/New_York", LintOptions(min_interval_minutes=120))


# -- long-delay --------------------------------------------------------------------------------------------------


def test_long_delay_weekly() -> None:
    f = find("0 0 * * 0", "long-delay")
    assert f.level == "warning"
    assert f.message == (
        "worst-case delay 7d (after Sun 00:00) exceeds 24h: it runs only on Sunday, so Monday through Saturday have "
        "no run; a renewed CA can wait that long before it is rotated; if that is intended, accept it with "
        'lint.maxDelayHours: 168, or run every day: "0 0 * * *"'
    )
    assert "long-delay" not in only("0 0 * * 0", options=LintOptions(max_delay_hours=168))


def test_long_delay_weekdays_blame_the_weekend_not_dst() -> None:
    # the longest gap is the weekend the clocks go back in: 3d of wall clock plus the extra hour
    f = find("30 2 * * 1-5", "long-delay", "Europe/Berlin")
    assert f.message == (
        "worst-case delay 3d 1h (after Fri 02:30, first on 2026-10-23) exceeds 24h: it runs only on Monday through "
        "Friday, so Saturday and Sunday have no run (the clocks going back on the way add 1h); a renewed CA can wait "
        'that long before it is rotated; if that is intended, accept it with lint.maxDelayHours: 73, or run every '
        'day: "30 2 * * *"'
    )
    assert "0 4 * * *" not in f.message and "skips" not in f.message
    # 72 h on the wall clock: the one extra hour of the fall-back weekend is the documented allowance
    assert "long-delay" not in only("30 2 * * 1-5", "Europe/Berlin", LintOptions(max_delay_hours=72))


def test_long_delay_names_dst_and_date() -> None:
    f = find("30 2 * * *", "long-delay", "Europe/Berlin")
    assert f.message == (
        "worst-case delay 1d 23h (after Sat 02:30, first on 2026-03-28) exceeds 24h: the clocks in Europe/Berlin go "
        "from 02:00 to 03:00 on 2026-03-29, so the 02:30 run that day does not happen; a renewed CA can wait that "
        'long before it is rotated; move the run out of the hours the clocks change: "30 3 * * *", or use "Etc/UTC"'
    )


def test_long_delay_names_the_controller_skip_in_lord_howe() -> None:
    f = find("0 12 * * *", "long-delay", "Australia/Lord_Howe")
    assert f.message == (
        "worst-case delay 2d 30m (after Sat 12:00, first on 2026-04-04) exceeds 24h: the CronJob controller skips "
        "the 12:00 run on 2026-04-05: its schedule walk (robfig/cron) adds whole hours across that day's clock change "
        'in Australia/Lord_Howe and misses it; a renewed CA can wait that long before it is rotated; use "Etc/UTC"'
    )
    assert "long-delay" not in only("30 12 * * *", "Australia/Lord_Howe")  # hh:30 is where the walk lands


def test_long_delay_leap_day() -> None:
    f = find("0 0 29 2 *", "long-delay")
    assert f.message == (
        "worst-case delay 2921d, about 8.0 years (after Wed 00:00, first on 2096-02-29) exceeds 24h: day-of-month 29 "
        "does not occur in February 2097 to February 2103 (28 days each): 2100 is not a leap year; a renewed CA can "
        "wait that long before it is rotated; if that is intended, accept it with lint.maxDelayHours: 70104, or use "
        'days every month has: "0 0 28 2 *"'
    )


def test_long_delay_month_lengths() -> None:
    f = find("0 0 31 * *", "long-delay")
    assert "exceeds 24h: day-of-month 31 does not occur in April 2026 (30 days);" in f.message
    assert f.message.endswith('use days every month has: "0 0 28 * *"')


def test_long_delay_hours_apart_keeps_the_days() -> None:
    f = find("0 9-17 * * *", "long-delay", options=LintOptions(max_delay_hours=5))
    assert f.message == (
        "worst-case delay 16h (after Thu 17:00) exceeds 5h: its runs are up to 16h apart; a renewed CA can wait that "
        'long before it is rotated; run more often, e.g. "0 1-23/4 * * *", or if that is intended, accept it with '
        "lint.maxDelayHours: 16"
    )


def test_long_delay_allows_only_the_fall_back_hour() -> None:
    assert "long-delay" not in only("0 0 * * *", "Europe/Berlin")  # 25 h once a year, 24 h on the wall clock
    assert "long-delay" in only("0 0 * * *", "Europe/Berlin", LintOptions(max_delay_hours=20))
    # 6 h on the wall clock is already over 5 h: the 7 h fall-back gap is reported, with the extra hour named
    f = find("0 */6 * * *", "long-delay", "Europe/Berlin", LintOptions(max_delay_hours=5))
    assert f.message.startswith("worst-case delay 7h (after Sun 00:00, first on 2026-10-25) exceeds 5h: its runs are "
                                "up to 6h apart (the clocks going back on the way add 1h);")
    assert '"0 */4 * * *"' in f.message


# -- no-time-zone ------------------------------------------------------------------------------------------------


def test_no_time_zone() -> None:
    f = find("0 0 * * *", "no-time-zone", None)
    assert f.level == "warning" and f.field == "timeZone"
    assert "kube-controller-manager's local time zone decides when it runs" in f.message
    assert 'set secretRotationTimeZone (e.g. "Etc/UTC")' in f.message
    assert "no-time-zone" not in only("@every 6h", None)  # @every does not depend on a zone
    assert "no-time-zone" not in only("0 0 * * *", "UTC")


def test_fixed_order() -> None:
    assert only("*/2 9-17 * * 1-5", None) == ["every-minute-burst", "long-delay", "no-time-zone"]
    assert only("*/5 * * * 0", None) == ["too-frequent", "long-delay", "no-time-zone"]
