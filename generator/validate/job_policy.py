"""A manual Job runs at most once per Git change: no ``ttlSecondsAfterFinished`` on a built Job.

Argo CD (self-heal, or the next automated sync) and Flux (the next reconcile) re-create a Job that is in
Git but missing in the cluster. When the TTL controller deletes a finished Job, it comes back and the
rotation runs again, once per TTL, forever (argo-cd #9163). Every Job in an overlay's built output is a
Job that Git keeps alive, so any ``ttlSecondsAfterFinished`` on one is refused, wherever it came from.

The problem points at the user file that sets the field: a ``jobs/`` file, a ``resources/`` file or a
strategic-merge patch under ``patches/`` naming that Job (kind ``Job``, same name). Kustomize's output has
no provenance, so when no such file is found (a component, a patch in another form) the problem points at
the overlay's ``kustomization.yaml`` and says what to look for.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from generator.problems import Problem

RULE = "job-ttl"
FIELD = "ttlSecondsAfterFinished"
SOURCE_DIRS = ("jobs", "patches", "resources")

_WHY = ("a Job in Git that the TTL controller deletes is re-created by Argo CD or Flux and runs the rotation "
        "again after every TTL")
_HINT = ("remove {field}; to retire the Job, take it out of Git (`kaptain-gitops trigger {overlay} --name {name} "
         "--remove` for a manual Job); see docs/delivery.md, 'A manual Job runs at most once per Git change'")


def _mapping_get(node: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    return None


def _scalar(node: yaml.Node, *path: str) -> str | None:
    for key in path:
        found = _mapping_get(node, key)
        if found is None:
            return None
        node = found[1]
    return node.value if isinstance(node, yaml.ScalarNode) else None


def ttl_sources(text: str) -> list[tuple[str, int, int]]:
    """(Job name, line, col) of every Job document in ``text`` that sets ``spec.ttlSecondsAfterFinished``."""
    out: list[tuple[str, int, int]] = []
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return out  # unreadable files are reported by the build itself
    for node in nodes:
        if node is None or _scalar(node, "kind") != "Job":
            continue
        spec = _mapping_get(node, "spec")
        found = _mapping_get(spec[1], FIELD) if spec else None
        if found is not None:
            mark = found[0].start_mark
            out.append((_scalar(node, "metadata", "name") or "", mark.line + 1, mark.column + 1))
    return out


def _locate(overlay_path: Path, overlay_rel: str, job: str) -> tuple[str, int, int] | None:
    for sub in SOURCE_DIRS:
        d = overlay_path / sub
        if not d.is_dir():
            continue
        for p in sorted(d.iterdir()):
            if p.suffix not in (".yaml", ".yml") or not p.is_file():
                continue
            for name, line, col in ttl_sources(p.read_text(encoding="utf-8", errors="replace")):
                if name == job:
                    return f"{overlay_rel}/{sub}/{p.name}", line, col
    return None


def ttl_problems(overlay_path: Path, overlay_rel: str, docs: list[dict[str, Any]],
                 where: Callable[[dict[str, Any]], tuple[str, int, int] | None] | None = None) -> list[Problem]:
    """One error per built Job carrying ``spec.ttlSecondsAfterFinished``, at the file and line that set it.

    ``where`` (the overlay's provenance, when the caller has it) places the field first; it also finds JSON 6902
    patches and nested folders."""
    problems = []
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("kind") != "Job":
            continue
        spec = doc.get("spec")
        if not isinstance(spec, dict) or spec.get(FIELD) is None:
            continue
        name = str((doc.get("metadata") or {}).get("name") or "")
        found = (where(doc) if where else None) or _locate(overlay_path, overlay_rel, name)
        hint = _HINT.format(field=FIELD, overlay=overlay_rel, name=name or "NAME")
        message = f"Job/{name} has spec.{FIELD}: {spec[FIELD]}; {_WHY}; {hint}"
        if found is None:
            problems.append(Problem(f"{overlay_rel}/kustomization.yaml", 1, 1, "error", RULE,
                                    f"built {message} (set outside jobs/, patches/ and resources/: "
                                    f"search the overlay for {FIELD})"))
        else:
            problems.append(Problem(found[0], found[1], found[2], "error", RULE, message))
    return problems


__all__ = ["FIELD", "RULE", "ttl_problems", "ttl_sources"]
