"""Schedule lint of a loaded settings file: findings become problems placed at the value in settings.yaml."""

from __future__ import annotations

from generator.config.settings import LoadedSettings, schedule_position
from generator.problems import Problem
from generator.schedule.lint import LintOptions, lint_schedule


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
