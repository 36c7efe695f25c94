"""Shared fixtures: a scratch repository with the example overlays, and a CLI runner."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
