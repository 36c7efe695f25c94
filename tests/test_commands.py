"""explain, diff, trigger, verify and check --changed-since: exact outputs on fixed inputs."""

from __future__ import annotations

import base64
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.config.settings import parse_settings
from generator.pipeline.verify import assess
from tests.conftest import REPO, run_cli

# ------------------------------------------------------------------------------------------- explain


def test_explain_every_six_hours() -> None:
    result = run_cli("explain", "0 */6 * * *", "--time-zone", "Etc/UTC", "--from", "2026-11-28T00:00:00",
                     "--count", "2")
    assert result.code == 0
    assert result.out == (
        "Schedule:          0 */6 * * *\n"
        "Time zone:         Etc/UTC\n"
        "Meaning:           at minute 0 past every 6th hour (00:00, 06:00, 12:00, 18:00), every day, Etc/UTC\n"
        "Runs:              4 per day, 1,461 per year\n"
        "Worst-case delay:  6h (longest wait between two runs: a renewed CA can take this long to reach authservice)\n"
        "Shortest interval: 6h\n"
        "Next runs:\n"
        "  2026-11-28 06:00 UTC (Sat)\n"
        "  2026-11-28 12:00 UTC (Sat)\n"
        "Week:\n"
        "      00    06    12    18\n"
        + "".join(f"  {day} ▪·····▪·····▪·····▪·····\n" for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
        + "  · none  ▪ 1 run  ▄ 2-29 runs  █ 30+ runs per hour (Etc/UTC, week of 2026-01-05)\n"
        "Problems:          none\n"
    )


def test_explain_weekly_uses_one_duration_format() -> None:
    result = run_cli("explain", "0 0 * * 0", "--time-zone", "Etc/UTC", "--from", "2026-11-28T00:00:00", "--count", "1")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[4] == ("Worst-case delay:  7d (longest wait between two runs: a renewed CA can take this long to "
                        "reach authservice)")
    assert lines[5] == "Shortest interval: 7d"
    assert lines[-1] == (
        "  [warning] worst-case delay 7d (after Sun 00:00) exceeds 24h: it runs only on Sunday, so Monday through "
        "Saturday have no run; a renewed CA can wait that long before it is rotated; if that is intended, accept it "
        'with lint.maxDelayHours: 168, or run every day: "0 0 * * *" (long-delay)'
    )
    assert "7d 0h" not in result.out


def test_explain_weekdays_in_berlin_blame_the_weekend() -> None:
    result = run_cli("explain", "30 2 * * 1-5", "--time-zone", "Europe/Berlin", "--count", "0")
    assert result.code == 0
    assert result.out.splitlines()[-1] == (
        "  [warning] worst-case delay 3d 1h (after Fri 02:30, first on 2026-10-23) exceeds 24h: it runs only on "
        "Monday through Friday, so Saturday and Sunday have no run (the clocks going back on the way add 1h); a "
        "renewed CA can wait that long before it is rotated; if that is intended, accept it with "
        'lint.maxDelayHours: 73, or run every day: "30 2 * * *" (long-delay)'
    )


def test_explain_reports_a_delay_over_a_small_limit() -> None:
    result = run_cli("explain", "0 */6 * * *", "--time-zone", "Europe/Berlin", "--count", "0",
                     "--max-delay-hours", "5")
    assert result.code == 0
    assert "[warning] worst-case delay 7h (after Sun 00:00, first on 2026-10-25) exceeds 5h" in result.out


def test_explain_seed_trap_shows_solid_blocks_and_fails() -> None:
    result = run_cli("explain", "* */6 * * *", "--time-zone", "Etc/UTC", "--count", "0")
    assert result.code == 1
    assert "  Mon █·····█·····█·····█·····\n" in result.out
    assert 'use "0 */6 * * *" to run once at the start of each of those hours (every-minute-burst)' in result.out


@pytest.mark.parametrize(("expr", "rule"), [("0 0 31 2 *", "never-fires"), ("TZ=UTC 0 0 * * *", "tz-in-schedule"),
                                            ("0 0 * * 7", "invalid-schedule")])
def test_explain_refuses(expr: str, rule: str) -> None:
    result = run_cli("explain", expr, "--format", "json", "--count", "0")
    assert result.code == 1
    doc = json.loads(result.out)
    assert [p["rule"] for p in doc["problems"] if p["level"] == "error"] == [rule]


def test_explain_github_format_and_usage_errors() -> None:
    result = run_cli("explain", "*/5 * * * *", "--time-zone", "Etc/UTC", "--count", "0", "--format", "github")
    assert result.code == 1
    assert result.out.splitlines()[-1] == (
        "::error title=too-frequent::runs as often as every 5m, below the 15-minute minimum; space the runs out "
        "(e.g. \"0 */6 * * *\" for every 6 hours), or set lint.allowFrequentSchedule: true if that is intended")
    assert run_cli("explain", "0 0 * * *", "--from", "yesterday").code == 2
    assert run_cli("explain", "0 0 * * *", "--count", "-1").code == 2


def test_explain_svg(tmp_path: Path) -> None:
    svg = tmp_path / "week.svg"
    assert run_cli("explain", "0 */6 * * *", "--time-zone", "Etc/UTC", "--svg", str(svg)).code == 0
    assert svg.read_text().startswith("<svg")


# ------------------------------------------------------------------------------------- git helpers


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture
def git_repo(repo: Path) -> Path:
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    return repo


def test_diff_markdown_for_a_schedule_change(git_repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    settings = git_repo / "overlays/prod/settings.yaml"
    settings.write_text(settings.read_text().replace('"0 0 * * *"', '"* */6 * * *"'))
    result = run_cli("diff", "--base", "HEAD", "--root", str(git_repo))
    assert result.code == 1
    assert result.out.startswith(
        "## Certificate rotation schedule changes (vs `HEAD`)\n\n"
        "### ❌ `overlays/prod` (changed)\n\n"
        "| | before | after |\n|---|---|---|\n"
        "| Schedule | `0 0 * * *` (Etc/UTC) | `* */6 * * *` (Etc/UTC) |\n"
        "| Meaning | at 00:00, every day, Etc/UTC | every minute during hours 00, 06, 12 and 18, every day, Etc/UTC |\n"
        "| Runs per day | 1 | 240 |\n"
        "| Worst-case delay | 1d | 5h 1m |\n\n"
        "**Problems after the change:**\n"
        "- error: minute field \"*\" runs every minute during hours 00, 06, 12 and 18 (240 runs a day)")
    assert "\nMon █·····█·····█·····█·····\n" in result.out
    assert summary.read_text() == result.out


def test_diff_without_changes(git_repo: Path) -> None:
    result = run_cli("diff", "--base", "HEAD", "--root", str(git_repo))
    expected = "## Certificate rotation schedule changes (vs `HEAD`)\n\nNo overlay settings changed.\n"
    assert (result.code, result.out) == (0, expected)
    assert run_cli("diff", "--base", "no-such-ref", "--root", str(git_repo)).code == 2


def test_diff_ignores_comment_only_edits(git_repo: Path) -> None:
    settings = git_repo / "overlays/prod/settings.yaml"
    text = settings.read_text()
    settings.write_text("# reviewed 2026-12-01\n" + text.replace('"0 0 * * *"', "'0 0 * * *'  # midnight"))
    result = run_cli("diff", "--base", "HEAD", "--root", str(git_repo))
    expected = "## Certificate rotation schedule changes (vs `HEAD`)\n\nNo overlay settings changed.\n"
    assert (result.code, result.out) == (0, expected)


def test_diff_flags_removed_and_suspended_overlays(git_repo: Path) -> None:
    (git_repo / "overlays/dev/settings.yaml").unlink()
    prod = git_repo / "overlays/prod/settings.yaml"
    prod.write_text(prod.read_text().replace("enableSecretRotation: true", "enableSecretRotation: false"))
    result = run_cli("diff", "--base", "HEAD", "--root", str(git_repo))
    assert result.code == 0
    assert result.out.startswith(
        "## Certificate rotation schedule changes (vs `HEAD`)\n\n"
        "### ⚠️ `overlays/dev` (removed)\n\n"
        "**Removed:** once Argo CD or Flux prune it, nothing rotates this cluster's CA bundle.\n\n"
        "| | before | after |\n|---|---|---|\n"
        "| Schedule | `0 */6 * * *` (Europe/Berlin) | — |\n"
    )
    assert (
        "### ⚠️ `overlays/prod` (changed)\n\n"
        "**Suspended:** `enableSecretRotation: false` renders the CronJob with `suspend: true`; only manual Jobs "
        "rotate the CA bundle.\n\n"
        "| | before | after |\n|---|---|---|\n"
        "| Schedule | `0 0 * * *` (Etc/UTC) | `0 0 * * *` (Etc/UTC) — suspended |\n"
    ) in result.out
    assert "✅" not in result.out
    doc = json.loads(run_cli("diff", "--base", "HEAD", "--root", str(git_repo), "--format", "json").out)
    assert [(o["overlay"], o["verdict"]) for o in doc["overlays"]] == [("overlays/dev", "warning"),
                                                                       ("overlays/prod", "warning")]


def test_diff_keeps_the_hints_validate_prints(git_repo: Path) -> None:
    prod = git_repo / "overlays/prod/settings.yaml"
    prod.write_text(prod.read_text().replace('"0 0 * * *"', "*/15 * * * *"))
    validate = run_cli("validate", str(prod))
    result = run_cli("diff", "--base", "HEAD", "--root", str(git_repo))
    assert result.code == 1
    assert "### ❌ `overlays/prod` (changed)" in result.out
    problem = [line for line in result.out.splitlines() if line.startswith("- error: ")]
    assert len(problem) == 1
    assert problem[0].endswith("quote the value: a cron schedule starting with '*' must be written in quotes, "
                               'e.g. "*/15 * * * *" (yaml-syntax)')
    assert problem[0].removeprefix("- error: ").split(": ", 1)[1] in validate.out


def test_check_changed_since_checks_only_changed_overlays(git_repo: Path) -> None:
    result = run_cli("check", "--root", str(git_repo), "--changed-since", "HEAD")
    assert result.code == 0
    assert result.out.splitlines()[0] == "note: no overlay changed since HEAD; repository-level checks ran"
    assert result.out.splitlines()[-1] == "0 overlays: 0 up to date, 0 stale, 0 failed"
    settings = git_repo / "overlays/dev/settings.yaml"
    settings.write_text(settings.read_text().replace('"0 */6 * * *"', '"0 */4 * * *"'))
    result = run_cli("check", "--root", str(git_repo), "--changed-since", "HEAD", "--kustomize", "off")
    assert result.code == 1
    assert result.out.splitlines()[-1] == "1 overlay: 0 up to date, 1 stale, 0 failed"
    assert "overlays/prod" not in result.out


# ------------------------------------------------------------------------------------------ trigger


def test_trigger_writes_a_job_like_kubectl_create_job_from(repo: Path) -> None:
    result = run_cli("trigger", "overlays/prod", "--name", "rotation-1", "--root", str(repo))
    assert result.code == 0, result.out + result.err
    assert result.out == (
        "overlays/prod/jobs/rotation-1.yaml: created\n"
        "overlays/prod/kustomization.yaml: updated\n"
        "1 overlay: 1 rendered, 0 up to date, 0 failed\n"
        "Commit and push; Argo CD or Flux creates the Job once. Break-glass, straight to the cluster:\n"
        "  kubectl -n kaptain-ingress create job --from=cronjob/kaptain-ingress-cert-secret-rotation rotation-1\n")
    from generator.validate.kustomize import parse_stream

    job = parse_stream((repo / "overlays/prod/jobs/rotation-1.yaml").read_text())[0]
    cron = parse_stream((repo / "overlays/prod/cronjob.yaml").read_text())[0]
    template = cron["spec"]["jobTemplate"]
    # kubectl create job --from: spec = jobTemplate.spec; labels = template labels; instantiate: manual
    assert job["spec"] == template["spec"]
    assert job["metadata"]["labels"] == template["metadata"]["labels"]
    assert job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert job["metadata"]["annotations"]["argocd.argoproj.io/sync-options"] == "Force=true"  # never Replace=true
    assert job["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/force"] == "enabled"
    assert "  - jobs/rotation-1.yaml\n" in (repo / "overlays/prod/kustomization.yaml").read_text()
    assert run_cli("check", "--root", str(repo), "--kustomize", "kubectl").code == 0
    # a Job runs once per name
    again = run_cli("trigger", "overlays/prod", "--name", "rotation-1", "--root", str(repo))
    assert again.code == 1 and "already exists; a Job runs once per name" in again.err
    removed = run_cli("trigger", "overlays/prod", "--name", "rotation-1", "--remove", "--root", str(repo))
    assert removed.code == 0
    assert not (repo / "overlays/prod/jobs/rotation-1.yaml").exists()
    assert not (repo / "overlays/prod/jobs").exists(), "no empty jobs/ is left behind"
    assert "jobs/" not in (repo / "overlays/prod/kustomization.yaml").read_text()


def test_trigger_on_a_suspended_cronjob_and_bad_names(repo: Path) -> None:
    settings = repo / "overlays/prod/settings.yaml"
    settings.write_text(settings.read_text().replace("enableSecretRotation: true", "enableSecretRotation: false"))
    assert run_cli("render", "--root", str(repo)).code == 0
    assert run_cli("trigger", "overlays/prod", "--root", str(repo)).code == 0  # manual runs work while suspended
    for name in ("Rotation_2", "rotation-2\n"):
        bad = run_cli("trigger", "overlays/prod", "--name", name, "--root", str(repo))
        assert bad.code == 2 and f"--name {name!r} is not a valid Job name" in bad.err  # a usage error


# ------------------------------------------------------------------------------------------- verify

S = parse_settings((REPO / "overlays/prod/settings.yaml").read_bytes(), "s").settings
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def _secret(name: str, key: str, data: bytes, **annotations: str) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "creationTimestamp":
            "2026-11-01T00:00:00Z", "annotations": annotations}, "data": {key: base64.b64encode(data).decode()}}


def _pod(start: str, ready: bool = True) -> dict:
    return {"kind": "Pod", "metadata": {"name": "authservice-0", "creationTimestamp": start},
            "status": {"startTime": start, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def test_verify_current_bundle_and_restarted_pod() -> None:
    target = _secret(S.target_secret, S.target_key, PEM, **{"kaptain-gitops/rotated-at": "2026-11-28T00:00:05Z"})
    source = _secret(S.source_secret, S.source_key, PEM)
    v = assess(S, target, source, _pod("2026-11-28T00:00:30Z"), NOW)
    assert v.ok
    assert v.lines == [
        "ok   secret kaptain-ingress/kubeflow-oidc-ca-bundle: last rotated 11h 59m 55s ago",
        "ok   bundle key oidcCABundle.crt equals the source CA",
        "ok   pod authservice-0: Ready, started 11h 59m 30s ago",
    ]


def test_verify_overlap_bundle_with_the_previous_ca_is_current() -> None:
    """rotation.bundle: overlap (the default) writes the source CA first, then previous CAs still valid."""
    assert S.bundle == "overlap"
    old_ca = b"-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n"
    target = _secret(S.target_secret, S.target_key, PEM + old_ca, **{"kaptain-gitops/rotated-at": "2026-11-28T00:00:05Z"})
    source = _secret(S.source_secret, S.source_key, b"# comment\r\n" + PEM.replace(b"\n", b"\r\n"))
    v = assess(S, target, source, _pod("2026-11-28T00:00:30Z"), NOW)
    assert v.ok and v.facts["bundleCurrent"] is True
    assert v.lines[1] == ("ok   bundle key oidcCABundle.crt holds the source CA first, and 1 previous CA(s) kept "
                          "for the overlap (rotation.bundle: overlap)")
    # The previous CA first and the new one second is not current; neither is the old CA alone.
    assert not assess(S, _secret(S.target_secret, S.target_key, old_ca + PEM), source, _pod("2026-11-28T00:00:30Z"),
                      NOW).ok
    assert not assess(S, _secret(S.target_secret, S.target_key, old_ca), source, _pod("2026-11-28T00:00:30Z"), NOW).ok


def test_verify_stale_bundle_and_pod_older_than_rotation() -> None:
    target = _secret(S.target_secret, S.target_key, b"old", **{"kaptain-gitops/rotated-at": "2026-11-28T00:00:05Z"})
    source = _secret(S.source_secret, S.source_key, PEM)
    v = assess(S, target, source, _pod("2026-11-20T00:00:00Z"), NOW)
    assert not v.ok
    assert any(line.startswith("FAIL bundle key oidcCABundle.crt differs from the source CA") for line in v.lines)
    assert any("started before the last rotation" in line for line in v.lines)
    assert not assess(S, None, None, None, NOW).ok


def test_verify_says_plainly_when_no_cluster_is_reachable(repo: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    result = run_cli("verify", "overlays/prod", "--root", str(repo))
    assert result.code == 1
    assert result.err.startswith("kaptain-gitops: error: no cluster reachable") or "kubectl is not on PATH" in result.err
