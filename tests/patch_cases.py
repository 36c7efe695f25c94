"""The differential test's harness: overlay cases (real renders + user files) built by the patch engine and by
ONE ``kubectl kustomize`` run for the whole batch.

A batch is a parent kustomization whose ``resources:`` lists every case directory. Each case renames the
rendered overlay's namespaces and names (``kaptain-ingress`` → ``kpe-c0007``, ``kommander`` →
``kpe-c0007-src``), so ids never clash and every printed object carries its case's token; kubectl's stream is
split per case by that token. kustomize sorts the whole batch with the same key it sorts one case with
(kind rank, group/version/kind, namespace, name), so each case's objects keep their relative order; a slow
test checks that on cases built alone.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.pipeline.fleet import plan_overlay
from generator.pipeline.records import Options
from generator.render.overlay import KUSTOMIZATION, RenderedFile
from generator.validate import kyaml
from generator.validate.kustomize import build_with_user_files as build
from generator.write.discovery import discover
from tests.conftest import REPO, require_kubectl

TOKEN = re.compile(r"kpe-c(\d{4})")


@dataclass
class Case:
    """One overlay: a rendered base, user resources and patches (texts use the base's real names)."""

    base: str
    resources: list[tuple[str, str]] = field(default_factory=list)  # (overlay-relative path, text)
    patches: list[tuple[str, str, dict[str, str] | None]] = field(default_factory=list)  # (path, text, target)
    keep_configmap: bool = False  # the 33 KB script ConfigMap: only where a case touches it (speed)

    def describe(self) -> str:
        parts = [f"base {self.base}"]
        parts += [f"--- {p} ---\n{t}" for p, t in self.resources]
        parts += [f"--- {p} (target {tg}) ---\n{t}" for p, t, tg in self.patches]
        return "\n".join(parts)


_BASES: dict[str, list[RenderedFile]] = {}


def bases() -> dict[str, list[RenderedFile]]:
    """Generated files of real overlays (the repository's and the golden ones) that render a CronJob."""
    if not _BASES:
        roots = [REPO, *sorted(p for p in (REPO / "tests" / "golden").iterdir() if p.is_dir())]
        for root in roots:
            for o in discover(root):
                report = plan_overlay(o, Options(root=root), None)
                files = [f for f in report.files if f.path in ("configmap.yaml", "cronjob.yaml", "rbac.yaml")]
                if len(files) == 3 and "kaptain-ingress" in files[1].text:
                    _BASES[f"{root.name}:{o.rel}"] = files
    return _BASES


def _rename(text: str, index: int) -> str:
    token = f"kpe-c{index:04d}"
    return text.replace("kaptain-ingress", token).replace("kommander", f"{token}-src")


def materialize(case: Case, index: int, directory: Path) -> list[RenderedFile]:
    """Write the case's overlay into ``directory``; returns the files the engine is given (generated + kust)."""
    directory.mkdir(parents=True)
    files = []
    for f in bases()[case.base]:
        if f.path == "configmap.yaml" and not case.keep_configmap:
            continue
        text = _rename(f.text, index)
        (directory / f.path).write_text(text, encoding="utf-8")
        files.append(RenderedFile(f.path, text, tuple(kyaml.load_all(text))))
    for path, text in [*case.resources, *((p, t) for p, t, _ in case.patches)]:
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
        (directory / path).write_text(_rename(text, index), encoding="utf-8")
    patches = []
    for path, _, target in case.patches:
        entry: dict[str, Any] = {"path": path}
        if target:
            entry["target"] = {k: _rename(v, index) for k, v in target.items()}
        patches.append(entry)
    spec: dict[str, Any] = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                            "resources": [f.path for f in files] + [p for p, _ in case.resources]}
    if patches:
        spec["patches"] = patches
    text = yaml.safe_dump(spec, sort_keys=False)
    (directory / KUSTOMIZATION).write_text(text, encoding="utf-8")
    return [*files, RenderedFile(KUSTOMIZATION, text, (spec,))]


@dataclass
class Outcome:
    cases: int = 0
    accepted: int = 0
    kubectl_runs: int = 0
    mismatches: list[str] = field(default_factory=list)


def _kubectl(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_kubectl(), "kustomize", str(directory)], capture_output=True, text=True,
                          check=False, timeout=600)


def split_stream(text: str) -> dict[int, str]:
    """kubectl's stream for a batch → each case's own stream (documents in kubectl's order)."""
    chunks: dict[int, list[str]] = {}
    parts = text.split("\n---\n") if text else []
    for i, chunk in enumerate(parts):
        match = TOKEN.search(chunk)
        assert match, f"an object without a case token:\n{chunk[:300]}"
        # the separator took each document's last line break (all but the stream's last document)
        chunks.setdefault(int(match.group(1)), []).append(chunk if i == len(parts) - 1 else chunk + "\n")
    return {i: "---\n".join(parts) for i, parts in chunks.items()}


def run_batch(cases: list[Case], workdir: Path, outcome: Outcome) -> None:
    """Engine on every case; ONE kubectl run on the accepted ones; every accepted case must match bytes."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    engine: dict[int, str] = {}
    for index, case in enumerate(cases):
        directory = workdir / f"c{index:04d}"
        files = materialize(case, index, directory)
        outcome.cases += 1
        docs = build(directory, files)
        if docs is None:
            shutil.rmtree(directory)
            continue
        engine[index] = kyaml.dump_all(docs)
    outcome.accepted += len(engine)
    if not engine:
        return
    _compare(cases, workdir, engine, outcome)


def _compare(cases: list[Case], workdir: Path, engine: dict[int, str], outcome: Outcome) -> None:
    parent = workdir / KUSTOMIZATION
    parent.write_text("resources:\n" + "".join(f"- c{i:04d}\n" for i in sorted(engine)), encoding="utf-8")
    proc = _kubectl(workdir)
    outcome.kubectl_runs += 1
    if proc.returncode != 0:
        if len(engine) == 1:
            index = next(iter(engine))
            outcome.mismatches.append(f"case {index}: accepted in process, but kubectl fails: "
                                      f"{proc.stderr.strip()[-600:]}\n{cases[index].describe()}")
            return
        keys = sorted(engine)
        for half in (keys[: len(keys) // 2], keys[len(keys) // 2:]):  # find the case kubectl refuses
            _compare(cases, workdir, {i: engine[i] for i in half}, outcome)
        return
    printed = split_stream(proc.stdout)
    for index, text in engine.items():
        if printed.get(index, "") != text:
            import difflib

            diff = "".join(difflib.unified_diff(printed.get(index, "").splitlines(True), text.splitlines(True),
                                                "kubectl", "engine", n=2))
            outcome.mismatches.append(f"case {index}: output differs\n{diff}\n{cases[index].describe()}")
