"""Who runs the rotation (``rotation.mode``) and which Kaptain values kaptain-gitops owns.

* ``standalone`` (default) — this repository's CronJob, RBAC and script. Kaptain's own rotation must be off on the
  cluster, so when ``deploy/kommander`` is rendered that cluster's Kaptain values say
  ``ingress.enableSecretRotation: false``.
* ``kaptain-chart`` — Kaptain's Helm chart runs its own CronJob; the overlay renders none of ours and contributes
  Kaptain values instead. Kaptain has no time-zone value and knows nothing of our CronJob tuning, so those keys are
  refused in this mode (each with file:line and what to do).

``kaptainValues`` (the user's other Kaptain values) are carried through untouched, but may not set a value that we
set ourselves (:data:`OWNED`): that would be a silent overwrite one way or the other.
"""

from __future__ import annotations

from generator.config import json_text, yaml_source
from generator.errors import SettingsError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

STANDALONE = "standalone"
KAPTAIN_CHART = "kaptain-chart"
DEFAULT_CERTIFICATE_NAME = "kommander-traefik-tls"  # Kaptain 2.2.0's default for ingress.kommanderTraefikCertificateName

# rotation.* keys that mean something in kaptain-chart mode: what `verify` reads and `trigger` names.
# Everything else under rotation (image, resources, RBAC and Job tuning, ...) configures our own CronJob only.
CHART_ROTATION_KEYS: dict[str, frozenset[str] | None] = {
    "mode": None,
    "namespace": None,
    "cronJobName": None,
    "sourceSecret": None,
    "targetSecret": frozenset({"name", "key"}),
    "restart": frozenset({"kind", "name"}),
}

# Kaptain value path -> where kaptain-gitops takes it from (for the collision message's hint).
OWNED: dict[tuple[str, ...], str] = {
    ("ingress", "enableSecretRotation"): "ingress.enableSecretRotation",
    ("ingress", "secretRotationSchedule"): "ingress.secretRotationSchedule",
    ("ingress", "namespace"): "rotation.namespace",
    ("ingress", "kommanderTraefikCertificateName"): "ingress.kommanderTraefikCertificateName",
    ("global", "workspace"): "gitops.yaml kommander.workspace (kommander.globalWorkspace)",
}
STANDALONE_HINT = "in standalone mode Kaptain's own rotation is always off (ingress.enableSecretRotation: false)"


def _error(doc: yaml_source.Document, path: yaml_source.Path, message: str, rule: str, hint: str,
           *, key: bool = True) -> SettingsError:
    line, col = doc.position(path, key=key)
    return SettingsError(message, file=doc.file, line=line, col=col, rule=rule, hint=hint)


def mode_errors(doc: yaml_source.Document) -> Iterator[SettingsError]:
    """Keys that do not fit the chosen mode, and kaptainValues that collide with values we own."""
    value: dict[str, Any] = doc.value
    rotation = value.get("rotation") or {}
    ingress = value.get("ingress") or {}
    mode = rotation.get("mode", STANDALONE)
    if mode == KAPTAIN_CHART:
        if "secretRotationTimeZone" in ingress:
            yield _error(
                doc, ("ingress", "secretRotationTimeZone"),
                "ingress.secretRotationTimeZone cannot be used with rotation.mode kaptain-chart: Kaptain's chart has "
                "no time-zone value, so its CronJob runs in the kube-controller-manager's zone (analysis assumes UTC)",
                "chart-mode-time-zone",
                "remove the line and write the schedule in UTC (e.g. 07:00 Europe/Berlin in winter is \"0 6 * * *\"), "
                "or use rotation.mode: standalone, whose CronJob sets spec.timeZone")
        for key, sub in rotation.items():
            if key not in CHART_ROTATION_KEYS:
                unused: list[tuple[str, ...]] = [(key,)]
            else:
                allowed = CHART_ROTATION_KEYS[key]
                unused = [(key, k) for k in sub if k not in allowed] if allowed and isinstance(sub, dict) else []
            for path in unused:
                dotted = ".".join(("rotation", *path))
                yield _error(doc, ("rotation", *path),
                             f"{dotted} has no effect with rotation.mode kaptain-chart: Kaptain's own chart runs "
                             "the rotation with its own CronJob, image and RBAC", "chart-mode-key",
                             "remove it, or use rotation.mode: standalone to render our CronJob")
    elif "kommanderTraefikCertificateName" in ingress:
        yield _error(doc, ("ingress", "kommanderTraefikCertificateName"),
                     "ingress.kommanderTraefikCertificateName is read by Kaptain's chart only (rotation.mode "
                     "kaptain-chart); the standalone CronJob copies rotation.sourceSecret", "standalone-key",
                     "remove it (set rotation.sourceSecret.name instead), or set rotation.mode: kaptain-chart")
    passthrough = value.get("kaptainValues")
    if isinstance(passthrough, dict):
        for path, source in OWNED.items():
            hit = collision(passthrough, path)
            if hit is None:
                continue
            where = ("kaptainValues", *hit)
            dotted = ".".join(hit)
            if mode == STANDALONE and path == ("ingress", "enableSecretRotation"):
                hint = f"remove it: {STANDALONE_HINT}"
            else:
                hint = f"remove it from kaptainValues and set {source} instead"
            yield _error(doc, where, f"kaptainValues.{dotted} collides with the Kaptain value "
                         f"{'.'.join(path)}, which kaptain-gitops sets", "kaptain-values-collision", hint)


def collision(values: dict[str, Any], path: tuple[str, ...]) -> tuple[str, ...] | None:
    """The prefix of ``path`` that ``values`` sets (a non-mapping on the way also collides), or None."""
    node: Any = values
    for depth, key in enumerate(path):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
        if depth < len(path) - 1 and not isinstance(node, dict):
            return path[: depth + 1]
    return path


def values_text(value: Any) -> str:
    """The kaptainValues mapping as canonical JSON text (settings are hashable), '' when absent."""
    return json_text.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else ""


def values_of(text: str) -> dict[str, Any]:
    import json  # render's and check's: validate never reads the text back (start-up, #16)

    loaded: dict[str, Any] = json.loads(text) if text else {}
    return loaded
