"""An overlay with user files, built in process exactly as ``kubectl kustomize`` builds it — or declined.

:func:`build` takes the generated documents, adds the user's ``resources/`` and ``jobs/`` files, applies the
``patches:`` in order (strategic merge: :mod:`generator.validate.smp`; JSON 6902:
:mod:`generator.validate.json6902`) and returns the documents in kustomize's order, or ``None`` when anything
is outside the proven subset; the overlay then goes to the real kubectl, which also reports every error (this
module never reports one of its own). The subset, proven byte for byte against kubectl by
``tests/test_patch_engine.py`` and ``tests/test_patch_engine_diff.py``:

* the kustomization has only ``resources`` (files, not directories) and ``patches`` (``path``, and for JSON
  6902 a ``target`` of group/version/kind/name/namespace that selects exactly one object and selects the same
  one read as a regular expression, as kustomize reads it);
* every user file is in :mod:`generator.validate.yaml_subset`; every object has apiVersion, kind (not a
  ``…List``, not a kustomize kind) and metadata.name, no ``*config.kubernetes.io/``/``*config.k8s.io/`` annotations
  or labels, and no two objects share an id;
* a strategic-merge patch names exactly one object by apiVersion, kind, name and namespace (a namespace on
  both sides, equal), has no target, and is on a kind of :data:`generator.validate.smp.KINDS`.

As kustomize does, an object whose ``metadata.annotations`` ends up empty is printed without it. A patched or
user object of a built-in kind whose values do not have the schema's JSON types (a map where a list belongs)
is declined: kustomize's name-reference pass walks such fields and fails.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from generator.render.overlay import KUSTOMIZATION, RenderedFile
from generator.validate.yaml_subset import Unsupported, load_user_yaml

Doc = dict[str, Any]
_TARGET_KEYS = ("group", "version", "kind", "name", "namespace")
_TARGET_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")
_INTERNAL = ("config.kubernetes.io", "config.k8s.io")  # kustomize.config.k8s.io/…, internal.config.kubernetes.io/…


def build(overlay_dir: Path, files: list[RenderedFile]) -> list[Doc] | None:
    """The documents ``kubectl kustomize overlay_dir`` prints (before kustomize's sort: the caller sorts them
    with :func:`generator.validate.kustomize.sort_documents`); None outside the proven subset."""
    try:
        return _build(Path(overlay_dir), files)
    except (Unsupported, OSError, UnicodeDecodeError, RecursionError):
        return None


def _build(overlay_dir: Path, files: list[RenderedFile]) -> list[Doc]:
    kust = next((f for f in files if f.path == KUSTOMIZATION), None)
    if kust is None or len(kust.documents) != 1 or not isinstance(kust.documents[0], dict):
        raise Unsupported("no generated kustomization")
    spec = kust.documents[0]
    if set(spec) - {"apiVersion", "kind", "resources", "patches"}:
        raise Unsupported("a kustomization field other than resources and patches")
    owned = {f.path: f for f in files if f.path != KUSTOMIZATION}
    docs: list[Doc] = []
    for entry in spec.get("resources") or []:
        if not isinstance(entry, str):
            raise Unsupported("a resource entry that is not a path")
        if entry in owned:
            docs.extend(owned[entry].documents)  # never changed in place: patches return new objects
        else:
            docs.extend(_resource(d) for d in _user_file(overlay_dir, entry))
    _unique(docs)
    untouched = {id(d) for f in owned.values() for d in f.documents}
    for entry in spec.get("patches") or []:
        if not isinstance(entry, dict) or set(entry) - {"path", "target"} or not isinstance(entry.get("path"), str):
            raise Unsupported("a patches entry other than {path, target}")
        patch_docs = _user_file(overlay_dir, entry["path"])
        if len(patch_docs) == 1 and isinstance(patch_docs[0], list):
            _apply_json6902(docs, patch_docs[0], entry.get("target"))
        elif patch_docs and all(isinstance(d, dict) for d in patch_docs) and "target" not in entry:
            for patch in patch_docs:
                _apply_smp(docs, patch)
        else:
            raise Unsupported("a patch file that is neither one JSON 6902 list nor strategic-merge maps")
    from generator.validate.smp import conforms

    for i, doc in enumerate(docs):
        if id(doc) in untouched:
            continue
        _check_labels(doc)
        if not conforms(doc):
            raise Unsupported(f"{doc['kind']} with a value of the wrong type (kustomize's name references fail)")
        if doc["metadata"].get("annotations") == {}:
            docs[i] = {**doc, "metadata": {k: v for k, v in doc["metadata"].items() if k != "annotations"}}
    _unique(docs)
    return docs


def _user_file(overlay_dir: Path, rel: str) -> list[Any]:
    path = overlay_dir / rel
    if rel.startswith("/") or ".." in Path(rel).parts or path.suffix not in (".yaml", ".yml"):
        raise Unsupported("a path outside the overlay or not a YAML file")
    if path.is_symlink() or not path.is_file():
        raise Unsupported("not a regular file")
    return load_user_yaml(path.read_text(encoding="utf-8"))


def _resource(doc: Any, *, patch: bool = False) -> Doc:
    if not isinstance(doc, dict):
        raise Unsupported("a resource document that is not a map")
    api, kind, meta = doc.get("apiVersion"), doc.get("kind"), doc.get("metadata")
    if not (isinstance(api, str) and api and isinstance(kind, str) and kind and isinstance(meta, dict)):
        raise Unsupported("a resource without apiVersion, kind or metadata")
    if kind.endswith("List") or kind in ("Kustomization", "Component") or "kustomize" in api or "config." in api:
        raise Unsupported(f"kind {kind} ({api})")
    name, namespace = meta.get("name"), meta.get("namespace", "")
    if not (isinstance(name, str) and name and isinstance(namespace, str)) or ("namespace" in meta and not namespace):
        raise Unsupported("a resource without a name, or with an empty namespace")
    _check_labels(doc, patch=patch)
    return doc


def _check_labels(doc: Doc, *, patch: bool = False) -> None:
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        raise Unsupported("metadata is not a map")
    allowed = (str, type(None)) if patch else (str,)  # a patch's null deletes a label
    for field in ("labels", "annotations"):
        values = meta.get(field, {})
        if not isinstance(values, dict) or not all(isinstance(v, allowed) for v in values.values()):
            raise Unsupported(f"{field} that are not a map of strings (kustomize would convert them)")
        if any(key.partition("/")[0].endswith(_INTERNAL) for key in values):
            raise Unsupported(f"{field} kustomize reads itself")


def _ident(doc: Doc) -> tuple[str, str, str, str]:
    meta = doc["metadata"]
    return doc["apiVersion"], doc["kind"], meta.get("namespace") or "default", meta["name"]


def _unique(docs: list[Doc]) -> None:
    if len({_ident(d) for d in docs}) != len(docs):
        raise Unsupported("two objects with the same id (kustomize refuses them)")


def _apply_smp(docs: list[Doc], patch: Doc) -> None:
    from generator.validate import smp

    _resource(patch, patch=True)
    meta = patch["metadata"]
    if not meta.get("namespace"):
        raise Unsupported("a strategic-merge patch without a namespace")
    same = [i for i, d in enumerate(docs)
            if d["kind"] == patch["kind"] and d["metadata"]["name"] == meta["name"]
            and (d["metadata"].get("namespace") or "default") == meta["namespace"]]
    if len(same) != 1 or docs[same[0]]["apiVersion"] != patch["apiVersion"] \
            or docs[same[0]]["metadata"].get("namespace") != meta["namespace"]:
        raise Unsupported("a strategic-merge patch that does not name exactly one object")
    docs[same[0]] = smp.merge(docs[same[0]], patch)


def _apply_json6902(docs: list[Doc], operations: list[Any], target: Any) -> None:
    from generator.validate import json6902

    if not isinstance(target, dict) or not target or set(target) - set(_TARGET_KEYS):
        raise Unsupported("a JSON 6902 target with selectors")
    if not all(isinstance(v, str) and _TARGET_VALUE.fullmatch(v) for v in target.values()):
        raise Unsupported("a JSON 6902 target value kustomize would read as a pattern")
    literal = [i for i, d in enumerate(docs) if _selected(d, target, regex=False)]
    pattern = [i for i, d in enumerate(docs) if _selected(d, target, regex=True)]
    if len(literal) != 1 or literal != pattern:
        raise Unsupported("a JSON 6902 target that does not select exactly one object")
    docs[literal[0]] = json6902.apply(docs[literal[0]], operations)
    _resource(docs[literal[0]])


def _selected(doc: Doc, target: dict[str, str], *, regex: bool) -> bool:
    group, _, version = doc["apiVersion"].rpartition("/")
    meta = doc["metadata"]
    namespace = meta.get("namespace", "")
    values = {"group": group, "version": version, "kind": doc["kind"], "name": meta["name"],
              "namespace": (namespace or "default") if regex else namespace}
    for key, wanted in target.items():
        if regex:
            if re.fullmatch(f"(?:{wanted})", values[key]) is None:
                return False
        elif values[key] != wanted:
            return False
    return True
