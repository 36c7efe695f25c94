"""Strategic-merge patches as kustomize applies them (kyaml's merge2), for the proven subset only.

What kustomize does, and this module reproduces (``tests/test_patch_engine*.py`` compare bytes with the real
``kubectl kustomize``):

* maps merge field by field; a ``null`` deletes the field (and is dropped where nothing is there to delete, so
  ``labels: {a: null}`` on an object without labels leaves ``labels: {}``); ``{}`` merges nothing;
* a list whose schema has a patch merge key (containers, initContainers, volumes, imagePullSecrets, env,
  volumeMounts) merges element by element: the patch's elements first, in the patch's order (an element
  present on both sides merged recursively), then the object's other elements in their order;
* any other list, and any scalar, is replaced by the patch's value.

Merge keys come from the vendored Kubernetes schema (``schemas/kubernetes/v1.30.0-standalone-strict``);
kustomize uses the OpenAPI document built into kubectl. Everything this module is not sure of raises
:class:`~generator.validate.yaml_subset.Unsupported`: ``$patch``/``$setElementOrder``/``$retainKeys``/
``$deleteFromPrimitiveList`` directives, fields the schema does not know, other merge-key lists (ports,
topologySpreadConstraints, finalizers, …, whose keys are composite or newer than kubectl's document),
kinds outside :data:`KINDS`, a patch that changes a value's type, ``null`` inside a replaced list, an empty
patch list.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from generator.validate.yaml_subset import Unsupported, contains_null

SCHEMA_VERSION = "v1.30.0-standalone-strict"
# (apiVersion, kind) → schema definition: the kinds whose merge keys the differential test proves
KINDS = {
    ("v1", "ConfigMap"): "io.k8s.api.core.v1.ConfigMap",
    ("v1", "Secret"): "io.k8s.api.core.v1.Secret",
    ("v1", "ServiceAccount"): "io.k8s.api.core.v1.ServiceAccount",
    ("batch/v1", "CronJob"): "io.k8s.api.batch.v1.CronJob",
    ("batch/v1", "Job"): "io.k8s.api.batch.v1.Job",
    ("rbac.authorization.k8s.io/v1", "Role"): "io.k8s.api.rbac.v1.Role",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "io.k8s.api.rbac.v1.RoleBinding",
}
# lists merged by key: (definition, field) → merge key; every other list with a merge strategy is declined
MERGE_LISTS = {
    ("io.k8s.api.core.v1.PodSpec", "containers"): "name",
    ("io.k8s.api.core.v1.PodSpec", "initContainers"): "name",
    ("io.k8s.api.core.v1.PodSpec", "volumes"): "name",
    ("io.k8s.api.core.v1.PodSpec", "imagePullSecrets"): "name",
    ("io.k8s.api.core.v1.Container", "env"): "name",
    ("io.k8s.api.core.v1.Container", "volumeMounts"): "mountPath",
}
_REF = "#/$defs/"


@functools.cache
def _definitions() -> dict[str, Any]:
    from generator.resources import schemas_dir

    path = schemas_dir() / "kubernetes" / SCHEMA_VERSION / "_definitions.json"
    defs: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["$defs"]
    return defs


class Schema:
    """A node of the schema: a named definition (object with properties) or an inline one."""

    def __init__(self, body: dict[str, Any], name: str = "") -> None:
        ref = body.get("$ref")
        if isinstance(ref, str):
            name = ref.removeprefix(_REF)
            body = _definitions()[name]
        self.name, self.body = name, body

    @classmethod
    def of(cls, definition: str) -> Schema:
        return cls(_definitions()[definition], definition)

    def types(self) -> set[str]:
        kind = self.body.get("type", [])
        return {kind} if isinstance(kind, str) else set(kind)

    def field(self, key: str) -> tuple[Schema, str | None]:
        """The schema of a map's field, and the merge key when the field is a proven merge list."""
        props = self.body.get("properties")
        if isinstance(props, dict) and key in props:
            sub = props[key]
            if "x-kubernetes-patch-strategy" in sub or "x-kubernetes-patch-merge-key" in sub:
                merge_key = MERGE_LISTS.get((self.name, key))
                if merge_key is None or sub.get("x-kubernetes-patch-merge-key") != merge_key:
                    raise Unsupported(f"{self.name}.{key}: a merge strategy not proven")
                return Schema(sub), merge_key
            return Schema(sub), None
        extra = self.body.get("additionalProperties")
        if isinstance(extra, dict):
            return Schema(extra), None
        raise Unsupported(f"{self.name or 'schema'}: unknown field {key!r}")

    def items(self) -> Schema:
        items = self.body.get("items")
        if not isinstance(items, dict):
            raise Unsupported("a list without an item schema")
        return Schema(items)


@functools.cache
def _by_gvk() -> dict[tuple[str, str], str]:
    out = {}
    for name, body in _definitions().items():
        for gvk in body.get("x-kubernetes-group-version-kind", []):
            api = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            out[(api, gvk["kind"])] = name
    return out


_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (str, "string"), (dict, "object"), (list, "array"))


def conforms(doc: dict[str, Any]) -> bool:
    """False when a built-in kind's value has the wrong JSON type somewhere (a map where the schema has a list,
    …) or misses a required field: kustomize's name-reference pass walks such fields and fails, so the engine
    declines (kubectl then reports the error). Unknown fields
    and kinds without a schema are not checked (kustomize does not walk them)."""
    definition = _by_gvk().get((str(doc.get("apiVersion")), str(doc.get("kind"))))
    return definition is None or _conforms(doc, Schema.of(definition))


def _conforms(value: Any, schema: Schema) -> bool:
    types = schema.types()
    if value is None or not types:
        return True
    kind = next(t for cls, t in _JSON_TYPES if isinstance(value, cls))
    if kind not in types:
        return False
    if isinstance(value, dict):
        required = schema.body.get("required") or []
        if any(key not in value for key in required):
            return False  # e.g. a RoleBinding subject without its name: kustomize's name references fail
        for key, item in value.items():
            props, extra = schema.body.get("properties") or {}, schema.body.get("additionalProperties")
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            if isinstance(sub, dict) and not _conforms(item, Schema(sub)):
                return False
    if isinstance(value, list):
        items = schema.body.get("items")
        return not isinstance(items, dict) or all(_conforms(item, Schema(items)) for item in value)
    return True


def patch_schema(doc: dict[str, Any]) -> Schema:
    definition = KINDS.get((str(doc.get("apiVersion")), str(doc.get("kind"))))
    if definition is None:
        raise Unsupported(f"strategic merge on {doc.get('kind')} is not proven")
    return Schema.of(definition)


def merge(dest: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``dest`` with the strategic-merge ``patch`` applied (a new object; the inputs are not changed)."""
    return _merge_map(copy.deepcopy(dest), patch, patch_schema(dest))


def _merge_map(dest: dict[str, Any] | None, patch: dict[str, Any], schema: Schema) -> dict[str, Any]:
    if "object" not in schema.types():
        raise Unsupported("a map where the schema has no object")
    out = {} if dest is None else dest
    for key, value in patch.items():
        if key.startswith("$"):
            raise Unsupported(f"patch directive {key}")
        sub, merge_key = schema.field(key)
        if value is None:
            out.pop(key, None)
            continue
        if key in out and out[key] is None:
            raise Unsupported("a patch on an explicit null")
        out[key] = _merge_value(out.get(key), value, sub, merge_key)
    return out


def _merge_value(dest: Any, value: Any, schema: Schema, merge_key: str | None) -> Any:
    if isinstance(value, dict):
        if dest is not None and not isinstance(dest, dict):
            raise Unsupported("a patch that turns a value into a map")
        return _merge_map(dest, value, schema)
    if isinstance(value, list):
        if dest is not None and not isinstance(dest, list):
            raise Unsupported("a patch that turns a value into a list")
        if "array" not in schema.types():
            raise Unsupported("a list where the schema has none")
        if merge_key is not None:
            return _merge_list(dest or [], value, merge_key, schema.items())
        if contains_null(value):
            raise Unsupported("null inside a replaced list")
        return value
    if isinstance(dest, (dict, list)):
        raise Unsupported("a patch that turns a map or list into a scalar")
    return value


def _keyed(items: list[Any], key: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get(key), str) or not item[key] or item[key] in out:
            raise Unsupported(f"a merge list element without a unique {key}")
        if any(k.startswith("$") for k in item):
            raise Unsupported("a patch directive in a merge list")
        out[item[key]] = item
    return out


def _merge_list(dest: list[Any], patch: list[Any], key: str, schema: Schema) -> list[Any]:
    if not patch:
        raise Unsupported("an empty patch for a merge list")
    old, new = _keyed(dest, key), _keyed(patch, key)
    order = [*new, *(k for k in old if k not in new)]
    return [_merge_map(old.get(k), new[k], schema) if k in new else old[k] for k in order]
