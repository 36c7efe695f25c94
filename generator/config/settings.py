"""Load and validate one overlay's ``settings.yaml`` into a :class:`Settings` value.

Flow: bytes (size cap, symlink check) → text (UTF-8, no control chars) → YAML with positions
(:mod:`generator.config.yaml_source`) → unknown keys with did-you-mean → JSON Schema
(``schemas/settings.schema.json``) → defaults → cross-field checks → :class:`Settings`.

Every problem becomes a :class:`SettingsError` carrying file, line, column, rule and a hint.
Schedule *meaning* (lint) is a separate step, :func:`generator.schedule.settings_lint.lint_settings`, so ``explain`` and ``diff`` can reuse it.
"""

from __future__ import annotations

from generator.config import rotation_mode, settings_schema_data, yaml_source
from generator.config.config_schema import ConfigSchema, visible
from generator.config.image_ref import image_errors
from generator.errors import GeneratorError, SettingsError
from generator.records import Record

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate starts without importing typing (#16)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


class Settings(Record):
    """Validated settings of one overlay, defaults applied. Field names mirror the YAML keys.

    Immutable, compared and hashed field by field (a :class:`~generator.records.Record`, not a dataclass: ``validate``
    starts without importing ``dataclasses`` or ``typing``, #16); ``replace(**changes)`` makes a changed copy.
    """

    _fields = ("enable_secret_rotation", "schedule", "time_zone", "namespace", "cron_job_name",
               "service_account_name", "source_namespace", "source_secret", "source_key", "target_secret",
               "target_key", "create_target_if_missing", "restart_kind", "restart_name", "restart_timeout_seconds",
               "image", "image_pull_policy", "requests_cpu", "requests_memory", "limits_cpu", "limits_memory",
               "concurrency_policy", "starting_deadline_seconds", "successful_jobs_history_limit",
               "failed_jobs_history_limit", "backoff_limit", "active_deadline_seconds", "restart_policy",
               "run_as_user", "min_interval_minutes", "allow_frequent_schedule", "max_delay_hours",
               "kubernetes_version", "bundle", "bundle_max_certificates", "trigger", "watch_resync_seconds",
               "watch_backoff_max_seconds", "mode", "certificate_name", "cluster_name", "kaptain_values",
               "skip_kinds")
    __slots__ = _fields
    enable_secret_rotation: bool
    schedule: str
    time_zone: str | None
    namespace: str
    cron_job_name: str
    service_account_name: str
    source_namespace: str
    source_secret: str
    source_key: str
    target_secret: str
    target_key: str
    create_target_if_missing: bool
    restart_kind: str
    restart_name: str
    restart_timeout_seconds: int
    image: str
    image_pull_policy: str
    requests_cpu: str
    requests_memory: str
    limits_cpu: str
    limits_memory: str
    concurrency_policy: str
    starting_deadline_seconds: int
    successful_jobs_history_limit: int
    failed_jobs_history_limit: int
    backoff_limit: int
    active_deadline_seconds: int
    restart_policy: str
    run_as_user: int
    min_interval_minutes: int
    allow_frequent_schedule: bool
    max_delay_hours: float
    kubernetes_version: str
    bundle: str
    bundle_max_certificates: int
    trigger: str
    watch_resync_seconds: int
    watch_backoff_max_seconds: int
    mode: str  # rotation.mode: "standalone" | "kaptain-chart"
    certificate_name: str  # ingress.kommanderTraefikCertificateName
    cluster_name: str | None  # kommander.clusterName (None: the overlay's name)
    kaptain_values: str  # kaptainValues as canonical JSON text ('' when absent), so Settings stay hashable
    skip_kinds: tuple[str, ...]

    def __init__(self, enable_secret_rotation: bool, schedule: str, time_zone: str | None, namespace: str,
                 cron_job_name: str, service_account_name: str, source_namespace: str, source_secret: str,
                 source_key: str, target_secret: str, target_key: str, create_target_if_missing: bool,
                 restart_kind: str, restart_name: str, restart_timeout_seconds: int, image: str,
                 image_pull_policy: str, requests_cpu: str, requests_memory: str, limits_cpu: str,
                 limits_memory: str, concurrency_policy: str, starting_deadline_seconds: int,
                 successful_jobs_history_limit: int, failed_jobs_history_limit: int, backoff_limit: int,
                 active_deadline_seconds: int, restart_policy: str, run_as_user: int, min_interval_minutes: int,
                 allow_frequent_schedule: bool, max_delay_hours: float, kubernetes_version: str,
                 bundle: str = "overlap", bundle_max_certificates: int = 3, trigger: str = "schedule",
                 watch_resync_seconds: int = 300, watch_backoff_max_seconds: int = 60,
                 mode: str = rotation_mode.STANDALONE,
                 certificate_name: str = rotation_mode.DEFAULT_CERTIFICATE_NAME, cluster_name: str | None = None,
                 kaptain_values: str = "", skip_kinds: tuple[str, ...] = ()) -> None:
        self._set(enable_secret_rotation, schedule, time_zone, namespace, cron_job_name, service_account_name,
                  source_namespace, source_secret, source_key, target_secret, target_key, create_target_if_missing,
                  restart_kind, restart_name, restart_timeout_seconds, image, image_pull_policy, requests_cpu,
                  requests_memory, limits_cpu, limits_memory, concurrency_policy, starting_deadline_seconds,
                  successful_jobs_history_limit, failed_jobs_history_limit, backoff_limit, active_deadline_seconds,
                  restart_policy, run_as_user, min_interval_minutes, allow_frequent_schedule, max_delay_hours,
                  kubernetes_version, bundle, bundle_max_certificates, trigger, watch_resync_seconds,
                  watch_backoff_max_seconds, mode, certificate_name, cluster_name, kaptain_values, skip_kinds)

    @property
    def watch_reaction_seconds(self) -> int | None:
        """With ``trigger: watch``, the longest a change of the source can go unseen by a running watch.

        A missed event waits for the next full resync (``resyncSeconds``); a watch broken by an API error
        reconnects within ``backoffMaxSeconds`` and starts with a resync. The sum bounds both. ``None``
        without a watch (the schedule's worst-case delay is then the figure).
        """
        if self.trigger != "watch":
            return None
        return self.watch_resync_seconds + self.watch_backoff_max_seconds

    @property
    def chart_mode(self) -> bool:
        return self.mode == rotation_mode.KAPTAIN_CHART

    def to_mapping(self) -> dict[str, Any]:
        """The settings in the file's own shape (camelCase, Kaptain's ``ingress`` block first)."""
        ingress: dict[str, Any] = {
            "enableSecretRotation": self.enable_secret_rotation,
            "secretRotationSchedule": self.schedule,
        }
        if self.time_zone is not None:
            ingress["secretRotationTimeZone"] = self.time_zone
        if self.chart_mode:
            ingress["kommanderTraefikCertificateName"] = self.certificate_name
        mode = {"mode": self.mode} if self.chart_mode else {}  # standalone output stays byte-for-byte as before
        out: dict[str, Any] = {
            "ingress": ingress,
            "rotation": {
                **mode,
                "namespace": self.namespace,
                "cronJobName": self.cron_job_name,
                "serviceAccountName": self.service_account_name,
                "sourceSecret": {"namespace": self.source_namespace, "name": self.source_secret, "key": self.source_key},
                "targetSecret": {
                    "name": self.target_secret,
                    "key": self.target_key,
                    "createIfMissing": self.create_target_if_missing,
                },
                "restart": {
                    "kind": self.restart_kind,
                    "name": self.restart_name,
                    "timeoutSeconds": self.restart_timeout_seconds,
                },
                "image": self.image,
                "imagePullPolicy": self.image_pull_policy,
                "resources": {
                    "requests": {"cpu": self.requests_cpu, "memory": self.requests_memory},
                    "limits": {"cpu": self.limits_cpu, "memory": self.limits_memory},
                },
                "concurrencyPolicy": self.concurrency_policy,
                "startingDeadlineSeconds": self.starting_deadline_seconds,
                "successfulJobsHistoryLimit": self.successful_jobs_history_limit,
                "failedJobsHistoryLimit": self.failed_jobs_history_limit,
                "backoffLimit": self.backoff_limit,
                "activeDeadlineSeconds": self.active_deadline_seconds,
                "restartPolicy": self.restart_policy,
                "runAsUser": self.run_as_user,
                "bundle": self.bundle,
                "bundleMaxCertificates": self.bundle_max_certificates,
                "trigger": self.trigger,
                "watch": {
                    "resyncSeconds": self.watch_resync_seconds,
                    "backoffMaxSeconds": self.watch_backoff_max_seconds,
                },
            },
            "lint": {
                "minIntervalMinutes": self.min_interval_minutes,
                "allowFrequentSchedule": self.allow_frequent_schedule,
                "maxDelayHours": self.max_delay_hours,
            },
            "kubernetesVersion": self.kubernetes_version,
        }
        if self.cluster_name is not None:
            out["kommander"] = {"clusterName": self.cluster_name}
        if self.kaptain_values:
            out["kaptainValues"] = rotation_mode.values_of(self.kaptain_values)
        if self.skip_kinds:
            out["skipKinds"] = list(self.skip_kinds)
        return out


class LoadedSettings(Record):
    """Settings plus the parsed document they came from (for positions in later checks)."""

    _fields = ("file", "settings", "document")
    __slots__ = _fields
    file: str
    settings: Settings
    document: yaml_source.Document

    def __init__(self, file: str, settings: Settings, document: yaml_source.Document) -> None:
        self._set(file, settings, document)


def _pattern_text(where: str, path: yaml_source.Path, value: Any) -> tuple[str, str, str]:
    shown = visible(value)
    leaf = path[-1] if path else ""
    if leaf == "key":
        return (f"{where} is {shown}, not a valid Secret data key",
                "use only letters, digits, '-', '_' and '.'", "invalid-name")
    if len(path) == 2 and path[0] == "skipKinds":
        return (f"{where} is {shown}, not a kind or apiVersion/Kind",
                'write the kind as in the manifest, e.g. "CronTab" or "stable.example.com/v1/CronTab"', "invalid-kind")
    if leaf in ("cpu", "memory"):
        return (f"{where} is {shown}, not a Kubernetes quantity",
                "write e.g. \"100m\" for CPU or \"64Mi\" for memory", "invalid-quantity")
    return (f"{where} is {shown}, not a valid Kubernetes name (DNS-1123: lowercase letters, digits, '-', '.')",
            "use lowercase letters, digits and '-', starting and ending with a letter or digit", "invalid-name")


SCHEMA = ConfigSchema(
    "settings.schema.json",
    reference="see the settings reference in README.md",
    pattern_text=_pattern_text,
    empty_hints={("ingress", "secretRotationSchedule"): 'write a cron schedule, e.g. "0 0 * * *"'},
    empty_file_message="settings file is empty (or only comments)",
    empty_file_hint='start with the ingress block, e.g. ingress: {enableSecretRotation: true, '
                    'secretRotationSchedule: "0 0 * * *"}',
    start_hint="start the file with 'ingress:'",
    builtin=settings_schema_data.SCHEMA,  # the JSON file as a Python literal: validate starts without json (#16)
)


def schema() -> dict[str, Any]:
    return SCHEMA.schema


def read_bytes(path: Path | str, root: Path | str, display: str) -> bytes:
    """Read a settings file safely: no symlink leaving ``root``, no special files, size-capped.

    With ``os`` rather than ``pathlib`` (``validate`` starts without it, #16); either kind of path works.
    """
    import os
    import stat as stat_mod

    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise SettingsError("file not found", file=display, line=1, col=1, rule="file-missing",
                            hint="create it, or point the command at an overlay that has settings.yaml") from None
    if stat_mod.S_ISLNK(st.st_mode):
        real = os.path.realpath(path)
        top = os.path.realpath(root)
        if os.path.commonpath([real, top]) != top:
            raise SettingsError(
                f"settings file is a symlink to {real}, outside the repository",
                file=display, line=1, col=1, rule="symlink-outside-repo",
                hint="replace the symlink with a regular file inside the repository",
            )
        st = os.stat(real)
    if not stat_mod.S_ISREG(st.st_mode):
        raise SettingsError("not a regular file", file=display, line=1, col=1, rule="file-type",
                            hint="settings.yaml must be a regular file")
    if st.st_size > yaml_source.MAX_BYTES:
        raise SettingsError(
            f"file is {st.st_size} bytes, over the {yaml_source.MAX_BYTES}-byte limit for settings files",
            file=display, line=1, col=1, rule="file-too-large",
            hint="a settings file needs a few lines; check that the right file is named settings.yaml",
        )
    with open(path, "rb") as fh:
        return fh.read(yaml_source.MAX_BYTES + 1)


def load_settings(path: Path | str, root: Path | str, display: str | None = None) -> LoadedSettings:
    """Read, parse and validate ``path``. ``display`` is the name used in messages (repo-relative)."""
    name = display or (path if isinstance(path, str) else path.as_posix())
    data = read_bytes(path, root, name)
    return parse_settings(data, name)


def parse_settings(data: bytes, name: str) -> LoadedSettings:
    """Validate one settings file; raise :class:`SettingsErrors` listing every independent problem at once."""
    doc = SCHEMA.document(data, name)
    errors = SCHEMA.errors(doc)
    image = _at(doc.value, ("rotation", "image"))
    if isinstance(image, str) and not any(e.line == doc.position(("rotation", "image"))[0] for e in errors):
        errors.extend(image_errors(image, doc))
    if not errors:
        errors = list(rotation_mode.mode_errors(doc))
    if errors:
        errors.sort(key=lambda e: (e.line or 0, e.col or 0))
        raise SettingsErrors(errors, doc)
    settings = settings_from_mapping(apply_defaults(doc.value))
    _check_create_if_missing(settings, doc)
    return LoadedSettings(file=name, settings=settings, document=doc)


def _at(value: Any, path: yaml_source.Path) -> Any:
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class SettingsErrors(SettingsError):
    """Problems in one file; ``errors`` lists them all (the first is the message).

    ``document`` is the parsed file, so later checks (the schedule and time zone, which the API server
    validates) can still look at the values that were fine.
    """

    def __init__(self, errors: list[GeneratorError], document: yaml_source.Document | None = None) -> None:
        first = errors[0]
        super().__init__(first.message, file=first.file, line=first.line, col=first.col, rule=first.rule,
                         hint=first.hint)
        self.errors = errors
        self.document = document


def apply_defaults(value: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``value`` with every schema default filled in (recursively, objects created as needed)."""
    return SCHEMA.with_defaults(value)


def settings_from_mapping(values: dict[str, Any]) -> Settings:
    """Build :class:`Settings` from a mapping that already has defaults applied."""
    ing = values["ingress"]
    rot = values["rotation"]
    lint = values["lint"]
    return Settings(
        enable_secret_rotation=ing["enableSecretRotation"],
        schedule=ing["secretRotationSchedule"],
        time_zone=ing.get("secretRotationTimeZone"),
        namespace=rot["namespace"],
        cron_job_name=rot["cronJobName"],
        service_account_name=rot["serviceAccountName"],
        source_namespace=rot["sourceSecret"]["namespace"],
        source_secret=rot["sourceSecret"]["name"],
        source_key=rot["sourceSecret"]["key"],
        target_secret=rot["targetSecret"]["name"],
        target_key=rot["targetSecret"]["key"],
        create_target_if_missing=rot["targetSecret"]["createIfMissing"],
        restart_kind=rot["restart"]["kind"],
        restart_name=rot["restart"]["name"],
        restart_timeout_seconds=rot["restart"]["timeoutSeconds"],
        image=rot["image"],
        image_pull_policy=rot["imagePullPolicy"],
        requests_cpu=rot["resources"]["requests"]["cpu"],
        requests_memory=rot["resources"]["requests"]["memory"],
        limits_cpu=rot["resources"]["limits"]["cpu"],
        limits_memory=rot["resources"]["limits"]["memory"],
        concurrency_policy=rot["concurrencyPolicy"],
        starting_deadline_seconds=rot["startingDeadlineSeconds"],
        successful_jobs_history_limit=rot["successfulJobsHistoryLimit"],
        failed_jobs_history_limit=rot["failedJobsHistoryLimit"],
        backoff_limit=rot["backoffLimit"],
        active_deadline_seconds=rot["activeDeadlineSeconds"],
        restart_policy=rot["restartPolicy"],
        run_as_user=rot["runAsUser"],
        min_interval_minutes=lint["minIntervalMinutes"],
        allow_frequent_schedule=lint["allowFrequentSchedule"],
        max_delay_hours=float(lint["maxDelayHours"]),
        kubernetes_version=values["kubernetesVersion"],
        bundle=rot["bundle"],
        bundle_max_certificates=rot["bundleMaxCertificates"],
        trigger=rot["trigger"],
        watch_resync_seconds=rot["watch"]["resyncSeconds"],
        watch_backoff_max_seconds=rot["watch"]["backoffMaxSeconds"],
        mode=rot["mode"],
        certificate_name=ing.get("kommanderTraefikCertificateName", rotation_mode.DEFAULT_CERTIFICATE_NAME),
        cluster_name=(values.get("kommander") or {}).get("clusterName"),
        kaptain_values=rotation_mode.values_text(values.get("kaptainValues")),
        skip_kinds=tuple(values.get("skipKinds", ())),
    )


def _check_create_if_missing(settings: Settings, doc: yaml_source.Document) -> None:
    """``createIfMissing: true`` needed an RBAC ``create`` grant on every Secret of the namespace: refused."""
    if not settings.create_target_if_missing:
        return
    line, col = doc.position(("rotation", "targetSecret", "createIfMissing"))
    raise SettingsError(
        "rotation.targetSecret.createIfMissing: true is no longer supported: creating the bundle Secret needed an "
        "RBAC 'create' grant on every Secret in the namespace (RBAC cannot limit 'create' to one name), so a "
        "compromised rotation pod could create any Secret type, service-account tokens included",
        file=doc.file, line=line, col=col, rule="create-if-missing-removed",
        hint=f"create the Secret once with your own rights: kubectl -n {settings.namespace} create secret generic "
             f"{settings.target_secret} --from-file={settings.target_key}=ca.crt; then remove the key "
             "(docs/delivery.md, 'Creating the bundle Secret')",
    )


def schedule_position(doc: yaml_source.Document, field: str = "schedule", offset: int | None = None) -> tuple[int, int]:
    """File position of the schedule (or time zone) value; ``offset`` is a 1-based column inside the value."""
    key = "secretRotationSchedule" if field == "schedule" else "secretRotationTimeZone"
    path = ("ingress", key)
    line, col = doc.position(path)
    if offset is not None and path in doc.positions:
        quote = 1 if doc.quoted.get(path) in ("'", '"') else 0
        col = col + quote + offset - 1
    return line, col
