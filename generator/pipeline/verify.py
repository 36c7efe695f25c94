"""``verify``: the product page's manual verification, automated, against a live cluster.

It reads (with the user's own kubectl and credentials) the target bundle Secret, the source CA
Secret and the authservice pod/StatefulSet as JSON, then decides with pure functions
(:func:`assess`), which the tests drive with recorded ``kubectl -o json`` output.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from generator.config.settings import Settings
from generator.errors import GeneratorError
from generator.schedule.durations import human_duration


@dataclass
class Verification:
    ok: bool
    lines: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def _ts(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value)


def _age(then: datetime | None, now: datetime) -> str:
    return "unknown" if then is None else human_duration(now - then) + " ago"


def _data(secret: dict[str, Any] | None, key: str) -> bytes | None:
    if not secret:
        return None
    raw = (secret.get("data") or {}).get(key)
    if raw is None:
        return None
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError:
        return None


def assess(s: Settings, target: dict[str, Any] | None, source: dict[str, Any] | None,
           workload: dict[str, Any] | None, now: datetime) -> Verification:
    """Decide from kubectl JSON objects (None = not found) whether rotation is current."""
    v = Verification(ok=True)
    src = _data(source, s.source_key)
    tgt = _data(target, s.target_key)
    if target is None:
        v.ok = False
        v.lines.append(f"FAIL secret {s.namespace}/{s.target_secret} not found")
    else:
        meta = target.get("metadata") or {}
        notes = meta.get("annotations") or {}
        rotated = _ts(notes.get("kaptain-gitops/rotated-at"))
        created = _ts(meta.get("creationTimestamp"))
        v.facts.update(secretCreated=meta.get("creationTimestamp"), rotatedAt=notes.get("kaptain-gitops/rotated-at"))
        when = f"last rotated {_age(rotated, now)}" if rotated else f"created {_age(created, now)}, never rotated"
        v.lines.append(f"ok   secret {s.namespace}/{s.target_secret}: {when}")
    if source is None or src is None:
        v.ok = False
        v.lines.append(f"FAIL source CA {s.source_namespace}/{s.source_secret} key {s.source_key} not found")
    elif tgt is not None:
        same = hashlib.sha256(src).hexdigest() == hashlib.sha256(tgt).hexdigest()
        v.facts["bundleCurrent"] = same
        if same:
            v.lines.append(f"ok   bundle key {s.target_key} equals the source CA")
        else:
            v.ok = False
            v.lines.append(f"FAIL bundle key {s.target_key} differs from the source CA: the next run will rotate it "
                           f"(or: kaptain-gitops trigger)")
    if workload is None:
        v.ok = False
        v.lines.append(f"FAIL {s.restart_kind.lower()} {s.namespace}/{s.restart_name} not found")
    else:
        meta = workload.get("metadata") or {}
        status = workload.get("status") or {}
        if s.restart_kind == "Pod":
            ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
            started = _ts(status.get("startTime") or meta.get("creationTimestamp"))
        else:
            ready = status.get("readyReplicas", 0) == status.get("replicas", 0) and status.get("replicas", 0) > 0
            started = _ts(((workload.get("spec") or {}).get("template", {}).get("metadata", {}).get("annotations")
                           or {}).get("kubectl.kubernetes.io/restartedAt") or meta.get("creationTimestamp"))
        v.facts.update(workloadReady=ready, workloadStarted=started.isoformat() if started else None)
        rotated = _ts(((target or {}).get("metadata") or {}).get("annotations", {}).get("kaptain-gitops/rotated-at"))
        state = "Ready" if ready else "NOT Ready"
        v.lines.append(f"{'ok  ' if ready else 'FAIL'} {s.restart_kind.lower()} {s.restart_name}: {state}, "
                       f"started {_age(started, now)}")
        if not ready:
            v.ok = False
        if rotated and started and started < rotated:
            v.ok = False
            v.lines.append(f"FAIL {s.restart_name} started before the last rotation: it still uses the old CA; "
                           "re-run the rotation (it restarts authservice)")
    return v


def _kubectl(args: list[str], context: str | None) -> dict[str, Any] | None:
    binary = shutil.which("kubectl")
    if binary is None:
        raise GeneratorError("kubectl is not on PATH, so no cluster can be verified", rule="no-cluster",
                             hint="install kubectl and point it at the cluster (KUBECONFIG / --context)")
    cmd = [binary, *(["--context", context] if context else []), *args, "-o", "json", "--request-timeout=10s"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=30)
    if proc.returncode == 0:
        loaded: dict[str, Any] = json.loads(proc.stdout)
        return loaded
    text = proc.stderr.strip()
    if "NotFound" in text or "not found" in text:
        return None
    reason = text.splitlines()[-1] if text else f"kubectl exit code {proc.returncode}"
    raise GeneratorError(f"no cluster reachable: {reason}", rule="no-cluster",
                         hint="check KUBECONFIG / --context and network access; nothing was changed")


def verify_cluster(s: Settings, *, context: str | None = None, now: datetime | None = None) -> Verification:
    target = _kubectl(["-n", s.namespace, "get", "secret", s.target_secret], context)
    source = _kubectl(["-n", s.source_namespace, "get", "secret", s.source_secret], context)
    kind = "pod" if s.restart_kind == "Pod" else "statefulset"
    workload = _kubectl(["-n", s.namespace, "get", kind, s.restart_name], context)
    return assess(s, target, source, workload, now or datetime.now(UTC))


def format_verification(v: Verification, fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"schema": "kaptain-gitops/verify/v1", "ok": v.ok, "checks": v.lines, **v.facts},
                          indent=2) + "\n"
    return "\n".join([*v.lines, "verified: rotation is current" if v.ok else "verification failed"]) + "\n"
