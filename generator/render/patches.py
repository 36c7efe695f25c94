"""User patch files as kustomize's ``patches: [{path, target}]`` entries.

A file under ``overlays/<o>/patches/`` is listed in the generated kustomization as it is. A strategic-merge
patch names its object itself (apiVersion, kind, metadata.name and namespace). A JSON 6902 patch (a YAML
list of ``op``/``path`` operations) needs a *target*, which kustomize takes from the kustomization; the
user declares it in the patch file's leading comment block, with exactly the fields kustomize's ``target``
has::

    # kaptain-gitops-target: {kind: CronJob, name: kaptain-ingress-cert-secret-rotation}
    - op: replace
      path: /spec/concurrencyPolicy
      value: Replace

A strategic-merge patch may declare a target too (kustomize then applies it to every matching object).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from generator.errors import OverlayError

TARGET_MARK = "kaptain-gitops-target:"
TARGET_KEYS = ("group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector")
JSON6902_OPS = ("add", "remove", "replace", "move", "copy", "test")
_HEADER = re.compile(r"^#\s*" + re.escape(TARGET_MARK) + r"\s*(?P<value>.*?)\s*$")
EXAMPLE = f"# {TARGET_MARK} {{kind: CronJob, name: kaptain-ingress-cert-secret-rotation}}"


@dataclass(frozen=True)
class PatchEntry:
    """One ``patches:`` entry of the generated kustomization."""

    path: str  # overlay-relative
    target: tuple[tuple[str, str], ...] = ()  # kustomize target fields, in TARGET_KEYS order

    def as_mapping(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"path": self.path}
        if self.target:
            entry["target"] = dict(self.target)
        return entry


def read_target(text: str, display: str) -> tuple[tuple[str, str], ...]:
    """The target declared in the leading comment block of a patch file's text (empty when none)."""
    import yaml

    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        match = _HEADER.match(stripped)
        if match is None:
            continue
        col = line.index(TARGET_MARK) + len(TARGET_MARK) + 1
        try:
            value = yaml.safe_load(match.group("value") or "null")
        except yaml.YAMLError:
            value = None
        if not isinstance(value, dict) or not value:
            raise OverlayError(f"the patch target is not a YAML mapping: {match.group('value')!r}", file=display,
                               line=number, col=col, rule="patch-target", hint=f"write it like: {EXAMPLE}")
        unknown = [k for k in value if k not in TARGET_KEYS]
        if unknown:
            raise OverlayError(f"unknown patch target field {unknown[0]!r}", file=display, line=number, col=col,
                               rule="patch-target",
                               hint=f"kustomize's target fields are {', '.join(TARGET_KEYS)}")
        bad = [k for k, v in value.items() if not isinstance(v, str) or not v]
        if bad:
            raise OverlayError(f"patch target field {bad[0]!r} must be a non-empty string", file=display,
                               line=number, col=col, rule="patch-target", hint=f"write it like: {EXAMPLE}")
        return tuple((k, value[k]) for k in TARGET_KEYS if k in value)
    return ()


def is_json6902(docs: list[Any]) -> bool:
    """A JSON 6902 patch: one document holding a list of operations (mappings with ``op``)."""
    return len(docs) == 1 and isinstance(docs[0], list) and all(isinstance(op, dict) and "op" in op for op in docs[0])


def patch_entry(path: str, text: str, display: str) -> PatchEntry:
    """The kustomization entry for one patch file; a JSON 6902 patch without a declared target is refused."""
    import yaml

    target = read_target(text, display)
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise OverlayError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", file=display,
                           line=mark.line + 1 if mark else 1, col=mark.column + 1 if mark else 1,
                           rule="patch-yaml", hint="fix the YAML syntax of the patch") from None
    if not docs:
        raise OverlayError("the patch file is empty", file=display, rule="patch-empty",
                           hint="write a strategic-merge patch or a JSON 6902 patch, or delete the file")
    if isinstance(docs[0], list) and not target:
        raise OverlayError("a JSON 6902 patch (a list of operations) needs a target", file=display,
                           rule="patch-target-missing",
                           hint=f"declare it in a comment at the top of the file, e.g. {EXAMPLE}")
    if isinstance(docs[0], list):
        _check_operations(text, display)
    return PatchEntry(path, target)


def _check_operations(text: str, display: str) -> None:
    """Each JSON 6902 operation well formed (kubectl's own message would name neither file nor line)."""
    import yaml

    node = yaml.compose(text, Loader=yaml.SafeLoader)
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    for item in items:
        line, col = item.start_mark.line + 1, item.start_mark.column + 1
        op = yaml.safe_load(yaml.serialize(item)) if isinstance(item, yaml.MappingNode) else None
        problem = None
        if not isinstance(op, dict):
            problem = "a JSON 6902 operation must be a mapping with op and path"
        elif op.get("op") not in JSON6902_OPS:
            problem = f"unknown JSON 6902 op {op.get('op')!r}; use one of {', '.join(JSON6902_OPS)}"
        elif not isinstance(op.get("path"), str) or not (op["path"] == "" or op["path"].startswith("/")):
            problem = "a JSON 6902 path is a JSON pointer starting with '/', e.g. /spec/suspend"
        elif op["op"] in ("move", "copy") and not isinstance(op.get("from"), str):
            problem = f"a JSON 6902 {op['op']} operation needs from: (a JSON pointer)"
        elif op["op"] in ("add", "replace", "test") and "value" not in op:
            problem = f"a JSON 6902 {op['op']} operation needs a value"
        if problem:
            raise OverlayError(problem, file=display, line=line, col=col, rule="json-patch",
                               hint="see RFC 6902; each item is {op, path, value} (or from for move/copy)")
