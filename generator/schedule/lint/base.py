"""What every lint rule shares: options, the finding record, the context the rules look at."""

from __future__ import annotations

from generator.errors import ScheduleError
from generator.memo import cached
from generator.records import Record
from generator.schedule.analysis import Analysis, analyze
from generator.schedule.cron import Schedule, parse, validate_time_zone

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Literal, Protocol

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
    _fields = ("min_interval_minutes", "allow_frequent", "max_delay_hours", "watch_reaction_seconds")
    __slots__ = _fields
    min_interval_minutes: int
    allow_frequent: bool
    max_delay_hours: float
    #: rotation.trigger: watch -- the watch's worst-case reaction; the schedule is then only the backstop.
    watch_reaction_seconds: int | None

    def __init__(self, min_interval_minutes: int = 15, allow_frequent: bool = False, max_delay_hours: float = 24,
                 watch_reaction_seconds: int | None = None) -> None:
        self._set(min_interval_minutes, allow_frequent, max_delay_hours, watch_reaction_seconds)


class Finding(Record):
    _fields = ("level", "rule", "message", "field", "col")
    __slots__ = _fields
    level: Level
    rule: str
    message: str
    field: FieldName
    col: int | None  # 1-based column inside the expression, when the finding points at a field

    def __init__(self, level: Level, rule: str, message: str, field: FieldName = "schedule",
                 col: int | None = None) -> None:
        self._set(level, rule, message, field, col)


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

    @cached
    def analysis(self) -> Analysis:
        assert self.schedule is not None, "rules past the parser only run on a parsed schedule"
        return analyze(self.schedule)


def error_finding(err: ScheduleError, rule: str, field: FieldName) -> Finding:
    """A parser error as a finding: message and hint on one line."""
    message = err.message if not err.hint else f"{err.message}; {err.hint}"
    return Finding("error", rule, message, field, err.col if field == "schedule" else None)


class ParserRule(Record):
    """A rule the API server enforces and the parser reports: it only relabels the parser's error as a finding."""

    _fields = ("ID", "field", "LEVEL")
    __slots__ = _fields
    ID: str
    field: FieldName
    LEVEL: Level

    def __init__(self, ID: str, field: FieldName, LEVEL: Level = "error") -> None:
        self._set(ID, field, LEVEL)

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
