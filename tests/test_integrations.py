"""Ecosystem integrations: the pre-commit hooks run under the real pre-commit; the workflow is well-formed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO

BIN = Path(sys.executable).parent


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_pre_commit_manifest_is_valid() -> None:
    proc = subprocess.run([str(BIN / "pre-commit"), "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pre_commit_hooks_run_in_a_temporary_repository(tmp_path: Path) -> None:
    """Each hook of .pre-commit-hooks.yaml runs through the real pre-commit in a fresh git repo.

    To stay offline, the hooks are used as ``repo: local`` with ``language: system`` and the installed
    ``kaptain-gitops`` (a ``language: python`` install would fetch the package's dependencies from PyPI);
    every other field (id, entry arguments, files, pass_filenames, types) is taken verbatim.
    """
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    local = []
    for hook in hooks:
        h = dict(hook)
        h["language"] = "system"
        h["entry"] = str(BIN / "kaptain-gitops") + h["entry"].removeprefix("kaptain-gitops")
        local.append(h)
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "overlays", repo / "overlays")
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]}))
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("GITHUB_ACTIONS", None)
    assert _run(["git", "init", "-q", "-b", "main"], repo, env).returncode == 0
    assert _run(["git", "add", "-A"], repo, env).returncode == 0
    pc = str(BIN / "pre-commit")
    ok = _run([pc, "run", "--all-files"], repo, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "validate kaptain-gitops settings" in ok.stdout and "Passed" in ok.stdout
    settings = repo / "overlays/prod/settings.yaml"
    settings.write_text(settings.read_text().replace('"0 0 * * *"', '"* */6 * * *"'))
    _run(["git", "add", "-A"], repo, env)
    bad = _run([pc, "run", "--all-files"], repo, env)
    assert bad.returncode == 1
    assert "overlays/prod/settings.yaml:4:28: [error] minute field \"*\" runs every minute" in bad.stdout
    assert "(every-minute-burst)" in bad.stdout


def test_github_workflow_has_the_described_steps() -> None:
    wf = yaml.safe_load((REPO / ".github/workflows/kaptain-gitops.yml").read_text())
    assert set(wf[True]) == {"pull_request", "push"}  # YAML 1.1 reads the key "on" as true
    steps = wf["jobs"]["check"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "kubeconform" in runs and "releases/download" in runs
    assert 'kaptain-gitops diff --base "origin/${{ github.base_ref }}"' in runs
    assert any(s.get("with", {}).get("fetch-depth") == 0 for s in steps)
    # pull requests check what they changed; main checks everything
    checks = {s.get("if"): s["run"] for s in steps if s.get("run", "").startswith("kaptain-gitops check")}
    assert checks == {
        "github.event_name == 'pull_request'":
            'kaptain-gitops check --changed-since "origin/${{ github.base_ref }}" --format github',
        "github.event_name != 'pull_request'": "kaptain-gitops check --format github",
    }
    # the kubectl build cache survives between runs, keyed on the tool, kubectl and the overlays' inputs
    cache = next(s for s in steps if str(s.get("uses", "")).startswith("actions/cache@"))
    assert cache["with"]["path"] == ".kaptain-gitops/cache"
    key = cache["with"]["key"]
    assert "steps.versions.outputs.tool" in key and "steps.versions.outputs.kubectl" in key
    assert "hashFiles('overlays/**'" in key
    assert steps.index(cache) < next(i for i, s in enumerate(steps) if s.get("run", "").startswith("kaptain-gitops check"))
