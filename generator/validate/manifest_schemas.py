"""Offline JSON-schema validation of rendered manifests on jsonschema-rs, fast enough for a whole fleet.

Schemas
-------
* Built-in kinds come from ``<schema_root>/kubernetes/v<X.Y>.0-standalone-strict/<kind>-<group>-<v>.json``,
  the kubeconform layout written by ``scripts/extract_schemas.py``: each kind file is a ``$ref`` into the
  version's shared ``_definitions.json`` (strict: ``additionalProperties: false`` on every object).
  One jsonschema-rs registry per version holds the definitions; each kind is compiled on first use.
* Custom resources come, in this order, from the user's ``crd_location`` (``--crd-schemas``: a folder in
  the CRD-catalog layout ``{group}/{kind}_{version}.json`` or a kubeconform-style template such as
  ``/crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json``), then the catalog schemas shipped
  in ``<schema_root>/crds`` (Argo CD and Flux): the user's file wins on a name clash. http(s) locations
  are refused and compilation is ``offline``: validation never touches the network.
* CRD-catalog schemas only close the objects below the root. **Decision:** every object schema that
  declares ``properties`` and says nothing about ``additionalProperties``/``patternProperties`` is
  closed (``additionalProperties: false``) before compiling, unless it carries
  ``x-kubernetes-preserve-unknown-fields: true`` or a ``oneOf``/``anyOf``/``allOf`` branch of it
  declares its own ``properties``. This matches the API server's strict field validation (unknown
  fields are rejected, not pruned), so a misspelled top-level ``spec`` key is caught too.
* ``skip`` (``--skip``, settings ``skipKinds``; kubeconform's ``-skip``) names kinds (``CronTab``) or
  ``apiVersion/Kind`` (``stable.example.com/v1/CronTab``) that are not schema-checked at all.

Errors
------
jsonschema-rs (ECMA-262 regexes, draft 2020-12, ``format`` as annotation) finds the errors;
:mod:`generator.validate.schema_errors` words them (``unknown field "egres" (did you mean "egress"?)``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import ManifestError
from generator.validate.kubernetes_versions import (
    DEFAULT_KUBERNETES_VERSION,
    SUPPORTED_KUBERNETES_VERSIONS,
    kubeconform_version,
    normalize_kubernetes_version,
    schema_dir_name,
)
from generator.validate.schema_errors import (
    ROOT_PATH,
    RULE_MISSING_SCHEMA,
    RULE_SCHEMA,
    RULE_UNKNOWN_FIELD,
    Violation,
    format_path,
    json_type,
    pointer_lookup,
    show,
    violations,
)


def split_api_version(api_version: str) -> tuple[str, str]:
    """``"batch/v1"`` -> ``("batch", "v1")``; ``"v1"`` -> ``("", "v1")``."""
    group, _, version = api_version.rpartition("/")
    return group, version


def kubeconform_file_name(api_version: str, kind: str) -> str:
    """kubeconform's ``{{.ResourceKind}}{{.KindSuffix}}.json``: ``role-rbac-v1.json``, ``configmap-v1.json``."""
    group, version = split_api_version(api_version)
    suffix = f"-{group.split('.')[0].lower()}-{version.lower()}" if group else f"-{version.lower()}"
    return f"{kind.lower()}{suffix}.json"


# --------------------------------------------------------------------------------------------
# CRD schemas: strict by default
# --------------------------------------------------------------------------------------------

_BRANCH_KEYWORDS = ("oneOf", "anyOf", "allOf")


def close_objects(schema: Any) -> Any:
    """Return a copy where open object schemas with ``properties`` reject unknown fields (see module doc)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "$defs", "definitions") and isinstance(value, dict):
            out[key] = {name: close_objects(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = close_objects(value)
        elif key in _BRANCH_KEYWORDS and isinstance(value, list):
            out[key] = [_close_inside_branch(sub) for sub in value]
        else:
            out[key] = value
    branch_props = any(
        isinstance(sub, dict) and "properties" in sub for kw in _BRANCH_KEYWORDS for sub in schema.get(kw, []) or []
    )
    if (
        "properties" in schema
        and "additionalProperties" not in schema
        and "patternProperties" not in schema
        and schema.get("x-kubernetes-preserve-unknown-fields") is not True
        and not branch_props
    ):
        out["additionalProperties"] = False
    return out


def _close_inside_branch(schema: Any) -> Any:
    """A oneOf/anyOf/allOf branch itself stays open; objects below its properties are closed."""
    if not isinstance(schema, dict):
        return schema
    closed = close_objects(schema)
    if "additionalProperties" not in schema and isinstance(closed, dict):
        closed.pop("additionalProperties", None)
    return closed


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------

_TEMPLATE_VAR = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")


def _refuse_network(location: str) -> None:
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", location) and not location.lower().startswith("file://"):
        raise ManifestError(
            f"schema location {location!r} is a URL; validation never uses the network",
            rule="schema-location",
            hint="download the schemas and pass a local folder or a local path template",
        )


def _strip_file_scheme(location: str) -> str:
    return location[len("file://") :] if location.lower().startswith("file://") else location



def parse_skip(values: Any) -> frozenset[str]:
    """``["CronTab,Foo", "stable.example.com/v1/Bar"]`` -> the set of kinds / ``apiVersion/Kind`` to skip."""
    items = [values] if isinstance(values, str) else list(values or ())
    return frozenset(part.strip() for item in items for part in str(item).split(",") if part.strip())


def is_skipped(skip: frozenset[str], api_version: str, kind: str) -> bool:
    """kubeconform's ``-skip`` matching: the kind alone, or ``apiVersion/Kind``."""
    return bool(skip) and (kind in skip or f"{api_version}/{kind}" in skip)


@dataclass(frozen=True)
class _Compiled:
    validator: Any
    documents: dict[str, Any]

    def validate(self, doc: Any) -> list[Violation]:
        if self.validator.is_valid(doc):
            return []
        return violations(self.validator.iter_errors(doc), pointer_lookup(self.documents))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"cannot read schema {path}: {exc}", rule="schema-location") from exc


def _compile(schema: Any, path: Path, documents: dict[str, Any], registry: Any = None) -> _Compiled:
    import jsonschema_rs  # here, not at the top: only a validated document needs it (start-up)

    uri = path.resolve().as_uri()
    documents = {**documents, uri: schema}
    try:
        validator = jsonschema_rs.validator_for(schema, base_uri=uri, registry=registry, validate_formats=False)
    except (ValueError, jsonschema_rs.ReferencingError) as exc:
        raise ManifestError(
            f"{path} is not a usable JSON schema: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
            rule="schema-location",
            hint="point the schema location at self-contained JSON-schema files (e.g. the CRD catalog's), "
            "not raw CRDs",
        ) from exc
    return _Compiled(validator, documents)


class SchemaRegistry:
    """Loads, compiles and caches one validator per (apiVersion, kind); validates documents."""

    def __init__(
        self,
        schema_root: Path,
        kubernetes_version: str = DEFAULT_KUBERNETES_VERSION,
        crd_location: str | None = None,
        *,
        skip: Any = (),
    ) -> None:
        self.kubernetes_version = normalize_kubernetes_version(kubernetes_version)
        root = Path(schema_root)
        base = root / "kubernetes" if (root / "kubernetes").is_dir() else root
        self.schema_dir = base / schema_dir_name(self.kubernetes_version)
        if not self.schema_dir.is_dir():
            raise ManifestError(
                f"no schema folder {self.schema_dir}",
                rule="schema-location",
                hint="run scripts/extract_schemas.py or point schema_root at the project's schemas/ folder",
            )
        bundled = base.parent / "crds"
        self.bundled_crds: Path | None = bundled if bundled.is_dir() else None
        self.skip = parse_skip(skip)
        self.crd_location = crd_location
        self._crd_template: str | None = None
        self._crd_dir: Path | None = None
        if crd_location is not None:
            _refuse_network(crd_location)
            local = _strip_file_scheme(crd_location)
            if "{{" in local:
                unknown = {m.group(1) for m in _TEMPLATE_VAR.finditer(local)} - set(self._template_values("v1", "X"))
                if unknown:
                    raise ManifestError(
                        f"unknown variable(s) {sorted(unknown)} in CRD schema location {crd_location!r}",
                        rule="schema-location",
                        hint="use {{.Group}}, {{.ResourceKind}}, {{.ResourceAPIVersion}}, {{.KindSuffix}}, "
                        "{{.NormalizedKubernetesVersion}} or {{.StrictSuffix}}",
                    )
                self._crd_template = local
            else:
                self._crd_dir = Path(local)
                if not self._crd_dir.is_dir():
                    raise ManifestError(
                        f"CRD schema folder {self._crd_dir} does not exist",
                        rule="schema-location",
                        hint="pass a folder laid out as {group}/{kind}_{version}.json (the CRD catalog's layout)",
                    )
        self._cache: dict[tuple[str, str], _Compiled | str] = {}
        self._definitions: tuple[Any, dict[str, Any]] | None = None

    def _template_values(self, api_version: str, kind: str) -> dict[str, str]:
        group, version = split_api_version(api_version)
        name = kubeconform_file_name(api_version, kind)
        return {
            "Group": group,
            "ResourceKind": kind.lower(),
            "ResourceAPIVersion": version,
            "KindSuffix": name[len(kind.lower()) : -len(".json")],
            "NormalizedKubernetesVersion": f"v{self.kubernetes_version}.0",
            "StrictSuffix": "-strict",
        }

    def candidate_paths(self, api_version: str, kind: str) -> list[Path]:
        """Where a schema for this kind is looked for, in order: built-in, the user's CRDs, the shipped CRDs."""
        paths = [self.schema_dir / kubeconform_file_name(api_version, kind)]
        group, version = split_api_version(api_version)
        catalog_name = Path(group) / f"{kind.lower()}_{version}.json"
        if self._crd_dir is not None and group:
            paths.append(self._crd_dir / catalog_name)
        elif self._crd_template is not None:
            values = self._template_values(api_version, kind)
            paths.append(Path(_TEMPLATE_VAR.sub(lambda m: values[m.group(1)], self._crd_template)))
        if self.bundled_crds is not None and group:
            paths.append(self.bundled_crds / catalog_name)
        return paths

    def _definitions_registry(self) -> tuple[Any, dict[str, Any]]:
        """The version's shared definitions, as a jsonschema-rs registry (built once, on first use)."""
        if self._definitions is None:
            path = self.schema_dir / "_definitions.json"
            documents: dict[str, Any] = {}
            registry = None
            if path.is_file():
                uri = path.resolve().as_uri()
                documents[uri] = _read_json(path)
                import jsonschema_rs

                registry = jsonschema_rs.Registry([(uri, documents[uri])])
            self._definitions = (registry, documents)
        return self._definitions

    def _load(self, api_version: str, kind: str) -> _Compiled | str:
        paths = self.candidate_paths(api_version, kind)
        for index, path in enumerate(paths):
            if not path.is_file():
                continue
            schema = _read_json(path)
            if index == 0:
                registry, documents = self._definitions_registry()
                return _compile(schema, path, documents, registry)
            return _compile(close_objects(schema), path, {})  # CRD schema: strict like the built-in ones
        return self._missing_message(api_version, kind, paths)

    def _missing_message(self, api_version: str, kind: str, paths: list[Path]) -> str:
        group, version = split_api_version(api_version)
        where = f"{group}/{kind.lower()}_{version}.json" if group else f"{kind.lower()}_{version}.json"
        looked = f" (not found: {paths[1]})" if self.crd_location is not None and len(paths) > 1 else ""
        return (
            f"no schema for {kind} ({api_version}) in Kubernetes {self.kubernetes_version}: give its JSON schema "
            f"with --crd-schemas DIR (as DIR/{where}), or skip the kind with --skip {kind} "
            f"or skipKinds: [{kind}] in the overlay's settings.yaml{looked}"
        )

    def validator_for(self, api_version: str, kind: str) -> _Compiled | None:
        key = (api_version, kind)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._load(api_version, kind)
        return None if isinstance(found, str) else found

    def validate(self, doc: Any, skip: frozenset[str] = frozenset()) -> list[Violation]:
        if not isinstance(doc, dict):
            return [Violation(ROOT_PATH, f"a manifest must be a mapping, got {json_type(doc)}", RULE_SCHEMA)]
        api_version, kind = doc.get("apiVersion"), doc.get("kind")
        problems: list[Violation] = []
        for field, value in (("apiVersion", api_version), ("kind", kind)):
            if value is None:
                problems.append(Violation(field, f'missing required field "{field}"', RULE_SCHEMA))
            elif not isinstance(value, str) or not value:
                problems.append(Violation(field, f"expected a non-empty string, got {show(value)}", RULE_SCHEMA))
        if problems:
            return problems
        assert isinstance(api_version, str) and isinstance(kind, str)
        if is_skipped(self.skip | skip, api_version, kind):
            return []
        compiled = self.validator_for(api_version, kind)
        if compiled is None:
            message = self._cache[(api_version, kind)]
            assert isinstance(message, str)
            return [Violation("kind", message, RULE_MISSING_SCHEMA)]
        return compiled.validate(doc)


def is_builtin_group(api_version: str) -> bool:
    """True for API groups served by Kubernetes itself (core, ``*.k8s.io`` and dot-less groups)."""
    group, _ = split_api_version(api_version)
    return group == "" or "." not in group or group.endswith(".k8s.io")


__all__ = [
    "DEFAULT_KUBERNETES_VERSION",
    "RULE_MISSING_SCHEMA",
    "RULE_SCHEMA",
    "RULE_UNKNOWN_FIELD",
    "SUPPORTED_KUBERNETES_VERSIONS",
    "SchemaRegistry",
    "Violation",
    "close_objects",
    "format_path",
    "is_builtin_group",
    "is_skipped",
    "kubeconform_file_name",
    "kubeconform_version",
    "normalize_kubernetes_version",
    "parse_skip",
    "schema_dir_name",
]
