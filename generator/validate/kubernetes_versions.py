"""The Kubernetes versions we ship schemas for, and the names of their schema folders.

Light on purpose (#16): a warm ``check`` names the schema folder its result cache depends on without importing
:mod:`generator.validate.manifest_schemas` (which loads the validator's machinery); that module re-exports these.
"""

from __future__ import annotations

from generator.errors import ManifestError

SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = ("1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37")
DEFAULT_KUBERNETES_VERSION = "1.35"

# --------------------------------------------------------------------------------------------
# Kubernetes versions
# --------------------------------------------------------------------------------------------


def _major_minor(text: str) -> tuple[str, str] | None:
    r"""``re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$", text)``'s first two groups, without ``re`` (a warm ``check``
    starts without it, #16): ``\d`` is any Unicode decimal digit, as ``str.isdecimal`` says, and ``$`` also matches
    before a final newline. ``tests/test_kubernetes_versions.py`` proves it equal to the pattern."""
    text = text.removesuffix("\n")
    parts = text.removeprefix("v").split(".")
    if len(parts) not in (2, 3) or not all(part.isdecimal() for part in parts):
        return None
    return parts[0], parts[1]


def normalize_kubernetes_version(version: str) -> str:
    """``"1.35"``, ``"v1.35"``, ``"1.35.0"`` -> ``"1.35"``; unsupported versions raise ManifestError."""
    match = _major_minor(version.strip()) if isinstance(version, str) else None
    supported = ", ".join(SUPPORTED_KUBERNETES_VERSIONS)
    if match is None:
        raise ManifestError(
            f"invalid Kubernetes version {version!r}",
            rule="kubernetes-version",
            hint=f"write it as MAJOR.MINOR, one of {supported}",
        )
    minor = f"{int(match[0])}.{int(match[1])}"
    if minor not in SUPPORTED_KUBERNETES_VERSIONS:
        raise ManifestError(
            f"no schemas for Kubernetes {minor}",
            rule="kubernetes-version",
            hint=f"supported versions: {supported}",
        )
    return minor


def kubeconform_version(version: str) -> str:
    """The ``-kubernetes-version`` value kubeconform needs to find our folders (``"1.35.0"``)."""
    return normalize_kubernetes_version(version) + ".0"


def schema_dir_name(version: str) -> str:
    return f"v{kubeconform_version(version)}-standalone-strict"
