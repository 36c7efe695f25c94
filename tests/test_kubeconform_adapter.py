"""The kubeconform adapter, exercised with a fake ``kubeconform`` on PATH that replays recorded output.

The recorded output follows kubeconform v0.6/v0.7 ``-output json -summary`` (``json.MarshalIndent``
with two-space indent; field order filename, kind, name, version, status, msg, validationErrors;
``validationErrors`` omitted when empty; only non-valid resources listed unless ``-verbose``).
"""

from __future__ import annotations

import functools
import json
import os
import stat
import sys
import urllib.parse
from pathlib import Path

import jsonschema_rs
import pytest

from generator.errors import ManifestError
from generator.validate import kubeconform as kc

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "schemas"

RECORDED_INVALID = """{
  "resources": [
    {
      "filename": "stdin",
      "kind": "CronJob",
      "name": "kaptain-cert-rotation",
      "version": "batch/v1",
      "status": "statusInvalid",
      "msg": "problem validating schema. Check JSON formatting: jsonschema: '/spec' does not validate with file:///schemas/kubernetes/v1.35.0-standalone-strict/cronjob-batch-v1.json#/properties/spec/additionalProperties: additionalProperties 'schedulee' not allowed",
      "validationErrors": [
        {
          "path": "/spec",
          "msg": "additionalProperties 'schedulee' not allowed"
        },
        {
          "path": "/spec/jobTemplate/spec/template/spec/containers/0/restartPolicy",
          "msg": "expected string or null, but got number"
        }
      ]
    },
    {
      "filename": "stdin",
      "kind": "Application",
      "name": "kaptain",
      "version": "argoproj.io/v1alpha1",
      "status": "statusError",
      "msg": "could not find schema for Application"
    }
  ],
  "summary": {
    "valid": 4,
    "invalid": 1,
    "errors": 1,
    "skipped": 0
  }
}
"""

RECORDED_VERBOSE_VALID = """{
  "resources": [
    {
      "filename": "stdin",
      "kind": "ConfigMap",
      "name": "kaptain-rotation",
      "version": "v1",
      "status": "statusValid",
      "msg": ""
    },
    {
      "filename": "stdin",
      "kind": "ServiceAccount",
      "name": "kaptain-cert-rotation",
      "version": "v1",
      "status": "statusValid",
      "msg": ""
    }
  ],
  "summary": {
    "valid": 2,
    "invalid": 0,
    "errors": 0,
    "skipped": 0
  }
}
"""

MANIFESTS = """apiVersion: v1
kind: ConfigMap
metadata:
  name: kaptain-rotation
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: kaptain-cert-rotation
"""

FAKE = """#!{python}
import json, os, sys, time
log = os.environ["FAKE_KUBECONFORM_LOG"]
with open(log, "w") as handle:
    json.dump({{"argv": sys.argv[1:], "stdin": sys.stdin.read()}}, handle)
time.sleep(float(os.environ.get("FAKE_KUBECONFORM_SLEEP", "0")))
sys.stderr.write(os.environ.get("FAKE_KUBECONFORM_STDERR", ""))
with open(os.environ["FAKE_KUBECONFORM_OUTPUT"]) as handle:
    sys.stdout.write(handle.read())
sys.exit(int(os.environ.get("FAKE_KUBECONFORM_EXIT", "0")))
"""


class Fake:
    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.binary = folder / "kubeconform"
        self.binary.write_text(FAKE.format(python=sys.executable), encoding="utf-8")
        self.binary.chmod(self.binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        self.log = folder / "calls.json"
        self.output = folder / "output.json"
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
        monkeypatch.setenv("FAKE_KUBECONFORM_LOG", str(self.log))
        monkeypatch.setenv("FAKE_KUBECONFORM_OUTPUT", str(self.output))

    def replay(self, output: str, exit_status: int = 0, stderr: str = "", sleep: float = 0.0) -> None:
        self.output.write_text(output, encoding="utf-8")
        self.monkeypatch.setenv("FAKE_KUBECONFORM_EXIT", str(exit_status))
        self.monkeypatch.setenv("FAKE_KUBECONFORM_STDERR", stderr)
        self.monkeypatch.setenv("FAKE_KUBECONFORM_SLEEP", str(sleep))

    @property
    def call(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.log.read_text(encoding="utf-8"))
        return data


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Fake:
    folder = tmp_path / "bin"
    folder.mkdir()
    return Fake(folder, monkeypatch)


@pytest.fixture
def crds(tmp_path: Path) -> Path:
    folder = tmp_path / "crds"
    (folder / "argoproj.io").mkdir(parents=True)
    return folder


def test_find_kubeconform(fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert kc.find_kubeconform() == str(fake.binary)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert kc.find_kubeconform() is None


def test_runs_offline_with_our_schema_tree(fake: Fake, crds: Path) -> None:
    fake.replay(RECORDED_INVALID, exit_status=1)
    binary = kc.find_kubeconform()
    assert binary is not None
    results = kc.run_kubeconform(binary, MANIFESTS, SCHEMAS, "v1.35", str(crds))

    call = fake.call
    assert call["stdin"] == MANIFESTS
    assert call["argv"] == [
        "-strict",
        "-summary",
        "-output",
        "json",
        "-kubernetes-version",
        "1.35.0",
        "-schema-location",
        (SCHEMAS / "kubernetes").resolve().as_posix(),
        "-schema-location",
        f"{crds.resolve().as_posix()}/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json",
        "-schema-location",
        f"{(SCHEMAS / 'crds').resolve().as_posix()}/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json",
        "-",
    ]
    assert "default" not in call["argv"]  # type: ignore[operator]

    cronjob, application = results
    assert (cronjob.filename, cronjob.kind, cronjob.name, cronjob.version) == (
        "stdin",
        "CronJob",
        "kaptain-cert-rotation",
        "batch/v1",
    )
    assert cronjob.status == "invalid" and not cronjob.ok
    assert "schedulee" in cronjob.message
    assert [(e.path, e.message) for e in cronjob.validation_errors] == [
        ("spec", "additionalProperties 'schedulee' not allowed"),
        ("spec.jobTemplate.spec.template.spec.containers[0].restartPolicy", "expected string or null, but got number"),
    ]
    assert cronjob.validation_errors[0].pointer == "/spec"
    assert application.status == "error"
    assert application.message == "could not find schema for Application"
    assert application.validation_errors == ()


def test_verbose_lists_valid_resources(fake: Fake) -> None:
    fake.replay(RECORDED_VERBOSE_VALID)
    results = kc.run_kubeconform(str(fake.binary), MANIFESTS, SCHEMAS / "kubernetes", "1.37.0", None, verbose=True)
    assert [(r.kind, r.status, r.ok) for r in results] == [
        ("ConfigMap", "valid", True),
        ("ServiceAccount", "valid", True),
    ]
    argv = fake.call["argv"]
    assert isinstance(argv, list)
    assert argv.count("-schema-location") == 2 and "-verbose" in argv  # our Kubernetes tree, our CRDs
    assert argv[argv.index("-kubernetes-version") + 1] == "1.37.0"
    assert argv[argv.index("-schema-location") + 1] == (SCHEMAS / "kubernetes").resolve().as_posix()


def test_template_crd_location_is_passed_through(fake: Fake, crds: Path) -> None:
    fake.replay('{\n  "resources": [],\n  "summary": {"valid": 2, "invalid": 0, "errors": 0, "skipped": 0}\n}\n')
    template = f"file://{crds}/{{{{ .Group }}}}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json"
    assert kc.run_kubeconform(str(fake.binary), MANIFESTS, SCHEMAS, "1.36", template) == []
    argv = fake.call["argv"]
    assert isinstance(argv, list)
    assert argv[-4] == template.removeprefix("file://")


@pytest.mark.parametrize(
    "location",
    ["default", "https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/{{.Group}}/x.json", "http://x/y"],
)
def test_network_locations_are_refused_before_running(fake: Fake, location: str) -> None:
    fake.replay(RECORDED_VERBOSE_VALID)
    with pytest.raises(ManifestError, match="network"):
        kc.run_kubeconform(str(fake.binary), MANIFESTS, SCHEMAS, "1.35", location)
    assert not fake.log.exists()


def test_unsupported_version_and_missing_crd_folder(fake: Fake, tmp_path: Path) -> None:
    fake.replay(RECORDED_VERBOSE_VALID)
    with pytest.raises(ManifestError, match=r"Kubernetes 1\.29"):
        kc.run_kubeconform(str(fake.binary), MANIFESTS, SCHEMAS, "1.29", None)
    with pytest.raises(ManifestError, match="does not exist"):
        kc.run_kubeconform(str(fake.binary), MANIFESTS, SCHEMAS, "1.35", str(tmp_path / "missing"))
    assert not fake.log.exists()


def test_tool_failures_are_manifest_errors(fake: Fake, tmp_path: Path) -> None:
    fake.replay("", exit_status=1, stderr="flag provided but not defined: -bogus\n")
    with pytest.raises(ManifestError, match="flag provided but not defined"):
        kc.run_kubeconform(str(fake.binary), MANIFESTS, SCHEMAS, "1.35", None)
    fake.replay("not json", exit_status=1, stderr="panic: boom\n")
    with pytest.raises(ManifestError, match=r"not JSON.*panic: boom"):
        kc.run_kubeconform(str(fake.binary), MANIFESTS, SCHEMAS, "1.35", None)
    fake.replay(RECORDED_VERBOSE_VALID, exit_status=2)
    with pytest.raises(ManifestError, match="exit status 2"):
        kc.run_kubeconform(str(fake.binary), MANIFESTS, SCHEMAS, "1.35", None)
    fake.replay(RECORDED_VERBOSE_VALID, sleep=5)
    with pytest.raises(ManifestError, match="did not finish"):
        kc.run_kubeconform(str(fake.binary), MANIFESTS, SCHEMAS, "1.35", None, timeout=0.5)
    with pytest.raises(ManifestError, match="not found"):
        kc.run_kubeconform(str(tmp_path / "no-such-kubeconform"), MANIFESTS, SCHEMAS, "1.35", None)


def test_parse_output_summary_and_odd_statuses() -> None:
    results, summary = kc.parse_kubeconform_output(RECORDED_INVALID)
    assert summary == {"valid": 4, "invalid": 1, "errors": 1, "skipped": 0}
    assert len(results) == 2
    odd = json.dumps({"resources": [{"kind": "X", "status": "statusSkipped"}, {"status": "statusEmpty"}]})
    results, summary = kc.parse_kubeconform_output(odd)
    assert [(r.status, r.ok, r.name) for r in results] == [("skipped", True, ""), ("empty", True, "")]
    assert summary == {}
    with pytest.raises(ManifestError):
        kc.parse_kubeconform_output('{"resources": 3}')


@pytest.mark.parametrize(
    ("pointer", "path"),
    [
        ("", "(root)"),
        ("/spec", "spec"),
        (
            "/spec/jobTemplate/spec/template/spec/containers/0/restartPolicy",
            "spec.jobTemplate.spec.template.spec.containers[0].restartPolicy",
        ),
        ("/metadata/labels/app.kubernetes.io~1name", 'metadata.labels["app.kubernetes.io/name"]'),
        ("/a~0b/2", '["a~b"][2]'),
    ],
)
def test_pointer_to_path(pointer: str, path: str) -> None:
    assert kc.pointer_to_path(pointer) == path


def _kubeconform_schema_path(location: str, kind: str, api_version: str, k8s_version: str) -> str:
    """kubeconform's own resolution (pkg/registry): a location not ending in "json" gets the
    standalone path template appended; KindSuffix is -{first label of group}-{version} or -{version}."""
    if not location.endswith("json"):
        location += "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
    group_parts = api_version.split("/")
    kind_suffix = "-" + group_parts[0].split(".")[0].lower()
    if len(group_parts) > 1:
        kind_suffix += "-" + group_parts[1].lower()
    values = {
        "NormalizedKubernetesVersion": "v" + k8s_version,
        "StrictSuffix": "-strict",
        "ResourceKind": kind.lower(),
        "KindSuffix": kind_suffix,
    }
    for key, value in values.items():
        location = location.replace("{{ ." + key + " }}", value)
    return location


def test_skip_is_passed_like_kubeconforms_own(fake: Fake) -> None:
    command = kc.kubeconform_command("kubeconform", SCHEMAS, "1.35", skip={"CronTab", "stable.example.com/v1/Foo"})
    assert command[-3:] == ["-skip", "CronTab,stable.example.com/v1/Foo", "-"]


def _retrieve_file(log: list[str], uri: str) -> object:
    log.append(uri)
    return json.loads(Path(urllib.parse.urlparse(uri).path).read_text(encoding="utf-8"))


@pytest.mark.parametrize("version", ["1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37"])
def test_committed_tree_resolves_the_way_kubeconform_looks_it_up(version: str) -> None:
    command = kc.kubeconform_command("kubeconform", SCHEMAS, version)
    location = command[command.index("-schema-location") + 1]
    k8s_version = command[command.index("-kubernetes-version") + 1]
    for api_version, kind in [
        ("v1", "ConfigMap"),
        ("v1", "ServiceAccount"),
        ("rbac.authorization.k8s.io/v1", "Role"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        ("batch/v1", "CronJob"),
        ("batch/v1", "Job"),
        ("networking.k8s.io/v1", "NetworkPolicy"),
        ("policy/v1", "PodDisruptionBudget"),
        ("apps/v1", "Deployment"),
    ]:
        path = Path(_kubeconform_schema_path(location, kind, api_version, k8s_version))
        assert path.is_file(), (kind, version)
        # kubeconform resolves the relative $ref next to the file: the target must exist there.
        ref = json.loads(path.read_text(encoding="utf-8"))["$ref"]
        target, _, pointer = ref.partition("#")
        definitions = json.loads((path.parent / target).read_text(encoding="utf-8"))
        assert pointer.split("/")[-1] in definitions["$defs"], (kind, version)
        # Resolved the way a file-based loader does (base URI = the kind file), it is a strict schema.
        loaded: list[str] = []
        retrieve = functools.partial(_retrieve_file, loaded)
        schema = json.loads(path.read_text(encoding="utf-8"))
        validator = jsonschema_rs.validator_for(schema, base_uri=path.resolve().as_uri(), retriever=retrieve)
        assert not validator.is_valid({"apiVersion": api_version, "kind": kind, "unknownField": 1})
        assert loaded == [(path.parent / "_definitions.json").resolve().as_uri()]


def test_check_sends_deploy_through_kubeconform_with_the_same_locations(
    fake: Fake, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from tests.conftest import run_cli

    shutil.copy(REPO / "gitops.yaml", repo / "gitops.yaml")
    shutil.copytree(REPO / "deploy", repo / "deploy")
    fake.replay('{\n  "resources": [],\n  "summary": {"valid": 6, "invalid": 0, "errors": 0, "skipped": 0}\n}\n')
    result = run_cli("check", "--root", str(repo), "--kustomize", "off", "--skip", "CronTab")
    assert result.code == 0, result.out
    assert "kubeconform -strict checked 2 overlays and deploy/" in result.out
    call = fake.call  # the last run: deploy/
    argv = call["argv"]
    assert isinstance(argv, list) and isinstance(call["stdin"], str)
    assert "kind: ApplicationSet" in call["stdin"] and "kind: GitRepository" in call["stdin"]
    assert "ConfigManagementPlugin" not in call["stdin"]  # not a Kubernetes object
    crd_template = f"{(SCHEMAS / 'crds').resolve().as_posix()}/{kc.CATALOG_TEMPLATE}"
    assert argv[argv.index("-schema-location", argv.index("-schema-location") + 1) + 1] == crd_template
    assert argv[-3:] == ["-skip", "CronTab", "-"]


@pytest.mark.parametrize("layout", ["first", "second", "dir-first", "not-executable", "none", "empty-entry"])
def test_which_without_shutil_is_shutil_which(layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """kubeconform_path.which (every check asks it; no shutil import, #16) finds what shutil.which finds."""
    import shutil

    from generator.validate import kubeconform_path

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    if layout == "dir-first":
        (a / "tool").mkdir()
    if layout == "not-executable":
        (a / "tool").write_text("#!/bin/sh\n", encoding="utf-8")
    if layout in ("first", "second", "dir-first", "not-executable", "empty-entry"):
        target = (a if layout == "first" else b) / "tool"
        target.write_text("#!/bin/sh\n", encoding="utf-8")
        target.chmod(0o755)
    entries = [str(a), str(a), str(b)] if layout != "empty-entry" else ["", str(b)]
    monkeypatch.setenv("PATH", os.pathsep.join(entries))
    expected = shutil.which("tool")
    assert kubeconform_path.which("tool") == expected
    assert (expected is None) == (layout == "none")
