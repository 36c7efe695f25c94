"""``gitops.yaml``: loaded, validated and turned into a :class:`DeliveryConfig` (what :mod:`.delivery` renders).

The same pipeline as a settings file: :mod:`generator.config.yaml_source` for positions, unknown keys with
did-you-mean, then ``schemas/gitops.schema.json``, defaults, and the cross-field checks the schema cannot say
(credentials in URLs, zero durations, revisions Flux cannot express, collisions with the Kaptain values we own,
reserved folders).
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
from generator.errors import SettingsError
from generator.layout import CONFIG_FILE, DEPLOY_DIR
from generator.render import kommander

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


__all__ = ["ArgoCDConfig", "DeliveryConfig", "FluxConfig", "duration_seconds", "load_delivery_config",
           "parse_delivery_config", "schema"]
