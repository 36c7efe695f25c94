"""Strict schema and API-server validation of rendered documents, located at their line; the stale-file record."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.pipeline.records import Options
from generator.problems import Problem

if TYPE_CHECKING:
    from generator.config.settings import Settings


def document_problems(display: str, docs: Iterable[dict[str, Any]], reg: Any, *, lines: list[int] | None = None,
                       api_rules: bool = True, prefix: str = "", skip: frozenset[str] = frozenset()) -> list[Problem]:
    """Strict schema (and API-server) problems of ``docs``; ``lines`` gives each document's line in ``display``."""
    from generator.validate.api_rules import check_api_rules

    problems = []
    for index, doc in enumerate(docs):
        line = lines[index] if lines and index < len(lines) else 1
        kind = f"{prefix}{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
        for v in [*reg.validate(doc, skip), *(check_api_rules(doc) if api_rules else [])]:
            problems.append(Problem(display, line, 1, "error", v.rule, f"{kind}: {v.path}: {v.message}"))
    return problems


def skip_for(opts: Options, settings: Settings) -> frozenset[str]:
    return opts.skip | frozenset(settings.skip_kinds)


def stale_problem(display: str, action: str, render_command: str) -> Problem:
    verb = {"create": "is missing", "update": "is out of date", "delete": "is no longer generated"}[action]
    return Problem(display, 1, 1, "error", "stale-file",
                   f"{display} {verb}; run '{render_command}' and commit the result")


def document_lines(text: str) -> list[int]:
    """1-based line where each YAML document of ``text`` starts (first non-comment content line)."""
    starts: list[int] = []
    pending = True
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith("---"):
            pending = True
            continue
        if pending and line.strip() and not line.lstrip().startswith("#"):
            starts.append(number)
            pending = False
    return starts


@functools.cache
def _registry_for(schema_root: Path, crd_location: str | None, version: str) -> Any:
    from generator.validate.manifest_schemas import SchemaRegistry

    return SchemaRegistry(schema_root / "kubernetes", version, crd_location)


def schema_registry(schema_root: Path, crd_location: str | None) -> Callable[[str], Any]:
    """A factory returning one compiled registry per Kubernetes version for the whole run."""
    return functools.partial(_registry_for, schema_root, crd_location)
