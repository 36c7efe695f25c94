"""Manifest schema validation speed, in process: ``python -m bench.schemas`` (also part of ``python -m bench``).

Measures :meth:`SchemaRegistry.validate` — the whole per-document path ``check`` runs: schema lookup, validation
and, for an invalid document, the wording of every error — per document for the kinds we generate, for
built-in kinds users add under ``resources/`` and for the Argo CD/Flux CRDs; then over every document of a
rendered fleet. Only ``SchemaRegistry(schemas_dir, version).validate(doc)`` is used, so the same file also
measures an older checkout (run it with that checkout first on ``sys.path``) for before/after figures.
Times are CPU seconds of this process (``time.process_time``), so other work on a shared machine does not
inflate them.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]

USER_KINDS: dict[str, dict[str, Any]] = {
    "NetworkPolicy": {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "rotation-egress", "namespace": "kaptain-ingress"},
        "spec": {"podSelector": {"matchLabels": {"app": "rotation"}}, "policyTypes": ["Egress"],
                 "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}], "ports": [{"port": 443, "protocol": "TCP"}]}]},
    },
    "PodDisruptionBudget": {
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": "authservice", "namespace": "kaptain-ingress"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "authservice"}}},
    },
    "Deployment": {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "kaptain-ingress", "labels": {"app": "web"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}],
                                     "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}},
                                     "readinessProbe": {"httpGet": {"path": "/", "port": 80}}}]}}},
    },
}


def broken(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with three errors: an unknown field (under ``spec`` when there is one) and two wrong types."""
    bad = copy.deepcopy(doc)
    node = bad["spec"] if isinstance(bad.get("spec"), dict) else bad
    node["unknwnField"] = 1
    bad["metadata"]["name"] = 7
    bad["metadata"]["labels"] = ["not", "a", "map"]
    return bad


def generated_documents() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in ("configmap.yaml", "cronjob.yaml", "rbac.yaml"):
        for doc in yaml.safe_load_all((REPO / "overlays" / "prod" / name).read_text(encoding="utf-8")):
            if isinstance(doc, dict):
                out.setdefault(doc["kind"], doc)
    return out


def crd_documents() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((REPO / "deploy").rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and doc.get("kind") != "ConfigManagementPlugin":
                out.setdefault(doc["kind"], doc)
    return out


def _registry(version: str) -> Any:
    """``SchemaRegistry(schemas_dir(), version)`` of this checkout (or of a checkout before the package move)."""
    try:
        schemas_module = importlib.import_module("generator.validate.manifest_schemas")
    except ImportError:  # a checkout before the package move (the compiler's "before" figures)
        schemas_module = importlib.import_module("generator.manifest_schemas")
    from generator.resources import schemas_dir

    return schemas_module.SchemaRegistry(schemas_dir(), version)


def _per_call(fn: Callable[[], object], budget: float = 0.4) -> float:
    """Median seconds per call over 5 rounds, each round sized to take about budget/5."""
    fn()
    start = time.process_time()
    fn()
    once = max(time.process_time() - start, 1e-7)
    loops = max(1, int(budget / 5 / once))
    rounds = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(loops):
            fn()
        rounds.append((time.process_time() - start) / loops)
    return statistics.median(rounds)


def per_document(version: str = "1.35") -> list[tuple[str, str, float | None, float | None, float | None, int]]:
    """(group, kind, first call incl. compile, valid, three-error doc, errors reported) per kind; None = no schema."""
    registry = _registry(version)
    rows = []
    groups = [("generated", generated_documents()), ("user (resources/)", USER_KINDS), ("deploy/ (Argo CD, Flux)", crd_documents())]
    for group, docs in groups:
        for kind, doc in docs.items():
            start = time.process_time()
            first = registry.validate(doc)
            first_s = time.process_time() - start
            if first:
                rows.append((group, kind, None, None, None, 0))
                continue
            bad = broken(doc)
            found = registry.validate(bad)
            rows.append((group, kind, first_s, _per_call(lambda d=doc: registry.validate(d)),  # type: ignore[misc]
                         _per_call(lambda d=bad: registry.validate(d)), len(found)))  # type: ignore[misc]
    return rows


def fleet_documents(count: int, seed: int = 1) -> list[dict[str, Any]]:
    """Every document of a rendered fleet of ``count`` overlays (rendered by this checkout's generator)."""
    from bench.fleet import make_fleet

    with tempfile.TemporaryDirectory(prefix="kaptain-bench-schemas-") as tmp:
        root = Path(tmp)
        make_fleet(root, count, seed, 0.0)
        subprocess.run([sys.executable, "-m", "generator", "render", "--root", str(root)], check=True,
                       capture_output=True)
        docs: list[dict[str, Any]] = []
        for path in sorted((root / "overlays").rglob("*.yaml")):
            if path.name in ("settings.yaml", "kustomization.yaml"):
                continue
            docs.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict))
        return docs


def fleet_validation(docs: Sequence[dict[str, Any]], version: str = "1.35") -> tuple[float, float, int]:
    """(seconds to validate every document once with a fresh registry incl. compiling, best of 3 warm runs, invalid)."""
    registry = _registry(version)
    start = time.process_time()
    invalid = sum(1 for d in docs if registry.validate(d))
    cold = time.process_time() - start
    warm = []
    for _ in range(3):
        start = time.process_time()
        for d in docs:
            registry.validate(d)
        warm.append(time.process_time() - start)
    return cold, min(warm), invalid


def _us(x: float | None) -> str:
    return "no schema" if x is None else f"{x * 1e6:.0f} µs" if x < 0.001 else f"{x * 1e3:.2f} ms"


# Recorded once with this script on commit ffe2b81 (the home-made JSON-Schema compiler, schemas for the six
# generated kinds only), 1000 overlays, on the 2-CPU benchmark machine; kept for the before/after comparison.
RECORDED_BEFORE = """\
| kinds | kind | first call (load + compile) | valid document | document with 3 errors | errors reported |
|---|---|---|---|---|---|
| generated | ConfigMap | 724 µs | 7 µs | 34 µs | 3 |
| generated | CronJob | 16.43 ms | 49 µs | 93 µs | 3 |
| generated | ServiceAccount | 1.13 ms | 5 µs | 30 µs | 3 |
| generated | Role | 739 µs | 8 µs | 32 µs | 3 |
| generated | RoleBinding | 1.01 ms | 8 µs | 38 µs | 3 |
| user (resources/) | NetworkPolicy | no schema | no schema | no schema |  |
| user (resources/) | PodDisruptionBudget | no schema | no schema | no schema |  |
| user (resources/) | Deployment | no schema | no schema | no schema |  |
| deploy/ (Argo CD, Flux) | Application | no schema | no schema | no schema |  |
| deploy/ (Argo CD, Flux) | ApplicationSet | no schema | no schema | no schema |  |
| deploy/ (Argo CD, Flux) | Kustomization | no schema | no schema | no schema |  |
| deploy/ (Argo CD, Flux) | GitRepository | no schema | no schema | no schema |  |

Fleet: every document of 1000 rendered overlays (7000 documents), Kubernetes 1.35: 0.239 s with a fresh registry (loading and compiling included), 0.135 s warm (19.3 µs per document); 0 invalid.
"""


def data_sizes() -> list[str]:
    """Size of the shipped schema data: on disk, and deflated as in the wheel (zip) and in Git's objects."""
    import io
    import zipfile

    from generator.resources import schemas_dir

    lines = ["| schema data | files | bytes on disk | deflated (zip, as in the wheel) |", "|---|---|---|---|"]
    for name in ("kubernetes", "crds"):
        files = sorted(p for p in (schemas_dir() / name).rglob("*") if p.is_file())
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.relative_to(schemas_dir()).as_posix())
        raw = sum(p.stat().st_size for p in files)
        lines.append(f"| `schemas/{name}/` | {len(files)} | {raw / 2**20:.2f} MiB | {len(buffer.getvalue()) / 2**20:.2f} MiB |")
    return lines


def report(fleet_overlays: int = 1000) -> list[str]:
    rows = per_document()
    lines = [
        *data_sizes(),
        "",
        "Before (commit ffe2b81, the home-made compiler; recorded once with this script, 1000 overlays):",
        "",
        *RECORDED_BEFORE.splitlines(),
        "",
        "Now (jsonschema-rs; every built-in kind and the shipped CRDs):",
        "",
        "| kinds | kind | first call (load + compile) | valid document | document with 3 errors | errors reported |",
        "|---|---|---|---|---|---|",
    ]
    for group, kind, first, valid, bad, count in rows:
        lines.append(f"| {group} | {kind} | {_us(first)} | {_us(valid)} | {_us(bad)} | {count or ''} |")
    docs = fleet_documents(fleet_overlays)
    cold, warm, invalid = fleet_validation(docs)
    lines += [
        "",
        (f"Fleet: every document of {fleet_overlays} rendered overlays ({len(docs)} documents), Kubernetes 1.35: "
         f"{cold:.3f} s with a fresh registry (loading and compiling included), {warm:.3f} s warm "
         f"({warm / len(docs) * 1e6:.1f} µs per document); {invalid} invalid."),
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--overlays", type=int, default=1000, help="fleet size for the fleet figure (default 1000)")
    args = parser.parse_args(argv)
    print("\n".join(report(args.overlays)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
