"""``gitops.yaml`` → the objects that deliver the overlays: Argo CD and Flux, rendered under ``deploy/``.

When the repository root holds ``gitops.yaml`` (:data:`CONFIG_FILE`),
:func:`generator.render.delivery_config.load_delivery_config` validates it into a
:class:`~generator.render.delivery_config.DeliveryConfig`, and :func:`render_delivery` renders, from
``templates/argocd`` and ``templates/flux``:

* ``deploy/argocd/applicationset.yaml`` — one ApplicationSet, a Git files generator on
  ``<overlaysPath>/**/settings.yaml`` (a folder without settings never becomes an Application);
* ``deploy/argocd/applications/<name>.yaml`` — the same Applications, one plain file per overlay;
* ``deploy/argocd/cmp-plugin.yaml`` — the sidecar ``ConfigManagementPlugin`` file (not a Kubernetes object),
  without a discovery rule: only Applications that name it use it (``argocd.renderAtSync: true``);
* ``deploy/argocd/cronjob-health.yaml`` — the CronJob health check for Argo CD < 3.2, an ``argocd-cm`` patch;
* ``deploy/flux/source.yaml`` — the GitRepository; ``deploy/flux/<name>.yaml`` — one Kustomization per overlay.

``<name>`` is the overlay's path below ``overlaysPath`` with ``/`` replaced by ``-`` (``overlays/prod`` →
``prod``); objects are named ``kaptain-cert-rotation-<name>``. Every file carries the generator header
(:data:`generator.render.overlay.HEADER_MARK`), so the ownership rules of :mod:`generator.write.ownership` apply.
The rendered text is parsed back and must hold exactly the expected kinds and names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from generator.errors import GeneratorError, OverlayError, OverlayErrors, RenderError
from generator.layout import CONFIG_FILE, DEPLOY_DIR
from generator.render import kommander, overlay_set, yaml_emit
from generator.render.delivery_config import ArgoCDConfig, DeliveryConfig, FluxConfig
from generator.render.overlay import _environment, generated_header
from generator.resources import templates_dir

APPLICATIONSET_FILE = f"{DEPLOY_DIR}/argocd/applicationset.yaml"
APPLICATIONS_DIR = f"{DEPLOY_DIR}/argocd/applications"
PLUGIN_FILE = f"{DEPLOY_DIR}/argocd/cmp-plugin.yaml"
HEALTH_FILE = f"{DEPLOY_DIR}/argocd/cronjob-health.yaml"
HEALTH_SCRIPT = "argocd/cronjob-health.lua"  # under templates/; tested with lua5.1 (tests/test_health_check.py)
HEALTH_KEY = "resource.customizations.health.batch_CronJob"
FLUX_DIR = f"{DEPLOY_DIR}/flux"
FLUX_SOURCE_FILE = f"{FLUX_DIR}/source.yaml"

NAME_PREFIX = "kaptain-cert-rotation-"
APPLICATIONSET_NAME = "kaptain-cert-rotation"
PLUGIN_NAME = "kaptain-gitops"
PLUGIN_VERSION = "v1"  # the contract of `kaptain-gitops build .`, not the package version (Applications name it)
PLUGIN_COMMAND = ("kaptain-gitops", "build", ".")
PLUGIN_REF = f"{PLUGIN_NAME}-{PLUGIN_VERSION}"  # what an Application's spec.source.plugin.name says
GENERATE_PATHS_ANNOTATION = "argocd.argoproj.io/manifest-generate-paths"
DESTINATION_NAMESPACE = "kaptain-ingress"  # settings' rotation.namespace default; objects carry their own

ARGOCD_SYNC_OPTIONS = (
    "CreateNamespace=false",
    "ApplyOutOfSyncOnly=true",
    "PruneLast=true",
    "FailOnSharedResource=true",
)

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")


@dataclass(frozen=True)
class DeliveryFile:
    path: str  # repo-relative POSIX, under deploy/
    text: str  # header + body, exactly the bytes to write (UTF-8)
    documents: tuple[dict[str, Any], ...]


# --------------------------------------------------------------------------------------------
# Rendering deploy/
# --------------------------------------------------------------------------------------------


def header(config: DeliveryConfig, body: str, source: str | None = None) -> str:
    """The generator header (the overlays' shape, so ownership checks apply)."""
    source = source or config.file
    return generated_header(source, f"Edit {source} (or add/remove overlays), then run: kaptain-gitops render", body)


def overlay_name(config: DeliveryConfig, overlay: str) -> str:
    """``overlays/prod`` → ``prod``; ``overlays/team-a/prod`` → ``team-a-prod``. Raises OverlayError."""
    prefix = config.overlays_path.rstrip("/") + "/"
    if not overlay.startswith(prefix) or overlay == prefix:
        raise OverlayError(f"overlay {overlay} is not under overlaysPath {config.overlays_path!r} of {config.file}",
                           file=overlay, rule="delivery-path",
                           hint=f"move the overlay under {config.overlays_path}/ or change overlaysPath")
    name = overlay[len(prefix):].replace("/", "-")
    limit = 63 - len(NAME_PREFIX)
    if not _DNS_LABEL.match(name) or len(name) > limit:
        raise OverlayError(
            f"overlay directory {overlay} gives the name {name!r}, which cannot name an Argo CD Application "
            f"or Flux Kustomization", file=overlay, rule="delivery-name",
            hint=f"rename the directory: lowercase letters, digits and '-', at most {limit} characters in all",
        )
    return name


def object_name(name: str) -> str:
    return NAME_PREFIX + name


def _labels() -> dict[str, str]:
    return {"app.kubernetes.io/part-of": "kaptain", "app.kubernetes.io/managed-by": "kaptain-gitops"}


def argocd_sync_policy() -> dict[str, Any]:
    """The sync policy of every generated Application (also the ApplicationSet template's)."""
    return {
        "automated": {"prune": True, "selfHeal": True},
        "syncOptions": list(ARGOCD_SYNC_OPTIONS),
        "retry": {"limit": 5, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "3m"}},
    }


def files_generator(config: DeliveryConfig) -> list[dict[str, Any]]:
    """The ApplicationSet's Git files generator: every ``settings.yaml`` below ``overlaysPath``, any depth."""
    return [{"path": overlay_set.files_pattern(config.overlays_path)}]


def _source_extras(config: DeliveryConfig) -> dict[str, Any]:
    """Template values that differ with ``argocd.renderAtSync``: the plugin reference and annotations."""
    if not config.argocd.render_at_sync:
        return {"plugin": None, "annotations": {}}
    # The overlay directory holds every input of `kaptain-gitops build .`: settings, patches, resources, jobs.
    return {"plugin": {"name": PLUGIN_REF}, "annotations": {GENERATE_PATHS_ANNOTATION: "."}}


def _health_script() -> str:
    return (templates_dir() / HEALTH_SCRIPT).read_text(encoding="utf-8")


def _go_name_expression(config: DeliveryConfig) -> str:
    """ApplicationSet (Go template) expression giving the same names as :func:`overlay_name`."""
    prefix = config.overlays_path.rstrip("/") + "/"
    return NAME_PREFIX + '{{ .path.path | trimPrefix "' + prefix + '" | replace "/" "-" }}'


def render_delivery(config: DeliveryConfig, overlays: list[str],
                    clusters: list[kommander.Cluster] | None = None) -> list[DeliveryFile]:
    """Every file under ``deploy/`` for these overlays (repo-relative dirs), checked, in a stable order.

    ``clusters`` (the overlays with their settings) are needed only when gitops.yaml has a kommander section.
    """
    overlays = sorted(dict.fromkeys(overlays))
    names: dict[str, str] = {}
    errors: list[GeneratorError] = []
    seen: dict[str, str] = {}
    for o in overlays:  # every bad name at once, each blamed on its own overlay
        try:
            n = names[o] = overlay_name(config, o)
        except OverlayError as err:
            errors.append(err)
            continue
        if n in seen:
            errors.append(OverlayError(f"overlays {seen[n]} and {o} both get the name {n!r}", file=o,
                                       rule="delivery-name", hint="rename one of the directories"))
        seen[n] = o
    if errors:
        raise errors[0] if len(errors) == 1 else OverlayErrors(errors)
    env = _environment()
    common: dict[str, Any] = {
        "c": config,
        "labels": _labels(),
        "sync_policy": argocd_sync_policy(),
        "destination_namespace": DESTINATION_NAMESPACE,
        **_source_extras(config),
    }
    bodies: list[tuple[str, str]] = [
        (APPLICATIONSET_FILE, env.get_template("argocd/applicationset.yaml.j2").render(
            **common, appset_name=APPLICATIONSET_NAME, files=files_generator(config),
            name_expression=_go_name_expression(config), path_expression="{{ .path.path }}")),
    ]
    for o in overlays:
        bodies.append((f"{APPLICATIONS_DIR}/{names[o]}.yaml", env.get_template("argocd/application.yaml.j2").render(
            **common, name=object_name(names[o]), path=o)))
    bodies.append((PLUGIN_FILE, env.get_template("argocd/cmp-plugin.yaml.j2").render(
        plugin_name=PLUGIN_NAME, plugin_version=PLUGIN_VERSION, command=list(PLUGIN_COMMAND))))
    bodies.append((HEALTH_FILE, env.get_template("argocd/cronjob-health.yaml.j2").render(
        c=config, lua=_health_script())))
    bodies.append((FLUX_SOURCE_FILE, env.get_template("flux/source.yaml.j2").render(
        **common, ref=config.flux_ref())))
    for o in overlays:
        bodies.append((f"{FLUX_DIR}/{names[o]}.yaml", env.get_template("flux/kustomization.yaml.j2").render(
            **common, name=object_name(names[o]), path=f"./{o}")))
    sources = {}
    if config.kommander is not None:
        for path, body, source in kommander.render_kommander(config.kommander, clusters or [], env):
            bodies.append((path, body))
            sources[path] = source
    files = []
    for path, body in bodies:
        if not body.endswith("\n"):
            body += "\n"
        files.append(DeliveryFile(path, header(config, body, sources.get(path)) + body, _parse(body, path)))
    _check(config, overlays, names, files, clusters or [])
    return files


def _parse(body: str, path: str) -> tuple[dict[str, Any], ...]:
    import yaml

    try:
        docs = tuple(d for d in yaml_emit.load_all(body) if d is not None)
    except yaml.YAMLError as exc:  # a template bug: values only reach YAML through the safe filters
        raise RenderError(f"rendered {path} is not valid YAML: {exc}", file=path, rule="render-invalid-yaml") from None
    if not all(isinstance(d, dict) for d in docs):
        raise RenderError(f"rendered {path} holds a non-mapping document", file=path, rule="render-shape")
    return docs


def expected_objects(config: DeliveryConfig, overlays: list[str],
                     clusters: list[kommander.Cluster] | None = None) -> list[tuple[str, str, str, str, str | None]]:
    """(path, apiVersion, kind, name, namespace) of every document, in file order."""
    argo, flux = config.argocd.namespace, config.flux.namespace
    names = [overlay_name(config, o) for o in sorted(dict.fromkeys(overlays))]
    return [
        (APPLICATIONSET_FILE, "argoproj.io/v1alpha1", "ApplicationSet", APPLICATIONSET_NAME, argo),
        *((f"{APPLICATIONS_DIR}/{n}.yaml", "argoproj.io/v1alpha1", "Application", object_name(n), argo) for n in names),
        (PLUGIN_FILE, "argoproj.io/v1alpha1", "ConfigManagementPlugin", PLUGIN_NAME, None),
        (HEALTH_FILE, "v1", "ConfigMap", "argocd-cm", argo),
        (FLUX_SOURCE_FILE, "source.toolkit.fluxcd.io/v1", "GitRepository", config.flux.source_name, flux),
        *((f"{FLUX_DIR}/{n}.yaml", "kustomize.toolkit.fluxcd.io/v1", "Kustomization", object_name(n), flux)
          for n in names),
        *(kommander.expected_objects(config.kommander, clusters or []) if config.kommander else []),
    ]


def _check(config: DeliveryConfig, overlays: list[str], names: dict[str, str], files: list[DeliveryFile],
           clusters: list[kommander.Cluster]) -> None:
    def fail(what: str) -> RenderError:
        return RenderError(f"rendered delivery objects {what}", rule="render-shape",
                           hint="this is a bug in the templates; please report it")

    found = []
    for f in files:
        if f.path == kommander.KUSTOMIZATION_FILE:
            continue
        for d in f.documents:
            meta = d.get("metadata") or {}
            found.append((f.path, d.get("apiVersion"), d.get("kind"), meta.get("name"), meta.get("namespace")))
    expected = expected_objects(config, overlays, clusters)
    if found != expected:
        raise fail(f"{found} differ from the expected {expected}")
    by_path = {f.path: f.documents[0] for f in files}
    extras = _source_extras(config)
    template = by_path[APPLICATIONSET_FILE]["spec"]["template"]
    if (by_path[APPLICATIONSET_FILE]["spec"]["generators"][0]["git"].get("files") != files_generator(config)
            or template["spec"]["source"].get("plugin") != extras["plugin"]):
        raise fail("ApplicationSet generator or plugin reference differs from gitops.yaml")
    for o in overlays:
        app = by_path[f"{APPLICATIONS_DIR}/{names[o]}.yaml"]["spec"]
        ks = by_path[f"{FLUX_DIR}/{names[o]}.yaml"]["spec"]
        source = {"repoURL": config.repo_url, "targetRevision": config.target_revision, "path": o}
        if extras["plugin"]:
            source["plugin"] = extras["plugin"]
        if app["source"] != source:
            raise fail(f"for {o}: the Application's source is {app['source']}")
        if ks["path"] != f"./{o}" or ks["sourceRef"] != {"kind": "GitRepository", "name": config.flux.source_name}:
            raise fail(f"for {o}: the Kustomization points at {ks['path']} / {ks['sourceRef']}")
    source = by_path[FLUX_SOURCE_FILE]["spec"]
    if source["url"] != config.repo_url or source["ref"] != config.flux_ref():
        raise fail(f"GitRepository points at {source['url']} {source['ref']}")
    plugin = by_path[PLUGIN_FILE]["spec"]
    if plugin["generate"]["command"] != list(PLUGIN_COMMAND) or "discover" in plugin:
        raise fail("CMP plugin differs from `kaptain-gitops build .` without discovery")
    if by_path[HEALTH_FILE].get("data") != {HEALTH_KEY: _health_script()}:
        raise fail("argocd-cm health check differs from templates/" + HEALTH_SCRIPT)
    if config.kommander is not None:
        kommander.check(config.kommander, clusters, by_path)


__all__ = [
    "CONFIG_FILE",
    "DEPLOY_DIR",
    "HEALTH_FILE",
    "PLUGIN_FILE",
    "ArgoCDConfig",
    "DeliveryConfig",
    "DeliveryFile",
    "FluxConfig",
    "overlay_name",
    "render_delivery",
]
