#!/usr/bin/env python3
"""A stateful fake ``kubectl`` for the tests of ``templates/rotate.sh``.

It accepts exactly the command lines that the rotation script runs, and nothing else. Any other
command line, any unknown flag, a flag in another position, or an unexpected patch shape makes it
print ``fake kubectl: unsupported invocation`` and exit 99, so a test fails as soon as the script
changes how it calls kubectl. Accepted command lines (``NS``/``NAME`` are DNS names)::

    kubectl -n NS get secret|pod|statefulset NAME --ignore-not-found -o jsonpath=TEMPLATE
    kubectl -n NS get secret NAME --watch -o name     (only under the fake ``timeout``, see below)
    kubectl -n NS patch secret NAME --type=merge --patch-file=PATH
    kubectl -n NS patch secret NAME --type=merge -p JSON   (at most 4 KiB: metadata only)
    kubectl -n NS delete pod NAME --ignore-not-found --wait=false
    kubectl -n NS rollout restart statefulset/NAME
    kubectl -n NS rollout status statefulset/NAME --timeout=<N>s

``TEMPLATE`` may use only literal text plus ``{.field.path}`` actions (with ``\\.`` escapes) and
``[?(@.field=="value")]`` filters; missing fields print as empty strings, as in kubectl.

State lives in the directory named by ``FAKE_KUBE_STATE``:

* ``objects/<resource>/<namespace>/<name>/object.json``: Secrets, Pods and StatefulSets as JSON.
  A top-level ``fake`` key in an object holds the fake's own bookkeeping and is not API data.
* ``faults.json`` (optional): failure injection and behaviour, see :data:`DEFAULT_FAULTS`.
* ``timeline.json`` (optional): scripted changes for the watch, see :func:`cmd_watch`.
* ``audit.jsonl``: one line per API request, as the API server would see it:
  ``{"verb": ..., "resource": ..., "namespace": ..., "name": ...}`` (list and watch requests also
  carry ``"fieldSelector": "metadata.name=NAME"``: the API server takes the name from that
  selector when it authorises them, so ``resourceNames`` applies). A request is logged when it is
  made, whether or not it then fails. The mapping follows kubectl's own code:

  - ``get secret|pod|statefulset NAME``: get
  - ``get secret NAME --watch``: get (the object, printed first), then watch (field selector)
  - ``patch secret NAME``: get (kubectl fetches the object first), then patch
  - ``delete pod NAME --wait=false``: delete (no wait, so no list/watch)
  - ``rollout restart statefulset/NAME``: get, then patch (pod-template annotation)
  - ``rollout status statefulset/NAME``: get, then list and watch (field selector on the name)

* ``argv.jsonl``: every command line received, including rejected ones; ``patch-files.jsonl``: the
  content of every ``--patch-file`` received.

Time: when ``FAKE_CLOCK`` names a file, it holds the simulated time (epoch seconds); the tests'
``sleep`` and ``date`` read and advance it, and this fake uses it for timestamps, outages and the
watch timeline. Without it, the real clock is used and the watch is unsupported.

What the fake does not model (so the tests cannot catch problems in these areas):

* RBAC: every request is allowed. The audit log tells which accesses a Role must grant; whether
  a Role really grants them is not tested here.
* Concurrency: no other writer exists unless a fault or the watch timeline simulates one.
  resourceVersion is a counter, and a merge patch that carries ``metadata.resourceVersion`` is
  checked against it (409 Conflict). Nothing else about optimistic concurrency is modelled.
* Watches: one session replays the timeline entries due before its deadline, one at a time,
  each after the script has handled the previous line (it waits for the script's heartbeat
  file to change); no bookmarks, no "too old resourceVersion", no relist.
* Pod lifecycle: a deleted pod is replaced at once by its "controller" (a new uid), without a
  graceful-termination period. A terminating old pod can be shown for a few reads
  (``pod_terminating_gets``); readiness is a flag, not the result of real probes.
* StatefulSet controller: no revisions or partitions; ``rollout status`` on an ``OnDelete``
  StatefulSet fails as kubectl does; its pods are replaced only when deleted.
* Admission and validation: no webhooks, no immutable Secrets; a 1 MiB cap on Secret data; no
  field validation beyond base64 data, names and namespaces; no server-side field managers.
* kubectl itself: no kubeconfig, contexts, discovery, retries, request timeouts, output formats
  other than the jsonpath subset and ``-o name``, or exact error-message wording. The verbs per
  command come from reading kubectl's source, not from a live API server's audit log.

Where a real ``kubectl`` binary is on PATH, ``tests/test_rotation_script.py`` checks offline that
it accepts every command line the script runs, and that this fake's jsonpath subset and merge
patch give the same results as kubectl's own code (``kubectl patch --local``) on the script's inputs.
"""

from __future__ import annotations

import binascii
import json
import os
import re
import sys
import time

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time on every call
if TYPE_CHECKING:
    from typing import Any, NoReturn

    StrPath = str | os.PathLike[str]

EXIT_UNSUPPORTED = 99

#: Behaviour knobs stored in ``faults.json``; any key left out takes the value here.
DEFAULT_FAULTS: dict[str, Any] = {
    # "<verb> <resource>" -> how many more requests of that kind fail (counts down to 0).
    # Examples: "delete pods", "patch secrets", "create secrets", "watch statefulsets".
    "fail": {},
    # "<verb> <resource>" -> how many requests of that kind succeed before "fail" starts counting down.
    "fail_after": {},
    # The pod's controller recreates a deleted pod under a new uid.
    "pod_recreate": True,
    # A recreated pod becomes Ready (after pod_ready_after_gets further reads of it).
    "pod_ready": True,
    "pod_ready_after_gets": 0,
    # After a delete, this many reads still return the old, terminating pod (old uid, Ready).
    "pod_terminating_gets": 0,
    # rollout status reports success (False: "timed out waiting for the condition").
    "rollout_ready": True,
    # Before this many secret patches, another writer bumps the resourceVersion.
    "concurrent_writes_before_patch": 0,
    # API outage: every request fails ("connection refused") while the clock is before this.
    "api_down_until": 0,
}

#: The API server's cap on a Secret's data (sum of the decoded values).
SECRET_DATA_LIMIT = 1024 * 1024
#: How long (real seconds) a watch waits for the script to handle a line before giving up.
ACK_TIMEOUT = 30.0

RESOURCE_OF_KIND = {"secret": "secrets", "pod": "pods", "statefulset": "statefulsets"}

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DATA_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_TIMEOUT = re.compile(r"^--timeout=[1-9][0-9]*s$")


class Unsupported(Exception):
    """The command line is not one the script is known to run."""


# --- state helpers (also used by the tests to seed and inspect state) ---------------------------


def state_dir() -> str:
    raw = os.environ.get("FAKE_KUBE_STATE", "")
    if not raw:
        raise Unsupported("FAKE_KUBE_STATE is not set")
    return raw


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _write_text(path: str, text: str) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _append_line(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def object_path(root: StrPath, resource: str, namespace: str, name: str) -> str:
    return os.path.join(root, "objects", resource, namespace, name, "object.json")


def read_object(root: StrPath, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
    path = object_path(root, resource, namespace, name)
    if not os.path.exists(path):
        return None
    obj: dict[str, Any] = json.loads(_read_text(path))
    return obj


def write_object(root: StrPath, resource: str, obj: dict[str, Any]) -> None:
    meta = obj["metadata"]
    path = object_path(root, resource, meta["namespace"], meta["name"])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    _write_text(path, json.dumps(obj, indent=2, sort_keys=True))


def delete_object(root: StrPath, resource: str, namespace: str, name: str) -> None:
    path = object_path(root, resource, namespace, name)
    os.unlink(path)
    os.rmdir(os.path.dirname(path))


def next_resource_version(root: StrPath) -> str:
    counter = os.path.join(root, "resource-version")
    value = int(_read_text(counter)) + 1 if os.path.exists(counter) else 1000
    _write_text(counter, str(value))
    return str(value)


def new_uid() -> str:
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def clock() -> int:
    """The simulated time (``FAKE_CLOCK``), or the real one."""
    path = os.environ.get("FAKE_CLOCK", "")
    if path:
        return int(_read_text(path).strip())
    return int(time.time())


def set_clock(value: int) -> None:
    _write_text(os.environ["FAKE_CLOCK"], f"{value}\n")


def now_rfc3339() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(clock()))


def load_faults(root: StrPath) -> dict[str, Any]:
    path = os.path.join(root, "faults.json")
    faults = dict(DEFAULT_FAULTS)
    if os.path.exists(path):
        faults.update(json.loads(_read_text(path)))
    return faults


def save_faults(root: StrPath, faults: dict[str, Any]) -> None:
    _write_text(os.path.join(root, "faults.json"), json.dumps(faults, indent=2, sort_keys=True))


def make_secret(
    root: StrPath,
    namespace: str,
    name: str,
    data: dict[str, bytes],
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Store a Secret (``data`` values are raw bytes; they are base64-encoded here)."""
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": new_uid(),
            "resourceVersion": next_resource_version(root),
            "creationTimestamp": now_rfc3339(),
            "annotations": dict(annotations or {}),
        },
        "data": {k: binascii.b2a_base64(v, newline=False).decode("ascii") for k, v in data.items()},
    }
    write_object(root, "secrets", obj)
    return obj


def _pod(root: StrPath, namespace: str, name: str, ready: bool) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": new_uid(),
            "resourceVersion": next_resource_version(root),
            "creationTimestamp": now_rfc3339(),
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "PodScheduled", "status": "True"},
                {"type": "Ready", "status": "True" if ready else "False"},
            ],
        },
    }


def make_pod(root: StrPath, namespace: str, name: str, ready: bool = True) -> dict[str, Any]:
    obj = _pod(root, namespace, name, ready)
    write_object(root, "pods", obj)
    return obj


def make_statefulset(
    root: StrPath, namespace: str, name: str, replicas: int = 1, update_strategy: str = "RollingUpdate"
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": new_uid(),
            "resourceVersion": next_resource_version(root),
            "generation": 1,
        },
        "spec": {
            "replicas": replicas,
            "updateStrategy": {"type": update_strategy},
            "template": {"metadata": {"annotations": {}}},
        },
        "status": {"observedGeneration": 1, "replicas": replicas, "readyReplicas": replicas},
        "fake": {"restarts": 0},
    }
    write_object(root, "statefulsets", obj)
    return obj


def read_audit(root: StrPath) -> list[dict[str, str]]:
    path = os.path.join(root, "audit.jsonl")
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in _read_text(path).splitlines() if line.strip()]


# --- jsonpath subset ------------------------------------------------------------------------------

Step = tuple[str, str, str]
Part = str | list[Step]  # literal text, or the steps of one {...} action


_ACTION = re.compile(r"\{([^{}]*)\}")
_FILTER = re.compile(r'^\[\?\(@\.([A-Za-z][A-Za-z0-9]*)=="([^"\\]*)"\)\]')
_FIELD_TERMINATORS = set(" \t\r\n.,[]$@{}")


def _parse_action(expr: str) -> list[Step]:
    """Parse ``.a.b\\.c[?(@.type=="Ready")].d`` into steps; anything else is unsupported."""
    steps: list[Step] = []
    pos = 0
    if not expr.startswith("."):
        raise Unsupported(f"jsonpath action {expr!r}")
    while pos < len(expr):
        rest = expr[pos:]
        match = _FILTER.match(rest)
        if match:
            steps.append(("filter", match.group(1), match.group(2)))
            pos += match.end()
            continue
        if rest[0] != ".":
            raise Unsupported(f"jsonpath action {expr!r}")
        pos += 1
        name = []
        while pos < len(expr) and expr[pos] not in _FIELD_TERMINATORS:
            if expr[pos] == "\\":
                pos += 1
                if pos >= len(expr):
                    raise Unsupported(f"jsonpath action {expr!r}")
            name.append(expr[pos])
            pos += 1
        if not name or "".join(name) == "*":
            raise Unsupported(f"jsonpath action {expr!r}")
        steps.append(("field", "".join(name), ""))
    return steps


def _format(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def parse_jsonpath(template: str) -> list[Part]:
    """Parse a template (done before any request, as kubectl does); raise Unsupported outside the subset."""
    parts: list[Part] = []
    pos = 0
    for match in _ACTION.finditer(template):
        parts.append(template[pos : match.start()])
        parts.append(_parse_action(match.group(1)))
        pos = match.end()
    parts.append(template[pos:])
    if any(isinstance(part, str) and ("{" in part or "}" in part) for part in parts):
        raise Unsupported(f"jsonpath template {template!r}")
    return parts


def render_jsonpath(parts: list[Part], obj: dict[str, Any]) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        nodes: list[Any] = [obj]
        for kind, key, value in part:
            found: list[Any] = []
            for node in nodes:
                if kind == "field" and isinstance(node, dict) and key in node:
                    found.append(node[key])
                elif kind == "filter" and isinstance(node, list):
                    found.extend(item for item in node if isinstance(item, dict) and item.get(key) == value)
            nodes = found
        out.append(" ".join(_format(node) for node in nodes))
    return "".join(out)


# --- API emulation --------------------------------------------------------------------------------


class Api:
    def __init__(self, root: str, namespace: str) -> None:
        self.root = root
        self.namespace = namespace
        self.faults = load_faults(root)

    def request(self, verb: str, resource: str, name: str) -> None:
        """Log one API request, then fail it if a fault says so."""
        entry = {"verb": verb, "resource": resource, "namespace": self.namespace, "name": name}
        if verb in ("list", "watch"):
            entry["fieldSelector"] = f"metadata.name={name}"
        _append_line(os.path.join(self.root, "audit.jsonl"), json.dumps(entry, sort_keys=True))
        if clock() < int(self.faults.get("api_down_until", 0)):
            die(1, "The connection to the server 10.0.0.1:443 was refused - did you specify the right host or port?")
        fail: dict[str, int] = self.faults.setdefault("fail", {})
        key = f"{verb} {resource}"
        spare: dict[str, int] = self.faults.setdefault("fail_after", {})
        if spare.get(key, 0) > 0:
            spare[key] -= 1
            save_faults(self.root, self.faults)
            return
        if fail.get(key, 0) > 0:
            fail[key] -= 1
            save_faults(self.root, self.faults)
            die(1, f'Error from server (InternalError): fake fault injected for {key} "{name}"')

    def get(self, resource: str, name: str) -> dict[str, Any] | None:
        self.request("get", resource, name)
        return read_object(self.root, resource, self.namespace, name)

    def must_get(self, resource: str, name: str) -> dict[str, Any]:
        obj = self.get(resource, name)
        if obj is None:
            die(1, f'Error from server (NotFound): {resource} "{name}" not found')
        return obj


def die(code: int, message: str) -> NoReturn:
    print(message, file=sys.stderr)
    sys.exit(code)


def _check_name(name: str) -> None:
    if not (_DNS_SUBDOMAIN.match(name) and len(name) <= 253):
        raise Unsupported(f"invalid object name {name!r}")


def _check_data(data: Any) -> dict[str, str]:
    if not isinstance(data, dict):
        raise Unsupported("Secret data must be an object")
    for key, value in data.items():
        if not _DATA_KEY.match(key):
            die(
                1,
                f'The Secret is invalid: data[{key}]: Invalid value: "{key}": a valid config key must consist of '
                "alphanumeric characters, '-', '_' or '.'",
            )
        if value is None:
            continue
        if not isinstance(value, str):
            die(1, f"The Secret is invalid: data[{key}] must be a base64 string")
        try:
            binascii.a2b_base64(value.encode("ascii"), strict_mode=True)
        except (binascii.Error, UnicodeEncodeError):
            die(1, f"The Secret is invalid: data[{key}]: illegal base64 data")
    size = sum(len(binascii.a2b_base64(v.encode("ascii"))) for v in data.values() if isinstance(v, str))
    if size > SECRET_DATA_LIMIT:
        die(1, f"The Secret is invalid: data: Too long: must have at most {SECRET_DATA_LIMIT} bytes")
    return data


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def cmd_get(api: Api, kind: str, name: str, template: str) -> None:
    resource = RESOURCE_OF_KIND[kind]
    _check_name(name)
    parts = parse_jsonpath(template)
    obj = api.get(resource, name)
    if obj is None:
        return  # --ignore-not-found: no output, exit 0
    if resource == "pods":
        obj = _pod_read(api, obj)
    sys.stdout.write(render_jsonpath(parts, obj))


def _pod_read(api: Api, pod: dict[str, Any]) -> dict[str, Any]:
    """Apply the fake's pod bookkeeping on a read (terminating old pod, delayed readiness)."""
    fake = pod.get("fake", {})
    if fake.get("terminating_gets", 0) > 0:
        fake["terminating_gets"] -= 1
        write_object(api.root, "pods", pod)
        old: dict[str, Any] = fake["old"]
        return old
    if fake.get("ready_after_gets", 0) > 0:
        shown: dict[str, Any] = json.loads(json.dumps(pod))  # this read still sees the pod not Ready
        fake["ready_after_gets"] -= 1
        if fake["ready_after_gets"] == 0 and fake.get("will_be_ready", True):
            for cond in pod["status"]["conditions"]:
                if cond["type"] == "Ready":
                    cond["status"] = "True"
        write_object(api.root, "pods", pod)
        return shown
    return pod


def cmd_patch_secret(api: Api, name: str, raw_patch: str, from_file: bool = False) -> None:
    _check_name(name)
    if not from_file and len(raw_patch) > 4096:
        raise Unsupported("data must travel in a patch file, not on the command line")
    try:
        patch = json.loads(raw_patch)
    except json.JSONDecodeError as exc:
        raise Unsupported(f"patch is not JSON: {exc}") from exc
    if not isinstance(patch, dict) or not patch or set(patch) - {"metadata", "data"}:
        raise Unsupported(f"unexpected patch shape {sorted(patch) if isinstance(patch, dict) else patch!r}")
    meta_patch = patch.get("metadata", {})
    if not isinstance(meta_patch, dict) or set(meta_patch) - {"annotations", "resourceVersion"}:
        raise Unsupported("unexpected metadata in patch")
    obj = api.must_get("secrets", name)  # kubectl reads the object before patching it
    api.request("patch", "secrets", name)
    if "data" in patch:
        _check_data(merge_patch(obj.get("data", {}), patch["data"]))
    if api.faults.get("concurrent_writes_before_patch", 0) > 0:
        api.faults["concurrent_writes_before_patch"] -= 1
        save_faults(api.root, api.faults)
        obj["metadata"]["resourceVersion"] = next_resource_version(api.root)
        write_object(api.root, "secrets", obj)
    wanted_rv = meta_patch.get("resourceVersion")
    if wanted_rv is not None and wanted_rv != obj["metadata"]["resourceVersion"]:
        die(
            1,
            f'Error from server (Conflict): Operation cannot be fulfilled on secrets "{name}": the object has been '
            "modified; please apply your changes to the latest version and try again",
        )
    patched = merge_patch(obj, patch)
    patched["metadata"]["resourceVersion"] = next_resource_version(api.root)
    for key in ("name", "namespace", "uid", "creationTimestamp"):
        patched["metadata"][key] = obj["metadata"][key]
    write_object(api.root, "secrets", patched)
    print(f"secret/{name} patched")


def cmd_delete_pod(api: Api, name: str) -> None:
    _check_name(name)
    api.request("delete", "pods", name)
    old = read_object(api.root, "pods", api.namespace, name)
    if old is None:
        return  # --ignore-not-found
    delete_object(api.root, "pods", api.namespace, name)
    faults = api.faults
    if faults.get("pod_recreate", True):
        ready_after = int(faults.get("pod_ready_after_gets", 0))
        will_be_ready = bool(faults.get("pod_ready", True))
        new = _pod(api.root, api.namespace, name, ready=will_be_ready and ready_after == 0)
        terminating = dict(old)
        terminating.pop("fake", None)
        terminating["metadata"] = dict(old["metadata"], deletionTimestamp=now_rfc3339())
        new["fake"] = {
            "ready_after_gets": ready_after,
            "will_be_ready": will_be_ready,
            "terminating_gets": int(faults.get("pod_terminating_gets", 0)),
            "old": terminating,
            "replaces_uid": old["metadata"]["uid"],
        }
        write_object(api.root, "pods", new)
    print(f'pod "{name}" deleted')


def cmd_rollout_restart(api: Api, name: str) -> None:
    _check_name(name)
    sts = api.must_get("statefulsets", name)
    api.request("patch", "statefulsets", name)
    annotations = sts["spec"]["template"]["metadata"].setdefault("annotations", {})
    annotations["kubectl.kubernetes.io/restartedAt"] = now_rfc3339()
    sts["metadata"]["generation"] += 1
    sts["metadata"]["resourceVersion"] = next_resource_version(api.root)
    sts.setdefault("fake", {}).setdefault("restarts", 0)
    sts["fake"]["restarts"] += 1
    write_object(api.root, "statefulsets", sts)
    print(f"statefulset.apps/{name} restarted")


def cmd_rollout_status(api: Api, name: str) -> None:
    _check_name(name)
    sts = api.must_get("statefulsets", name)
    if sts["spec"].get("updateStrategy", {}).get("type") == "OnDelete":
        die(1, "error: rollout status is only available for RollingUpdate strategy type")
    api.request("list", "statefulsets", name)  # list with fieldSelector metadata.name=NAME
    api.request("watch", "statefulsets", name)
    if not api.faults.get("rollout_ready", True):
        print("Waiting for 1 pods to be ready...", flush=True)
        die(1, "error: timed out waiting for the condition")
    sts["status"]["observedGeneration"] = sts["metadata"]["generation"]
    write_object(api.root, "statefulsets", sts)
    print(f"partitioned roll out complete: {sts['spec']['replicas']} new pods have been updated...")


# --- the watch ---------------------------------------------------------------------------------------


def load_timeline(root: StrPath) -> dict[str, Any]:
    path = os.path.join(root, "timeline.json")
    if not os.path.exists(path):
        return {"events": [], "stop_at": None}
    timeline: dict[str, Any] = json.loads(_read_text(path))
    return timeline


def save_timeline(root: StrPath, timeline: dict[str, Any]) -> None:
    _write_text(os.path.join(root, "timeline.json"), json.dumps(timeline, indent=2, sort_keys=True))


def _heartbeat() -> str:
    path = os.path.join(os.environ.get("HOME", ""), "rotate.heartbeat")
    try:
        return _read_text(path)
    except OSError:
        return ""


def _wait_for_ack(before: str) -> None:
    """Wait (real time, bounded) until the script has handled the last line: its heartbeat changed."""
    give_up = time.monotonic() + ACK_TIMEOUT
    while time.monotonic() < give_up:
        beat = _heartbeat()
        if beat != before and beat.endswith("\n"):
            return
        time.sleep(0.005)
    die(98, "fake kubectl: the script never handled a watch line (no heartbeat change)")


def _stop(root: str, at: int) -> NoReturn:
    """End of the scripted scenario: freeze at ``at``; the test then kills the process group."""
    set_clock(max(clock(), at))
    _write_text(os.path.join(root, "stopped"), f"{at}\n")
    time.sleep(ACK_TIMEOUT)
    die(97, "fake kubectl: the test did not stop the script")


def _apply(api: Api, name: str, event: dict[str, Any]) -> None:
    action = event["action"]
    if action == "update":
        obj = read_object(api.root, "secrets", api.namespace, name)
        if obj is None:
            raise Unsupported(f"timeline: update of a missing secret {name!r}")
        obj["data"] = merge_patch(obj.get("data", {}), event["data"])
        obj["metadata"]["resourceVersion"] = next_resource_version(api.root)
        write_object(api.root, "secrets", obj)
    elif action == "delete":
        delete_object(api.root, "secrets", api.namespace, name)
    elif action == "create":
        obj = make_secret(api.root, api.namespace, name, {})
        obj["data"] = dict(event["data"])
        write_object(api.root, "secrets", obj)
    else:
        raise Unsupported(f"timeline: unknown action {action!r}")


def cmd_watch(api: Api, name: str) -> None:
    """``get secret NAME --watch -o name`` under the fake ``timeout`` (``FAKE_WATCH_TIMEOUT``).

    Entries of ``timeline.json`` already due when a session starts are applied first (they happened
    while no watch was open). Then it prints ``secret/NAME`` for the object as it is, and replays
    the timeline: each entry ``{"at": EPOCH, "action": ...}`` due before the session's deadline is
    applied when the script has handled the previous line, the clock jumping to ``at`` if it is not
    past it yet. Actions: ``update`` (``data`` merged into the Secret; ``silent``: the event is
    lost, no line), ``create`` (``data``), ``delete`` (each prints one line), ``outage``
    (``until``: every request fails until then; the watch breaks with exit 1) and ``close`` (the
    server ends the watch: exit 0). With no entry left before the deadline, the clock jumps to it
    and the session ends as ``timeout`` would (124).
    ``stop_at``: when the scenario's time is up, the fake writes ``stopped`` and waits for the
    test to kill the script.
    """
    _check_name(name)
    raw_timeout = os.environ.get("FAKE_WATCH_TIMEOUT", "")
    if not raw_timeout.isdigit() or not os.environ.get("FAKE_CLOCK"):
        raise Unsupported("a watch needs the fake clock and the fake timeout")
    timeline = load_timeline(api.root)
    stop_at = timeline.get("stop_at")
    start = clock()
    deadline = start + int(raw_timeout)
    _apply_due(api, name, start)  # what happened while no watch was open
    if stop_at is not None and start >= stop_at:
        _stop(api.root, start)
    obj = api.get("secrets", name)
    if obj is None:
        die(1, f'Error from server (NotFound): secrets "{name}" not found')
    api.request("watch", "secrets", name)
    emit = True  # the object as it is now
    while True:
        if emit:
            before = _heartbeat()
            sys.stdout.write(f"secret/{name}\n")
            sys.stdout.flush()
            _wait_for_ack(before)
        timeline = load_timeline(api.root)
        events: list[dict[str, Any]] = sorted(timeline["events"], key=lambda e: e["at"])
        upcoming = events[0] if events and events[0]["at"] < deadline else None
        if stop_at is not None and (upcoming is None or upcoming["at"] >= stop_at) and deadline > stop_at:
            _stop(api.root, stop_at)
        if upcoming is None:
            set_clock(max(clock(), deadline))
            sys.exit(124)
        set_clock(max(clock(), upcoming["at"]))
        timeline["events"] = events[1:]
        save_timeline(api.root, timeline)
        if upcoming["action"] == "outage":
            api.faults["api_down_until"] = int(upcoming["until"])
            save_faults(api.root, api.faults)
            die(1, "error: an error on the server (\"unable to decode an event from the watch stream\") has prevented "
                "the request from succeeding")
        if upcoming["action"] == "close":
            sys.exit(0)
        _apply(api, name, upcoming)
        emit = not upcoming.get("silent", False)  # silent: the event is lost (only a resync can see it)


def _apply_due(api: Api, name: str, now: int) -> None:
    """Apply the timeline entries due at ``now`` (no watch was open to see them)."""
    timeline = load_timeline(api.root)
    events: list[dict[str, Any]] = sorted(timeline["events"], key=lambda e: e["at"])
    due = [e for e in events if e["at"] <= now]
    if not due:
        return
    timeline["events"] = events[len(due):]
    save_timeline(api.root, timeline)
    for event in due:
        if event["action"] == "outage":
            api.faults["api_down_until"] = int(event["until"])
            save_faults(api.root, api.faults)
        elif event["action"] != "close":
            _apply(api, name, event)


def dispatch(argv: list[str]) -> None:
    if len(argv) < 3 or argv[0] != "-n":
        raise Unsupported("the first arguments must be -n NAMESPACE")
    namespace, rest = argv[1], argv[2:]
    if not _DNS_LABEL.match(namespace):
        raise Unsupported(f"invalid namespace {namespace!r}")
    api = Api(state_dir(), namespace)
    match rest:
        case ["get", ("secret" | "pod" | "statefulset") as kind, name, "--ignore-not-found", "-o", output] if (
            output.startswith("jsonpath=")
        ):
            cmd_get(api, kind, name, output.removeprefix("jsonpath="))
        case ["get", "secret", name, "--watch", "-o", "name"]:
            cmd_watch(api, name)
        case ["patch", "secret", name, "--type=merge", patch_file] if patch_file.startswith("--patch-file="):
            path = patch_file.removeprefix("--patch-file=")
            if not os.path.isabs(path) or not os.path.isfile(path):
                die(1, f"error: unable to read patch file: open {path}: no such file or directory")
            body = _read_text(path)
            _append_line(os.path.join(api.root, "patch-files.jsonl"), json.dumps(body))
            cmd_patch_secret(api, name, body, from_file=True)
        case ["patch", "secret", name, "--type=merge", "-p", raw_patch]:
            cmd_patch_secret(api, name, raw_patch)
        case ["delete", "pod", name, "--ignore-not-found", "--wait=false"]:
            cmd_delete_pod(api, name)
        case ["rollout", "restart", target] if target.startswith("statefulset/"):
            cmd_rollout_restart(api, target.removeprefix("statefulset/"))
        case ["rollout", "status", target, timeout] if target.startswith("statefulset/") and _TIMEOUT.match(timeout):
            cmd_rollout_status(api, target.removeprefix("statefulset/"))
        case _:
            raise Unsupported("command line not recognised")


def main(argv: list[str]) -> int:
    raw_state = os.environ.get("FAKE_KUBE_STATE", "")
    if raw_state:
        _append_line(os.path.join(raw_state, "argv.jsonl"), json.dumps(argv))
    try:
        dispatch(argv)
    except Unsupported as exc:
        print(f"fake kubectl: unsupported invocation ({exc}): kubectl {' '.join(argv)}", file=sys.stderr)
        return EXIT_UNSUPPORTED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
