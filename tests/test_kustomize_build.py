"""The in-process build equals the real ``kubectl kustomize``, document for document, and ``build`` prints it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from generator.pipeline.fleet import plan_overlay
from generator.pipeline.records import Options
from generator.validate.kustomize import build_in_process, is_generated_only, parse_stream
from generator.write.discovery import discover
from tests.conftest import REPO, require_kubectl, run_cli

CASES = [REPO, *sorted(p for p in (REPO / "tests" / "golden").iterdir() if p.is_dir())]


def _kubectl(path: Path) -> list[dict]:
    out = subprocess.run([require_kubectl(), "kustomize", str(path)], check=True, capture_output=True, text=True)
    return parse_stream(out.stdout)


@pytest.mark.parametrize("case", CASES, ids=lambda p: "repo" if p == REPO else p.name)
def test_in_process_build_equals_kubectl_kustomize(case: Path, tmp_path: Path) -> None:
    root = tmp_path / "r"
    shutil.copytree(case / "overlays", root / "overlays")
    built = 0
    for overlay in discover(root):
        report = plan_overlay(overlay, Options(root=root), None)
        assert report.status == "up-to-date", report.problems
        if not is_generated_only(report.files):
            continue
        assert build_in_process(report.files) == _kubectl(overlay.path)
        built += 1
    assert built >= 1


def test_in_process_build_with_manual_jobs_equals_kubectl(repo: Path) -> None:
    for name in ("rotation-1", "rotation-2"):
        assert run_cli("trigger", "overlays/prod", "--name", name, "--root", str(repo)).code == 0
    overlay = next(o for o in discover(repo) if o.rel == "overlays/prod")
    report = plan_overlay(overlay, Options(root=repo), None)
    from generator.validate.kustomize import manual_jobs

    docs = build_in_process(report.files, manual_jobs(overlay))
    assert [d["kind"] for d in docs][-2:] == ["Job", "Job"]
    assert docs == _kubectl(overlay.path)


@pytest.mark.parametrize("overlay", ["overlays/prod", "overlays/dev"])
def test_build_prints_what_kubectl_kustomize_prints(overlay: str, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli("build", overlay, "--root", str(REPO))
    assert result.code == 0, result.err
    assert parse_stream(result.out) == _kubectl(REPO / overlay)


def test_build_renders_in_memory_without_committed_files(repo: Path, cli) -> None:
    """Render-at-sync (Argo CD CMP): only settings.yaml and the user's patches are in Git."""
    expected = _kubectl(repo / "overlays/dev")
    for f in ("configmap.yaml", "cronjob.yaml", "rbac.yaml", "kustomization.yaml"):
        (repo / "overlays/dev" / f).unlink()
    result = cli("build", "overlays/dev", "--root", str(repo))
    assert result.code == 0, result.err
    assert parse_stream(result.out) == expected
    assert "built with kubectl kustomize" not in result.err  # dev's patch is inside the in-process engine's subset
    assert sorted(p.name for p in (repo / "overlays/dev").iterdir()) == ["patches", "settings.yaml"]


def test_build_reports_bad_settings_on_stderr_only(repo: Path, cli) -> None:
    (repo / "overlays/prod/settings.yaml").write_text("ingress:\n  enableSecretRotation: yes\n")
    result = cli("build", "overlays/prod", "--root", str(repo))
    assert result.code == 1
    assert result.out == ""
    assert "overlays/prod/settings.yaml:2:25: [error] ambiguous value 'yes'" in result.err


def test_user_patch_is_applied_by_kubectl(repo: Path) -> None:
    docs = _kubectl(repo / "overlays/dev")
    cron = next(d for d in docs if d["kind"] == "CronJob")
    assert cron["metadata"]["annotations"]["example.com/owner"] == "platform-team"
    shutil.rmtree(repo / "overlays/dev/patches")
    assert run_cli("render", "--root", str(repo)).code == 0
    overlay = next(o for o in discover(repo) if o.rel == "overlays/dev")
    report = plan_overlay(overlay, Options(root=repo), None)
    assert is_generated_only(report.files)
    assert build_in_process(report.files) == _kubectl(overlay.path)


def test_kubectl_builds_are_cached_by_overlay_content(repo: Path, kubectl_calls: Path) -> None:
    log = kubectl_calls

    def calls() -> int:
        return len(log.read_text().splitlines()) if log.exists() else 0

    kubectl_mode = ("--kustomize", "kubectl")  # auto builds dev's patch in process (no kubectl to cache)
    assert run_cli("check", "--root", str(repo), "overlays/dev").code == 0
    assert calls() == 0
    assert run_cli("check", "--root", str(repo), "overlays/dev", *kubectl_mode).code == 0
    assert calls() == 1
    assert run_cli("check", "--root", str(repo), "overlays/dev", *kubectl_mode).code == 0
    assert calls() == 1, "unchanged overlay: the cached build is reused"
    patch = repo / "overlays/dev/patches/owner-annotation.yaml"
    patch.write_text(patch.read_text().replace("platform-team", "other-team"))
    assert run_cli("check", "--root", str(repo), "overlays/dev", *kubectl_mode).code == 0
    assert calls() == 2, "a changed patch is built again"
    assert run_cli("check", "--root", str(repo), "overlays/dev", "--no-cache", *kubectl_mode).code == 0
    assert calls() == 3
    patch.write_text(patch.read_text() + "spec:\n  schedulee: x\n")
    result = run_cli("check", "--root", str(repo), "overlays/dev")
    assert result.code == 1 and "unknown field \"schedulee\"" in result.out
    assert calls() == 4, "a patch outside the engine's subset (unknown field) goes to kubectl in auto mode"
