"""Nothing stale passes: output of a removed overlay, deploy/ without gitops.yaml, a misnamed settings file.

``check`` reports each as an error (whatever overlays it was asked about); ``render`` removes our files
(never a hand-edited or foreign one without ``--force``); one settings file name rule in render, check,
validate and the pre-commit hook.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, run_cli

GENERATED = ("configmap.yaml", "cronjob.yaml", "rbac.yaml", "kustomization.yaml")


def _with_staging(repo: Path) -> Path:
    staging = repo / "overlays/staging"
    staging.mkdir()
    shutil.copy(repo / "overlays/prod/settings.yaml", staging / "settings.yaml")
    assert run_cli("render", "--root", str(repo)).code == 0
    return staging


def test_output_of_a_removed_overlay_fails_check_and_render_removes_it(repo: Path) -> None:
    staging = _with_staging(repo)
    (staging / "settings.yaml").unlink()
    (staging / "patches").mkdir()
    (staging / "patches/mine.yaml").write_text("kind: Mine\n")  # a user file: never touched
    for args in ([], ["overlays/prod"]):  # any selection sees it
        result = run_cli("check", "--root", str(repo), "--kustomize", "off", *args)
        assert result.code == 1
        assert ("overlays/staging/cronjob.yaml:1:1: [error] overlays/staging/cronjob.yaml was generated for an "
                "overlay that has no settings.yaml; run 'kaptain-gitops render' to delete it (or restore "
                "overlays/staging/settings.yaml) (orphaned-file)") in result.out
        assert result.out.endswith("1 folder without settings.yaml\n")
    result = run_cli("render", "--root", str(repo), "overlays/dev")
    assert result.code == 0
    assert "overlays/staging/kustomization.yaml: deleted" in result.out
    assert [p.name for p in staging.rglob("*") if p.is_file()] == ["mine.yaml"]
    assert run_cli("check", "--root", str(repo), "--kustomize", "off").code == 0


def test_a_hand_edited_orphan_is_kept_unless_forced(repo: Path) -> None:
    staging = _with_staging(repo)
    (staging / "settings.yaml").unlink()
    cronjob = staging / "cronjob.yaml"
    cronjob.write_text(cronjob.read_text() + "# mine\n")
    result = run_cli("render", "--root", str(repo))
    assert result.code == 1
    assert "overlays/staging/cronjob.yaml is no longer generated but was edited by hand; refusing to delete it" \
           in result.out
    assert cronjob.exists() and (staging / "rbac.yaml").exists()  # all or nothing
    assert run_cli("render", "--root", str(repo), "--force").code == 0
    assert not any(staging.iterdir())


def test_removing_gitops_yaml_makes_deploy_stale_and_render_removes_it(repo: Path) -> None:
    shutil.copy(REPO / "gitops.yaml", repo / "gitops.yaml")
    shutil.copytree(REPO / "deploy", repo / "deploy")
    (repo / "deploy/README.md").write_text("ours, not generated\n")
    assert run_cli("check", "--root", str(repo), "--kustomize", "off").code == 0
    (repo / "gitops.yaml").unlink()
    result = run_cli("check", "--root", str(repo), "--kustomize", "off")
    assert result.code == 1
    assert ("deploy/flux/source.yaml:1:1: [error] deploy/flux/source.yaml is no longer generated; run "
            "'kaptain-gitops render' and commit the result (stale-file)") in result.out
    assert result.out.endswith("; deploy/ stale\n")
    assert run_cli("render", "--root", str(repo)).code == 0
    assert [p.relative_to(repo).as_posix() for p in (repo / "deploy").rglob("*") if p.is_file()] == ["deploy/README.md"]
    assert run_cli("check", "--root", str(repo), "--kustomize", "off").code == 0


MISNAMED = ("overlays/foo/settings.yml:1:1: [error] overlays/foo/settings.yml is not read: the settings file of an "
            "overlay must be named settings.yaml; rename it to settings.yaml (settings-file-name)")


def test_one_settings_file_name_rule_everywhere(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "overlays/foo").mkdir()
    shutil.copy(repo / "overlays/prod/settings.yaml", repo / "overlays/foo/settings.yml")
    for command in (["check", "--kustomize", "off"], ["render"], ["check", "overlays/prod", "--kustomize", "off"]):
        result = run_cli(*command, "--root", str(repo))
        assert result.code == 1, command
        assert MISNAMED in result.out, command
    assert not (repo / "overlays/foo/cronjob.yaml").exists()
    monkeypatch.chdir(repo)
    result = run_cli("validate", "overlays/foo/settings.yml")
    assert (result.code, result.out) == (1, MISNAMED + "\n")
    # the pre-commit hook hands .yml files to validate, which refuses them with the same message
    hook = next(h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
                if h["id"] == "kaptain-gitops-validate")
    assert re.search(hook["files"], "overlays/foo/settings.yml")
    assert re.search(hook["files"], "overlays/foo/settings.yaml")
