"""The records a run returns: options in, one report per overlay (and deploy/), the run report out.

Plain classes, not dataclasses: a warm one-overlay ``check`` starts without importing ``dataclasses`` (it imports
``inspect``) or ``typing`` (#16). ``Options`` is an immutable :class:`~generator.records.Record`; the two reports
are mutable, compared field by field, and pickled (worker processes) like the dataclasses they were.
"""

from __future__ import annotations

import os

from generator.problems import Problem
from generator.records import Record

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:  # types only: importing them here would load YAML and the renderer for every command
    from collections.abc import Callable
    from pathlib import Path
    from typing import Literal

    from generator.config.settings import Settings
    from generator.render.overlay import RenderedFile
    from generator.write import ownership

    Status = Literal["rendered", "up-to-date", "stale", "failed", "not-written"]
    KustomizeMode = Literal["auto", "kubectl", "internal", "off"]


class Options(Record):
    """A run's options. ``root`` and ``schema_root`` are also kept as strings (``root_dir``, ``schema_dir``): a warm
    one-overlay ``check`` works on those alone and never imports ``pathlib`` (#16); the ``Path`` is made on first use
    (the one given is kept)."""

    _fields = ("root", "force", "strict", "kubernetes_version", "crd_location", "skip", "schema_root", "kustomize",
               "durable", "wait_seconds", "keep_files", "cache", "template_cache")
    __slots__ = ("_root", "_schema_root", "cache", "crd_location", "durable", "force", "keep_files", "kubernetes_version",
                 "kustomize", "root_dir", "schema_dir", "skip", "strict", "template_cache", "wait_seconds")
    root_dir: str
    schema_dir: str
    _root: Path | None
    _schema_root: Path | None
    force: bool
    strict: bool  # warnings fail too
    kubernetes_version: str | None  # overrides the settings' kubernetesVersion
    crd_location: str | None
    skip: frozenset[str]  # kinds / apiVersion/Kind not schema-checked (--skip; settings skipKinds)
    kustomize: KustomizeMode
    durable: bool
    wait_seconds: float
    keep_files: bool  # keep rendered files in reports after check (kubeconform needs them)
    cache: bool  # reuse kubectl kustomize output and clean check results whose inputs did not change
    # compiled templates kept here (Jinja2's bytecode cache), set in each process just before its first render, so a
    # run that renders nothing (a result-cache hit) never imports the renderer; None: as the process has it
    template_cache: str | None

    def __init__(self, root: str | os.PathLike[str], force: bool = False, strict: bool = False,
                 kubernetes_version: str | None = None, crd_location: str | None = None,
                 skip: frozenset[str] = frozenset(), schema_root: str | os.PathLike[str] | None = None,
                 kustomize: KustomizeMode = "auto", durable: bool = True, wait_seconds: float = 30.0,
                 keep_files: bool = False, cache: bool = True, template_cache: str | None = None) -> None:
        if schema_root is None:
            from generator.resources import data_root_path

            schema_root = os.path.join(data_root_path(), "schemas")
        values = {"root_dir": os.fspath(root), "_root": None if isinstance(root, str) else root,
                  "schema_dir": os.fspath(schema_root),
                  "_schema_root": None if isinstance(schema_root, str) else schema_root, "force": force,
                  "strict": strict, "kubernetes_version": kubernetes_version, "crd_location": crd_location,
                  "skip": skip, "kustomize": kustomize, "durable": durable, "wait_seconds": wait_seconds,
                  "keep_files": keep_files, "cache": cache, "template_cache": template_cache}
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def root(self) -> Path:
        if self._root is None:
            from pathlib import Path

            object.__setattr__(self, "_root", Path(self.root_dir))
        assert self._root is not None
        return self._root

    @property
    def schema_root(self) -> Path:
        if self._schema_root is None:
            from pathlib import Path

            object.__setattr__(self, "_schema_root", Path(self.schema_dir))
        assert self._schema_root is not None
        return self._schema_root

    def __reduce__(self) -> tuple[type[Options], tuple[object, ...]]:
        """Pickled (worker processes) with the strings: a worker makes a ``Path`` only if it needs one."""
        return Options, (self.root_dir, self.force, self.strict, self.kubernetes_version, self.crd_location, self.skip,
                         self.schema_dir, self.kustomize, self.durable, self.wait_seconds, self.keep_files, self.cache,
                         self.template_cache)


class OverlayReport:
    """One overlay's result. ``settings`` may be loaded on first use (:meth:`remembered`: a result-cache hit, whose
    text report needs no settings at all, so a warm check imports no settings loader)."""

    __slots__ = ("_chart_mode", "_load", "_settings", "changes", "files", "overlay", "problems", "status")
    overlay: str
    status: Status
    problems: list[Problem]
    changes: list[ownership.Change]
    files: list[RenderedFile]
    _settings: Settings | None
    _load: Callable[[], Settings] | None
    _chart_mode: bool

    def __init__(self, overlay: str, status: Status = "up-to-date", problems: list[Problem] | None = None,
                 changes: list[ownership.Change] | None = None, settings: Settings | None = None,
                 files: list[RenderedFile] | None = None) -> None:
        self.overlay = overlay
        self.status = status
        self.problems = [] if problems is None else problems
        self.changes = [] if changes is None else changes
        self._settings = settings
        self.files = [] if files is None else files
        self._load = None
        self._chart_mode = False

    @classmethod
    def remembered(cls, overlay: str, problems: list[Problem], load: Callable[[], Settings],
                   chart_mode: bool) -> OverlayReport:
        """A clean, up-to-date report whose settings ``load()`` reads when first asked for (it raises only a
        :class:`~generator.errors.GeneratorError`); ``chart_mode``: theirs, known without reading them."""
        r = cls(overlay, "up-to-date", problems)
        r._load, r._chart_mode = load, chart_mode
        return r

    @property
    def settings(self) -> Settings | None:
        if self._load is not None:
            self._settings, self._load = self._load(), None
        return self._settings

    @settings.setter
    def settings(self, value: Settings | None) -> None:
        self._settings, self._load = value, None

    def chart_mode(self) -> bool:
        """``settings.chart_mode`` (False without settings), without loading settings not loaded yet."""
        if self._load is not None:
            return self._chart_mode
        return self._settings is not None and self._settings.chart_mode

    def _key(self) -> tuple[object, ...]:
        return self.overlay, self.status, self.problems, self.changes, self.settings, self.files

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if type(other) is OverlayReport else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def __repr__(self) -> str:
        return (f"OverlayReport(overlay={self.overlay!r}, status={self.status!r}, problems={self.problems!r}, "
                f"changes={self.changes!r}, settings={self.settings!r}, files={self.files!r})")

    def __reduce__(self) -> tuple[Callable[..., OverlayReport], tuple[object, ...]]:
        """Pickled (worker processes) with settings not loaded yet left so."""
        return _overlay_report, (self.overlay, self.status, self.problems, self.changes, self._settings, self.files,
                                 self._load, self._chart_mode)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def failed(self, strict: bool) -> bool:
        return bool(self.errors) or (strict and bool(self.problems))


def _overlay_report(overlay: str, status: Status, problems: list[Problem], changes: list[ownership.Change],
                    settings: Settings | None, files: list[RenderedFile], load: Callable[[], Settings] | None,
                    chart_mode: bool) -> OverlayReport:
    r = OverlayReport(overlay, status, problems, changes, settings, files)
    r._load, r._chart_mode = load, chart_mode
    return r


class RunReport:
    __slots__ = ("command", "delivery", "notices", "orphans", "overlays", "problems")
    command: str
    overlays: list[OverlayReport]
    delivery: OverlayReport | None  # deploy/ (Argo CD and Flux objects), when gitops.yaml exists
    orphans: list[OverlayReport]  # generated files of overlays whose settings are gone
    notices: list[str]
    problems: list[Problem]  # run-level problems (not tied to one overlay)

    def __init__(self, command: str, overlays: list[OverlayReport] | None = None,
                 delivery: OverlayReport | None = None, orphans: list[OverlayReport] | None = None,
                 notices: list[str] | None = None, problems: list[Problem] | None = None) -> None:
        self.command = command
        self.overlays = [] if overlays is None else overlays
        self.delivery = delivery
        self.orphans = [] if orphans is None else orphans
        self.notices = [] if notices is None else notices
        self.problems = [] if problems is None else problems

    def _key(self) -> tuple[object, ...]:
        return self.command, self.overlays, self.delivery, self.orphans, self.notices, self.problems

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if type(other) is RunReport else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"RunReport(command={self.command!r}, overlays={self.overlays!r}, delivery={self.delivery!r}, "
                f"orphans={self.orphans!r}, notices={self.notices!r}, problems={self.problems!r})")

    def __reduce__(self) -> tuple[type[RunReport], tuple[object, ...]]:
        return RunReport, self._key()

    def counts(self) -> dict[str, int]:
        out = {"rendered": 0, "up-to-date": 0, "stale": 0, "failed": 0, "not-written": 0}
        for r in self.overlays:
            out[r.status] += 1
        return out

    def ok(self, strict: bool) -> bool:
        if any(p.is_error or strict for p in self.problems):
            return False
        reports = [*self.overlays, *self.orphans, *([self.delivery] if self.delivery else [])]
        return not any(r.status in ("failed", "stale", "not-written") or r.failed(strict) for r in reports)
