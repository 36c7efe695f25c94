"""Schema validation of rendered manifests: registry behaviour, messages, speed, and proof that the
compiled fast validator agrees with jsonschema (verdict and error paths) on valid and mutated documents."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import GeneratorError, ManifestError
from generator.validate import manifest_schemas as ms
from generator.validate.manifest_schemas import (
    DEFAULT_KUBERNETES_VERSION,
    SUPPORTED_KUBERNETES_VERSIONS,
    SchemaRegistry,
    Violation,
)

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "schemas"

LABELS = {"app.kubernetes.io/name": "cert-rotation", "app.kubernetes.io/part-of": "kaptain"}


def cronjob() -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {
            "name": "kaptain-cert-rotation",
            "namespace": "kaptain-ingress",
            "labels": dict(LABELS),
            "annotations": {"kaptain-gitops.example.com/generated": "true"},
        },
        "spec": {
            "schedule": "0 0 * * *",
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 300,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 1,
            "suspend": False,
            "jobTemplate": {
                "metadata": {"labels": dict(LABELS)},
                "spec": job_spec(),
            },
        },
    }


def job_spec() -> dict[str, Any]:
    return {
        "backoffLimit": 2,
        "activeDeadlineSeconds": 600,
        "ttlSecondsAfterFinished": 86400,
        "template": {
            "metadata": {"labels": dict(LABELS)},
            "spec": {
                "serviceAccountName": "kaptain-cert-rotation",
                "restartPolicy": "OnFailure",
                "automountServiceAccountToken": True,
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": 65532,
                    "runAsGroup": 65532,
                    "fsGroup": 65532,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [
                    {
                        "name": "rotate",
                        "image": "registry.example.com/kaptain/rotate:1.2.3",
                        "imagePullPolicy": "IfNotPresent",
                        "command": ["/bin/sh", "-c"],
                        "args": ["/scripts/rotate.sh"],
                        "env": [
                            {"name": "SOURCE_SECRET", "value": "kommander-traefik-certificate"},
                            {"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                            {
                                "name": "DRY_RUN",
                                "valueFrom": {"configMapKeyRef": {"name": "kaptain-rotation", "key": "dryRun"}},
                            },
                        ],
                        "resources": {
                            "requests": {"cpu": "10m", "memory": "32Mi"},
                            "limits": {"cpu": 1, "memory": "64Mi"},
                        },
                        "securityContext": {
                            "allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]},
                        },
                        "volumeMounts": [
                            {"name": "scripts", "mountPath": "/scripts", "readOnly": True},
                            {"name": "tmp", "mountPath": "/tmp"},
                        ],
                    }
                ],
                "volumes": [
                    {"name": "scripts", "configMap": {"name": "kaptain-rotation", "defaultMode": 0o555}},
                    {"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}},
                ],
            },
        },
    }


def job() -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "kaptain-cert-rotation-now", "namespace": "kaptain-ingress", "labels": dict(LABELS)},
        "spec": job_spec(),
    }


def configmap() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "kaptain-rotation", "namespace": "kaptain-ingress", "labels": dict(LABELS)},
        "data": {"rotate.sh": "#!/bin/sh\nset -eu\necho rotating\n", "dryRun": "false"},
    }


def serviceaccount() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "kaptain-cert-rotation", "namespace": "kaptain-ingress", "labels": dict(LABELS)},
        "automountServiceAccountToken": False,
    }


def role() -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "kaptain-cert-rotation", "namespace": "kaptain-ingress"},
        "rules": [
            {
                "apiGroups": [""],
                "resources": ["secrets"],
                "resourceNames": ["kubeflow-oidc-ca-bundle"],
                "verbs": ["get", "update", "patch"],
            },
            {"apiGroups": ["apps"], "resources": ["statefulsets"], "verbs": ["get", "patch"]},
        ],
    }


def rolebinding() -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "kaptain-cert-rotation", "namespace": "kaptain-ingress"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "kaptain-cert-rotation"},
        "subjects": [{"kind": "ServiceAccount", "name": "kaptain-cert-rotation", "namespace": "kaptain-ingress"}],
    }


SAMPLES = {
    "CronJob": cronjob,
    "Job": job,
    "ConfigMap": configmap,
    "ServiceAccount": serviceaccount,
    "Role": role,
    "RoleBinding": rolebinding,
}


@pytest.fixture(scope="module")
def registries() -> dict[str, SchemaRegistry]:
    return {v: SchemaRegistry(SCHEMAS, v) for v in SUPPORTED_KUBERNETES_VERSIONS}


@pytest.fixture(scope="module")
def registry(registries: dict[str, SchemaRegistry]) -> SchemaRegistry:
    return registries[DEFAULT_KUBERNETES_VERSION]


def rules_at(violations: list[Violation]) -> set[tuple[str, str]]:
    return {(v.path, v.rule) for v in violations}


# --------------------------------------------------------------------------------------------
# Registry behaviour
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", SUPPORTED_KUBERNETES_VERSIONS)
@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_samples_are_valid_in_every_version(registries: dict[str, SchemaRegistry], version: str, kind: str) -> None:
    assert registries[version].validate(SAMPLES[kind]()) == []


def test_misspelled_field_is_reported_with_path_and_suggestion(registry: SchemaRegistry) -> None:
    doc = cronjob()
    doc["spec"]["schedulee"] = doc["spec"].pop("schedule")
    found = registry.validate(doc)
    assert Violation("spec.schedulee", 'unknown field "schedulee" (did you mean "schedule"?)', "unknown-field") in found
    assert Violation("spec.schedule", 'missing required field "schedule"', "schema") in found
    assert len(found) == 2


def test_deep_path_uses_indexes(registry: SchemaRegistry) -> None:
    doc = cronjob()
    doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["restartPolicy"] = 7
    (violation,) = registry.validate(doc)
    assert violation.path == "spec.jobTemplate.spec.template.spec.containers[0].restartPolicy"
    assert violation.rule == "schema"
    assert "expected string" in violation.message and "integer" in violation.message


def test_unknown_field_deep_inside_a_list(registry: SchemaRegistry) -> None:
    doc = job()
    doc["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][1]["mountpath"] = "/x"
    (violation,) = registry.validate(doc)
    assert violation == Violation(
        "spec.template.spec.containers[0].volumeMounts[1].mountpath",
        'unknown field "mountpath" (did you mean "mountPath"?)',
        "unknown-field",
    )


def test_label_keys_are_quoted_in_paths(registry: SchemaRegistry) -> None:
    doc = configmap()
    doc["metadata"]["labels"]["app.kubernetes.io/version"] = 3
    (violation,) = registry.validate(doc)
    assert violation.path == 'metadata.labels["app.kubernetes.io/version"]'


def test_int_or_string_and_quantity(registry: SchemaRegistry) -> None:
    doc = cronjob()
    container = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    container["resources"]["limits"]["cpu"] = [1]
    container["ports"] = [{"containerPort": 8080, "name": "http"}]
    container["livenessProbe"] = {"httpGet": {"port": "http", "path": "/"}}
    found = registry.validate(doc)
    assert rules_at(found) == {("spec.jobTemplate.spec.template.spec.containers[0].resources.limits.cpu", "schema")}
    assert "matches none of the allowed forms (string, number)" in found[0].message


def test_enum_on_kind_and_api_version(registry: SchemaRegistry) -> None:
    doc = role()
    doc["apiVersion"] = "rbac.authorization.k8s.io/v1"
    doc["rules"][0]["verbs"] = "get"
    (violation,) = registry.validate(doc)
    assert violation.path == "rules[0].verbs" and "expected array" in violation.message


def test_missing_schema(registry: SchemaRegistry) -> None:
    (violation,) = registry.validate({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "x"}})
    assert violation.rule == "missing-schema"
    assert "statefulset-apps-v1.json" in violation.message
    (crd,) = registry.validate({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application"})
    assert crd.rule == "missing-schema" and "CRD schema location" in crd.message


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ([], {("(root)", "schema")}),
        ({"kind": "ConfigMap"}, {("apiVersion", "schema")}),
        ({"apiVersion": "v1"}, {("kind", "schema")}),
        ({"apiVersion": 1, "kind": ""}, {("apiVersion", "schema"), ("kind", "schema")}),
    ],
)
def test_malformed_documents(registry: SchemaRegistry, doc: Any, expected: set[tuple[str, str]]) -> None:
    assert rules_at(registry.validate(doc)) == expected


@pytest.mark.parametrize("spelling", ["1.35", "v1.35", "1.35.0", "v1.35.0", "1.35.7", " 1.35 "])
def test_version_spellings(spelling: str) -> None:
    assert ms.normalize_kubernetes_version(spelling) == "1.35"
    assert ms.kubeconform_version(spelling) == "1.35.0"
    assert SchemaRegistry(SCHEMAS, spelling).kubernetes_version == "1.35"


@pytest.mark.parametrize("bad", ["1.34", "2.0", "latest", "", "1", "master"])
def test_unsupported_versions(bad: str) -> None:
    with pytest.raises(ManifestError) as info:
        SchemaRegistry(SCHEMAS, bad)
    assert isinstance(info.value, GeneratorError)
    assert info.value.hint and "1.30" in info.value.hint


def test_schema_root_may_be_the_kubernetes_folder(tmp_path: Path) -> None:
    assert SchemaRegistry(SCHEMAS / "kubernetes").validate(configmap()) == []
    with pytest.raises(ManifestError, match="no schema folder"):
        SchemaRegistry(tmp_path)


def test_compiles_each_kind_once_and_lazily() -> None:
    registry = SchemaRegistry(SCHEMAS, "1.36")
    with mock.patch.object(ms, "best_validator", wraps=ms.best_validator) as compile_spy:
        assert compile_spy.call_count == 0
        for _ in range(5):
            for make in (cronjob, configmap):
                registry.validate(make())
            registry.validate({"apiVersion": "apps/v1", "kind": "StatefulSet"})
        assert compile_spy.call_count == 2
    assert registry.validator_for("batch/v1", "CronJob") is registry.validator_for("batch/v1", "CronJob")


@pytest.mark.parametrize(
    ("api_version", "kind", "name"),
    [
        ("v1", "ConfigMap", "configmap-v1.json"),
        ("v1", "ServiceAccount", "serviceaccount-v1.json"),
        ("rbac.authorization.k8s.io/v1", "Role", "role-rbac-v1.json"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebinding-rbac-v1.json"),
        ("batch/v1", "CronJob", "cronjob-batch-v1.json"),
        ("argoproj.io/v1alpha1", "Application", "application-argoproj-v1alpha1.json"),
    ],
)
def test_kubeconform_file_names(api_version: str, kind: str, name: str) -> None:
    assert ms.kubeconform_file_name(api_version, kind) == name


def test_format_path() -> None:
    assert ms.format_path(()) == "(root)"
    assert ms.format_path(("spec", "containers", 0, "name")) == "spec.containers[0].name"
    assert ms.format_path(("data", "rotate.sh")) == 'data["rotate.sh"]'
    assert ms.format_path(("a", 1, 2)) == "a[1][2]"
    assert ms.format_path(("x-y", "$z")) == "x-y.$z"


# --------------------------------------------------------------------------------------------
# Speed
# --------------------------------------------------------------------------------------------


def test_fleet_sized_validation_is_fast(registry: SchemaRegistry) -> None:
    docs = [make() for make in SAMPLES.values()] * 1000  # the fleet check's 6,000 documents
    for doc in docs[:6]:
        registry.validate(doc)  # compile outside the timed part
    start = time.perf_counter()
    bad = [doc for doc in docs if registry.validate(doc)]
    elapsed = time.perf_counter() - start
    assert bad == []
    assert elapsed < 3.0, f"6,000 documents took {elapsed:.2f} s"


# --------------------------------------------------------------------------------------------
# Equivalence with jsonschema
# --------------------------------------------------------------------------------------------

_VALIDATORS: dict[tuple[str, str], tuple[ms.DocValidator, ms.DocValidator]] = {}


def both(version: str, kind: str) -> tuple[ms.DocValidator, ms.DocValidator]:
    key = (version, kind)
    if key not in _VALIDATORS:
        doc = SAMPLES[kind]()
        path = SCHEMAS / "kubernetes" / ms.schema_dir_name(version) / ms.kubeconform_file_name(doc["apiVersion"], kind)
        schema = json.loads(path.read_text(encoding="utf-8"))
        _VALIDATORS[key] = (ms.fast_validator(schema), ms.jsonschema_validator(schema, check_schema=False))
    return _VALIDATORS[key]


def verdicts(version: str, kind: str, doc: Any) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    fast, reference = both(version, kind)
    return rules_at(fast(doc)), rules_at(reference(doc))


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_equivalent_on_valid_documents(kind: str) -> None:
    for version in SUPPORTED_KUBERNETES_VERSIONS:
        got, want = verdicts(version, kind, SAMPLES[kind]())
        assert got == want == set()


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    out = [(path, value)]
    if isinstance(value, dict):
        for key, sub in value.items():
            out.extend(_nodes(sub, (*path, key)))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            out.extend(_nodes(sub, (*path, index)))
    return out


WRONG_VALUES = st.sampled_from([None, 0, -1, 1.5, 2.0, True, "", "x", [], [1], {}, {"a": 1}, ["a", None]])
FIELD_NAMES = st.sampled_from(["name", "extra", "Name", "spec", "metadata", "image", "schedulee", "x.y/z", "value"])


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str, Any]:
    kind = draw(st.sampled_from(sorted(SAMPLES)))
    version = draw(st.sampled_from(SUPPORTED_KUBERNETES_VERSIONS))
    doc = SAMPLES[kind]()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        nodes = _nodes(doc)
        path, node = nodes[draw(st.integers(min_value=0, max_value=len(nodes) - 1))]
        op = draw(st.sampled_from(["drop", "add", "retype", "retype", "wrap"]))
        if not path:
            if op == "add":
                doc[draw(FIELD_NAMES)] = copy.deepcopy(draw(WRONG_VALUES))
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        if op == "drop":
            del parent[last]
        elif op == "add" and isinstance(node, dict):
            node[draw(FIELD_NAMES)] = copy.deepcopy(draw(WRONG_VALUES))
        elif op == "wrap":
            parent[last] = [copy.deepcopy(node)]
        else:
            parent[last] = copy.deepcopy(draw(WRONG_VALUES))
    return version, kind, doc


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_equivalent_on_mutated_documents(case: tuple[str, str, Any]) -> None:
    version, kind, doc = case
    got, want = verdicts(version, kind, doc)
    assert got == want
    assert bool(got) == bool(want)


def test_mutations_do_find_errors() -> None:
    doc = cronjob()
    doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"][0]["valuee"] = 1
    del doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["name"]
    doc["metadata"]["labels"] = []
    got, want = verdicts("1.37", "CronJob", doc)
    assert (
        got
        == want
        == {
            ("spec.jobTemplate.spec.template.spec.containers[0].env[0].valuee", "unknown-field"),
            ("spec.jobTemplate.spec.template.spec.containers[0].name", "schema"),
            ("metadata.labels", "schema"),
        }
    )


# A schema exercising every keyword the compiler implements, for exhaustive small-value comparisons.
FEATURE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["a"],
    "additionalProperties": False,
    "properties": {
        "a": {"type": ["integer", "null"]},
        "b": {"enum": ["x", 1, True, None, [1], {"k": 1}]},
        "c": {"const": 1},
        "d": {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "number", "minimum": 0}]},
        "e": {"anyOf": [{"type": "string", "minLength": 2}, {"type": "array", "maxItems": 1}]},
        "f": {"allOf": [{"type": "number"}, {"maximum": 3}, {"exclusiveMinimum": -1}]},
        "g": {"not": {"type": "string"}},
        "h": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 3},
        "i": {"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 1, "maxProperties": 2},
        "j": {"type": "array", "items": {"type": "object", "properties": {"k": {"type": "boolean"}}}, "minItems": 1},
        "l": True,
        "m": {"exclusiveMaximum": 5, "minimum": 1.5},
        "n": {"type": "object", "properties": {"o": {"type": "string"}}, "additionalProperties": False},
    },
}

FEATURE_FAST = ms.fast_validator(FEATURE_SCHEMA)
FEATURE_REFERENCE = ms.jsonschema_validator(FEATURE_SCHEMA)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 6)
    | st.sampled_from([0.5, 2.0, -1.0, 5.0, 1e300])
    | st.text("ab1", max_size=4),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from("ko"), children, max_size=2),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.dictionaries(st.sampled_from("abcdefghijklmnz"), json_values, max_size=6))
def test_compiler_matches_jsonschema_on_every_keyword(instance: dict[str, Any]) -> None:
    assert rules_at(FEATURE_FAST(instance)) == rules_at(FEATURE_REFERENCE(instance))


def test_false_schema() -> None:
    assert (
        rules_at(ms.fast_validator(False)(1)) == rules_at(ms.jsonschema_validator(False)(1)) == {("(root)", "schema")}
    )
    # Known, documented difference: jsonschema puts a false subschema's error at the parent path.
    schema = {"properties": {"k": False}}
    assert rules_at(ms.fast_validator(schema)({"k": 1})) == {("k", "schema")}
    assert rules_at(ms.jsonschema_validator(schema)({"k": 1})) == {("(root)", "schema")}


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"type": "integer"}, 1.0, True),
        ({"type": "integer"}, True, False),
        ({"type": "number"}, False, False),
        ({"enum": [1]}, True, False),
        ({"enum": [1]}, 1.0, True),
        ({"const": [True]}, [1], False),
        ({"oneOf": [{"type": ["string", "null"]}, {"type": ["integer", "null"]}]}, None, False),
        ({"oneOf": [{"type": ["string", "null"]}, {"type": ["integer", "null"]}]}, "1", True),
        ({"type": "object"}, [], False),
        ({"type": "array"}, (), False),
    ],
)
def test_type_semantics_match_jsonschema(schema: dict[str, Any], instance: Any, valid: bool) -> None:
    assert (ms.fast_validator(schema)(instance) == []) is valid
    assert (ms.jsonschema_validator(schema)(instance) == []) is valid


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#/$defs/x", "$defs": {"x": {"type": "string"}}},
        {"patternProperties": {"^a": {"type": "integer"}}, "type": ["object", "string"]},
        {"$schema": "http://json-schema.org/draft-04/schema#", "type": "string"},
    ],
)
def test_unsupported_keywords_fall_back_to_jsonschema(schema: dict[str, Any]) -> None:
    with pytest.raises(ms.UnsupportedSchema):
        ms.compile_schema(schema)
    validate = ms.best_validator(schema)
    assert validate("s") == []
    assert rules_at(validate(3)) == {("(root)", "schema")}


def test_invalid_schema_is_a_manifest_error() -> None:
    with pytest.raises(ms.UnsupportedSchema):
        ms.compile_schema({"items": [{"type": "string"}]})
    with pytest.raises(ManifestError, match=r"crd\.json is not a valid JSON schema"):
        ms.best_validator({"items": [{"type": "string"}]}, "crd.json")


# --------------------------------------------------------------------------------------------
# CRD strictness transform
# --------------------------------------------------------------------------------------------


def test_close_objects() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {"type": "object", "properties": {"a": {"type": "string"}}},
            "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"a": {}}},
            "map": {"type": "object", "additionalProperties": {"type": "object", "properties": {"v": {}}}},
            "list": {"type": "array", "items": {"type": "object", "properties": {"n": {}}}},
            "union": {
                "type": "object",
                "properties": {"a": {}},
                "anyOf": [{"properties": {"b": {}}, "required": ["b"]}],
            },
            "branchy": {"anyOf": [{"type": "object", "properties": {"z": {"type": "object", "properties": {}}}}]},
        },
    }
    closed = ms.close_objects(schema)
    props = closed["properties"]
    assert closed["additionalProperties"] is False
    assert props["spec"]["additionalProperties"] is False
    assert "additionalProperties" not in props["open"]
    assert props["map"]["additionalProperties"]["additionalProperties"] is False
    assert props["list"]["items"]["additionalProperties"] is False
    assert "additionalProperties" not in props["union"]
    branch = props["branchy"]["anyOf"][0]
    assert "additionalProperties" not in branch
    assert branch["properties"]["z"]["additionalProperties"] is False
    assert "additionalProperties" not in schema, "the input is not modified"
