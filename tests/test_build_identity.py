"""The in-process build is byte-identical to ``kubectl kustomize`` (document order and YAML text included)."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.pipeline.fleet import plan_overlay
from generator.pipeline.records import Options
from generator.validate import kyaml
from generator.validate.kustomize import (
    build_in_process,
    in_process_stream,
    in_process_stream_or_none,
    is_generated_only,
    manual_jobs,
    plan_build,
)
from generator.write.discovery import discover
from tests.conftest import REPO, require_kubectl, run_cli

CASES = [REPO, *sorted(p for p in (REPO / "tests" / "golden").iterdir() if p.is_dir())]


def _kubectl_text(path: Path) -> str:
    return subprocess.run([require_kubectl(), "kustomize", str(path)], check=True, capture_output=True,
                          text=True).stdout


@pytest.mark.parametrize("case", CASES, ids=lambda p: "repo" if p == REPO else p.name)
def test_every_example_and_golden_overlay_builds_byte_identical(case: Path, tmp_path: Path) -> None:
    """Every overlay, made generated-only (user patches moved away), with two manual Jobs added."""
    root = tmp_path / "r"
    shutil.copytree(case / "overlays", root / "overlays")
    for patches in root.glob("overlays/*/patches"):
        shutil.rmtree(patches)
    assert run_cli("render", "--root", str(root)).code == 0
    overlays = discover(root)
    assert overlays
    for overlay in overlays:
        chart_mode = "mode: kaptain-chart" in overlay.settings_path.read_text()  # no Job of ours: trigger refuses
        for name in ("rotation-b", "rotation-a"):
            assert run_cli("trigger", overlay.rel, "--name", name, "--root", str(root)).code == int(chart_mode)
        report = plan_overlay(overlay, Options(root=root), None)
        expected = _kubectl_text(overlay.path)
        if chart_mode:
            assert is_generated_only(report.files), overlay.rel
            assert in_process_stream(report.files, manual_jobs(overlay)) == expected, overlay.rel
            continue
        # manual Jobs are files a user may edit: built through the patch engine's YAML subset, in process
        assert not is_generated_only(report.files), overlay.rel
        assert plan_build("auto", report.files, overlay.path)[0] == "patched", overlay.rel
        assert in_process_stream_or_none(overlay.path, report.files) == expected, overlay.rel


def test_a_hand_edited_manual_job_outside_the_yaml_subset_goes_to_kubectl(tmp_path: Path) -> None:
    """A float in a jobs/ file: kustomize prints it its own way (go-yaml after a JSON round trip), so only the
    real kubectl may build the overlay; a float the in-process build printed itself would differ."""
    root = tmp_path / "r"
    shutil.copytree(REPO / "overlays", root / "overlays")
    shutil.rmtree(root / "overlays" / "prod" / "patches", ignore_errors=True)
    assert run_cli("render", "--root", str(root)).code == 0
    assert run_cli("trigger", "overlays/prod", "--name", "rotation-a", "--root", str(root)).code == 0
    job = next((root / "overlays" / "prod" / "jobs").glob("*.yaml"))
    text = job.read_text()
    job.write_text(re.sub(r"(\n  backoffLimit: )(\d+)\n", r"\g<1>\g<2>.0\n", text, count=1))
    assert job.read_text() != text
    overlay = next(o for o in discover(root) if o.rel == "overlays/prod")
    report = plan_overlay(overlay, Options(root=root), None)
    assert plan_build("auto", report.files, overlay.path)[0] == "kubectl"
    assert plan_build("internal", report.files, overlay.path)[0] == "kustomize-needed"
    assert in_process_stream_or_none(overlay.path, report.files) is None


@pytest.mark.parametrize("case", CASES, ids=lambda p: "repo" if p == REPO else p.name)
def test_committed_generated_only_overlays_build_byte_identical(case: Path) -> None:
    for overlay in discover(case):
        report = plan_overlay(overlay, Options(root=case), None)
        if is_generated_only(report.files):
            assert in_process_stream(report.files, manual_jobs(overlay)) == _kubectl_text(overlay.path)


def test_odd_strings_and_document_order_match_kubectl(tmp_path: Path) -> None:
    """Quoting, folding, block scalars and kustomize's legacy order, on strings chosen to differ from PyYAML."""
    shutil.copy(REPO / "tests/examples/kyaml/odd-strings.yaml", tmp_path / "r.yaml")
    (tmp_path / "kustomization.yaml").write_text("resources:\n- r.yaml\n")
    expected = _kubectl_text(tmp_path)
    docs = kyaml.load_all((tmp_path / "r.yaml").read_text())
    random.Random(7).shuffle(docs)
    from generator.render.overlay import RenderedFile

    assert kyaml.dump_all(build_in_process([RenderedFile("r.yaml", "", tuple(docs))])) == expected


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_build_dot_in_a_standalone_overlay_copy(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Argo CD CMP case: the overlay directory alone, outside any repository layout; output is byte-exact."""
    copy = tmp_path / "checkout" / name
    shutil.copytree(REPO / "overlays" / name, copy)
    monkeypatch.chdir(copy)
    monkeypatch.delenv("ARGOCD_APP_SOURCE_PATH", raising=False)
    result = run_cli("build", ".")
    assert result.code == 0, result.err
    assert result.out == _kubectl_text(REPO / "overlays" / name)
