"""Start-up guard (#16): the light commands import only what they need. Not timed: it inspects ``sys.modules``.

Each command runs in a fresh interpreter through the console script's own entry point; afterwards the modules it
imported are listed. The interpreter runs with ``-S`` and the checkout first on ``sys.path``: the dev venv's editable
install hook (a ``.pth`` file) would otherwise pre-import re, enum, pathlib and contextlib into every start, which
an installed tool does not (the light paths below need no third-party package). ``make bench`` (``python -m bench.startup`` alone) shows what each of them costs; this test
keeps the heavy ones from creeping back onto these paths.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SITE_PACKAGES = [p for p in sys.path if p.endswith("site-packages")]

_SCRIPT = """
import sys
sys.path[:0] = %r  # the checkout, then site-packages as a plain path: its .pth hooks are not run
sys.argv = ["kaptain-gitops", *sys.argv[1:]]
try:
    from generator.cli.launch import entry
    entry()
finally:
    sys.stderr.write("\\nMODULES " + " ".join(sorted(sys.modules)) + "\\n")
"""

# What no light command may import: the render/check machinery and the libraries behind it.
HEAVY = ("jinja2", "jsonschema", "jsonschema_rs", "referencing", "generator.render", "generator.pipeline",
         "generator.validate", "generator.write.transaction", "generator.write.ownership", "multiprocessing",
         "concurrent", "subprocess", "hashlib", "logging", "dataclasses", "inspect", "threading")

CASES: dict[str, tuple[list[str], tuple[str, ...]]] = {
    # argv, modules (and their submodules) that must not be imported beyond HEAVY
    "version": (["--version"], ("argparse", "generator.config", "generator.schedule", "yaml", "json",
                                "typing", "zoneinfo", "datetime", "enum", "signal", "re", "functools",
                                "collections", "pathlib", "contextlib")),
    "help": (["--help"], ("generator.config", "generator.schedule", "generator.report", "yaml", "json",
                          "zoneinfo", "datetime", "typing", "signal", "pathlib")),
    "validate": (["validate", "overlays/dev/settings.yaml"], ("yaml", "typing", "argparse", "gettext", "calendar",
                                                              "locale", "difflib", "generator.write", "copy",
                                                              "signal", "pathlib", "contextlib", "functools",
                                                              "collections")),
    "explain": (["explain", "0 0 * * *"], ("argparse", "gettext", "calendar", "locale", "yaml", "zoneinfo",
                                           "generator.config", "generator.write", "generator.schedule.tzfile",
                                           "difflib", "json", "typing", "enum", "signal", "re", "pathlib",
                                           "contextlib", "functools", "collections")),
}


def _modules(argv: list[str], cwd: Path = REPO) -> set[str]:
    proc = subprocess.run([sys.executable, "-S", "-c", _SCRIPT % [str(REPO), *SITE_PACKAGES], *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    line = proc.stderr.rstrip("\n").rsplit("\n", 1)[-1]
    assert line.startswith("MODULES "), proc.stderr
    return set(line.split()[1:])


@pytest.mark.parametrize("case", sorted(CASES))
def test_light_commands_import_no_heavy_module(case: str) -> None:
    argv, forbidden = CASES[case]
    modules = _modules(argv)
    assert "generator.cli.main" in modules  # the command really ran through the CLI
    found = sorted(m for m in modules for name in (*HEAVY, *forbidden) if m == name or m.startswith(name + "."))
    assert found == [], f"{case} imported {found}"


def test_guard_notices_a_heavy_import() -> None:
    """The guard can fail: ``check`` imports the render machinery that ``validate`` must not."""
    modules = _modules(["check", "--kustomize", "off", "--kubeconform", "off", "overlays/dev"])
    assert {"jinja2", "generator.render.overlay", "generator.pipeline.fleet"} <= modules


# validate, the pre-commit hook, on files without a time zone (#16): the settings loader reads YAML, quotes values,
# checks names, quantities and images and finds did-you-means without json, re (it imports enum, functools,
# collections) or difflib; valid files and the usual mistakes alike. The files are in the shape yaml_fast reads
# (anything else is PyYAML's, which imports re itself).
VALIDATE_FORBIDDEN = (*HEAVY, "json", "re", "enum", "difflib", "yaml", "typing", "argparse", "pathlib", "copy",
                      "generator.write", "gettext", "locale", "calendar", "signal", "contextlib", "functools",
                      "collections")
_HEAD = 'ingress:\n  enableSecretRotation: true\n  secretRotationSchedule: "0 */6 * * *"\n'
VALIDATE_FILES: dict[str, tuple[str, int]] = {  # settings.yaml text, exit code
    "minimal": (_HEAD, 0),
    "every kind of value": (_HEAD + "rotation:\n  namespace: kaptain-ingress-2\n  cronJobName: cert-rotation\n"
                            "  restart:\n    kind: StatefulSet\n    name: authservice\n  resources:\n    limits:\n"
                            "      cpu: 100m\n      memory: 64Mi\n  targetSecret:\n    key: ca.crt\n"
                            '  image: "registry.example.com:5000/bitnami/kubectl:1.32.4"\n'
                            "  concurrencyPolicy: Forbid\n  startingDeadlineSeconds: 600\n"
                            "lint:\n  maxDelayHours: 6.5\nkubernetesVersion: \"1.33\"\n"
                            "skipKinds:\n  - CronTab\n  - stable.example.com/v1/Other\n"
                            "kaptainValues:\n  notebooks:\n    enabled: true\n", 0),
    "empty": ("# settings of a new overlay, to be written\n", 1),
    "unknown keys": (_HEAD + "  secretRotationTimezone: Etc/UTC\nrotaton:\n  namespace: x\n", 1),
    "wrong types": (('ingress:\n  enableSecretRotation: "true"\n  secretRotationSchedule: 5\n'
                    "rotation:\n  backoffLimit: 1.5\n  startingDeadlineSeconds: \"600\"\n"), 1),
    "bad schedules": ('ingress:\n  enableSecretRotation: true\n  secretRotationSchedule: "* */6 * * 8"\n', 1),
    "every-minute burst": ('ingress:\n  enableSecretRotation: true\n  secretRotationSchedule: "* */6 * * *"\n', 1),
    "values not allowed": (_HEAD + "rotation:\n  concurrencyPolicy: Alow\n  namespace: Kaptain_Ingress\n"
                           "  resources:\n    limits:\n      cpu: 100x\n  image: bitnami/kubectl:latest\n"
                           "skipKinds:\n  - 1Bad\n", 1),
    "YAML 1.1 values": (("ingress:\n  enableSecretRotation: yes\n  secretRotationSchedule: \"0 0 * * *\"\n"
                        "rotation:\n  runAsUser: 0755\n  startingDeadlineSeconds: 1:30\n"), 1),
}


_VALIDATE_SCRIPT = """
import sys
sys.path[:0] = %r
try:
    from types import SimpleNamespace
    from generator.cli.main import cmd_validate
    args = SimpleNamespace(command="validate", files=sys.argv[1:], root=None, format=%r, strict=False)
    code = cmd_validate(args, sys.stdout, sys.stderr)
finally:
    sys.stderr.write("\\nMODULES " + " ".join(sorted(sys.modules)) + "\\n")
sys.exit(code)
"""


def _validate_modules(tmp_path: Path, text: str, fmt: str) -> tuple[set[str], int, str]:
    """``validate`` of one file: text through the console script's entry, as the pre-commit hook runs it; another
    format through ``cmd_validate`` with the namespace argparse gives (an option means argparse, which imports re
    itself: only option-less ``validate`` lines skip it)."""
    path = tmp_path / "overlays" / "x" / "settings.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    paths = [str(REPO), *SITE_PACKAGES]
    script = _SCRIPT % paths if fmt == "text" else _VALIDATE_SCRIPT % (paths, fmt)
    argv = ["validate", str(path)] if fmt == "text" else [str(path)]
    proc = subprocess.run([sys.executable, "-S", "-c", script, *argv], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, check=False)
    out, _, line = proc.stderr.rstrip("\n").rpartition("\n")
    assert line.startswith("MODULES "), proc.stderr
    return set(line.split()[1:]), proc.returncode, proc.stdout + out


@pytest.mark.parametrize("case", VALIDATE_FILES)
@pytest.mark.parametrize("fmt", ["text", "github"])
def test_validate_without_a_time_zone_imports_no_json_re_or_enum(tmp_path: Path, case: str, fmt: str) -> None:
    text, code = VALIDATE_FILES[case]
    modules, returncode, output = _validate_modules(tmp_path, text, fmt)
    assert returncode == code, output
    assert ("error" in output) == (code == 1), output  # the mistakes were found and reported
    assert {"generator.config.settings", "generator.schedule.settings_lint"} <= modules
    found = sorted(m for m in modules for name in VALIDATE_FORBIDDEN if m == name or m.startswith(name + "."))
    assert found == [], f"validate ({case}) imported {found}"


def test_the_validate_guard_notices_json_re_and_enum(tmp_path: Path) -> None:
    """The control: the same files through ``--format json`` import json, and json imports re and enum."""
    for text, code in (VALIDATE_FILES["every kind of value"], VALIDATE_FILES["unknown keys"]):
        modules, returncode, output = _validate_modules(tmp_path, text, "json")
        assert returncode == code, output
        assert {"json", "re", "enum"} <= modules


@pytest.mark.parametrize("argv", [["validate", "overlays/dev/settings.yaml"], ["validate", "a.yaml", "b/settings.yaml"],
                                  ["explain", "0 0 * * *"], ["explain", "@every 1h30m"], ["explain", "TZ=UTC 0 0 * * *"],
                                  ["check"], ["check", "overlays/dev"], ["check", "overlays/*", "overlays/prod"],
                                  ["check", "--root", "/tmp/r", "overlays/dev"], ["check", "overlays/dev", "--root", "r"],
                                  ["check", "--no-cache", "--strict", "-v", "--format", "json", "a", "b"],
                                  ["check", "a", "--verbose", "--format", "github", "--root", "."],
                                  ["check", "--format", "text"], ["check", "--kubeconform", "off", "a"],
                                  ["check", "a", "--kubeconform", "auto", "--no-cache"],
                                  ["check", "--changed-since", "origin/main"], ["check", "--changed-since", "HEAD~1", "a"],
                                  ["check", "--root", "r", "--changed-since", "HEAD", "--format", "github"]])
def test_simple_arguments_equal_the_parser(argv: list[str]) -> None:
    """``validate``/``explain`` without options and ``check`` with the usual ones skip argparse (start-up); they must
    get exactly its namespace."""
    from generator.cli.main import build_parser, simple_args

    assert vars(simple_args(argv)) == vars(build_parser(argv[0]).parse_args(argv))


@pytest.mark.parametrize("argv", [["validate"], ["validate", "--strict", "a.yaml"], ["validate", "-h"],
                                  ["explain", "0 0 * * *", "--count", "3"], ["explain", "a", "b"], ["explain"],
                                  ["validate", "--", "a.yaml"], ["explain", "-1 0 * * *"],
                                  ["check", "--root=x", "a"], ["check", "--ro", "x"], ["check", "--root"],
                                  ["check", "--root", "-x"], ["check", "--root", ""], ["check", "a", "--strict", "b"],
                                  ["check", "--strict", "--strict"], ["check", "--format", "xml"], ["check", "-h"],
                                  ["check", "--", "a"], ["check", "--no-cache", "--kustomize", "off"],
                                  ["check", "-v", "--verbose"], ["check", "-"], ["check", "--kubeconform", "on"],
                                  ["check", "--changed-since"], ["check", "--changed-since", ""],
                                  ["check", "--changed-since", "-x"], ["check", "--changed-since=HEAD"],
                                  ["check", "--changed-since", "a", "--changed-since", "b"]])
def test_anything_else_goes_through_argparse(argv: list[str]) -> None:
    from generator.cli.main import simple_args

    assert simple_args(argv) is None


# A one-overlay check answered by the result caches (overlay and deploy/): no renderer, no YAML library, no validator,
# no schedule analysis, no argparse; the run-level checks (lock, walk, journal, temporaries, orphans) and the caches'
# fingerprints only. The walk, the lock and the caches work on strings (no pathlib, urllib, ipaddress, fnmatch), the
# memos and entries are marshal data (no json, re, enum), the lock defers signals through _signal (no signal, enum),
# TZPATH comes without sysconfig and the libraries' specs without importlib.util.
WARM_CHECK_FORBIDDEN = ("jinja2", "yaml", "jsonschema", "jsonschema_rs", "referencing", "generator.render",
                        "generator.schedule", "generator.validate.manifest_schemas", "generator.validate.kustomize",
                        "generator.validate.kubeconform", "generator.validate.schema_errors", "generator.validate.api_rules",
                        "generator.validate.provenance", "generator.pipeline.documents",
                        "generator.pipeline.built", "generator.write.ownership", "multiprocessing", "concurrent",
                        "subprocess", "shutil", "dataclasses", "inspect", "typing", "argparse", "gettext", "locale",
                        "threading", "logging", "tempfile", "pickle", "generator.config", "zoneinfo", "datetime",
                        "pathlib", "urllib", "ipaddress", "fnmatch", "ntpath", "signal", "contextlib", "sysconfig",
                        "importlib.util", "json", "re", "enum")


def _warm_check_repo(tmp_path: Path, delivery: bool) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(REPO / "overlays", root / "overlays")
    if delivery:  # deploy/ checked through its own result cache; without, nothing to render or compare there
        shutil.copytree(REPO / "deploy", root / "deploy")
        shutil.copy(REPO / "gitops.yaml", root / "gitops.yaml")
    return root


def _check_modules(root: Path) -> set[str]:
    # from the repository folder, as CI runs it (``--root DIR`` is a Path from the parser: pathlib)
    return _modules(["check", "--kubeconform", "off", "overlays/prod"], cwd=root)


@pytest.mark.parametrize("delivery", [True, False], ids=["gitops.yaml", "no gitops.yaml"])
def test_a_warm_one_overlay_check_imports_only_what_a_cache_hit_needs(tmp_path: Path, delivery: bool) -> None:
    root = _warm_check_repo(tmp_path, delivery)
    cold = _check_modules(root)  # checks prod (and deploy/) in full, and records them as clean
    warm = _check_modules(root)
    assert {"generator.pipeline.overlay_cache", "generator.write.discovery", "generator.write.walk_memo"} <= warm
    found = sorted(m for m in warm for name in WARM_CHECK_FORBIDDEN if m == name or m.startswith(name + "."))
    assert found == [], f"a warm check imported {found}"
    # the control: the same guard catches what the check that filled the caches imported
    assert {"jinja2", "generator.render.overlay", "generator.validate.manifest_schemas", "dataclasses", "pathlib",
            "json", "re", "enum", "contextlib"} <= cold


def test_a_warm_check_given_root_is_as_light(tmp_path: Path) -> None:
    """``--root DIR`` (as CI scripts and the bench give it) is kept as a string and resolved with ``os.path``: the
    same warm check from elsewhere is still a hit and imports none of the modules the guard forbids."""
    root = _warm_check_repo(tmp_path, False)
    _check_modules(root)
    with_root = _modules(["check", "--kubeconform", "off", "--root", str(root), "overlays/prod"], cwd=tmp_path)
    assert "generator.pipeline.overlay_cache" in with_root
    found = sorted(m for m in with_root for name in WARM_CHECK_FORBIDDEN if m == name or m.startswith(name + "."))
    assert found == [], f"a warm check given --root imported {found}"


# validate of a settings file whose time zone has clock changes: the zone is read from its TZif file by the zone model
# (generator.schedule.zones / tzfile), which the walk, the analysis and the lint share; zoneinfo (and what it loads:
# weakref, struct; calendar in some versions) stays out, and so do sysconfig (TZPATH comes from the _sysconfigdata module)
# and the memo decorators' functools (generator.memo).
VALIDATE_DST_FORBIDDEN = ("zoneinfo", "_zoneinfo", "calendar", "weakref", "struct", "locale", "sysconfig", "functools",
                          "collections", "json", "re", "enum", "typing")


def test_validate_of_a_dst_zone_reads_it_without_zoneinfo(tmp_path: Path) -> None:
    settings = tmp_path / "overlays" / "x" / "settings.yaml"
    settings.parent.mkdir(parents=True)
    settings.write_text('ingress:\n  enableSecretRotation: true\n  secretRotationSchedule: "15 3 1,15 * *"\n'
                        '  secretRotationTimeZone: "Australia/Lord_Howe"\n'
                        "rotation:\n  restart:\n    kind: StatefulSet\n    name: authservice\n", encoding="utf-8")
    modules = _modules(["validate", str(settings)])
    # the control: the zone really was read and the schedule analysed and linted (its long-delay warning needs
    # the longest gap, with its datetimes in the zone)
    assert {"generator.schedule.tzfile", "generator.schedule.analysis", "generator.schedule.gaps"} <= modules
    found = sorted(m for m in modules for name in VALIDATE_DST_FORBIDDEN if m == name or m.startswith(name + "."))
    assert found == [], f"validate of a DST zone imported {found}"
