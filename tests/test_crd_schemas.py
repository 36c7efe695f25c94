"""Argo CD and Flux objects validated offline against the CRD-catalog schemas in ../shared/crd-schemas."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import ManifestError
from generator.validate import manifest_schemas as ms
from generator.validate.manifest_schemas import SchemaRegistry, Violation

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "schemas"
CRDS = Path(os.environ.get("KAPTAIN_CRD_SCHEMAS") or Path(__file__).resolve().parents[2] / "shared" / "crd-schemas")
CATALOG_TEMPLATE = "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"
REPO_URL = "https://git.example.com/platform/kaptain-gitops.git"


def application() -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": "kaptain-cert-rotation-prod",
            "namespace": "argocd",
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "project": "default",
            "source": {"repoURL": REPO_URL, "targetRevision": "main", "path": "overlays/prod"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "kaptain-ingress"},
            "syncPolicy": {
                "automated": {"prune": True, "selfHeal": True},
                "syncOptions": ["CreateNamespace=false", "ServerSideApply=true"],
                "retry": {"limit": 3, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "3m"}},
            },
        },
    }


def applicationset() -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "kaptain-cert-rotation", "namespace": "argocd"},
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [
                {
                    "git": {
                        "repoURL": REPO_URL,
                        "revision": "main",
                        "directories": [{"path": "overlays/*"}, {"path": "overlays/scratch", "exclude": True}],
                    }
                }
            ],
            "template": {
                "metadata": {
                    "name": "kaptain-cert-rotation-{{.path.basename}}",
                    "labels": {"app.kubernetes.io/part-of": "kaptain"},
                },
                "spec": {
                    "project": "default",
                    "source": {"repoURL": REPO_URL, "targetRevision": "main", "path": "{{.path.path}}"},
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": "kaptain-ingress"},
                    "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
                },
            },
        },
    }


def gitrepository() -> dict[str, Any]:
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": "kaptain-gitops", "namespace": "flux-system"},
        "spec": {"interval": "5m", "url": REPO_URL, "ref": {"branch": "main"}, "timeout": "60s"},
    }


def kustomization() -> dict[str, Any]:
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "kaptain-cert-rotation-prod", "namespace": "flux-system"},
        "spec": {
            "interval": "10m",
            "path": "./overlays/prod",
            "prune": True,
            "sourceRef": {"kind": "GitRepository", "name": "kaptain-gitops"},
            "targetNamespace": "kaptain-ingress",
            "wait": True,
            "timeout": "5m",
        },
    }


SAMPLES = {
    "Application": application,
    "ApplicationSet": applicationset,
    "GitRepository": gitrepository,
    "Kustomization": kustomization,
}


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    assert CRDS.is_dir(), f"CRD schemas not found at {CRDS}; set KAPTAIN_CRD_SCHEMAS"
    return SchemaRegistry(SCHEMAS, "1.35", str(CRDS))


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_samples_are_valid(registry: SchemaRegistry, kind: str) -> None:
    assert registry.validate(SAMPLES[kind]()) == []


@pytest.fixture(
    scope="module",
    params=[
        "{crds}/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json",
        "file://{crds}/{{{{ .Group }}}}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json",
    ],
)
def templated(request: pytest.FixtureRequest) -> SchemaRegistry:
    return SchemaRegistry(SCHEMAS, "1.35", request.param.format(crds=CRDS))


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_template_location_finds_the_same_schemas(templated: SchemaRegistry, kind: str) -> None:
    assert templated.validate(SAMPLES[kind]()) == []
    doc = SAMPLES[kind]()
    doc["spek"] = {}
    assert ("spek", "unknown-field") in {(v.path, v.rule) for v in templated.validate(doc)}


def _violations(registry: SchemaRegistry, doc: dict[str, Any]) -> list[Violation]:
    return registry.validate(doc)


def test_application_misspelled_source(registry: SchemaRegistry) -> None:
    doc = application()
    doc["spec"]["sourse"] = doc["spec"].pop("source")
    assert _violations(registry, doc) == [
        Violation("spec.sourse", 'unknown field "sourse" (did you mean "source"?)', "unknown-field")
    ]


def test_applicationset_misspelled_directories(registry: SchemaRegistry) -> None:
    doc = applicationset()
    git = doc["spec"]["generators"][0]["git"]
    git["directory"] = git.pop("directories")
    git["directory"][1]["exclude"] = "yes"
    found = _violations(registry, doc)
    assert found == [
        Violation(
            "spec.generators[0].git.directory",
            'unknown field "directory" (did you mean "directories"?)',
            "unknown-field",
        )
    ]
    doc["spec"]["generators"][0]["git"]["directories"] = [{"path": "overlays/*", "exclude": "yes"}]
    paths = {(v.path, v.rule) for v in _violations(registry, doc)}
    assert ("spec.generators[0].git.directories[0].exclude", "schema") in paths


def test_applicationset_template_metadata_is_strict(registry: SchemaRegistry) -> None:
    doc = applicationset()
    doc["spec"]["template"]["metadata"]["label"] = {"a": "b"}
    (violation,) = _violations(registry, doc)
    assert violation.path == "spec.template.metadata.label"
    assert violation.message == 'unknown field "label" (did you mean "labels"?)'


def test_flux_kustomization_misspelled_and_missing(registry: SchemaRegistry) -> None:
    doc = kustomization()
    doc["spec"]["prun"] = doc["spec"].pop("prune")
    found = {(v.path, v.rule, v.message) for v in _violations(registry, doc)}
    assert found == {
        ("spec.prun", "unknown-field", 'unknown field "prun" (did you mean "prune"?)'),
        ("spec.prune", "schema", 'missing required field "prune"'),
    }


def test_flux_gitrepository_nested_and_pattern(registry: SchemaRegistry) -> None:
    doc = gitrepository()
    doc["spec"]["ref"]["brnach"] = doc["spec"]["ref"].pop("branch")
    doc["spec"]["interval"] = "5 minutes"
    found = {(v.path, v.rule) for v in _violations(registry, doc)}
    assert found == {("spec.ref.brnach", "unknown-field"), ("spec.interval", "schema")}


def test_root_of_crd_documents_is_closed(registry: SchemaRegistry) -> None:
    doc = gitrepository()
    doc["sepc"] = doc.pop("spec")
    found = {(v.path, v.rule, v.message) for v in _violations(registry, doc)}
    assert ("sepc", "unknown-field", 'unknown field "sepc" (did you mean "spec"?)') in found


def test_unknown_crd_kind_is_missing_schema(registry: SchemaRegistry) -> None:
    (violation,) = registry.validate({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {}})
    assert violation.rule == "missing-schema"
    assert "rollout_v1alpha1.json" in violation.message


@pytest.mark.parametrize(
    "location",
    [
        "https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/" + CATALOG_TEMPLATE,
        "http://example.com/schemas",
        "HTTPS://example.com/{{.Group}}.json",
    ],
)
def test_network_locations_are_refused(location: str) -> None:
    with pytest.raises(ManifestError, match="never uses the network"):
        SchemaRegistry(SCHEMAS, "1.35", location)


def test_bad_crd_locations(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="unknown variable"):
        SchemaRegistry(SCHEMAS, "1.35", f"{CRDS}/{{{{.Grop}}}}/x.json")
    with pytest.raises(ManifestError, match="does not exist"):
        SchemaRegistry(SCHEMAS, "1.35", str(tmp_path / "nope"))
    broken = tmp_path / "argoproj.io"
    broken.mkdir()
    (broken / "application_v1alpha1.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ManifestError, match="cannot read schema"):
        SchemaRegistry(SCHEMAS, "1.35", str(tmp_path)).validate(application())


def test_built_in_kinds_still_use_the_kubernetes_schemas(registry: SchemaRegistry) -> None:
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "dataa": {}}
    assert {(v.path, v.rule) for v in registry.validate(doc)} == {("dataa", "unknown-field")}


# --------------------------------------------------------------------------------------------
# The compiled validator agrees with jsonschema on the (closed) CRD schemas too
# --------------------------------------------------------------------------------------------

_PAIRS: dict[str, tuple[ms.DocValidator, ms.DocValidator]] = {}


def _pair(kind: str) -> tuple[ms.DocValidator, ms.DocValidator]:
    if kind not in _PAIRS:
        doc = SAMPLES[kind]()
        group, version = ms.split_api_version(doc["apiVersion"])
        raw = json.loads((CRDS / group / f"{kind.lower()}_{version}.json").read_text(encoding="utf-8"))
        closed = ms.close_objects(raw)
        ms.compile_schema(closed)  # the CRD schemas need no jsonschema fallback
        _PAIRS[kind] = (ms.fast_validator(closed), ms.jsonschema_validator(closed, check_schema=False))
    return _PAIRS[kind]


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    out = [(path, value)]
    if isinstance(value, dict):
        for key, sub in value.items():
            out.extend(_nodes(sub, (*path, key)))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            out.extend(_nodes(sub, (*path, index)))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    kind = draw(st.sampled_from(sorted(SAMPLES)))
    doc = SAMPLES[kind]()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        nodes = _nodes(doc)
        path, node = nodes[draw(st.integers(min_value=1, max_value=len(nodes) - 1))]
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        op = draw(st.sampled_from(["drop", "add", "retype"]))
        value = copy.deepcopy(draw(st.sampled_from([None, 1, -2, "x", "", True, [], {}, ["y"], {"z": 1}])))
        if op == "drop":
            del parent[path[-1]]
        elif op == "add" and isinstance(node, dict):
            node[draw(st.sampled_from(["name", "extra", "paths", "kind"]))] = value
        else:
            parent[path[-1]] = value
    return kind, doc


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_crd_equivalence_on_mutations(case: tuple[str, Any]) -> None:
    kind, doc = case
    fast, reference = _pair(kind)
    assert {(v.path, v.rule) for v in fast(doc)} == {(v.path, v.rule) for v in reference(doc)}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_crd_equivalence_on_samples(kind: str) -> None:
    fast, reference = _pair(kind)
    assert fast(SAMPLES[kind]()) == reference(SAMPLES[kind]()) == []
