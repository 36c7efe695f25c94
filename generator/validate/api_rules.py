"""Checks the Kubernetes API server makes beyond the OpenAPI schema, for the kinds we render.

A schema-valid manifest can still be rejected on ``kubectl apply`` (or, worse, accepted and then never
run). These checks follow ``pkg/apis/core/validation``, ``pkg/apis/batch/validation`` and
``pkg/apis/rbac/validation`` and the apimachinery name/label helpers. Values of the wrong type are left
to the schema validator: every check here quietly skips what it cannot interpret.

Rule ids: ``name-too-long``, ``invalid-name``, ``invalid-label`` (label and annotation keys/values,
annotation total size), ``invalid-restart-policy``, ``invalid-concurrency-policy``, ``negative-value``,
``invalid-schedule`` (including ``TZ=`` in the schedule), ``invalid-time-zone`` (format or unknown
zone; both via :func:`generator.schedule.cron.parse`), ``configmap-too-large``, and three more that name the
object they concern: ``invalid-configmap-key``, ``invalid-pod-spec`` (container/volume names and
volume mounts), ``invalid-rbac`` (Role rules, RoleBinding roleRef/subjects).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, TypeGuard

from generator.errors import ScheduleError
from generator.validate.api_metadata import (
    CONFIGMAP_MAX,
    DNS1123_SUBDOMAIN_MAX,
    Collector,
    Path,
    check_labels,
    check_name,
    check_namespace,
    dns1123_label_errors,
    dns1123_subdomain_errors,
    label_value_errors,
    path_segment_errors,
    qualified_name_errors,
)
from generator.validate.manifest_schemas import Violation

_CONFIGMAP_KEY = re.compile(r"^[-._a-zA-Z0-9]+\Z")

RESTART_POLICIES = ("OnFailure", "Never")
CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")



def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _get(doc: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc



# --------------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------------


def _check_non_negative(spec: Any, base: Path, fields: tuple[str, ...], out: Collector) -> None:
    if not isinstance(spec, dict):
        return
    for field in fields:
        value = spec.get(field)
        if _is_int(value) and value < 0:
            out.add((*base, field), "negative-value", f"{field} must be 0 or more, not {value}")


def _check_positive(spec: Any, base: Path, field: str, out: Collector) -> None:
    if not isinstance(spec, dict):
        return
    value = spec.get(field)
    if _is_int(value) and value <= 0:
        out.add((*base, field), "negative-value", f"{field} must be greater than 0, not {value}")


def _check_pod_spec(spec: Any, base: Path, out: Collector, deployment: bool = False) -> None:
    if not isinstance(spec, dict):
        return
    policy = spec.get("restartPolicy")
    if deployment:
        if policy not in (None, "Always"):
            out.add((*base, "restartPolicy"), "invalid-restart-policy",
                    f"restartPolicy {policy!r} is not allowed in a Deployment; only Always")
    elif policy is None:
        out.add(
            (*base, "restartPolicy"),
            "invalid-restart-policy",
            "restartPolicy is not set and defaults to Always, which a Job rejects; use OnFailure or Never",
        )
    elif isinstance(policy, str) and policy not in RESTART_POLICIES:
        out.add(
            (*base, "restartPolicy"),
            "invalid-restart-policy",
            f"restartPolicy {policy!r} is not allowed in a Job; use OnFailure or Never",
        )
    _check_positive(spec, base, "activeDeadlineSeconds", out)
    _check_non_negative(spec, base, ("terminationGracePeriodSeconds",), out)
    account = spec.get("serviceAccountName")
    if isinstance(account, str) and account:
        for message in dns1123_subdomain_errors(account):
            out.add((*base, "serviceAccountName"), "invalid-name", f"serviceAccountName {account!r} {message}")

    volume_names: set[str] = set()
    volumes = spec.get("volumes")
    if isinstance(volumes, list):
        for index, volume in enumerate(volumes):
            name = _get(volume, "name")
            if not isinstance(name, str):
                continue
            path = (*base, "volumes", index, "name")
            for message in dns1123_label_errors(name):
                out.add(path, "invalid-pod-spec", f"volume name {name!r} {message}")
            if name in volume_names:
                out.add(path, "invalid-pod-spec", f"duplicate volume name {name!r}")
            volume_names.add(name)

    container_names: set[str] = set()
    for group in ("initContainers", "containers"):
        containers = spec.get(group)
        if not isinstance(containers, list):
            continue
        for index, container in enumerate(containers):
            if not isinstance(container, dict):
                continue
            name = container.get("name")
            if isinstance(name, str):
                path = (*base, group, index, "name")
                for message in dns1123_label_errors(name):
                    out.add(path, "invalid-pod-spec", f"container name {name!r} {message}")
                if name in container_names:
                    out.add(path, "invalid-pod-spec", f"duplicate container name {name!r}")
                container_names.add(name)
            mounts = container.get("volumeMounts")
            if isinstance(mounts, list):
                for mount_index, mount in enumerate(mounts):
                    mount_name = _get(mount, "name")
                    if isinstance(mount_name, str) and mount_name not in volume_names:
                        out.add(
                            (*base, group, index, "volumeMounts", mount_index, "name"),
                            "invalid-pod-spec",
                            f"volumeMount {mount_name!r} refers to no volume of this pod",
                        )


def _check_job_spec(spec: Any, base: Path, out: Collector) -> None:
    if not isinstance(spec, dict):
        return
    _check_non_negative(spec, base, ("backoffLimit", "parallelism", "completions", "ttlSecondsAfterFinished"), out)
    _check_positive(spec, base, "activeDeadlineSeconds", out)
    template = spec.get("template")
    if isinstance(template, dict):
        check_labels((*base, "template", "metadata"), template.get("metadata"), out)
        _check_pod_spec(template.get("spec"), (*base, "template", "spec"), out)


def _check_deployment_spec(spec: Any, out: Collector) -> None:
    """What the API server checks beyond the schema: the selector must select the pod template's labels."""
    if not isinstance(spec, dict):
        return
    base: Path = ("spec",)
    _check_non_negative(spec, base, ("replicas", "revisionHistoryLimit"), out)
    template = spec.get("template")
    if not isinstance(template, dict):
        return
    metadata = template.get("metadata")
    check_labels((*base, "template", "metadata"), metadata, out)
    _check_pod_spec(template.get("spec"), (*base, "template", "spec"), out, deployment=True)
    selector = spec.get("selector")
    match = selector.get("matchLabels") if isinstance(selector, dict) else None
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    if isinstance(match, dict) and isinstance(labels, dict) and not match.items() <= labels.items():
        out.add((*base, "selector"), "invalid-selector",
                "selector does not match template labels: every matchLabels entry must be a template label")


def _parse_schedule(expression: str, time_zone: str | None) -> None:
    from generator.schedule.cron import parse  # lazy: keeps this module importable on its own

    parse(expression, time_zone)


_ANY_SCHEDULE = "0 0 * * *"


def _check_cronjob_spec(spec: Any, out: Collector) -> None:
    if not isinstance(spec, dict):
        return
    base: Path = ("spec",)
    schedule = spec.get("schedule")
    if schedule == "":
        out.add((*base, "schedule"), "invalid-schedule", "schedule is empty")
    elif isinstance(schedule, str):
        try:
            _parse_schedule(schedule, None)
        except ScheduleError as exc:
            out.add((*base, "schedule"), "invalid-schedule", _explain(exc))
    zone = spec.get("timeZone")
    if isinstance(zone, str):
        try:
            _parse_schedule(_ANY_SCHEDULE, zone)
        except ScheduleError as exc:
            out.add((*base, "timeZone"), "invalid-time-zone", _explain(exc))
    policy = spec.get("concurrencyPolicy")
    if isinstance(policy, str) and policy and policy not in CONCURRENCY_POLICIES:
        out.add(
            (*base, "concurrencyPolicy"),
            "invalid-concurrency-policy",
            f"concurrencyPolicy {policy!r} is not one of Allow, Forbid, Replace",
        )
    _check_non_negative(
        spec, base, ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"), out
    )
    template = spec.get("jobTemplate")
    if isinstance(template, dict):
        check_labels((*base, "jobTemplate", "metadata"), template.get("metadata"), out)
        _check_job_spec(template.get("spec"), (*base, "jobTemplate", "spec"), out)


def _explain(exc: ScheduleError) -> str:
    if exc.rule == "tz-in-schedule":  # the schedule module's hint speaks about the settings file
        return "cannot use TZ or CRON_TZ in schedule; use the spec.timeZone field instead"
    return f"{exc.message}; {exc.hint}" if exc.hint else exc.message


# --------------------------------------------------------------------------------------------
# ConfigMap and RBAC
# --------------------------------------------------------------------------------------------


def _binary_size(value: str) -> int:
    try:
        return len(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return len(value) * 3 // 4


def _check_configmap(doc: dict[str, Any], out: Collector) -> None:
    total = 0
    seen: set[str] = set()
    for field in ("data", "binaryData"):
        entries = doc.get(field)
        if not isinstance(entries, dict):
            continue
        for key, value in entries.items():
            if not isinstance(key, str):
                continue
            path = (field, key)
            if len(key) > DNS1123_SUBDOMAIN_MAX:
                out.add(path, "invalid-configmap-key", f"key {key[:40]!r}... is longer than 253 characters")
            if not _CONFIGMAP_KEY.match(key):
                out.add(path, "invalid-configmap-key", f"key {key!r} may contain only letters, digits, '-', '_', '.'")
            elif key in (".", "..") or key.startswith(".."):
                out.add(path, "invalid-configmap-key", f"key {key!r} may not be '.' or start with '..'")
            if key in seen:
                out.add(path, "invalid-configmap-key", f"key {key!r} appears in both data and binaryData")
            seen.add(key)
            if isinstance(value, str):
                total += len(value.encode("utf-8")) if field == "data" else _binary_size(value)
    if total > CONFIGMAP_MAX:
        out.add(
            ("data",),
            "configmap-too-large",
            f"ConfigMap data is {total} bytes; the API server's limit is {CONFIGMAP_MAX} (1 MiB)",
        )


_RBAC_GROUP = "rbac.authorization.k8s.io"


def _check_role(doc: dict[str, Any], out: Collector) -> None:
    rules = doc.get("rules")
    if not isinstance(rules, list):
        return
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        base: Path = ("rules", index)
        if not rule.get("verbs"):
            out.add((*base, "verbs"), "invalid-rbac", "a rule needs at least one verb")
        if rule.get("nonResourceURLs"):
            out.add((*base, "nonResourceURLs"), "invalid-rbac", "nonResourceURLs are only allowed in a ClusterRole")
        if not rule.get("apiGroups") and not rule.get("nonResourceURLs"):
            out.add((*base, "apiGroups"), "invalid-rbac", 'a resource rule needs apiGroups (use [""] for core)')
        if not rule.get("resources") and not rule.get("nonResourceURLs"):
            out.add((*base, "resources"), "invalid-rbac", "a resource rule needs at least one resource")


def _check_role_binding(doc: dict[str, Any], out: Collector) -> None:
    ref = doc.get("roleRef")
    if isinstance(ref, dict):
        if ref.get("apiGroup") != _RBAC_GROUP:
            out.add(("roleRef", "apiGroup"), "invalid-rbac", f"roleRef.apiGroup must be {_RBAC_GROUP!r}")
        if ref.get("kind") not in ("Role", "ClusterRole"):
            out.add(("roleRef", "kind"), "invalid-rbac", "roleRef.kind must be Role or ClusterRole")
        name = ref.get("name")
        if not isinstance(name, str) or not name:
            out.add(("roleRef", "name"), "invalid-rbac", "roleRef.name is required")
        else:
            for message in path_segment_errors(name):
                out.add(("roleRef", "name"), "invalid-rbac", f"roleRef.name {name!r} {message}")
    subjects = doc.get("subjects")
    if isinstance(subjects, list):
        for index, subject in enumerate(subjects):
            if not isinstance(subject, dict):
                continue
            base: Path = ("subjects", index)
            kind, group = subject.get("kind"), subject.get("apiGroup")
            if kind == "ServiceAccount":
                if group not in (None, ""):
                    out.add((*base, "apiGroup"), "invalid-rbac", "a ServiceAccount subject's apiGroup must be empty")
                name = subject.get("name")
                if isinstance(name, str):
                    for message in dns1123_subdomain_errors(name):
                        out.add((*base, "name"), "invalid-rbac", f"ServiceAccount {name!r} {message}")
            elif kind in ("User", "Group"):
                if group != _RBAC_GROUP:
                    out.add((*base, "apiGroup"), "invalid-rbac", f"a {kind} subject's apiGroup must be {_RBAC_GROUP!r}")
            elif isinstance(kind, str):
                out.add((*base, "kind"), "invalid-rbac", f"subject kind {kind!r} is not ServiceAccount, User or Group")


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def check_api_rules(doc: dict[str, Any]) -> list[Violation]:
    """API-server checks for one manifest; an empty list means nothing beyond the schema was found."""
    out = Collector()
    if not isinstance(doc, dict):
        return out.found
    kind = doc.get("kind")
    kind = kind if isinstance(kind, str) else ""
    metadata = doc.get("metadata")
    if isinstance(metadata, dict):
        check_name(kind or "object", metadata, out)
        check_namespace(metadata, out)
        check_labels(("metadata",), metadata, out)
    elif metadata is None:
        out.add(("metadata", "name"), "invalid-name", "metadata.name is required")
    group = str(doc.get("apiVersion", "")).rpartition("/")[0]
    if kind == "CronJob" and group == "batch":
        _check_cronjob_spec(doc.get("spec"), out)
    elif kind == "Job" and group == "batch":
        _check_job_spec(doc.get("spec"), ("spec",), out)
    elif kind == "Deployment" and group == "apps":
        _check_deployment_spec(doc.get("spec"), out)
    elif kind == "ConfigMap" and group == "":
        _check_configmap(doc, out)
    elif kind == "Role" and group == _RBAC_GROUP:
        _check_role(doc, out)
    elif kind == "RoleBinding" and group == _RBAC_GROUP:
        _check_role_binding(doc, out)
    return out.found


__all__ = [
    "check_api_rules",
    "dns1123_label_errors",
    "dns1123_subdomain_errors",
    "label_value_errors",
    "qualified_name_errors",
]
