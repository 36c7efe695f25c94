"""Schedule lint: one module per semantic rule (``ID``, ``LEVEL``, ``check(ctx)``), run in a fixed order.

:func:`lint_schedule` validates the time zone and parses the schedule first. Problems the API server would reject
(``tz-in-schedule``, ``invalid-schedule``, ``invalid-time-zone``, ``unknown-time-zone``: the
:data:`~generator.schedule.lint.base.PARSER_RULES`) are reported as errors (at most one per field) and stop there;
otherwise the semantic rules run against the parsed schedule and its :class:`~generator.schedule.analysis.Analysis`.
"""

from __future__ import annotations

from generator.schedule.lint import (
    controller_stall,
    every_minute_burst,
    long_delay,
    never_fires,
    no_time_zone,
    too_frequent,
)
from generator.schedule.lint.base import PARSER_RULES, Finding, LintContext, LintOptions

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from generator.schedule.lint.base import Rule

DEFAULT_OPTIONS = LintOptions()

__all__ = ["Finding", "LintContext", "LintOptions", "lint_schedule", "rules"]


def rules() -> tuple[tuple[Rule, ...], tuple[Rule, ...]]:
    """(parser rules, semantic rules), each in the fixed order they run in."""
    return (
        PARSER_RULES,
        (never_fires, controller_stall, every_minute_burst, too_frequent, long_delay, no_time_zone),
    )


def lint_schedule(expression: str, time_zone: str | None, options: LintOptions = DEFAULT_OPTIONS) -> list[Finding]:
    """All findings for one schedule/time-zone pair, in rule order."""
    ctx = LintContext(expression, time_zone, options)
    parser_rules, semantic_rules = rules()
    findings = [f for rule in parser_rules for f in rule.check(ctx)]
    if findings or ctx.schedule is None:
        return findings
    return [f for rule in semantic_rules for f in rule.check(ctx)]
