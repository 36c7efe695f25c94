"""Argo CD and Flux deliver the same overlays: what the ApplicationSet's files generator would match.

The ApplicationSet (``deploy/argocd/applicationset.yaml``) uses a Git files generator on
``<overlaysPath>/**/settings.yaml``: every ``settings.yaml`` at any depth below ``overlaysPath`` makes its
directory an Application. ``deploy/argocd/applications/`` and ``deploy/flux/`` hold one file per overlay
that kaptain-gitops discovers (:func:`generator.write.discovery.discover`), which does not look inside an overlay's
own folders or into hidden folders. :func:`mismatches` lists every ``settings.yaml`` the pattern would match
that is not such an overlay, so ``render`` and ``check`` can refuse it before the two tools disagree.
(A ``settings.yaml`` directly in ``overlaysPath`` is refused elsewhere: it cannot name an Application.)
"""

from __future__ import annotations

import os
from pathlib import Path

from generator.layout import SETTINGS_FILE
from generator.problems import Problem

RULE = "delivery-overlay-set"


def files_pattern(overlays_path: str) -> str:
    """The ApplicationSet files-generator pattern for ``overlaysPath``."""
    return f"{overlays_path.rstrip('/')}/**/{SETTINGS_FILE}"


def matched_directories(root: Path, overlays_path: str) -> list[str]:
    """Repo-relative directories (below ``overlaysPath``, any depth >= 1) holding ``settings.yaml``.

    Like ``git ls-files`` with the generator's glob: hidden folders included, symlinked folders not
    followed (Git stores a symlink, not the files behind it).
    """
    base = overlays_path.rstrip("/")
    top = root / base
    found: list[str] = []
    if not top.is_dir() or top.is_symlink():
        return found
    top_text = str(top)
    start = len(top_text) - len(base)  # dirpath[start:] is repo-relative, whatever form root has
    for dirpath, dirnames, filenames in os.walk(top_text, followlinks=False):
        dirnames.sort()
        if ".git" in dirnames:
            dirnames.remove(".git")
        if (SETTINGS_FILE in filenames and dirpath != top_text
                and not os.path.islink(os.path.join(dirpath, SETTINGS_FILE))):
            found.append(dirpath[start:].replace(os.sep, "/"))
    return found


def _reason(directory: str, overlays: set[str], base: str) -> str:
    for overlay in sorted(overlays):
        if directory.startswith(overlay + "/"):
            return f"it is inside the overlay {overlay} (an overlay's sub-folders are its patches, resources and jobs)"
    hidden = [part for part in directory[len(base) + 1:].split("/") if part.startswith(".")]
    if hidden:
        return f"it is in the hidden folder {hidden[0]!r}, which kaptain-gitops does not read"
    return "kaptain-gitops does not render it"


def mismatches(root: Path, overlays_path: str, overlays: list[str], matched: list[str] | None = None) -> list[Problem]:
    """An error for every ``settings.yaml`` the ApplicationSet would deploy that is not an overlay (``matched``:
    :func:`matched_directories`, when the caller already has it)."""
    known = set(overlays)
    base = overlays_path.rstrip("/")
    pattern = files_pattern(overlays_path)
    problems = []
    for directory in matched if matched is not None else matched_directories(root, overlays_path):
        if directory in known:
            continue
        problems.append(Problem(
            f"{directory}/{SETTINGS_FILE}", 1, 1, "error", RULE,
            f"Argo CD's ApplicationSet (files generator {pattern}) would deploy {directory} as an Application, "
            f"but {_reason(directory, known, base)}, so Flux and deploy/argocd/applications/ would not; "
            f"rename the file (e.g. settings.yaml.example) or move the folder to its own place under {base}/",
        ))
    return problems


__all__ = ["RULE", "files_pattern", "matched_directories", "mismatches"]
