"""`pip install .` ships everything the CLI needs: the package, templates, schemas and the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import REPO


def test_wheel_contains_the_data_files_and_the_console_script(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path), str(REPO)], capture_output=True, text=True, check=False,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Deprecat" not in proc.stderr and "deprecat" not in proc.stderr, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("kaptain_gitops-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    data = next(n.split("/share/")[0] for n in names if "/share/kaptain-gitops/" in n)
    expected = [
        "templates/rotate.sh", "templates/cronjob.yaml.j2", "templates/job-template.yaml.j2",
        "templates/argocd/cmp-plugin.yaml.j2", "templates/flux/kustomization.yaml.j2",
        "schemas/settings.schema.json", "schemas/gitops.schema.json",
        "schemas/kubernetes/v1.35.0-standalone-strict/cronjob-batch-v1.json",
        "schemas/kubernetes/v1.30.0-standalone-strict/role-rbac-v1.json",
        "templates/kommander/appdeployment.yaml.j2",
        "schemas/crds/apps.kommander.d2iq.io/appdeployment_v1alpha3.json",
        "schemas/kubernetes/v1.33.0-standalone-strict/networkpolicy-networking-v1.json",
        "schemas/kubernetes/v1.37.0-standalone-strict/_definitions.json",
        "schemas/crds/LICENSE", "schemas/crds/README.md",
        "schemas/crds/argoproj.io/applicationset_v1alpha1.json",
        "schemas/crds/kustomize.toolkit.fluxcd.io/kustomization_v1.json",
        "schemas/crds/source.toolkit.fluxcd.io/gitrepository_v1.json",
    ]
    for rel in expected:
        assert f"{data}/share/kaptain-gitops/{rel}" in names, rel
    shipped = {n.split("/share/kaptain-gitops/", 1)[1] for n in names if "/share/kaptain-gitops/schemas/" in n}
    in_repo = {p.relative_to(REPO).as_posix() for p in (REPO / "schemas").rglob("*") if p.is_file()}
    assert shipped == in_repo  # every schema file, and nothing else
    assert "generator/cli/main.py" in names and "generator/schedule/lint/never_fires.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "kaptain-gitops = generator.cli.launch:entry" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_licence_is_an_spdx_expression_with_a_setuptools_that_reads_it() -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "Apache-2.0"
    assert "setuptools>=77" in project["build-system"]["requires"][0]  # PEP 639 strings need setuptools 77
