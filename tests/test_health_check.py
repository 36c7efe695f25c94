"""The custom CronJob health check for Argo CD < 3.2, run by the real ``lua5.1`` on sample CronJob objects.

Argo CD runs a health script with the object as the global ``obj`` (a Lua table) and reads the table the
script returns. The driver below does the same with ``dofile``; samples are CronJob objects as the API
server returns them (status written by the CronJob controller). Under CI=true a missing ``lua5.1`` fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, REPO

SCRIPT = REPO / "templates" / "argocd" / "cronjob-health.lua"


def _lua() -> str:
    path = shutil.which("lua5.1")
    if path is None:
        if IN_CI:
            pytest.fail("lua5.1 is required in CI (the CronJob health check is tested with the real interpreter)")
        pytest.skip("lua5.1 not on PATH")
    return path


def _literal(value: Any) -> str:
    """A Lua table constructor for a JSON-like value (what Argo CD's gopher-lua hands the script)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid Lua escapes for these ASCII samples
    if isinstance(value, list):
        return "{" + ", ".join(_literal(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{json.dumps(k)}] = {_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def run_check(obj: dict[str, Any], script: Path = SCRIPT) -> tuple[str, str]:
    driver = (
        f"obj = {_literal(obj)}\n"
        f"local hs = dofile({json.dumps(str(script))})\n"
        'io.write(tostring(hs.status), "\\n", tostring(hs.message))\n'
    )
    done = subprocess.run([_lua(), "-"], input=driver, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    status, message = done.stdout.split("\n", 1)
    return status, message


def cronjob(status: dict[str, Any] | None = None, *, suspend: bool = False) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "kaptain-ingress-cert-secret-rotation", "namespace": "kaptain-ingress"},
        "spec": {"schedule": "0 */6 * * *", "suspend": suspend, "concurrencyPolicy": "Forbid"},
    }
    if status is not None:
        obj["status"] = status
    return obj


RUNNING = {"active": [{"apiVersion": "batch/v1", "kind": "Job", "name": "rotation-29391120",
                       "namespace": "kaptain-ingress", "uid": "5f0c3c2e-0000-4000-8000-000000000001"}],
           "lastScheduleTime": "2026-12-01T12:00:00Z", "lastSuccessfulTime": "2026-12-01T06:00:41Z"}


@pytest.mark.parametrize(("status", "suspend", "expected", "in_message"), [
    (None, False, "Healthy", "No Job has been scheduled yet"),
    ({}, False, "Healthy", "No Job has been scheduled yet"),
    ({"lastScheduleTime": "2026-12-01T06:00:00Z", "lastSuccessfulTime": "2026-12-01T06:00:41Z"}, False,
     "Healthy", "succeeded at 2026-12-01T06:00:41Z"),
    (RUNNING, False, "Healthy", "Running: rotation-29391120"),
    ({"lastScheduleTime": "2026-12-01T12:00:00Z", "lastSuccessfulTime": "2026-12-01T06:00:41Z"}, False,
     "Degraded", "scheduled at 2026-12-01T12:00:00Z did not succeed; last success at 2026-12-01T06:00:41Z"),
    ({"lastScheduleTime": "2026-12-01T12:00:00Z"}, False, "Degraded", "no scheduled Job has succeeded yet"),
    ({"lastScheduleTime": "2026-12-01T12:00:00Z"}, True, "Healthy", "Suspended"),
    ({"lastScheduleTime": "yesterday", "lastSuccessfulTime": "2026-12-01T06:00:41Z"}, False, "Unknown", "Cannot read"),
    ({"lastScheduleTime": "2026-12-01T12:00:00Z", "lastSuccessfulTime": "12:00"}, False, "Unknown", "Cannot read"),
    ({"active": [], "lastScheduleTime": "2026-12-01T12:00:00Z", "lastSuccessfulTime": "2026-12-01T12:00:00Z"}, False,
     "Healthy", "succeeded"),
], ids=["no-status", "empty-status", "last-succeeded", "running", "last-failed", "never-succeeded", "suspended",
        "bad-schedule-time", "bad-success-time", "same-second"])
def test_cronjob_health(status: dict[str, Any] | None, suspend: bool, expected: str, in_message: str) -> None:
    got, message = run_check(cronjob(status, suspend=suspend))
    assert got == expected
    assert in_message in message


def test_times_are_compared_in_time_order_across_days_and_years() -> None:
    status = {"lastScheduleTime": "2027-01-01T00:00:00Z", "lastSuccessfulTime": "2026-12-31T23:59:59Z"}
    assert run_check(cronjob(status))[0] == "Degraded"
    status = {"lastScheduleTime": "2026-12-31T23:59:00Z", "lastSuccessfulTime": "2027-01-01T00:00:07Z"}
    assert run_check(cronjob(status))[0] == "Healthy"


def test_several_running_jobs_are_all_named() -> None:
    status = dict(RUNNING, active=[{"kind": "Job", "name": "a"}, {"kind": "Job", "name": "b"}])
    assert run_check(cronjob(status)) == ("Healthy", "Running: a, b")


def test_a_broken_script_fails_this_harness(tmp_path: Path) -> None:
    """The harness itself can fail: a script error is an assertion failure, not a silent pass."""
    broken = tmp_path / "broken.lua"
    broken.write_text("return { status = obj.status.nope.deeper }\n", encoding="utf-8")
    with pytest.raises(AssertionError):
        run_check(cronjob({"lastScheduleTime": "2026-12-01T12:00:00Z"}), broken)


def test_the_shipped_argocd_cm_patch_embeds_exactly_the_tested_script(tmp_path: Path) -> None:
    import yaml

    text = (REPO / "deploy" / "argocd" / "cronjob-health.yaml").read_text(encoding="utf-8")
    cm = yaml.safe_load(text)
    assert (cm["kind"], cm["metadata"]["name"]) == ("ConfigMap", "argocd-cm")
    embedded = cm["data"]["resource.customizations.health.batch_CronJob"]
    assert embedded == SCRIPT.read_text(encoding="utf-8")
    copy = tmp_path / "embedded.lua"
    copy.write_text(embedded, encoding="utf-8")
    assert run_check(cronjob({"lastScheduleTime": "2026-12-01T12:00:00Z"}), copy)[0] == "Degraded"
