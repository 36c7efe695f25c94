"""Shared fixtures: a scratch repository with the example overlays, and a CLI runner."""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from generator.cli.main import main

pytest_plugins = ["tests.rotation_fixtures"]  # the fake-cluster fixtures of the rotation-script tests

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> Callable[..., Result]:
    return run_cli


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the repository's example overlays (settings, user patches and rendered files)."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "overlays", root / "overlays")
    return root


def require_kubectl() -> str:
    """kubectl's path; under CI=true a missing kubectl fails the test instead of skipping it."""
    path = shutil.which("kubectl")
    if path is None:
        if IN_CI:
            pytest.fail("kubectl is required in CI (tests build overlays with the real kubectl kustomize)")
        pytest.skip("kubectl not on PATH")
    return path


@pytest.fixture
def kubectl_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real kubectl behind a wrapper first on PATH that logs each call's arguments, a line per call, to the
    returned file (which exists only once kubectl has run)."""
    real = require_kubectl()
    log = tmp_path / "calls.log"
    wrapper = tmp_path / "bin" / "kubectl"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}:{os.environ['PATH']}")
    return log


def after_a_tick(root: Path) -> None:
    """Wait until the file-system clock has moved past every ctime below ``root``, so that the next change gives what
    it changes a new ctime (outside a test only files and folders older than two seconds are trusted by the stat
    memos, so it always has)."""
    newest = max(os.lstat(p).st_ctime_ns for p in [root, *root.rglob("*")])
    probe = root.parent / f"{root.name}-tick-probe"
    for _ in range(2000):
        probe.write_bytes(b"x")
        if os.lstat(probe).st_ctime_ns > newest:
            return
        time.sleep(0.001)
    raise AssertionError("the file-system clock did not move")


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` (not a package) imported as the module ``name``, once per process."""
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module
