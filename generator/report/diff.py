"""``diff --base REF``: what each overlay's schedule change means, as Markdown for a pull request.

For every overlay whose settings.yaml or patches differ between ``REF`` and the working tree, both versions
are validated and explained (meaning, runs per day, worst-case delay, problems, week picture). The schedule
shown is the one the cluster gets: a patch that sets the CronJob's schedule, time zone or suspend flag is
applied on top of the settings (and flagged, since ``check`` refuses it). An edit that leaves the settings and
patches the same (comments, quoting, key order) is not a change. Problems read exactly as ``validate`` prints
them, hints included. A removed or suspended overlay is flagged ⚠️: nothing rotates that cluster's CA on
schedule any more.
A ``rotation.mode`` change gets its own row, and where Kaptain values are rendered (``kaptain-chart`` clusters, and
every cluster when gitops.yaml has a ``kommander`` section) the change of the cluster's ``values.yaml`` is shown as
a unified diff: that is what Kommander will hand Kaptain's chart.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.config.rotation_mode import KAPTAIN_CHART
from generator.config.settings import Settings, parse_settings
from generator.errors import GeneratorError
from generator.pipeline import changes as gitutil
from generator.problems import Problem
from generator.render.delivery_config import load_delivery_config
from generator.render.kommander import values_yaml
from generator.report.explain import Explanation, explain_schedule
from generator.report.reaction import watch_figures, watch_text
from generator.schedule.durations import human_duration
from generator.write import discovery


@dataclass
class Side:
    present: bool
    errors: list[str] = field(default_factory=list)
    schedule: str | None = None
    time_zone: str | None = None
    enabled: bool | None = None
    explanation: Explanation | None = None
    patched: dict[str, str] = field(default_factory=dict)  # CronJob field → patch file that sets it
    watch: tuple[int, int] | None = None  # (resyncSeconds, backoffMaxSeconds) with rotation.trigger: watch
    settings: Settings | None = None
    mode: str | None = None
    values: str | None = None  # the cluster's Kaptain values.yaml (deploy/kommander), where rendered

    @property
    def error(self) -> str | None:
        return self.errors[0] if self.errors else None


@dataclass
class OverlayDiff:
    overlay: str
    old: Side
    new: Side

    @property
    def verdict(self) -> str:
        if self.new.errors or self.new.patched or (self.new.explanation and self.new.explanation.has_errors):
            return "❌"
        return "⚠️" if self.removed or self.suspended else "✅"

    @property
    def removed(self) -> bool:
        return self.old.present and not self.new.present

    @property
    def suspended(self) -> bool:
        return self.new.present and self.new.enabled is False


@dataclass
class DiffResult:
    base: str
    overlays: list[OverlayDiff] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(d.verdict == "❌" for d in self.overlays)


Patches = list[tuple[str, str]]  # (repo-relative path, text), in kustomize's application order


def _side(data: bytes | None, name: str, patches: Patches, kommander: tuple[bool, str | None] = (False, None)) -> Side:
    """One version of a settings file; ``kommander`` = (gitops.yaml has a kommander section, global.workspace)."""
    if data is None:
        return Side(present=False)
    try:
        loaded = parse_settings(data, name)
    except GeneratorError as err:
        return Side(present=True, errors=[f"{p.file}:{p.line}:{p.col}: {p.message} ({p.rule})"
                                          for p in Problem.from_errors(err, name)])
    s = loaded.settings
    schedule, time_zone, enabled = s.schedule, s.time_zone, s.enable_secret_rotation
    patched: dict[str, str] = {}
    if patches:
        from generator.render.overlay import labels
        from generator.validate.provenance import schedule_overrides

        cron = {"apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": s.cron_job_name, "namespace": s.namespace, "labels": labels()}}
        for what, (value, file) in schedule_overrides(patches, cron).items():
            patched[what] = file
            if what == "schedule":
                schedule = str(value)
            elif what == "timeZone":
                time_zone = None if value is None else str(value)
            else:
                enabled = value is not True
    watch = (s.watch_resync_seconds, s.watch_backoff_max_seconds) if s.trigger == "watch" else None
    exp = explain_schedule(schedule, time_zone, count=0, min_interval_minutes=s.min_interval_minutes,
                           max_delay_hours=s.max_delay_hours, watch=watch)
    if s.chart_mode:  # Kaptain's chart has no time-zone value: nothing to fix, the UTC assumption is shown instead
        exp.findings = [f for f in exp.findings if f.rule != "no-time-zone"]
    values = values_yaml(s, kommander[1]) if s.chart_mode or kommander[0] else None
    return Side(True, [], schedule, time_zone, enabled, exp, patched, watch, s, s.mode, values)


def _kommander(root: Path) -> tuple[bool, str | None]:
    """Whether the working tree's gitops.yaml renders deploy/kommander, and the global.workspace it sets."""
    try:
        config = load_delivery_config(root)
    except GeneratorError:
        return False, None
    k = config.kommander if config else None
    return k is not None, (k.workspace if k is not None and k.global_workspace else None)


def _patches_now(root: Path, overlay: str) -> Patches:
    o = discovery.Overlay(root / overlay, overlay)
    try:
        files = discovery.user_files(root, o, "patches")
    except GeneratorError:
        return []
    return [(f"{overlay}/{f}", (o.path / f).read_text(encoding="utf-8", errors="replace")) for f in files]


def _patches_at(root: Path, base: str, overlay: str) -> Patches:
    out = []
    for path in gitutil.files_at(root, base, f"{overlay}/patches"):
        data = gitutil.show(root, base, path) if path.endswith((".yaml", ".yml")) else None
        if data is not None:
            out.append((path, data.decode("utf-8", errors="replace")))
    return out


def diff_settings(root: Path, base: str) -> DiffResult:
    result = DiffResult(base)
    paths = set(gitutil.settings_paths_at(root, base))
    paths.update(o.settings_rel for o in discovery.discover(root))
    changed = gitutil.changed_files(root, base)
    kommander = _kommander(root)
    for path in sorted(paths):
        overlay = path.rsplit("/", 1)[0]
        old = gitutil.show(root, base, path)
        current = root / path
        new = discovery.read_bytes_safe(current)
        patches_changed = any(c.startswith(f"{overlay}/patches/") for c in changed)
        if old == new and not patches_changed:
            continue
        new_patches = _patches_now(root, overlay)
        old_patches = _patches_at(root, base, overlay) if patches_changed else new_patches
        old_side = _side(old, f"{path} ({base})", old_patches, kommander)
        new_side = _side(new, path, new_patches, kommander)
        if old == new and (old_side.schedule, old_side.time_zone, old_side.enabled) == \
                (new_side.schedule, new_side.time_zone, new_side.enabled):
            continue  # a patch changed, but not what the CronJob runs
        if not patches_changed and old_side.settings is not None and old_side.settings == new_side.settings:
            continue  # comments, quoting or key order only: the same settings
        result.overlays.append(OverlayDiff(overlay, old_side, new_side))
    return result


def _cell(side: Side, what: str) -> str:
    if not side.present:
        return "—"
    if side.error:
        return "invalid"
    e = side.explanation
    a = e.analysis if e else None
    if what == "mode":
        return f"`{side.mode}`"
    if what == "schedule":
        zone = f" ({side.time_zone})" if side.time_zone else ""
        if side.mode == KAPTAIN_CHART:
            zone = " (controller's zone, UTC assumed)"
        source = f" — patched by `{next(iter(sorted(set(side.patched.values()))))}`" if side.patched else ""
        return f"`{side.schedule}`{zone}" + ("" if side.enabled else " — suspended") + source
    if a is None:
        return "invalid"
    if what == "meaning":
        return a.description
    if what == "runs":
        return f"{a.runs_per_day:,.2f}".rstrip("0").rstrip(".") if a.fires else "never"
    if what == "delay":
        delay = human_duration(a.worst_case_delay) if a.worst_case_delay is not None else "never runs"
        return f"{delay} (backstop)" if side.watch else delay
    if what == "reaction":
        return watch_text(*side.watch) if side.watch else "— (schedule only)"
    return ""


def _problems(side: Side) -> list[str]:
    if side.errors:
        return [f"error: {e}" for e in side.errors]
    out = [f"error: spec.{what} is set by {file}; `check` refuses it: set it in settings.yaml instead "
           "(patched-schedule)" for what, file in sorted(side.patched.items())]
    if side.explanation is None:
        return out
    return [*out, *(f"{f.level}: {f.message} ({f.rule})" for f in side.explanation.findings)]


def format_markdown(result: DiffResult) -> str:
    lines = [f"## Certificate rotation schedule changes (vs `{result.base}`)", ""]
    if not result.overlays:
        lines.append("No overlay settings changed.")
        return "\n".join(lines) + "\n"
    for d in result.overlays:
        state = "added" if not d.old.present else "removed" if not d.new.present else "changed"
        lines += [f"### {d.verdict} `{d.overlay}` ({state})", ""]
        if d.removed:
            lines += ["**Removed:** once Argo CD or Flux prune it, nothing rotates this cluster's CA bundle.", ""]
        elif d.suspended:
            lines += [("**Suspended:** `enableSecretRotation: false` renders the CronJob with `suspend: true`; "
                      "only manual Jobs rotate the CA bundle."), ""]
        lines += ["| | before | after |", "|---|---|---|"]
        rows: list[tuple[str, str]] = [("Schedule", "schedule"), ("Meaning", "meaning"),
                                       ("Runs per day", "runs"), ("Worst-case delay", "delay")]
        if d.old.watch or d.new.watch:
            rows.append(("Reaction time", "reaction"))
        if KAPTAIN_CHART in (d.old.mode, d.new.mode):  # standalone-only summaries stay as they were
            rows.insert(0, ("Rotation mode", "mode"))
        for label, what in rows:
            lines.append(f"| {label} | {_cell(d.old, what)} | {_cell(d.new, what)} |")
        lines.append("")
        if d.old.mode and d.new.mode and d.old.mode != d.new.mode:
            lines += [(f"**Rotation mode changes from `{d.old.mode}` to `{d.new.mode}`**: see docs/delivery.md "
                       "(switching modes) for the order of the handover."), ""]
        if (d.old.values or d.new.values) and d.old.values != d.new.values:
            changes = difflib.unified_diff((d.old.values or "").splitlines(), (d.new.values or "").splitlines(),
                                           "before/values.yaml", "after/values.yaml", lineterm="")
            lines += ["Kaptain values for this cluster (deploy/kommander, `values.yaml`):", "", "```diff",
                      *changes, "```", ""]
        problems = _problems(d.new)
        if problems:
            lines.append("**Problems after the change:**")
            lines.extend(f"- {p}" for p in problems)
            lines.append("")
        if d.new.explanation and d.new.explanation.picture:
            lines += ["Week after the change (one column per hour):", "", "```", *d.new.explanation.picture, "```", ""]
    return "\n".join(lines) + "\n"


def as_dict(result: DiffResult) -> dict[str, Any]:
    def side(s: Side) -> dict[str, Any]:
        a = s.explanation.analysis if s.explanation else None
        return {
            "present": s.present, "error": s.error, "errors": s.errors, "schedule": s.schedule,
            "timeZone": s.time_zone, "enabled": s.enabled, "mode": s.mode, "kaptainValues": s.values,
            "description": a.description if a else None,
            "runsPerDay": a.runs_per_day if a else None,
            "worstCaseDelaySeconds": int(a.worst_case_delay.total_seconds()) if a and a.worst_case_delay else None,
            "watch": watch_figures(*s.watch) if s.watch else None,
            "problems": _problems(s), "patchedBy": dict(sorted(s.patched.items())),
        }

    return {"schema": "kaptain-gitops/diff/v1", "base": result.base,
            "overlays": [{"overlay": d.overlay, "verdict": {"❌": "error", "⚠️": "warning", "✅": "ok"}[d.verdict],
                          "before": side(d.old), "after": side(d.new)} for d in result.overlays]}


def format_diff(result: DiffResult, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"
    return format_markdown(result)
