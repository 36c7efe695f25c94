"""``diff --base REF``: what each overlay's schedule change means, as Markdown for a pull request.

For every overlay whose settings.yaml differs between ``REF`` and the working tree, both versions
are validated and explained (meaning, runs per day, worst-case delay, problems, week picture).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.config.settings import parse_settings
from generator.errors import GeneratorError
from generator.pipeline import changes as gitutil
from generator.report.explain import Explanation, explain_schedule
from generator.schedule.durations import human_duration
from generator.write import overlays as ov


@dataclass
class Side:
    present: bool
    error: str | None = None
    schedule: str | None = None
    time_zone: str | None = None
    enabled: bool | None = None
    explanation: Explanation | None = None


@dataclass
class OverlayDiff:
    overlay: str
    old: Side
    new: Side


@dataclass
class DiffResult:
    base: str
    overlays: list[OverlayDiff] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(d.new.error or (d.new.explanation and d.new.explanation.has_errors) for d in self.overlays)


def _side(data: bytes | None, name: str) -> Side:
    if data is None:
        return Side(present=False)
    try:
        loaded = parse_settings(data, name)
    except GeneratorError as err:
        return Side(present=True, error=f"{err.file}:{err.line}:{err.col}: {err.message} ({err.rule})")
    s = loaded.settings
    exp = explain_schedule(s.schedule, s.time_zone, count=0, min_interval_minutes=s.min_interval_minutes,
                           max_delay_hours=s.max_delay_hours)
    return Side(True, None, s.schedule, s.time_zone, s.enable_secret_rotation, exp)


def diff_settings(root: Path, base: str) -> DiffResult:
    result = DiffResult(base)
    paths = set(gitutil.settings_paths_at(root, base))
    paths.update(o.settings_rel for o in ov.discover(root))
    for path in sorted(paths):
        old = gitutil.show(root, base, path)
        current = root / path
        new = ov.read_bytes_safe(current)
        if old == new:
            continue
        result.overlays.append(OverlayDiff(path.rsplit("/", 1)[0], _side(old, f"{path} ({base})"), _side(new, path)))
    return result


def _cell(side: Side, what: str) -> str:
    if not side.present:
        return "—"
    if side.error:
        return "invalid"
    e = side.explanation
    a = e.analysis if e else None
    if what == "schedule":
        zone = f" ({side.time_zone})" if side.time_zone else ""
        return f"`{side.schedule}`{zone}" + ("" if side.enabled else " — suspended")
    if a is None:
        return "invalid"
    if what == "meaning":
        return a.description
    if what == "runs":
        return f"{a.runs_per_day:,.2f}".rstrip("0").rstrip(".") if a.fires else "never"
    if what == "delay":
        return human_duration(a.worst_case_delay) if a.worst_case_delay is not None else "never runs"
    return ""


def _problems(side: Side) -> list[str]:
    if side.error:
        return [f"error: {side.error}"]
    if side.explanation is None:
        return []
    return [f"{f.level}: {f.message} ({f.rule})" for f in side.explanation.findings]


def format_markdown(result: DiffResult) -> str:
    lines = [f"## Certificate rotation schedule changes (vs `{result.base}`)", ""]
    if not result.overlays:
        lines.append("No overlay settings changed.")
        return "\n".join(lines) + "\n"
    for d in result.overlays:
        verdict = "❌" if (d.new.error or (d.new.explanation and d.new.explanation.has_errors)) else "✅"
        state = "added" if not d.old.present else "removed" if not d.new.present else "changed"
        lines += [f"### {verdict} `{d.overlay}` ({state})", "", "| | before | after |", "|---|---|---|"]
        for label, what in (("Schedule", "schedule"), ("Meaning", "meaning"), ("Runs per day", "runs"),
                            ("Worst-case delay", "delay")):
            lines.append(f"| {label} | {_cell(d.old, what)} | {_cell(d.new, what)} |")
        lines.append("")
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
            "present": s.present, "error": s.error, "schedule": s.schedule, "timeZone": s.time_zone,
            "enabled": s.enabled, "description": a.description if a else None,
            "runsPerDay": a.runs_per_day if a else None,
            "worstCaseDelaySeconds": int(a.worst_case_delay.total_seconds()) if a and a.worst_case_delay else None,
            "problems": _problems(s),
        }

    return {"schema": "kaptain-gitops/diff/v1", "base": result.base,
            "overlays": [{"overlay": d.overlay, "before": side(d.old), "after": side(d.new)} for d in result.overlays]}


def format_diff(result: DiffResult, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"
    return format_markdown(result)
