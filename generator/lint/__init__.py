"""Schedule lint: one module per rule (``ID``, ``LEVEL``, ``check(ctx)``), run in a fixed order.

:func:`lint_schedule` validates the time zone and parses the schedule first. Problems the API server would reject
(``tz-in-schedule``, ``invalid-schedule``, ``invalid-time-zone``, ``unknown-time-zone``) are reported as errors
(at most one per field) and stop there; otherwise the semantic rules run against the parsed schedule and its
:class:`~generator.analysis.Analysis`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, Protocol

from generator.analysis import Analysis, analyze
from generator.errors import ScheduleError
from generator.schedule import Schedule, parse, validate_time_zone

__all__ = ["Finding", "LintContext", "LintOptions", "Rule", "lint_schedule", "rules"]

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class LintOptions:
    min_interval_minutes: int = 15
    allow_frequent: bool = False
    max_delay_hours: float = 24


@dataclass(frozen=True)
class Finding:
    level: Level
    rule: str
    message: str
    field: Literal["schedule", "timeZone"] = "schedule"
    col: int | None = None  # 1-based column inside the expression, when the finding points at a field


class LintContext:
    """What the rules look at: the raw inputs, the parse outcome and (lazily) the analysis."""

    def __init__(self, expression: str, time_zone: str | None, options: LintOptions) -> None:
        self.expression = expression
        self.time_zone = time_zone
        self.options = options
        self.zone_error: ScheduleError | None = None
        self.schedule_error: ScheduleError | None = None
        self.schedule: Schedule | None = None
        if time_zone is not None:
            try:
                validate_time_zone(time_zone)
            except ScheduleError as exc:
                self.zone_error = exc
        try:
            parsed = parse(expression)
        except ScheduleError as exc:
            self.schedule_error = exc
        else:
            if self.zone_error is None:
                self.schedule = dataclasses.replace(parsed, time_zone=time_zone)

    @cached_property
    def analysis(self) -> Analysis:
        assert self.schedule is not None, "rules past the parser only run on a parsed schedule"
        return analyze(self.schedule)


class Rule(Protocol):
    ID: str
    LEVEL: Level

    def check(self, ctx: LintContext) -> Iterator[Finding]: ...


def rules() -> tuple[tuple[Rule, ...], tuple[Rule, ...]]:
    """(parser rules, semantic rules), each in the fixed order they run in."""
    from generator.lint import (
        every_minute_burst,
        invalid_schedule,
        invalid_time_zone,
        long_delay,
        never_fires,
        no_time_zone,
        too_frequent,
        tz_in_schedule,
        unknown_time_zone,
    )

    return (
        (tz_in_schedule, invalid_schedule, invalid_time_zone, unknown_time_zone),
        (never_fires, every_minute_burst, too_frequent, long_delay, no_time_zone),
    )


def lint_schedule(expression: str, time_zone: str | None, options: LintOptions = LintOptions()) -> list[Finding]:
    """All findings for one schedule/time-zone pair, in rule order."""
    ctx = LintContext(expression, time_zone, options)
    parser_rules, semantic_rules = rules()
    findings = [f for rule in parser_rules for f in rule.check(ctx)]
    if findings or ctx.schedule is None:
        return findings
    return [f for rule in semantic_rules for f in rule.check(ctx)]


def error_finding(err: ScheduleError, rule: str, field: Literal["schedule", "timeZone"]) -> Finding:
    """A parser error as a finding: message and hint on one line."""
    message = err.message if not err.hint else f"{err.message}; {err.hint}"
    return Finding("error", rule, message, field, err.col if field == "schedule" else None)
