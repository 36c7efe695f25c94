"""What users add under resources/ is validated as strictly as what we generate, offline, with nothing to pass.

Built-in kinds (NetworkPolicy, PodDisruptionBudget) check clean, or fail at their file and line with a
did-you-mean; a kind with no schema at all fails with one message naming both ways out, and passes once
skipped or given a schema.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import require_kubectl, run_cli

NETWORK_POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: rotation-egress
  namespace: kaptain-ingress
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - ipBlock: {cidr: 10.0.0.0/8}
"""

PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: authservice
  namespace: kaptain-ingress
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: authservice}
"""

CRONTAB = """\
apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: my-crontab
  namespace: kaptain-ingress
spec:
  cronSpec: "* * * * */5"
"""


@pytest.fixture
def prod(repo: Path) -> Path:
    require_kubectl()
    resources = repo / "overlays" / "prod" / "resources"
    resources.mkdir()
    (resources / "netpol.yaml").write_text(NETWORK_POLICY, encoding="utf-8")
    (resources / "pdb.yaml").write_text(PDB, encoding="utf-8")
    assert run_cli("render", "--root", str(repo)).code == 0
    return resources


def _check(repo: Path, *extra: str) -> tuple[int, list[str]]:
    result = run_cli("check", "--root", str(repo), "--kubeconform", "off", "--no-cache", *extra)
    return result.code, result.out.splitlines()


def test_network_policy_and_pdb_check_clean(repo: Path, prod: Path) -> None:
    code, lines = _check(repo)
    assert code == 0, lines
    assert lines[-1] == "2 overlays: 2 up to date, 0 stale, 0 failed"


def test_misspelled_field_of_a_user_kind_gets_a_did_you_mean(repo: Path, prod: Path) -> None:
    (prod / "netpol.yaml").write_text(NETWORK_POLICY.replace("  egress:", "  egres:"), encoding="utf-8")
    code, lines = _check(repo)
    assert code == 1
    errors = [line for line in lines if "[error]" in line]
    assert errors == [
        ("overlays/prod/resources/netpol.yaml:9:3: [error] built NetworkPolicy/rotation-egress: spec.egres: "
        'unknown field "egres" (did you mean "egress"?) (unknown-field)')
    ]
    assert lines[-1] == "2 overlays: 1 up to date, 0 stale, 1 failed"  # dev is still checked


@pytest.mark.slow
def test_kind_without_schema_fails_once_then_passes_skipped_or_with_a_schema(repo: Path, prod: Path,
                                                                              tmp_path: Path) -> None:
    (prod / "crontab.yaml").write_text(CRONTAB, encoding="utf-8")
    assert run_cli("render", "--root", str(repo)).code == 0
    code, lines = _check(repo)
    assert code == 1
    errors = [line for line in lines if "[error]" in line]
    assert errors == [
        ("overlays/prod/resources/crontab.yaml:2:1: [error] built CronTab/my-crontab: kind: no schema for CronTab "
        "(stable.example.com/v1) in Kubernetes 1.35: give its JSON schema with --crd-schemas DIR "
        "(as DIR/stable.example.com/crontab_v1.json), or skip the kind with --skip CronTab or "
        "skipKinds: [CronTab] in the overlay's settings.yaml (missing-schema)")
    ]
    assert "Traceback" not in "\n".join(lines)
    assert lines[-1] == "2 overlays: 1 up to date, 0 stale, 1 failed"

    assert _check(repo, "--skip", "CronTab")[0] == 0
    assert _check(repo, "--skip", "Foo,stable.example.com/v1/CronTab")[0] == 0

    schemas = tmp_path / "crds" / "stable.example.com"
    schemas.mkdir(parents=True)
    schema = {"type": "object", "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                               "metadata": {"type": "object"},
                                               "spec": {"type": "object", "properties": {"cronSpec": {"type": "string"}}}}}
    (schemas / "crontab_v1.json").write_text(json.dumps(schema), encoding="utf-8")
    assert _check(repo, "--crd-schemas", str(tmp_path / "crds"))[0] == 0
    (prod / "crontab.yaml").write_text(CRONTAB.replace("cronSpec", "cronSpc"), encoding="utf-8")
    code, lines = _check(repo, "--crd-schemas", str(tmp_path / "crds"))
    assert code == 1 and 'unknown field "cronSpc" (did you mean "cronSpec"?)' in "\n".join(lines)

    settings = repo / "overlays" / "prod" / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "skipKinds: [CronTab]\n", encoding="utf-8")
    assert run_cli("render", "--root", str(repo)).code == 0
    assert _check(repo)[0] == 0
