"""render and check keep compiled templates under .kaptain-gitops/templates; output never depends on it."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.render import overlay
from tests.conftest import run_cli


def _texts(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted((root / "overlays").rglob("*.yaml"))}


def test_compiled_templates_are_reused_and_change_nothing(repo: Path) -> None:
    try:
        for name in ("configmap.yaml", "cronjob.yaml"):
            (repo / "overlays" / "prod" / name).unlink()
        assert run_cli("render", "--root", str(repo)).code == 0
        first = _texts(repo)
        cache = repo / ".kaptain-gitops" / "templates"
        entries = sorted(p.name for p in cache.rglob("*.cache"))
        assert len(entries) >= 4  # one per template used (configmap, cronjob, rbac, kustomization, ...)
        (dirs,) = {p.parent for p in cache.rglob("*.cache")}  # one directory, named by versions and options
        assert dirs.parent == cache and len(dirs.name) == 16
        # a second run (fresh environment) loads the compiled code and renders the same bytes
        for name in ("configmap.yaml", "cronjob.yaml"):
            (repo / "overlays" / "prod" / name).unlink()
        assert run_cli("render", "--root", str(repo)).code == 0
        assert _texts(repo) == first
        assert sorted(p.name for p in cache.rglob("*.cache")) == entries
        assert run_cli("check", "--root", str(repo), "--kustomize", "off").code == 0
        # a cache that cannot be written (here: gone, its path a file) only costs speed
        shutil.rmtree(cache)
        cache.write_text("not a directory\n")
        for name in ("configmap.yaml", "cronjob.yaml"):
            (repo / "overlays" / "prod" / name).unlink()
        assert run_cli("render", "--root", str(repo)).code == 0
        assert _texts(repo) == first
    finally:
        overlay.use_template_cache(None)
