"""The CMP plugin stays in its lane: it matches nothing by itself, and only our Applications name it.

Argo CD (2.7–3.5) uses a sidecar plugin for an Application when the Application names it
(``spec.source.plugin.name: <name>-<version>``) and its discovery rule, if any, matches; an Application
that names no plugin is offered to every plugin that *has* a discovery rule. Our plugin file has none, so
another team's directory holding a ``settings.yaml`` is never built by it, and its repository is never sent
to our sidecar. ``argocd.renderAtSync: true`` makes our Applications name the plugin.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.render import delivery as dl
from generator.render import delivery_config as dc
from generator.validate.manifest_schemas import SchemaRegistry
from tests.conftest import run_cli
from tests.test_delivery import registry  # noqa: F401  (the CRD-schema registry fixture, one source of schemas)

REPO_URL = "https://github.com/example/kaptain-gitops-config.git"
OVERLAYS = ["overlays/dev", "overlays/prod", "overlays/team-a/prod"]


def _render(render_at_sync: bool) -> dict[str, Any]:
    cfg = dl.DeliveryConfig(repo_url=REPO_URL, argocd=dl.ArgoCDConfig(render_at_sync=render_at_sync))
    return {f.path: f.documents[0] for f in dl.render_delivery(cfg, OVERLAYS)}


def _applications(files: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for p, d in files.items() if p.startswith(dl.APPLICATIONS_DIR + "/")]


def test_plugin_has_no_discovery_rule_in_either_mode() -> None:
    for mode in (False, True):
        plugin = _render(mode)[dl.PLUGIN_FILE]
        assert "discover" not in plugin["spec"], plugin["spec"]


def test_committed_mode_applications_do_not_name_the_plugin() -> None:
    files = _render(False)
    for app in [*_applications(files), files[dl.APPLICATIONSET_FILE]["spec"]["template"]]:
        assert "plugin" not in app["spec"]["source"]
        assert "annotations" not in app["metadata"]


def test_render_at_sync_applications_name_exactly_this_plugin() -> None:
    files = _render(True)
    plugin = files[dl.PLUGIN_FILE]
    ref = f"{plugin['metadata']['name']}-{plugin['spec']['version']}"  # Argo CD's "<name>-<version>"
    assert ref == "kaptain-gitops-v1"
    targets = [*_applications(files), files[dl.APPLICATIONSET_FILE]["spec"]["template"]]
    assert len(targets) == len(OVERLAYS) + 1
    for app in targets:
        assert app["spec"]["source"]["plugin"] == {"name": ref}
        assert app["metadata"]["annotations"] == {"argocd.argoproj.io/manifest-generate-paths": "."}


def test_render_at_sync_applications_still_equal_the_applicationset_template() -> None:
    files = _render(True)
    template = files[dl.APPLICATIONSET_FILE]["spec"]["template"]
    app = files[f"{dl.APPLICATIONS_DIR}/team-a-prod.yaml"]
    expected = copy.deepcopy(template["spec"])
    expected["source"]["path"] = "overlays/team-a/prod"
    assert app["spec"] == expected
    assert app["metadata"]["annotations"] == template["metadata"]["annotations"]


def test_render_at_sync_objects_validate_against_crd_schemas(registry: SchemaRegistry) -> None:  # noqa: F811
    for path, doc in _render(True).items():
        if path != dl.PLUGIN_FILE:
            assert registry.validate(doc) == [], path


def test_gitops_yaml_selects_render_at_sync() -> None:
    cfg = dc.parse_delivery_config(f"repoURL: {REPO_URL}\nargocd:\n  renderAtSync: true\n".encode(), "gitops.yaml")
    assert cfg.argocd.render_at_sync is True
    assert dc.parse_delivery_config(f"repoURL: {REPO_URL}\n".encode(), "gitops.yaml").argocd.render_at_sync is False
    with pytest.raises(Exception, match="renderAtSync"):
        dc.parse_delivery_config(f"repoURL: {REPO_URL}\nargocd:\n  renderAtSync: 'yes'\n".encode(), "gitops.yaml")


def _generate(directory: Path) -> subprocess.CompletedProcess[str]:
    """The plugin's generate command, run for real the way the sidecar runs it: in the source directory."""
    argv = _render(True)[dl.PLUGIN_FILE]["spec"]["generate"]["command"]
    beside = Path(sys.executable).parent / argv[0]  # this checkout's console script, not another install's
    exe = str(beside) if beside.is_file() else shutil.which(argv[0])
    assert exe is not None, f"{argv[0]} is not installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARGOCD_")}
    return subprocess.run([exe, *argv[1:]], cwd=directory, capture_output=True, text=True, env=env, check=False)


def test_generate_builds_our_overlay(repo: Path) -> None:
    done = _generate(repo / "overlays" / "prod")
    assert done.returncode == 0, done.stderr
    assert "kind: CronJob" in done.stdout


def test_generate_in_a_foreign_directory_with_settings_yaml_fails_loudly(tmp_path: Path) -> None:
    """Were the plugin ever named for someone else's app, it must fail, never print nothing (which would prune)."""
    foreign = tmp_path / "apps" / "billing"
    foreign.mkdir(parents=True)
    (foreign / "settings.yaml").write_text("database:\n  host: db.internal\n  pool: 10\n", encoding="utf-8")
    (foreign / "deployment.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\n", encoding="utf-8")
    done = _generate(foreign)
    assert done.returncode != 0
    assert done.stdout == ""
    assert "settings.yaml" in done.stderr and "Traceback" not in done.stderr


def test_cli_render_at_sync_round_trip(repo: Path) -> None:
    (repo / "gitops.yaml").write_text(f"repoURL: {REPO_URL}\nargocd:\n  renderAtSync: true\n", encoding="utf-8")
    assert run_cli("render", "--root", str(repo)).code == 0
    app = (repo / "deploy/argocd/applications/prod.yaml").read_text(encoding="utf-8")
    assert "name: kaptain-gitops-v1" in app and "manifest-generate-paths" in app
    assert run_cli("check", "--root", str(repo), "--kustomize", "off").code == 0
