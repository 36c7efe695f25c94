"""Provenance: a path in a built document maps back to the user file and line that introduced it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.pipeline.built import validate_built
from generator.pipeline.fleet import plan_overlay
from generator.pipeline.records import Options
from generator.validate.kustomize import build_kubectl, parse_stream
from generator.validate.manifest_schemas import Violation, format_path
from generator.validate.provenance import Positioned, Provenance, Source, load_positioned, parse_path
from generator.write.discovery import discover
from tests.conftest import require_kubectl, run_cli


def test_parse_path_inverts_format_path() -> None:
    for parts in [(), ("spec", "containers", 0, "name"), ("metadata", "annotations", "example.com/owner"),
                  ("data", "a b"), ("x", 'q"uote', 3)]:
        assert parse_path(format_path(parts)) == parts


def _source(kind: str, text: str, target: dict[str, str] | None = None) -> Source:
    return Source(kind, load_positioned(text, "f.yaml")[0], target or {})  # type: ignore[arg-type]


BUILT_JOB: dict[str, Any] = {
    "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "rotation-1", "namespace": "ns"},
    "spec": {"ttlSecondsAfterFinished": 60, "template": {"spec": {"containers": [
        {"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}}},
}


def test_strategic_merge_lists_are_matched_by_name() -> None:
    patch = _source("smp", "kind: Job\nmetadata:\n  name: rotation-1\nspec:\n  template:\n    spec:\n"
                           "      containers:\n        - name: b\n          image: z\n")
    prov = Provenance([patch])
    assert prov.locate(BUILT_JOB, ("spec", "template", "spec", "containers", 1, "image")) == ("f.yaml", 9, 11)
    assert prov.locate(BUILT_JOB, ("spec", "template", "spec", "containers", 1, "image"), value=True) == \
        ("f.yaml", 9, 18)
    # not in the patch: the patch that targets the object is the last resort (its document start)
    assert prov.locate(BUILT_JOB, ("spec", "ttlSecondsAfterFinished")) == ("f.yaml", 1, 1)


def test_json_patch_operation_and_its_value() -> None:
    patch = _source("json6902", "- op: add\n  path: /spec/ttlSecondsAfterFinished\n  value: 60\n"
                                "- op: add\n  path: /spec/template/metadata\n  value:\n    labelz: {}\n",
                    {"kind": "Job", "name": "rotation-.*"})
    prov = Provenance([patch])
    assert prov.locate(BUILT_JOB, ("spec", "ttlSecondsAfterFinished")) == ("f.yaml", 1, 3)
    assert prov.locate(BUILT_JOB, ("spec", "template", "metadata", "labelz")) == ("f.yaml", 7, 5)
    other = {**BUILT_JOB, "metadata": {"name": "other"}}
    assert prov.locate(other, ("spec", "ttlSecondsAfterFinished")) is None


def test_resource_document_positions() -> None:
    resource = Source("resource", load_positioned("---\n# c\napiVersion: batch/v1\nkind: Job\nmetadata:\n"
                                                  "  name: rotation-1\nspec:\n  ttlSecondsAfterFinished: 60\n",
                                                  "jobs/rotation-1.yaml")[0], {})
    assert Provenance([resource]).locate(BUILT_JOB, ("spec", "ttlSecondsAfterFinished")) == \
        ("jobs/rotation-1.yaml", 8, 3)
    assert isinstance(resource.doc, Positioned)


def test_a_built_manual_job_ttl_from_a_json_patch_lands_on_the_patch_line(repo: Path) -> None:
    """#17's rule (no ttlSecondsAfterFinished on a built Job) placed through provenance: a JSON 6902 patch in a
    nested folder, which job_policy's own search would not find."""
    require_kubectl()
    assert run_cli("trigger", "overlays/prod", "--name", "rotation-1", "--root", str(repo)).code == 0
    patch = repo / "overlays/prod/patches/jobs/ttl.yaml"
    patch.parent.mkdir(parents=True)
    patch.write_text("# kaptain-gitops-target: {kind: Job}\n- op: add\n  path: /spec/ttlSecondsAfterFinished\n"
                     "  value: 600\n")
    assert run_cli("render", "--root", str(repo), "overlays/prod").code == 0
    result = run_cli("check", "--root", str(repo), "overlays/prod")
    assert result.code == 1
    assert result.out.startswith("overlays/prod/patches/jobs/ttl.yaml:2:3: [error] Job/rotation-1 has "
                                 "spec.ttlSecondsAfterFinished: 600; ")
    overlay = next(o for o in discover(repo) if o.rel == "overlays/prod")
    report = plan_overlay(overlay, Options(root=repo), None)
    docs = parse_stream(build_kubectl(overlay.path))
    problems = validate_built(overlay, docs, report.files, report.settings, "1.35", lambda _v: _NoSchema())
    assert [(p.file, p.line, p.col, p.rule) for p in problems] == [
        ("overlays/prod/patches/jobs/ttl.yaml", 2, 3, "job-ttl")]


class _NoSchema:
    def validate(self, doc: dict[str, Any], skip: frozenset[str] = frozenset()) -> list[Violation]:
        return []
