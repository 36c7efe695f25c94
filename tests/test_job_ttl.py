"""A manual Job runs at most once per Git change: ``check`` refuses ``ttlSecondsAfterFinished`` on a built Job.

The scenarios build the overlay with the real ``kubectl kustomize`` (a user patch forces it), so the
field is found in kustomize's output, whatever put it there, and reported at the file and line that set it.
"""

from __future__ import annotations

from pathlib import Path

from generator.validate import job_policy
from tests.conftest import require_kubectl, run_cli

JOB_TTL_PATCH = """\
# Someone "cleans up" finished manual Jobs.
apiVersion: batch/v1
kind: Job
metadata:
  name: rotation-7
  namespace: kaptain-ingress
spec:
  ttlSecondsAfterFinished: 3600
"""


def _trigger(repo: Path, name: str = "rotation-7") -> None:
    result = run_cli("trigger", "overlays/dev", "--name", name, "--root", str(repo))
    assert result.code == 0, result.err


def _check(repo: Path) -> tuple[int, str]:
    require_kubectl()
    result = run_cli("check", "overlays/dev", "--root", str(repo), "--kustomize", "kubectl", "--format", "text")
    return result.code, result.out + result.err


def test_a_patch_adding_ttl_to_a_manual_job_fails_check_at_its_file_and_line(repo: Path) -> None:
    _trigger(repo)
    (repo / "overlays/dev/patches/job-ttl.yaml").write_text(JOB_TTL_PATCH, encoding="utf-8")
    assert run_cli("render", "overlays/dev", "--root", str(repo)).code == 0  # lists the new patch
    code, out = _check(repo)
    assert code == 1, out
    assert "overlays/dev/patches/job-ttl.yaml:8:3" in out
    assert "job-ttl" in out and "Job/rotation-7 has spec.ttlSecondsAfterFinished: 3600" in out
    assert "runs the rotation again" in out
    assert "kaptain-gitops trigger overlays/dev --name rotation-7 --remove" in out


def test_without_the_patch_the_same_overlay_passes(repo: Path) -> None:
    _trigger(repo)
    (repo / "overlays/dev/patches/job-ttl.yaml").write_text(JOB_TTL_PATCH.replace("ttlSecondsAfterFinished: 3600",
                                                                                   "backoffLimit: 1"), encoding="utf-8")
    assert run_cli("render", "overlays/dev", "--root", str(repo)).code == 0
    code, out = _check(repo)
    assert code == 0, out
    assert "ttlSecondsAfterFinished" not in out


def test_ttl_on_the_cronjobs_job_template_is_allowed(repo: Path) -> None:
    """Scheduled Jobs are the CronJob's, not Git's: a TTL there is not re-created by anyone."""
    (repo / "overlays/dev/patches/cron-ttl.yaml").write_text(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: kaptain-ingress-cert-secret-rotation\n"
        "  namespace: kaptain-ingress\nspec:\n  jobTemplate:\n    spec:\n      ttlSecondsAfterFinished: 600\n",
        encoding="utf-8")
    assert run_cli("render", "overlays/dev", "--root", str(repo)).code == 0
    code, out = _check(repo)
    assert code == 0, out


def test_a_job_in_resources_with_ttl_is_refused_too(repo: Path) -> None:
    resources = repo / "overlays/dev/resources"
    resources.mkdir()
    (resources / "cleanup.yaml").write_text(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: cleanup\n  namespace: kaptain-ingress\nspec:\n"
        "  ttlSecondsAfterFinished: 60\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n"
        "        - name: c\n          image: docker.io/library/busybox:1.36\n", encoding="utf-8")
    assert run_cli("render", "overlays/dev", "--root", str(repo)).code == 0
    code, out = _check(repo)
    assert code == 1, out
    assert "overlays/dev/resources/cleanup.yaml:7:3" in out and "Job/cleanup" in out


def test_ttl_sources_finds_only_job_documents_by_name_and_position() -> None:
    text = ("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  ttlSecondsAfterFinished: 1\n"
            "---\n# comment\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n"
            "  backoffLimit: 0\n  ttlSecondsAfterFinished: 5\n")
    assert job_policy.ttl_sources(text) == [("j", 14, 3)]
    assert job_policy.ttl_sources("kind: Job\nspec: [1, 2]\n") == []
    assert job_policy.ttl_sources("kind: [unclosed\n") == []


def test_a_ttl_whose_source_is_not_found_points_at_the_kustomization(tmp_path: Path) -> None:
    docs = [{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "x"},
             "spec": {"ttlSecondsAfterFinished": 0}}]
    [problem] = job_policy.ttl_problems(tmp_path, "overlays/x", docs)
    assert (problem.file, problem.line, problem.rule) == ("overlays/x/kustomization.yaml", 1, "job-ttl")
    assert "search the overlay for ttlSecondsAfterFinished" in problem.message
    assert job_policy.ttl_problems(tmp_path, "overlays/x", [{"kind": "Job", "spec": {}}]) == []


def test_build_for_the_argo_cd_plugin_refuses_it_too(repo: Path) -> None:
    """Render-at-sync deploys what `build` prints, so `build` applies the same rule (non-zero exit, no output)."""
    require_kubectl()
    _trigger(repo)
    (repo / "overlays/dev/patches/job-ttl.yaml").write_text(JOB_TTL_PATCH, encoding="utf-8")
    result = run_cli("build", "overlays/dev", "--root", str(repo))
    assert result.code == 1 and result.out == ""
    assert "overlays/dev/patches/job-ttl.yaml:8:3" in result.err and "ttlSecondsAfterFinished" in result.err
    (repo / "overlays/dev/patches/job-ttl.yaml").unlink()
    assert run_cli("build", "overlays/dev", "--root", str(repo)).code == 0
