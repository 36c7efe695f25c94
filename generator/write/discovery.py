"""Find overlays and their user files.

An overlay is a directory under ``overlays/`` holding a settings file; its own sub-directories are its
``patches/``, ``resources/`` and ``jobs/`` (user files the generator reads but never writes, except
``jobs/`` which ``trigger`` owns).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from generator.errors import OverlayError, UsageError

SETTINGS_FILE = "settings.yaml"
STATE_DIR = ".kaptain-gitops"
JOBS_DIR = "jobs"
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Overlay:
    path: Path  # absolute
    rel: str  # repo-relative POSIX path, e.g. "overlays/prod"

    @property
    def settings_path(self) -> Path:
        return self.path / SETTINGS_FILE

    @property
    def settings_rel(self) -> str:
        return f"{self.rel}/{SETTINGS_FILE}"


def rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def discover(root: Path, base: str = "overlays") -> list[Overlay]:
    """Every directory under ``root/base`` holding a settings.yaml (symlinked directories are not followed)."""
    top = root / base
    found: list[Overlay] = []
    if not top.is_dir():
        return found
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        dirnames.sort()
        here = Path(dirpath)
        if SETTINGS_FILE in filenames:
            found.append(Overlay(here, rel(root, here)))
            dirnames[:] = []  # an overlay's own sub-directories are its patches/resources/jobs
        else:
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
    return found


def select(root: Path, overlays: list[Overlay], patterns: list[str]) -> list[Overlay]:
    """Overlays matching any of ``patterns`` (paths or globs, relative to the repo root or absolute)."""
    if not patterns:
        return overlays
    import fnmatch

    chosen: dict[str, Overlay] = {}
    unmatched = []
    for pattern in patterns:
        p = Path(pattern)
        if p.is_absolute():
            pattern = rel(root, p.resolve())
        pattern = pattern.rstrip("/")
        if pattern.endswith("/" + SETTINGS_FILE) or pattern == SETTINGS_FILE:
            pattern = pattern[: -len(SETTINGS_FILE)].rstrip("/") or "."
        hits = [o for o in overlays if o.rel == pattern or fnmatch.fnmatchcase(o.rel, pattern)
                or o.rel.startswith(pattern + "/")]
        if not hits:
            unmatched.append(pattern)
        for o in hits:
            chosen[o.rel] = o
    if unmatched:
        raise UsageError(
            f"no overlay matches {', '.join(repr(u) for u in unmatched)}", rule="no-such-overlay",
            hint="name an overlay directory holding settings.yaml (e.g. overlays/prod) or a glob like 'overlays/*'",
        )
    return [chosen[k] for k in sorted(chosen)]


def select_one(root: Path, pattern: str, command: str) -> Overlay:
    """The single overlay ``pattern`` names (commands like build, trigger and verify take exactly one)."""
    targets = select(root, discover(root), [pattern])
    if len(targets) != 1:
        raise UsageError(f"{pattern!r} matches {len(targets)} overlays; {command} takes exactly one",
                         rule="usage", hint="name one overlay directory")
    return targets[0]


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def user_files(root: Path, overlay: Overlay, sub: str) -> tuple[str, ...]:
    """Sorted overlay-relative YAML files in ``overlay/sub`` (patches/, resources/ or jobs/), nested folders included.

    Hidden entries (``.gitkeep``, editor files) are skipped; any other non-YAML file is refused, never ignored.
    """
    d = overlay.path / sub
    if not d.is_dir() or d.is_symlink():
        if d.is_symlink():
            raise OverlayError(f"{overlay.rel}/{sub} is a symlink", file=f"{overlay.rel}/{sub}", rule="symlink",
                               hint="use a real directory inside the overlay")
        return ()
    out = []
    for dirpath, dirnames, filenames in os.walk(d, followlinks=False):
        dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
        here = Path(dirpath)
        for name in dirnames:
            if (here / name).is_symlink():
                display = f"{overlay.rel}/{rel(overlay.path, here / name)}"
                raise OverlayError(f"{display} is a symlinked directory", file=display, rule="symlink",
                                   hint="use a real directory inside the overlay")
        for entry in sorted(filenames):
            p = here / entry
            overlay_rel = rel(overlay.path, p)
            if entry.startswith("."):
                continue
            if not entry.endswith(YAML_SUFFIXES):
                raise OverlayError(f"{overlay.rel}/{overlay_rel} is not a YAML file; everything under {sub}/ is "
                                   f"applied by kustomize, so kaptain-gitops does not skip it silently",
                                   file=f"{overlay.rel}/{overlay_rel}", rule="not-yaml",
                                   hint="name it *.yaml (or *.yml), or move it out of the overlay")
            if p.is_symlink() and not _inside(root, p):
                raise OverlayError(f"{overlay.rel}/{overlay_rel} is a symlink leading outside the repository",
                                   file=f"{overlay.rel}/{overlay_rel}", rule="symlink-outside-repo",
                                   hint="replace it with a regular file inside the repository")
            out.append(overlay_rel)
    return tuple(sorted(out))


def read_bytes_safe(path: Path) -> bytes | None:
    """Bytes of a regular file (None if absent or a symlink/special file: treated as not there)."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        with open(path, "rb") as fh:
            return fh.read(2 * 1024 * 1024)
    except OSError:
        return None
