"""The few git questions the CLI asks: what changed since a ref, and a file's text at a ref."""

from __future__ import annotations

import subprocess
from pathlib import Path

from generator.errors import UsageError
from generator.write.discovery import SETTINGS_FILE, discover, select


def _git(root: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False,
                              timeout=60)
    except FileNotFoundError:
        raise UsageError("git is not installed, but this option needs it", rule="git") from None
    if proc.returncode != 0:
        message = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        raise UsageError(f"git {' '.join(args)}: {message}", rule="git")
    return proc.stdout


def repo_prefix(root: Path) -> str:
    """``root`` relative to the top of its git work tree ('' when it is the top)."""
    return _git(root, "rev-parse", "--show-prefix").strip()


def changed_files(root: Path, ref: str) -> list[str]:
    """Root-relative paths changed between ``ref`` and the working tree (committed, staged, unstaged, untracked)."""
    _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    prefix = repo_prefix(root)
    names = _git(root, "diff", "--name-only", "--no-renames", ref, "--", ".").splitlines()
    names += _git(root, "ls-files", "--others", "--exclude-standard", "--full-name", "--", ".").splitlines()
    out = []
    for n in names:
        if prefix and n.startswith(prefix):
            n = n[len(prefix):]
        out.append(n)
    return sorted(set(out))


def changed_overlays(root: Path, ref: str, patterns: list[str]) -> list[str]:
    """Overlays (repo-relative) with any changed file under them since ``ref``, limited to ``patterns``."""
    changed = changed_files(root, ref)
    overlays = select(root, discover(root), patterns)
    hits = [o.rel for o in overlays if any(c == o.rel or c.startswith(o.rel + "/") for c in changed)]
    return hits


def show(root: Path, ref: str, path: str) -> bytes | None:
    """Bytes of root-relative ``path`` at ``ref``, or None when it did not exist there."""
    prefix = repo_prefix(root)
    proc = subprocess.run(["git", "-C", str(root), "show", f"{ref}:{prefix}{path}"], capture_output=True,
                          check=False, timeout=60)
    return proc.stdout if proc.returncode == 0 else None


def settings_paths_at(root: Path, ref: str) -> list[str]:
    """Root-relative settings files under overlays/ at ``ref``."""
    prefix = repo_prefix(root)
    listing = _git(root, "ls-tree", "-r", "--name-only", ref, "--", f"{prefix}overlays")
    return sorted(n[len(prefix):] for n in listing.splitlines() if n.endswith("/" + SETTINGS_FILE))


def files_at(root: Path, ref: str, folder: str) -> list[str]:
    """Root-relative files under ``folder`` at ``ref`` (none when it did not exist there)."""
    prefix = repo_prefix(root)
    listing = _git(root, "ls-tree", "-r", "--name-only", ref, "--", f"{prefix}{folder}")
    return sorted(n[len(prefix):] for n in listing.splitlines())
