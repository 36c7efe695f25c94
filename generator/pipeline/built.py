"""The built output of an overlay (after user patches, resources and manual Jobs): validated, located, analysed.

* :func:`overlay_inputs` gathers the user files that shape the build (nested folders included) and the
  JSON 6902 targets their headers declare.
* :func:`validate_built` runs the strict schema and API rules on every built document and places each
  finding at the user file and line that introduced the key (:mod:`generator.validate.provenance`).
* :func:`schedule_problems` analyses the schedule, time zone and suspend flag of the *built* CronJob: they
  must be the ones settings.yaml declares (patches that change them are refused, because the review
  annotations, values.yaml and ``diff`` are computed from settings.yaml), and a patched schedule is linted
  and explained like a settings one, at the patch line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.config.settings import Settings
from generator.errors import OverlayError
from generator.problems import Problem
from generator.render.overlay import KUSTOMIZATION, OverlayInputs, RenderedFile
from generator.render.patches import patch_entry
from generator.validate import provenance
from generator.write import discovery

SCHEDULE_FIELDS = (
    ("schedule", "ingress.secretRotationSchedule"),
    ("timeZone", "ingress.secretRotationTimeZone"),
    ("suspend", "ingress.enableSecretRotation"),
)
OWN_ANNOTATIONS = ("kaptain-gitops/schedule-meaning", "kaptain-gitops/worst-case-delay")


def overlay_inputs(root: Path, o: discovery.Overlay) -> OverlayInputs:
    """Names and user files of one overlay; raises OverlayError for a file kustomize could not use."""
    patches = discovery.user_files(root, o, "patches")
    targets = []
    for path in patches:
        display = f"{o.rel}/{path}"
        try:
            text = (o.path / path).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise OverlayError(f"cannot read {display}: {exc.strerror}", file=display, rule="patch-unreadable",
                               hint="make the patch a readable regular file") from None
        entry = patch_entry(path, text, display)
        if entry.target:
            targets.append((path, entry.target))
    return OverlayInputs(
        overlay=o.rel,
        settings_file=o.settings_rel,
        patches=patches,
        targets=tuple(targets),
        resources=discovery.user_files(root, o, "resources"),
        jobs=discovery.user_files(root, o, discovery.JOBS_DIR),
    )


def load_provenance(o: discovery.Overlay, files: list[RenderedFile]) -> provenance.Provenance:
    """The user files the generated kustomization lists (resources, manual Jobs, patches), with positions."""
    kust = next((f for f in files if f.path == KUSTOMIZATION), None)
    spec = kust.documents[0] if kust and kust.documents else {}
    owned = {f.path for f in files}
    resources = [str(r) for r in spec.get("resources") or [] if str(r) not in owned]
    patches = [str(p.get("path")) for p in spec.get("patches") or [] if isinstance(p, dict) and p.get("path")]
    if not resources and not patches:
        resources = [f"{discovery.JOBS_DIR}/{p.name}" for p in sorted((o.path / discovery.JOBS_DIR).glob("*.yaml"))]
    return provenance.load(o.path, o.rel, resources, patches)


def _where(prov: provenance.Provenance, o: discovery.Overlay, doc: dict[str, Any], parts: provenance.Parts,
           value: bool = False) -> tuple[str, int, int]:
    return prov.locate(doc, parts, value=value) or (f"{o.rel}/{KUSTOMIZATION}", 1, 1)


def _name(doc: dict[str, Any]) -> str:
    return f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"


def validate_built(o: discovery.Overlay, docs: list[dict[str, Any]], files: list[RenderedFile], settings: Settings | None,
                   version: str, registry: Callable[[str], Any], *,
                   skip: frozenset[str] = frozenset()) -> list[Problem]:
    """Strict schema + API rules for the built output, and the built CronJob's schedule; located at user lines."""
    if not docs or settings is None:
        return []
    from generator.validate.api_rules import check_api_rules

    reg = registry(version)
    prov = load_provenance(o, files)
    problems = []
    for doc in docs:
        for v in [*reg.validate(doc, skip), *check_api_rules(doc)]:
            file, line, col = _where(prov, o, doc, provenance.parse_path(v.path))
            problems.append(Problem(file, line, col, "error", v.rule, f"built {_name(doc)}: {v.path}: {v.message}"))
    problems.extend(schedule_problems(o, docs, files, settings, prov))
    from generator.validate import job_policy

    problems.extend(job_policy.ttl_problems(o.path, o.rel, docs,
                                            lambda doc: prov.locate(doc, ("spec", job_policy.FIELD))))
    return problems


def _generated_cron(files: list[RenderedFile]) -> dict[str, Any]:
    return next((d for f in files for d in f.documents if d.get("kind") == "CronJob"), {})


def _is_ours(doc: dict[str, Any], s: Settings) -> bool:
    meta = doc.get("metadata") or {}
    return doc.get("kind") == "CronJob" and (
        (meta.get("name"), meta.get("namespace")) == (s.cron_job_name, s.namespace)
        or (meta.get("labels") or {}).get("app.kubernetes.io/managed-by") == "kaptain-gitops")


def _meaning(schedule: Any, time_zone: Any) -> str:
    from generator.errors import GeneratorError
    from generator.schedule.analysis import analyze
    from generator.schedule.cron import parse

    try:
        return f"; it would run {analyze(parse(str(schedule), time_zone)).description}"
    except (GeneratorError, TypeError, ValueError):
        return ""


def schedule_problems(o: discovery.Overlay, docs: list[dict[str, Any]], files: list[RenderedFile], s: Settings,
                      prov: provenance.Provenance) -> list[Problem]:
    """The built CronJob must run the settings' schedule; anything else is refused at the line that changed it."""
    from generator.schedule.lint import LintOptions, lint_schedule

    wanted = {"schedule": s.schedule, "timeZone": s.time_zone, "suspend": not s.enable_secret_rotation}
    generated = (_generated_cron(files).get("metadata") or {}).get("annotations") or {}
    problems: list[Problem] = []
    for doc in docs:
        if not _is_ours(doc, s):
            continue
        spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
        assert isinstance(spec, dict)
        built = {f: spec.get(f) for f, _ in SCHEDULE_FIELDS}
        for field, key in SCHEDULE_FIELDS:
            if built[field] == wanted[field]:
                continue
            file, line, col = _where(prov, o, doc, ("spec", field), value=True)
            shown = "unset" if built[field] is None else json.dumps(built[field])
            meaning = _meaning(built["schedule"], built["timeZone"]) if field != "suspend" else ""
            problems.append(Problem(
                file, line, col, "error", "patched-schedule",
                f"built {_name(doc)}: spec.{field} is {shown} after the user's files, but {o.settings_rel} sets "
                f"{json.dumps(wanted[field])}{meaning}; the schedule, time zone and suspend flag come from "
                f"settings.yaml only (the review annotations, values.yaml and 'diff' are computed from it); "
                f"set {key} in {o.settings_rel} and remove spec.{field} here"))
        if (built["schedule"], built["timeZone"]) != (s.schedule, s.time_zone) and isinstance(built["schedule"], str) \
                and (built["timeZone"] is None or isinstance(built["timeZone"], str)):
            options = LintOptions(s.min_interval_minutes, s.allow_frequent_schedule, s.max_delay_hours)
            for finding in lint_schedule(built["schedule"], built["timeZone"], options):
                field = finding.field if finding.field == "schedule" or built["timeZone"] is not None else "schedule"
                where = prov.locate(doc, ("spec", field), value=True)
                if where is not None and field == "schedule" and finding.col:
                    where = prov.inside(where, finding.col)
                file, line, col = where or (f"{o.rel}/{KUSTOMIZATION}", 1, 1)
                problems.append(Problem(file, line, col, finding.level, finding.rule,
                                        f"built {_name(doc)}: spec.{field}: {finding.message}"))
        annotations = (doc.get("metadata") or {}).get("annotations") or {}
        for key in OWN_ANNOTATIONS:
            if annotations.get(key) != generated.get(key):
                file, line, col = _where(prov, o, doc, ("metadata", "annotations", key))
                problems.append(Problem(
                    file, line, col, "error", "patched-annotation",
                    f"built {_name(doc)}: annotation {key} is set by kaptain-gitops from {o.settings_rel} and "
                    f"must not be patched; remove it from this file"))
    return problems
