"""A settings file's schedule: lint findings placed at the value in settings.yaml; the review annotations' text."""

from __future__ import annotations

from generator.config.settings import LoadedSettings, Settings, SettingsErrors, schedule_position
from generator.errors import GeneratorError
from generator.problems import Problem
from generator.schedule.lint import LintOptions, lint_schedule
from generator.schedule.lint.base import PARSER_RULES


def lint_settings(loaded: LoadedSettings) -> list[Problem]:
    """Schedule and time-zone problems (errors and warnings), placed at the value in the settings file."""
    s = loaded.settings
    options = LintOptions(
        min_interval_minutes=s.min_interval_minutes,
        allow_frequent=s.allow_frequent_schedule,
        max_delay_hours=s.max_delay_hours,
        watch_reaction_seconds=s.watch_reaction_seconds,
    )
    problems = []
    for finding in lint_schedule(s.schedule, s.time_zone, options):
        if s.chart_mode and finding.rule == "no-time-zone":
            continue  # Kaptain's chart has no time-zone value: nothing to fix; analysis assumes UTC and says so
        field = finding.field if s.time_zone is not None or finding.field == "schedule" else "schedule"
        line, col = schedule_position(loaded.document, field, finding.col if field == "schedule" else None)
        problems.append(Problem(loaded.file, line, col, finding.level, finding.rule, finding.message))
    return problems


def lint_refused(err: GeneratorError) -> list[Problem]:
    """The API server's schedule and time-zone errors in a settings file that failed validation.

    Only values the file's own errors leave alone are looked at (a schedule that is not even a string is
    already reported), so one run reports the bad time zone alongside the unknown key and the wrong types.
    """
    doc = err.document if isinstance(err, SettingsErrors) else None
    ingress = doc.value.get("ingress") if doc is not None and isinstance(doc.value, dict) else None
    if doc is None or not isinstance(ingress, dict):
        return []
    taken = {(e.line, e.col) for e in err.errors} if isinstance(err, SettingsErrors) else set()
    values: dict[str, str] = {}
    for field, key in (("schedule", "secretRotationSchedule"), ("timeZone", "secretRotationTimeZone")):
        value = ingress.get(key)
        if isinstance(value, str) and doc.position(("ingress", key)) not in taken:
            values[field] = value
    if not values:
        return []
    parser_rules = {r.ID for r in PARSER_RULES}
    problems = []
    for finding in lint_schedule(values.get("schedule", "0 0 * * *"), values.get("timeZone")):
        if finding.rule in parser_rules and finding.field in values:
            line, col = schedule_position(doc, finding.field, finding.col if finding.field == "schedule" else None)
            problems.append(Problem(doc.file, line, col, finding.level, finding.rule, finding.message))
    return problems


def describe_schedule(s: Settings) -> tuple[str, str]:
    """(plain-English meaning, worst-case delay) for the CronJob's review annotations."""
    from generator.schedule.analysis import analyze
    from generator.schedule.cron import parse
    from generator.schedule.durations import human_duration

    analysis = analyze(parse(s.schedule, s.time_zone))
    delay = "never runs" if analysis.worst_case_delay is None else human_duration(analysis.worst_case_delay)
    return analysis.description, delay
