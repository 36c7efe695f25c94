"""Offline JSON-schema validation of rendered manifests, fast enough for a whole fleet.

Schemas
-------
* Built-in kinds come from ``<schema_root>/kubernetes/v<X.Y>.0-standalone-strict/<kind>-<group>-<v>.json``,
  the kubeconform layout written by ``scripts/extract_schemas.py`` (standalone: no ``$ref``; strict:
  ``additionalProperties: false`` on every object with ``properties``).
* Custom resources (any kind without such a file) come from ``crd_location``: either a folder in the
  CRD-catalog layout ``{group}/{kind}_{version}.json`` or a kubeconform-style template such as
  ``/crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json``. http(s) locations are refused:
  validation never touches the network.
* CRD-catalog schemas only close the objects below the root. **Decision:** every object schema that
  declares ``properties`` and says nothing about ``additionalProperties``/``patternProperties`` is
  closed (``additionalProperties: false``) before compiling, unless it carries
  ``x-kubernetes-preserve-unknown-fields: true`` or a ``oneOf``/``anyOf``/``allOf`` branch of it
  declares its own ``properties``. This matches the API server's strict field validation (unknown
  fields are rejected, not pruned), so a misspelled top-level ``spec`` key is caught too.

Speed
-----
jsonschema's generic validator needs about 0.8 ms for a realistic CronJob; the fleet check validates
~6,000 documents. :func:`compile_schema` turns the (ref-free) schema into nested closures that check
the same keywords with jsonschema's semantics (draft 2020-12; ``format`` is an annotation, unknown and
``x-kubernetes-*`` keywords are ignored) in a fraction of the time. A schema that uses a keyword the
compiler does not implement (``$ref``, ``if``, ``patternProperties``, ...) or declares another draft
is validated with jsonschema instead, with errors mapped to the same :class:`Violation` form.
``tests/test_manifest_schemas.py`` proves the two agree (verdict and error paths) on valid and mutated
documents.
"""

from __future__ import annotations

import difflib
import importlib
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

from generator.errors import ManifestError

SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = ("1.30", "1.35", "1.36", "1.37")
DEFAULT_KUBERNETES_VERSION = "1.35"

RULE_SCHEMA = "schema"
RULE_UNKNOWN_FIELD = "unknown-field"
RULE_MISSING_SCHEMA = "missing-schema"

ROOT_PATH = "(root)"


@dataclass(frozen=True)
class Violation:
    """One finding about one document: where (JSON-path-like), what, and which rule."""

    path: str
    message: str
    rule: str


# --------------------------------------------------------------------------------------------
# Kubernetes versions
# --------------------------------------------------------------------------------------------

_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$")


def normalize_kubernetes_version(version: str) -> str:
    """``"1.35"``, ``"v1.35"``, ``"1.35.0"`` -> ``"1.35"``; unsupported versions raise ManifestError."""
    match = _VERSION.match(version.strip()) if isinstance(version, str) else None
    supported = ", ".join(SUPPORTED_KUBERNETES_VERSIONS)
    if match is None:
        raise ManifestError(
            f"invalid Kubernetes version {version!r}",
            rule="kubernetes-version",
            hint=f"write it as MAJOR.MINOR, one of {supported}",
        )
    minor = f"{int(match.group(1))}.{int(match.group(2))}"
    if minor not in SUPPORTED_KUBERNETES_VERSIONS:
        raise ManifestError(
            f"no schemas for Kubernetes {minor}",
            rule="kubernetes-version",
            hint=f"supported versions: {supported}",
        )
    return minor


def kubeconform_version(version: str) -> str:
    """The ``-kubernetes-version`` value kubeconform needs to find our folders (``"1.35.0"``)."""
    return normalize_kubernetes_version(version) + ".0"


def schema_dir_name(version: str) -> str:
    return f"v{kubeconform_version(version)}-standalone-strict"


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
# Paths and messages
# --------------------------------------------------------------------------------------------

# A path under construction is a linked list (parent, key) so descending costs one small tuple.
PathLink: TypeAlias = "tuple[PathLink, object] | None"
_Err: TypeAlias = "tuple[PathLink, str, Any]"
_Check: TypeAlias = "Callable[[Any, PathLink, list[_Err]], None]"

_PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")


def path_parts(link: PathLink) -> tuple[object, ...]:
    parts: list[object] = []
    while link is not None:
        link, key = link
        parts.append(key)
    parts.reverse()
    return tuple(parts)


def format_path(parts: Iterable[object]) -> str:
    """``("spec", "containers", 0, "name")`` -> ``spec.containers[0].name``; odd keys use ``["..."]``."""
    out = ""
    for key in parts:
        if isinstance(key, int) and not isinstance(key, bool):
            out += f"[{key}]"
        elif isinstance(key, str) and _PLAIN_KEY.match(key):
            out += f".{key}" if out else key
        else:
            out += f"[{json.dumps(key if isinstance(key, str) else str(key))}]"
    return out or ROOT_PATH


def _show(value: Any, limit: int = 60) -> str:
    try:
        text = json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def _did_you_mean(name: object, known: Iterable[str]) -> str:
    if not isinstance(name, str):
        return ""
    candidates = sorted(known)
    lowered = {c.lower(): c for c in candidates}
    best = lowered.get(name.lower())
    if best is None:
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
        best = close[0] if close else None
    return f' (did you mean "{best}"?)' if best else ""


def _branch_summary(branches: list[Any]) -> str:
    names: list[str] = []
    for branch in branches:
        kinds = branch.get("type") if isinstance(branch, dict) else None
        if isinstance(kinds, str):
            names.append(kinds)
        elif isinstance(kinds, list):
            names.append("/".join(str(k) for k in kinds if k != "null") or "null")
        else:
            names.append("schema")
    return ", ".join(names)


def _message(code: str, detail: Any, instance_path: PathLink) -> tuple[str, str, str]:
    """(path, message, rule) for one compiled-validator error."""
    path = format_path(path_parts(instance_path))
    if code == "unknown":
        name, known = detail
        return path, f'unknown field "{name}"{_did_you_mean(name, known)}', RULE_UNKNOWN_FIELD
    if code == "required":
        return path, f'missing required field "{path_parts(instance_path)[-1]}"', RULE_SCHEMA
    value, arg = detail
    if code == "type":
        wanted = " or ".join(arg)
        return path, f"expected {wanted}, got {_json_type(value)} ({_show(value)})", RULE_SCHEMA
    if code == "enum":
        return path, f"{_show(value)} is not one of {', '.join(_show(e) for e in arg)}", RULE_SCHEMA
    if code == "const":
        return path, f"{_show(value)} must be {_show(arg)}", RULE_SCHEMA
    if code == "oneOf-none":
        return path, f"{_show(value)} matches none of the allowed forms ({_branch_summary(arg)})", RULE_SCHEMA
    if code == "oneOf-many":
        return path, f"{_show(value)} matches more than one allowed form ({_branch_summary(arg)})", RULE_SCHEMA
    if code == "anyOf":
        return path, f"{_show(value)} matches none of the allowed forms ({_branch_summary(arg)})", RULE_SCHEMA
    if code == "not":
        return path, f"{_show(value)} is not allowed here", RULE_SCHEMA
    if code == "false":
        return path, "no value is allowed here", RULE_SCHEMA
    texts = {
        "minLength": "is shorter than {} characters",
        "maxLength": "is longer than {} characters",
        "pattern": "does not match the pattern {}",
        "minimum": "is less than the minimum {}",
        "maximum": "is greater than the maximum {}",
        "exclusiveMinimum": "must be greater than {}",
        "exclusiveMaximum": "must be less than {}",
        "minItems": "has fewer than {} items",
        "maxItems": "has more than {} items",
        "minProperties": "has fewer than {} fields",
        "maxProperties": "has more than {} fields",
    }
    shown = json.dumps(arg) if code == "pattern" else arg
    return path, f"{_show(value)} {texts[code].format(shown)}", RULE_SCHEMA


# --------------------------------------------------------------------------------------------
# The compiler
# --------------------------------------------------------------------------------------------


class UnsupportedSchema(Exception):
    """The schema uses a keyword the compiler does not implement; use jsonschema instead."""


# Keywords with assertion/applicator meaning in draft 2020-12 that the compiler does not implement.
_UNSUPPORTED = frozenset(
    {
        "$ref",
        "$dynamicRef",
        "$recursiveRef",
        "patternProperties",
        "prefixItems",
        "contains",
        "minContains",
        "maxContains",
        "uniqueItems",
        "multipleOf",
        "propertyNames",
        "dependentRequired",
        "dependentSchemas",
        "dependencies",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
        "additionalItems",
    }
)
_DRAFT_2020_12 = {"https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2020-12/schema#"}

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
}


def _is_type(value: Any, name: str) -> bool:
    """jsonschema's draft 2020-12 type semantics (bool is not a number; 1.0 is an integer)."""
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float))
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_equal(one: Any, two: Any) -> bool:
    """Equality as JSON Schema (and jsonschema) define it: ``true != 1``, ``1 == 1.0``."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(json_equal(one[k], two[k]) for k in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one is two
    return bool(one == two)


def _ok(instance: Any, path: PathLink, errors: list[_Err]) -> None:
    return None


def _never(instance: Any, path: PathLink, errors: list[_Err]) -> None:
    errors.append((path, "false", (instance, None)))


def _compile_type(types: list[str]) -> Callable[[Any], bool]:
    allowed: set[type] = set()
    for name in types:
        allowed.update(_PY_TYPES.get(name, ()))
    fast = frozenset(allowed)
    float_as_int = "integer" in types and "number" not in types

    def check(value: Any) -> bool:
        cls = type(value)
        if cls in fast:
            return True
        if cls is float and float_as_int:
            return bool(value.is_integer())
        if cls in (str, dict, list, int, float, bool, type(None)):
            return False
        return any(_is_type(value, name) for name in types)  # subclasses: slow but exact

    return check


def compile_schema(schema: Any) -> _Check:
    """Compile a ref-free draft 2020-12 schema into a checker; raises UnsupportedSchema."""
    if schema is True:
        return _ok
    if schema is False:
        return _never
    if not isinstance(schema, dict):
        raise UnsupportedSchema(f"schema must be an object or boolean, not {type(schema).__name__}")
    used = _UNSUPPORTED.intersection(schema)
    if used:
        raise UnsupportedSchema(f"keyword(s) not supported by the fast validator: {sorted(used)}")
    if "$schema" in schema and schema["$schema"] not in _DRAFT_2020_12:
        raise UnsupportedSchema(f"only draft 2020-12 is compiled, not {schema['$schema']}")

    checks: list[_Check] = []

    if "type" in schema:
        raw = schema["type"]
        types = [raw] if isinstance(raw, str) else list(raw)
        if not types or any(name not in _PY_TYPES for name in types):
            raise UnsupportedSchema(f"unknown type {raw!r}")
        type_ok = _compile_type(types)

        def check_type(instance: Any, path: PathLink, errors: list[_Err]) -> None:
            if not type_ok(instance):
                errors.append((path, "type", (instance, types)))

        checks.append(check_type)

    if "enum" in schema:
        options = list(schema["enum"])
        if all(isinstance(o, str) for o in options):
            option_set = frozenset(options)

            def check_enum(instance: Any, path: PathLink, errors: list[_Err]) -> None:
                if not (isinstance(instance, str) and instance in option_set):
                    errors.append((path, "enum", (instance, options)))

        else:

            def check_enum(instance: Any, path: PathLink, errors: list[_Err]) -> None:
                if not any(json_equal(instance, option) for option in options):
                    errors.append((path, "enum", (instance, options)))

        checks.append(check_enum)

    if "const" in schema:
        constant = schema["const"]

        def check_const(instance: Any, path: PathLink, errors: list[_Err]) -> None:
            if not json_equal(instance, constant):
                errors.append((path, "const", (instance, constant)))

        checks.append(check_const)

    object_check = _compile_object(schema)
    if object_check is not None:
        checks.append(object_check)

    if "items" in schema:
        if not isinstance(schema["items"], (dict, bool)):
            raise UnsupportedSchema("array-form items is not draft 2020-12")
        item_check = compile_schema(schema["items"])
        if item_check is not _ok:

            def check_items(instance: Any, path: PathLink, errors: list[_Err]) -> None:
                if isinstance(instance, list):
                    for index, item in enumerate(instance):
                        item_check(item, (path, index), errors)

            checks.append(check_items)

    checks.extend(_compile_bounds(schema))
    checks.extend(_compile_combinators(schema))

    if not checks:
        return _ok
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks

        def check_two(instance: Any, path: PathLink, errors: list[_Err]) -> None:
            first(instance, path, errors)
            second(instance, path, errors)

        return check_two
    frozen = tuple(checks)

    def check_all(instance: Any, path: PathLink, errors: list[_Err]) -> None:
        for check in frozen:
            check(instance, path, errors)

    return check_all


def _compile_object(schema: dict[str, Any]) -> _Check | None:
    props_raw = schema.get("properties", {})
    if not isinstance(props_raw, dict):
        raise UnsupportedSchema("properties must be an object")
    props: dict[str, _Check] = {name: compile_schema(sub) for name, sub in props_raw.items()}
    required = list(schema.get("required", []))
    additional_raw = schema.get("additionalProperties", True)
    closed = additional_raw is False
    additional: _Check | None = None
    if isinstance(additional_raw, dict):
        compiled = compile_schema(additional_raw)
        additional = None if compiled is _ok else compiled
    known = tuple(props_raw)
    # Skip property checkers that accept everything so the loop does less work.
    active = {name: check for name, check in props.items() if check is not _ok}
    if not active and not required and not closed and additional is None:
        return None

    def check_object(instance: Any, path: PathLink, errors: list[_Err]) -> None:
        if not isinstance(instance, dict):
            return
        for name in required:
            if name not in instance:
                errors.append(((path, name), "required", None))
        for key, value in instance.items():
            sub = active.get(key)
            if sub is not None:
                sub(value, (path, key), errors)
            elif key in props:
                continue
            elif closed:
                errors.append(((path, key), "unknown", (key, known)))
            elif additional is not None:
                additional(value, (path, key), errors)

    return check_object


def _compile_bounds(schema: dict[str, Any]) -> list[_Check]:
    checks: list[_Check] = []

    def bound(keyword: str, applies: Callable[[Any], bool], fails: Callable[[Any, Any], bool]) -> None:
        if keyword not in schema:
            return
        limit = schema[keyword]

        def check(instance: Any, path: PathLink, errors: list[_Err]) -> None:
            if applies(instance) and fails(instance, limit):
                errors.append((path, keyword, (instance, limit)))

        checks.append(check)

    def is_str(v: Any) -> bool:
        return isinstance(v, str)

    def is_list(v: Any) -> bool:
        return isinstance(v, list)

    def is_dict(v: Any) -> bool:
        return isinstance(v, dict)

    bound("minLength", is_str, lambda v, n: len(v) < n)
    bound("maxLength", is_str, lambda v, n: len(v) > n)
    bound("minimum", _is_number, lambda v, n: v < n)
    bound("maximum", _is_number, lambda v, n: v > n)
    bound("exclusiveMinimum", _is_number, lambda v, n: v <= n)
    bound("exclusiveMaximum", _is_number, lambda v, n: v >= n)
    bound("minItems", is_list, lambda v, n: len(v) < n)
    bound("maxItems", is_list, lambda v, n: len(v) > n)
    bound("minProperties", is_dict, lambda v, n: len(v) < n)
    bound("maxProperties", is_dict, lambda v, n: len(v) > n)
    for keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if keyword in schema and (not _is_number(schema[keyword]) or math.isnan(schema[keyword])):
            raise UnsupportedSchema(f"{keyword} must be a number")
    if "pattern" in schema:
        pattern_text = schema["pattern"]
        regex = re.compile(pattern_text)

        def check_pattern(instance: Any, path: PathLink, errors: list[_Err]) -> None:
            if isinstance(instance, str) and regex.search(instance) is None:
                errors.append((path, "pattern", (instance, pattern_text)))

        checks.append(check_pattern)
    return checks


def _is_valid(check: _Check, instance: Any) -> bool:
    scratch: list[_Err] = []
    check(instance, None, scratch)
    return not scratch


def _compile_combinators(schema: dict[str, Any]) -> list[_Check]:
    checks: list[_Check] = []
    if "allOf" in schema:
        every = tuple(compile_schema(sub) for sub in schema["allOf"])

        def check_all_of(instance: Any, path: PathLink, errors: list[_Err]) -> None:
            for sub in every:
                sub(instance, path, errors)

        checks.append(check_all_of)
    if "anyOf" in schema:
        raw_any = list(schema["anyOf"])
        some = tuple(compile_schema(sub) for sub in raw_any)

        def check_any_of(instance: Any, path: PathLink, errors: list[_Err]) -> None:
            if not any(_is_valid(sub, instance) for sub in some):
                errors.append((path, "anyOf", (instance, raw_any)))

        checks.append(check_any_of)
    if "oneOf" in schema:
        raw_one = list(schema["oneOf"])
        one = tuple(compile_schema(sub) for sub in raw_one)

        def check_one_of(instance: Any, path: PathLink, errors: list[_Err]) -> None:
            matches = 0
            for sub in one:
                if _is_valid(sub, instance):
                    matches += 1
                    if matches > 1:
                        break
            if matches == 0:
                errors.append((path, "oneOf-none", (instance, raw_one)))
            elif matches > 1:
                errors.append((path, "oneOf-many", (instance, raw_one)))

        checks.append(check_one_of)
    if "not" in schema:
        negated = compile_schema(schema["not"])

        def check_not(instance: Any, path: PathLink, errors: list[_Err]) -> None:
            if _is_valid(negated, instance):
                errors.append((path, "not", (instance, None)))

        checks.append(check_not)
    return checks


# --------------------------------------------------------------------------------------------
# Validators: compiled, or jsonschema as the reference / fallback
# --------------------------------------------------------------------------------------------

DocValidator: TypeAlias = Callable[[Any], list[Violation]]


def fast_validator(schema: Any) -> DocValidator:
    """Compiled validator; raises UnsupportedSchema if the schema needs jsonschema."""
    check = compile_schema(schema)

    def validate(instance: Any) -> list[Violation]:
        errors: list[_Err] = []
        check(instance, None, errors)
        return list(dict.fromkeys(Violation(*_message(code, detail, path)) for path, code, detail in errors))

    return validate


def jsonschema_validator(schema: Any, *, check_schema: bool = True) -> DocValidator:
    """jsonschema's own validator (the reference), errors mapped to Violations like the fast one.

    Known difference: jsonschema reports a ``false`` subschema's error at the parent's path (its
    ``descend`` does not add the key); the fast validator reports it at the value itself. None of the
    Kubernetes or CRD-catalog schemas has a ``false`` subschema other than ``additionalProperties``.
    """
    # importlib keeps mypy --strict independent of whether jsonschema's type stubs are installed.
    validators: Any = importlib.import_module("jsonschema.validators")
    cls = validators.validator_for(schema)
    if check_schema:  # metaschema validation costs ~0.5 s on a CronJob schema
        cls.check_schema(schema)
    validator = cls(schema)

    def validate(instance: Any) -> list[Violation]:
        out: list[Violation] = []
        for error in validator.iter_errors(instance):
            parts = tuple(error.absolute_path)
            if error.validator == "additionalProperties" and error.validator_value is False:
                props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
                patterns = "|".join(error.schema.get("patternProperties", {})) if isinstance(error.schema, dict) else ""
                for key in error.instance:
                    if key not in props and not (patterns and re.search(patterns, key)):
                        message = f'unknown field "{key}"{_did_you_mean(key, props)}'
                        out.append(Violation(format_path((*parts, key)), message, RULE_UNKNOWN_FIELD))
            elif error.validator == "required":
                for name in error.validator_value:
                    if isinstance(error.instance, dict) and name not in error.instance:
                        path = format_path((*parts, name))
                        out.append(Violation(path, f'missing required field "{name}"', RULE_SCHEMA))
            else:
                out.append(Violation(format_path(parts), error.message, RULE_SCHEMA))
        # "required" yields one error per missing name; the loop above re-derives all of them.
        return list(dict.fromkeys(out))

    return validate


def best_validator(schema: Any, source: str = "schema") -> DocValidator:
    """The compiled validator, or jsonschema's for schemas the compiler does not handle."""
    try:
        return fast_validator(schema)
    except UnsupportedSchema:
        pass
    exceptions: Any = importlib.import_module("jsonschema.exceptions")
    try:
        return jsonschema_validator(schema)
    except exceptions.SchemaError as exc:
        raise ManifestError(
            f"{source} is not a valid JSON schema: {exc.message}",
            rule="schema-location",
            hint="point the schema location at JSON-schema files (e.g. the CRD catalog's), not raw CRDs",
        ) from exc


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


class SchemaRegistry:
    """Loads, compiles and caches one validator per (apiVersion, kind); validates documents."""

    def __init__(
        self, schema_root: Path, kubernetes_version: str = DEFAULT_KUBERNETES_VERSION, crd_location: str | None = None
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
        self._cache: dict[tuple[str, str], DocValidator | str] = {}

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
        """Where a schema for this kind is looked for, in order (kubeconform's order: built-in first)."""
        paths = [self.schema_dir / kubeconform_file_name(api_version, kind)]
        group, version = split_api_version(api_version)
        if self._crd_dir is not None and group:
            paths.append(self._crd_dir / group / f"{kind.lower()}_{version}.json")
        elif self._crd_template is not None:
            values = self._template_values(api_version, kind)
            paths.append(Path(_TEMPLATE_VAR.sub(lambda m: values[m.group(1)], self._crd_template)))
        return paths

    def _load(self, api_version: str, kind: str) -> DocValidator | str:
        paths = self.candidate_paths(api_version, kind)
        for index, path in enumerate(paths):
            if not path.is_file():
                continue
            try:
                schema = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ManifestError(f"cannot read schema {path}: {exc}", rule="schema-location") from exc
            if index > 0:  # CRD schema: strict like the built-in ones
                schema = close_objects(schema)
            return best_validator(schema, str(path))
        where = ", ".join(str(p) for p in paths)
        message = f"no schema for {kind} ({api_version}) in Kubernetes {self.kubernetes_version} (looked at {where})"
        if self.crd_location is None and not is_builtin_group(api_version):
            message += "; set a CRD schema location to validate custom resources"
        return message

    def validator_for(self, api_version: str, kind: str) -> DocValidator | None:
        key = (api_version, kind)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._load(api_version, kind)
        return None if isinstance(found, str) else found

    def validate(self, doc: Any) -> list[Violation]:
        if not isinstance(doc, dict):
            return [Violation(ROOT_PATH, f"a manifest must be a mapping, got {_json_type(doc)}", RULE_SCHEMA)]
        api_version, kind = doc.get("apiVersion"), doc.get("kind")
        problems: list[Violation] = []
        for field, value in (("apiVersion", api_version), ("kind", kind)):
            if value is None:
                problems.append(Violation(field, f'missing required field "{field}"', RULE_SCHEMA))
            elif not isinstance(value, str) or not value:
                problems.append(Violation(field, f"expected a non-empty string, got {_show(value)}", RULE_SCHEMA))
        if problems:
            return problems
        assert isinstance(api_version, str) and isinstance(kind, str)
        validator = self.validator_for(api_version, kind)
        if validator is None:
            message = self._cache[(api_version, kind)]
            assert isinstance(message, str)
            return [Violation("kind", message, RULE_MISSING_SCHEMA)]
        return validator(doc)


def is_builtin_group(api_version: str) -> bool:
    """True for API groups served by Kubernetes itself (core, ``*.k8s.io`` and dot-less groups)."""
    group, _ = split_api_version(api_version)
    return group == "" or "." not in group or group.endswith(".k8s.io")


__all__ = [
    "DEFAULT_KUBERNETES_VERSION",
    "SUPPORTED_KUBERNETES_VERSIONS",
    "SchemaRegistry",
    "UnsupportedSchema",
    "Violation",
    "best_validator",
    "close_objects",
    "compile_schema",
    "fast_validator",
    "format_path",
    "is_builtin_group",
    "json_equal",
    "jsonschema_validator",
    "kubeconform_file_name",
    "kubeconform_version",
    "normalize_kubernetes_version",
]
