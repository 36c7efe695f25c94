"""``check --changed-since REF`` is never weaker than a full ``check`` on what the range touched.

Starting from a clean, committed repository (a full check passes at REF), any mix of edits, deletions,
renames and new overlays — committed or not — that makes ``check`` fail also makes
``check --changed-since REF`` fail.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO, run_cli

GIT = ["-c", "user.email=t@example.com", "-c", "user.name=t"]


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *GIT, *args], check=True, capture_output=True)


def _base(root: Path, gitops: bool) -> None:
    shutil.copytree(REPO / "overlays", root / "overlays")
    if gitops:
        shutil.copy(REPO / "gitops.yaml", root / "gitops.yaml")
        shutil.copytree(REPO / "deploy", root / "deploy")
    # A non-ASCII name (git quotes it unless -z is used); with gitops.yaml, names must be DNS labels.
    extra = root / "overlays" / ("zurich" if gitops else "zürich")
    shutil.copytree(root / "overlays/prod", extra)
    for name in ("configmap.yaml", "cronjob.yaml", "rbac.yaml", "kustomization.yaml"):
        (extra / name).unlink()
    assert run_cli("render", "--root", str(root)).code == 0
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    _git(root, "tag", "base")


def _extra(root: Path) -> Path:
    for path in (root / "overlays/zurich", root / "overlays/zürich"):
        if path.exists():
            return path
    raise FileNotFoundError("the extra overlay was renamed or removed")


def _check(root: Path, *extra: str) -> int:
    return run_cli("check", "--root", str(root), "--kustomize", "off", *extra).code


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


OPS = {
    "bad-schedule": lambda r: _edit(_extra(r) / "settings.yaml", '"0 0 * * *"', '"* */6 * * *"'),
    "new-schedule": lambda r: _edit(r / "overlays/dev/settings.yaml", '"0 */6 * * *"', '"0 */4 * * *"'),
    "delete-settings": lambda r: (r / "overlays/prod/settings.yaml").unlink(),
    "delete-overlay": lambda r: shutil.rmtree(r / "overlays/dev"),
    "rename-overlay": lambda r: _extra(r).rename(r / "overlays/geneve"),
    "hand-edit": lambda r: _edit(r / "overlays/prod/rbac.yaml", "kind: Role", "kind: Role  # mine"),
    "gitops-edit": lambda r: _edit(r / "gitops.yaml", "targetRevision: main", "targetRevision: release"),
    "delete-gitops": lambda r: (r / "gitops.yaml").unlink(),
    "misnamed": lambda r: (r / "overlays/dev/settings.yaml").rename(r / "overlays/dev/settings.yml"),
    "new-unrendered": lambda r: shutil.copytree(r / "overlays/prod", r / "overlays/nou", dirs_exist_ok=True)
    if (r / "overlays/prod").is_dir() else None,
    "edit-deploy": lambda r: (r / "deploy/flux/prod.yaml").unlink(missing_ok=True),
}


def _apply(root: Path, ops: list[tuple[str, bool]]) -> None:
    for name, commit in ops:
        try:
            OPS[name](root)
        except FileNotFoundError:
            continue  # an earlier step removed what this one edits
        if commit:
            _git(root, "add", "-A")
            _git(root, "commit", "-qm", name, "--allow-empty")


def _clean(factory: pytest.TempPathFactory, gitops: bool) -> Path:
    root = factory.mktemp("clean") / "repo"
    _base(root, gitops)
    assert _check(root) == 0
    return root


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _clean(tmp_path_factory, gitops=True)


@pytest.fixture(scope="module")
def clean_plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Without gitops.yaml (and deploy/), so an overlay may have a non-ASCII name."""
    return _clean(tmp_path_factory, gitops=False)


@pytest.mark.parametrize("gitops", [True, False])
@pytest.mark.parametrize("op", sorted(OPS))
def test_each_change_fails_changed_since_when_it_fails_check(op: str, gitops: bool, clean: Path, clean_plain: Path,
                                                             tmp_path: Path) -> None:
    root = tmp_path / "r"
    shutil.copytree(clean if gitops else clean_plain, root, symlinks=True)
    _apply(root, [(op, False)])
    full = _check(root)
    harmless = set() if gitops else {"delete-overlay", "gitops-edit", "delete-gitops", "edit-deploy"}
    assert full == (0 if op in harmless else 1), op  # every other change leaves something stale or invalid
    assert _check(root, "--changed-since", "HEAD") == full, op


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.sampled_from(sorted(OPS)), st.booleans()), min_size=1, max_size=4),
       gitops=st.booleans())
def test_changed_since_is_never_weaker_than_check(ops: list[tuple[str, bool]], gitops: bool, clean: Path,
                                                  clean_plain: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("prop") / "r"
    shutil.copytree(clean if gitops else clean_plain, root, symlinks=True)
    _apply(root, ops)
    if _check(root) != 0:
        assert _check(root, "--changed-since", "base") != 0, ops


def test_non_ascii_overlay_is_seen_as_changed(clean_plain: Path, tmp_path: Path) -> None:
    root = tmp_path / "r"
    shutil.copytree(clean_plain, root, symlinks=True)
    OPS["bad-schedule"](root)
    result = run_cli("check", "--root", str(root), "--kustomize", "off", "--changed-since", "HEAD")
    assert result.code == 1
    assert result.out.splitlines()[-1].startswith("1 overlay: 0 up to date, 0 stale, 1 failed")


def test_a_repo_level_input_widens_the_run(clean: Path, tmp_path: Path) -> None:
    root = tmp_path / "r"
    shutil.copytree(clean, root, symlinks=True)
    (root / "requirements.txt").write_text("kaptain-gitops==9.9\n")  # the tool's pinned version
    result = run_cli("check", "--root", str(root), "--kustomize", "off", "--changed-since", "HEAD")
    assert result.code == 0
    assert result.out.splitlines()[0] == "note: requirements.txt changed since HEAD: checking every overlay"
    assert result.out.splitlines()[-1].startswith("3 overlays: 3 up to date")


def test_a_bad_ref_is_a_usage_error_naming_it(clean: Path) -> None:
    result = run_cli("check", "--root", str(clean), "--changed-since", "nosuch")
    assert (result.code, result.out) == (2, "")
    assert result.err == ("kaptain-gitops: error: --changed-since 'nosuch' is not a commit in this repository; "
                          "name a branch, tag or commit, e.g. origin/main (in CI, fetch it first) (bad-ref)\n")
