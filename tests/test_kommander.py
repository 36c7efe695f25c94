"""DKP: rotation.mode, Kaptain values for Kommander (deploy/kommander), and trigger/verify/diff in both modes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.config.settings import parse_settings
from generator.errors import GeneratorError
from generator.pipeline.verify import assess_cronjob, owners
from generator.render.yaml_emit import load, load_all
from tests.conftest import REPO, require_kubectl, run_cli

WORKSPACE = REPO / "tests" / "golden" / "dkp-workspace"
RECORDED = REPO / "tests" / "examples" / "verify"
CHART = b'ingress:\n  enableSecretRotation: true\n  secretRotationSchedule: "0 */6 * * *"\nrotation:\n  mode: kaptain-chart\n'


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """The three-cluster workspace (gpu-east, gpu-west: kaptain-chart; core: standalone), rendered and committed."""
    root = tmp_path / "ws"
    shutil.copytree(WORKSPACE, root, ignore=shutil.ignore_patterns(".kaptain-gitops"))
    return root


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   check=True, capture_output=True)


def _errors(data: bytes) -> list[GeneratorError]:
    with pytest.raises(GeneratorError) as info:
        parse_settings(data, "s.yaml")
    return list(getattr(info.value, "errors", [info.value]))


# ------------------------------------------------------------------------------------------- settings


def test_standalone_is_the_default_and_renders_as_before() -> None:
    s = parse_settings((REPO / "overlays/prod/settings.yaml").read_bytes(), "s").settings
    assert (s.mode, s.chart_mode) == ("standalone", False)
    assert "mode" not in s.to_mapping()["rotation"]  # values.yaml in the ConfigMap stays byte-for-byte


def test_time_zone_in_chart_mode_is_refused_with_the_reason_and_the_fix() -> None:
    [err] = _errors(CHART.replace(b'"\nrotation', b'"\n  secretRotationTimeZone: "Europe/Berlin"\nrotation'))
    assert (err.line, err.col, err.rule) == (4, 3, "chart-mode-time-zone")
    assert "no time-zone value" in err.message and "assumes UTC" in err.message
    assert err.hint is not None and "write the schedule in UTC" in err.hint and "rotation.mode: standalone" in err.hint


def test_kaptain_values_pass_through_but_never_collide() -> None:
    s = parse_settings(CHART + b"kaptainValues:\n  core:\n    registry: r.example.com\n", "s").settings
    assert json.loads(s.kaptain_values) == {"core": {"registry": "r.example.com"}}
    [err] = _errors(CHART + b"kaptainValues:\n  ingress:\n    secretRotationSchedule: '0 1 * * *'\n")
    assert (err.line, err.col, err.rule) == (8, 5, "kaptain-values-collision")
    assert err.message == ("kaptainValues.ingress.secretRotationSchedule collides with the Kaptain value "
                           "ingress.secretRotationSchedule, which kaptain-gitops sets")
    [err] = _errors(CHART + b"kaptainValues:\n  ingress:\n    namespace: x\n")
    assert err.hint == "remove it from kaptainValues and set rotation.namespace instead"
    standalone = b'ingress:\n  enableSecretRotation: true\n  secretRotationSchedule: "0 0 * * *"\n'
    [err] = _errors(standalone + b"kaptainValues:\n  ingress:\n    enableSecretRotation: true\n")
    assert err.hint is not None and "always off" in err.hint


def test_standalone_only_keys_are_refused_in_chart_mode_and_vice_versa() -> None:
    errors = _errors(CHART + b"  image: docker.io/alpine/k8s:1.32.4\n  restart:\n    name: a\n    timeoutSeconds: 30\n")
    assert [(e.line, e.rule) for e in errors] == [(6, "chart-mode-key"), (9, "chart-mode-key")]
    assert errors[1].message.startswith("rotation.restart.timeoutSeconds has no effect with rotation.mode kaptain-chart")
    [err] = _errors(b'ingress:\n  enableSecretRotation: true\n  secretRotationSchedule: "0 0 * * *"\n'
                    b"  kommanderTraefikCertificateName: x\n")
    assert err.rule == "standalone-key"


def test_the_product_pages_example_is_still_refused_in_chart_mode(ws: Path) -> None:
    settings = ws / "overlays/gpu-east/settings.yaml"
    settings.write_text(settings.read_text().replace('"0 */6 * * *"', '"* */6 * * *"'))
    result = run_cli("check", "--root", str(ws), "--kustomize", "off")
    assert result.code == 1
    assert ("overlays/gpu-east/settings.yaml:3:28: [error] minute field \"*\" runs every minute during hours 00, 06, "
            "12 and 18") in result.out
    assert "deploy/kommander not rendered: overlays/gpu-east/settings.yaml has errors" in result.out


# ------------------------------------------------------------------------------------------- render and check


def test_chart_mode_overlay_builds_without_any_cronjob(ws: Path) -> None:
    kubectl = require_kubectl()
    for overlay in ("gpu-east", "gpu-west"):
        out = subprocess.run([kubectl, "kustomize", str(ws / "overlays" / overlay)], capture_output=True, text=True,
                             check=True).stdout
        assert [d for d in load_all(out) if d] == []
    built = subprocess.run([kubectl, "kustomize", str(ws / "deploy/kommander")], capture_output=True, text=True,
                           check=True).stdout
    kinds = [(d["kind"], d["metadata"]["name"], d["metadata"]["namespace"]) for d in load_all(built) if d]
    assert kinds == [("ConfigMap", "kaptain-overrides-core", "team-ws"),
                     ("ConfigMap", "kaptain-overrides-gpu-east", "team-ws"),
                     ("ConfigMap", "kaptain-overrides-gpu-west-prod", "team-ws"),
                     ("AppDeployment", "kaptain", "team-ws")]
    result = run_cli("check", "--root", str(ws), "--kustomize", "kubectl")
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1] == "3 overlays: 3 up to date, 0 stale, 0 failed; deploy/ up to date"
    assert "no-time-zone" not in result.out and "warning" not in result.out  # UTC assumed, nothing to fix


def test_chart_mode_without_a_kommander_section_says_where_the_values_are_not_going(ws: Path) -> None:
    (ws / "gitops.yaml").unlink()
    shutil.rmtree(ws / "deploy")
    result = run_cli("render", "--root", str(ws))
    assert result.code == 0, result.out
    assert ("note: overlays/gpu-east, overlays/gpu-west: rotation.mode kaptain-chart, but gitops.yaml has no kommander "
            "section, so their Kaptain values are not rendered") in result.out


def test_check_reports_drift_in_deploy_kommander(ws: Path) -> None:
    settings = ws / "overlays/gpu-west/settings.yaml"
    settings.write_text(settings.read_text().replace('"30 2 * * *"', '"30 3 * * *"'))
    result = run_cli("check", "--root", str(ws), "--kustomize", "off")
    assert result.code == 1
    assert ("deploy/kommander/overrides/gpu-west-prod.yaml:1:1: [error] deploy/kommander/overrides/gpu-west-prod.yaml "
            "is out of date; run 'kaptain-gitops render' and commit the result (stale-file)") in result.out
    assert run_cli("render", "--root", str(ws)).code == 0
    values = load(load((ws / "deploy/kommander/overrides/gpu-west-prod.yaml").read_text())["data"]["values.yaml"])
    assert values["ingress"]["secretRotationSchedule"] == "30 3 * * *"
    edited = ws / "deploy/kommander/appdeployment.yaml"
    edited.write_text(edited.read_text().replace("kaptain-2.2.0", "kaptain-2.1.0"))
    for command in ("check", "render"):
        result = run_cli(command, "--root", str(ws))
        assert result.code == 1
        assert ("deploy/kommander/appdeployment.yaml was edited by hand since it was generated; refusing to "
                "overwrite it") in result.out


def test_switching_a_cluster_to_chart_mode_removes_our_stack_and_enables_kaptains(ws: Path) -> None:
    settings = ws / "overlays/core/settings.yaml"
    settings.write_text(settings.read_text().replace('  secretRotationTimeZone: "Europe/Berlin"\n', "")
                        + "rotation:\n  mode: kaptain-chart\n")
    result = run_cli("render", "--root", str(ws))
    assert result.code == 0, result.out
    for name in ("configmap.yaml", "cronjob.yaml", "rbac.yaml"):
        assert f"overlays/core/{name}: deleted" in result.out
    values = load(load((ws / "deploy/kommander/overrides/core.yaml").read_text())["data"]["values.yaml"])
    assert values["ingress"] == {"enableSecretRotation": True, "secretRotationSchedule": "15 3 * * *",
                                 "namespace": "kaptain-ingress", "kommanderTraefikCertificateName": "kommander-traefik-tls"}


def test_patches_and_manual_jobs_do_not_fit_chart_mode(ws: Path) -> None:
    (ws / "overlays/gpu-east/patches").mkdir()
    (ws / "overlays/gpu-east/patches/x.yaml").write_text("kind: CronJob\n")
    result = run_cli("render", "--root", str(ws))
    assert result.code == 1
    assert "overlays/gpu-east/patches/x.yaml: patches have nothing to patch with rotation.mode kaptain-chart" in result.out


def test_appdeployment_schema_is_strict_and_both_api_versions_validate(ws: Path) -> None:
    from generator.pipeline.deliver import validate_kommander
    from generator.pipeline.records import Options
    from generator.render.overlay import RenderedFile

    opts = Options(root=ws)
    doc = load((ws / "deploy/kommander/appdeployment.yaml").read_text())
    assert validate_kommander(opts, [RenderedFile("kommander/appdeployment.yaml", "x", (doc,))]) == []
    doc["spec"]["clusterConfigOverrides"][0]["configMap"] = "typo"
    doc["spec"]["appRef"]["kind"] = "Application"
    problems = validate_kommander(opts, [RenderedFile("kommander/appdeployment.yaml", "x", (doc,))])
    assert len(problems) == 2 and all(p.file == "deploy/kommander/appdeployment.yaml" for p in problems)
    schema = json.loads((REPO / "schemas/crds/apps.kommander.d2iq.io/appdeployment_v1alpha3.json").read_text())
    assert "NOT the upstream CRD schema" in schema["description"]
    gitops = ws / "gitops.yaml"
    gitops.write_text(gitops.read_text() + "  apiVersion: apps.kommander.d2iq.io/v1alpha2\n")
    assert run_cli("render", "--root", str(ws)).code == 0
    assert load((ws / "deploy/kommander/appdeployment.yaml").read_text())["apiVersion"].endswith("/v1alpha2")
    assert run_cli("check", "--root", str(ws), "--kustomize", "off").code == 0


def test_workspace_values_and_gitops_errors(ws: Path) -> None:
    gitops = ws / "gitops.yaml"
    base = gitops.read_text()
    gitops.write_text(base + "  values:\n    kubeflow:\n      replicas: 2\n")
    assert run_cli("render", "--root", str(ws)).code == 0
    app = load((ws / "deploy/kommander/appdeployment.yaml").read_text())
    assert app["spec"]["configOverrides"] == {"name": "kaptain-overrides"}
    cm = load((ws / "deploy/kommander/overrides/workspace.yaml").read_text())
    assert load(cm["data"]["values.yaml"]) == {"kubeflow": {"replicas": 2}}
    gitops.write_text(base + "  values:\n    ingress:\n      enableSecretRotation: true\n")
    result = run_cli("check", "--root", str(ws), "--kustomize", "off")
    assert "gitops.yaml:8:7: [error] kommander.values.ingress.enableSecretRotation collides" in result.out
    gitops.write_text(base.replace('kaptainVersion: "2.2.0"', "kaptainVersion: 2.2"))
    result = run_cli("check", "--root", str(ws), "--kustomize", "off")
    assert 'gitops.yaml:5:19: [error] kommander.kaptainVersion must be a string, got number 2.2; quote the value: "2.2"' \
        in result.out
    gitops.write_text(base.replace("  workspace: team-ws\n", ""))
    result = run_cli("check", "--root", str(ws), "--kustomize", "off")
    assert "kommander is missing required key 'workspace'; add workspace: <the workspace namespace>" in result.out


def test_two_overlays_cannot_name_the_same_cluster(ws: Path) -> None:
    settings = ws / "overlays/gpu-east/settings.yaml"
    settings.write_text(settings.read_text() + "kommander:\n  clusterName: gpu-west-prod\n")
    result = run_cli("render", "--root", str(ws))
    assert result.code == 1
    assert "both name the Kommander cluster 'gpu-west-prod'" in result.out


# ------------------------------------------------------------------------------------------- trigger


def test_trigger_refuses_in_chart_mode_and_prints_the_kubectl_command(ws: Path) -> None:
    result = run_cli("trigger", "overlays/gpu-east", "--name", "rotation-1", "--root", str(ws))
    assert result.code == 1
    command = "kubectl -n kaptain-ingress create job --from=cronjob/kaptain-ingress-cert-secret-rotation rotation-1"
    assert result.out == command + "\n"
    assert result.err.startswith("overlays/gpu-east/settings.yaml:5:9: [error] trigger cannot add a manual Job")
    assert command in result.err and "(chart-mode-trigger)" in result.err
    assert not (ws / "overlays/gpu-east/jobs").exists()


# ------------------------------------------------------------------------------------------- verify


def _recorded(name: str) -> dict:
    loaded: dict = json.loads((RECORDED / name).read_text())
    return loaded


STANDALONE = parse_settings((REPO / "overlays/prod/settings.yaml").read_bytes(), "s").settings
CHART_S = parse_settings(CHART.replace(b"0 */6 * * *", b"0 0 * * *"), "s").settings


def test_verify_standalone_reports_kaptains_helm_cronjob_as_a_conflict() -> None:
    v = assess_cronjob(STANDALONE, _recorded("cronjob-helm-kaptain.json"))
    assert not v.ok
    assert v.lines[0].startswith("FAIL conflict: cronjob kaptain-ingress/kaptain-ingress-cert-secret-rotation carries "
                                 "Helm ownership (release team-ws/kaptain)")
    assert "fix: turn Kaptain's own rotation off on this cluster (ingress.enableSecretRotation: false" in v.lines[0]


def test_verify_standalone_accepts_our_argocd_tracked_cronjob() -> None:
    v = assess_cronjob(STANDALONE, _recorded("cronjob-argocd-ours.json"))
    assert v.ok, v.lines
    assert v.lines == [
        ("ok   cronjob kaptain-ingress/kaptain-ingress-cert-secret-rotation: ours (app.kubernetes.io/managed-by: "
         "kaptain-gitops)"),
        'ok   cronjob kaptain-ingress/kaptain-ingress-cert-secret-rotation: schedule "0 0 * * *" (Etc/UTC)',
    ]


def test_verify_reports_another_flux_kustomization_as_a_conflict() -> None:
    cronjob = _recorded("cronjob-flux-other-kustomization.json")
    assert owners(cronjob) == (None, ["Flux Kustomization flux-system/platform-addons"])
    v = assess_cronjob(STANDALONE, cronjob)
    assert not v.ok and "also tracked by Flux Kustomization flux-system/platform-addons" in v.lines[0]
    other_app = _recorded("cronjob-argocd-ours.json")
    other_app["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"] = "legacy:batch/CronJob:kaptain-ingress/x"
    assert "Argo CD Application legacy" in assess_cronjob(STANDALONE, other_app).lines[0]


def test_verify_chart_mode_expects_kaptains_helm_cronjob() -> None:
    v = assess_cronjob(CHART_S, _recorded("cronjob-helm-kaptain.json"))
    assert v.ok, v.lines
    assert v.lines[-1] == ('ok   cronjob kaptain-ingress/kaptain-ingress-cert-secret-rotation: schedule "0 0 * * *" '
                           "(controller's zone, assumed UTC)")
    ours = assess_cronjob(CHART_S, _recorded("cronjob-argocd-ours.json"))
    assert not ours.ok and "still the standalone CronJob of kaptain-gitops" in ours.lines[0]
    stale = _recorded("cronjob-helm-kaptain.json")
    stale["spec"]["schedule"] = "0 */12 * * *"
    lines = assess_cronjob(CHART_S, stale).lines
    assert lines[-1].startswith('FAIL cronjob kaptain-ingress/kaptain-ingress-cert-secret-rotation runs "0 */12 * * *"')
    assert "Kommander has not delivered the cluster's values yet" in lines[-1]
    assert not assess_cronjob(CHART_S, None).ok


# ------------------------------------------------------------------------------------------- diff


def test_diff_shows_the_mode_change_and_the_values_change(ws: Path) -> None:
    _git(ws, "init", "-q", "-b", "main")
    _git(ws, "add", "-A")
    _git(ws, "commit", "-qm", "base")
    settings = ws / "overlays/core/settings.yaml"
    settings.write_text(settings.read_text().replace('  secretRotationTimeZone: "Europe/Berlin"\n', "")
                        + "rotation:\n  mode: kaptain-chart\n")
    result = run_cli("diff", "--base", "HEAD", "--root", str(ws))
    assert result.code == 0, result.out
    assert "| Rotation mode | `standalone` | `kaptain-chart` |\n" in result.out
    assert "| Schedule | `15 3 * * *` (Europe/Berlin) | `15 3 * * *` (controller's zone, UTC assumed) |" in result.out
    assert "**Rotation mode changes from `standalone` to `kaptain-chart`**" in result.out
    assert ("```diff\n--- before/values.yaml\n+++ after/values.yaml\n@@ -1,4 +1,7 @@\n ingress:\n"
            "-  enableSecretRotation: false\n+  enableSecretRotation: true\n"
            '+  secretRotationSchedule: "15 3 * * *"\n') in result.out
    data = json.loads(run_cli("diff", "--base", "HEAD", "--root", str(ws), "--format", "json").out)
    assert (data["overlays"][0]["before"]["mode"], data["overlays"][0]["after"]["mode"]) == ("standalone",
                                                                                            "kaptain-chart")


def test_verify_command_in_chart_mode_reads_the_live_cronjob(ws: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end with a recording stand-in for kubectl: `get KIND NAME -o json` answers from recorded files."""
    import base64
    import os
    import sys

    objects = tmp_path / "objects"
    objects.mkdir()
    pem = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").decode()
    cronjob = _recorded("cronjob-helm-kaptain.json")
    cronjob["spec"]["schedule"] = "0 */6 * * *"
    recorded = {
        "cronjob-kaptain-ingress-cert-secret-rotation": cronjob,
        "secret-kubeflow-oidc-ca-bundle": {"kind": "Secret", "metadata": {"creationTimestamp": "2026-11-01T00:00:00Z"},
                                           "data": {"oidcCABundle.crt": pem}},
        "secret-kommander-traefik-certificate": {"kind": "Secret", "metadata": {}, "data": {"ca.crt": pem}},
        "pod-authservice-0": {"kind": "Pod", "metadata": {"creationTimestamp": "2026-11-02T00:00:00Z"},
                              "status": {"startTime": "2026-11-02T00:00:00Z",
                                         "conditions": [{"type": "Ready", "status": "True"}]}},
    }
    for name, obj in recorded.items():
        (objects / f"{name}.json").write_text(json.dumps(obj))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "kubectl"
    stub.write_text(f"#!{sys.executable}\n"
                    "import sys, pathlib\n"
                    "args = sys.argv[1:]\n"
                    "i = args.index('get')\n"
                    f"path = pathlib.Path({str(objects)!r}) / f'{{args[i + 1]}}-{{args[i + 2]}}.json'\n"
                    "if not path.exists():\n"
                    "    sys.stderr.write('Error from server (NotFound): not found\\n'); sys.exit(1)\n"
                    "sys.stdout.write(path.read_text())\n")
    stub.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = run_cli("verify", "overlays/gpu-east", "--root", str(ws), "--format", "json")
    report = json.loads(result.out)
    assert result.code == 0, result.out
    assert (report["mode"], report["cronJobOwner"]) == ("kaptain-chart", "helm:team-ws/kaptain")
    assert report["checks"][0] == ("ok   cronjob kaptain-ingress/kaptain-ingress-cert-secret-rotation: owned by Helm "
                                   "release team-ws/kaptain (Kaptain's chart)")
    result = run_cli("verify", "overlays/core", "--root", str(ws))  # standalone: the same Helm CronJob is a conflict
    assert result.code == 1
    assert result.out.startswith("FAIL conflict: cronjob kaptain-ingress/kaptain-ingress-cert-secret-rotation carries "
                                 "Helm ownership")


def test_a_kommander_section_without_overlays_is_refused(tmp_path: Path) -> None:
    from generator.render.kommander import KommanderConfig, render_kommander
    from generator.render.overlay import _environment

    with pytest.raises(GeneratorError, match="no overlay to deploy Kaptain to"):
        render_kommander(KommanderConfig("team-ws", "2.2.0"), [], _environment())
