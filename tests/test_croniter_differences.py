"""Why croniter is not used at run time: each class of schedule where croniter and Kubernetes disagree.

croniter is a dev dependency only for this test. Kubernetes parses ``CronJob.spec.schedule`` with robfig/cron v3
(standard parser) and our ``generator.schedule.cron`` follows it exactly; croniter reads a richer, different
dialect. Each case is one class of disagreement, stated as what croniter does and what Kubernetes does. If a
croniter release changes one of them, the test says so and the README line can be updated.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter

from generator.errors import ScheduleError
from generator.schedule.cron import parse

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _croniter_runs(expression: str, count: int = 4) -> list[dt.datetime] | None:
    """croniter's next runs, or None when croniter refuses the expression."""
    try:
        it = croniter(expression, START)
        return [it.get_next(dt.datetime) for _ in range(count)]
    except Exception as err:  # noqa: BLE001 - croniter's error classes vary by release; all live in its modules
        assert type(err).__module__.startswith("croniter"), err
        return None


def _kubernetes_runs(expression: str, count: int = 4) -> list[dt.datetime] | None:
    """Our Kubernetes-exact reading: next runs, or None when the API server rejects the expression."""
    try:
        return parse(expression, "Etc/UTC").next_runs(START, count)
    except ScheduleError:
        return None


# croniter accepts, Kubernetes rejects (the API server refuses the CronJob)
ACCEPTED_ONLY_BY_CRONITER = {
    "day-of-week 7 as Sunday": "0 0 * * 7",
    "day-of-week range up to 7": "0 0 * * 1-7",
    "L: last day of the month": "0 0 L * *",
    "#: nth weekday of the month": "0 0 * * MON#1",
    "a sixth field (seconds)": "0 0 1 * * 30",
}

# Kubernetes accepts, croniter refuses
ACCEPTED_ONLY_BY_KUBERNETES = {
    "@every <duration> (robfig descriptor)": "@every 7m",
    "a valid schedule that never fires (31 February)": "0 0 31 2 *",
}

@pytest.mark.parametrize("expression", ACCEPTED_ONLY_BY_CRONITER.values(), ids=ACCEPTED_ONLY_BY_CRONITER.keys())
def test_croniter_accepts_what_kubernetes_rejects(expression: str) -> None:
    assert _croniter_runs(expression) is not None
    assert _kubernetes_runs(expression) is None


@pytest.mark.parametrize("expression", ACCEPTED_ONLY_BY_KUBERNETES.values(), ids=ACCEPTED_ONLY_BY_KUBERNETES.keys())
def test_kubernetes_accepts_what_croniter_rejects(expression: str) -> None:
    parse(expression, "Etc/UTC")  # the API server accepts it
    assert _croniter_runs(expression) is None


def test_daylight_saving_gap_runs_differ() -> None:
    """A run inside the spring-forward gap: robfig (Kubernetes) skips that day, croniter moves it to 03:00."""
    zone = ZoneInfo("Europe/Berlin")
    start = dt.datetime(2026, 3, 28, 12, tzinfo=zone)
    theirs = croniter("30 2 * * *", start).get_next(dt.datetime)
    ours = parse("30 2 * * *", "Europe/Berlin").next_runs(start, 1)[0]
    assert theirs.isoformat() == "2026-03-29T03:00:00+02:00"
    assert ours.isoformat() == "2026-03-30T02:30:00+02:00"


def test_plain_schedules_agree() -> None:
    """Outside those classes the two read a schedule the same way (so the classes above are the whole story)."""
    for expression in ("0 */6 * * *", "30 2 * * 1-5", "15 3 1,15 * *", "*/30 * * * *", "0 12 * jan-jun *"):
        ours = _kubernetes_runs(expression, 6)
        theirs = _croniter_runs(expression, 6)
        assert ours is not None and theirs is not None
        assert [t.replace(tzinfo=None) for t in ours] == [t.replace(tzinfo=None) for t in theirs], expression
