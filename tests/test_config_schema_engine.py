"""The config-file validator (``config_schema.iter_errors``) against jsonschema, the reference implementation.

``settings.yaml`` and ``gitops.yaml`` are validated by a small in-house walker so that ``validate`` (the
pre-commit hook) starts without importing jsonschema. These tests prove it reports exactly what jsonschema's
draft 2020-12 validator reports (its ``pattern`` keyword given the ECMA-262 semantics the config files use) — same
failed keyword, keyword argument, instance and path, in the same order —
on the example files and on generated documents that break the schemas in every way their keywords allow.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import config_schema, yaml_source
from generator.config.config_schema import iter_errors
from generator.config.schema_patterns import ecma_regex
from generator.errors import GeneratorError

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = {name: json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))
           for name in ("settings.schema.json", "gitops.schema.json")}
EXAMPLES = sorted((REPO / "tests" / "examples" / "settings").rglob("*.yaml"))


def _ours(schema: dict[str, Any], value: Any) -> list[tuple[Any, ...]]:
    return [(e.validator, e.validator_value, e.instance, e.path) for e in iter_errors(schema, schema, value)]


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Any:
    """``pattern`` with ECMA-262 semantics (``config_schema.ecma_regex``), as the config files use it."""
    if validator.is_type(instance, "string") and not ecma_regex(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


REFERENCE = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _ecma_pattern})


def _reference(schema: dict[str, Any], value: Any) -> list[tuple[Any, ...]]:
    validator = REFERENCE(schema)
    return [(e.validator, e.validator_value, e.instance, tuple(e.absolute_path)) for e in validator.iter_errors(value)]


def _same(schema: dict[str, Any], value: Any) -> None:
    ours, reference = _ours(schema, value), _reference(schema, value)
    assert ours == reference, (value, ours, reference)


def _example_values() -> list[Any]:
    values = []
    for path in EXAMPLES:
        try:
            values.append(yaml_source.parse(yaml_source.decode(path.read_bytes(), path.name), path.name).value)
        except GeneratorError:
            continue  # not YAML we accept: never reaches the schema
    return values


def test_examples_have_schema_errors_to_compare() -> None:
    values = _example_values()
    assert len(values) > 50
    assert sum(bool(_reference(SCHEMAS["settings.schema.json"], v)) for v in values) > 10


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_examples_same_errors_as_jsonschema(name: str) -> None:
    for value in _example_values():
        _same(SCHEMAS[name], value)


# Values of every JSON type, including the ones that tell jsonschema's semantics apart: true vs 1, 1.0 as an
# integer, empty and over-long strings, strings that almost match a pattern (trailing newline, upper case).
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.sampled_from([0, 1, -1, 2, 10, 59, 60, 3600, 86400, 86401, 1.0, 0.5, 24.0, -0.0,
                                               1e9]),
    st.integers(-5, 100_000), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "a", "A", "x" * 64, "x" * 300, "kaptain-ingress", "Kaptain", "abc\n", "1.35", "1.3", "1.29",
                     "Pod", "pod", "StatefulSet", "Never", "Always", "IfNotPresent", "Forbid", "10m", "32Mi",
                     "0 0 * * *", "Etc/UTC", "ca.crt", "docker.io/alpine/k8s:1.32.4", "-bad-", "a.b", "a_b"]),
    st.text(max_size=8),
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                          st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                       max_leaves=6)


def _shape(schema: dict[str, Any], node: dict[str, Any], draw: Any, depth: int = 0) -> Any:
    """A value for ``node``: mostly the shape the schema asks for, sometimes anything at all."""
    if "$ref" in node:
        node = {**schema["$defs"][node["$ref"].split("/")[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
    if depth > 4 or draw(st.integers(0, 9)) == 0:
        return draw(_VALUES)
    props = node.get("properties")
    if isinstance(props, dict):
        out = {}
        for key, sub in props.items():
            if draw(st.integers(0, 3)):  # leave some keys out: required and defaults
                out[key] = _shape(schema, sub, draw, depth + 1)
        if draw(st.integers(0, 15)) == 0:
            out[draw(st.text(max_size=6))] = draw(_VALUES)
        return out
    if "enum" in node:
        return draw(st.one_of(st.sampled_from(node["enum"]), _SCALARS))
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        items = [_shape(schema, node["items"], draw, depth + 1) for _ in range(draw(st.integers(0, 4)))]
        if items and draw(st.booleans()):
            items.append(items[0])  # uniqueItems
        return items
    return draw(_SCALARS)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_documents_same_errors_as_jsonschema(name: str, data: st.DataObject) -> None:
    schema = SCHEMAS[name]
    _same(schema, _shape(schema, schema, data.draw))


@pytest.mark.parametrize(("one", "two", "equal"), [
    (True, 1, False), (False, 0, False), (1, 1.0, True), ("1", 1, False), ([1, True], [1, True], True),
    ([1], [True], False), ({"a": 1}, {"a": 1.0}, True), (None, None, True), (None, False, False),
])
def test_enum_equality_follows_jsonschema(one: Any, two: Any, equal: bool) -> None:
    schema = {"enum": [one]}
    assert (not _ours(schema, two)) is equal
    _same(schema, two)


def test_array_keywords_follow_jsonschema() -> None:
    schema = {"type": "array", "maxItems": 2, "minItems": 1, "uniqueItems": True, "items": {"type": "string"}}
    for value in ([], ["a"], ["a", "a"], ["a", 1], ["a", "b", "c"], [1, True], [1, 1.0], [[1], [True]], "x"):
        _same(schema, value)
    assert [e.validator for e in iter_errors(schema, schema, ["a", "a", 3])] == ["maxItems", "uniqueItems", "type"]
    _same({"maxItems": 0}, [1])
    _same({"minItems": 2}, [1])


def test_unsupported_keyword_is_refused() -> None:
    config_schema.check_keywords(SCHEMAS["settings.schema.json"])
    config_schema.check_keywords(SCHEMAS["gitops.schema.json"])
    with pytest.raises(GeneratorError, match="oneOf"):
        config_schema.check_keywords({"properties": {"a": {"oneOf": [{"type": "string"}]}}})
    with pytest.raises(GeneratorError, match="not supported"):
        config_schema.check_keywords({"$ref": "other.json#/x"})
