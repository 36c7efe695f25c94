"""Problem records: the single currency of findings (lint, validation, drift).

Modelled on yamllint's ``LintProblem``: 1-based line/column, a level, a stable rule id.
Immutable and ordered field by field, like the frozen ``order=True`` dataclass it was; a
:class:`~generator.records.Record` because ``validate`` starts without importing ``dataclasses`` or ``typing`` (#16).
"""

from __future__ import annotations

from generator.errors import GeneratorError
from generator.records import OrderedRecord

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate starts without importing typing (#16)
if TYPE_CHECKING:
    from typing import Literal

    Level = Literal["error", "warning"]


class Problem(OrderedRecord):
    _fields = ("file", "line", "col", "level", "rule", "message")
    __slots__ = _fields
    file: str
    line: int
    col: int
    level: Level
    rule: str
    message: str

    def __init__(self, file: str, line: int, col: int, level: Level, rule: str, message: str) -> None:
        self._set(file, line, col, level, rule, message)

    @classmethod
    def from_error(cls, err: GeneratorError, default_file: str = "-") -> Problem:
        msg = err.message if not err.hint else f"{err.message}; {err.hint}"
        return cls(err.file or default_file, err.line or 1, err.col or 1, "error", err.rule, msg)

    @classmethod
    def from_errors(cls, err: GeneratorError, default_file: str = "-") -> list[Problem]:
        """Every problem an error carries (a SettingsErrors holds several), as records."""
        return [cls.from_error(e, default_file) for e in getattr(err, "errors", None) or [err]]

    @property
    def is_error(self) -> bool:
        return self.level == "error"
