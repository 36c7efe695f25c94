"""The deploy/ check cache (generator.pipeline.deploy_cache): a hit reports exactly what a full check reports, and
every input it depends on changes the digest, so a changed input always means a full check of deploy/."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.pipeline import deliver, deploy_cache, fingerprint
from generator.pipeline.records import Options
from generator.resources import schemas_dir, templates_dir
from generator.write import discovery, transaction
from tests.conftest import REPO, run_cli

CHECK = ("check", "--kustomize", "off", "--kubeconform", "off")


def _without_kommander(text: str) -> str:
    return text.split("\nkommander:")[0] + "\n"


@pytest.fixture
def gitops(repo: Path) -> Path:
    (repo / "gitops.yaml").write_text(_without_kommander((REPO / "gitops.yaml").read_text(encoding="utf-8")),
                                      encoding="utf-8")
    assert run_cli("render", "--root", str(repo)).code == 0
    return repo


def _entries(root: Path) -> list[str]:
    folder = root / ".kaptain-gitops" / "cache" / "check" / "deploy"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _digest(root: Path, **options: object) -> str | None:
    tree = discovery.scan(root, is_temporary=transaction.is_temporary)
    digest = deploy_cache.digest(Options(root=root, **options), tree)  # type: ignore[arg-type]
    return digest.key if digest is not None else None


def _count_plans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = deliver.plan_delivery  # fleet imports it where it is used (start-up, #16)

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(deliver, "plan_delivery", counting)
    return calls


def test_a_hit_reports_exactly_what_the_full_check_reported(gitops: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_plans(monkeypatch)
    runs = [run_cli(*CHECK, "--root", str(gitops), *fmt) for fmt in ([], ["--format", "json"])]
    assert len(calls) == 1 and len(_entries(gitops)) == 1  # the first run checked deploy/ and recorded it
    again = [run_cli(*CHECK, "--root", str(gitops), *fmt) for fmt in ([], ["--format", "json"])]
    assert len(calls) == 1  # ... the others reused it
    assert [(r.code, r.out, r.err) for r in again] == [(r.code, r.out, r.err) for r in runs]
    assert runs[0].code == 0 and "deploy/ up to date" in runs[0].out
    assert json.loads(runs[1].out)["deploy"]["status"] == "up-to-date"
    one = run_cli(*CHECK, "--root", str(gitops), "overlays/dev")
    assert one.code == 0 and len(calls) == 1


def test_a_hand_edit_of_deploy_after_a_clean_check_is_still_found(gitops: Path) -> None:
    assert run_cli(*CHECK, "--root", str(gitops)).code == 0
    _edit(gitops / "deploy/flux/dev.yaml", 'interval: "10m"', 'interval: "11m"')
    result = run_cli(*CHECK, "--root", str(gitops))
    assert result.code == 1 and "deploy/flux/dev.yaml" in result.out
    assert len(_entries(gitops)) == 1  # the failure was not recorded


def test_failures_are_never_recorded(gitops: Path) -> None:
    (gitops / "deploy/flux/dev.yaml").unlink()
    assert run_cli(*CHECK, "--root", str(gitops)).code == 1
    assert _entries(gitops) == []


def test_no_cache_and_kubeconform_runs_do_not_use_it(gitops: Path) -> None:
    assert run_cli(*CHECK, "--root", str(gitops), "--no-cache").code == 0
    assert _entries(gitops) == []
    assert _digest(gitops, keep_files=True) is None and _digest(gitops, cache=False) is None
    assert _digest(gitops) is not None


CHART = 'ingress:\n  enableSecretRotation: true\n  secretRotationSchedule: "0 */6 * * *"\nrotation:\n  mode: kaptain-chart\n'


@pytest.mark.parametrize("kommander", [True, False])
def test_kommander_and_chart_notices_are_reported_as_by_a_full_check(repo: Path, kommander: bool,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    text = (REPO / "gitops.yaml").read_text(encoding="utf-8")
    (repo / "gitops.yaml").write_text(text if kommander else _without_kommander(text), encoding="utf-8")
    (repo / "overlays/chart").mkdir()
    (repo / "overlays/chart/settings.yaml").write_text(CHART, encoding="utf-8")
    assert run_cli("render", "--root", str(repo)).code == 0
    calls = _count_plans(monkeypatch)
    first = run_cli(*CHECK, "--root", str(repo))
    second = run_cli(*CHECK, "--root", str(repo))
    assert (first.code, first.out, first.err) == (second.code, second.out, second.err)
    assert first.code == 0 and len(calls) == 1 and len(_entries(repo)) == 1
    assert ("kaptain-chart" in first.out) is not kommander  # the notice only without deploy/kommander
    if kommander:  # deploy/kommander reads every overlay's settings: a change there is a miss
        before = _digest(repo)
        _edit(repo / "overlays/prod/settings.yaml", "\n", "\n# a comment\n")
        assert _digest(repo) not in (before, None)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


REPO_CHANGES: dict[str, Callable[[Path], None]] = {
    "gitops.yaml": lambda r: _edit(r / "gitops.yaml", "interval: 10m", "interval: 11m"),
    "a deploy/ file": lambda r: _edit(r / "deploy/flux/dev.yaml", 'interval: "10m"', 'interval: "11m"'),
    "a new deploy/ file": lambda r: (r / "deploy/flux/extra.yaml").write_text("x: 1\n", encoding="utf-8"),
    "a removed deploy/ file": lambda r: (r / "deploy/flux/dev.yaml").unlink(),
    "a new overlay": lambda r: shutil.copytree(r / "overlays/dev", r / "overlays/qa"),
    "a removed overlay": lambda r: (r / "overlays/dev/settings.yaml").unlink(),
    "a settings file in a hidden folder": lambda r: _copy(r / "overlays/dev", r / "overlays/.old/dev") and None,
    "a settings file inside an overlay": lambda r: _copy(r / "overlays/dev", r / "overlays/prod/old") and None,
}


def test_without_kommander_a_schedule_change_keeps_the_digest(gitops: Path) -> None:
    before = _digest(gitops)
    _edit(gitops / "overlays/prod/settings.yaml", "\n", "\n# a comment\n")
    assert _digest(gitops) == before  # Argo CD and Flux objects do not depend on settings: a pull request hits


def test_with_kommander_the_time_zone_database_changes_the_digest(repo: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import zoneinfo

    shutil.copy(REPO / "gitops.yaml", repo / "gitops.yaml")
    zones = tmp_path / "zones"
    (zones / "Etc").mkdir(parents=True)
    (zones / "Etc" / "UTC").write_bytes(b"TZif")
    monkeypatch.setattr(zoneinfo, "TZPATH", (str(zones),))
    before = _digest(repo)
    os.utime(zones / "Etc" / "UTC", ns=(1, 1))
    assert _digest(repo) not in (before, None)


@pytest.mark.parametrize("change", sorted(REPO_CHANGES))
def test_every_repository_input_changes_the_digest(gitops: Path, change: str) -> None:
    before = _digest(gitops)
    assert before is not None
    REPO_CHANGES[change](gitops)
    assert _digest(gitops) not in (before, None)


def test_every_option_changes_the_digest(gitops: Path, tmp_path: Path) -> None:
    crds = _copy(schemas_dir() / "crds", tmp_path / "crds")
    digests = {
        "plain": _digest(gitops),
        "kubernetes version": _digest(gitops, kubernetes_version="1.33"),
        "skip": _digest(gitops, skip=frozenset({"ConfigMap"})),
        "strict": _digest(gitops, strict=True),
        "crd folder": _digest(gitops, crd_location=str(crds)),
    }
    assert None not in digests.values() and len(set(digests.values())) == len(digests)
    _edit(next(crds.rglob("*.json")), '"', '" ')
    assert _digest(gitops, crd_location=str(crds)) not in digests.values()


def test_the_tool_schemas_templates_and_libraries_change_the_digest(gitops: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    package = _copy(Path(fingerprint.PACKAGE_DIR), tmp_path / "generator")
    templates = _copy(templates_dir(), tmp_path / "templates")
    schemas = _copy(schemas_dir(), tmp_path / "schemas")
    library = tmp_path / "lib" / "kaptainfake"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", package)
    monkeypatch.setattr(fingerprint, "templates_dir", lambda: templates)
    monkeypatch.setattr(fingerprint, "LIBRARIES", (*fingerprint.LIBRARIES, "kaptainfake"))
    seen = {_digest(gitops, schema_root=schemas)}
    for change in (
        lambda: _edit(package / "pipeline" / "deliver.py", '"""', '""" '),
        lambda: (package / "render" / "new.py").write_text("", encoding="utf-8"),
        lambda: _edit(templates / "flux" / "kustomization.yaml.j2", "\n", "\n\n"),
        lambda: _edit(schemas / "gitops.schema.json", '"', '" '),
        lambda: _edit(next((schemas / "crds").rglob("*.json")), '"', '" '),
        lambda: _edit(schemas / "kubernetes" / "v1.35.0-standalone-strict" / "configmap-v1.json", '"', '" '),
        lambda: os.utime(library / "__init__.py", ns=(1, 1)),
    ):
        change()
        now = _digest(gitops, schema_root=schemas)
        assert now is not None and now not in seen
        seen.add(now)
    assert sys.modules.get("kaptainfake") is None  # fingerprinted without importing it


def test_a_symlink_among_the_inputs_skips_the_cache(gitops: Path) -> None:
    (gitops / "deploy/flux/link.yaml").symlink_to(gitops / "deploy/flux/dev.yaml")
    assert _digest(gitops) is None


def test_constants_agree() -> None:
    assert deploy_cache.CONFIG_FILE == deliver.CONFIG_FILE and deploy_cache.DEPLOY_DIR == transaction.DEPLOY_DIR


def test_the_cache_keeps_the_latest_clean_deploy(gitops: Path) -> None:
    assert run_cli(*CHECK, "--root", str(gitops)).code == 0
    first = _entries(gitops)
    _edit(gitops / "gitops.yaml", "interval: 10m", "interval: 11m")
    assert run_cli("render", "--root", str(gitops)).code == 0
    assert run_cli(*CHECK, "--root", str(gitops)).code == 0
    assert len(first) == len(_entries(gitops)) == 1 and _entries(gitops) != first
