"""Behaviour tests for ``templates/rotate.sh``, run against the fake kubectl in ``tests/fake_kubectl.py``.

The main paths run under ``sh``, ``dash`` and ``busybox sh`` when present (one run per distinct
binary: here ``sh`` is ``dash``); the invalid-input and changed-content cases also run under
``bash --posix``; the narrower cases run under ``sh`` only. The sandbox (``tests/rotation_sandbox.py``)
puts only the fake as ``kubectl`` and the declared tools on ``PATH``, and makes real certificates
with the openssl CLI at import time. Timeout cases use a fake clock, so they take no time. The
bundle (overlap, cap, expiry, refusals) and the watch loop have their own files
(``test_rotation_bundle.py``, ``test_rotation_watch.py``).

Limits: what these tests cannot catch, because the fake does not model it:

* RBAC: the fake allows every request. The tests check which accesses the script makes
  (``tests/rotation_calls.py``), not that a Role grants them.
* Concurrency and resourceVersion: there is no other writer except one simulated conflict.
  resourceVersion is a counter, and only the precondition in a merge patch is checked.
* Watches: a scripted timeline, replayed one line at a time (see ``fake_kubectl.cmd_watch``).
* Pod lifecycle: a deleted pod is replaced at once under a new uid; there is no grace period,
  except an optional few reads that still show the old terminating pod. Readiness is a flag, not
  the result of probes.
* StatefulSet semantics: no revisions or partitions; ``OnDelete`` only as far as ``rollout status``
  refusing it and pods being replaced when deleted.
* Admission: no webhooks, immutable Secrets, quotas or policy engines; a 1 MiB cap on Secret data.
* kubectl itself: no kubeconfig, in-cluster auth, discovery, retries, request timeouts or
  exact error wording. The verbs per command follow kubectl's source as read, not a live API
  server's audit log. When a real ``kubectl`` is on PATH (required under CI=true), two tests check
  offline that it accepts every command line the script runs and that the fake's jsonpath and
  merge patch match kubectl's own (``kubectl patch --local``).
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.rotation_sandbox import (
    ANN_LEASE,
    ANN_RESTARTED,
    ANN_ROTATED,
    ANN_SOURCE,
    BASE_ENV,
    CA_NEW,
    CA_OLD,
    POD,
    SCRIPT,
    SHA_NEW,
    SHA_OLD,
    SHELLS,
    SRC,
    SRC_NS,
    STS,
    STS_ENV,
    TGT,
    TGT_NS,
    TOOLS,
    Cluster,
    calls,
    fake,
    placeholders,
)

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@pytest.fixture
def clocked(tmp_path: Path, pycache: Path) -> Cluster:
    """Like ``cl``, with a fake clock: ``sleep`` advances it, ``date`` reads it."""
    return Cluster(tmp_path, SHELLS[0], pycache, fake_clock=True)


def assert_no_writes(cluster: Cluster) -> None:
    writes = [e for e in cluster.audit() if e["verb"] not in ("get", "list", "watch")]
    assert writes == [], writes


# --- static checks --------------------------------------------------------------------------------


def test_script_contains_no_braced_expansion() -> None:
    """Flux postBuild substitution rewrites ``${...}`` anywhere, comments and embedded scripts included."""
    text = SCRIPT.read_text()
    assert "${" not in text
    assert "$${" not in text


def test_script_is_static_and_uses_only_declared_tools() -> None:
    """Every tool in TOOLS is used; the sandbox PATH (only TOOLS and kubectl) makes any other tool fail."""
    text = SCRIPT.read_text()
    assert text.startswith("#!/bin/sh\n")
    assert "{{" not in text and "{%" not in text, "the script must not be templated"
    for tool in TOOLS:
        assert re.search(rf"\b{tool}\b", text), f"{tool} is declared but unused; drop it from TOOLS"


def test_shellcheck_clean() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        if os.environ.get("CI") == "true":
            pytest.fail("shellcheck is required in CI (apt-get install -y shellcheck)")
        pytest.skip("shellcheck not installed")
    proc = subprocess.run([shellcheck, "-s", "sh", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- the main paths, under every shell -----------------------------------------------------------


def test_unchanged_is_a_noop(cluster: Cluster) -> None:
    cluster.standard(target=CA_NEW, annotations={ANN_SOURCE: SHA_NEW, ANN_RESTARTED: SHA_NEW})
    before = cluster.objects_snapshot()

    res = cluster.run()

    assert res.returncode == 0, res.output
    assert "up to date" in res.stdout
    assert cluster.objects_snapshot() == before
    assert cluster.audit() == [
        {"verb": "get", "resource": "secrets", "namespace": SRC_NS, "name": SRC},
        {"verb": "get", "resource": "secrets", "namespace": TGT_NS, "name": TGT},
    ]


def test_changed_updates_in_place_and_restarts_pod_once(any_cluster: Cluster) -> None:
    any_cluster.standard()
    old_target = any_cluster.target()
    old_pod = any_cluster.pod()
    assert old_pod is not None
    started = datetime.datetime.now(datetime.UTC).replace(microsecond=0)

    res = any_cluster.run()

    finished = datetime.datetime.now(datetime.UTC)
    assert res.returncode == 0, res.output
    target = any_cluster.target()
    # updated in place: same object, new content, other keys kept
    assert target["metadata"]["uid"] == old_target["metadata"]["uid"]
    assert target["metadata"]["creationTimestamp"] == old_target["metadata"]["creationTimestamp"]
    assert any_cluster.target_bytes() == CA_NEW
    assert any_cluster.target_bytes("keep.me") == b"untouched"
    annotations = target["metadata"]["annotations"]
    assert annotations[ANN_SOURCE] == SHA_NEW
    assert annotations[ANN_RESTARTED] == SHA_NEW
    assert RFC3339_UTC.match(annotations[ANN_ROTATED])
    rotated_at = datetime.datetime.strptime(annotations[ANN_ROTATED], "%Y-%m-%dT%H:%M:%S%z")
    assert started <= rotated_at <= finished
    # restarted once, and the new pod is a different one
    new_pod = any_cluster.pod()
    assert new_pod is not None
    assert new_pod["metadata"]["uid"] != old_pod["metadata"]["uid"]
    assert any_cluster.count("delete", "pods") == 1
    assert any_cluster.count("delete", "secrets") == 0
    assert any_cluster.count("create", "secrets") == 0
    # order: read source, read target, patch data, restart, await Ready, then record the restart
    steps = [(e["verb"], e["resource"]) for e in any_cluster.audit()]
    assert steps == [
        ("get", "secrets"),
        ("get", "secrets"),
        ("get", "secrets"),
        ("patch", "secrets"),
        ("get", "pods"),
        ("delete", "pods"),
        ("get", "pods"),
        ("get", "secrets"),
        ("patch", "secrets"),
    ]
    assert "Ready" in res.stdout
    for line in res.output.splitlines():
        assert line.startswith("rotate: "), line


def test_source_secret_missing_fails_and_leaves_target_untouched(cluster: Cluster) -> None:
    cluster.add_secret(TGT_NS, TGT, {"oidcCABundle.crt": CA_OLD})
    cluster.add_pod()
    before = cluster.objects_snapshot()

    res = cluster.run()

    assert res.returncode == 1, res.output
    assert "rotate: ERROR: source secret kommander/kommander-traefik-certificate not found" in res.stderr
    assert cluster.objects_snapshot() == before
    assert_no_writes(cluster)


def test_restart_failure_then_rerun_converges(cluster: Cluster) -> None:
    cluster.standard()
    cluster.faults(fail={"delete pods": 1})

    first = cluster.run()
    assert first.returncode == 1, first.output
    assert "ERROR" in first.stderr and "restart failed" in first.stderr
    # the Secret is already updated, but no restart is recorded
    assert cluster.target_bytes() == CA_NEW
    assert ANN_RESTARTED not in cluster.target()["metadata"]["annotations"]
    uid_after_failure = cluster.pod_uid()

    cluster.reset_audit()
    second = cluster.run()
    assert second.returncode == 0, second.output
    assert "no restart is recorded" in second.stdout
    assert cluster.count("delete", "pods") == 1
    assert cluster.count("patch", "secrets") == 2  # the restart lease and the record; the data is already equal
    assert cluster.pod_uid() != uid_after_failure
    assert cluster.target()["metadata"]["annotations"][ANN_RESTARTED] == SHA_NEW

    cluster.reset_audit()
    third = cluster.run()
    assert third.returncode == 0, third.output
    assert "up to date" in third.stdout
    assert_no_writes(cluster)


def test_statefulset_restart(cluster: Cluster) -> None:
    cluster.standard()

    res = cluster.run(STS_ENV)

    assert res.returncode == 0, res.output
    assert cluster.target_bytes() == CA_NEW
    assert cluster.target()["metadata"]["annotations"][ANN_RESTARTED] == SHA_NEW
    sts = cluster.statefulset()
    assert sts["fake"]["restarts"] == 1
    assert "kubectl.kubernetes.io/restartedAt" in sts["spec"]["template"]["metadata"]["annotations"]
    assert [(e["verb"], e["resource"]) for e in cluster.audit() if e["resource"] == "statefulsets"] == [
        ("get", "statefulsets"),  # the update strategy
        ("get", "statefulsets"),
        ("patch", "statefulsets"),
        ("get", "statefulsets"),
        ("list", "statefulsets"),
        ("watch", "statefulsets"),
    ]
    assert not [e for e in cluster.audit() if e["resource"] == "pods"]

    cluster.reset_audit()
    again = cluster.run(STS_ENV)
    assert again.returncode == 0 and "up to date" in again.stdout, again.output
    assert cluster.statefulset()["fake"]["restarts"] == 1


# --- invalid configuration ------------------------------------------------------------------------

INJECTIONS = [
    "$(touch {m})",
    "`touch {m}`",
    "x;touch {m}",
    "x\ntouch {m}",
    "x && touch {m}",
    "x|touch {m}",
    "x > {m}",
    "a b",
    " x",
    "x ",
    "x\t",
    "$HOME",
    "*",
    "x'y",
    'x"y',
    "x\\y",
    "ünï",
    "",
]
EXTRA_INVALID: dict[str, list[str]] = {
    "SOURCE_NAMESPACE": ["Kommander", "a.b", "-a", "a-", "a" * 64],
    "TARGET_NAMESPACE": ["a_b", "a" * 64],
    "SOURCE_SECRET": ["-a", "a..b", "a.-b", "a/b", "A", "a" * 254],
    "TARGET_SECRET": [".a", "a.", "a" * 254],
    "SOURCE_KEY": [".", "..", "a/b", "a:b", "k" * 254],
    "TARGET_KEY": [".", "a/b", "a=b"],
    "RESTART_KIND": ["pod", "Deployment", "statefulset"],
    "RESTART_NAME": ["-a", "Auth", "a_b"],
    "RESTART_TIMEOUT_SECONDS": ["0", "-1", "1.5", "10s", "012", "86401", "999999", "1e3"],
    "BUNDLE_MODE": ["Overlap", "append", "overlap "],
    "BUNDLE_MAX_CERTIFICATES": ["0", "21", "03", "1.5", "-1"],
}


@pytest.mark.parametrize("var", sorted(BASE_ENV))
def test_invalid_env_is_rejected_before_anything_runs(any_cluster: Cluster, var: str, tmp_path: Path) -> None:
    any_cluster.standard()
    before = any_cluster.objects_snapshot()
    marker = tmp_path / "pwned"
    values: list[str | None] = [v.format(m=marker) for v in INJECTIONS]
    values += [*EXTRA_INVALID[var], None]  # None: unset
    for value in values:
        res = any_cluster.run(**{var: value})
        assert res.returncode == 2, (var, value, res.output)
        assert f"rotate: ERROR: {var} is " in res.stderr, (var, value, res.stderr)
        assert "invalid configuration" in res.stderr
        assert res.stdout == "", (var, value, res.stdout)
        assert not marker.exists(), (var, value)
        assert not (any_cluster.root / "argv.jsonl").exists(), f"kubectl ran for {var}={value!r}"
        if value and "touch" in value:
            assert value not in res.output, "the invalid value must not be echoed"
    assert any_cluster.objects_snapshot() == before


def test_every_invalid_variable_is_reported(cl: Cluster) -> None:
    cl.standard()
    res = cl.run(**dict.fromkeys(BASE_ENV, "$(x)"))
    assert res.returncode == 2
    for var in BASE_ENV:
        assert f"rotate: ERROR: {var} is invalid" in res.stderr


@pytest.mark.parametrize(
    "overrides",
    [
        {"SOURCE_NAMESPACE": "a" * 63, "TARGET_NAMESPACE": "0-z"},
        {"SOURCE_SECRET": "a." + "b" * 251, "RESTART_NAME": "auth.service-0"},
        {"RESTART_TIMEOUT_SECONDS": "86400"},
        {"BUNDLE_MAX_CERTIFICATES": "20", "BUNDLE_MODE": "overlap"},
    ],
    ids=["long-namespace", "dotted-names", "max-timeout", "max-certificates"],
)
def test_valid_edge_values_are_accepted(cl: Cluster, overrides: dict[str, str]) -> None:
    env = {**BASE_ENV, **overrides}
    cl.add_secret(env["SOURCE_NAMESPACE"], env["SOURCE_SECRET"], {"ca.crt": CA_NEW})
    cl.add_secret(env["TARGET_NAMESPACE"], env["TARGET_SECRET"], {"oidcCABundle.crt": CA_NEW}, {ANN_RESTARTED: SHA_NEW})
    res = cl.run(overrides)
    assert res.returncode == 0, res.output
    assert "up to date" in res.stdout


def test_dotted_keys_are_escaped_in_jsonpath(cl: Cluster) -> None:
    cl.add_secret(SRC_NS, SRC, {"tls.ca.crt": CA_NEW, "ca.crt": CA_OLD, "tls": b"decoy"})
    cl.add_secret(TGT_NS, TGT, {"bundle.v1.pem": CA_OLD, "bundle": b"decoy"})
    cl.add_pod()

    res = cl.run(SOURCE_KEY="tls.ca.crt", TARGET_KEY="bundle.v1.pem")

    assert res.returncode == 0, res.output
    assert cl.target_bytes("bundle.v1.pem") == CA_NEW
    assert cl.target_bytes("bundle") == b"decoy"
    args = [json.loads(line) for line in (cl.root / "argv.jsonl").read_text().splitlines()]
    templates = [a[-1] for a in args if a[2] == "get" and a[3] == "secret"]
    assert "jsonpath={.metadata.name}|{.data.tls\\.ca\\.crt}" in templates


# --- source problems ------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [{"ca.crt": b""}, {"tls.crt": CA_NEW}], ids=["empty-value", "key-absent"])
def test_source_key_empty_fails(cl: Cluster, data: dict[str, bytes]) -> None:
    cl.add_secret(SRC_NS, SRC, data)
    cl.add_secret(TGT_NS, TGT, {"oidcCABundle.crt": CA_OLD})
    cl.add_pod()
    before = cl.objects_snapshot()

    res = cl.run()

    assert res.returncode == 1, res.output
    assert "rotate: ERROR:" in res.stderr and "no data under key ca.crt" in res.stderr
    assert cl.objects_snapshot() == before
    assert_no_writes(cl)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"hello, not a certificate\n", "holds no PEM certificate"),
        (b"-----BEGIN CERTIFICATE-----\nMIIB\n", "refused: the CERTIFICATE block has no END line"),
        (b"-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIB\n", "refused: line 1 ends a PEM block"),
        (b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", "refused: it holds a PRIVATE KEY block"),
        (b"\x00\x01\x02binary", "holds no PEM certificate"),
    ],
    ids=["text", "no-end", "end-before-begin", "private-key", "binary"],
)
def test_source_not_pem_fails(cl: Cluster, content: bytes, reason: str) -> None:
    cl.standard()
    cl.add_secret(SRC_NS, SRC, {"ca.crt": content})
    before = cl.objects_snapshot()

    res = cl.run()

    assert res.returncode == 1, res.output
    assert "rotate: ERROR: source key ca.crt" in res.stderr and reason in res.stderr, res.stderr
    assert cl.objects_snapshot() == before
    assert_no_writes(cl)


def test_target_absent_fails_and_prints_the_one_time_command(cluster: Cluster) -> None:
    """The script never creates Secrets (no RBAC create grant): a missing target is an error."""
    cluster.standard(target=None)
    before = cluster.objects_snapshot()

    res = cluster.run()

    assert res.returncode == 1, res.output
    assert (
        "target secret kaptain-ingress/kubeflow-oidc-ca-bundle not found; this job never creates Secrets. Create it "
        "once: kubectl -n kaptain-ingress create secret generic kubeflow-oidc-ca-bundle --from-file=oidcCABundle.crt=ca.crt"
    ) in res.stderr
    assert cluster.secret() is None
    assert cluster.objects_snapshot() == before
    assert_no_writes(cluster)
    assert cluster.count("delete", "pods") == 0


# --- restart details ------------------------------------------------------------------------------


def _gets_after_delete(cluster: Cluster) -> int:
    steps = [(e["verb"], e["resource"]) for e in cluster.audit()]
    return steps[steps.index(("delete", "pods")) + 1 :].count(("get", "pods"))


def test_readiness_is_awaited(clocked: Cluster) -> None:
    clocked.standard()
    clocked.faults(pod_ready_after_gets=2)
    start = clocked.clock_now()

    res = clocked.run(RESTART_TIMEOUT_SECONDS="5")

    assert res.returncode == 0, res.output
    assert _gets_after_delete(clocked) == 3  # not Ready, not Ready, Ready
    assert clocked.clock_now() - start == 2  # one sleep between reads


def test_old_terminating_pod_is_not_taken_for_the_new_one(clocked: Cluster) -> None:
    clocked.standard()
    clocked.faults(pod_terminating_gets=1)

    res = clocked.run()

    assert res.returncode == 0, res.output
    assert _gets_after_delete(clocked) == 2  # the old uid (still Ready) is skipped, then the new pod


@pytest.mark.parametrize("fault", [{"pod_ready": False}, {"pod_recreate": False}], ids=["never-ready", "not-recreated"])
def test_pod_restart_times_out_and_rerun_restarts(clocked: Cluster, fault: dict[str, bool]) -> None:
    clocked.standard()
    clocked.faults(**fault)
    start = clocked.clock_now()

    res = clocked.run(RESTART_TIMEOUT_SECONDS="3")

    assert res.returncode == 1, res.output
    assert "timed out after 3 s waiting for pod kaptain-ingress/authservice-0 to be recreated and Ready" in res.stderr
    assert "restart failed" in res.stderr
    assert clocked.clock_now() - start == 3
    assert _gets_after_delete(clocked) == 4  # at t+0 .. t+3
    assert clocked.target_bytes() == CA_NEW
    assert ANN_RESTARTED not in clocked.target()["metadata"]["annotations"]

    clocked.faults()
    clocked.reset_audit()
    if "pod_recreate" in fault:  # the controller never came back: bring the pod back by hand
        clocked.add_pod()
    again = clocked.run()
    assert again.returncode == 0, again.output
    assert clocked.count("delete", "pods") == 1
    assert clocked.target()["metadata"]["annotations"][ANN_RESTARTED] == SHA_NEW


def test_rollout_failure_then_rerun_converges(cl: Cluster) -> None:
    cl.standard()
    cl.faults(rollout_ready=False)

    first = cl.run(STS_ENV)
    assert first.returncode == 1, first.output
    assert "did not complete" in first.stderr
    assert ANN_RESTARTED not in cl.target()["metadata"]["annotations"]

    cl.faults()
    second = cl.run(STS_ENV)
    assert second.returncode == 0, second.output
    third = cl.run(STS_ENV)
    assert third.returncode == 0 and "up to date" in third.stdout, third.output
    assert cl.statefulset()["fake"]["restarts"] == 2  # the failed rollout, then one more


def test_equal_content_without_record_restarts_once(cl: Cluster) -> None:
    """A target that already matches but was never restarted for (e.g. adopted) gets one restart."""
    cl.standard(target=CA_NEW)

    first = cl.run()
    second = cl.run()

    assert first.returncode == 0 and second.returncode == 0, first.output + second.output
    assert cl.count("delete", "pods") == 1
    assert "up to date" in second.stdout
    assert ANN_SOURCE not in cl.target()["metadata"]["annotations"]  # data was not rewritten


def test_record_failure_means_restart_again_once_the_lease_expires(clocked: Cluster) -> None:
    """At-least-once: if recording the restart fails, a later run restarts again (after the run's lease)."""
    clocked.standard(target=CA_NEW, annotations={ANN_SOURCE: SHA_NEW})
    clocked.faults(fail_after={"patch secrets": 1}, fail={"patch secrets": 1})  # the lease works, the record fails

    first = clocked.run()
    assert first.returncode == 1, first.output
    assert "recording it" in first.stderr
    assert clocked.count("delete", "pods") == 1

    soon = clocked.run()  # within RESTART_TIMEOUT_SECONDS + 60 s: the failed run might still be at it
    assert soon.returncode == 0 and "leaving it to that run" in soon.stdout, soon.output
    assert clocked.count("delete", "pods") == 1

    clocked.clock.write_text(f"{clocked.clock_now() + 2 + 60}\n")
    second = clocked.run()
    assert second.returncode == 0, second.output
    assert clocked.count("delete", "pods") == 2
    assert clocked.run().returncode == 0
    assert clocked.count("delete", "pods") == 2
    assert ANN_LEASE not in clocked.target()["metadata"]["annotations"]


def test_two_runs_at_once_restart_once(cl: Cluster) -> None:
    """The watch Deployment and the CronJob may reconcile at the same moment: one restart per bundle."""
    cl.standard()
    first = cl.run()  # stands for the run that wrote the bundle; freeze it mid-restart:
    assert first.returncode == 0, first.output
    target = cl.target()
    target["metadata"]["annotations"].pop(ANN_RESTARTED)
    target["metadata"]["annotations"][ANN_LEASE] = str(int(datetime.datetime.now(datetime.UTC).timestamp()))
    fake.write_object(cl.root, "secrets", target)

    other = cl.run()

    assert other.returncode == 0, other.output
    assert "another run took its restart on" in other.stdout
    assert cl.count("delete", "pods") == 1


def test_the_lease_is_taken_with_a_resource_version_check(cl: Cluster) -> None:
    """Two runs that both find a restart pending: only the one whose lease patch lands restarts."""
    cl.standard(target=CA_NEW)
    cl.faults(concurrent_writes_before_patch=1)  # the other run's lease lands first

    res = cl.run()

    assert res.returncode == 1, res.output
    assert "Conflict" in res.stderr and "cannot take the restart on" in res.stderr
    assert cl.count("delete", "pods") == 0


def test_concurrent_write_conflict_changes_nothing(cl: Cluster) -> None:
    cl.standard()
    cl.faults(concurrent_writes_before_patch=1)

    res = cl.run()

    assert res.returncode == 1, res.output
    assert "Conflict" in res.stderr and "cannot patch target secret" in res.stderr
    assert cl.target_bytes() == CA_OLD
    assert cl.count("delete", "pods") == 0

    assert cl.run().returncode == 0
    assert cl.target_bytes() == CA_NEW


@pytest.mark.parametrize("fault", ["get secrets", "patch secrets"])
def test_api_errors_fail_without_restart(cl: Cluster, fault: str) -> None:
    cl.standard()
    cl.faults(fail={fault: 1})

    res = cl.run()

    assert res.returncode == 1, res.output
    assert "rotate: ERROR: cannot" in res.stderr
    assert cl.count("delete", "pods") == 0


# --- the accesses a Role must grant ---------------------------------------------------------------

Scenario = Callable[[Cluster], None]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _changed(c: Cluster) -> None:
    c.standard()


def _on_delete(c: Cluster) -> None:
    c.add_secret(SRC_NS, SRC, {"ca.crt": CA_NEW})
    c.add_secret(TGT_NS, TGT, {"oidcCABundle.crt": CA_OLD})
    c.add_statefulset(update_strategy="OnDelete")
    c.add_pod(f"{STS}-0")


CONFIGS = [(kind, trigger) for kind in ("Pod", "StatefulSet") for trigger in ("schedule", "watch")]


def _config_env(kind: str) -> dict[str, str]:
    env = {**BASE_ENV, "RESTART_KIND": kind}
    if kind == "StatefulSet":
        env["RESTART_NAME"] = STS
    return env


@dataclass(frozen=True)
class PathRun:
    env: dict[str, str]
    returncode: int
    audit: list[dict[str, str]]
    argvs: list[list[str]]
    patch_files: list[str]


@pytest.fixture(scope="module")
def path_runs(tmp_path_factory: pytest.TempPathFactory, pycache: Path) -> dict[tuple[str, str], list[PathRun]]:
    """Per configuration, runs of the paths that between them make every access the script can make.

    The changed-content path reads, patches and restarts (a StatefulSet by rollout, and one with
    the OnDelete strategy by deleting its pod). Every other run in these files also checks that its
    accesses are a subset of rotation_calls (see Cluster.run), so no other path adds an unlisted one;
    the watch configurations are covered in test_rotation_watch.py.
    """
    tmp_path = tmp_path_factory.mktemp("paths")
    runs: dict[tuple[str, str], list[PathRun]] = {}
    for kind, trigger in CONFIGS:
        env = _config_env(kind)
        scenarios: list[Scenario] = [_changed, _on_delete] if kind == "StatefulSet" else [_changed]
        for scenario in scenarios:
            watch = trigger == "watch"
            c = Cluster(_fresh(tmp_path, len(list(tmp_path.iterdir()))), SHELLS[0], pycache, fake_clock=watch)
            scenario(c)
            if watch:  # the resync at the start of the watch rotates; then a change arrives
                now = c.clock_now()
                c.timeline([{"at": now + 5, "action": "update", "data": {"ca.crt": _b64(CA_OLD)}}], stop_at=now + 20)
                res = c.run_watch(env)
                res.returncode = 0 if res.returncode in (-15, 143) else res.returncode
            else:
                res = c.run(env)
            argvs = [json.loads(line) for line in (c.root / "argv.jsonl").read_text().splitlines()]
            bodies = [json.loads(line) for line in (c.root / "patch-files.jsonl").read_text().splitlines()]
            runs.setdefault((kind, trigger), []).append(PathRun(env, res.returncode, c.audit(), argvs, bodies))
    return runs


@pytest.mark.parametrize(("kind", "trigger"), CONFIGS)
def test_api_accesses_per_configuration(
    path_runs: dict[tuple[str, str], list[PathRun]], kind: str, trigger: str
) -> None:
    """The audit log of all paths, put together, equals rotation_calls.API_ACCESSES for the configuration."""
    seen: set[Any] = set()
    for run in path_runs[(kind, trigger)]:
        assert run.returncode == 0
        seen |= {placeholders(run.env, e) for e in run.audit}
    assert seen == set(calls.API_ACCESSES[(kind, trigger)])
    assert not any(a.verb in calls.NOT_RESTRICTABLE_BY_NAME for a in seen)
    env = _config_env(kind)
    assert calls.resolve(env, trigger) == {
        calls.Access(env[a.namespace], a.verb, a.resource, calls.resolve_name(env, a.name))
        for a in calls.API_ACCESSES[(kind, trigger)]
    }


def _fresh(tmp_path: Path, index: int) -> Path:
    path = tmp_path / f"scenario-{index}"
    path.mkdir()
    return path


# --- the fake itself ------------------------------------------------------------------------------


def _fake(cluster: Cluster, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(cluster.bin / "kubectl"), *args],
        env={"PATH": str(cluster.bin), "FAKE_KUBE_STATE": str(cluster.root)},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["version"],
        ["get", "secret", TGT, "-n", TGT_NS],
        ["-n", TGT_NS, "get", "secrets", TGT, "--ignore-not-found", "-o", "jsonpath={.data}"],
        ["-n", TGT_NS, "get", "secret", TGT, "-o", "json"],
        ["-n", TGT_NS, "get", "secret", TGT, "--ignore-not-found", "-o", "jsonpath={range .items[*]}{end}"],
        ["-n", TGT_NS, "delete", "secret", TGT],
        ["-n", TGT_NS, "delete", "pod", POD],
        ["-n", TGT_NS, "patch", "secret", TGT, "--type=merge", "-p", '{"spec": {}}'],
        ["-n", TGT_NS, "patch", "secret", TGT, "--type=json", "-p", "[]"],
        ["-n", TGT_NS, "rollout", "restart", "deployment/x"],
        ["-n", TGT_NS, "wait", "--for=condition=Ready", f"pod/{POD}"],
        ["-n", "Bad_NS", "get", "secret", TGT, "--ignore-not-found", "-o", "jsonpath={.metadata.name}"],
    ],
)
def test_fake_rejects_other_invocations(
    cl: Cluster, argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cl.standard()
    before = cl.objects_snapshot()
    monkeypatch.setenv("FAKE_KUBE_STATE", str(cl.root))
    assert fake.main(argv) == fake.EXIT_UNSUPPORTED
    assert "unsupported invocation" in capsys.readouterr().err
    assert cl.audit() == []
    assert cl.objects_snapshot() == before


def test_fake_jsonpath_subset(cl: Cluster) -> None:
    cl.standard()
    proc = _fake(
        cl,
        "-n",
        TGT_NS,
        "get",
        "pod",
        POD,
        "--ignore-not-found",
        "-o",
        'jsonpath={.metadata.name}|{.status.conditions[?(@.type=="Ready")].status}|{.missing.field}',
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{POD}|True|"
    missing = _fake(cl, "-n", TGT_NS, "get", "pod", "nope", "--ignore-not-found", "-o", "jsonpath={.metadata.name}")
    assert (missing.returncode, missing.stdout) == (0, "")


# --- the fake against the real kubectl binary (offline) -------------------------------------------

UNREACHABLE_KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "http://127.0.0.1:1"}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
users: [{name: none, user: {}}]
current-context: none
"""


def _real_kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("kubectl is required in CI")
        pytest.skip("kubectl not on PATH")
    return path


@pytest.fixture(scope="module")
def script_argvs(path_runs: dict[tuple[str, str], list[PathRun]]) -> list[list[str]]:
    """Every distinct kubectl command line the script ran on its Pod and StatefulSet paths (plus the watch)."""
    argvs: list[list[str]] = []
    for runs in path_runs.values():
        for run in runs:
            argvs.extend(argv for argv in run.argvs if argv not in argvs)
    return argvs


def _flag_shape(argv: list[str]) -> tuple[str, ...]:
    """The command and its flags, without namespaces, names or flag values."""
    return (*argv[2:4], *(a.split("=")[0] for a in argv if a.startswith("-")))


def test_every_command_line_parses_with_real_kubectl(tmp_path: Path, script_argvs: list[list[str]]) -> None:
    """Real kubectl accepts each command and flag that the script uses; it fails only at connecting."""
    kubectl = _real_kubectl()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(UNREACHABLE_KUBECONFIG)
    shapes = {_flag_shape(argv): argv for argv in script_argvs}
    # get secret|pod|statefulset, watch secret, patch (file and -p), delete pod, rollout restart|status
    assert len(shapes) == 9, sorted(shapes)
    patch_file = tmp_path / "patch.json"
    patch_file.write_text("{}")
    for argv in shapes.values():
        argv = [f"--patch-file={patch_file}" if a.startswith("--patch-file=") else a for a in argv]
        proc = subprocess.run(
            [kubectl, *argv],
            env={"PATH": os.defpath, "HOME": str(tmp_path), "KUBECONFIG": str(kubeconfig)},
            input='{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}',
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode != 0, argv
        assert "127.0.0.1:1" in proc.stderr, (argv, proc.stderr)
        for problem in ("unknown flag", "unknown command", "invalid argument", "usage"):
            assert problem not in proc.stderr.lower(), (argv, proc.stderr)


def _local_kubectl(kubectl: str, tmp_path: Path, obj: Mapping[str, Any], patch: str, output: str) -> str:
    path = tmp_path / "object.json"
    path.write_text(json.dumps(obj))
    proc = subprocess.run(
        [kubectl, "patch", "--local", "-f", str(path), "--type=merge", "-p", patch, "-o", output],
        env={"PATH": os.defpath, "HOME": str(tmp_path), "KUBECONFIG": str(tmp_path / "no-kubeconfig")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_fake_matches_real_kubectl_jsonpath_and_merge_patch(
    tmp_path: Path, pycache: Path, script_argvs: list[list[str]], path_runs: dict[tuple[str, str], list[PathRun]]
) -> None:
    """The fake's jsonpath subset and merge patch give what kubectl's own code gives, for the script's inputs."""
    kubectl = _real_kubectl()
    patch_bodies = [body for runs in path_runs.values() for run in runs for body in run.patch_files]
    assert patch_bodies
    seed = Cluster(_fresh(tmp_path, 99), SHELLS[0], pycache)
    seed.standard(annotations={ANN_RESTARTED: SHA_OLD})
    source = seed.secret(SRC_NS, SRC)
    assert source is not None
    secrets = [seed.target(), source, seed.add_secret(TGT_NS, "bare", {})]
    ready_pod = seed.add_pod()
    unready_pod = seed.add_pod("other", ready=False)
    bare_pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "uid": "u"}}
    objects: dict[str, list[Any]] = {"secret": secrets, "pod": [ready_pod, unready_pod, bare_pod]}

    separator = "\n----\n"  # literal text between the templates, so one kubectl call renders all of them
    for kind, objs in objects.items():
        templates = sorted({a[-1].removeprefix("jsonpath=") for a in script_argvs if a[2:4] == ["get", kind]})
        assert templates
        for obj in objs:
            expected = _local_kubectl(kubectl, tmp_path, obj, "{}", "jsonpath=" + separator.join(templates))
            ours = separator.join(fake.render_jsonpath(fake.parse_jsonpath(t), obj) for t in templates)
            assert ours == expected, (templates, obj)

    patches = sorted({a[-1] for a in script_argvs if a[2] == "patch" and a[-1].startswith("{")} | set(patch_bodies))
    assert len(patches) >= 2
    for patch in patches:
        real = json.loads(_local_kubectl(kubectl, tmp_path, secrets[0], patch, "json"))
        ours = fake.merge_patch(secrets[0], json.loads(patch))
        for field in ("data", "type"):
            assert real[field] == ours[field]
        assert real["metadata"]["annotations"] == ours["metadata"]["annotations"]
