"""Argo CD and Flux objects validated offline against the CRD-catalog schemas shipped in schemas/crds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.errors import ManifestError
from generator.validate import manifest_schemas as ms
from generator.validate.manifest_schemas import SchemaRegistry, Violation

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "schemas"
CRDS = SCHEMAS / "crds"
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


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_shipped_crd_schemas_are_used_by_default(kind: str) -> None:
    plain = SchemaRegistry(SCHEMAS, "1.35")
    assert plain.validate(SAMPLES[kind]()) == []
    doc = SAMPLES[kind]()
    doc["spec"]["extra"] = 1
    assert [(v.path, v.rule) for v in plain.validate(doc)] == [("spec.extra", "unknown-field")]


def test_user_crd_schemas_win_on_a_name_clash_and_add_kinds(tmp_path: Path) -> None:
    (tmp_path / "argoproj.io").mkdir()
    (tmp_path / "stable.example.com").mkdir()
    mine = {"type": "object", "properties": {"apiVersion": {}, "kind": {}, "metadata": {},
                                             "spec": {"type": "object", "properties": {"custom": {"type": "string"}}}}}
    (tmp_path / "argoproj.io" / "application_v1alpha1.json").write_text(json.dumps(mine), encoding="utf-8")
    (tmp_path / "stable.example.com" / "crontab_v1.json").write_text(json.dumps(mine), encoding="utf-8")
    registry = SchemaRegistry(SCHEMAS, "1.35", str(tmp_path))
    doc = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {}, "spec": {"custom": "x"}}
    assert registry.validate(doc) == []
    assert [v.path for v in SchemaRegistry(SCHEMAS, "1.35").validate(doc)][-1] == "spec.custom"
    crontab = {"apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": {}, "spec": {"cstom": "x"}}
    assert registry.validate(crontab) == [
        Violation("spec.cstom", 'unknown field "cstom" (did you mean "custom"?)', "unknown-field")
    ]
    # GitRepository is not in the user's folder: the shipped schema still applies.
    assert registry.validate(gitrepository()) == []


def test_kind_without_any_schema_says_both_ways_out() -> None:
    crontab = {"apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": {"name": "c"}}
    (violation,) = SchemaRegistry(SCHEMAS, "1.35").validate(crontab)
    assert violation.rule == "missing-schema"
    assert violation.message == (
        "no schema for CronTab (stable.example.com/v1) in Kubernetes 1.35: give its JSON schema with "
        "--crd-schemas DIR (as DIR/stable.example.com/crontab_v1.json), or skip the kind with --skip CronTab "
        "or skipKinds: [CronTab] in the overlay's settings.yaml"
    )


@pytest.mark.parametrize("skip", ["CronTab", "Foo, CronTab", "stable.example.com/v1/CronTab"])
def test_skipped_kinds_are_not_schema_checked(skip: str) -> None:
    crontab = {"apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": {"name": "c"}}
    assert SchemaRegistry(SCHEMAS, "1.35", skip=[skip]).validate(crontab) == []
    assert SchemaRegistry(SCHEMAS, "1.35").validate(crontab, ms.parse_skip(skip)) == []
    other = SchemaRegistry(SCHEMAS, "1.35", skip=["other.example.com/v1/CronTab"]).validate(crontab)
    assert [v.rule for v in other] == ["missing-schema"]
