"""The in-process patch engine on readable examples: patches users write are built in process and match the
real ``kubectl kustomize`` byte for byte; everything outside the proven subset is declined (kubectl builds it).

``tests/examples/patches/accept/<name>/`` and ``decline/<name>/`` hold files laid over a copy of
``overlays/dev`` (its own patch removed); the generated kustomization lists them as it would a user's.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from generator.pipeline.fleet import plan_overlay
from generator.pipeline.records import Options
from generator.render.overlay import RenderedFile
from generator.validate import kustomize
from generator.write.discovery import discover
from tests.conftest import REPO, require_kubectl, run_cli

EXAMPLES = REPO / "tests" / "examples" / "patches"
ACCEPT = sorted(p.name for p in (EXAMPLES / "accept").iterdir())
DECLINE = sorted(p.name for p in (EXAMPLES / "decline").iterdir())


def _kubectl(path: Path) -> str:
    return subprocess.run([require_kubectl(), "kustomize", str(path)], check=True, capture_output=True,
                          text=True).stdout


def _overlay(tmp_path: Path, example: Path | None) -> tuple[Path, list[RenderedFile]]:
    """A rendered copy of overlays/dev with the example's files instead of dev's own patch."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "overlays", root / "overlays")
    dev = root / "overlays" / "dev"
    if example is not None:
        shutil.rmtree(dev / "patches")
        shutil.copytree(example, dev, dirs_exist_ok=True)
    assert run_cli("render", "--root", str(root), "overlays/dev").code == 0
    overlay = next(o for o in discover(root) if o.rel == "overlays/dev")
    return dev, plan_overlay(overlay, Options(root=root), None).files


def test_the_example_overlay_dev_is_built_in_process_and_matches_kubectl() -> None:
    overlay = next(o for o in discover(REPO) if o.rel == "overlays/dev")
    files = plan_overlay(overlay, Options(root=REPO), None).files
    assert not kustomize.is_generated_only(files)  # it has a user patch
    assert kustomize.plan_build("auto", files, overlay.path)[0] == "patched"
    assert kustomize.plan_build("kubectl", files, overlay.path)[0] == "kubectl"
    assert kustomize.in_process_stream_or_none(overlay.path, files) == _kubectl(overlay.path)


@pytest.mark.parametrize("name", ACCEPT)
def test_accepted_example_matches_kubectl(name: str, tmp_path: Path) -> None:
    dev, files = _overlay(tmp_path, EXAMPLES / "accept" / name)
    stream = kustomize.in_process_stream_or_none(dev, files)
    assert stream is not None, f"{name}: declined, but it is inside the proven subset"
    assert stream == _kubectl(dev)


@pytest.mark.parametrize("name", DECLINE)
def test_declined_example_goes_to_kubectl(name: str, tmp_path: Path) -> None:
    dev, files = _overlay(tmp_path, EXAMPLES / "decline" / name)
    assert kustomize.build_with_user_files(dev, files) is None
    assert kustomize.plan_build("auto", files, dev)[0] == "kubectl"
    assert kustomize.plan_build("internal", files, dev)[0] == "kustomize-needed"


def test_a_job_added_by_trigger_and_a_patch_build_in_process(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "overlays", root / "overlays")
    assert run_cli("trigger", "overlays/dev", "--name", "rotation-1", "--root", str(root)).code == 0
    overlay = next(o for o in discover(root) if o.rel == "overlays/dev")
    files = plan_overlay(overlay, Options(root=root), None).files
    stream = kustomize.in_process_stream_or_none(overlay.path, files)
    assert stream is not None and "kind: Job\n" in stream
    assert stream == _kubectl(overlay.path)


def test_check_and_build_use_the_engine_and_kubectl_mode_still_runs_kubectl(tmp_path: Path,
                                                                            kubectl_calls: Path) -> None:
    log = kubectl_calls
    root = tmp_path / "repo"
    shutil.copytree(REPO / "overlays", root / "overlays")
    result = run_cli("check", "--root", str(root), "--no-cache")
    assert result.code == 0, result.out
    assert "built overlays: 1 generated-only in process, 1 with user files in process" in result.out
    assert run_cli("build", "overlays/dev", "--root", str(root)).code == 0
    assert run_cli("check", "--root", str(root), "--kustomize", "internal").code == 0
    assert not log.exists(), "no kubectl process for an overlay inside the subset"
    result = run_cli("check", "--root", str(root), "--no-cache", "--kustomize", "kubectl")
    assert result.code == 0 and "2 with kubectl kustomize" in result.out
    assert len(log.read_text().splitlines()) == 2


def test_internal_mode_names_an_overlay_outside_the_subset(tmp_path: Path) -> None:
    dev, _ = _overlay(tmp_path, EXAMPLES / "decline" / "ports-merge-key")
    result = run_cli("check", "--root", str(dev.parent.parent), "overlays/dev", "--kustomize", "internal")
    assert result.code == 1
    assert result.out.startswith(
        "overlays/dev/kustomization.yaml:1:1: [error] this overlay's user patches or resources are outside what the "
        "in-process build proves identical to kustomize; it needs the real kustomize (use --kustomize auto or "
        "kubectl) (kustomize-needed)\n")
