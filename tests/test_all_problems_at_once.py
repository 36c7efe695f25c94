"""Every independent problem in one run: per settings file, per YAML document, per overlay directory name."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO, run_cli


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_one_settings_file_reports_key_types_image_and_zone_together(tmp_path: Path) -> None:
    settings = _write(tmp_path / "overlays/a/settings.yaml", (
        "ingress:\n"
        '  enableSecretRotation: "yes"\n'
        '  secretRotationSchedule: "0 */6 * * *"\n'
        '  secretRotationTimeZone: "Mars/Olympus"\n'
        "  extraKey: 1\n"
        "rotation:\n"
        "  image: docker.io/alpine/k8s:latest\n"
        '  backoffLimit: "2"\n'
    ))
    result = run_cli("validate", "--root", str(tmp_path), str(settings))
    assert result.code == 1
    f = str(settings)
    assert result.out == (
        f'{f}:2:25: [error] ingress.enableSecretRotation must be true or false, got string "yes"; write true or '
        "false (wrong-type)\n"
        f"{f}:4:27: [error] unknown time zone 'Mars/Olympus': not in the IANA time-zone database; check spelling and "
        'case (e.g. "America/New_York", "Etc/UTC"); see https://www.iana.org/time-zones (unknown-time-zone)\n'
        f"{f}:5:3: [error] unknown key 'extraKey' under ingress; allowed keys here: enableSecretRotation, "
        "kommanderTraefikCertificateName, "
        "secretRotationSchedule, secretRotationTimeZone (unknown-key)\n"
        f'{f}:7:10: [error] rotation.image "docker.io/alpine/k8s:latest" uses the moving tag \'latest\'; pin a version '
        "tag (e.g. :1.32.4) and optionally a digest (@sha256:…) (image-not-pinned)\n"
        f'{f}:8:17: [error] rotation.backoffLimit must be a whole number, got string "2"; write a whole number without '
        "quotes (wrong-type)\n"
    )


def test_a_typo_of_a_required_key_is_not_also_missing(tmp_path: Path) -> None:
    settings = _write(tmp_path / "settings.yaml", 'ingress:\n  enableSecretRotaton: true\n  secretRotationSchedule: "x"\n')
    result = run_cli("validate", "--root", str(tmp_path), str(settings))
    rules = [line.rsplit("(", 1)[1] for line in result.out.splitlines()]
    assert rules == ["unknown-key)", "invalid-schedule)"]  # no missing-key for enableSecretRotation


def test_yaml_ambiguities_do_not_hide_each_other(tmp_path: Path) -> None:
    settings = _write(tmp_path / "settings.yaml", (
        "ingress:\n"
        "  enableSecretRotation: on\n"
        '  secretRotationSchedule: "0 0 * * *"\n'
        "rotation:\n"
        "  runAsUser: 0755\n"
        "  restart:\n"
        "    timeoutSeconds: 1:30\n"
    ))
    result = run_cli("validate", "--root", str(tmp_path), str(settings))
    f = str(settings)
    assert result.code == 1
    assert result.out == (
        f"{f}:2:25: [error] ambiguous value 'on': YAML 1.1 tools read it as a boolean, YAML 1.2 tools as a string; "
        'write true or false, or quote it ("on") if you mean the text (yaml11-boolean)\n'
        f"{f}:5:14: [error] ambiguous number '0755': YAML 1.1 reads leading-zero/0o/0x/0b numbers differently from "
        'YAML 1.2; write a plain decimal number, or quote it ("0755") if you mean the text (yaml11-number)\n'
        f"{f}:7:21: [error] ambiguous value '1:30': YAML 1.1 reads it as a base-60 number; quote it (\"1:30\") "
        "(yaml11-number)\n"
    )


def test_unquoted_version_gets_the_hint_with_its_own_digits(tmp_path: Path) -> None:
    settings = _write(tmp_path / "settings.yaml", (
        'ingress:\n  enableSecretRotation: true\n  secretRotationSchedule: "0 0 * * *"\n'
        '  secretRotationTimeZone: "Etc/UTC"\nkubernetesVersion: 1.30\n'
    ))
    result = run_cli("validate", "--root", str(tmp_path), str(settings))
    assert result.out == (f'{settings}:5:20: [error] kubernetesVersion must be a string, got number 1.30; quote the '
                          'value: "1.30" (wrong-type)\n')


def test_every_badly_named_overlay_fails_in_one_run(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy(REPO / "gitops.yaml", root / "gitops.yaml")
    good = (REPO / "overlays/prod/settings.yaml").read_text(encoding="utf-8")
    names = ["-x", "Bad_Name", "UPPER", "a.b", "sp ace", "x_y"]
    for name in [*names, "fine"]:
        _write(root / "overlays" / name / "settings.yaml", good)
    result = run_cli("check", "--root", str(root), "--kustomize", "off")
    assert result.code == 1
    blamed = sorted(line.split(":1:1:")[0] for line in result.out.splitlines() if line.endswith("(delivery-name)"))
    assert blamed == sorted(f"overlays/{n}" for n in names)
    assert result.out.splitlines()[-1] == "7 overlays: 0 up to date, 1 stale, 6 failed; deploy/ failed"
