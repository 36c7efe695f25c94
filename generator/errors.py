"""The project's one error hierarchy.

Every mistake a user can make surfaces as a :class:`GeneratorError` (or a subclass). The CLI catches
this one base class in one place and turns it into a message and exit code 1; anything else is a bug.
"""

from __future__ import annotations


class GeneratorError(Exception):
    """A user-facing problem: what went wrong, where, and what to do.

    ``file``/``line``/``col`` are 1-based when known. ``rule`` is a short stable identifier
    (e.g. ``unknown-key``) and ``hint`` says what to do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        col: int | None = None,
        rule: str = "error",
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.col = col
        self.rule = rule
        self.hint = hint

    def located(self, file: str | None = None, line: int | None = None, col: int | None = None) -> GeneratorError:
        """Fill in a position that the raiser did not know (keeps one already set)."""
        if self.file is None:
            self.file = file
        if self.line is None:
            self.line = line
        if self.col is None:
            self.col = col
        return self

    def __str__(self) -> str:  # pragma: no cover - formatting lives in report.py
        return self.message


class SettingsError(GeneratorError):
    """The settings file is unreadable, not YAML, or does not match the schema."""


class ScheduleError(GeneratorError):
    """A schedule or time zone that the Kubernetes API server would reject."""


class RenderError(GeneratorError):
    """Templates produced something other than exactly the expected documents."""


class ManifestError(GeneratorError):
    """A rendered manifest fails schema or API-server validation."""


class OverlayError(GeneratorError):
    """Unsafe or impossible file-system work: foreign files, symlinks out of the repo, locks."""


class OverlayErrors(OverlayError):
    """Several overlay problems found at once (e.g. every badly named overlay directory); ``errors`` lists them."""

    def __init__(self, errors: list[GeneratorError]) -> None:
        first = errors[0]
        super().__init__(first.message, file=first.file, line=first.line, col=first.col, rule=first.rule,
                         hint=first.hint)
        self.errors = errors


class UsageError(GeneratorError):
    """The command line itself is wrong (exit code 2)."""
