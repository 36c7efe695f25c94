"""A trailing newline (or any other line/paragraph separator) never passes a name or pattern check.

Python's ``$`` matches before a final ``\\n``; the API server's Go regexps and JSON Schema's ECMA-262 ones
do not. Every pattern-validated settings field, every name the API server checks in what we emit, and the
YAML emitter's plain-scalar test are held to the Go/ECMA meaning here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config import settings as settings_mod
from generator.config.schema_patterns import ecma_regex
from generator.errors import GeneratorError
from generator.render.yaml_emit import dump, load
from generator.validate.api_rules import check_api_rules
from tests.conftest import REPO

TERMINATORS = ["\n", "\r\n", "\r", "\u2028", "\u2029", "\x85", "\n\n"]
EXAMPLE = {("ingress", "secretRotationTimeZone"): "Etc/UTC", ("kubernetesVersion",): "1.35",
           ("ingress", "kommanderTraefikCertificateName"): "kommander-traefik-tls",
           ("kommander", "clusterName"): "gpu-east"}
# Fields that exist only in rotation.mode kaptain-chart (which has no time zone setting).
CHART_ONLY = {("ingress", "kommanderTraefikCertificateName")}
CHART_BASE = {"ingress": {"enableSecretRotation": True, "secretRotationSchedule": "0 */6 * * *"},
              "rotation": {"mode": "kaptain-chart"}}
# Kubernetes itself splits a schedule on any whitespace (Go's strings.Fields), newlines included: not a name.
NOT_A_PATTERN = {("ingress", "secretRotationSchedule")}


def _string_fields(node: dict[str, Any], path: tuple[str, ...], defs: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    if "$ref" in node:
        node = {**defs[node["$ref"].split("/")[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
    out = []
    for key, sub in (node.get("properties") or {}).items():
        out.extend(_string_fields(sub, (*path, key), defs))
    if node.get("type") == "string" and path not in NOT_A_PATTERN:
        value = EXAMPLE.get(path, node.get("default"))
        if value is None and path[-1] in ("cpu", "memory"):
            value = "10m" if path[-1] == "cpu" else "32Mi"
        if value is None and "enum" in node:
            value = node["enum"][0]
        assert isinstance(value, str), f"no example value for {path}"
        out.append((path, value))
    return out


SCHEMA = json.loads((REPO / "schemas/settings.schema.json").read_text(encoding="utf-8"))
FIELDS = _string_fields(SCHEMA, (), SCHEMA.get("$defs", {}))
BASE = {"ingress": {"enableSecretRotation": True, "secretRotationSchedule": "0 0 * * *",
                    "secretRotationTimeZone": "Etc/UTC"}}


def test_every_string_setting_is_covered() -> None:
    dotted = {".".join(p) for p, _ in FIELDS}
    for name in ("rotation.namespace", "rotation.cronJobName", "rotation.image", "rotation.sourceSecret.key",
                 "rotation.targetSecret.name", "rotation.restart.name", "rotation.resources.requests.cpu",
                 "ingress.secretRotationTimeZone", "kubernetesVersion"):
        assert name in dotted


def _settings_with(path: tuple[str, ...], value: str) -> bytes:
    doc: dict[str, Any] = copy.deepcopy(CHART_BASE if path in CHART_ONLY else BASE)
    node = doc
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    if path[:2] == ("rotation", "resources"):  # both keys are required when the mapping is given
        for part in ("requests", "limits"):
            node_ = doc["rotation"]["resources"].setdefault(part, {})
            node_.setdefault("cpu", "10m")
            node_.setdefault("memory", "32Mi")
    return json.dumps(doc).encode()  # JSON is YAML: escapes like \u2028 survive as the decoded character


@pytest.mark.parametrize(("path", "value"), FIELDS, ids=lambda v: ".".join(v) if isinstance(v, tuple) else "")
def test_each_field_accepts_its_example(path: tuple[str, ...], value: str) -> None:
    assert _errors(_settings_with(path, value)) == []  # the base case is valid


@settings(max_examples=150, deadline=None)
@given(field=st.sampled_from(FIELDS), terminator=st.sampled_from(TERMINATORS), where=st.sampled_from(["end", "middle"]))
def test_no_setting_accepts_a_line_terminator(field: tuple[tuple[str, ...], str], terminator: str, where: str) -> None:
    path, value = field
    bad = value + terminator if where == "end" else value[:1] + terminator + value[1:]
    assert _errors(_settings_with(path, bad)), f"{'.'.join(path)} = {bad!r} passed"


def _errors(data: bytes) -> list[str]:
    """Every error ``validate`` reports for these settings (schema and lint)."""
    from generator.problems import Problem
    from generator.schedule.settings_lint import lint_settings

    try:
        loaded = settings_mod.parse_settings(data, "s.yaml")
    except GeneratorError as err:
        return [p.message for p in Problem.from_errors(err, "s.yaml")]
    return [p.message for p in lint_settings(loaded) if p.is_error]


def _prod_documents() -> list[dict[str, Any]]:
    docs = []
    for name in ("configmap.yaml", "cronjob.yaml", "rbac.yaml"):
        docs.extend(d for d in load_all_file(REPO / "overlays/prod" / name) if d)
    return docs


def load_all_file(path: Path) -> list[Any]:
    from generator.render.yaml_emit import load_all

    return load_all(path.read_text(encoding="utf-8"))


def _name_sites(doc: dict[str, Any]) -> list[tuple[str, ...]]:
    # RBAC object names need only be a URL path segment (ValidateRBACName): the API server takes "a\n" there,
    # so api_rules does too; our settings schema holds those names to DNS-1123 (tested above).
    sites: list[tuple[str, ...]] = [] if doc["kind"] in ("Role", "RoleBinding") else [("metadata", "name")]
    if "namespace" in doc["metadata"]:
        sites.append(("metadata", "namespace"))
    sites.extend(("metadata", "labels", key) for key in (doc["metadata"].get("labels") or {}))
    return sites


DOCS = _prod_documents()
SITES = [(i, site) for i, doc in enumerate(DOCS) for site in _name_sites(doc)]


def test_the_emitted_documents_pass_as_they_are() -> None:
    assert len(SITES) > 10
    assert all(check_api_rules(doc) == [] for doc in DOCS)


@settings(max_examples=150, deadline=None)
@given(site=st.sampled_from(SITES), terminator=st.sampled_from(TERMINATORS), key=st.booleans())
def test_no_emitted_name_or_label_accepts_a_line_terminator(site: tuple[int, tuple[str, ...]], terminator: str,
                                                             key: bool) -> None:
    index, path = site
    doc = copy.deepcopy(DOCS[index])
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    if key and path[-2:-1] == ("labels",):
        parent[path[-1] + terminator] = parent.pop(path[-1])
    else:
        parent[path[-1]] = parent[path[-1]] + terminator
    assert check_api_rules(doc) != []


@given(word=st.from_regex(r"[A-Za-z_/][A-Za-z0-9_./-]{0,20}", fullmatch=True), terminator=st.sampled_from(TERMINATORS))
def test_the_emitter_never_writes_a_terminated_value_plain(word: str, terminator: str) -> None:
    assert load(dump({"k": word + terminator})) == {"k": word + terminator}
    assert load(dump({word + terminator: 1})) == {word + terminator: 1}


def test_ecma_regex_reads_dollar_as_the_end_of_the_text() -> None:
    assert ecma_regex("^[a-z]+$").search("abc")
    assert not ecma_regex("^[a-z]+$").search("abc\n")
    assert ecma_regex("^[$a]+$").search("a$")  # inside a class "$" is a character
    assert ecma_regex(r"^a\$$").search("a$")  # escaped
    assert not ecma_regex("^a.b$").search("a\u2028b")
