"""``gitops.yaml`` → the objects that deliver the overlays: Argo CD and Flux, rendered under ``deploy/``.

When the repository root holds ``gitops.yaml`` (:data:`CONFIG_FILE`), :func:`load_delivery_config`
validates it (same pipeline as settings files: :mod:`generator.config.yaml_source` for positions, unknown keys
with did-you-mean, then ``schemas/gitops.schema.json``, defaults, cross-field checks) and
:func:`render_delivery` renders, from ``templates/argocd`` and ``templates/flux``:

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

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.config import rotation_mode, yaml_source
from generator.config.config_schema import ConfigSchema, dotted
from generator.config.settings import SettingsErrors, read_bytes
from generator.errors import GeneratorError, OverlayError, OverlayErrors, RenderError, SettingsError
from generator.layout import CONFIG_FILE, DEPLOY_DIR
from generator.render import kommander, overlay_set, yaml_emit
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
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_COMMIT = re.compile(r"^[0-9a-f]{40}\Z")
_RESERVED_PATHS = (DEPLOY_DIR, ".kaptain-gitops", ".git", ".github")


@dataclass(frozen=True)
class ArgoCDConfig:
    namespace: str = "argocd"
    project: str = "default"
    destination_server: str = "https://kubernetes.default.svc"
    render_at_sync: bool = False


@dataclass(frozen=True)
class FluxConfig:
    namespace: str = "flux-system"
    interval: str = "10m"
    timeout: str = "20m"
    source_name: str = "kaptain-gitops"


@dataclass(frozen=True)
class DeliveryConfig:
    """Validated ``gitops.yaml``, defaults applied. Field names mirror the YAML keys."""

    repo_url: str
    target_revision: str = "main"
    overlays_path: str = "overlays"
    argocd: ArgoCDConfig = ArgoCDConfig()
    flux: FluxConfig = FluxConfig()
    file: str = CONFIG_FILE
    kommander: kommander.KommanderConfig | None = None  # the kommander: section (deploy/kommander), when present

    def flux_ref(self) -> dict[str, str]:
        """GitRepository ``spec.ref`` for ``targetRevision``: a commit SHA, a full ref, or a branch."""
        rev = self.target_revision
        if _COMMIT.match(rev):
            return {"commit": rev}
        if rev.startswith("refs/"):
            return {"name": rev}
        return {"branch": rev}


@dataclass(frozen=True)
class DeliveryFile:
    path: str  # repo-relative POSIX, under deploy/
    text: str  # header + body, exactly the bytes to write (UTF-8)
    documents: tuple[dict[str, Any], ...]


# --------------------------------------------------------------------------------------------
# Loading gitops.yaml
# --------------------------------------------------------------------------------------------


def _pattern_text(where: str, path: yaml_source.Path, value: Any) -> tuple[str, str, str]:
    leaf = str(path[-1]) if path else ""
    what, hint, rule = _PATTERN_TEXT.get(leaf, _NAME_TEXT)
    return f"{where} is {json.dumps(value, ensure_ascii=False)}, not {what}", hint, rule


_PATTERN_TEXT: dict[str, tuple[str, str, str]] = {
    # leaf key → (what the value must be, hint, rule)
    "repoURL": ("an https://, http:// or ssh:// clone URL without spaces",
                "write e.g. https://github.com/<org>/<repo>.git or ssh://git@github.com/<org>/<repo>.git",
                "invalid-url"),
    "destinationServer": ("an https:// API server URL", "write e.g. https://kubernetes.default.svc", "invalid-url"),
    "targetRevision": ("a Git branch, ref or commit", "write a branch name like main, refs/tags/v1.2.0 or a commit SHA",
                       "invalid-revision"),
    "overlaysPath": ("a repository-relative folder (no leading '/', no '..')", "write e.g. overlays or clusters/overlays",
                     "invalid-path"),
    "interval": ("a Go duration", "write e.g. 1m, 10m, 1h or 1h30m", "invalid-duration"),
    "timeout": ("a Go duration", "write e.g. 5m, 20m or 1h", "invalid-duration"),
    "kaptainVersion": ("a Kaptain version", 'write it quoted, e.g. kaptainVersion: "2.2.0"', "invalid-version"),
}
_NAME_TEXT = ("a valid Kubernetes name (DNS-1123: lowercase letters, digits, '-', '.')",
              "use lowercase letters, digits and '-', starting and ending with a letter or digit", "invalid-name")

SCHEMA = ConfigSchema(
    "gitops.schema.json",
    reference="see docs/delivery.md for the gitops.yaml reference",
    pattern_text=_pattern_text,
    required_hints={"repoURL": "add repoURL: https://github.com/<org>/<repo>.git (the URL Argo CD and Flux clone)",
                    "workspace": "add workspace: <the workspace namespace> under kommander",
                    "kaptainVersion": 'add kaptainVersion: "2.2.0" (the Kaptain catalog version) under kommander'},
    empty_file_message="{name} is empty (or only comments)",
    empty_file_hint="add at least: repoURL: https://github.com/<org>/<repo>.git",
    start_hint="start the file with 'repoURL:'",
)


def schema() -> dict[str, Any]:
    return SCHEMA.schema


def load_delivery_config(root: Path) -> DeliveryConfig | None:
    """The validated ``root/gitops.yaml``; None when there is none. Raises :class:`SettingsError`."""
    path = root / CONFIG_FILE
    if not path.exists() and not path.is_symlink():
        return None
    return parse_delivery_config(read_bytes(path, root, CONFIG_FILE), CONFIG_FILE)


def parse_delivery_config(data: bytes, name: str = CONFIG_FILE) -> DeliveryConfig:
    doc = SCHEMA.document(data, name)
    errors = SCHEMA.errors(doc) or list(_semantic_errors(doc))
    if errors:
        raise errors[0] if len(errors) == 1 else SettingsErrors(errors)
    values = SCHEMA.with_defaults(doc.value)
    argo, flux = values["argocd"], values["flux"]
    return DeliveryConfig(
        repo_url=values["repoURL"],
        target_revision=values["targetRevision"],
        overlays_path=values["overlaysPath"],
        argocd=ArgoCDConfig(namespace=argo["namespace"], project=argo["project"],
                            destination_server=argo["destinationServer"], render_at_sync=argo["renderAtSync"]),
        flux=FluxConfig(namespace=flux["namespace"], interval=flux["interval"], timeout=flux["timeout"],
                        source_name=flux["sourceName"]),
        file=name,
        kommander=kommander.config_from_mapping(values["kommander"]) if "kommander" in doc.value else None,
    )


def duration_seconds(text: str) -> float:
    """Seconds of a Go duration already matching the schema pattern (``1h30m`` → 5400.0)."""
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))


def _semantic_errors(doc: yaml_source.Document) -> Iterator[SettingsError]:
    """What the schema cannot say: credentials in URLs, zero durations, revisions Flux cannot express."""
    value: dict[str, Any] = doc.value

    def error(path: yaml_source.Path, message: str, rule: str, hint: str, key: bool = False) -> SettingsError:
        line, col = doc.position(path, key=key)
        return SettingsError(message, file=doc.file, line=line, col=col, rule=rule, hint=hint)

    for path in (("repoURL",), ("argocd", "destinationServer")):
        url = _get(value, path)
        if not isinstance(url, str):
            continue
        parts = urlsplit(url)
        if not parts.hostname:
            yield error(path, f"{dotted(path)} {json.dumps(url)} has no host name", "invalid-url",
                        "write the full URL, e.g. https://github.com/<org>/<repo>.git")
        elif parts.password is not None or (parts.username is not None and parts.scheme != "ssh"):
            yield error(path, f"{dotted(path)} carries credentials; they would be committed to deploy/",
                        "credentials-in-url",
                        "remove user:password@ and give Argo CD a repository secret / Flux spec.secretRef instead")
        elif path == ("repoURL",) and parts.path in ("", "/"):
            yield error(path, f"repoURL {json.dumps(url)} names no repository", "invalid-url",
                        "write the clone URL including the repository path")
    for key in ("interval", "timeout"):
        path = ("flux", key)
        text = _get(value, path)
        if isinstance(text, str) and duration_seconds(text) <= 0:
            yield error(path, f"flux.{key} is {json.dumps(text)}; it must be longer than zero", "invalid-duration",
                        "write e.g. 10m")
    rev = value.get("targetRevision")
    if rev == "HEAD":
        yield error(("targetRevision",), "targetRevision HEAD cannot be expressed as a Flux GitRepository ref",
                    "invalid-revision", "name the branch to deploy, e.g. main")
    workspace_values = _get(value, ("kommander", "values"))
    if isinstance(workspace_values, dict):
        for owned, source in rotation_mode.OWNED.items():
            hit = rotation_mode.collision(workspace_values, owned)
            if hit is not None:
                yield error(("kommander", "values", *hit),
                            f"kommander.values.{'.'.join(hit)} collides with the Kaptain value {'.'.join(owned)}, "
                            "which kaptain-gitops sets for every cluster", "kaptain-values-collision",
                            f"remove it; each cluster's value comes from {source}", key=True)
    overlays = value.get("overlaysPath")
    if isinstance(overlays, str) and overlays.split("/")[0] in _RESERVED_PATHS:
        yield error(("overlaysPath",), f"overlaysPath {json.dumps(overlays)} is reserved for kaptain-gitops or Git",
                    "invalid-path", "keep the overlays in their own folder, e.g. overlays")


def _get(value: Any, path: yaml_source.Path) -> Any:
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


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
    "load_delivery_config",
    "overlay_name",
    "parse_delivery_config",
    "render_delivery",
]
