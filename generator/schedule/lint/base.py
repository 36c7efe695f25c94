"""What every lint rule shares: options, the finding record, the context the rules look at."""

from __future__ import annotations

from functools import cached_property

from generator.errors import ScheduleError
from generator.records import Record
from generator.schedule.analysis import Analysis, analyze
from generator.schedule.cron import Schedule, parse, validate_time_zone

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Final, Literal, Protocol

    Level = Literal["error", "warning"]
    FieldName = Literal["schedule", "timeZone"]

    class Rule(Protocol):
        """A rule: a module (``ID``, ``LEVEL``, ``check``) or a :class:`ParserRule`."""

        @property
        def ID(self) -> str: ...

        @property
        def LEVEL(self) -> Level: ...

        def check(self, ctx: LintContext) -> Iterator[Finding]: ...


class LintOptions(Record):
    __slots__ = ("allow_frequent", "max_delay_hours", "min_interval_minutes", "watch_reaction_seconds")

    def __init__(self, min_interval_minutes: int = 15, allow_frequent: bool = False, max_delay_hours: float = 24,
                 watch_reaction_seconds: int | None = None) -> None:
        self.min_interval_minutes: Final = min_interval_minutes
        self.allow_frequent: Final = allow_frequent
        self.max_delay_hours: Final = max_delay_hours
        # rotation.trigger: watch -- the watch's worst-case reaction; the schedule is then only the backstop.
        self.watch_reaction_seconds: Final = watch_reaction_seconds


class Finding(Record):
    __slots__ = ("col", "field", "level", "message", "rule")

    def __init__(self, level: Level, rule: str, message: str, field: FieldName = "schedule",
                 col: int | None = None) -> None:
        self.level: Final = level
        self.rule: Final = rule
        self.message: Final = message
        self.field: Final = field
        self.col: Final = col  # 1-based column inside the expression, when the finding points at a field


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


def error_finding(err: ScheduleError, rule: str, field: FieldName) -> Finding:
    """A parser error as a finding: message and hint on one line."""
    message = err.message if not err.hint else f"{err.message}; {err.hint}"
    return Finding("error", rule, message, field, err.col if field == "schedule" else None)


class ParserRule(Record):
    """A rule the API server enforces and the parser reports: it only relabels the parser's error as a finding."""

    __slots__ = ("ID", "LEVEL", "field")

    def __init__(self, ID: str, field: FieldName, LEVEL: Level = "error") -> None:
        self.ID: Final = ID
        self.field: Final = field
        self.LEVEL: Final = LEVEL

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
