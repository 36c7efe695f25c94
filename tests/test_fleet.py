"""Fleet runs: worker processes give exactly the sequential result; one bad overlay never stops the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.pipeline.pool import PARALLEL_MIN_OVERLAYS
from tests.conftest import REPO, run_cli

N = PARALLEL_MIN_OVERLAYS + 12
SCHEDULES = ['"0 */6 * * *"', '"30 2 * * 1-5"', '"@daily"', '"15 3 1,15 * *"', '"0 0 * * 0"']
ZONES = ['"Etc/UTC"', '"Europe/Berlin"', '"America/New_York"', '"Asia/Kolkata"']


def _fleet(root: Path) -> None:
    for i in range(N):
        d = root / "overlays" / f"c{i:03d}"
        d.mkdir(parents=True)
        (d / "settings.yaml").write_text(
            "ingress:\n  enableSecretRotation: true\n"
            f"  secretRotationSchedule: {SCHEDULES[i % len(SCHEDULES)]}\n"
            f"  secretRotationTimeZone: {ZONES[i % len(ZONES)]}\n"
            + ("lint:\n  maxDelayHours: 200\n" if i % len(SCHEDULES) == 4 else ""))
    (root / "overlays/c007/settings.yaml").write_text("ingress:\n  enableSecretRotation: yes\n")
    (root / "overlays/c042/settings.yaml").write_text(
        'ingress:\n  enableSecretRotation: true\n  secretRotationSchedule: "* */6 * * *"\n')


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "overlays").rglob("*"))
            if p.is_file()}


@pytest.mark.slow
def test_parallel_and_sequential_runs_are_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("KAPTAIN_GITOPS_WORKERS", workers)
        root = tmp_path / f"w{workers}"
        _fleet(root)
        render = run_cli("render", "--root", str(root), "--keep-going")
        check = run_cli("check", "--root", str(root), "--kustomize", "internal")
        outputs[workers] = (render.code, render.out, check.code, check.out, _tree(root))
    assert outputs["1"] == outputs["2"]
    code, out, check_code, check_out, _ = outputs["2"]
    assert code == 1
    assert out.splitlines()[-1] == f"{N} overlays: {N - 2} rendered, 0 up to date, 2 failed"
    # failures are listed first, each once, and the other overlays were still rendered
    # every problem of a file at once: the missing key and the YAML 1.1 boolean
    assert out.splitlines()[0].startswith("overlays/c007/settings.yaml:2:3: [error] ingress is missing required key")
    assert out.splitlines()[1].startswith("overlays/c007/settings.yaml:2:25: [error] ambiguous value 'yes'")
    assert out.splitlines()[2].startswith("overlays/c042/settings.yaml:3:28: [error] minute field")
    assert check_code == 1
    assert check_out.splitlines()[-1] == f"{N} overlays: {N - 2} up to date, 0 stale, 2 failed"


def test_all_or_nothing_holds_for_parallel_renders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAPTAIN_GITOPS_WORKERS", "2")
    root = tmp_path / "r"
    _fleet(root)
    before = _tree(root)
    result = run_cli("render", "--root", str(root))
    assert result.code == 1
    assert result.out.splitlines()[-1] == f"{N} overlays: 0 rendered, 0 up to date, 2 failed, {N - 2} not written"
    assert _tree(root) == before
    assert not [p for p in root.rglob("*") if ".kgtmp-" in p.name]
    assert REPO.is_dir()
