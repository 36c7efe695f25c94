"""What every lint rule shares: options, the finding record, the context the rules look at."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Literal, NamedTuple, Protocol

from generator.errors import ScheduleError
from generator.schedule.analysis import Analysis, analyze
from generator.schedule.cron import Schedule, parse, validate_time_zone

Level = Literal["error", "warning"]


class LintOptions(NamedTuple):
    min_interval_minutes: int = 15
    allow_frequent: bool = False
    max_delay_hours: float = 24
    # rotation.trigger: watch -- the watch's worst-case reaction; the schedule is then only the backstop.
    watch_reaction_seconds: int | None = None


class Finding(NamedTuple):
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
                self.schedule = parsed.with_time_zone(time_zone)

    @cached_property
    def analysis(self) -> Analysis:
        assert self.schedule is not None, "rules past the parser only run on a parsed schedule"
        return analyze(self.schedule)


class Rule(Protocol):
    """A rule: a module (``ID``, ``LEVEL``, ``check``) or a :class:`ParserRule`."""

    @property
    def ID(self) -> str: ...

    @property
    def LEVEL(self) -> Level: ...

    def check(self, ctx: LintContext) -> Iterator[Finding]: ...


def error_finding(err: ScheduleError, rule: str, field: Literal["schedule", "timeZone"]) -> Finding:
    """A parser error as a finding: message and hint on one line."""
    message = err.message if not err.hint else f"{err.message}; {err.hint}"
    return Finding("error", rule, message, field, err.col if field == "schedule" else None)


class ParserRule(NamedTuple):
    """A rule the API server enforces and the parser reports: it only relabels the parser's error as a finding."""

    ID: str
    field: Literal["schedule", "timeZone"]
    LEVEL: Level = "error"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        err = ctx.schedule_error if self.field == "schedule" else ctx.zone_error
        if err is not None and err.rule == self.ID:
            yield error_finding(err, self.ID, self.field)


#: The API server's own checks, in the order they are reported: the schedule's, then the time zone's.
PARSER_RULES = (
    ParserRule("tz-in-schedule", "schedule"),
    ParserRule("invalid-schedule", "schedule"),
    ParserRule("invalid-time-zone", "timeZone"),
    ParserRule("unknown-time-zone", "timeZone"),
)
