"""Fake-cluster fixtures shared by the rotation-script test modules (registered in conftest via pytest_plugins)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rotation_sandbox import ALL_SHELLS, SHELLS, Cluster


@pytest.fixture(scope="session")
def pycache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bytecode cache for the fake (it starts for every kubectl call; compiling it each time is slow)."""
    return tmp_path_factory.mktemp("fake-kubectl-pycache")


@pytest.fixture(params=SHELLS, ids=[s.id for s in SHELLS])
def cluster(request: pytest.FixtureRequest, tmp_path: Path, pycache: Path) -> Cluster:
    """A fresh fake cluster; the test runs once per shell in SHELLS."""
    return Cluster(tmp_path, request.param, pycache)


@pytest.fixture(params=ALL_SHELLS, ids=[s.id for s in ALL_SHELLS])
def any_cluster(request: pytest.FixtureRequest, tmp_path: Path, pycache: Path) -> Cluster:
    """A fresh fake cluster; the test runs once per shell found, bash --posix included."""
    return Cluster(tmp_path, request.param, pycache)


@pytest.fixture
def cl(tmp_path: Path, pycache: Path) -> Cluster:
    """A fresh fake cluster under the default ``sh`` only (for the narrower cases)."""
    return Cluster(tmp_path, SHELLS[0], pycache)
