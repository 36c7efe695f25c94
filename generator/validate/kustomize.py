"""Building overlays: the real ``kubectl kustomize``, and an in-process equivalent for generated-only overlays.

An overlay whose kustomization lists only generator-owned files (no ``patches/``, no ``resources/``)
is a plain concatenation that kustomize merely re-orders (its "legacy" kind order, then group/version/kind,
namespace and name) and prints in kyaml's style. :func:`build_in_process` does exactly that without a
subprocess (:mod:`generator.validate.kyaml` writes the text); the test-suite proves the stream is
byte-identical to the real ``kubectl kustomize`` output. Overlays with user files (``patches/``,
``resources/``, ``jobs/``) are built in process too when :mod:`generator.validate.patch_engine` accepts them
(its proven subset; the differential tests compare its bytes with kubectl's), otherwise by the real kubectl.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Literal

from generator.errors import GeneratorError
from generator.problems import Problem
from generator.render.overlay import KUSTOMIZATION, RenderedFile
from generator.whole_file import write_whole

# kustomize api/resid/gvk.go: the legacy order of kinds (others go between these two lists).
ORDER_FIRST = (
    "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
    "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret",
    "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim",
    "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
)
ORDER_LAST = ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
KUBECTL_TIMEOUT_SECONDS = 120

Mode = Literal["auto", "kubectl", "internal", "off"]


def _order_key(doc: dict[str, Any]) -> tuple[int, str, str]:
    """kustomize's legacy sort: kind rank, then group_version_kind, then ``namespace|name`` compared as ONE
    string (so namespace ``a-b`` sorts before ``a``: ``-`` < ``|``); missing ones are ``~X`` and ``~N``."""
    kind = str(doc.get("kind", ""))
    meta = doc.get("metadata") or {}
    if kind in ORDER_FIRST:
        rank = ORDER_FIRST.index(kind) - len(ORDER_FIRST)
    elif kind in ORDER_LAST:
        rank = 1 + ORDER_LAST.index(kind)
    else:
        rank = 0
    group, _, version = str(doc.get("apiVersion", "")).rpartition("/")
    gvk = f"{group or '~G'}_{version or '~V'}_{kind or '~K'}"
    return rank, gvk, f'{meta.get("namespace") or "~X"}|{meta.get("name") or "~N"}'


def is_generated_only(files: list[RenderedFile]) -> bool:
    """True when the kustomization lists nothing but generator-owned files (no user patches, resources or
    manual Jobs: ``jobs/`` files can be edited by hand, so they go through the patch engine's YAML subset
    like any user file, and to kubectl when outside it)."""
    kust = next((f for f in files if f.path == KUSTOMIZATION), None)
    if kust is None or not kust.documents:
        return False
    spec = kust.documents[0]
    owned = {f.path for f in files}
    resources = spec.get("resources") or []
    return not spec.get("patches") and all(r in owned for r in resources)


def build_in_process(files: list[RenderedFile], jobs: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The documents ``kubectl kustomize`` would print for a generated-only overlay, in its order."""
    docs = [d for f in files if f.path != KUSTOMIZATION for d in f.documents]
    docs.extend(jobs or [])
    seen: set[tuple[str, str, str, str]] = set()
    for d in docs:
        meta = d.get("metadata") or {}
        ident = (str(d.get("apiVersion")), str(d.get("kind")), str(meta.get("namespace", "")), str(meta.get("name")))
        if ident in seen:  # kustomize refuses duplicate resource ids too
            raise GeneratorError(f"two resources with the same id {'/'.join(ident)}", rule="kustomize-failed",
                                 hint="rename one of the manual Jobs or remove the duplicate file")
        seen.add(ident)
    return sorted(docs, key=_order_key)


def in_process_stream(files: list[RenderedFile], jobs: list[dict[str, Any]] | None = None) -> str:
    """The YAML stream of :func:`build_in_process` (what ``build`` prints and kubeconform reads)."""
    from generator.validate.kyaml import dump_all

    return dump_all(build_in_process(files, jobs))


def build_with_user_files(overlay_dir: Path, files: list[RenderedFile]) -> list[dict[str, Any]] | None:
    """The documents ``kubectl kustomize`` prints for an overlay with user files, built in process; None when
    the overlay is outside the engine's proven subset (then only the real kubectl may build it)."""
    from generator.validate import patch_engine

    docs = patch_engine.build(overlay_dir, files)
    return None if docs is None else sort_documents(docs)


def sort_documents(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """kustomize's output order (its legacy sort)."""
    return sorted(docs, key=_order_key)


def in_process_stream_or_none(overlay_dir: Path, files: list[RenderedFile]) -> str | None:
    """``kubectl kustomize``'s exact output built in process (generated-only, or accepted by the patch
    engine); None when only the real kubectl may build this overlay."""
    from generator.validate.kyaml import dump_all

    if is_generated_only(files):
        return in_process_stream(files, manual_jobs_at(overlay_dir))
    docs = build_with_user_files(overlay_dir, files)
    return None if docs is None else dump_all(docs)


def find_kubectl() -> str | None:
    return shutil.which("kubectl")


def build_kubectl(overlay_dir: Path, kubectl: str | None = None) -> str:
    """Run the real ``kubectl kustomize`` and return its YAML; raise GeneratorError on failure."""
    binary = kubectl or find_kubectl()
    if binary is None:
        raise GeneratorError("kubectl is not on PATH, so this overlay cannot be built with kustomize",
                             rule="kubectl-missing", hint="install kubectl, or pass --kustomize internal")
    try:
        proc = subprocess.run([binary, "kustomize", str(overlay_dir)], capture_output=True, text=True,
                              timeout=KUBECTL_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise GeneratorError(f"kubectl kustomize {overlay_dir} took over {KUBECTL_TIMEOUT_SECONDS}s",
                             rule="kustomize-failed", hint="check the overlay for remote bases") from None
    if proc.returncode != 0:
        message = kubectl_error(proc.stderr, overlay_dir) or f"exit code {proc.returncode}"
        raise GeneratorError(f"kubectl kustomize failed: {message}", rule="kustomize-failed",
                             hint="fix the kustomization or the files under patches/ and resources/")
    return proc.stdout


_KLOG_PREFIX = re.compile(r"^[EWIF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [\w.-]+:\d+\] ")
_KLOG_ERR = re.compile(r'\berr="((?:[^"\\]|\\.)*)"')
_KLOG_ERR_BLOCK = re.compile(r"\berr=<\n(.*?)\n\s*>", re.DOTALL)


def _go_unquote(text: str) -> str:
    import json

    try:
        return str(json.loads(f'"{text}"'))
    except ValueError:
        return text.replace('\\"', '"').replace("\\\\", "\\")


def kubectl_error(stderr: str, overlay_dir: Path | None = None) -> str:
    """kubectl's error text without klog noise (``E1201 12:00:00.0 1 run.go:72] "command failed" err="…"`` → …),
    on one line, with the overlay's absolute path removed so paths read overlay-relative."""
    text = stderr.strip()
    block = _KLOG_ERR_BLOCK.search(text)
    quoted = _KLOG_ERR.search(text)
    if block:
        message = " ".join(line.strip() for line in block.group(1).splitlines() if line.strip())
    elif quoted:
        message = _go_unquote(quoted.group(1))
    else:
        lines = [_KLOG_PREFIX.sub("", line).strip() for line in text.splitlines()]
        message = " ".join(line for line in lines if line)
    message = message.removeprefix("error: ").strip()
    if overlay_dir is not None:
        for prefix in {str(overlay_dir), os.path.realpath(overlay_dir)}:
            message = message.replace(prefix + "/", "")
    return " ".join(message.split())


def _fingerprint(overlay_dir: Path, kubectl: str) -> str | None:
    """sha256 of everything a kustomize build of ``overlay_dir`` depends on: the kubectl binary and every file.

    The generated kustomization only lists files inside the overlay, so the directory's contents decide the
    output. Symlinked inputs make it uncacheable (None).
    """
    h = hashlib.sha256()
    real = os.path.realpath(kubectl)
    st = os.stat(real)
    h.update(f"{real}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    for dirpath, dirnames, filenames in os.walk(overlay_dir, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or ".kgtmp-" in name:
                return None
            h.update(path.relative_to(overlay_dir).as_posix().encode() + b"\0")
            h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def build_kubectl_cached(overlay_dir: Path, kubectl: str | None, cache_dir: Path | None) -> str:
    """``build_kubectl`` with a content-addressed cache of successful builds (keyed by :func:`_fingerprint`)."""
    binary = kubectl or find_kubectl()
    if cache_dir is None or binary is None:
        return build_kubectl(overlay_dir, binary)
    key = _fingerprint(overlay_dir, binary)
    if key is None:
        return build_kubectl(overlay_dir, binary)
    entry = cache_dir / f"{key}.yaml"
    try:
        return entry.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    text = build_kubectl(overlay_dir, binary)
    write_whole(str(entry), text.encode("utf-8"))  # a cache that cannot be written only costs speed
    return text


def parse_stream(text: str) -> list[dict[str, Any]]:
    from generator.validate.kyaml import load_all

    return load_all(text)


Plan = Literal["internal", "patched", "kubectl", "kustomize-needed", "off"]


def plan_build(mode: Mode, files: list[RenderedFile],
               overlay_dir: Path | None = None) -> tuple[Plan, list[dict[str, Any]] | None]:
    """How ``check`` builds an overlay: in process only where that is proven identical to kustomize.

    ``internal``: generated-only; ``patched``: with user files, accepted by the patch engine (needs
    ``overlay_dir``); ``kubectl``: the real kustomize (always with ``--kustomize kubectl``). With a ``patched``
    plan come the engine's documents (it built the overlay to decide): :func:`check_build` takes them."""
    if mode == "off":
        return "off", None
    if mode == "kubectl":
        return "kubectl", None
    if is_generated_only(files):
        return "internal", None
    if overlay_dir is not None and (docs := build_with_user_files(overlay_dir, files)) is not None:
        return "patched", docs
    return ("kubectl" if mode == "auto" else "kustomize-needed"), None


def check_build(overlay: Any, files: list[RenderedFile], plan: Plan, kubectl: str | None = None,
                cache_dir: Path | None = None,
                built: list[dict[str, Any]] | None = None) -> tuple[list[Problem], list[dict[str, Any]]]:
    """Build the overlay as planned; returns (problems, documents still to validate: user-shaped output).
    ``built``: the documents :func:`plan_build` returned with a ``patched`` plan."""
    where = f"{overlay.rel}/{KUSTOMIZATION}"
    if plan == "off":
        return [], []
    if plan == "kustomize-needed":
        return [Problem(where, 1, 1, "error", "kustomize-needed",
                        "this overlay's user patches or resources are outside what the in-process build proves "
                        "identical to kustomize; it needs the real kustomize (use --kustomize auto or kubectl)")], []
    if plan == "internal":
        jobs = manual_jobs(overlay)
        try:
            build_in_process(files, jobs)
        except GeneratorError as err:
            return [Problem.from_error(err, where)], []
        return [], jobs
    if plan == "patched":
        docs = built if built is not None else build_with_user_files(overlay.path, files)
        if docs is not None:
            return [], docs
    try:
        return [], parse_stream(build_kubectl_cached(overlay.path, kubectl, cache_dir))
    except GeneratorError as err:
        problem = Problem.from_error(err, where)
        from generator.validate.provenance import locate_message

        found = locate_message(err.message, overlay.path, overlay.rel, files)
        if found:
            problem = Problem(found[0], found[1], found[2], problem.level, problem.rule, problem.message)
        return [problem], []


def manual_jobs(overlay: Any) -> list[dict[str, Any]]:
    return manual_jobs_at(Path(overlay.path))


def manual_jobs_at(overlay_dir: Path) -> list[dict[str, Any]]:
    jobs_dir = overlay_dir / "jobs"
    if not jobs_dir.is_dir():
        return []
    docs: list[dict[str, Any]] = []
    files = [p for p in jobs_dir.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(jobs_dir).parts)]
    for p in sorted(files, key=lambda p: p.relative_to(jobs_dir).as_posix()):
        docs.extend(parse_stream(p.read_text(encoding="utf-8")))
    return docs
