"""``explain``: everything a reviewer needs to know about one schedule, as data, then as text/JSON/GitHub."""

from __future__ import annotations

from datetime import UTC, datetime

from generator.errors import ScheduleError, UsageError
from generator.report.reaction import watch_figures, watch_text
from generator.schedule.analysis import Analysis, analyze
from generator.schedule.cron import Schedule, parse
from generator.schedule.durations import human_duration
from generator.schedule.lint import Finding, LintOptions, lint_schedule

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from typing import Any


class Explanation:
    """The explanation of one schedule (a plain class: ``explain`` starts without importing ``dataclasses``, #16)."""

    def __init__(self, expression: str, time_zone: str | None, schedule: Schedule | None, analysis: Analysis | None,
                 next_runs: list[datetime] | None = None, findings: list[Finding] | None = None,
                 picture: list[str] | None = None, watch: tuple[int, int] | None = None) -> None:
        self.expression = expression
        self.time_zone = time_zone
        self.schedule = schedule
        self.analysis = analysis
        self.next_runs: list[datetime] = [] if next_runs is None else next_runs
        self.findings: list[Finding] = [] if findings is None else findings
        self.picture: list[str] = [] if picture is None else picture
        #: (resyncSeconds, backoffMaxSeconds) with rotation.trigger: watch
        self.watch = watch

    def __repr__(self) -> str:
        return (f"Explanation(expression={self.expression!r}, time_zone={self.time_zone!r}, "
                f"schedule={self.schedule!r}, analysis={self.analysis!r}, next_runs={self.next_runs!r}, "
                f"findings={self.findings!r}, picture={self.picture!r}, watch={self.watch!r})")

    @property
    def has_errors(self) -> bool:
        return any(f.level == "error" for f in self.findings)


def _start(value: str | None, zone: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--from {value!r} is not an ISO 8601 time (e.g. 2026-03-29T00:00:00+01:00)",
                         rule="usage") from None
    if start.tzinfo is None:
        from generator.schedule.zones import zone_for

        start = start.replace(tzinfo=zone_for(zone) if zone else UTC)
    return start


def explain_schedule(expression: str, time_zone: str | None, *, count: int = 5, start: str | None = None,
                     min_interval_minutes: int = 15, max_delay_hours: float = 24.0,
                     watch: tuple[int, int] | None = None) -> Explanation:
    """``watch``: (resyncSeconds, backoffMaxSeconds) when the overlay uses rotation.trigger: watch."""
    options = LintOptions(min_interval_minutes=min_interval_minutes, max_delay_hours=max_delay_hours,
                          watch_reaction_seconds=sum(watch) if watch else None)
    findings = lint_schedule(expression, time_zone, options)
    try:
        schedule = parse(expression, time_zone)
    except ScheduleError:
        return Explanation(expression, time_zone, None, None, findings=findings, watch=watch)
    from generator.schedule.picture import week_strip

    analysis = analyze(schedule)
    runs = schedule.next_runs(_start(start, time_zone), count) if count else []
    picture = week_strip(schedule) if analysis.fires else []
    return Explanation(expression, time_zone, schedule, analysis, runs, findings, picture, watch)


def _fmt_run(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M %Z (%a)") if dt.tzname() else dt.isoformat()


def as_dict(e: Explanation) -> dict[str, Any]:
    a = e.analysis
    return {
        "schema": "kaptain-gitops/explain/v1",
        "schedule": e.expression,
        "timeZone": e.time_zone,
        "valid": e.schedule is not None,
        "description": a.description if a else None,
        "fires": a.fires if a else None,
        "runsPerDay": a.runs_per_day if a else None,
        "runsPerYear": a.runs_per_year if a else None,
        "worstCaseDelaySeconds": int(a.worst_case_delay.total_seconds()) if a and a.worst_case_delay else None,
        "minIntervalSeconds": int(a.min_interval.total_seconds()) if a and a.min_interval else None,
        "watch": watch_figures(*e.watch) if e.watch else None,
        "nextRuns": [r.isoformat() for r in e.next_runs],
        "problems": [{"level": f.level, "rule": f.rule, "message": f.message} for f in e.findings],
        "week": e.picture,
    }


def _per(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.2f}"


def format_text(e: Explanation) -> str:
    zone = e.time_zone or "not set (the controller's local zone; UTC assumed here)"
    lines = [f"Schedule:          {e.expression}", f"Time zone:         {zone}"]
    a = e.analysis
    if a is not None:
        lines.append(f"Meaning:           {a.description}")
        if a.fires:
            lines.append(f"Runs:              {_per(a.runs_per_day)} per day, {_per(a.runs_per_year)} per year")
            if e.watch is not None:
                lines.append(f"Watch reaction:    {watch_text(*e.watch)}")
            if a.worst_case_delay is not None and e.watch is not None:
                lines.append(f"Worst-case delay:  {human_duration(a.worst_case_delay)} "
                             "(longest wait between two runs: the backstop when the watch pod is down)")
            elif a.worst_case_delay is not None:
                lines.append(f"Worst-case delay:  {human_duration(a.worst_case_delay)} "
                             "(longest wait between two runs: a renewed CA can take this long to reach authservice)")
            if a.min_interval is not None:
                lines.append(f"Shortest interval: {human_duration(a.min_interval)}")
        else:
            lines.append("Runs:              never (no date matches every field)")
        if e.next_runs:
            lines.append("Next runs:")
            lines.extend(f"  {_fmt_run(r)}" for r in e.next_runs)
        if e.picture:
            lines.append("Week:")
            lines.extend(f"  {row}" for row in e.picture)
    if e.findings:
        lines.append("Problems:")
        lines.extend(f"  [{f.level}] {f.message} ({f.rule})" for f in e.findings)
    else:
        lines.append("Problems:          none")
    return "\n".join(lines) + "\n"


def format_explanation(e: Explanation, fmt: str) -> str:
    if fmt == "json":
        import json

        return json.dumps(as_dict(e), indent=2, ensure_ascii=False) + "\n"
    if fmt == "github":
        from generator.report.formats import _gh_escape

        body = format_text(e)
        cmds = [f"::{f.level} title={_gh_escape(f.rule, prop=True)}::{_gh_escape(f.message)}" for f in e.findings]
        return body + "".join(c + "\n" for c in cmds)
    return format_text(e)
