"""Golden files: rendering each example from scratch reproduces the committed files byte for byte.

The goldens are the repository's own ``overlays/`` and ``tests/golden/<case>/overlays/``.
After an intended output change run ``make goldens`` and review the diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.render.overlay import split_header
from tests.conftest import REPO, require_kubectl, run_cli

CASES = [REPO, *sorted(p for p in (REPO / "tests" / "golden").iterdir() if p.is_dir())]


def _generated(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted((root / "overlays").rglob("*.yaml")):
        text = p.read_text(encoding="utf-8")
        if split_header(text)[0] is not None:
            out[p.relative_to(root).as_posix()] = text
    return out


@pytest.mark.parametrize("case", CASES, ids=lambda p: "repo" if p == REPO else p.name)
def test_render_from_scratch_matches_goldens(case: Path, tmp_path: Path) -> None:
    expected = _generated(case)
    assert expected, "golden files are committed"
    root = tmp_path / "r"
    shutil.copytree(case / "overlays", root / "overlays")
    for rel in expected:
        (root / rel).unlink()
    result = run_cli("render", "--root", str(root))
    assert result.code == 0, result.out
    assert _generated(root) == expected


@pytest.mark.parametrize("case", CASES, ids=lambda p: "repo" if p == REPO else p.name)
def test_committed_goldens_pass_check(case: Path, tmp_path: Path) -> None:
    require_kubectl()
    root = tmp_path / "r"
    shutil.copytree(case / "overlays", root / "overlays")
    result = run_cli("check", "--root", str(root), "--kustomize", "kubectl")
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1].endswith(" 0 stale, 0 failed")


def test_render_is_deterministic_across_time_zones_and_locales(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    outputs = []
    for tz, lang in (("UTC", "C"), ("Pacific/Chatham", "C.UTF-8"), ("America/Los_Angeles", "POSIX")):
        root = tmp_path / f"r-{len(outputs)}"
        shutil.copytree(REPO / "overlays", root / "overlays")
        for rel in _generated(REPO):
            (root / rel).unlink()
        env = {**os.environ, "TZ": tz, "LANG": lang, "LC_ALL": lang, "PYTHONHASHSEED": str(len(outputs) + 1)}
        subprocess.run([sys.executable, "-m", "generator", "render", "--root", str(root)], check=True, env=env,
                       capture_output=True)
        outputs.append(_generated(root))
    assert outputs[0] == outputs[1] == outputs[2] == _generated(REPO)
