"""deploy/ is rendered, owned and drift-checked like an overlay, and validated against the CRD schemas."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli


@pytest.fixture
def gitops_repo(repo: Path) -> Path:
    shutil.copy(REPO / "gitops.yaml", repo / "gitops.yaml")
    shutil.copytree(REPO / "deploy", repo / "deploy")
    return repo


def test_committed_deploy_is_current_and_valid(gitops_repo: Path) -> None:
    result = run_cli("check", "--root", str(gitops_repo), "--kustomize", "off")
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1] == "2 overlays: 2 up to date, 0 stale, 0 failed; deploy/ up to date"


def test_new_overlay_adds_and_removed_overlay_deletes_deploy_files(gitops_repo: Path) -> None:
    shutil.copytree(gitops_repo / "overlays/prod", gitops_repo / "overlays/staging")
    for f in ("configmap.yaml", "cronjob.yaml", "rbac.yaml", "kustomization.yaml"):
        (gitops_repo / "overlays/staging" / f).unlink()
    result = run_cli("check", "--root", str(gitops_repo), "--kustomize", "off")
    assert result.code == 1
    assert "deploy/flux/staging.yaml:1:1: [error] deploy/flux/staging.yaml is missing; run 'kaptain-gitops render' " \
           "and commit the result (stale-file)" in result.out
    assert run_cli("render", "--root", str(gitops_repo)).code == 0
    assert (gitops_repo / "deploy/argocd/applications/staging.yaml").is_file()
    shutil.rmtree(gitops_repo / "overlays/staging")
    result = run_cli("render", "--root", str(gitops_repo))
    assert "deploy/argocd/applications/staging.yaml: deleted" in result.out
    assert not (gitops_repo / "deploy/flux/staging.yaml").exists()
    assert run_cli("check", "--root", str(gitops_repo), "--kustomize", "off").code == 0


def test_bad_gitops_config_fails_render_and_writes_nothing(gitops_repo: Path) -> None:
    (gitops_repo / "gitops.yaml").write_text("repoURL: https://example.com/x.git\nargocd:\n  namespce: argocd\n")
    before = sorted(p.as_posix() for p in gitops_repo.rglob("*"))
    result = run_cli("render", "--root", str(gitops_repo))
    assert result.code == 1
    assert result.out.startswith("gitops.yaml:3:3: [error] unknown key 'namespce' under argocd; did you mean "
                                 "'namespace'?")
    assert sorted(p.as_posix() for p in gitops_repo.rglob("*") if ".kaptain-gitops" not in p.parts) == [
        b for b in before if ".kaptain-gitops" not in b]
