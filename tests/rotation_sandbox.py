"""The sandbox in which ``templates/rotate.sh`` runs for its tests: a fake cluster, shells, tools.

``PATH`` holds only a temporary bin directory with the fake kubectl (``tests/fake_kubectl.py``) and
the tools that the script declares (GNU ones, or busybox applets for ``busybox sh`` as in the
alpine/k8s image), plus ``openssl`` unless a test takes it away, so an undeclared tool fails the
tests. With a fake clock, ``date`` and ``sleep`` read and advance a clock file and ``timeout`` hands
its duration to the fake's watch, so timeouts, backoff and resyncs take no real time.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPT = HERE.parent / "templates" / "rotate.sh"
FAKE = HERE / "fake_kubectl.py"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


fake = _load("_rotation_fake_kubectl", FAKE)
calls = _load("_rotation_calls", HERE / "rotation_calls.py")
certs = _load("_rotation_certs", HERE / "certs.py")

#: External tools the script may use besides kubectl (see its header); openssl is optional.
TOOLS = ("awk", "base64", "date", "mkdir", "rm", "sed", "sha256sum", "sleep", "timeout")

ANN_SOURCE = "kaptain-gitops/source-sha256"
ANN_ROTATED = "kaptain-gitops/rotated-at"
ANN_RESTARTED = "kaptain-gitops/restarted-for-sha256"
ANN_LEASE = "kaptain-gitops/restart-started-at"

BASE_ENV: dict[str, str] = {
    "SOURCE_NAMESPACE": "kommander",
    "SOURCE_SECRET": "kommander-traefik-certificate",
    "SOURCE_KEY": "ca.crt",
    "TARGET_NAMESPACE": "kaptain-ingress",
    "TARGET_SECRET": "kubeflow-oidc-ca-bundle",
    "TARGET_KEY": "oidcCABundle.crt",
    "RESTART_KIND": "Pod",
    "RESTART_NAME": "authservice-0",
    "RESTART_TIMEOUT_SECONDS": "2",
    "BUNDLE_MODE": "replace",
    "BUNDLE_MAX_CERTIFICATES": "3",
}
WATCH_ENV = {"WATCH_RESYNC_SECONDS": "300", "WATCH_BACKOFF_MAX_SECONDS": "60"}
STS_ENV = {"RESTART_KIND": "StatefulSet", "RESTART_NAME": "authservice"}
SRC_NS, SRC = BASE_ENV["SOURCE_NAMESPACE"], BASE_ENV["SOURCE_SECRET"]
TGT_NS, TGT = BASE_ENV["TARGET_NAMESPACE"], BASE_ENV["TARGET_SECRET"]
POD, STS = BASE_ENV["RESTART_NAME"], STS_ENV["RESTART_NAME"]

# --- certificates, made now (nothing committed can expire) ------------------------------------------

_SCRATCH = tempfile.TemporaryDirectory(prefix="rotation-certs-")
ISSUER = certs.Issuer(Path(_SCRATCH.name) / "ca")
_old = ISSUER.make("old root")
_new = ISSUER.make("new root")
_intermediate = ISSUER.make("new intermediate", issuer=(_new[1], _new[2]))
CA_OLD: bytes = _old[0]
CA_NEW: bytes = _new[0] + _intermediate[0]
CA_NEW_ROOT: bytes = _new[0]
SHA_OLD = hashlib.sha256(CA_OLD).hexdigest()
SHA_NEW = hashlib.sha256(CA_NEW).hexdigest()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def der_sha(pem_block: bytes) -> str:
    body = b"".join(line for line in pem_block.splitlines() if not line.startswith(b"-----"))
    return hashlib.sha256(base64.b64decode(body)).hexdigest()


def pem_blocks(data: bytes) -> list[bytes]:
    """The CERTIFICATE blocks of ``data``, each with its trailing newline."""
    blocks, current = [], b""
    for line in data.splitlines(keepends=True):
        current += line
        if line.startswith(b"-----END "):
            blocks.append(current)
            current = b""
    return blocks


# --- shells ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shell:
    id: str
    argv: tuple[str, ...]
    busybox: bool


def _find_shells() -> list[Shell]:
    candidates = [
        ("sh", ("sh",), False),
        ("dash", ("dash",), False),
        ("bash-posix", ("bash", "--posix"), False),
        ("busybox-sh", ("busybox", "sh"), True),
    ]
    shells: list[Shell] = []
    seen: set[tuple[str, ...]] = set()
    for ident, argv, is_busybox in candidates:
        exe = shutil.which(argv[0])
        if exe is None:
            continue
        key = (os.path.realpath(exe), *argv[1:])
        if key in seen:
            continue
        seen.add(key)
        shells.append(Shell(ident, (exe, *argv[1:]), is_busybox))
    return shells


ALL_SHELLS = _find_shells()
assert ALL_SHELLS, "no POSIX sh found"
#: The shells that the brief names (sh, dash, busybox sh); bash --posix only runs the cheaper checks.
SHELLS = [s for s in ALL_SHELLS if s.id != "bash-posix"]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


_RUN_FAKE = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); import fake_kubectl; sys.exit(fake_kubectl.main(sys.argv[1:]))"
)


def _write_executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def placeholders(env: Mapping[str, str], entry: Mapping[str, str]) -> Any:
    """An audit entry with its namespace and name mapped back to rotation_calls placeholders."""
    namespaces = {env["SOURCE_NAMESPACE"]: "SOURCE_NAMESPACE", env["TARGET_NAMESPACE"]: "TARGET_NAMESPACE"}
    names = {
        env["SOURCE_SECRET"]: "SOURCE_SECRET",
        env["TARGET_SECRET"]: "TARGET_SECRET",
        env["RESTART_NAME"]: "RESTART_NAME",
        env["RESTART_NAME"] + "-0": "RESTART_NAME-0",
    }
    assert len(namespaces) == 2 and len(names) == 4, "test values must be distinct"
    if entry["verb"] in ("list", "watch"):
        assert entry.get("fieldSelector") == f"metadata.name={entry['name']}", entry
    return calls.Access(namespaces[entry["namespace"]], entry["verb"], entry["resource"], names[entry["name"]])


class Cluster:
    """A fake cluster (state directory) plus a sandboxed PATH to run the script in.

    With ``fake_clock``, ``date`` reads a clock file and ``sleep N`` advances it instead of
    sleeping, and ``timeout`` passes its duration to the fake watch; so timeouts, backoff and
    resyncs are tested exactly and at once. Without ``openssl``, the script runs as in an image
    that lacks it.
    """

    def __init__(
        self, tmp: Path, shell: Shell, pycache: Path, fake_clock: bool = False, openssl: bool = True
    ) -> None:
        self.shell = shell
        self.fake_clock = fake_clock
        self.root = tmp / "state"
        self.root.mkdir()
        self.bin = tmp / "bin"
        self.bin.mkdir()
        self.home = tmp / "home"
        self.home.mkdir()
        self.clock = tmp / "clock"
        q = shlex.quote
        python = f"{q(sys.executable)} -S -X pycache_prefix={q(str(pycache))}"
        _write_executable(self.bin / "kubectl", f'#!/bin/sh\nexec {python} -c {q(_RUN_FAKE)} {q(str(HERE))} "$@"\n')
        for tool in TOOLS:
            source = shutil.which("busybox") if shell.busybox else shutil.which(tool)
            assert source is not None, f"{tool} not found"
            if not (fake_clock and tool in ("date", "sleep", "timeout")):
                (self.bin / tool).symlink_to(source)
        if openssl:
            (self.bin / "openssl").symlink_to(certs.openssl())
        if fake_clock:
            real_date = shutil.which("date")
            assert real_date is not None
            self.clock.write_text(f"{int(time.time())}\n")
            clock = q(str(self.clock))
            _write_executable(
                self.bin / "date",
                f'#!/bin/sh\nread -r now <{clock}\nif [ "$*" = +%s ]; then echo "$now"; exit 0; fi\n'
                f'if [ "$1" = -u ]; then exec {q(real_date)} -u -d "@$now" "$2"; fi\nexit 99\n',
            )
            _write_executable(self.bin / "sleep", f'#!/bin/sh\nread -r now <{clock}; echo "$((now + $1))" >{clock}\n')
            _write_executable(
                self.bin / "timeout", '#!/bin/sh\nFAKE_WATCH_TIMEOUT=$1\nexport FAKE_WATCH_TIMEOUT\nshift\nexec "$@"\n'
            )

    def clock_now(self) -> int:
        return int(self.clock.read_text())

    # seeding
    def add_secret(
        self, ns: str, name: str, data: Mapping[str, bytes], annotations: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        obj: dict[str, Any] = fake.make_secret(self.root, ns, name, dict(data), dict(annotations or {}))
        return obj

    def add_pod(self, name: str = POD, ready: bool = True) -> dict[str, Any]:
        obj: dict[str, Any] = fake.make_pod(self.root, TGT_NS, name, ready)
        return obj

    def add_statefulset(self, name: str = STS, update_strategy: str = "RollingUpdate") -> dict[str, Any]:
        obj: dict[str, Any] = fake.make_statefulset(self.root, TGT_NS, name, update_strategy=update_strategy)
        return obj

    def faults(self, **knobs: Any) -> None:
        fake.save_faults(self.root, knobs)

    def timeline(self, events: list[dict[str, Any]], stop_at: int) -> None:
        fake.save_timeline(self.root, {"events": events, "stop_at": stop_at})

    def standard(
        self, *, target: bytes | None = CA_OLD, annotations: Mapping[str, str] | None = None, source: bytes = CA_NEW
    ) -> None:
        """Source holds ``source``; target (unless None) holds ``target`` plus an unrelated key; pod and sts exist."""
        self.add_secret(SRC_NS, SRC, {"ca.crt": source, "tls.crt": b"leaf", "tls.key": b"key"})
        if target is not None:
            self.add_secret(TGT_NS, TGT, {"oidcCABundle.crt": target, "keep.me": b"untouched"}, annotations)
        self.add_pod()
        self.add_statefulset()

    # inspection
    def secret(self, ns: str = TGT_NS, name: str = TGT) -> dict[str, Any] | None:
        obj: dict[str, Any] | None = fake.read_object(self.root, "secrets", ns, name)
        return obj

    def target(self) -> dict[str, Any]:
        obj = self.secret()
        assert obj is not None
        return obj

    def target_bytes(self, key: str = "oidcCABundle.crt") -> bytes:
        return base64.b64decode(self.target()["data"][key])

    def pod(self, name: str = POD) -> dict[str, Any] | None:
        obj: dict[str, Any] | None = fake.read_object(self.root, "pods", TGT_NS, name)
        return obj

    def pod_uid(self, name: str = POD) -> str:
        pod = self.pod(name)
        assert pod is not None
        uid: str = pod["metadata"]["uid"]
        return uid

    def statefulset(self, name: str = STS) -> dict[str, Any]:
        obj: dict[str, Any] | None = fake.read_object(self.root, "statefulsets", TGT_NS, name)
        assert obj is not None
        return obj

    def audit(self) -> list[dict[str, str]]:
        entries: list[dict[str, str]] = fake.read_audit(self.root)
        return entries

    def count(self, verb: str, resource: str) -> int:
        return sum(1 for e in self.audit() if e["verb"] == verb and e["resource"] == resource)

    def reset_audit(self) -> None:
        (self.root / "audit.jsonl").unlink(missing_ok=True)

    def objects_snapshot(self) -> dict[str, bytes]:
        objects = self.root / "objects"
        return {str(p.relative_to(objects)): p.read_bytes() for p in sorted(objects.rglob("*.json"))}

    # running
    def _env(self, merged: Mapping[str, str | None]) -> dict[str, str]:
        proc_env = {"PATH": str(self.bin), "HOME": str(self.home), "FAKE_KUBE_STATE": str(self.root)}
        if self.fake_clock:
            proc_env["FAKE_CLOCK"] = str(self.clock)
        proc_env.update({k: v for k, v in merged.items() if v is not None})
        return proc_env

    def _check_accesses(self, merged: Mapping[str, str | None], since: int, trigger: str) -> None:
        new_accesses = self.audit()[since:]
        if new_accesses:
            config = {k: v for k, v in merged.items() if v is not None}
            allowed = calls.accesses_for(config, trigger)
            made = {placeholders(config, entry) for entry in new_accesses}
            assert made <= allowed, f"accesses missing from rotation_calls: {made - allowed}"

    def run(
        self, env: Mapping[str, str | None] | None = None, /, mode: str | None = None, **overrides: str | None
    ) -> Result:
        """Run the script once (or in ``mode``); then check that its API accesses are listed in rotation_calls."""
        merged: dict[str, str | None] = {**BASE_ENV, **(env or {}), **overrides}
        audited_before = len(self.audit())
        proc = subprocess.run(
            [*self.shell.argv, str(SCRIPT), *([mode] if mode else [])],
            env=self._env(merged),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=self.home,
        )
        self._check_accesses(merged, audited_before, "watch" if mode == "watch" else "schedule")
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def run_watch(self, env: Mapping[str, str | None] | None = None, /, **overrides: str | None) -> Result:
        """Run ``rotate.sh watch`` until the timeline's ``stop_at``; then stop it (its own process group)."""
        assert self.fake_clock and (self.root / "timeline.json").exists()
        merged: dict[str, str | None] = {**BASE_ENV, **WATCH_ENV, **(env or {}), **overrides}
        out, err = self.home.parent / "watch.out", self.home.parent / "watch.err"
        with out.open("w") as stdout, err.open("w") as stderr:
            proc = subprocess.Popen(
                [*self.shell.argv, str(SCRIPT), "watch"],
                env=self._env(merged),
                stdout=stdout,
                stderr=stderr,
                cwd=self.home,
                start_new_session=True,
            )
            give_up = time.monotonic() + 60
            try:
                while not (self.root / "stopped").exists() and proc.poll() is None:
                    assert time.monotonic() < give_up, "the watch scenario did not reach stop_at in time"
                    time.sleep(0.01)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
        self._check_accesses(merged, 0, "watch")
        return Result(proc.returncode, out.read_text(), err.read_text())
