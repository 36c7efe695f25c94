"""Where ``kubeconform`` is on PATH: ``shutil.which`` without importing ``shutil`` (it loads bz2, lzma and zlib).

Every ``check`` asks (with kubeconform the rendered files are kept and the result cache is off), so this is on the
path of a warm one-overlay check (#16). ``tests/test_kubeconform_adapter.py`` compares it with ``shutil.which``.
"""

from __future__ import annotations

import os


def which(name: str) -> str | None:
    """``shutil.which(name)`` (POSIX, a bare command name): the first ``PATH`` entry holding an executable file."""
    path = os.environ.get("PATH", None)
    if path is None:
        try:
            path = os.confstr("CS_PATH")
        except (AttributeError, ValueError):
            path = os.defpath
    if not path:
        return None
    seen: set[str] = set()
    for folder in os.fsdecode(path).split(os.pathsep):
        if folder in seen:
            continue
        seen.add(folder)
        candidate = os.path.join(folder, name)
        if os.path.exists(candidate) and os.access(candidate, os.F_OK | os.X_OK) and not os.path.isdir(candidate):
            return candidate
    return None


NOT_ON_PATH = "kubeconform not on PATH: skipped (the built-in strict schema check ran)"  # the run's notice then


def find_kubeconform() -> str | None:
    """Path of ``kubeconform`` on PATH, or None (it is optional: not on PyPI, npm or Debian)."""
    return which("kubeconform")
