"""The committed schemas/kubernetes tree is exactly what scripts/extract_schemas.py produces today."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "schemas" / "kubernetes"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("extract_schemas", REPO / "scripts" / "extract_schemas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("extract_schemas", module)
    spec.loader.exec_module(module)
    return module


extract_schemas = _load_script()


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    files: dict[str, str] = extract_schemas.extract()
    return files


def test_committed_schemas_match_a_fresh_extraction(capsys: pytest.CaptureFixture[str]) -> None:
    status = extract_schemas.main(["--check"])
    out, err = capsys.readouterr()
    assert status == 0, f"schemas/kubernetes is stale; run scripts/extract_schemas.py\n{out}{err}"
    assert out == ""


def test_layout_is_kubeconforms(fresh: dict[str, str]) -> None:
    expected = {"README.md"}
    for version in ("1.30", "1.35", "1.36", "1.37"):
        for name in (
            "configmap-v1",
            "serviceaccount-v1",
            "role-rbac-v1",
            "rolebinding-rbac-v1",
            "cronjob-batch-v1",
            "job-batch-v1",
            "deployment-apps-v1",
        ):
            expected.add(f"v{version}.0-standalone-strict/{name}.json")
    assert set(fresh) == expected


def _walk(schema: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        found.append(schema)
        for value in schema.values():
            found.extend(_walk(value))
    elif isinstance(schema, list):
        for value in schema:
            found.extend(_walk(value))
    return found


def test_schemas_are_standalone_strict_and_lean(fresh: dict[str, str]) -> None:
    for name, text in fresh.items():
        if not name.endswith(".json"):
            continue
        schema = json.loads(text)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert "$ref" not in text, name
        for node in _walk(schema["properties"]):
            if isinstance(node.get("properties"), dict) and "type" in node:
                assert node.get("additionalProperties") is False, f"{name}: open object {sorted(node['properties'])}"
        assert not any(isinstance(node.get("description"), str) for node in _walk(schema)), name


def test_output_is_canonical_and_formatted(fresh: dict[str, str]) -> None:
    # Determinism across runs is what the --check test above proves (the tree was written by an earlier run).
    for name, text in fresh.items():
        assert text.endswith("\n") and not text.endswith("\n\n"), name
        assert text.isascii(), name
        if name.endswith(".json"):
            assert max(len(line) for line in text.splitlines()) <= extract_schemas.WIDTH, name
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
    stale.write_text(stale.read_text(encoding="utf-8").replace('"CronJob"', '"CronJobs"'), encoding="utf-8")
    (out / "v1.30.0-standalone-strict" / "role-rbac-v1.json").unlink()
    (out / "v1.37.0-standalone-strict" / "statefulset-apps-v1.json").write_text("{}\n", encoding="utf-8")

    status = extract_schemas.main(["--check", "--output", str(out)])
    printed, err = capsys.readouterr()
    assert status == 1
    assert printed.splitlines() == [
        "missing: v1.30.0-standalone-strict/role-rbac-v1.json",
        "differs: v1.35.0-standalone-strict/cronjob-batch-v1.json",
        "unexpected: v1.37.0-standalone-strict/statefulset-apps-v1.json",
    ]
    assert "3 difference(s)" in err

    changes = extract_schemas.write(fresh, out)
    assert len(changes) == 3
    assert extract_schemas.differences(fresh, extract_schemas._existing(out)) == []
    assert not (out / "v1.37.0-standalone-strict" / "statefulset-apps-v1.json").exists()


def test_refuses_recursive_refs() -> None:
    inliner = extract_schemas._Inliner({"a": {"properties": {"b": {"$ref": "#/$defs/a"}}}})
    with pytest.raises(extract_schemas.ExtractError, match="recursive"):
        inliner.schema({"$ref": "/api/_definitions.json#/$defs/a"}, ())
    with pytest.raises(extract_schemas.ExtractError, match="sibling"):
        extract_schemas._Inliner({"a": {}}).schema({"$ref": "#/$defs/a", "type": "object"}, ())


def test_property_named_description_is_kept() -> None:
    inliner = extract_schemas._Inliner({})
    schema = {"description": "drop me", "properties": {"description": {"type": "string", "description": "x"}}}
    assert inliner.schema(schema, ()) == {"properties": {"description": {"type": "string"}}}


def test_missing_source_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert extract_schemas.main(["--check", "--source", str(tmp_path)]) == 2
    assert "no schemas for Kubernetes 1.30" in capsys.readouterr().err
