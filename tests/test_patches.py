"""User patches as kustomize users write them, and problems in the built output placed at the user's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.validate.kustomize import kubectl_error, parse_stream
from tests.conftest import require_kubectl, run_cli

CRON = "kaptain-ingress-cert-secret-rotation"
SMP_HEAD = f"""apiVersion: batch/v1
kind: CronJob
metadata:
  name: {CRON}
  namespace: kaptain-ingress
"""
NOTES = ("note: built overlays: 1 with user files in process\n"
         "note: kubeconform not on PATH: skipped (the built-in strict schema check ran)\n")
# a patch outside the in-process engine's proven subset (here: an unknown field) is built by the real kubectl
NOTES_KUBECTL = NOTES.replace("1 with user files in process", "1 with kubectl kustomize")


@pytest.fixture(autouse=True)
def _kubectl(monkeypatch: pytest.MonkeyPatch) -> None:
    require_kubectl()
    monkeypatch.setenv("PATH", ":".join(p for p in __import__("os").environ["PATH"].split(":")
                                        if not (Path(p) / "kubeconform").exists()))


def _patch(repo: Path, name: str, text: str) -> None:
    path = repo / "overlays/dev/patches" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    assert run_cli("render", "--root", str(repo), "overlays/dev").code == 0


def _check(repo: Path) -> tuple[int, str]:
    result = run_cli("check", "--root", str(repo), "overlays/dev", "--no-cache")
    return result.code, result.out


def test_patched_every_minute_schedule_fails_at_the_patch_line(repo: Path) -> None:
    _patch(repo, "x.yaml", SMP_HEAD + 'spec:\n  schedule: "* */6 * * *"\n')
    code, out = _check(repo)
    assert code == 1
    assert out == (
        f'overlays/dev/patches/x.yaml:7:13: [error] built CronJob/{CRON}: spec.schedule is "* */6 * * *" after the '
        "user's files, but overlays/dev/settings.yaml sets \"0 */6 * * *\"; it would run every minute during hours "
        "00, 06, 12 and 18, every day, Europe/Berlin; the schedule, time zone and suspend flag come from "
        "settings.yaml only (the review annotations, values.yaml and 'diff' are computed from it); set "
        "ingress.secretRotationSchedule in overlays/dev/settings.yaml and remove spec.schedule here "
        "(patched-schedule)\n"
        f'overlays/dev/patches/x.yaml:7:14: [error] built CronJob/{CRON}: spec.schedule: minute field "*" runs every '
        "minute during hours 00, 06, 12 and 18 (240 runs a day), not once an hour; use \"0 */6 * * *\" to run once "
        "at the start of each of those hours (every-minute-burst)\n"
        + NOTES + "1 overlay: 0 up to date, 0 stale, 1 failed\n")


def test_patched_suspend_and_annotation_are_refused(repo: Path) -> None:
    _patch(repo, "x.yaml", SMP_HEAD.replace("  namespace: kaptain-ingress\n", "  namespace: kaptain-ingress\n"
                                            "  annotations:\n    kaptain-gitops/worst-case-delay: 1h\n")
           + "spec:\n  suspend: true\n")
    code, out = _check(repo)
    assert code == 1
    assert out.splitlines()[:2] == [
        (f"overlays/dev/patches/x.yaml:7:5: [error] built CronJob/{CRON}: annotation kaptain-gitops/worst-case-delay "
        "is set by kaptain-gitops from overlays/dev/settings.yaml and must not be patched; remove it from this file "
        "(patched-annotation)"),
        (f"overlays/dev/patches/x.yaml:9:12: [error] built CronJob/{CRON}: spec.suspend is true after the user's "
        "files, but overlays/dev/settings.yaml sets false; the schedule, time zone and suspend flag come from "
        "settings.yaml only (the review annotations, values.yaml and 'diff' are computed from it); set "
        "ingress.enableSecretRotation in overlays/dev/settings.yaml and remove spec.suspend here (patched-schedule)"),
    ]


JSON_PATCH = f"""# Replace runs that overlap instead of skipping them (a JSON 6902 patch).
# kaptain-gitops-target: {{group: batch, version: v1, kind: CronJob, name: {CRON}}}
- op: replace
  path: /spec/concurrencyPolicy
  value: Replace
"""


def test_json6902_patch_with_a_target_builds_and_is_validated(repo: Path) -> None:
    _patch(repo, "nested/concurrency.yaml", JSON_PATCH)
    kustomization = (repo / "overlays/dev/kustomization.yaml").read_text()
    assert ("  - path: patches/nested/concurrency.yaml\n    target:\n      group: batch\n      version: v1\n"
            f"      kind: CronJob\n      name: {CRON}\n") in kustomization
    assert _check(repo) == (0, NOTES + "1 overlay: 1 up to date, 0 stale, 0 failed\n")
    built = parse_stream(run_cli("build", "overlays/dev", "--root", str(repo)).out)
    assert next(d for d in built if d["kind"] == "CronJob")["spec"]["concurrencyPolicy"] == "Replace"
    _patch(repo, "nested/concurrency.yaml", JSON_PATCH + "- op: add\n  path: /spec/jobTemplate/spec/activeDeadline\n"
           "  value: 60\n- op: add\n  path: /spec/jobTemplate/spec/template/metadata/labelz\n  value:\n    a: b\n")
    code, out = _check(repo)
    assert code == 1
    assert out == (
        f"overlays/dev/patches/nested/concurrency.yaml:6:3: [error] built CronJob/{CRON}: "
        'spec.jobTemplate.spec.activeDeadline: unknown field "activeDeadline" (did you mean '
        '"activeDeadlineSeconds"?) (unknown-field)\n'
        f"overlays/dev/patches/nested/concurrency.yaml:9:3: [error] built CronJob/{CRON}: "
        'spec.jobTemplate.spec.template.metadata.labelz: unknown field "labelz" (did you mean "labels"?) '
        "(unknown-field)\n" + NOTES + "1 overlay: 0 up to date, 0 stale, 1 failed\n")


def test_json6902_patch_without_a_target_is_refused(repo: Path) -> None:
    (repo / "overlays/dev/patches/j.yaml").write_text("- op: replace\n  path: /spec/suspend\n  value: true\n")
    result = run_cli("render", "--root", str(repo), "overlays/dev")
    assert result.code == 1
    assert result.out.splitlines()[0] == (
        "overlays/dev/patches/j.yaml:1:1: [error] a JSON 6902 patch (a list of operations) needs a target; declare it "
        f"in a comment at the top of the file, e.g. # kaptain-gitops-target: {{kind: CronJob, name: {CRON}}} "
        "(patch-target-missing)")
    (repo / "overlays/dev/patches/j.yaml").write_text("# kaptain-gitops-target: {kind: CronJob, nmae: x}\n- op: add\n")
    result = run_cli("render", "--root", str(repo), "overlays/dev")
    assert result.out.splitlines()[0] == (
        "overlays/dev/patches/j.yaml:1:25: [error] unknown patch target field 'nmae'; kustomize's target fields are "
        "group, version, kind, name, namespace, labelSelector, annotationSelector (patch-target)")


def test_unknown_field_in_a_nested_strategic_merge_patch_is_reported_at_its_line(repo: Path) -> None:
    _patch(repo, "team/sidecar.yaml", SMP_HEAD + """spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: rotate
              imagePullPolicie: Always
""")
    code, out = _check(repo)
    assert code == 1
    assert out == (
        f"overlays/dev/patches/team/sidecar.yaml:13:15: [error] built CronJob/{CRON}: "
        'spec.jobTemplate.spec.template.spec.containers[0].imagePullPolicie: unknown field "imagePullPolicie" '
        '(did you mean "imagePullPolicy"?) (unknown-field)\n' + NOTES_KUBECTL
        + "1 overlay: 0 up to date, 0 stale, 1 failed\n")


def test_problem_in_a_nested_resource_is_reported_at_its_line(repo: Path) -> None:
    res = repo / "overlays/dev/resources/extra/cm.yaml"
    res.parent.mkdir(parents=True)
    res.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: kaptain-ingress\n"
                   "data:\n  a: b\nbinaryDate: {}\n")
    assert run_cli("render", "--root", str(repo), "overlays/dev").code == 0
    assert "  - resources/extra/cm.yaml\n" in (repo / "overlays/dev/kustomization.yaml").read_text()
    code, out = _check(repo)
    assert code == 1
    assert out.splitlines()[0] == ('overlays/dev/resources/extra/cm.yaml:8:1: [error] built ConfigMap/extra: '
                                   'binaryDate: unknown field "binaryDate" (did you mean "binaryData"?) (unknown-field)')


def test_non_yaml_file_under_patches_is_refused_not_ignored(repo: Path) -> None:
    (repo / "overlays/dev/patches/notes").mkdir()
    (repo / "overlays/dev/patches/notes/README.md").write_text("why\n")
    (repo / "overlays/dev/patches/.gitkeep").write_text("")
    result = run_cli("render", "--root", str(repo), "overlays/dev")
    assert result.code == 1
    assert result.out.splitlines()[0] == (
        "overlays/dev/patches/notes/README.md:1:1: [error] overlays/dev/patches/notes/README.md is not a YAML file; "
        "everything under patches/ is applied by kustomize, so kaptain-gitops does not skip it silently; name it "
        "*.yaml (or *.yml), or move it out of the overlay (not-yaml)")


def test_patch_whose_object_is_missing_is_reported_at_its_name_without_kubectl_noise(repo: Path) -> None:
    _patch(repo, "x.yaml", SMP_HEAD.replace("namespace: kaptain-ingress", "namespace: elsewhere") + "spec: {}\n")
    code, out = _check(repo)
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith("overlays/dev/patches/x.yaml:4:9: [error] kubectl kustomize failed: no resource matches "
                            f'strategic merge patch "CronJob.v1.batch/{CRON}.elsewhere"')
    assert "run.go" not in first and "E1201" not in first and "command failed" not in first


@pytest.mark.parametrize(("stderr", "expected"), [
    (('E1201 14:40:25.110759   17869 run.go:72] "command failed" err="must specify a target for JSON patch '
     '[{\\"op\\": \\"replace\\"}]"\n'), 'must specify a target for JSON patch [{"op": "replace"}]'),
    (('E1201 14:40:25.687753   17879 run.go:72] "command failed" err=<\n\ttrouble configuring builtin '
     "PatchTransformer with config: `\n\tpath: patches/nope.yaml\n\t`: failed to get the patch file from "
     "path(patches/nope.yaml): evalsymlink failure on '/o/patches/nope.yaml' : lstat /o/patches/nope.yaml: no such "
     "file or directory\n >\n"),
     ("trouble configuring builtin PatchTransformer with config: ` path: patches/nope.yaml `: failed to get the patch "
     "file from path(patches/nope.yaml): evalsymlink failure on 'patches/nope.yaml' : lstat patches/nope.yaml: no "
     "such file or directory")),
    ("error: accumulating resources: accumulation err='accumulating resources from 'x.yaml'\n",
     "accumulating resources: accumulation err='accumulating resources from 'x.yaml'"),
])
def test_kubectl_log_noise_is_stripped(stderr: str, expected: str) -> None:
    assert kubectl_error(stderr, Path("/o")) == expected


def test_kubeconform_findings_on_patched_output_land_on_the_patch_line(repo: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_kubeconform_adapter import Fake

    _patch(repo, "pull.yaml", SMP_HEAD + "spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
           "          containers:\n            - name: rotate\n              imagePullPolicy: Sometimes\n")
    folder = tmp_path / "bin"
    folder.mkdir()
    fake = Fake(folder, monkeypatch)
    fake.replay('{\n  "resources": [\n    {\n      "filename": "stdin",\n      "kind": "CronJob",\n'
                f'      "name": "{CRON}",\n      "version": "batch/v1",\n      "status": "statusInvalid",\n'
                '      "msg": "x",\n      "validationErrors": [\n        {\n          "path": '
                '"/spec/jobTemplate/spec/template/spec/containers/0/imagePullPolicy",\n          "msg": '
                '"value must be one of \'Always\', \'IfNotPresent\', \'Never\'"\n        }\n      ]\n    }\n  ],\n'
                '  "summary": {"valid": 6, "invalid": 1, "errors": 0, "skipped": 0}\n}\n', exit_status=1)
    result = run_cli("check", "--root", str(repo), "overlays/dev", "--no-cache")
    assert result.code == 1
    assert (f"overlays/dev/patches/pull.yaml:13:15: [error] CronJob/{CRON}: "
            "spec.jobTemplate.spec.template.spec.containers[0].imagePullPolicy: value must be one of 'Always', "
            "'IfNotPresent', 'Never' (kubeconform)") in result.out.splitlines()


def test_diff_shows_a_schedule_change_made_by_a_patch(repo: Path) -> None:
    import subprocess

    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                       check=True, capture_output=True)
    patch = repo / "overlays/prod/patches/x.yaml"
    patch.parent.mkdir()
    patch.write_text(JSON_PATCH.replace("/spec/concurrencyPolicy", "/spec/schedule").replace("Replace",
                                                                                             '"* */6 * * *"'))
    result = run_cli("diff", "--base", "HEAD", "--root", str(repo))
    assert result.code == 1
    assert result.out.startswith(
        "## Certificate rotation schedule changes (vs `HEAD`)\n\n"
        "### ❌ `overlays/prod` (changed)\n\n"
        "| | before | after |\n|---|---|---|\n"
        "| Schedule | `0 0 * * *` (Etc/UTC) | `* */6 * * *` (Etc/UTC) — patched by `overlays/prod/patches/x.yaml` |\n"
        "| Meaning | at 00:00, every day, Etc/UTC | every minute during hours 00, 06, 12 and 18, every day, Etc/UTC |\n"
        "| Runs per day | 1 | 240 |\n"
        "| Worst-case delay | 1d | 5h 1m |\n\n"
        "**Problems after the change:**\n"
        "- error: spec.schedule is set by overlays/prod/patches/x.yaml; `check` refuses it: set it in settings.yaml "
        "instead (patched-schedule)\n"
        "- error: minute field \"*\" runs every minute during hours 00, 06, 12 and 18 (240 runs a day)")
    import json

    data = json.loads(run_cli("diff", "--base", "HEAD", "--root", str(repo), "--format", "json").out)
    assert data["overlays"][0]["after"]["patchedBy"] == {"schedule": "overlays/prod/patches/x.yaml"}
    assert data["overlays"][0]["before"]["patchedBy"] == {}
    patch.write_text(JSON_PATCH)  # a patch that leaves the schedule alone is no schedule change
    result = run_cli("diff", "--base", "HEAD", "--root", str(repo))
    assert (result.code, result.out) == (
        0, "## Certificate rotation schedule changes (vs `HEAD`)\n\nNo overlay settings changed.\n")


def test_malformed_json6902_operation_is_reported_at_its_line(repo: Path) -> None:
    (repo / "overlays/dev/patches/j.yaml").write_text(JSON_PATCH + "- op: replac\n  path: /spec/suspend\n"
                                                      "  value: true\n")
    result = run_cli("render", "--root", str(repo), "overlays/dev")
    assert result.code == 1
    assert result.out.splitlines()[0] == (
        "overlays/dev/patches/j.yaml:6:3: [error] unknown JSON 6902 op 'replac'; use one of add, remove, replace, "
        "move, copy, test; see RFC 6902; each item is {op, path, value} (or from for move/copy) (json-patch)")
