"""Schema validation of rendered manifests on jsonschema-rs: registry behaviour, every built-in kind, and the
wording of each kind of error (the speed is measured by ``make bench``, not asserted here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

import jsonschema_rs
import pytest

from generator.errors import GeneratorError, ManifestError
from generator.validate import manifest_schemas as ms
from generator.validate import schema_errors
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
    (violation,) = registry.validate({"apiVersion": "apps/v1", "kind": "Deploymen", "metadata": {"name": "x"}})
    assert violation.rule == "missing-schema"
    assert "no schema for Deploymen (apps/v1)" in violation.message and "--skip Deploymen" in violation.message


def test_every_built_in_kind_is_strict(registry: SchemaRegistry) -> None:
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny"},
              "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egres": []}}
    assert registry.validate(policy) == [
        Violation("spec.egres", 'unknown field "egres" (did you mean "egress"?)', "unknown-field")
    ]
    policy["spec"]["egress"] = policy["spec"].pop("egres")
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "p"},
           "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "x"}}}}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                  "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": {
                      "metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}}}}
    for doc in (policy, pdb, deployment):
        assert registry.validate(doc) == [], doc["kind"]


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


@pytest.mark.parametrize("bad", ["1.29", "1.38", "2.0", "latest", "", "1", "master"])
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
    with mock.patch.object(ms, "_compile", wraps=ms._compile) as compile_spy:
        assert compile_spy.call_count == 0
        for _ in range(5):
            for make in (cronjob, configmap):
                registry.validate(make())
            registry.validate({"apiVersion": "apps/v1", "kind": "NoSuchKind"})
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
# The jsonschema-rs adapter: one wording per keyword
# --------------------------------------------------------------------------------------------

FEATURE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["a"],
    "additionalProperties": False,
    "properties": {
        "a": {"type": ["integer", "null"]},
        "b": {"enum": ["x", 1]},
        "c": {"const": 1},
        "d": {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "number", "minimum": 0}]},
        "e": {"anyOf": [{"type": "string", "minLength": 2}, {"type": "array", "maxItems": 1}]},
        "g": {"not": {"type": "string"}},
        "h": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 3},
        "i": {"type": "object", "minProperties": 1},
        "j": {"type": "array", "items": {"type": "object", "properties": {"kk": {"type": "boolean"}},
                                         "additionalProperties": False}, "minItems": 1},
        "l": False,
        "m": {"exclusiveMaximum": 5, "minimum": 1.5},
    },
}


def feature_violations(instance: Any) -> list[Violation]:
    uri = "file:///feature.json"
    validator = jsonschema_rs.validator_for(FEATURE_SCHEMA, base_uri=uri)
    return schema_errors.violations(validator.iter_errors(instance), schema_errors.pointer_lookup({uri: FEATURE_SCHEMA}))


@pytest.mark.parametrize(
    ("instance", "expected"),
    [
        ({}, [("a", 'missing required field "a"')]),
        ({"a": "1"}, [("a", 'expected integer or null, got string ("1")')]),
        ({"a": 1, "b": "y"}, [("b", '"y" is not one of "x", 1')]),
        ({"a": 1, "c": 2}, [("c", "2 must be 1")]),
        ({"a": 1, "d": -1.5}, [("d", "-1.5 matches none of the allowed forms (string, integer, number)")]),
        ({"a": 1, "d": 3}, [("d", "3 matches more than one allowed form (string, integer, number)")]),
        ({"a": 1, "e": "x"}, [("e", '"x" matches none of the allowed forms (string, array)')]),
        ({"a": 1, "g": "s"}, [("g", '"s" is not allowed here')]),
        ({"a": 1, "h": "abcd"}, [("h", '"abcd" is longer than 3 characters')]),
        ({"a": 1, "h": "ab\n"}, [("h", '"ab\\n" does not match the pattern "^[a-z]+$"')]),
        ({"a": 1, "i": {}}, [("i", "{} has fewer than 1 fields")]),
        ({"a": 1, "j": []}, [("j", "[] has fewer than 1 items")]),
        ({"a": 1, "j": [{"k": True}]}, [("j[0].k", 'unknown field "k"')]),
        ({"a": 1, "j": [{"KK": True}]}, [("j[0].KK", 'unknown field "KK" (did you mean "kk"?)')]),
        ({"a": 1, "l": 0}, [("l", "no value is allowed here")]),
        ({"a": 1, "m": 5}, [("m", "5 must be less than 5")]),
        ({"a": 1, "m": 1}, [("m", "1 is less than the minimum 1.5")]),
        ({"a": 1, "B": 1}, [("B", 'unknown field "B" (did you mean "b"?)')]),
    ],
)
def test_adapter_wording(instance: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert [(v.path, v.message) for v in feature_violations(instance)] == expected


def test_trailing_newline_does_not_pass_an_anchored_pattern(registry: SchemaRegistry) -> None:
    # ECMA-262 semantics (jsonschema-rs): "$" does not match before a final newline, as in the API server.
    schema = {"type": "string", "pattern": "^[a-z]+$"}
    assert jsonschema_rs.validator_for(schema).is_valid("abc")
    assert not jsonschema_rs.validator_for(schema).is_valid("abc\n")


def test_invalid_schema_is_a_manifest_error(tmp_path: Path) -> None:
    (tmp_path / "example.com").mkdir()
    (tmp_path / "example.com" / "thing_v1.json").write_text('{"type": 12}', encoding="utf-8")
    registry = SchemaRegistry(SCHEMAS, "1.35", str(tmp_path))
    with pytest.raises(ManifestError, match=r"thing_v1\.json is not a usable JSON schema"):
        registry.validate({"apiVersion": "example.com/v1", "kind": "Thing"})


def test_every_kind_file_of_every_version_compiles() -> None:
    for version in SUPPORTED_KUBERNETES_VERSIONS:
        registry = SchemaRegistry(SCHEMAS, version)
        names = sorted(p.name for p in registry.schema_dir.glob("*.json") if p.name != "_definitions.json")
        assert len(names) > 150, version
        for name in names:
            path = registry.schema_dir / name
            defs_registry, documents = registry._definitions_registry()
            compiled = ms._compile(json.loads(path.read_text(encoding="utf-8")), path, documents, defs_registry)
            assert not compiled.validator.is_valid({"unknownTopLevelField": 1}), (version, name)


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
