"""Problem records: the single currency of findings (lint, validation, drift).

Modelled on yamllint's ``LintProblem``: 1-based line/column, a level, a stable rule id.
A ``NamedTuple`` (immutable, ordered field by field as the frozen ``order=True`` dataclass it replaces): ``validate``
creates these, and importing ``dataclasses`` (it imports ``inspect``) cost ~10 ms of that command's start-up (#16).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from generator.errors import GeneratorError

Level = Literal["error", "warning"]


class Problem(NamedTuple):
    file: str
    line: int
    col: int
    level: Level
    rule: str
    message: str

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
