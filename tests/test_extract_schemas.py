"""The committed schemas/kubernetes tree is exactly what scripts/extract_schemas.py produces today.

Needs the ``schemas`` extra (kubernetes-validate); CI installs it, so there this test never skips.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, load_script

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "schemas" / "kubernetes"


extract_schemas = load_script("extract_schemas")
VERSIONS = ("1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37")


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    try:
        import kubernetes_validate  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("kubernetes-validate is missing: CI must install the schemas extra (pip install -e '.[schemas]')")
        pytest.skip("needs the schemas extra: pip install -e '.[schemas]'")
    files: dict[str, str] = extract_schemas.extract()
    return files


def test_committed_schemas_match_a_fresh_extraction(fresh: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    status = extract_schemas.main(["--check"])
    out, err = capsys.readouterr()
    assert status == 0, f"schemas/kubernetes is stale; run make schemas\n{out}{err}"
    assert out == ""


def test_layout_is_kubeconforms(fresh: dict[str, str]) -> None:
    folders = {name.split("/")[0] for name in fresh if "/" in name}
    assert folders == {f"v{v}.0-standalone-strict" for v in VERSIONS}
    for version in VERSIONS:
        folder = f"v{version}.0-standalone-strict"
        for name in ("configmap-v1", "serviceaccount-v1", "role-rbac-v1", "rolebinding-rbac-v1", "cronjob-batch-v1",
                     "job-batch-v1", "networkpolicy-networking-v1", "poddisruptionbudget-policy-v1",
                     "deployment-apps-v1", "secret-v1", "limitrange-v1", "event-events-v1", "event-v1"):
            assert f"{folder}/{name}.json" in fresh, (version, name)
        assert f"{folder}/_definitions.json" in fresh
    assert "README.md" in fresh


def _walk(schema: Any) -> list[dict[str, Any]]:
    """Every schema node (not the name maps of ``properties``/``$defs`` themselves)."""
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        found.append(schema)
        for key, value in schema.items():
            if key in ("properties", "patternProperties", "$defs") and isinstance(value, dict):
                for sub in value.values():
                    found.extend(_walk(sub))
            elif key in ("items", "additionalProperties", "not"):
                found.extend(_walk(value))
            elif key in ("oneOf", "anyOf", "allOf") and isinstance(value, list):
                for sub in value:
                    found.extend(_walk(sub))
    return found


def test_kind_files_refer_to_the_shared_definitions_which_are_strict_and_lean(fresh: dict[str, str]) -> None:
    parsed = {name: json.loads(text) for name, text in fresh.items() if name.endswith(".json")}
    for name, schema in parsed.items():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        folder = name.split("/")[0]
        if name.endswith("/_definitions.json"):
            assert "$id" not in schema
            for node in _walk(schema["$defs"]):
                ref = node.get("$ref")
                if isinstance(ref, str):
                    assert ref.startswith("#/$defs/") and ref[len("#/$defs/"):] in schema["$defs"], (name, ref)
                if isinstance(node.get("properties"), dict) and "type" in node:
                    assert node.get("additionalProperties") is False, f"{name}: open object {sorted(node['properties'])}"
            assert not any(isinstance(node.get("description"), str) for node in _walk(schema)), name
        else:
            assert set(schema) == {"$ref", "$schema"}, name
            target = schema["$ref"].removeprefix("_definitions.json#/$defs/")
            definitions = parsed[f"{folder}/_definitions.json"]["$defs"]
            gvk = definitions[target]["x-kubernetes-group-version-kind"]
            assert len(gvk) == 1
            expected = extract_schemas.kind_file_name(gvk[0]["group"], gvk[0]["version"], gvk[0]["kind"])
            assert name == f"{folder}/{expected}"


def test_output_is_canonical_and_formatted(fresh: dict[str, str]) -> None:
    # Determinism across runs is what the --check test above proves (the tree was written by an earlier run).
    for name, text in fresh.items():
        assert text.endswith("\n") and not text.endswith("\n\n"), name
        assert text.isascii(), name
        if name.endswith(".json"):
            for line in text.splitlines():  # only a single key and value may run past WIDTH (long definition names)
                assert len(line) <= extract_schemas.WIDTH or "," not in line.rstrip(","), (name, line)
            schema = json.loads(text)
            assert extract_schemas.dumps(schema) == text  # canonical: re-dumping changes nothing
            assert list(schema) == sorted(schema)


def test_check_mode_lists_every_difference(
    fresh: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract_schemas, "extract", lambda source=None: dict(fresh))
    out = tmp_path / "kubernetes"
    extract_schemas.write(fresh, out)
    assert extract_schemas.differences(fresh, extract_schemas._existing(out)) == []
    stale = out / "v1.35.0-standalone-strict" / "cronjob-batch-v1.json"
    stale.write_text(stale.read_text(encoding="utf-8").replace("CronJob", "CronJobs"), encoding="utf-8")
    (out / "v1.30.0-standalone-strict" / "role-rbac-v1.json").unlink()
    (out / "v1.37.0-standalone-strict" / "deployment-apps-v0.json").write_text("{}\n", encoding="utf-8")

    status = extract_schemas.main(["--check", "--output", str(out)])
    printed, err = capsys.readouterr()
    assert status == 1
    assert printed.splitlines() == [
        "missing: v1.30.0-standalone-strict/role-rbac-v1.json",
        "differs: v1.35.0-standalone-strict/cronjob-batch-v1.json",
        "unexpected: v1.37.0-standalone-strict/deployment-apps-v0.json",
    ]
    assert "3 difference(s)" in err

    changes = extract_schemas.write(fresh, out)
    assert len(changes) == 3
    assert extract_schemas.differences(fresh, extract_schemas._existing(out)) == []
    assert not (out / "v1.37.0-standalone-strict" / "deployment-apps-v0.json").exists()


def test_refuses_refs_it_cannot_keep_local() -> None:
    defs = {"a": {"type": "string"}}
    assert extract_schemas.strip({"$ref": "#/$defs/a"}, defs) == {"$ref": "#/$defs/a"}
    with pytest.raises(extract_schemas.ExtractError, match="unsupported"):
        extract_schemas.strip({"$ref": "#/$defs/b"}, defs)
    with pytest.raises(extract_schemas.ExtractError, match="unsupported"):
        extract_schemas.strip({"$ref": "https://example.com/x.json#/$defs/a"}, defs)


def test_property_named_description_is_kept() -> None:
    schema = {"description": "drop me", "properties": {"description": {"type": "string", "description": "x"}}}
    assert extract_schemas.strip(schema, {}) == {"properties": {"description": {"type": "string"}}}


def test_kind_files_need_exactly_one_group_version_kind() -> None:
    defs = {
        "io.k8s.api.x.v1.Thing": {"x-kubernetes-group-version-kind": [{"group": "x.k8s.io", "version": "v1",
                                                                         "kind": "Thing"}]},
        "io.k8s.apimachinery.DeleteOptions": {"x-kubernetes-group-version-kind": [
            {"group": "", "version": "v1", "kind": "DeleteOptions"}, {"group": "apps", "version": "v1",
                                                                       "kind": "DeleteOptions"}]},
        "io.k8s.api.x.v1.Plain": {"type": "object"},
    }
    assert extract_schemas.kind_files(defs) == {"thing-x-v1.json": "io.k8s.api.x.v1.Thing"}
    defs["io.k8s.api.y.v1.Thing"] = {"x-kubernetes-group-version-kind": [{"group": "x.other.io", "version": "v1",
                                                                          "kind": "Thing"}]}
    with pytest.raises(extract_schemas.ExtractError, match="would hold both"):
        extract_schemas.kind_files(defs)


def test_missing_source_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert extract_schemas.main(["--check", "--source", str(tmp_path)]) == 2
    assert "no schemas for Kubernetes 1.30" in capsys.readouterr().err
