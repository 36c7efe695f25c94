"""The state folder (.kaptain-gitops: lock, journal, caches) ignores itself in Git, as pytest's and ruff's do."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from generator.write import transaction
from tests.conftest import run_cli
from tests.fleet_cases import render_fleet

GIT = shutil.which("git")
pytestmark = pytest.mark.skipif(GIT is None, reason="needs git")


def _git(root: Path, *argv: str) -> str:
    assert GIT is not None
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null", "PATH": "/usr/bin:/bin"}
    return subprocess.run([GIT, "-C", str(root), *argv], check=True, capture_output=True, text=True, env=env).stdout


def test_a_users_git_add_all_never_stages_the_state_folder(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    render_fleet(tmp_path, 2)  # render: the lock (and the template cache) under .kaptain-gitops
    assert run_cli("check", "--root", str(tmp_path), "--kustomize", "internal").code == 0  # result caches too
    state = tmp_path / ".kaptain-gitops"
    assert (state / "lock").exists() and any((state / "cache").rglob("*.entry"))
    assert (state / ".gitignore").read_text() == transaction.STATE_GITIGNORE
    _git(tmp_path, "add", "-A")
    staged = _git(tmp_path, "diff", "--cached", "--name-only").split()
    assert staged and all(path.startswith("overlays/") for path in staged), staged


def test_an_existing_state_folder_gets_its_gitignore_and_a_users_own_is_kept(tmp_path: Path) -> None:
    render_fleet(tmp_path, 1)
    ignore = tmp_path / ".kaptain-gitops" / ".gitignore"
    ignore.unlink()  # a state folder made by an older version
    assert run_cli("check", "--root", str(tmp_path), "--kustomize", "internal").code == 0
    assert ignore.read_text() == transaction.STATE_GITIGNORE
    ignore.write_text("lock\n")  # the user's own choice stays as it is
    assert run_cli("render", "--root", str(tmp_path)).code == 0
    assert ignore.read_text() == "lock\n"


def test_the_gitignore_is_written_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / ".kaptain-gitops"
    state.mkdir()

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(transaction.os, "replace", fail)
    with transaction.Lock(tmp_path):  # the run goes on: only the convenience is lost
        pass
    assert sorted(p.name for p in state.iterdir()) == ["lock"]  # no .gitignore, no temporary left


def test_its_temporary_counts_as_a_leftover_a_render_removes(tmp_path: Path) -> None:
    render_fleet(tmp_path, 1)
    leftover = tmp_path / ".kaptain-gitops" / f".gitignore{transaction.TMP_MARK}4242"
    leftover.write_text("*")  # a run killed between writing and renaming it
    check = run_cli("check", "--root", str(tmp_path), "--kustomize", "internal")
    assert check.code == 1 and ".kaptain-gitops/.gitignore.kgtmp-4242 is a temporary file" in check.out
    assert run_cli("render", "--root", str(tmp_path)).code == 0
    assert not leftover.exists()
