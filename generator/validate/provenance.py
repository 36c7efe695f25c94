"""Where a key of the built output came from: the user file and line that introduced it.

``kubectl kustomize`` merges the generated files, the user's resources and manual Jobs, and the user's
patches into one stream without positions. A problem found in that stream (a schema violation, an API rule,
a patched schedule) is only useful at the line the user has to change. :class:`Provenance` maps a built
document plus a path inside it (the ``Violation.path`` of any validator, e.g.
``spec.jobTemplate.spec.template.spec.restartPolicy``) back to that line:

* patches are searched last-applied first (a later patch overrides an earlier one);
  a strategic-merge patch through its own YAML positions (list items matched by ``name`` as the merge
  does), a JSON 6902 patch through the operation whose path covers the key (and into its ``value``);
* then the resource or manual Job document that the built object came from;
* a patch that targets the object but does not hold the key is the last resort (its document start).

Exact matches win over matches of the parent (for a missing required field, the object holding it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.errors import GeneratorError
from generator.render.patches import read_target

Key = str | int
Parts = tuple[Key, ...]
Location = tuple[str, int, int]
SourceKind = Literal["resource", "smp", "json6902"]
_PLAIN = r"[A-Za-z_$][A-Za-z0-9_$-]*"
_TOKEN = re.compile(rf'\.?({_PLAIN})|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def parse_path(path: str) -> Parts:
    """``spec.containers[0].name`` / ``metadata.annotations["a/b"]`` → parts (inverse of ``format_path``)."""
    if path in ("", "(root)"):
        return ()
    parts: list[Key] = []
    pos = 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None:
            break
        if m.group(1) is not None:
            parts.append(m.group(1))
        elif m.group(2) is not None:
            parts.append(int(m.group(2)))
        else:
            parts.append(str(json.loads(m.group(3))))
        pos = m.end()
    return tuple(parts)


@dataclass
class Positioned:
    """One YAML document of a user file: its value and where each key and value was written."""

    file: str  # repo-relative display path
    value: Any
    start: tuple[int, int]
    keys: dict[Parts, tuple[int, int]] = field(default_factory=dict)
    values: dict[Parts, tuple[int, int]] = field(default_factory=dict)
    quoted: set[tuple[int, int]] = field(default_factory=set)  # positions of quoted scalars (the quote itself)

    def at(self, parts: Parts, *, value: bool = False) -> Location:
        pos = (self.values.get(parts) if value else None) or self.keys.get(parts) or self.values.get(parts)
        line, col = pos or self.start
        return self.file, line, col


def _walk(node: Node, parts: Parts, doc: Positioned) -> None:
    doc.values[parts] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                child = (*parts, key_node.value)
                doc.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                _walk(value_node, child, doc)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*parts, index), doc)
    elif isinstance(node, ScalarNode) and node.style in ("'", '"'):
        doc.quoted.add(doc.values[parts])


def load_positioned(text: str, display: str) -> list[Positioned]:
    """Every non-empty document of ``text`` with positions (a file that is not YAML yields nothing)."""
    loader = yaml.SafeLoader(text)
    out: list[Positioned] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            value = loader.construct_document(node)
            if value is None:
                continue
            doc = Positioned(display, value, (node.start_mark.line + 1, node.start_mark.column + 1))
            _walk(node, (), doc)
            out.append(doc)
    except yaml.YAMLError:
        pass  # kustomize reports a broken file itself; it then has no output to map
    finally:
        loader.dispose()
    return out


@dataclass
class Source:
    kind: SourceKind
    doc: Positioned
    target: dict[str, str]


def _identity(value: Any) -> tuple[str, str, str, str]:
    meta = value.get("metadata") if isinstance(value, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    return (str(value.get("apiVersion", "")), str(value.get("kind", "")), str(meta.get("name", "")),
            str(meta.get("namespace", "") or ""))


def _anchored(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return pattern == value


def _selector_matches(selector: str, labels: Any) -> bool:
    labels = labels if isinstance(labels, dict) else {}
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            k, v = (s.strip() for s in term.split("!=", 1))
            if labels.get(k) == v:
                return False
        elif "=" in term:
            k, v = (s.strip() for s in term.replace("==", "=").split("=", 1))
            if labels.get(k) != v:
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


def target_matches(target: dict[str, str], built: dict[str, Any]) -> bool:
    """kustomize's target selection: kind/group/version exact, name and namespace as anchored regexps."""
    api, kind, name, namespace = _identity(built)
    group, _, version = api.rpartition("/")
    meta = built.get("metadata") or {}
    checks = [
        "kind" not in target or target["kind"] == kind,
        "group" not in target or target["group"] == group,
        "version" not in target or target["version"] == version,
        "name" not in target or _anchored(target["name"], name),
        "namespace" not in target or _anchored(target["namespace"], namespace),
        "labelSelector" not in target or _selector_matches(target["labelSelector"], meta.get("labels")),
        "annotationSelector" not in target or _selector_matches(target["annotationSelector"], meta.get("annotations")),
    ]
    return all(checks)


def _smp_matches(patch: Any, built: dict[str, Any]) -> bool:
    p_api, p_kind, p_name, p_ns = _identity(patch)
    b_api, b_kind, b_name, b_ns = _identity(built)
    return p_kind == b_kind and p_name == b_name and (not p_ns or p_ns == b_ns) and \
        (not p_api or p_api.rpartition("/")[0] == b_api.rpartition("/")[0])


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _descend(value: Any, key: Key) -> Any:
    if isinstance(value, dict) and isinstance(key, str):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
        return value[key]
    return None


def _match_smp(doc: Positioned, built: dict[str, Any], parts: Parts) -> Parts:
    """The deepest prefix of ``parts`` (as patch-document parts) the strategic-merge patch holds."""
    patch, here = doc.value, built
    matched: Parts = ()
    for key in parts:
        if isinstance(key, int):
            if not isinstance(patch, list) or not isinstance(here, list) or key >= len(here):
                break
            item = here[key]
            index: int | None = None
            if isinstance(item, dict) and "name" in item:
                index = next((i for i, p in enumerate(patch) if isinstance(p, dict) and p.get("name") == item["name"]),
                             None)
            elif len(patch) == len(here):
                index = key
            if index is None:
                break
            patch, here, matched = patch[index], item, (*matched, index)
        else:
            if not isinstance(patch, dict) or key not in patch:
                break
            patch, here, matched = patch[key], _descend(here, key), (*matched, key)
    return matched


def _op_parts(op: dict[str, Any], built: dict[str, Any]) -> Parts:
    out: list[Key] = []
    here: Any = built
    for token in _pointer(str(op.get("path", ""))):
        key: Key = token
        if isinstance(here, list):
            key = len(here) - 1 if token == "-" else int(token) if token.isdigit() else token
        out.append(key)
        here = _descend(here, key)
    return tuple(out)


@dataclass
class Provenance:
    """User files of one overlay, in kustomize's application order (resources first, then patches)."""

    sources: list[Source] = field(default_factory=list)

    def inside(self, where: Location, col: int) -> Location:
        """``where`` (a scalar value's position) moved to column ``col`` of the scalar's text (past a quote)."""
        quoted = any(s.doc.file == where[0] and where[1:] in s.doc.quoted for s in self.sources)
        return where[0], where[1], where[2] + int(quoted) + col - 1

    def locate(self, built: dict[str, Any], parts: Parts, *, value: bool = False) -> Location | None:
        """File, line and column that introduced ``parts`` of the built document ``built`` (None: generated)."""
        patches = [s for s in reversed(self.sources) if s.kind != "resource" and self._targets(s, built)]
        for exact in (True, False):
            for s in patches:
                hit = self._in_patch(s, built, parts, exact, value)
                if hit:
                    return hit
        ident = _identity(built)
        for s in self.sources:
            if s.kind == "resource" and _identity(s.doc.value)[1:3] == ident[1:3]:
                for n in range(len(parts), -1, -1):
                    if parts[:n] in s.doc.values:
                        return s.doc.at(parts[:n], value=value and n == len(parts))
        if patches:
            doc = patches[0].doc
            return doc.file, doc.start[0], doc.start[1]
        return None

    @staticmethod
    def _targets(s: Source, built: dict[str, Any]) -> bool:
        if s.target:
            return target_matches(s.target, built)
        return s.kind == "smp" and _smp_matches(s.doc.value, built)

    @staticmethod
    def _in_patch(s: Source, built: dict[str, Any], parts: Parts, exact: bool, value: bool) -> Location | None:
        if s.kind == "smp":
            matched = _match_smp(s.doc, built, parts)
            if len(matched) == len(parts) or (not exact and len(matched) == len(parts) - 1 and len(matched) > 1):
                return s.doc.at(matched, value=value and len(matched) == len(parts))
            return None
        ops = s.doc.value if isinstance(s.doc.value, list) else []
        for index in range(len(ops) - 1, -1, -1):
            op = ops[index]
            if not isinstance(op, dict) or op.get("op") in ("remove", "test"):
                continue
            target = _op_parts(op, built)
            if parts[: len(target)] == target:
                rest = parts[len(target):]
                inner = (index, "value", *rest)
                if rest and inner in s.doc.values:
                    return s.doc.at(inner, value=value)
                if not rest or not exact:
                    return s.doc.at((index, "value") if value else (index,), value=value)
            elif not exact and target[: len(parts)] == parts:
                return s.doc.at((index,))
        return None


def load(overlay_dir: Path, overlay_rel: str, resources: Iterable[str], patches: Sequence[str]) -> Provenance:
    """Read an overlay's user files (overlay-relative paths) with positions, in application order."""
    prov = Provenance()
    for path, is_patch in [*((r, False) for r in resources), *((p, True) for p in patches)]:
        try:
            text = (overlay_dir / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        display = f"{overlay_rel}/{path}"
        docs = load_positioned(text, display)
        if not is_patch:
            prov.sources.extend(Source("resource", d, {}) for d in docs if isinstance(d.value, dict))
            continue
        try:
            target = dict(read_target(text, display))
        except GeneratorError:  # a bad header is reported when the kustomization is rendered
            target = {}
        for d in docs:
            kind: SourceKind = "json6902" if isinstance(d.value, list) else "smp"
            prov.sources.append(Source(kind, d, target))
    return prov


_MENTIONED_FILE = re.compile(r"(?<![\w/.-])((?:patches|resources|jobs)/[\w./-]*?\.ya?ml)\b")


def locate_message(message: str, overlay_dir: Path, overlay_rel: str, files: Sequence[Any]) -> Location | None:
    """Where a kustomize error belongs: a user file it names, or the patch whose object it could not find."""
    named = _MENTIONED_FILE.search(message)
    if named:
        line = 1
        return f"{overlay_rel}/{named.group(1)}", line, 1
    kust = next((f for f in files if getattr(f, "path", None) == "kustomization.yaml"), None)
    spec = kust.documents[0] if kust is not None and kust.documents else {}
    patches = [str(p.get("path")) for p in spec.get("patches") or [] if isinstance(p, dict)]
    for s in load(overlay_dir, overlay_rel, [], patches).sources:
        api, kind, name, namespace = _identity(s.doc.value)
        group, _, version = api.rpartition("/")
        resid = f"{kind}.{version}.{group or '[noGrp]'}/{name}.{namespace or '[noNs]'}"  # kustomize's ResId
        if s.kind == "smp" and kind and name and resid in message:
            return s.doc.at(("metadata", "name"), value=True)
    return None


SCHEDULE_PATHS = {"/spec/schedule": "schedule", "/spec/timeZone": "timeZone", "/spec/suspend": "suspend"}


def schedule_overrides(patches: Sequence[tuple[str, str]], cron_job: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    """What the patches (display path, text; in application order) set on ``cron_job``'s schedule, time zone
    and suspend flag: field → (value, patch file); the last patch wins, a JSON ``remove`` leaves None."""
    found: dict[str, tuple[Any, str]] = {}
    for display, text in patches:
        try:
            target = dict(read_target(text, display))
        except GeneratorError:
            target = {}
        if target and not target_matches(target, cron_job):
            continue
        for d in load_positioned(text, display):
            if isinstance(d.value, list):
                for op in d.value:
                    field_name = SCHEDULE_PATHS.get(str(op.get("path"))) if isinstance(op, dict) else None
                    if field_name and op.get("op") in ("add", "replace", "remove"):
                        found[field_name] = (op.get("value") if op.get("op") != "remove" else None, display)
            elif isinstance(d.value, dict) and (target or _smp_matches(d.value, cron_job)):
                spec = d.value.get("spec")
                for field_name in SCHEDULE_PATHS.values():
                    if isinstance(spec, dict) and field_name in spec:
                        found[field_name] = (spec[field_name], display)
    return found
