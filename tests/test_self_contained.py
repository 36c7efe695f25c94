"""Nothing outside the repository is read by code, tests, Makefile or CI: no path to material beside it."""

from __future__ import annotations

import subprocess

from tests.conftest import REPO

# Spelled in pieces so this file does not match itself.
FORBIDDEN = ("../" + "shared", "/work/" + "shared", "/work/" + "main", "KAPTAIN_CRD" + "_SCHEMAS")
CHECKED = ("generator", "tests", "scripts", "bench", "schemas", "templates", "docs", ".ci", ".github", "Makefile",
           "pyproject.toml", "README.md", "ARCHITECTURE.md")


def test_no_reference_to_anything_beside_the_repository() -> None:
    files = subprocess.run(["git", "ls-files", "--", *CHECKED], cwd=REPO, capture_output=True, text=True,
                           check=True).stdout.split()
    assert len(files) > 50
    offenders = []
    for name in files:
        if name.startswith("bench/RESULTS"):  # measurement records name the machine's interpreter path
            continue
        try:
            text = (REPO / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        offenders += [f"{name}: {needle}" for needle in FORBIDDEN if needle in text]
    assert offenders == []
