"""``verify``: the product page's manual verification, automated, against a live cluster.

It reads (with the user's own kubectl and credentials) the rotation CronJob, the target bundle Secret, the
source CA Secret and the authservice pod/StatefulSet as JSON, then decides with pure functions
(:func:`assess`, :func:`assess_cronjob`), which the tests drive with recorded ``kubectl -o json`` output.

The CronJob check knows who should own it: in ``standalone`` mode our overlay (label
``app.kubernetes.io/managed-by: kaptain-gitops``, delivered by our Argo CD Application / Flux Kustomization), in
``kaptain-chart`` mode Kaptain's Helm release. Any other owner — Helm labels on our CronJob, another Argo CD
application's tracking label/annotation, another Flux Kustomization's labels — is a **conflict**: two controllers
would keep undoing each other. Each finding says what to do.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
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


_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)


def _certificates(data: bytes) -> list[str]:
    """The CERTIFICATE blocks of a PEM text, bodies without whitespace: what the rotation script copies."""
    return ["".join(body.split()) for body in _CERTIFICATE.findall(data.decode("ascii", errors="replace"))]


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
        source_certs, bundle_certs = _certificates(src), _certificates(tgt)
        kept = bundle_certs[len(source_certs):] if s.bundle == "overlap" else []
        same = hashlib.sha256(src).digest() == hashlib.sha256(tgt).digest() or (
            bool(source_certs) and bundle_certs == source_certs + kept)
        v.facts["bundleCurrent"] = same
        if same and kept:
            v.lines.append(f"ok   bundle key {s.target_key} holds the source CA first, and {len(kept)} previous "
                           f"CA(s) kept for the overlap (rotation.bundle: overlap)")
        elif same:
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


OUR_PREFIX = "kaptain-cert-rotation-"  # the Argo CD Applications / Flux Kustomizations that deliver our overlays


def owners(cronjob: dict[str, Any]) -> tuple[str | None, list[str]]:
    """(Helm release or None, other controllers) that track this object, read from its labels and annotations."""
    meta = cronjob.get("metadata") or {}
    labels, notes = meta.get("labels") or {}, meta.get("annotations") or {}
    helm = None
    if labels.get("app.kubernetes.io/managed-by") == "Helm" or "meta.helm.sh/release-name" in notes:
        helm = f"{notes.get('meta.helm.sh/release-namespace', '?')}/{notes.get('meta.helm.sh/release-name', '?')}"
    others = []
    managed_by = labels.get("app.kubernetes.io/managed-by")
    if managed_by not in (None, "Helm", "kaptain-gitops"):
        others.append(f"app.kubernetes.io/managed-by: {managed_by}")
    tracking = notes.get("argocd.argoproj.io/tracking-id")
    if tracking and not tracking.split(":", 1)[0].startswith(OUR_PREFIX):
        others.append(f"Argo CD Application {tracking.split(':', 1)[0]} (argocd.argoproj.io/tracking-id)")
    instance = labels.get("app.kubernetes.io/instance")
    if instance and helm is None and not tracking and not instance.startswith(OUR_PREFIX):
        others.append(f"Argo CD Application {instance} (app.kubernetes.io/instance)")
    flux = labels.get("kustomize.toolkit.fluxcd.io/name")
    if flux and not flux.startswith(OUR_PREFIX):
        others.append(f"Flux Kustomization {labels.get('kustomize.toolkit.fluxcd.io/namespace', '?')}/{flux}")
    release = labels.get("helm.toolkit.fluxcd.io/name")
    if release and helm is None:
        helm = f"{labels.get('helm.toolkit.fluxcd.io/namespace', '?')}/{release}"
    return helm, others


def assess_cronjob(s: Settings, cronjob: dict[str, Any] | None) -> Verification:
    """Is the live CronJob the one this overlay's mode expects, owned by one controller, with our schedule?"""
    v = Verification(ok=True)
    where = f"cronjob {s.namespace}/{s.cron_job_name}"
    v.facts["mode"] = s.mode

    def fail(text: str) -> None:
        v.ok = False
        v.lines.append(f"FAIL {text}")

    if cronjob is None:
        if s.chart_mode and not s.enable_secret_rotation:
            v.lines.append(f"ok   {where} not present: Kaptain's rotation is off (ingress.enableSecretRotation: false)")
        elif s.chart_mode:
            fail(f"{where} not found: Kaptain's chart has not created it yet; fix: apply deploy/kommander on the "
                 "management cluster (kubectl apply -k deploy/kommander) and check Kaptain's HelmRelease")
        else:
            fail(f"{where} not found: the overlay is not applied yet; fix: sync it in Argo CD / Flux")
        return v
    helm, others = owners(cronjob)
    labels = (cronjob.get("metadata") or {}).get("labels") or {}
    ours = labels.get("app.kubernetes.io/managed-by") == "kaptain-gitops"
    v.facts["cronJobOwner"] = f"helm:{helm}" if helm else ("kaptain-gitops" if ours else None)
    for other in others:
        fail(f"conflict: {where} is also tracked by {other}: two controllers would keep undoing each other; fix: "
             "remove it from that controller's sources (one owner per object)")
    if s.chart_mode:
        if ours:
            fail(f"conflict: {where} is still the standalone CronJob of kaptain-gitops, not Kaptain's; fix: let Argo "
                 "CD / Flux prune the overlay (it renders nothing in kaptain-chart mode), then Kaptain's release "
                 "creates its own (docs/delivery.md, switching modes)")
        elif helm is None:
            fail(f"{where} carries no Helm ownership: it is not Kaptain's chart's CronJob; fix: find its owner, "
                 "delete it, and let Kaptain's release create its own")
        else:
            v.lines.append(f"ok   {where}: owned by Helm release {helm} (Kaptain's chart)")
    elif helm is not None:
        fail(f"conflict: {where} carries Helm ownership (release {helm}): Kaptain's chart also renders it, and the two "
             "owners keep undoing each other; fix: turn Kaptain's own rotation off on this cluster "
             "(ingress.enableSecretRotation: false, rendered into deploy/kommander when gitops.yaml has a kommander "
             "section), or switch the overlay to rotation.mode: kaptain-chart")
    elif ours and not others:
        v.lines.append(f"ok   {where}: ours (app.kubernetes.io/managed-by: kaptain-gitops)")
    elif not ours:
        fail(f"{where} is not the one kaptain-gitops renders (no app.kubernetes.io/managed-by: kaptain-gitops); "
             "fix: delete it and sync the overlay")
    spec = cronjob.get("spec") or {}
    live, suspended = spec.get("schedule"), bool(spec.get("suspend", False))
    if live != s.schedule:
        source = "Kommander has not delivered the cluster's values yet" if s.chart_mode else "the overlay is not synced"
        fail(f"{where} runs {json.dumps(live)}, the settings say {json.dumps(s.schedule)}: {source}")
    elif suspended == s.enable_secret_rotation:
        fail(f"{where} is {'suspended' if suspended else 'active'} but ingress.enableSecretRotation is "
             f"{str(s.enable_secret_rotation).lower()}: not synced yet")
    else:
        zone = spec.get("timeZone") or ("controller's zone, assumed UTC" if s.chart_mode else "controller's zone")
        v.lines.append(f"ok   {where}: schedule {json.dumps(live)} ({zone}){', suspended' if suspended else ''}")
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
    cronjob = _kubectl(["-n", s.namespace, "get", "cronjob", s.cron_job_name], context)
    owner = assess_cronjob(s, cronjob)
    v = assess(s, target, source, workload, now or datetime.now(UTC))
    return Verification(ok=owner.ok and v.ok, lines=[*owner.lines, *v.lines], facts={**owner.facts, **v.facts})


def format_verification(v: Verification, fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"schema": "kaptain-gitops/verify/v1", "ok": v.ok, "checks": v.lines, **v.facts},
                          indent=2) + "\n"
    return "\n".join([*v.lines, "verified: rotation is current" if v.ok else "verification failed"]) + "\n"
