"""Argo CD's ApplicationSet and the Flux objects deliver the same overlays, and never a folder without settings.

The ApplicationSet matches ``<overlaysPath>/**/settings.yaml``; ``deploy/argocd/applications`` and
``deploy/flux`` hold one file per discovered overlay. An independent oracle (Python's recursive glob, hidden
files included, as Git lists them) stands in for Argo CD's matcher.
"""

from __future__ import annotations

import glob
import shutil
from pathlib import Path

import pytest

from generator.render import overlay_set
from generator.write.discovery import discover
from tests.conftest import REPO, run_cli


def _glob_dirs(root: Path, base: str = "overlays") -> set[str]:
    """Directories whose settings.yaml the files generator matches (depth >= 1 below ``base``)."""
    hits = glob.glob(f"{base}/**/settings.yaml", root_dir=root, recursive=True, include_hidden=True)
    return {h.rsplit("/", 1)[0] for h in hits if h.count("/") >= 2}


TREES = {
    "flat": ["prod", "dev"],
    "nested": ["team-a/prod", "team-a/dev", "prod"],
    "inside-an-overlay": ["prod", "prod/old"],
    "hidden": ["prod", ".archive/staging"],
    "deep-hidden": ["team-b/.old/prod", "team-b/prod"],
    "no-settings-folder": ["prod"],
}


def _tree(root: Path, dirs: list[str]) -> None:
    for d in dirs:
        (root / "overlays" / d).mkdir(parents=True, exist_ok=True)
        (root / "overlays" / d / "settings.yaml").write_text("ingress: {}\n", encoding="utf-8")
    (root / "overlays" / "_archive").mkdir(parents=True, exist_ok=True)
    (root / "overlays" / "_archive" / "cronjob.yaml").write_text("kind: CronJob\n", encoding="utf-8")


@pytest.mark.parametrize("name", list(TREES))
def test_every_match_of_the_pattern_is_an_overlay_or_reported(name: str, tmp_path: Path) -> None:
    _tree(tmp_path, TREES[name])
    overlays = [o.rel for o in discover(tmp_path)]
    matched = _glob_dirs(tmp_path)
    assert set(overlay_set.matched_directories(tmp_path, "overlays")) == matched
    reported = {p.file.rsplit("/", 1)[0] for p in overlay_set.mismatches(tmp_path, "overlays", overlays)}
    assert set(overlays) <= matched
    assert reported == matched - set(overlays)  # nothing Argo CD would deploy goes unreported
    assert "overlays/_archive" not in matched | set(overlays)  # a folder without settings never deploys


def test_mismatch_messages_say_why(tmp_path: Path) -> None:
    _tree(tmp_path, ["prod", "prod/old", ".archive/staging"])
    overlays = [o.rel for o in discover(tmp_path)]
    problems = {p.file: p for p in overlay_set.mismatches(tmp_path, "overlays", overlays)}
    assert set(problems) == {"overlays/prod/old/settings.yaml", "overlays/.archive/staging/settings.yaml"}
    inside = problems["overlays/prod/old/settings.yaml"]
    assert inside.rule == "delivery-overlay-set" and "inside the overlay overlays/prod" in inside.message
    assert "files generator overlays/**/settings.yaml" in inside.message
    assert "hidden folder '.archive'" in problems["overlays/.archive/staging/settings.yaml"].message


def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    _tree(tmp_path, ["prod"])
    (tmp_path / "overlays" / "alias").symlink_to(tmp_path / "overlays" / "prod", target_is_directory=True)
    assert overlay_set.matched_directories(tmp_path, "overlays") == ["overlays/prod"]


@pytest.fixture
def gitops_repo(repo: Path) -> Path:
    shutil.copy(REPO / "gitops.yaml", repo / "gitops.yaml")
    shutil.copytree(REPO / "deploy", repo / "deploy")
    return repo


def test_check_and_render_refuse_a_settings_file_argo_cd_would_deploy_alone(gitops_repo: Path) -> None:
    stray = gitops_repo / "overlays/prod/old/settings.yaml"
    stray.parent.mkdir()
    shutil.copy(gitops_repo / "overlays/prod/settings.yaml", stray)
    before = sorted(p.relative_to(gitops_repo).as_posix() for p in (gitops_repo / "deploy").rglob("*"))
    check = run_cli("check", "--root", str(gitops_repo), "--kustomize", "off")
    assert check.code == 1
    assert "overlays/prod/old/settings.yaml:1:1: [error]" in check.out and "delivery-overlay-set" in check.out
    render = run_cli("render", "--root", str(gitops_repo))
    assert render.code == 1 and "overlays/prod/old/settings.yaml" in render.out
    assert sorted(p.relative_to(gitops_repo).as_posix() for p in (gitops_repo / "deploy").rglob("*")) == before
    stray.unlink()
    assert run_cli("check", "--root", str(gitops_repo), "--kustomize", "off").code == 0


def test_a_folder_without_settings_gets_no_delivery_object(gitops_repo: Path) -> None:
    archive = gitops_repo / "overlays/_archive"
    archive.mkdir()
    (archive / "kustomization.yaml").write_text("resources: []\n", encoding="utf-8")
    result = run_cli("check", "--root", str(gitops_repo), "--kustomize", "off")
    assert result.code == 0, result.out
    assert not any("_archive" in p.name for p in (gitops_repo / "deploy").rglob("*"))
