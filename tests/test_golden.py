"""Golden files: rendering each example from scratch reproduces the committed files byte for byte.

The goldens are the repository's own ``overlays/`` and ``tests/golden/<case>/overlays/``, plus ``deploy/`` where the
case has a ``gitops.yaml`` (``tests/golden/dkp-workspace``: a DKP workspace, two kaptain-chart clusters and one
standalone).
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
    for p in sorted([*(root / "overlays").rglob("*.yaml"), *(root / "deploy").rglob("*.yaml")]):
        text = p.read_text(encoding="utf-8")
        if split_header(text)[0] is not None:
            out[p.relative_to(root).as_posix()] = text
    return out


def _copy_inputs(case: Path, root: Path) -> None:
    shutil.copytree(case / "overlays", root / "overlays")
    if (case / "gitops.yaml").exists():
        shutil.copy(case / "gitops.yaml", root / "gitops.yaml")
        shutil.copytree(case / "deploy", root / "deploy")


@pytest.mark.parametrize("case", CASES, ids=lambda p: "repo" if p == REPO else p.name)
def test_render_from_scratch_matches_goldens(case: Path, tmp_path: Path) -> None:
    expected = _generated(case)
    assert expected, "golden files are committed"
    root = tmp_path / "r"
    _copy_inputs(case, root)
    for rel in expected:
        (root / rel).unlink()
    result = run_cli("render", "--root", str(root))
    assert result.code == 0, result.out
    assert _generated(root) == expected


@pytest.mark.parametrize("case", CASES, ids=lambda p: "repo" if p == REPO else p.name)
def test_committed_goldens_pass_check(case: Path, tmp_path: Path) -> None:
    require_kubectl()
    root = tmp_path / "r"
    _copy_inputs(case, root)
    result = run_cli("check", "--root", str(root), "--kustomize", "kubectl")
    assert result.code == 0, result.out
    summary = result.out.splitlines()[-1]
    assert summary.endswith((" 0 stale, 0 failed", " 0 stale, 0 failed; deploy/ up to date"))


def test_dkp_workspace_golden_is_the_issue_example() -> None:
    """Two kaptain-chart clusters and one standalone in workspace team-ws: one AppDeployment delivers each."""
    from generator.render.yaml_emit import load, load_all

    case = REPO / "tests" / "golden" / "dkp-workspace"
    app = load((case / "deploy/kommander/appdeployment.yaml").read_text())
    assert (app["kind"], app["metadata"]["namespace"], app["spec"]["appRef"]) == (
        "AppDeployment", "team-ws", {"kind": "App", "name": "kaptain-2.2.0"})
    maps = {e["clusterSelector"]["matchExpressions"][0]["values"][0]: e["configMapName"]
            for e in app["spec"]["clusterConfigOverrides"]}
    assert maps == {"core": "kaptain-overrides-core", "gpu-east": "kaptain-overrides-gpu-east",
                    "gpu-west-prod": "kaptain-overrides-gpu-west-prod"}
    values = {}
    for name, configmap in maps.items():
        cm = load((case / f"deploy/kommander/overrides/{name}.yaml").read_text())
        assert cm["metadata"]["name"] == configmap and cm["metadata"]["namespace"] == "team-ws"
        values[name] = load(cm["data"]["values.yaml"])["ingress"]
    assert values["core"] == {"enableSecretRotation": False}
    assert values["gpu-east"]["enableSecretRotation"] is True
    assert values["gpu-east"]["secretRotationSchedule"] == "0 */6 * * *"
    assert values["gpu-west-prod"]["enableSecretRotation"] is False
    assert values["gpu-west-prod"]["secretRotationSchedule"] == "30 2 * * *"
    for chart in ("gpu-east", "gpu-west"):
        kustomization = (case / "overlays" / chart / "kustomization.yaml").read_text()
        assert next(d for d in load_all(kustomization) if d)["resources"] == []
        assert sorted(p.name for p in (case / "overlays" / chart).iterdir()) == ["kustomization.yaml", "settings.yaml"]


def test_render_is_deterministic_across_time_zones_and_locales(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    outputs = []
    for tz, lang in (("UTC", "C"), ("Pacific/Chatham", "C.UTF-8"), ("America/Los_Angeles", "POSIX")):
        root = tmp_path / f"r-{len(outputs)}"
        _copy_inputs(REPO, root)
        for rel in _generated(REPO):
            (root / rel).unlink()
        env = {**os.environ, "TZ": tz, "LANG": lang, "LC_ALL": lang, "PYTHONHASHSEED": str(len(outputs) + 1)}
        subprocess.run([sys.executable, "-m", "generator", "render", "--root", str(root)], check=True, env=env,
                       capture_output=True)
        outputs.append(_generated(root))
    assert outputs[0] == outputs[1] == outputs[2] == _generated(REPO)
