"""The records a run returns: options in, one report per overlay (and deploy/), the run report out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from generator.problems import Problem
from generator.resources import schemas_dir

if TYPE_CHECKING:  # types only: importing them here would load YAML and the renderer for every command
    from generator.config.settings import Settings
    from generator.render.overlay import RenderedFile
    from generator.write import ownership

Status = Literal["rendered", "up-to-date", "stale", "failed", "not-written"]


@dataclass(frozen=True)
class Options:
    root: Path
    force: bool = False
    strict: bool = False  # warnings fail too
    kubernetes_version: str | None = None  # overrides the settings' kubernetesVersion
    crd_location: str | None = None
    skip: frozenset[str] = frozenset()  # kinds / apiVersion/Kind not schema-checked (--skip; settings skipKinds)
    schema_root: Path = field(default_factory=schemas_dir)
    kustomize: Literal["auto", "kubectl", "internal", "off"] = "auto"
    durable: bool = True
    wait_seconds: float = 30.0
    keep_files: bool = False  # keep rendered files in reports after check (kubeconform needs them)
    cache: bool = True  # reuse kubectl kustomize output for overlays whose files did not change


@dataclass
class OverlayReport:
    overlay: str
    status: Status = "up-to-date"
    problems: list[Problem] = field(default_factory=list)
    changes: list[ownership.Change] = field(default_factory=list)
    settings: Settings | None = None
    files: list[RenderedFile] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def failed(self, strict: bool) -> bool:
        return bool(self.errors) or (strict and bool(self.problems))


@dataclass
class RunReport:
    command: str
    overlays: list[OverlayReport] = field(default_factory=list)
    delivery: OverlayReport | None = None  # deploy/ (Argo CD and Flux objects), when gitops.yaml exists
    orphans: list[OverlayReport] = field(default_factory=list)  # generated files of overlays whose settings are gone
    notices: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # run-level problems (not tied to one overlay)

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
