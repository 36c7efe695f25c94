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
from collections.abc import Callable
from typing import Any, TypeGuard

from generator.errors import ScheduleError
from generator.validate.manifest_schemas import Violation, format_path

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
CRONJOB_NAME_MAX = 52  # the controller appends "-<minutes since epoch>" and Job names must fit in 63
JOB_NAME_MAX = 63  # a Job's name becomes the value of its pods' job-name labels
LABEL_VALUE_MAX = 63
QUALIFIED_NAME_MAX = 63
ANNOTATIONS_TOTAL_MAX = 256 * 1024
CONFIGMAP_MAX = 1024 * 1024

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")
_CONFIGMAP_KEY = re.compile(r"^[-._a-zA-Z0-9]+\Z")

RESTART_POLICIES = ("OnFailure", "Never")
CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")

Path = tuple[str | int, ...]


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _get(doc: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


class _Collector:
    def __init__(self) -> None:
        self.found: list[Violation] = []

    def add(self, path: Path, rule: str, message: str) -> None:
        self.found.append(Violation(format_path(path), message, rule))


# --------------------------------------------------------------------------------------------
# Name and label helpers (apimachinery/pkg/util/validation)
# --------------------------------------------------------------------------------------------


def dns1123_label_errors(value: str) -> list[str]:
    errors = []
    if len(value) > DNS1123_LABEL_MAX:
        errors.append(f"must be no more than {DNS1123_LABEL_MAX} characters")
    if not _DNS1123_LABEL.match(value):
        errors.append(
            "must consist of lower case alphanumeric characters or '-', and start and end with an alphanumeric"
        )
    return errors


def dns1123_subdomain_errors(value: str) -> list[str]:
    errors = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errors.append(f"must be no more than {DNS1123_SUBDOMAIN_MAX} characters")
    if not _DNS1123_SUBDOMAIN.match(value):
        errors.append(
            "must consist of lower case alphanumeric characters, '-' or '.', and start and end with an alphanumeric"
        )
    return errors


def path_segment_errors(value: str) -> list[str]:
    """RBAC object names: anything that is a valid URL path segment."""
    if value in (".", ".."):
        return [f"may not be {value!r}"]
    bad = [c for c in ("/", "%") if c in value]
    return [f"may not contain {c!r}" for c in bad]


def qualified_name_errors(key: str) -> list[str]:
    """Label/annotation keys: ``[prefix/]name``; prefix a DNS subdomain, name ≤63 ``[A-Za-z0-9._-]``."""
    parts = key.split("/")
    if len(parts) > 2:
        return ["must be a name with an optional DNS subdomain prefix and a single '/'"]
    name = parts[-1]
    errors: list[str] = []
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend(f"prefix part {msg}" for msg in dns1123_subdomain_errors(prefix))
    if not name:
        errors.append("name part must be non-empty")
        return errors
    if len(name) > QUALIFIED_NAME_MAX:
        errors.append(f"name part must be no more than {QUALIFIED_NAME_MAX} characters")
    if not _QUALIFIED_NAME.match(name):
        errors.append(
            "name part must consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character"
        )
    return errors


def label_value_errors(value: str) -> list[str]:
    errors = []
    if len(value) > LABEL_VALUE_MAX:
        errors.append(f"must be no more than {LABEL_VALUE_MAX} characters")
    if not _LABEL_VALUE.match(value):
        errors.append(
            "must be empty or consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character"
        )
    return errors


# --------------------------------------------------------------------------------------------
# Object metadata
# --------------------------------------------------------------------------------------------

NameCheck = Callable[[str], list[str]]

# kind -> (name validator, maximum length). Unknown kinds (CRDs) get DNS-1123 subdomain / 253.
_NAME_RULES: dict[str, tuple[NameCheck, int]] = {
    "CronJob": (dns1123_subdomain_errors, CRONJOB_NAME_MAX),
    "Job": (dns1123_subdomain_errors, JOB_NAME_MAX),
    "Role": (path_segment_errors, DNS1123_SUBDOMAIN_MAX),
    "RoleBinding": (path_segment_errors, DNS1123_SUBDOMAIN_MAX),
    "ClusterRole": (path_segment_errors, DNS1123_SUBDOMAIN_MAX),
    "ClusterRoleBinding": (path_segment_errors, DNS1123_SUBDOMAIN_MAX),
}
_LENGTH_REASONS = {
    "CronJob": "the CronJob controller appends an 11-character suffix to make Job names",
    "Job": "a Job's name is used as a label value on its pods",
}


def _check_name(kind: str, metadata: dict[str, Any], out: _Collector) -> None:
    name = metadata.get("name")
    path: Path = ("metadata", "name")
    if name is None or name == "":
        out.add(path, "invalid-name", "metadata.name is required (kustomize cannot handle generateName)")
        return
    if not isinstance(name, str):
        return
    validate, limit = _NAME_RULES.get(kind, (dns1123_subdomain_errors, DNS1123_SUBDOMAIN_MAX))
    if len(name) > limit:
        reason = _LENGTH_REASONS.get(kind)
        out.add(
            path,
            "name-too-long",
            f"{kind} name {name!r} is {len(name)} characters; the limit is {limit}"
            + (f" ({reason})" if reason else ""),
        )
    for message in validate(name):
        if "no more than" not in message:  # length is reported once, above, as name-too-long
            out.add(path, "invalid-name", f"{kind} name {name!r} {message}")


def _check_namespace(metadata: dict[str, Any], out: _Collector) -> None:
    namespace = metadata.get("namespace")
    if isinstance(namespace, str) and namespace:
        for message in dns1123_label_errors(namespace):
            out.add(("metadata", "namespace"), "invalid-name", f"namespace {namespace!r} {message}")


def _check_labels(meta_path: Path, metadata: Any, out: _Collector) -> None:
    if not isinstance(metadata, dict):
        return
    labels = metadata.get("labels")
    if isinstance(labels, dict):
        for key, value in labels.items():
            path = (*meta_path, "labels", str(key))
            if isinstance(key, str):
                for message in qualified_name_errors(key):
                    out.add(path, "invalid-label", f"label key {key!r}: {message}")
            if isinstance(value, str):
                for message in label_value_errors(value):
                    out.add(path, "invalid-label", f"label {key!s} value {value!r}: {message}")
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict):
        total = 0
        for key, value in annotations.items():
            if isinstance(key, str):
                total += len(key.encode("utf-8"))
                # The API server lower-cases annotation keys before checking them.
                for message in qualified_name_errors(key.lower()):
                    out.add((*meta_path, "annotations", key), "invalid-label", f"annotation key {key!r}: {message}")
            if isinstance(value, str):
                total += len(value.encode("utf-8"))
        if total > ANNOTATIONS_TOTAL_MAX:
            out.add(
                (*meta_path, "annotations"),
                "invalid-label",
                f"annotations total {total} bytes; the limit is {ANNOTATIONS_TOTAL_MAX} (256 KiB)",
            )


# --------------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------------


def _check_non_negative(spec: Any, base: Path, fields: tuple[str, ...], out: _Collector) -> None:
    if not isinstance(spec, dict):
        return
    for field in fields:
        value = spec.get(field)
        if _is_int(value) and value < 0:
            out.add((*base, field), "negative-value", f"{field} must be 0 or more, not {value}")


def _check_positive(spec: Any, base: Path, field: str, out: _Collector) -> None:
    if not isinstance(spec, dict):
        return
    value = spec.get(field)
    if _is_int(value) and value <= 0:
        out.add((*base, field), "negative-value", f"{field} must be greater than 0, not {value}")


def _check_pod_spec(spec: Any, base: Path, out: _Collector, deployment: bool = False) -> None:
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


def _check_job_spec(spec: Any, base: Path, out: _Collector) -> None:
    if not isinstance(spec, dict):
        return
    _check_non_negative(spec, base, ("backoffLimit", "parallelism", "completions", "ttlSecondsAfterFinished"), out)
    _check_positive(spec, base, "activeDeadlineSeconds", out)
    template = spec.get("template")
    if isinstance(template, dict):
        _check_labels((*base, "template", "metadata"), template.get("metadata"), out)
        _check_pod_spec(template.get("spec"), (*base, "template", "spec"), out)


def _check_deployment_spec(spec: Any, out: _Collector) -> None:
    """What the API server checks beyond the schema: the selector must select the pod template's labels."""
    if not isinstance(spec, dict):
        return
    base: Path = ("spec",)
    _check_non_negative(spec, base, ("replicas", "revisionHistoryLimit"), out)
    template = spec.get("template")
    if not isinstance(template, dict):
        return
    metadata = template.get("metadata")
    _check_labels((*base, "template", "metadata"), metadata, out)
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


def _check_cronjob_spec(spec: Any, out: _Collector) -> None:
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
        _check_labels((*base, "jobTemplate", "metadata"), template.get("metadata"), out)
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


def _check_configmap(doc: dict[str, Any], out: _Collector) -> None:
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


def _check_role(doc: dict[str, Any], out: _Collector) -> None:
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


def _check_role_binding(doc: dict[str, Any], out: _Collector) -> None:
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
    out = _Collector()
    if not isinstance(doc, dict):
        return out.found
    kind = doc.get("kind")
    kind = kind if isinstance(kind, str) else ""
    metadata = doc.get("metadata")
    if isinstance(metadata, dict):
        _check_name(kind or "object", metadata, out)
        _check_namespace(metadata, out)
        _check_labels(("metadata",), metadata, out)
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
