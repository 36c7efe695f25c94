"""``rotate.sh watch`` and ``rotate.sh liveness`` against the fake cluster, in simulated time.

A timeline of scripted events (``tests/fake_kubectl.py``, :func:`cmd_watch`) drives the watch: source changes,
lost events, deletion, API outages, server-side closes; the fake clock makes resyncs and backoff take no real
time, and the fake waits for the script to handle each line before the next event, so every run is exact.
Figures measured here are simulated seconds from the source change to the bundle write (``rotated-at``) and to
the restarted pod's creation. Every run also checks its API accesses against ``tests/rotation_calls.py``
(trigger ``watch``): ``get`` and ``watch`` on the source Secret by name, nothing else on it.
"""

from __future__ import annotations

import base64
import calendar
import time
from pathlib import Path
from typing import Any

import pytest

from tests.rotation_sandbox import (
    ANN_RESTARTED,
    ANN_ROTATED,
    BASE_ENV,
    CA_NEW,
    CA_OLD,
    POD,
    SHELLS,
    SRC,
    SRC_NS,
    WATCH_ENV,
    Cluster,
    Result,
    sha,
)

OVERLAP = {"BUNDLE_MODE": "overlap"}
RESYNC = int(WATCH_ENV["WATCH_RESYNC_SECONDS"])  # 300
BACKOFF_MAX = int(WATCH_ENV["WATCH_BACKOFF_MAX_SECONDS"])  # 60


@pytest.fixture(params=SHELLS, ids=[s.id for s in SHELLS])
def watched(request: pytest.FixtureRequest, tmp_path: Path, pycache: Path) -> Cluster:
    """A fake cluster with a fake clock, once per shell (sh, dash, busybox sh)."""
    return Cluster(tmp_path, request.param, pycache, fake_clock=True)


@pytest.fixture
def clocked(tmp_path: Path, pycache: Path) -> Cluster:
    return Cluster(tmp_path, SHELLS[0], pycache, fake_clock=True)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _epoch(rfc3339: str) -> int:
    return calendar.timegm(time.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ"))


def _up_to_date(c: Cluster) -> None:
    """Source CA_OLD, target already holding it and restarted for it: the steady state before a renewal."""
    c.add_secret(SRC_NS, SRC, {"ca.crt": CA_OLD})
    c.add_secret(BASE_ENV["TARGET_NAMESPACE"], BASE_ENV["TARGET_SECRET"], {"oidcCABundle.crt": CA_OLD},
                 {ANN_RESTARTED: sha(CA_OLD)})
    c.add_pod()


def _retries(res: Result) -> list[int]:
    return [int(line.rsplit("retrying in ", 1)[1].split()[0]) for line in res.stderr.splitlines()
            if "retrying in" in line]


def _watch_accesses(c: Cluster) -> list[dict[str, Any]]:
    return [e for e in c.audit() if e["namespace"] == SRC_NS]


# --- a CA renewal ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_ca_renewal_reaches_the_bundle_and_restarts_authservice_once(watched: Cluster) -> None:
    _up_to_date(watched)
    watched.faults(pod_ready_after_gets=2)  # the new pod needs two more reads to be Ready
    t0 = watched.clock_now()
    change = t0 + 100
    watched.timeline([{"at": change, "action": "update", "data": {"ca.crt": _b64(CA_NEW)}}], stop_at=t0 + 700)
    old_uid = watched.pod_uid()

    res = watched.run_watch(OVERLAP)

    assert res.returncode in (-15, 143), res.output  # stopped by the test, never exited on its own
    assert watched.target_bytes() == CA_NEW + CA_OLD  # the previous CA stays in the bundle
    annotations = watched.target()["metadata"]["annotations"]
    assert annotations[ANN_RESTARTED] == sha(CA_NEW + CA_OLD)
    assert watched.count("delete", "pods") == 1  # once, though the resyncs at +300 and +600 saw it again
    pod = watched.pod()
    assert pod is not None and pod["metadata"]["uid"] != old_uid
    # simulated reaction: bundle written when the change arrived; pod recreated then, Ready two reads later
    assert _epoch(annotations[ANN_ROTATED]) - change == 0
    assert _epoch(pod["metadata"]["creationTimestamp"]) - change == 0
    assert "watch session 1: source secret changed (event 1)" in res.stdout
    assert res.stdout.count(": resync") == 3  # t0, +300, +600
    accesses = {(e["verb"], e["resource"], e["name"], e.get("fieldSelector")) for e in _watch_accesses(watched)}
    assert accesses == {("get", "secrets", SRC, None), ("watch", "secrets", SRC, f"metadata.name={SRC}")}


def test_a_missed_event_is_caught_by_the_next_resync(clocked: Cluster) -> None:
    _up_to_date(clocked)
    t0 = clocked.clock_now()
    change = t0 + 10
    clocked.timeline([{"at": change, "action": "update", "silent": True, "data": {"ca.crt": _b64(CA_NEW)}}],
                     stop_at=t0 + 700)

    res = clocked.run_watch(OVERLAP)

    assert clocked.target_bytes() == CA_NEW + CA_OLD, res.output
    delay = _epoch(clocked.target()["metadata"]["annotations"][ANN_ROTATED]) - change
    assert delay == RESYNC - 10  # picked up by the resync at t0 + 300
    assert delay <= RESYNC + BACKOFF_MAX  # the bound explain/check report
    assert clocked.count("delete", "pods") == 1


def test_an_api_outage_recovers_with_capped_backoff_and_without_a_restart_storm(watched: Cluster) -> None:
    _up_to_date(watched)
    t0 = watched.clock_now()
    outage_end = t0 + 200
    watched.timeline(
        [
            {"at": t0 + 50, "action": "outage", "until": outage_end},
            # the CA is renewed while the API is unreachable for us
            {"at": t0 + 120, "action": "update", "data": {"ca.crt": _b64(CA_NEW)}},
        ],
        stop_at=t0 + 400,
    )

    res = watched.run_watch(OVERLAP)

    assert _retries(res) == [1, 2, 4, 8, 16, 32, 60, 60], res.stderr  # doubling, capped at backoffMax
    annotations = watched.target()["metadata"]["annotations"]
    recovered = _epoch(annotations[ANN_ROTATED])
    assert outage_end <= recovered <= outage_end + BACKOFF_MAX
    assert recovered - t0 == 50 + 1 + 2 + 4 + 8 + 16 + 32 + 60 + 60  # the first attempt after the outage
    assert watched.count("delete", "pods") == 1  # one restart for the one new bundle
    assert watched.count("patch", "secrets") == 2  # the bundle, then the restart record
    assert watched.target_bytes() == CA_NEW + CA_OLD


def test_deletion_and_re_creation_of_the_source(clocked: Cluster) -> None:
    _up_to_date(clocked)
    t0 = clocked.clock_now()
    clocked.timeline(
        [
            {"at": t0 + 30, "action": "delete"},
            {"at": t0 + 400, "action": "create", "data": {"ca.crt": _b64(CA_NEW)}},
        ],
        stop_at=t0 + 800,
    )

    res = clocked.run_watch(OVERLAP)

    assert "source secret kommander/kommander-traefik-certificate not found; target left untouched" in res.stderr
    assert "NotFound" in res.stderr  # the watch at the resync finds no source: backoff until it is back
    assert clocked.target_bytes() == CA_NEW + CA_OLD
    delay = _epoch(clocked.target()["metadata"]["annotations"][ANN_ROTATED]) - (t0 + 400)
    assert 0 <= delay <= BACKOFF_MAX
    assert clocked.count("delete", "pods") == 1


def test_a_server_side_close_reconnects_at_once(clocked: Cluster) -> None:
    _up_to_date(clocked)
    t0 = clocked.clock_now()
    clocked.timeline([{"at": t0 + 40, "action": "close"}], stop_at=t0 + 100)

    res = clocked.run_watch(OVERLAP)

    assert "watch session 1 closed by the API server; reconnecting" in res.stdout
    assert "retrying" not in res.stderr
    assert res.stdout.count(": resync") == 2
    assert clocked.count("delete", "pods") == 0  # nothing changed: nothing restarted


# --- liveness -------------------------------------------------------------------------------------------


def test_liveness_follows_the_heartbeat(clocked: Cluster) -> None:
    env = {**WATCH_ENV, **OVERLAP}
    missing = clocked.run(env, mode="liveness")
    assert missing.returncode == 1 and "no heartbeat from the watch loop" in missing.stderr

    now = clocked.clock_now()
    bound = RESYNC + BACKOFF_MAX + int(BASE_ENV["RESTART_TIMEOUT_SECONDS"]) + 60
    (clocked.home / "rotate.heartbeat").write_text(f"{now - bound} 3.1\n")
    assert clocked.run(env, mode="liveness").returncode == 0
    (clocked.home / "rotate.heartbeat").write_text(f"{now - bound - 1} 3.1\n")
    stalled = clocked.run(env, mode="liveness")
    assert stalled.returncode == 1
    assert f"the watch loop has stalled: last heartbeat {bound + 1} s ago, bound {bound} s" in stalled.stderr
    assert clocked.audit() == []  # the probe never calls the API


@pytest.mark.parametrize(
    ("var", "value"),
    [("WATCH_RESYNC_SECONDS", "9"), ("WATCH_RESYNC_SECONDS", None), ("WATCH_BACKOFF_MAX_SECONDS", "3601"),
     ("WATCH_BACKOFF_MAX_SECONDS", "x")],
)
def test_watch_settings_are_validated_before_anything_runs(clocked: Cluster, var: str, value: str | None) -> None:
    _up_to_date(clocked)
    res = clocked.run({**WATCH_ENV, var: value}, mode="watch")
    assert res.returncode == 2, res.output
    assert f"rotate: ERROR: {var} is" in res.stderr
    assert clocked.audit() == []


def test_unknown_mode_is_a_usage_error(clocked: Cluster) -> None:
    res = clocked.run(mode="loop")
    assert res.returncode == 2 and "unknown mode" in res.stderr


def test_pod_restart_name_is_untouched_by_the_watch(clocked: Cluster) -> None:
    """The watch only reads the source; without a change, the restart target is never touched."""
    _up_to_date(clocked)
    t0 = clocked.clock_now()
    clocked.timeline([], stop_at=t0 + 2 * RESYNC + 1)
    clocked.run_watch(OVERLAP)
    assert not [e for e in clocked.audit() if e["resource"] == "pods" and e["name"] == POD]
