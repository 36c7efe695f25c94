"""gitops.yaml → deploy/ (Argo CD ApplicationSet/Applications/CMP plugin, Flux GitRepository/Kustomizations)."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cli.main import build_parser, cmd_build
from generator.config.settings import SettingsErrors
from generator.errors import GeneratorError, OverlayError, SettingsError
from generator.render import delivery as dl
from generator.render import delivery_config as dc
from generator.render.overlay import is_untouched, split_header
from generator.validate.manifest_schemas import SchemaRegistry

REPO = Path(__file__).resolve().parents[1]
OVERLAYS = ["overlays/dev", "overlays/prod"]
REPO_URL = "https://github.com/example/kaptain-gitops-config.git"


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    """The shipped CRD schemas (schemas/crds) are used by default: no location needed."""
    return SchemaRegistry(REPO / "schemas" / "kubernetes", "1.35")


def config(**changes: Any) -> dl.DeliveryConfig:
    return dl.DeliveryConfig(**{"repo_url": REPO_URL, **changes})


def rendered(cfg: dl.DeliveryConfig | None = None, overlays: list[str] | None = None) -> dict[str, dl.DeliveryFile]:
    return {f.path: f for f in dl.render_delivery(cfg or config(), OVERLAYS if overlays is None else overlays)}


def doc(path: str, cfg: dl.DeliveryConfig | None = None) -> dict[str, Any]:
    return copy.deepcopy(rendered(cfg)[path].documents[0])


def parse(text: str) -> dl.DeliveryConfig:
    return dc.parse_delivery_config(text.encode("utf-8"), "gitops.yaml")


def error_of(text: str) -> SettingsError:
    with pytest.raises(SettingsError) as info:
        parse(text)
    return info.value


# --------------------------------------------------------------------------------------------
# Output files
# --------------------------------------------------------------------------------------------


def test_output_files_in_order() -> None:
    assert list(rendered()) == [
        "deploy/argocd/applicationset.yaml",
        "deploy/argocd/applications/dev.yaml",
        "deploy/argocd/applications/prod.yaml",
        "deploy/argocd/cmp-plugin.yaml",
        "deploy/argocd/cronjob-health.yaml",
        "deploy/flux/source.yaml",
        "deploy/flux/dev.yaml",
        "deploy/flux/prod.yaml",
    ]


def test_every_file_carries_an_intact_generator_header() -> None:
    for f in rendered().values():
        digest, body = split_header(f.text)
        assert digest is not None and is_untouched(f.text), f.path
        assert "from gitops.yaml" in f.text.splitlines()[0]
        assert tuple(d for d in yaml.safe_load_all(body) if d) == f.documents


def test_rendered_objects_validate_strictly_against_crd_schemas(registry: SchemaRegistry) -> None:
    files = rendered(overlays=[*OVERLAYS, "overlays/team-a/staging"]).values()
    checked = 0
    for f in files:
        if f.path == dl.PLUGIN_FILE:  # the CMP plugin file is not a Kubernetes object
            continue
        for d in f.documents:
            assert registry.validate(d) == [], f.path
            checked += 1
    assert checked == 1 + 3 + 1 + 1 + 3  # ApplicationSet, Applications, argocd-cm patch, GitRepository, Kustomizations


def test_plugin_file_is_not_a_kubernetes_object() -> None:
    plugin = rendered()[dl.PLUGIN_FILE].documents[0]
    assert (plugin['apiVersion'], plugin['kind']) == ('argoproj.io/v1alpha1', 'ConfigManagementPlugin')


@pytest.mark.parametrize(
    ("path", "mutate", "where", "suggestion"),
    [
        ("deploy/argocd/applications/prod.yaml",
         lambda d: d["spec"]["source"].__setitem__("targetRevison", d["spec"]["source"].pop("targetRevision")),
         "spec.source.targetRevison", "targetRevision"),
        ("deploy/argocd/applicationset.yaml",
         lambda d: d["spec"]["template"]["spec"]["syncPolicy"]["automated"].__setitem__("selfHael", True),
         "spec.template.spec.syncPolicy.automated.selfHael", "selfHeal"),
        ("deploy/flux/prod.yaml", lambda d: d["spec"].__setitem__("prun", d["spec"].pop("prune")),
         "spec.prun", "prune"),
        ("deploy/flux/source.yaml", lambda d: d["spec"]["ref"].__setitem__("brnch", "main"),
         "spec.ref.brnch", "branch"),
    ],
)
def test_misspelled_field_is_reported_with_its_path(registry: SchemaRegistry, path: str, mutate: Any, where: str,
                                                    suggestion: str) -> None:
    d = doc(path)
    mutate(d)
    violations = registry.validate(d)
    unknown = [v for v in violations if v.rule == "unknown-field"]
    assert [v.path for v in unknown] == [where], violations
    assert f'did you mean "{suggestion}"' in unknown[0].message


# The sidecar plugin.yaml shape (argo-cd docs/operator-manual/config-management-plugins.md), as far as we use it.
_COMMAND = {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}
PLUGIN_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "argoproj.io/v1alpha1"},
        "kind": {"const": "ConfigManagementPlugin"},
        "metadata": {
            "type": "object", "additionalProperties": False, "required": ["name"],
            "properties": {"name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"}},
        },
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["generate"],  # discover is optional from Argo CD 2.7 (argo-cd #12073)
            "properties": {
                "version": {"type": "string", "minLength": 1},
                "init": {"$ref": "#/$defs/command"},
                "generate": {"$ref": "#/$defs/command"},
                "discover": {
                    "type": "object", "additionalProperties": False, "minProperties": 1,
                    "properties": {
                        "fileName": {"type": "string", "minLength": 1},
                        "find": {
                            "type": "object", "additionalProperties": False,
                            "properties": {"glob": {"type": "string"}, "command": _COMMAND, "args": _COMMAND},
                        },
                    },
                },
                "parameters": {"type": "object"},
                "preserveFileMode": {"type": "boolean"},
                "provideGitCreds": {"type": "boolean"},
            },
        },
    },
    "$defs": {
        "command": {
            "type": "object", "additionalProperties": False, "required": ["command"],
            "properties": {"command": _COMMAND, "args": _COMMAND},
        },
    },
}


def test_cmp_plugin_file_has_the_sidecar_plugin_shape() -> None:
    plugin = doc(dl.PLUGIN_FILE)
    jsonschema.validate(plugin, PLUGIN_SCHEMA)
    assert plugin["metadata"]["name"] == "kaptain-gitops"
    assert "discover" not in plugin["spec"]  # matched only by Applications naming kaptain-gitops-v1
    assert plugin["spec"]["generate"] == {"command": ["kaptain-gitops", "build", "."]}
    text = rendered()[dl.PLUGIN_FILE].text
    assert "argocd-cmd-params-cm" in text and "60 s" in text and "ARGOCD_EXEC_TIMEOUT" not in text


def test_cmp_plugin_schema_rejects_a_misspelled_field() -> None:
    plugin = doc(dl.PLUGIN_FILE)
    plugin["spec"]["generate"]["comand"] = plugin["spec"]["generate"].pop("command")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(plugin, PLUGIN_SCHEMA)


def test_cmp_generate_command_is_the_cli_build_command() -> None:
    argv = doc(dl.PLUGIN_FILE)["spec"]["generate"]["command"]
    assert argv[0] == "kaptain-gitops"
    args = build_parser().parse_args(argv[1:])
    assert args.func is cmd_build and args.overlay == "."


def test_cmp_generate_command_runs_in_the_overlay_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import io
    import shutil

    from generator.cli.main import main

    shutil.copytree(REPO / "overlays" / "prod", tmp_path / "overlays" / "prod")
    monkeypatch.chdir(tmp_path / "overlays" / "prod")
    monkeypatch.setenv("ARGOCD_APP_SOURCE_PATH", "overlays/prod")
    out, err = io.StringIO(), io.StringIO()
    assert main(["build", "."], out, err) == 0, err.getvalue()
    kinds = [d["kind"] for d in yaml.safe_load_all(out.getvalue()) if d]
    assert "CronJob" in kinds
    monkeypatch.delenv("ARGOCD_APP_SOURCE_PATH")
    out, err = io.StringIO(), io.StringIO()
    assert main(["build", "."], out, err) == 0, err.getvalue()
    assert [d["kind"] for d in yaml.safe_load_all(out.getvalue()) if d] == kinds


# --------------------------------------------------------------------------------------------
# Content decisions
# --------------------------------------------------------------------------------------------


def test_applicationset_uses_a_git_files_generator_on_settings_files() -> None:
    appset = doc(dl.APPLICATIONSET_FILE)
    git = appset["spec"]["generators"][0]["git"]
    assert git == {"repoURL": REPO_URL, "revision": "main", "files": [{"path": "overlays/**/settings.yaml"}]}
    assert appset["spec"]["goTemplate"] is True
    assert appset["spec"]["goTemplateOptions"] == ["missingkey=error"]
    assert appset["spec"]["template"]["spec"]["source"]["path"] == "{{ .path.path }}"


def test_applications_equal_what_the_applicationset_generates() -> None:
    template = doc(dl.APPLICATIONSET_FILE)["spec"]["template"]
    for overlay in OVERLAYS:
        name = overlay.rsplit("/", 1)[1]
        app = doc(f"deploy/argocd/applications/{name}.yaml")
        expected = copy.deepcopy(template)
        expected["spec"]["source"]["path"] = overlay
        # the Go template expression, evaluated the way Argo CD's sprig functions do
        expected["metadata"]["name"] = "kaptain-cert-rotation-" + overlay.removeprefix("overlays/").replace("/", "-")
        assert app["metadata"]["name"] == expected["metadata"]["name"] == f"kaptain-cert-rotation-{name}"
        assert {k: v for k, v in app["metadata"].items() if k != "namespace"} == expected["metadata"]
        assert app["spec"] == expected["spec"]


def test_sync_policy() -> None:
    policy = doc("deploy/argocd/applications/prod.yaml")["spec"]["syncPolicy"]
    assert policy["automated"] == {"prune": True, "selfHeal": True}
    assert "ApplyOutOfSyncOnly=true" in policy["syncOptions"]  # second guard: an unchanged Job is not even patched
    assert "CreateNamespace=false" in policy["syncOptions"]
    assert "ServerSideApply=true" not in policy["syncOptions"]
    app = doc("deploy/argocd/applications/prod.yaml")
    assert "ignoreDifferences" not in app["spec"]  # would hide a changed Job from Force=true
    assert app["spec"]["destination"] == {"server": "https://kubernetes.default.svc", "namespace": "kaptain-ingress"}


def test_flux_kustomization() -> None:
    ks = doc("deploy/flux/prod.yaml")
    assert ks["spec"] == {
        "interval": "10m", "timeout": "20m", "path": "./overlays/prod", "prune": True, "wait": True, "force": False,
        "sourceRef": {"kind": "GitRepository", "name": "kaptain-gitops"},
    }
    assert "targetNamespace" not in ks["spec"] and "postBuild" not in ks["spec"]
    assert ks["metadata"] == {"name": "kaptain-cert-rotation-prod", "namespace": "flux-system",
                              "labels": {"app.kubernetes.io/part-of": "kaptain",
                                         "app.kubernetes.io/managed-by": "kaptain-gitops"}}


@pytest.mark.parametrize(
    ("revision", "ref"),
    [
        ("main", {"branch": "main"}),
        ("release/1.x", {"branch": "release/1.x"}),
        ("refs/tags/v1.2.0", {"name": "refs/tags/v1.2.0"}),
        ("0123456789abcdef0123456789abcdef01234567", {"commit": "0123456789abcdef0123456789abcdef01234567"}),
    ],
)
def test_flux_source_ref_follows_target_revision(revision: str, ref: dict[str, str]) -> None:
    source = doc(dl.FLUX_SOURCE_FILE, config(target_revision=revision))
    assert source["spec"] == {"interval": "10m", "url": REPO_URL, "ref": ref}
    app = doc("deploy/argocd/applications/prod.yaml", config(target_revision=revision))
    assert app["spec"]["source"]["targetRevision"] == revision


def test_config_values_reach_every_object(registry: SchemaRegistry) -> None:
    cfg = parse(
        "repoURL: ssh://git@git.example.com/platform/rotation.git\n"
        "targetRevision: stable\n"
        "overlaysPath: clusters/overlays\n"
        "argocd: {namespace: gitops, project: platform, destinationServer: 'https://10.0.0.1:6443'}\n"
        "flux: {namespace: flux, interval: 1h30m, timeout: 45m, sourceName: rotation.source}\n"
    )
    files = {f.path: f for f in dl.render_delivery(cfg, ["clusters/overlays/eu-1"])}
    app = files["deploy/argocd/applications/eu-1.yaml"].documents[0]
    assert app["metadata"]["namespace"] == "gitops" and app["spec"]["project"] == "platform"
    assert app["spec"]["destination"]["server"] == "https://10.0.0.1:6443"
    assert app["spec"]["source"] == {"repoURL": "ssh://git@git.example.com/platform/rotation.git",
                                     "targetRevision": "stable", "path": "clusters/overlays/eu-1"}
    appset = files[dl.APPLICATIONSET_FILE].documents[0]
    assert appset["spec"]["generators"][0]["git"]["files"] == [{"path": "clusters/overlays/**/settings.yaml"}]
    assert '"clusters/overlays/"' in appset["spec"]["template"]["metadata"]["name"]
    ks = files["deploy/flux/eu-1.yaml"].documents[0]
    assert ks["metadata"]["namespace"] == "flux" and ks["spec"]["interval"] == "1h30m"
    assert ks["spec"]["timeout"] == "45m" and ks["spec"]["sourceRef"]["name"] == "rotation.source"
    for f in files.values():
        if f.path != dl.PLUGIN_FILE:
            assert registry.validate(f.documents[0]) == [], f.path


def test_nested_overlays_get_path_names_and_one_generator_pattern() -> None:
    overlays = ["overlays/prod", "overlays/team-a/dev", "overlays/team-a/prod"]
    files = rendered(overlays=overlays)
    assert "deploy/argocd/applications/team-a-prod.yaml" in files and "deploy/flux/team-a-dev.yaml" in files
    generator = files[dl.APPLICATIONSET_FILE].documents[0]["spec"]["generators"][0]["git"]
    assert generator["files"] == [{"path": "overlays/**/settings.yaml"}] and "directories" not in generator


def test_no_overlays_still_renders_the_shared_objects() -> None:
    assert list(rendered(overlays=[])) == [dl.APPLICATIONSET_FILE, dl.PLUGIN_FILE, dl.HEALTH_FILE,
                                           dl.FLUX_SOURCE_FILE]


@pytest.mark.parametrize(
    ("overlays", "rule"),
    [
        (["elsewhere/prod"], "delivery-path"),
        (["overlays/Prod"], "delivery-name"),
        (["overlays/prod_eu"], "delivery-name"),
        (["overlays/" + "x" * 42], "delivery-name"),
        (["overlays/a-b/c", "overlays/a/b-c"], "delivery-name"),
    ],
)
def test_overlay_directories_that_cannot_name_objects_are_refused(overlays: list[str], rule: str) -> None:
    with pytest.raises(OverlayError) as info:
        dl.render_delivery(config(), overlays)
    assert info.value.rule == rule


def test_longest_overlay_name_fits_a_label_value() -> None:
    name = "x" * (63 - len(dl.NAME_PREFIX))
    files = rendered(overlays=[f"overlays/{name}"])
    assert len(files[f"deploy/flux/{name}.yaml"].documents[0]["metadata"]["name"]) == 63


def test_rendering_is_deterministic() -> None:
    first = [(f.path, f.text) for f in dl.render_delivery(config(), OVERLAYS)]
    second = [(f.path, f.text) for f in dl.render_delivery(config(), list(reversed(OVERLAYS)))]
    assert first == second
    shuffled = [*OVERLAYS, "overlays/a", "overlays/z"]
    random.Random(4).shuffle(shuffled)
    third = [(f.path, f.text) for f in dl.render_delivery(config(), shuffled)]
    assert third == [(f.path, f.text) for f in dl.render_delivery(config(), sorted(shuffled))]


# gitops.yaml values are ASCII (schema); astral characters are left out because yaml_emit.scalar writes them as
# JSON surrogate pairs, which PyYAML does not join (the render check would refuse such output).
_BMP = st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",))


@settings(max_examples=40, deadline=None)
@given(st.text(_BMP, min_size=1, max_size=40), st.text(_BMP, min_size=1, max_size=20))
def test_values_cannot_change_the_document_structure(url: str, revision: str) -> None:
    # Bypass validation on purpose: even hostile values reach YAML only as JSON scalars.
    cfg = config(repo_url=url, target_revision=revision)
    files = {f.path: f for f in dl.render_delivery(cfg, OVERLAYS)}
    assert files[dl.FLUX_SOURCE_FILE].documents[0]["spec"]["url"] == url
    assert files["deploy/argocd/applications/dev.yaml"].documents[0]["spec"]["source"]["targetRevision"] == revision


# --------------------------------------------------------------------------------------------
# gitops.yaml
# --------------------------------------------------------------------------------------------


def test_example_gitops_yaml_loads_with_defaults() -> None:
    from generator.render.kommander import KommanderConfig

    cfg = dc.load_delivery_config(REPO)
    assert cfg == dl.DeliveryConfig(repo_url=REPO_URL, kommander=KommanderConfig("kaptain-workspace", "2.2.0"))


def test_minimal_config_gets_the_defaults() -> None:
    assert parse(f"repoURL: {REPO_URL}\n") == config()


def test_absent_config_is_none(tmp_path: Path) -> None:
    assert dc.load_delivery_config(tmp_path) is None


def test_config_symlink_out_of_the_repo_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(f"repoURL: {REPO_URL}\n", encoding="utf-8")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "gitops.yaml").symlink_to(outside)
    with pytest.raises(SettingsError) as info:
        dc.load_delivery_config(root)
    assert info.value.rule == "symlink-outside-repo"


def test_unknown_key_with_suggestion() -> None:
    err = error_of(f"repoURL: {REPO_URL}\nflux:\n  namespace: flux-system\n  intervall: 5m\n")
    assert (err.file, err.line, err.col, err.rule) == ("gitops.yaml", 4, 3, "unknown-key")
    assert "'intervall' under flux" in err.message and err.hint == "did you mean 'interval'?"


def test_unknown_top_level_key_suggests_by_case() -> None:
    err = error_of("repoUrl: https://example.com/x.git\n")
    assert (err.line, err.col, err.rule) == (1, 1, "unknown-key")
    assert err.hint == "did you mean 'repoURL'?"


def test_repo_url_of_the_wrong_type() -> None:
    err = error_of("targetRevision: main\nrepoURL: 42\n")
    assert (err.line, err.col, err.rule) == (2, 10, "wrong-type")
    assert err.message == "repoURL must be a string, got integer 42"


@pytest.mark.parametrize(
    ("text", "line", "col", "rule"),
    [
        ("repoURL: git@github.com:example/x.git\n", 1, 10, "invalid-url"),
        ("repoURL: 'https://user:token@github.com/example/x.git'\n", 1, 10, "credentials-in-url"),
        ("repoURL: https://github.com\n", 1, 10, "invalid-url"),
        (f"repoURL: {REPO_URL}\nargocd:\n  destinationServer: http://insecure:8080\n", 3, 22, "invalid-url"),
    ],
)
def test_bad_urls(text: str, line: int, col: int, rule: str) -> None:
    err = error_of(text)
    assert (err.line, err.col, err.rule) == (line, col, rule), err.message


@pytest.mark.parametrize(
    ("value", "rule"),
    [('"10 minutes"', "invalid-duration"), ('"1d"', "invalid-duration"), ('"0s"', "invalid-duration"),
     ("10", "wrong-type")],
)
def test_bad_duration(value: str, rule: str) -> None:
    err = error_of(f"repoURL: {REPO_URL}\nflux:\n  interval: {value}\n")
    assert (err.file, err.line, err.col, err.rule) == ("gitops.yaml", 3, 13, rule), err.message
    if rule == "wrong-type":
        assert err.hint == 'quote the value: "10"'
    else:
        assert "flux.interval" in err.message


def test_bad_names() -> None:
    err = error_of(f"repoURL: {REPO_URL}\nargocd:\n  namespace: Argo_CD\n")
    assert (err.line, err.col, err.rule) == (3, 14, "invalid-name")
    assert "DNS-1123" in err.message


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (f"repoURL: {REPO_URL}\noverlaysPath: ../elsewhere\n", "invalid-path"),
        (f"repoURL: {REPO_URL}\noverlaysPath: /abs\n", "invalid-path"),
        (f"repoURL: {REPO_URL}\noverlaysPath: deploy/overlays\n", "invalid-path"),
        (f"repoURL: {REPO_URL}\ntargetRevision: HEAD\n", "invalid-revision"),
        (f"repoURL: {REPO_URL}\ntargetRevision: 'my branch'\n", "invalid-revision"),
    ],
)
def test_bad_paths_and_revisions(text: str, rule: str) -> None:
    err = error_of(text)
    assert err.line == 2 and err.rule == rule, err.message


def test_missing_repo_url_and_empty_file() -> None:
    err = error_of("targetRevision: main\n")
    assert (err.line, err.col, err.rule) == (1, 1, "missing-key")
    assert "repoURL" in err.message
    assert error_of("# nothing yet\n").rule == "empty-file"
    assert error_of("- repoURL\n").rule == "not-a-mapping"


def test_yaml_source_rules_apply() -> None:
    err = error_of(f"repoURL: {REPO_URL}\nrepoURL: {REPO_URL}\n")
    assert (err.line, err.rule) == (2, "duplicate-key")


def test_several_errors_are_all_reported() -> None:
    with pytest.raises(SettingsErrors) as info:
        parse(f"repoURL: {REPO_URL}\nargocd:\n  namespace: A\nflux:\n  interval: soon\n")
    assert [(e.line, e.rule) for e in info.value.errors] == [(3, "invalid-name"), (5, "invalid-duration")]
    assert isinstance(info.value, GeneratorError)


def test_duration_seconds() -> None:
    assert dc.duration_seconds("1h30m") == 5400
    assert dc.duration_seconds("1.5s") == 1.5
    assert dc.duration_seconds("250ms") == 0.25
