"""API-server checks beyond the schema (names, labels, Job/CronJob fields, ConfigMap size, RBAC)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from generator.validate.api_metadata import label_value_errors, qualified_name_errors
from generator.validate.api_rules import check_api_rules
from generator.validate.manifest_schemas import Violation


def pod_spec() -> dict[str, Any]:
    return {
        "serviceAccountName": "kaptain-cert-rotation",
        "restartPolicy": "OnFailure",
        "containers": [
            {
                "name": "rotate",
                "image": "registry.example.com/kaptain/rotate:1.2.3",
                "volumeMounts": [{"name": "scripts", "mountPath": "/scripts"}],
            }
        ],
        "volumes": [{"name": "scripts", "configMap": {"name": "kaptain-rotation"}}],
    }


def job_spec() -> dict[str, Any]:
    return {
        "backoffLimit": 2,
        "activeDeadlineSeconds": 600,
        "ttlSecondsAfterFinished": 3600,
        "template": {"metadata": {"labels": {"app.kubernetes.io/name": "rotate"}}, "spec": pod_spec()},
    }


def cronjob(**spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "schedule": "0 0 * * *",
        "timeZone": "Etc/UTC",
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 300,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 1,
        "jobTemplate": {"metadata": {"labels": {"app.kubernetes.io/name": "rotate"}}, "spec": job_spec()},
    }
    base.update(spec)
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {
            "name": "kaptain-cert-rotation",
            "namespace": "kaptain-ingress",
            "labels": {"app.kubernetes.io/name": "rotate", "app.kubernetes.io/part-of": "kaptain"},
            "annotations": {"kaptain-gitops.example.com/source": "settings.yaml"},
        },
        "spec": base,
    }


def job(name: str = "kaptain-cert-rotation-now") -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "kaptain-ingress"},
        "spec": job_spec(),
    }


def configmap(**data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "kaptain-rotation", "namespace": "kaptain-ingress"},
        "data": data or {"rotate.sh": "#!/bin/sh\n", "dryRun": "false"},
    }


def role() -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "kaptain-cert-rotation", "namespace": "kaptain-ingress"},
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "update"]}],
    }


def rolebinding() -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "kaptain-cert-rotation", "namespace": "kaptain-ingress"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "kaptain-cert-rotation"},
        "subjects": [{"kind": "ServiceAccount", "name": "kaptain-cert-rotation", "namespace": "kaptain-ingress"}],
    }


def serviceaccount() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "kaptain-cert-rotation", "namespace": "kaptain-ingress"},
    }


def found(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(v.path, v.rule) for v in check_api_rules(doc)}


@pytest.mark.parametrize("make", [cronjob, job, configmap, role, rolebinding, serviceaccount])
def test_good_documents_pass(make: Any) -> None:
    assert check_api_rules(make()) == []


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


def test_cronjob_name_limit_is_52() -> None:
    doc = cronjob()
    doc["metadata"]["name"] = "a" * 52
    assert check_api_rules(doc) == []
    doc["metadata"]["name"] = "a" * 53
    (violation,) = check_api_rules(doc)
    assert (violation.path, violation.rule) == ("metadata.name", "name-too-long")
    assert "53 characters; the limit is 52" in violation.message and "suffix" in violation.message


def test_job_name_limit_is_63() -> None:
    assert check_api_rules(job("j" * 63)) == []
    assert found(job("j" * 64)) == {("metadata.name", "name-too-long")}


def test_other_names_limit_is_253() -> None:
    doc = configmap()
    doc["metadata"]["name"] = "c" * 253
    assert check_api_rules(doc) == []
    doc["metadata"]["name"] = "c" * 254
    assert found(doc) == {("metadata.name", "name-too-long")}
    doc = role()
    doc["metadata"]["name"] = "r" * 254
    assert found(doc) == {("metadata.name", "name-too-long")}


@pytest.mark.parametrize("name", ["Kaptain", "kaptain_rotation", "-kaptain", "kaptain-", "a..b", "a b"])
def test_dns_subdomain_names(name: str) -> None:
    doc = serviceaccount()
    doc["metadata"]["name"] = name
    assert found(doc) == {("metadata.name", "invalid-name")}


@pytest.mark.parametrize("name", ["system:kaptain", "Kaptain_Rotation"])
def test_rbac_names_are_path_segments(name: str) -> None:
    doc = role()
    doc["metadata"]["name"] = name
    assert check_api_rules(doc) == []


@pytest.mark.parametrize("name", ["a/b", "50%", ".", ".."])
def test_rbac_name_rejections(name: str) -> None:
    doc = rolebinding()
    doc["metadata"]["name"] = name
    assert ("metadata.name", "invalid-name") in found(doc)


def test_missing_name() -> None:
    doc = configmap()
    del doc["metadata"]["name"]
    doc["metadata"]["generateName"] = "kaptain-"
    assert found(doc) == {("metadata.name", "invalid-name")}
    assert found({"apiVersion": "v1", "kind": "ConfigMap"}) == {("metadata.name", "invalid-name")}


@pytest.mark.parametrize("namespace", ["Kaptain", "kaptain.ingress", "n" * 64, "-x"])
def test_namespace_is_a_dns_label(namespace: str) -> None:
    doc = configmap()
    doc["metadata"]["namespace"] = namespace
    assert found(doc) == {("metadata.namespace", "invalid-name")}


# --------------------------------------------------------------------------------------------
# Labels and annotations
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "app",
        "app.kubernetes.io/name",
        "a" * 63,
        "example.com/" + "a" * 63,
        "A_b.c-D",
        ("x" * 60 + ".") * 4 + "c/n",
    ],
)
def test_valid_label_keys(key: str) -> None:
    assert qualified_name_errors(key) == []


@pytest.mark.parametrize(
    "key",
    ["", "a" * 64, "/name", "Example.com/name", "a/b/c", "-a", "a-", "example.com/", "has space", "x" * 254 + "/n"],
)
def test_invalid_label_keys(key: str) -> None:
    assert qualified_name_errors(key)


@pytest.mark.parametrize("value", ["", "a", "v1.2.3", "A-b_c.D", "x" * 63])
def test_valid_label_values(value: str) -> None:
    assert label_value_errors(value) == []


@pytest.mark.parametrize("value", ["x" * 64, "-a", "a.", "a b", "a/b", "ü"])
def test_invalid_label_values(value: str) -> None:
    assert label_value_errors(value)


def test_labels_are_checked_on_every_object_meta() -> None:
    doc = cronjob()
    doc["metadata"]["labels"]["bad key!"] = "ok"
    doc["spec"]["jobTemplate"]["metadata"]["labels"]["team"] = "x" * 64
    doc["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]["version"] = "1.0-"
    assert found(doc) == {
        ('metadata.labels["bad key!"]', "invalid-label"),
        ("spec.jobTemplate.metadata.labels.team", "invalid-label"),
        ("spec.jobTemplate.spec.template.metadata.labels.version", "invalid-label"),
    }


def test_annotations_keys_and_total_size() -> None:
    doc = configmap()
    doc["metadata"]["annotations"] = {"Example.COM/Note": "upper-case prefixes are lower-cased first"}
    assert check_api_rules(doc) == []
    doc["metadata"]["annotations"] = {"a/b/c": "x", "ok": "y" * (256 * 1024)}
    violations = check_api_rules(doc)
    assert {(v.path, v.rule) for v in violations} == {
        ('metadata.annotations["a/b/c"]', "invalid-label"),
        ("metadata.annotations", "invalid-label"),
    }
    assert any("256 KiB" in v.message for v in violations)
    doc["metadata"]["annotations"] = {"ok": "y" * (256 * 1024 - 2)}
    assert check_api_rules(doc) == []


# --------------------------------------------------------------------------------------------
# Job and CronJob fields
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["Always", "always", ""])
def test_restart_policy(policy: str) -> None:
    doc = cronjob()
    doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] = policy
    (violation,) = check_api_rules(doc)
    assert violation.path == "spec.jobTemplate.spec.template.spec.restartPolicy"
    assert violation.rule == "invalid-restart-policy"


def test_restart_policy_unset_defaults_to_always() -> None:
    doc = job()
    del doc["spec"]["template"]["spec"]["restartPolicy"]
    (violation,) = check_api_rules(doc)
    assert (violation.path, violation.rule) == ("spec.template.spec.restartPolicy", "invalid-restart-policy")
    assert "Always" in violation.message
    doc["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    assert check_api_rules(doc) == []


@pytest.mark.parametrize(("policy", "ok"), [("Allow", True), ("Forbid", True), ("Replace", True), ("forbid", False)])
def test_concurrency_policy(policy: str, ok: bool) -> None:
    expected = set() if ok else {("spec.concurrencyPolicy", "invalid-concurrency-policy")}
    assert found(cronjob(concurrencyPolicy=policy)) == expected


def test_negative_values() -> None:
    doc = cronjob(startingDeadlineSeconds=-1, successfulJobsHistoryLimit=-2, failedJobsHistoryLimit=-3)
    spec = doc["spec"]["jobTemplate"]["spec"]
    spec.update(backoffLimit=-1, activeDeadlineSeconds=0, parallelism=-1, completions=-1, ttlSecondsAfterFinished=-5)
    spec["template"]["spec"]["activeDeadlineSeconds"] = -1
    assert found(doc) == {
        ("spec.startingDeadlineSeconds", "negative-value"),
        ("spec.successfulJobsHistoryLimit", "negative-value"),
        ("spec.failedJobsHistoryLimit", "negative-value"),
        ("spec.jobTemplate.spec.backoffLimit", "negative-value"),
        ("spec.jobTemplate.spec.activeDeadlineSeconds", "negative-value"),
        ("spec.jobTemplate.spec.parallelism", "negative-value"),
        ("spec.jobTemplate.spec.completions", "negative-value"),
        ("spec.jobTemplate.spec.ttlSecondsAfterFinished", "negative-value"),
        ("spec.jobTemplate.spec.template.spec.activeDeadlineSeconds", "negative-value"),
    }


def test_zero_is_fine_where_non_negative() -> None:
    doc = cronjob(startingDeadlineSeconds=0, successfulJobsHistoryLimit=0, failedJobsHistoryLimit=0)
    doc["spec"]["jobTemplate"]["spec"]["backoffLimit"] = 0
    assert check_api_rules(doc) == []


def test_wrong_types_are_left_to_the_schema() -> None:
    doc = cronjob(startingDeadlineSeconds="-1", successfulJobsHistoryLimit=True, concurrencyPolicy=3, timeZone=1)
    doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"] = "nope"
    doc["metadata"]["labels"] = ["x"]
    assert check_api_rules(doc) == []
    assert check_api_rules({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "x"}, "spec": 3}) == []


# --------------------------------------------------------------------------------------------
# Schedules (through generator.schedule.cron.parse)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("schedule", ["0 0 * * *", "*/15 * * * *", "@daily", "@every 1h", "0 3 * * 1-5", "0 0 ? * *"])
def test_good_schedules(schedule: str) -> None:
    assert check_api_rules(cronjob(schedule=schedule)) == []


@pytest.mark.parametrize(
    "schedule", ["not a cron at all", "0 0 * *", "0 0 0 * * *", "60 * * * *", "0 0 L * *", "", "TZ=UTC 0 0 * * *"]
)
def test_bad_schedules(schedule: str) -> None:
    violations = check_api_rules(cronjob(schedule=schedule))
    assert {(v.path, v.rule) for v in violations} == {("spec.schedule", "invalid-schedule")}
    assert all(v.message for v in violations)


def test_tz_in_schedule_points_at_time_zone_field() -> None:
    (violation,) = check_api_rules(cronjob(schedule="CRON_TZ=Europe/Berlin 0 0 * * *", timeZone=None))
    assert "timeZone" in violation.message


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Local", "", "Europe/../UTC", "-Europe/Berlin"])
def test_bad_time_zones(zone: str) -> None:
    assert found(cronjob(timeZone=zone)) == {("spec.timeZone", "invalid-time-zone")}


def test_bad_schedule_and_zone_are_both_reported() -> None:
    assert found(cronjob(schedule="61 * * * *", timeZone="Nowhere/Special")) == {
        ("spec.schedule", "invalid-schedule"),
        ("spec.timeZone", "invalid-time-zone"),
    }


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Etc/UTC", "UTC", None])
def test_good_time_zones(zone: str | None) -> None:
    assert check_api_rules(cronjob(timeZone=zone)) == []


# --------------------------------------------------------------------------------------------
# Pod spec, ConfigMap, RBAC
# --------------------------------------------------------------------------------------------


def test_pod_spec_names_and_mounts() -> None:
    doc = job()
    spec = doc["spec"]["template"]["spec"]
    spec["containers"].append({"name": "rotate", "image": "x:1"})
    spec["initContainers"] = [{"name": "Init_1", "image": "x:1", "volumeMounts": [{"name": "tmp", "mountPath": "/t"}]}]
    spec["volumes"].append({"name": "scripts", "emptyDir": {}})
    spec["serviceAccountName"] = "Bad_Account"
    assert found(doc) == {
        ("spec.template.spec.containers[1].name", "invalid-pod-spec"),
        ("spec.template.spec.initContainers[0].name", "invalid-pod-spec"),
        ("spec.template.spec.initContainers[0].volumeMounts[0].name", "invalid-pod-spec"),
        ("spec.template.spec.volumes[1].name", "invalid-pod-spec"),
        ("spec.template.spec.serviceAccountName", "invalid-name"),
    }


def test_configmap_size_limit() -> None:
    assert check_api_rules(configmap(big="x" * (1024 * 1024))) == []
    (violation,) = check_api_rules(configmap(big="x" * (1024 * 1024), more="y"))
    assert (violation.path, violation.rule) == ("data", "configmap-too-large")
    doc = configmap(small="x")
    doc["binaryData"] = {"blob": base64.b64encode(b"\0" * (1024 * 1024)).decode()}
    assert found(doc) == {("data", "configmap-too-large")}
    doc["binaryData"] = {"blob": base64.b64encode(b"\0" * (1024 * 1024 - 1)).decode()}
    assert check_api_rules(doc) == []


def test_configmap_size_counts_utf8_bytes() -> None:
    assert found(configmap(text="é" * (512 * 1024 + 1))) == {("data", "configmap-too-large")}


@pytest.mark.parametrize("key", ["a/b", "..hidden", ".", "with space", "k" * 254])
def test_configmap_keys(key: str) -> None:
    violations = found(configmap(**{key: "v"}))
    assert {rule for _, rule in violations} == {"invalid-configmap-key"}
    assert all(path.startswith("data") for path, _ in violations)


def test_configmap_key_in_data_and_binary_data() -> None:
    doc = configmap(same="v")
    doc["binaryData"] = {"same": "AA=="}
    assert found(doc) == {("binaryData.same", "invalid-configmap-key")}


def test_role_rules() -> None:
    doc = role()
    doc["rules"] = [
        {"apiGroups": [""], "resources": ["secrets"], "verbs": []},
        {"resources": ["configmaps"], "verbs": ["get"]},
        {"apiGroups": ["apps"], "verbs": ["get"]},
        {"nonResourceURLs": ["/healthz"], "verbs": ["get"]},
    ]
    assert found(doc) == {
        ("rules[0].verbs", "invalid-rbac"),
        ("rules[1].apiGroups", "invalid-rbac"),
        ("rules[2].resources", "invalid-rbac"),
        ("rules[3].nonResourceURLs", "invalid-rbac"),
    }


def test_rolebinding_ref_and_subjects() -> None:
    doc = rolebinding()
    doc["roleRef"] = {"apiGroup": "rbac", "kind": "ServiceAccount", "name": ""}
    doc["subjects"] = [
        {"kind": "ServiceAccount", "name": "Bad_Name", "apiGroup": "rbac.authorization.k8s.io"},
        {"kind": "User", "name": "alice"},
        {"kind": "Group", "name": "ops", "apiGroup": "rbac.authorization.k8s.io"},
        {"kind": "Robot", "name": "r2"},
    ]
    assert found(doc) == {
        ("roleRef.apiGroup", "invalid-rbac"),
        ("roleRef.kind", "invalid-rbac"),
        ("roleRef.name", "invalid-rbac"),
        ("subjects[0].apiGroup", "invalid-rbac"),
        ("subjects[0].name", "invalid-rbac"),
        ("subjects[1].apiGroup", "invalid-rbac"),
        ("subjects[3].kind", "invalid-rbac"),
    }


def test_crds_get_generic_metadata_checks() -> None:
    doc = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "Kaptain"}, "spec": {}}
    assert check_api_rules(doc) == [
        Violation(
            "metadata.name",
            "Application name 'Kaptain' must consist of lower case alphanumeric characters, '-' or '.', "
            "and start and end with an alphanumeric",
            "invalid-name",
        )
    ]


def test_not_a_mapping() -> None:
    assert check_api_rules([]) == []  # type: ignore[arg-type]
