"""Reporters: the only place that turns results into text. The CLI picks one by ``--format``.

* ``text``   — ``file:line:col: [level] message (rule)`` lines, failures first, then a summary line;
* ``github`` — workflow commands (``::error file=…,line=…,col=…,title=rule::message``), like yamllint;
* ``json``   — a stable document (``"schema": "kaptain-gitops/check/v1"``) for scripts.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate starts without importing typing (#16)
if TYPE_CHECKING:
    from typing import Any

    from generator.pipeline.records import OverlayReport, RunReport
    from generator.problems import Problem


def problem_line(p: Problem) -> str:
    return f"{p.file}:{p.line}:{p.col}: [{p.level}] {p.message} ({p.rule})"


def _gh_escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def github_line(p: Problem) -> str:
    return (f"::{p.level} file={_gh_escape(p.file, prop=True)},line={p.line},col={p.col},"
            f"title={_gh_escape(p.rule, prop=True)}::{_gh_escape(p.message)}")


def problem_dict(p: Problem) -> dict[str, Any]:
    return {"file": p.file, "line": p.line, "col": p.col, "level": p.level, "rule": p.rule, "message": p.message}


def summary_line(run: RunReport) -> str:
    c = run.counts()
    n = len(run.overlays)
    noun = "overlay" if n == 1 else "overlays"
    deploy = f"; deploy/ {run.delivery.status.replace('-', ' ')}" if run.delivery else ""
    if run.orphans:
        k = len(run.orphans)
        deploy += f"; {k} folder{'' if k == 1 else 's'} without settings.yaml"
    if run.command == "check":
        return f"{n} {noun}: {c['up-to-date']} up to date, {c['stale']} stale, {c['failed']} failed{deploy}"
    blocked = f", {c['not-written']} not written" if c["not-written"] else ""
    return (f"{n} {noun}: {c['rendered']} rendered, {c['up-to-date']} up to date, {c['failed']} failed{blocked}"
            f"{deploy}")


def _ordered(run: RunReport) -> list[OverlayReport]:
    rank = {"failed": 0, "stale": 1, "not-written": 2, "rendered": 3, "up-to-date": 4}
    reports = [*run.overlays, *run.orphans, *([run.delivery] if run.delivery else [])]
    return sorted(reports, key=lambda r: (rank[r.status], r.overlay))


def _problems(run: RunReport) -> list[Problem]:
    out = list(run.problems)
    for r in _ordered(run):
        out.extend(sorted(r.problems, key=lambda p: (p.level != "error", p.file, p.line, p.col, p.rule)))
    return out


def _report_dict(r: OverlayReport) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "overlay": r.overlay,
        "status": r.status,
        "changes": [{"path": f"{r.overlay}/{c.path}", "action": c.action} for c in r.changes],
        "problems": [problem_dict(p) for p in r.problems],
    }
    if r.settings is not None and not r.errors:
        from generator.report.reaction import rotation_figures

        doc["rotation"] = rotation_figures(r.settings)
    return doc


def format_run(run: RunReport, fmt: str, *, verbose: bool = False) -> tuple[str, str]:
    """(stdout, stderr) text for a render/check run."""
    if fmt == "json":
        import json  # only this format needs it: validate's text and github output start without it (#16)

        doc = {
            "schema": f"kaptain-gitops/{run.command}/v1",
            "ok": run.ok(False),
            "summary": run.counts() | {"overlays": len(run.overlays)},
            "problems": [problem_dict(p) for p in run.problems],
            "overlays": [_report_dict(r) for r in _ordered(run) if r is not run.delivery and r not in run.orphans],
            "orphans": [_report_dict(r) for r in run.orphans],
            "deploy": _report_dict(run.delivery) if run.delivery else None,
            "notices": run.notices,
        }
        return json.dumps(doc, indent=2, sort_keys=False) + "\n", ""
    lines: list[str] = []
    if fmt == "github":
        lines.extend(github_line(p) for p in _problems(run))
    else:
        lines.extend(problem_line(p) for p in _problems(run))
        if verbose or run.command == "render":
            for r in _ordered(run):
                if r.status == "rendered" or (verbose and r.changes):
                    lines.extend(f"{r.overlay}/{c.path}: {c.action}d" for c in r.changes)
    notes = [f"note: {n}" for n in run.notices]
    out = "\n".join([*lines, *notes, summary_line(run)]) + "\n"
    return out, ""


def format_problems(problems: list[Problem], fmt: str) -> str:
    if fmt == "json":
        import json

        return json.dumps({"problems": [problem_dict(p) for p in problems]}, indent=2) + "\n"
    render = github_line if fmt == "github" else problem_line
    return "".join(render(p) + "\n" for p in problems)
