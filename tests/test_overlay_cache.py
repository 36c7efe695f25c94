"""The overlay check cache (generator.pipeline.overlay_cache): a hit reports exactly what a full check reports, every
input changes the key or fails the lookup, and only clean results are ever recorded."""

from __future__ import annotations

import json
import marshal
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.pipeline import fingerprint, fleet, overlay_cache
from generator.pipeline.records import Options
from generator.problems import Problem
from generator.resources import schemas_dir, templates_dir
from generator.write import discovery
from tests.conftest import REPO, run_cli

CHECK = ("check", "--kustomize", "internal", "--kubeconform", "off")


def _entries(root: Path) -> list[str]:
    folder = root / ".kaptain-gitops" / "cache" / "check" / "overlays"
    return sorted(p.name for p in folder.glob("*/*" + overlay_cache.ENTRY_SUFFIX)) if folder.is_dir() else []


def _count_plans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = fleet.plan_overlay

    def counting(o: discovery.Overlay, *args: object, **kwargs: object) -> object:
        calls.append(o.rel)
        return real(o, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fleet, "plan_overlay", counting)
    return calls


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _generated_only(repo: Path) -> Path:
    """prod has no user files: built in process, so cacheable (dev has a patch: built by kubectl)."""
    assert not (repo / "overlays/prod/patches").exists()
    return repo / "overlays/prod"


def test_a_hit_reports_exactly_what_a_full_check_reported(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prod = _generated_only(repo)
    _edit(prod / "settings.yaml", "\n", "\n# a comment\n")  # a change of settings.yaml only: still clean
    assert run_cli("render", "--root", str(repo), "overlays/prod").code == 0
    calls = _count_plans(monkeypatch)
    runs = [run_cli(*CHECK, "--root", str(repo), "overlays/prod", *fmt) for fmt in ([], ["--format", "json"])]
    assert calls == ["overlays/prod"] and len(_entries(repo)) == 1
    again = [run_cli(*CHECK, "--root", str(repo), "overlays/prod", *fmt) for fmt in ([], ["--format", "json"])]
    assert calls == ["overlays/prod"]  # the second and later runs were hits
    assert [(r.code, r.out, r.err) for r in again] == [(r.code, r.out, r.err) for r in runs]
    doc = json.loads(runs[1].out)
    assert doc["overlays"][0]["status"] == "up-to-date" and "rotation" in doc["overlays"][0]
    assert runs[0].code == 0


def test_warnings_come_back_from_a_hit(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prod = _generated_only(repo)
    _edit(prod / "settings.yaml", "secretRotationTimeZone:", "# secretRotationTimeZone:")  # a lint warning
    assert run_cli("render", "--root", str(repo), "overlays/prod").code == 0
    first = run_cli(*CHECK, "--root", str(repo), "overlays/prod")
    assert first.code == 0 and "[warning]" in first.out and len(_entries(repo)) == 1
    calls = _count_plans(monkeypatch)
    second = run_cli(*CHECK, "--root", str(repo), "overlays/prod")
    assert calls == [] and (second.code, second.out) == (first.code, first.out)
    strict = run_cli(*CHECK, "--root", str(repo), "--strict", "overlays/prod")  # another key: a full check, failing
    assert strict.code == 1 and calls == ["overlays/prod"] and len(_entries(repo)) == 1


def test_a_hand_edit_after_a_clean_check_is_found(repo: Path) -> None:
    assert run_cli(*CHECK, "--root", str(repo), "overlays/prod").code == 0
    _edit(_generated_only(repo) / "cronjob.yaml", 'concurrencyPolicy: "Forbid"', 'concurrencyPolicy: "Allow"')
    result = run_cli(*CHECK, "--root", str(repo), "overlays/prod")
    assert result.code == 1 and "hand" in result.out


def test_failures_stale_overlays_and_kubectl_builds_are_never_recorded(repo: Path) -> None:
    _edit(repo / "overlays/prod/settings.yaml", "secretRotationSchedule:", "secretRotationSchedule: x\n  old:")
    assert run_cli(*CHECK, "--root", str(repo)).code == 1
    assert _entries(repo) == []  # prod failed, dev has a user patch (kustomize-needed under --kustomize internal)
    shutil.rmtree(repo / "overlays")
    shutil.copytree(REPO / "overlays", repo / "overlays")
    (repo / "overlays/prod/rbac.yaml").unlink()  # stale
    assert run_cli(*CHECK, "--root", str(repo), "overlays/prod").code == 1
    assert _entries(repo) == []
    assert run_cli(*CHECK, "--root", str(repo), "overlays/prod", "--no-cache").code == 1
    assert _entries(repo) == []


def test_runs_that_cannot_use_it() -> None:
    root = Path(".")
    assert overlay_cache.Session.start(Options(root=root, cache=False)) is None
    assert overlay_cache.Session.start(Options(root=root, keep_files=True)) is None  # kubeconform needs the files
    assert overlay_cache.Session.start(Options(root=root, kustomize="kubectl")) is None
    assert overlay_cache.Session.start(Options(root=root)) is not None


def _session(root: Path, **options: object) -> overlay_cache.Session:
    session = overlay_cache.Session.start(Options(root=root, **options))  # type: ignore[arg-type]
    assert session is not None
    return session


def _key(root: Path, **options: object) -> str | None:
    prod = discovery.Overlay(root / "overlays/prod", "overlays/prod")
    return _session(root, **options).key(prod)


OVERLAY_CHANGES: dict[str, Callable[[Path], object]] = {
    "settings.yaml": lambda p: _edit(p / "settings.yaml", "\n", "\n# a comment\n"),
    "a generated file": lambda p: _edit(p / "rbac.yaml", "\n", "\n# a comment\n"),
    "a new patch": lambda p: (p / "patches").mkdir() or (p / "patches/x.yaml").write_text("a: 1\n"),
    "a manual job": lambda p: (p / "jobs").mkdir() or (p / "jobs/j.yaml").write_text("a: 1\n"),
    "a hidden file": lambda p: (p / ".notes").write_text("x\n"),
    "a removed file": lambda p: (p / "rbac.yaml").unlink(),
}


@pytest.mark.parametrize("change", sorted(OVERLAY_CHANGES))
def test_every_file_of_the_overlay_changes_the_key(repo: Path, change: str) -> None:
    before = _key(repo)
    OVERLAY_CHANGES[change](repo / "overlays/prod")
    assert _key(repo) not in (before, None)


def test_every_option_changes_the_key(repo: Path, tmp_path: Path) -> None:
    crds = shutil.copytree(schemas_dir() / "crds", tmp_path / "crds")
    keys = [_key(repo), _key(repo, kubernetes_version="1.33"), _key(repo, skip=frozenset({"ConfigMap"})),
            _key(repo, strict=True), _key(repo, crd_location=str(crds)), _key(repo, kustomize="internal")]
    assert None not in keys and len(set(keys)) == len(keys)
    _edit(next(crds.rglob("*.json")), '"', '" ')
    assert _key(repo, crd_location=str(crds)) not in keys
    (repo / "overlays/prod/link.yaml").symlink_to(repo / "overlays/prod/rbac.yaml")
    assert _key(repo) is None  # a symlink: never cached


def test_the_tool_and_its_data_change_the_key(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = shutil.copytree(fingerprint.PACKAGE_DIR, tmp_path / "generator",
                              ignore=shutil.ignore_patterns("__pycache__"))
    templates = shutil.copytree(templates_dir(), tmp_path / "templates")
    schemas = shutil.copytree(schemas_dir(), tmp_path / "schemas")
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", package)
    monkeypatch.setattr(fingerprint, "templates_dir", lambda: templates)
    seen = {_key(repo, schema_root=schemas)}
    for change in (lambda: _edit(package / "render" / "overlay.py", '"""', '""" '),
                   lambda: _edit(templates / "cronjob.yaml.j2", "\n", "\n\n"),
                   lambda: _edit(schemas / "settings.schema.json", '"', '" '),
                   lambda: _edit(next((schemas / "crds").rglob("*.json")), '"', '" ')):
        change()
        now = _key(repo, schema_root=schemas)
        assert now is not None and now not in seen
        seen.add(now)


def _recorded(root: Path, tmp_path: Path, **options: object) -> overlay_cache.Session:
    """A session whose cache holds prod's clean result (checked through that session's options)."""
    opts = Options(root=root, kustomize="internal", **options)  # type: ignore[arg-type]
    session = overlay_cache.Session.start(opts)
    assert session is not None
    prod = discovery.Overlay(root / "overlays/prod", "overlays/prod")
    report, plan = fleet._check_one(prod, opts, session)
    assert plan == "internal" and report.status == "up-to-date"
    key = session.key(prod)
    assert key is not None and session.lookup(prod, key) is not None
    return session


def test_the_schema_folder_and_time_zone_the_overlay_used_are_checked_on_a_hit(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zoneinfo

    schemas = shutil.copytree(schemas_dir(), tmp_path / "schemas")
    zones = tmp_path / "zones"
    shutil.copytree(zoneinfo.TZPATH[0] if zoneinfo.TZPATH else "/usr/share/zoneinfo", zones, symlinks=True)
    monkeypatch.setattr(zoneinfo, "TZPATH", (str(zones),))
    prod = discovery.Overlay(repo / "overlays/prod", "overlays/prod")
    session = _recorded(repo, tmp_path, schema_root=schemas)
    key = session.key(prod)
    assert key is not None
    version_dir, _version_digest, zone, *_rest = marshal.loads(next(
        (repo / ".kaptain-gitops/cache/check/overlays").glob(f"*/{key}{overlay_cache.ENTRY_SUFFIX}")).read_bytes())
    assert zone and version_dir.startswith("v1.")
    zone_file = zones / zone
    data = zone_file.read_bytes()
    zone_file.unlink()
    zone_file.write_bytes(data + b"\n")
    assert _session(repo, schema_root=schemas, kustomize="internal").lookup(prod, key) is None
    zone_file.unlink()
    zone_file.write_bytes(data)
    assert _session(repo, schema_root=schemas, kustomize="internal").lookup(prod, key) is not None
    _edit(schemas / "kubernetes" / version_dir / "configmap-v1.json", '"', '" ')
    assert _session(repo, schema_root=schemas, kustomize="internal").lookup(prod, key) is None


def test_a_damaged_or_foreign_entry_is_a_miss(repo: Path, tmp_path: Path) -> None:
    """An entry is marshal data of one shape; anything else (cut short, another shape, a non-warning) is ignored."""
    session = _recorded(repo, tmp_path)
    prod = discovery.Overlay(repo / "overlays/prod", "overlays/prod")
    key = session.key(prod)
    assert key is not None
    path = Path(session._entry(prod, key))
    good = marshal.loads(path.read_bytes())
    assert session.lookup(prod, key) is not None and type(good) is tuple and len(good) == 6
    warning = ("overlays/prod/settings.yaml", 1, 1, "warning", "rule", "message")
    for bad in (b"", b"{not marshal", marshal.dumps(good)[:-2], marshal.dumps(list(good)), marshal.dumps(good[:5]),
                marshal.dumps((1, *good[1:])), marshal.dumps((*good[:4], "yes", good[5])),
                marshal.dumps((*good[:5], [("f", "1", 1, "warning", "r", "m")])),
                marshal.dumps((*good[:5], [(*warning[:3], "error", *warning[4:])])),
                marshal.dumps((*good[:5], [warning[:5]])), json.dumps(list(good)).encode()):
        path.write_bytes(bad)
        assert session.lookup(prod, key) is None, bad
    path.write_bytes(marshal.dumps((*good[:5], [warning])))  # the same shape: read as recorded
    hit = session.lookup(prod, key)
    assert hit is not None and hit.problems == [Problem(*warning)]


def test_a_hit_imports_no_renderer_or_validator(repo: Path) -> None:
    assert run_cli(*CHECK, "--root", str(repo), "overlays/prod").code == 0
    code = ("import io, json, sys\nfrom generator.cli.main import main\n"
            f"rc = main({[*CHECK, '--root', str(repo), 'overlays/prod']!r}, io.StringIO(), io.StringIO())\n"
            "print(json.dumps([rc, sorted(sys.modules)]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
                          env={**os.environ, "KAPTAIN_GITOPS_WORKERS": "1"})
    rc, modules = json.loads(proc.stdout.splitlines()[-1])
    assert rc == 0 and "generator.pipeline.overlay_cache" in modules
    assert [m for m in ("jinja2", "jsonschema_rs", "generator.schedule.analysis", "generator.render.delivery")
            if m in modules] == []


def test_the_cache_keeps_the_latest_clean_result_of_each_overlay(repo: Path) -> None:
    assert run_cli(*CHECK, "--root", str(repo), "overlays/prod").code == 0
    first = _entries(repo)
    _edit(repo / "overlays/prod/settings.yaml", "\n", "\n# a comment\n")
    assert run_cli("render", "--root", str(repo), "overlays/prod").code == 0
    assert run_cli(*CHECK, "--root", str(repo), "overlays/prod").code == 0
    assert len(first) == len(_entries(repo)) == 1 and _entries(repo) != first


def test_a_hit_reads_settings_only_when_the_report_needs_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hit's text report needs no settings (a kaptain-chart overlay's notice comes from the entry); its JSON report
    reads them, and both equal the full check's. A hit crosses to a worker process whole."""
    import pickle

    from tests.test_kommander import WORKSPACE

    ws = tmp_path / "ws"
    shutil.copytree(WORKSPACE, ws, ignore=shutil.ignore_patterns(".kaptain-gitops"))
    (ws / "gitops.yaml").unlink()
    shutil.rmtree(ws / "deploy")
    assert run_cli("render", "--root", str(ws)).code == 0
    full = [run_cli(*CHECK, "--root", str(ws), *fmt) for fmt in ([], ["--format", "json"])]
    assert "rotation.mode kaptain-chart, but gitops.yaml has no kommander" in full[0].out
    assert len(_entries(ws)) == 3
    calls = _count_plans(monkeypatch)
    loads: list[str] = []
    real = overlay_cache._load_settings

    def counting(path: str, root: Path, display: str) -> object:
        loads.append(display)
        return real(path, root, display)

    monkeypatch.setattr(overlay_cache, "_load_settings", counting)
    text = run_cli(*CHECK, "--root", str(ws))
    assert (text.code, text.out, text.err) == (full[0].code, full[0].out, full[0].err)
    assert calls == [] and loads == []  # every overlay a hit, no settings read
    as_json = run_cli(*CHECK, "--root", str(ws), "--format", "json")
    assert (as_json.code, as_json.out, as_json.err) == (full[1].code, full[1].out, full[1].err)
    assert calls == [] and len(loads) == 3  # the JSON figures read them
    monkeypatch.setattr(overlay_cache, "_load_settings", real)  # a local function does not pickle
    opts = Options(root=ws, kustomize="internal")
    session = overlay_cache.Session.start(opts)
    assert session is not None
    east = discovery.Overlay(ws / "overlays/gpu-east", "overlays/gpu-east")
    key = session.key(east)
    assert key is not None
    hit = session.lookup(east, key)
    assert hit is not None and hit.chart_mode()
    copy = pickle.loads(pickle.dumps(hit))
    assert copy.chart_mode() and copy.settings is not None and copy.settings.chart_mode
    assert copy.settings == hit.settings and copy == hit
