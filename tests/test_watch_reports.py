"""rotation.trigger: watch as users see it: explain, long-delay, diff, check --format json, render's files."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli

WATCH = '  secretRotationTimeZone: "Etc/UTC"\nrotation:\n  trigger: watch\n'


def test_explain_watch_shows_the_reaction_beside_the_backstop() -> None:
    result = run_cli("explain", "0 0 * * 0", "--time-zone", "Etc/UTC", "--count", "0", "--watch",
                     "--watch-resync-seconds", "120", "--watch-backoff-max-seconds", "30")
    assert result.code == 0
    lines = result.out.splitlines()
    assert ("Watch reaction:    on change (watch); at most 2m 30s if a change event is missed "
            "(resync 120 s + backoff 30 s)") in lines
    assert ("Worst-case delay:  7d (longest wait between two runs: the backstop when the watch pod is down)"
            in lines)
    assert "Problems:          none" in lines  # a weekly backstop is fine: the watch reacts
    doc = json.loads(run_cli("explain", "0 0 * * 0", "--time-zone", "Etc/UTC", "--count", "0", "--watch",
                             "--format", "json").out)
    assert doc["watch"] == {"resyncSeconds": 300, "backoffMaxSeconds": 60, "worstCaseReactionSeconds": 360}
    assert doc["worstCaseDelaySeconds"] == 7 * 86400


def test_explain_without_watch_keeps_the_long_delay_warning() -> None:
    doc = json.loads(run_cli("explain", "0 0 * * 0", "--time-zone", "Etc/UTC", "--count", "0",
                             "--format", "json").out)
    assert doc["watch"] is None
    assert [p["rule"] for p in doc["problems"]] == ["long-delay"]


def test_long_delay_checks_the_watch_bound_instead() -> None:
    result = run_cli("explain", "0 0 * * *", "--time-zone", "Etc/UTC", "--count", "0", "--watch",
                     "--watch-resync-seconds", "86400", "--watch-backoff-max-seconds", "3600", "--format", "json")
    (problem,) = json.loads(result.out)["problems"]
    assert problem["rule"] == "long-delay"
    assert problem["message"].startswith("the watch's worst-case reaction 1d 1h (resync + backoff) exceeds 24h")
    assert run_cli("explain", "0 0 * * *", "--watch", "--watch-resync-seconds", "5").code == 2


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   check=True, capture_output=True)


@pytest.fixture
def git_repo(repo: Path) -> Path:
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    return repo


def test_diff_summary_shows_the_watch_reaction(git_repo: Path) -> None:
    settings = git_repo / "overlays/prod/settings.yaml"
    settings.write_text(settings.read_text().replace('  secretRotationTimeZone: "Etc/UTC"\n', WATCH))
    result = run_cli("diff", "--base", "HEAD", "--root", str(git_repo))
    assert result.code == 0, result.out
    assert "| Worst-case delay | 1d | 1d (backstop) |\n" in result.out
    assert ("| Reaction time | — (schedule only) | on change (watch); at most 6m if a change event is missed "
            "(resync 300 s + backoff 60 s) |\n") in result.out
    doc = json.loads(run_cli("diff", "--base", "HEAD", "--root", str(git_repo), "--format", "json").out)
    (prod,) = doc["overlays"]
    assert prod["before"]["watch"] is None
    assert prod["after"]["watch"] == {"resyncSeconds": 300, "backoffMaxSeconds": 60, "worstCaseReactionSeconds": 360}


def test_watch_overlay_renders_the_deployment_and_check_json_reports_the_reaction(repo: Path) -> None:
    settings = repo / "overlays/prod/settings.yaml"
    settings.write_text(settings.read_text().replace('  secretRotationTimeZone: "Etc/UTC"\n',
                                                     WATCH + "  bundle: overlap\n"))
    assert run_cli("render", "--root", str(repo)).code == 0
    watch = repo / "overlays/prod/watch.yaml"
    assert "kind: Deployment" in watch.read_text()
    assert "  - watch.yaml\n" in (repo / "overlays/prod/kustomization.yaml").read_text()
    result = run_cli("check", "--root", str(repo), "--format", "json")
    assert result.code == 0, result.out
    prod = next(o for o in json.loads(result.out)["overlays"] if o["overlay"] == "overlays/prod")
    assert prod["rotation"] == {
        "trigger": "watch", "bundle": "overlap", "bundleMaxCertificates": 3,
        "watch": {"resyncSeconds": 300, "backoffMaxSeconds": 60, "worstCaseReactionSeconds": 360},
        "scheduleWorstCaseDelaySeconds": 86400, "reactionSeconds": 360,
    }
    # back to the schedule: the Deployment's file is removed as a stale generated file
    settings.write_text(settings.read_text().replace("  trigger: watch\n", "  trigger: schedule\n"))
    assert run_cli("render", "--root", str(repo)).code == 0
    assert not watch.exists()
    assert run_cli("check", "--root", str(repo)).code == 0


def test_api_rules_check_the_watch_deployment() -> None:
    from generator.config.settings import parse_settings
    from generator.render.overlay import OverlayInputs, render_overlay
    from generator.validate.api_rules import check_api_rules

    doc = (b'ingress:\n  enableSecretRotation: true\n  secretRotationSchedule: "0 0 * * *"\n'
           b'rotation:\n  trigger: watch\n')
    s = parse_settings(doc, "s.yaml").settings
    files = render_overlay(s, OverlayInputs("overlays/x", "overlays/x/settings.yaml"), meaning="m",
                           worst_case_delay="1d")
    deployment = next(d for f in files for d in f.documents if d["kind"] == "Deployment")
    assert check_api_rules(deployment) == []
    deployment["spec"]["selector"]["matchLabels"] = {"app": "other"}
    deployment["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    assert {v.rule for v in check_api_rules(deployment)} == {"invalid-selector", "invalid-restart-policy"}
