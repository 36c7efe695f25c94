"""Optional second opinion: run a locally installed ``kubeconform`` on the rendered manifests, offline.

The command is::

    kubeconform -strict -summary -output json -kubernetes-version 1.35.0 \\
        -schema-location <schema_root>/kubernetes [-schema-location <user's CRD template>] \\
        -schema-location '<schema_root>/crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json' \\
        [-skip KIND,...] -

with the manifests on stdin: the same locations, in the same order, as the built-in check (the user's
CRD schemas before the shipped ones, so theirs win on a name clash). ``default`` (the public GitHub
schema mirror) is never passed, and http(s) CRD locations are refused, so kubeconform reads only local
files. ``-kubernetes-version`` must be the full ``X.Y.0`` form: kubeconform builds the folder name
``v1.35.0-standalone-strict`` from it. A CRD folder in the catalog layout is turned into the template
``<folder>/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json``.

Output format assumed (kubeconform v0.6.x/v0.7.x ``-output json``; ``json.MarshalIndent`` of)::

    {
      "resources": [
        {"filename": "stdin", "kind": "CronJob", "name": "x", "version": "batch/v1",
         "status": "statusInvalid", "msg": "...",
         "validationErrors": [{"path": "/spec", "msg": "additionalProperties 'schedulee' not allowed"}]}
      ],
      "summary": {"valid": 5, "invalid": 1, "errors": 0, "skipped": 0}
    }

``status`` is one of ``statusValid``, ``statusInvalid``, ``statusError``, ``statusSkipped`` or
``statusEmpty``; ``validationErrors`` is omitted when empty; ``summary`` is present only with
``-summary``. Without ``-verbose`` kubeconform lists only resources that are not valid (or skipped);
pass ``verbose=True`` to get every resource. Exit status is 1 when anything is invalid or errored,
so the exit status alone is not treated as a failure of the tool.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import ManifestError
from generator.validate import kubeconform_path
from generator.validate.manifest_schemas import format_path, kubeconform_version

STATUSES = {
    "statusValid": "valid",
    "statusInvalid": "invalid",
    "statusError": "error",
    "statusSkipped": "skipped",
    "statusEmpty": "empty",
    "": "empty",
}
CATALOG_TEMPLATE = "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"
DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True)
class KubeconformError:
    """One entry of ``validationErrors``: a JSON pointer into the resource and a message."""

    pointer: str
    message: str

    @property
    def path(self) -> str:
        """The pointer in this project's path style: ``/spec/containers/0`` -> ``spec.containers[0]``."""
        return pointer_to_path(self.pointer)


@dataclass(frozen=True)
class KubeconformResult:
    """One resource as kubeconform reported it. ``status`` is valid/invalid/error/skipped/empty."""

    filename: str
    kind: str
    name: str
    status: str
    message: str
    version: str = ""
    validation_errors: tuple[KubeconformError, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.status in ("valid", "skipped", "empty")


def pointer_to_path(pointer: str) -> str:
    parts: list[object] = []
    for raw in pointer.split("/")[1:] if pointer.startswith("/") else ([pointer] if pointer else []):
        token = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(token) if token.isdigit() else token)
    return format_path(parts)


def find_kubeconform() -> str | None:
    """Path of ``kubeconform`` on PATH, or None (it is optional: not on PyPI, npm or Debian)."""
    return kubeconform_path.find_kubeconform()


def _crd_argument(crd_location: str) -> str:
    location = crd_location.strip()
    lowered = location.lower()
    is_url = "://" in location and not lowered.startswith("file://")
    if lowered == "default" or is_url:
        raise ManifestError(
            f"CRD schema location {crd_location!r} would make kubeconform use the network",
            rule="schema-location",
            hint="download the CRD schemas and pass a local folder or a local path template",
        )
    if lowered.startswith("file://"):
        location = location[len("file://") :]
    if "{{" in location:
        return location
    folder = Path(location).resolve()
    if not folder.is_dir():
        raise ManifestError(f"CRD schema folder {folder} does not exist", rule="schema-location")
    return f"{folder.as_posix()}/{CATALOG_TEMPLATE}"


def kubeconform_command(
    binary: str,
    schema_root: Path,
    kubernetes_version: str,
    crd_location: str | None = None,
    *,
    verbose: bool = False,
    skip: Iterable[str] = (),
) -> list[str]:
    """The argument vector :func:`run_kubeconform` executes (stdin input, local schemas only)."""
    root = Path(schema_root).resolve()
    kubernetes_dir = root if root.name == "kubernetes" else root / "kubernetes"
    shipped_crds = kubernetes_dir.parent / "crds"
    command = [
        binary,
        "-strict",
        "-summary",
        "-output",
        "json",
        "-kubernetes-version",
        kubeconform_version(kubernetes_version),
        "-schema-location",
        kubernetes_dir.as_posix(),
    ]
    if crd_location is not None:
        command += ["-schema-location", _crd_argument(crd_location)]
    if shipped_crds.is_dir():
        command += ["-schema-location", f"{shipped_crds.as_posix()}/{CATALOG_TEMPLATE}"]
    if skip:
        command += ["-skip", ",".join(sorted(skip))]
    if verbose:
        command.append("-verbose")
    command.append("-")
    return command


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def parse_kubeconform_output(stdout: str) -> tuple[list[KubeconformResult], dict[str, int]]:
    """Parse ``-output json`` text into results and the summary (empty without ``-summary``)."""
    try:
        data = json.loads(stdout)
    except ValueError as exc:
        raise ManifestError(f"kubeconform printed something that is not JSON: {stdout[:200]!r}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("resources", []), list):
        raise ManifestError("kubeconform's JSON output has no 'resources' list")
    results: list[KubeconformResult] = []
    for entry in data.get("resources") or []:
        if not isinstance(entry, dict):
            continue
        errors = tuple(
            KubeconformError(_text(item.get("path")), _text(item.get("msg")))
            for item in entry.get("validationErrors") or []
            if isinstance(item, dict)
        )
        raw_status = _text(entry.get("status"))
        results.append(
            KubeconformResult(
                filename=_text(entry.get("filename")),
                kind=_text(entry.get("kind")),
                name=_text(entry.get("name")),
                status=STATUSES.get(raw_status, raw_status),
                message=_text(entry.get("msg")),
                version=_text(entry.get("version")),
                validation_errors=errors,
            )
        )
    summary_raw = data.get("summary")
    summary = (
        {str(k): int(v) for k, v in summary_raw.items() if isinstance(v, int)} if isinstance(summary_raw, dict) else {}
    )
    return results, summary


def run_kubeconform(
    binary: str,
    manifests_yaml: str,
    schema_root: Path,
    kubernetes_version: str,
    crd_location: str | None,
    *,
    verbose: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    skip: Iterable[str] = (),
) -> list[KubeconformResult]:
    """Run kubeconform on a multi-document YAML string and return what it reported."""
    command = kubeconform_command(binary, schema_root, kubernetes_version, crd_location, verbose=verbose, skip=skip)
    try:
        proc = subprocess.run(  # fixed argument vector, no shell
            command,
            input=manifests_yaml,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ManifestError(f"kubeconform not found at {binary!r}", rule="kubeconform") from exc
    except subprocess.TimeoutExpired as exc:
        raise ManifestError(f"kubeconform did not finish within {timeout:g} s", rule="kubeconform") from exc
    except OSError as exc:
        raise ManifestError(f"cannot run kubeconform: {exc}", rule="kubeconform") from exc
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        detail = (proc.stderr or proc.stdout).strip()[:500]
        raise ManifestError(
            f"kubeconform failed (exit status {proc.returncode}): {detail or 'no output'}",
            rule="kubeconform",
        )
    try:
        results, _summary = parse_kubeconform_output(proc.stdout)
    except ManifestError as exc:
        detail = proc.stderr.strip()[:500]
        raise ManifestError(exc.message + (f"; stderr: {detail}" if detail else ""), rule="kubeconform") from exc
    return results


__all__ = [
    "KubeconformError",
    "KubeconformResult",
    "find_kubeconform",
    "kubeconform_command",
    "parse_kubeconform_output",
    "pointer_to_path",
    "run_kubeconform",
]
