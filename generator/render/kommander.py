"""``gitops.yaml`` ``kommander:`` → Kaptain's own configuration on DKP, rendered under ``deploy/kommander/``.

On DKP, Kaptain is a workspace catalog application: an ``AppDeployment`` in the workspace namespace of the
management cluster enables it, and Kommander deploys Kaptain's Helm chart to the workspace's clusters, each with
the Helm values of its ``clusterConfigOverrides`` ConfigMap (data key ``values.yaml``). This module renders:

* ``deploy/kommander/appdeployment.yaml`` — one AppDeployment (``spec.appRef`` = ``App kaptain-<version>``),
  selecting exactly the clusters that have an overlay, with one ``clusterConfigOverrides`` entry per cluster;
* ``deploy/kommander/overrides/<cluster>.yaml`` — one ConfigMap per cluster holding its merged Kaptain values:
  ``rotation.mode: kaptain-chart`` clusters get the rotation values from their settings, ``standalone`` ones get
  ``ingress.enableSecretRotation: false`` (our own CronJob runs there, Kaptain's must not); plus ``kaptainValues``;
* ``deploy/kommander/overrides/workspace.yaml`` — the workspace-wide values (``kommander.values``), when given;
* ``deploy/kommander/kustomization.yaml`` — so ``kubectl apply -k deploy/kommander`` applies it all.

Cluster names are the label ``kommander.d2iq.io/cluster-name``: ``kommander.clusterName`` in the overlay's settings,
else the overlay's delivery name (its path below ``overlaysPath`` with ``/`` → ``-``).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from generator.config import rotation_mode
from generator.config.settings import Settings
from generator.errors import OverlayError, RenderError
from generator.render import yaml_emit

DIR = "deploy/kommander"
KUSTOMIZATION_FILE = f"{DIR}/kustomization.yaml"
APPDEPLOYMENT_FILE = f"{DIR}/appdeployment.yaml"
OVERRIDES_DIR = f"{DIR}/overrides"
WORKSPACE_FILE = f"{OVERRIDES_DIR}/workspace.yaml"
CLUSTER_LABEL = "kommander.d2iq.io/cluster-name"
API_VERSIONS = ("apps.kommander.d2iq.io/v1alpha3", "apps.kommander.d2iq.io/v1alpha2")
UTC_NOTE = "UTC assumed: Kaptain's CronJob has no time zone and runs in the kube-controller-manager's zone"


@dataclass(frozen=True)
class KommanderConfig:
    """Validated ``kommander:`` section of gitops.yaml."""

    workspace: str  # the workspace namespace on the management cluster
    kaptain_version: str  # e.g. "2.2.0" -> App kaptain-2.2.0
    api_version: str = API_VERSIONS[0]
    name: str = "kaptain"  # the AppDeployment's name (ConfigMaps are <name>-overrides[-<cluster>])
    global_workspace: bool = True  # add global.workspace: <workspace> (managed/attached clusters)
    values: str = ""  # workspace-wide Kaptain values as canonical JSON text ('' when none)

    @property
    def app_name(self) -> str:
        return f"kaptain-{self.kaptain_version}"

    def overrides_name(self, cluster: str | None = None) -> str:
        return f"{self.name}-overrides" + (f"-{cluster}" if cluster else "")


@dataclass(frozen=True)
class Cluster:
    """One overlay as a Kommander cluster."""

    overlay: str  # e.g. overlays/prod
    settings_file: str  # e.g. overlays/prod/settings.yaml
    name: str  # kommander.d2iq.io/cluster-name
    settings: Settings
    meaning: str = ""  # the schedule's meaning (chart mode; for the reviewer's annotation)


def config_from_mapping(values: dict[str, Any]) -> KommanderConfig:
    return KommanderConfig(
        workspace=values["workspace"], kaptain_version=values["kaptainVersion"], api_version=values["apiVersion"],
        name=values["appDeploymentName"], global_workspace=values["globalWorkspace"],
        values=rotation_mode.values_text(values.get("values")),
    )


def merge(ours: dict[str, Any], theirs: dict[str, Any], where: str) -> dict[str, Any]:
    """``theirs`` deep-merged under ``ours``; a key both set is a bug here (settings refuse collisions)."""
    out = copy.deepcopy(ours)
    for key, value in theirs.items():
        if key in out and isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = merge(out[key], value, f"{where}.{key}")
        elif key in out:
            raise RenderError(f"{where}.{key} is set twice", rule="kaptain-values-collision",
                              hint="this is a bug: settings should have refused it; please report it")
        else:
            out[key] = copy.deepcopy(value)
    return out


def kaptain_values(s: Settings, workspace: str | None) -> dict[str, Any]:
    """The Kaptain Helm values this cluster's settings give (ours first, then kaptainValues untouched)."""
    if s.chart_mode:
        ingress: dict[str, Any] = {
            "enableSecretRotation": s.enable_secret_rotation,
            "secretRotationSchedule": s.schedule,
            "namespace": s.namespace,
            "kommanderTraefikCertificateName": s.certificate_name,
        }
    else:
        ingress = {"enableSecretRotation": False}
    ours: dict[str, Any] = {"ingress": ingress}
    if workspace is not None:
        ours["global"] = {"workspace": workspace}
    return merge(ours, rotation_mode.values_of(s.kaptain_values), "values")


def values_yaml(s: Settings, workspace: str | None) -> str:
    return yaml_emit.dump(kaptain_values(s, workspace))


def labels() -> dict[str, str]:
    return {"app.kubernetes.io/part-of": "kaptain", "app.kubernetes.io/managed-by": "kaptain-gitops"}


def _selector(names: list[str]) -> dict[str, Any]:
    return {"matchExpressions": [{"key": CLUSTER_LABEL, "operator": "In", "values": names}]}


def check_names(clusters: list[Cluster]) -> None:
    seen: dict[str, str] = {}
    for c in clusters:
        if c.name in seen:
            raise OverlayError(f"overlays {seen[c.name]} and {c.overlay} both name the Kommander cluster {c.name!r}",
                               file=c.settings_file, rule="kommander-cluster-name",
                               hint="set kommander.clusterName in one of the settings files")
        seen[c.name] = c.overlay


def render_kommander(k: KommanderConfig, clusters: list[Cluster], env: Any) -> list[tuple[str, str, str]]:
    """(path, body, source files) of every file under deploy/kommander, in a stable order."""
    clusters = sorted(clusters, key=lambda c: c.name)
    if not clusters:  # an empty In selector is invalid, and an AppDeployment for no cluster is a mistake
        raise OverlayError("gitops.yaml has a kommander section but there is no overlay to deploy Kaptain to",
                           file="gitops.yaml", rule="kommander-no-clusters",
                           hint="add overlays under overlaysPath, or remove the kommander section")
    check_names(clusters)
    workspace = k.workspace if k.global_workspace else None
    bodies: list[tuple[str, str, str]] = []
    configmap = env.get_template("kommander/values-configmap.yaml.j2")
    if k.values:
        bodies.append((WORKSPACE_FILE, configmap.render(
            k=k, name=k.overrides_name(), labels=labels(), values_yaml=yaml_emit.dump(rotation_mode.values_of(k.values)),
            annotations={"kaptain-gitops/scope": "workspace"},
            comment="Workspace-wide Kaptain values (gitops.yaml kommander.values), referenced by spec.configOverrides."),
            "gitops.yaml"))
    for c in clusters:
        s = c.settings
        notes = {"kaptain-gitops/cluster": c.name, "kaptain-gitops/rotation-mode": s.mode}
        if s.chart_mode:
            notes["kaptain-gitops/schedule-meaning"] = f"{c.meaning} ({UTC_NOTE})" if c.meaning else UTC_NOTE
            comment = f"{c.name}: rotation.mode kaptain-chart, Kaptain's chart runs the rotation ({c.settings_file})."
        else:
            comment = (f"{c.name}: rotation.mode standalone, our CronJob runs the rotation, so Kaptain's own is "
                       f"switched off here ({c.settings_file}).")
        bodies.append((f"{OVERRIDES_DIR}/{c.name}.yaml", configmap.render(
            k=k, name=k.overrides_name(c.name), labels=labels(), values_yaml=values_yaml(s, workspace),
            annotations=notes, comment=comment), f"gitops.yaml and {c.settings_file}"))
    overrides = [{"clusterSelector": _selector([c.name]), "configMapName": k.overrides_name(c.name)} for c in clusters]
    bodies.append((APPDEPLOYMENT_FILE, env.get_template("kommander/appdeployment.yaml.j2").render(
        k=k, labels=labels(), app_name=k.app_name, workspace_overrides=k.overrides_name() if k.values else None,
        cluster_selector=_selector([c.name for c in clusters]), cluster_overrides=overrides), "gitops.yaml"))
    resources = [p[len(DIR) + 1:] for p, _, _ in bodies]
    bodies.insert(0, (KUSTOMIZATION_FILE, env.get_template("kommander/kustomization.yaml.j2").render(
        resources=resources), "gitops.yaml"))
    return bodies


def expected_objects(k: KommanderConfig, clusters: list[Cluster]) -> list[tuple[str, str, str, str, str | None]]:
    """(path, apiVersion, kind, name, namespace) of every object under deploy/kommander (not the kustomization)."""
    names = sorted(c.name for c in clusters)
    return [
        *([(WORKSPACE_FILE, "v1", "ConfigMap", k.overrides_name(), k.workspace)] if k.values else []),
        *((f"{OVERRIDES_DIR}/{n}.yaml", "v1", "ConfigMap", k.overrides_name(n), k.workspace) for n in names),
        (APPDEPLOYMENT_FILE, k.api_version, "AppDeployment", k.name, k.workspace),
    ]


def check(k: KommanderConfig, clusters: list[Cluster], by_path: dict[str, dict[str, Any]]) -> None:
    """Each cluster's ConfigMap carries exactly its values, and the AppDeployment points every cluster at it."""
    def fail(what: str) -> RenderError:
        return RenderError(f"rendered deploy/kommander {what}", rule="render-shape",
                           hint="this is a bug in the templates; please report it")

    workspace = k.workspace if k.global_workspace else None
    spec = by_path[APPDEPLOYMENT_FILE]["spec"]
    if spec["appRef"] != {"kind": "App", "name": k.app_name}:
        raise fail(f"AppDeployment refers to {json.dumps(spec['appRef'])}")
    wanted = {c.name: k.overrides_name(c.name) for c in clusters}
    got = {}
    for entry in spec["clusterConfigOverrides"]:
        expressions = entry["clusterSelector"]["matchExpressions"]
        got[expressions[0]["values"][0]] = entry["configMapName"]
    if got != wanted:
        raise fail(f"AppDeployment's per-cluster overrides {got} differ from {wanted}")
    for c in clusters:
        data = by_path[f"{OVERRIDES_DIR}/{c.name}.yaml"]["data"]["values.yaml"]
        if data != values_yaml(c.settings, workspace) or yaml_emit.load(data) != kaptain_values(c.settings, workspace):
            raise fail(f"values of cluster {c.name} differ from its settings")
