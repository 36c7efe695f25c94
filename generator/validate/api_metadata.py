"""Object metadata as the API server checks it: names, namespaces, label and annotation keys and values.

The string rules follow apimachinery's ``pkg/util/validation``: each ``*_errors`` helper returns the reasons a value
is refused (empty when it is accepted), worded as the API server words them. ``check_name``/``check_namespace``/
``check_labels`` apply them to an object's ``metadata`` (and a pod template's) and add what they find to a
:class:`Collector`; :mod:`generator.validate.api_rules` runs them with the checks of each kind's ``spec``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

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


Path = tuple[str | int, ...]


class Collector:
    """The violations one document's checks find, each at its path in the document."""

    def __init__(self) -> None:
        self.found: list[Violation] = []

    def add(self, path: Path, rule: str, message: str) -> None:
        self.found.append(Violation(format_path(path), message, rule))


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


def check_name(kind: str, metadata: dict[str, Any], out: Collector) -> None:
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


def check_namespace(metadata: dict[str, Any], out: Collector) -> None:
    namespace = metadata.get("namespace")
    if isinstance(namespace, str) and namespace:
        for message in dns1123_label_errors(namespace):
            out.add(("metadata", "namespace"), "invalid-name", f"namespace {namespace!r} {message}")


def check_labels(meta_path: Path, metadata: Any, out: Collector) -> None:
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
