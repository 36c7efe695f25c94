"""``kaptain-gitops build OVERLAY``: the overlay's final manifests on stdout (for the Argo CD CMP).

Renders in memory (committed generated files are not needed), then builds: in process for a
generated-only overlay, otherwise with the real ``kubectl kustomize`` on a temporary copy holding
the user's files plus the fresh render. Returns (YAML stream, notes for stderr).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from generator.errors import GeneratorError, OverlayErrors, UsageError
from generator.layout import SETTINGS_FILE
from generator.pipeline.built import load_provenance
from generator.pipeline.fleet import plan_overlay
from generator.pipeline.records import Options
from generator.render.overlay import RenderedFile
from generator.validate import job_policy, kustomize
from generator.write import discovery


def find_root(cwd: Path, overlay: str) -> Path:
    """The repository root for ``build OVERLAY`` without --root (the Argo CD CMP runs in the overlay dir).

    Argo CD sets ARGOCD_APP_SOURCE_PATH (the overlay's path in the repo); otherwise the nearest ancestor
    whose ``overlays/`` directory contains the overlay; otherwise the current directory (a standalone overlay:
    any directory holding a settings.yaml builds, see :func:`build_overlay`).
    """
    import os

    target = (cwd / overlay).resolve()
    source_path = os.environ.get("ARGOCD_APP_SOURCE_PATH", "").strip("/")
    if source_path and target.as_posix().endswith("/" + source_path):
        return Path(target.as_posix()[: -len(source_path) - 1])
    for parent in target.parents:
        if parent.name == "overlays" and (target / SETTINGS_FILE).is_file():
            return parent.parent
    return cwd.resolve()


def _select(root: Path, overlay: str) -> discovery.Overlay:
    """The overlay to build: one under ``root/overlays``, or any directory holding a settings.yaml (a standalone
    copy, as the Argo CD CMP may see it), named by its directory."""
    try:
        return discovery.select_one(root, overlay, "build")
    except UsageError:
        target = (root / overlay).resolve()
        if not (target / SETTINGS_FILE).is_file():
            raise
        return discovery.Overlay(target, discovery.rel(root.resolve(), target) if target != root.resolve() else target.name)


def build_overlay(root: Path, overlay: str) -> tuple[str, list[str]]:
    o = _select(root, overlay)
    report = plan_overlay(o, Options(root=root, force=True), None)
    errors = report.errors
    if errors:
        every = [GeneratorError(p.message, file=p.file, line=p.line, col=p.col, rule=p.rule) for p in errors]
        raise every[0] if len(every) == 1 else OverlayErrors(every)
    notes = [f"{p.file}:{p.line}:{p.col}: [warning] {p.message} ({p.rule})" for p in report.problems]
    if kustomize.is_generated_only(report.files):
        jobs = kustomize.manual_jobs(o)
        _refuse_job_ttl(o, jobs, report.files)
        return kustomize.in_process_stream(report.files, jobs), notes
    built = kustomize.build_with_user_files(o.path, report.files)  # the patch engine's proven subset
    if built is not None:
        _refuse_job_ttl(o, built, report.files)
        from generator.validate.kyaml import dump_all

        return dump_all(built), notes
    with tempfile.TemporaryDirectory(prefix="kaptain-gitops-build-") as tmp:
        work = Path(tmp) / "overlay"
        shutil.copytree(o.path, work, symlinks=True)
        for f in report.files:
            (work / f.path).parent.mkdir(parents=True, exist_ok=True)
            (work / f.path).write_text(f.text, encoding="utf-8")
        notes.append("built with kubectl kustomize (overlay has user patches or resources)")
        stream = kustomize.build_kubectl(work)
    _refuse_job_ttl(o, kustomize.parse_stream(stream), report.files)
    return stream, notes


def _refuse_job_ttl(o: discovery.Overlay, docs: list[dict[str, Any]], files: list[RenderedFile]) -> None:
    """Render-at-sync deploys what ``build`` prints: the same no-TTL rule as ``check`` (a Job would re-run)."""
    if not any(d.get("kind") == "Job" for d in docs):
        return
    prov = load_provenance(o, files)
    problems = job_policy.ttl_problems(o.path, o.rel, docs, lambda doc: prov.locate(doc, ("spec", job_policy.FIELD)))
    if problems:
        first = problems[0]
        raise GeneratorError(first.message, file=first.file, line=first.line, col=first.col, rule=first.rule)
