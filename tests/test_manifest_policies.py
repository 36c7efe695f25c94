"""Policies every rendered overlay must meet: least-privilege RBAC, Pod Security "restricted", CronJob knobs,
and the watch Deployment (``rotation.trigger: watch``)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from generator.config.settings import Settings, parse_settings
from generator.render.overlay import OverlayInputs, render_overlay, script_env
from generator.render.yaml_emit import dump
from tests.rotation_calls import NOT_RESTRICTABLE_BY_NAME, Access, resolve

INPUTS = OverlayInputs(overlay="overlays/x", settings_file="overlays/x/settings.yaml")


def _settings(kind: str, trigger: str, **rotation: Any) -> Settings:
    doc = {"ingress": {"enableSecretRotation": True, "secretRotationSchedule": "0 0 * * *"},
           "rotation": {"restart": {"kind": kind, "name": "authservice" if kind == "StatefulSet" else "authservice-0"},
                        "trigger": trigger, **rotation}}
    return parse_settings(dump(doc).encode(), "s.yaml").settings


def _docs(s: Settings) -> list[dict[str, Any]]:
    files = render_overlay(s, INPUTS, meaning="m", worst_case_delay="1d")
    return [d for f in files for d in f.documents]


CONFIGS = list(itertools.product(["Pod", "StatefulSet"], ["schedule", "watch"]))


def _granted(docs: list[dict[str, Any]]) -> tuple[set[Access], list[dict[str, Any]]]:
    granted: set[Access] = set()
    unnamed: list[dict[str, Any]] = []
    for role in (d for d in docs if d["kind"] == "Role"):
        ns = role["metadata"]["namespace"]
        for rule in role["rules"]:
            for res, verb in itertools.product(rule["resources"], rule["verbs"]):
                for name in rule.get("resourceNames") or ["*"]:
                    granted.add(Access(ns, verb, res, name))
            if not rule.get("resourceNames"):
                unnamed.append(rule)
    return granted, unnamed


@pytest.mark.parametrize(("kind", "trigger"), CONFIGS)
def test_roles_grant_exactly_what_the_script_calls(kind: str, trigger: str) -> None:
    s = _settings(kind, trigger)
    docs = _docs(s)
    env = {e["name"]: e["value"] for e in script_env(s)}
    needed = resolve(env, trigger)
    granted, unnamed = _granted(docs)
    # every grant is by name: nothing lets the pod create a Secret (of any type) or touch another object
    assert granted == needed
    assert unnamed == []
    assert not any(a.verb in NOT_RESTRICTABLE_BY_NAME for a in granted)
    watch = {a for a in granted if a.verb == "watch" and a.resource == "secrets"}
    assert watch == ({Access(s.source_namespace, "watch", "secrets", s.source_secret)} if trigger == "watch" else set())
    assert not any(a.verb == "list" and a.resource == "secrets" for a in granted)
    for d in docs:
        assert d["kind"] not in ("ClusterRole", "ClusterRoleBinding")
        for rule in d.get("rules", []):
            for field in ("apiGroups", "resources", "verbs", "resourceNames"):
                assert "*" not in rule.get(field, []), f"wildcard in {d['kind']} {field}"


@pytest.mark.parametrize(("kind", "trigger"), CONFIGS)
def test_role_bindings_bind_only_our_service_account(kind: str, trigger: str) -> None:
    s = _settings(kind, trigger)
    for b in (d for d in _docs(s) if d["kind"] == "RoleBinding"):
        assert b["subjects"] == [{"kind": "ServiceAccount", "name": s.service_account_name, "namespace": s.namespace}]
        assert b["roleRef"]["kind"] == "Role" and b["roleRef"]["name"] == b["metadata"]["name"]


def _pod_specs(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for d in docs:
        if d["kind"] == "CronJob":
            out.append(d["spec"]["jobTemplate"]["spec"]["template"]["spec"])
        elif d["kind"] in ("Job", "Deployment"):
            out.append(d["spec"]["template"]["spec"])
    return out


ALLOWED_VOLUMES = {"configMap", "downwardAPI", "emptyDir", "projected", "secret", "csi", "persistentVolumeClaim",
                   "ephemeral", "image"}


def assert_restricted(pod: dict[str, Any]) -> None:
    """Pod Security Standards "restricted" (pod-security-admission policy checks), plus resources."""
    psc = pod.get("securityContext", {})
    assert pod.get("hostNetwork") is not True and pod.get("hostPID") is not True and pod.get("hostIPC") is not True
    assert psc.get("seccompProfile", {}).get("type") in ("RuntimeDefault", "Localhost")
    for vol in pod.get("volumes", []):
        assert set(vol) - {"name"} <= ALLOWED_VOLUMES, vol
    for c in pod["containers"] + pod.get("initContainers", []):
        sc = c.get("securityContext", {})
        assert sc.get("allowPrivilegeEscalation") is False
        assert sc.get("privileged") is not True
        assert sc.get("capabilities", {}).get("drop") == ["ALL"]
        assert set(sc.get("capabilities", {}).get("add", [])) <= {"NET_BIND_SERVICE"}
        assert (sc.get("runAsNonRoot", psc.get("runAsNonRoot"))) is True
        assert sc.get("runAsUser", psc.get("runAsUser")) not in (None, 0)
        assert sc.get("readOnlyRootFilesystem") is True
        assert sc.get("procMount", "Default") == "Default"
        res = c["resources"]
        assert res["requests"]["cpu"] and res["requests"]["memory"] and res["limits"]["cpu"] and res["limits"]["memory"]
        assert ":latest" not in c["image"] and (":" in c["image"].rsplit("/", 1)[-1] or "@sha256:" in c["image"])


@pytest.mark.parametrize(("kind", "trigger"), CONFIGS)
def test_every_rendered_pod_spec_is_restricted(kind: str, trigger: str) -> None:
    from generator.pipeline.trigger import manual_job

    s = _settings(kind, trigger)
    docs = [*_docs(s), manual_job(s, "rotation-1")]
    specs = _pod_specs(docs)
    assert len(specs) == (3 if trigger == "watch" else 2)
    for spec in specs:
        assert_restricted(spec)


def test_committed_overlays_are_restricted() -> None:
    from generator.render.overlay import split_header
    from generator.validate.kustomize import parse_stream
    from tests.conftest import REPO

    specs = []
    for f in sorted((REPO / "overlays").rglob("*.yaml")):
        if split_header(f.read_text())[0] is None:
            continue  # user files (patches) are not pods
        specs.extend(_pod_specs([d for d in parse_stream(f.read_text()) if isinstance(d, dict) and "kind" in d]))
    assert len(specs) >= 2
    for spec in specs:
        assert_restricted(spec)


def test_cronjob_knobs_and_suspend_semantics() -> None:
    s = _settings("Pod", "schedule")
    cron = next(d for d in _docs(s) if d["kind"] == "CronJob")["spec"]
    assert cron["suspend"] is False
    assert cron["concurrencyPolicy"] == "Forbid"
    assert cron["startingDeadlineSeconds"] == 3600
    assert (cron["successfulJobsHistoryLimit"], cron["failedJobsHistoryLimit"]) == (3, 3)
    job = cron["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 2 and job["activeDeadlineSeconds"] == 900
    assert job["activeDeadlineSeconds"] > s.restart_timeout_seconds, "the Job outlives the restart wait"
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert "timeZone" not in cron
    off = parse_settings(b'ingress:\n  enableSecretRotation: false\n  secretRotationSchedule: "0 0 * * *"\n'
                         b'  secretRotationTimeZone: "Europe/Berlin"\n', "s.yaml").settings
    cron_off = next(d for d in _docs(off) if d["kind"] == "CronJob")["spec"]
    assert cron_off["suspend"] is True and cron_off["timeZone"] == "Europe/Berlin"


def test_script_configmap_is_protected_from_flux_substitution() -> None:
    config = next(d for d in _docs(_settings("Pod", "schedule")) if d["kind"] == "ConfigMap")
    assert config["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/substitute"] == "disabled"
    assert "${" not in config["data"]["rotate.sh"]


def test_watch_renders_a_hardened_one_replica_deployment_beside_the_cronjob() -> None:
    s = _settings("Pod", "watch", bundle="overlap", watch={"resyncSeconds": 120, "backoffMaxSeconds": 30})
    docs = _docs(s)
    assert [d["kind"] for d in docs].count("CronJob") == 1  # the backstop stays
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    spec = deployment["spec"]
    assert spec["replicas"] == 1 and spec["strategy"] == {"type": "Recreate"}
    pod = spec["template"]["spec"]
    cron_pod = next(d for d in docs if d["kind"] == "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == cron_pod["serviceAccountName"]
    assert pod["securityContext"] == cron_pod["securityContext"] and pod["volumes"] == cron_pod["volumes"]
    (container,) = pod["containers"]
    assert container["command"] == ["/bin/sh", "/scripts/rotate.sh", "watch"]
    assert container["livenessProbe"]["exec"]["command"] == ["/bin/sh", "/scripts/rotate.sh", "liveness"]
    assert container["securityContext"] == cron_pod["containers"][0]["securityContext"]
    env = {e["name"]: e["value"] for e in container["env"]}
    cron_env = {e["name"]: e["value"] for e in cron_pod["containers"][0]["env"]}
    assert env == {**cron_env, "WATCH_RESYNC_SECONDS": "120", "WATCH_BACKOFF_MAX_SECONDS": "30"}
    assert cron_env["BUNDLE_MODE"] == "overlap" and cron_env["BUNDLE_MAX_CERTIFICATES"] == "3"
    # the selector picks only the watch pod, never the CronJob's Job pods
    selector = spec["selector"]["matchLabels"]
    assert selector.items() <= spec["template"]["metadata"]["labels"].items()
    cron_template = next(d for d in docs if d["kind"] == "CronJob")["spec"]["jobTemplate"]["spec"]["template"]
    assert not selector.items() <= cron_template["metadata"]["labels"].items()
    assert "at most 2m 30s" in deployment["metadata"]["annotations"]["kaptain-gitops/watch-reaction"]


def test_pausing_the_rotation_pauses_the_watch_too() -> None:
    doc = {"ingress": {"enableSecretRotation": False, "secretRotationSchedule": "0 0 * * *"},
           "rotation": {"trigger": "watch"}}
    docs = _docs(parse_settings(dump(doc).encode(), "s.yaml").settings)
    assert next(d for d in docs if d["kind"] == "CronJob")["spec"]["suspend"] is True
    assert next(d for d in docs if d["kind"] == "Deployment")["spec"]["replicas"] == 0


def test_schedule_renders_no_deployment_and_create_if_missing_is_refused() -> None:
    from generator.errors import SettingsError

    assert not [d for d in _docs(_settings("Pod", "schedule")) if d["kind"] == "Deployment"]
    with pytest.raises(SettingsError) as caught:
        _settings("Pod", "schedule", targetSecret={"createIfMissing": True})
    assert caught.value.rule == "create-if-missing-removed"
    assert "kubectl -n kaptain-ingress create secret generic kubeflow-oidc-ca-bundle" in (caught.value.hint or "")
