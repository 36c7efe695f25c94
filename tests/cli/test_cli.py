"""CLI contract: exact output and exit codes (0 clean, 1 problems, 2 usage), complete help, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator import __version__
from tests.conftest import REPO, run_cli

SUBCOMMANDS = {
    "render": ["--root", "--format", "--force", "--keep-going", "--strict", "--wait"],
    "check": ["--root", "--format", "--strict", "--changed-since", "--kubernetes-version", "--crd-schemas",
              "--kustomize", "--kubeconform", "--verbose", "--wait"],
    "validate": ["--root", "--format", "--strict"],
    "explain": ["--time-zone", "--count", "--from", "--format", "--svg", "--min-interval-minutes",
                "--max-delay-hours"],
    "build": ["--root"],
    "trigger": ["--name", "--remove", "--root"],
    "diff": ["--base", "--root", "--format"],
    "verify": ["--context", "--root", "--format"],
}


def test_version() -> None:
    result = run_cli("--version")
    assert (result.code, result.out, result.err) == (0, f"kaptain-gitops {__version__}\n", "")


def test_no_command_prints_help_and_exits_2() -> None:
    result = run_cli()
    assert result.code == 2
    assert result.out.startswith("usage: kaptain-gitops [-h] [--version] COMMAND ...")
    for name in SUBCOMMANDS:
        assert f"    {name} " in result.out


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_subcommand_help_is_complete(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(name, "--help")
    assert result.code == 0
    text = capsys.readouterr().out + result.out
    assert text.startswith(f"usage: kaptain-gitops {name}")
    for option in SUBCOMMANDS[name]:
        assert option in text, f"{name} --help does not mention {option}"
    assert "Exit codes: 0 clean (warnings allowed), 1 problems found, 2 usage error." in text


def test_unknown_command_is_a_usage_error() -> None:
    result = run_cli("frob")
    assert result.code == 2
    assert result.out == ""
    assert result.err == ("kaptain-gitops: error: argument COMMAND: invalid choice: 'frob' (choose from 'render', "
                          "'check', 'validate', 'explain', 'build', 'trigger', 'diff', 'verify') "
                          "(see 'kaptain-gitops --help')\n")


def test_unknown_overlay_is_a_usage_error(repo: Path) -> None:
    result = run_cli("render", "--root", str(repo), "overlays/nope")
    assert result.code == 2
    assert result.err == ("kaptain-gitops: error: no overlay matches 'overlays/nope'; name an overlay directory "
                          "holding settings.yaml (e.g. overlays/prod) or a glob like 'overlays/*' (no-such-overlay)\n")


def test_no_overlays_found(tmp_path: Path) -> None:
    result = run_cli("render", "--root", str(tmp_path))
    assert result.code == 1
    assert result.err == ("kaptain-gitops: error: no overlays found: no settings.yaml under overlays/; create "
                          "overlays/<name>/settings.yaml, or run from the repository root (--root) (no-overlays)\n")


def test_render_up_to_date_and_check_clean(repo: Path) -> None:
    result = run_cli("render", "--root", str(repo))
    assert (result.code, result.out, result.err) == (0, "2 overlays: 0 rendered, 2 up to date, 0 failed\n", "")
    result = run_cli("check", "--root", str(repo), "--kustomize", "off")
    assert result.code == 0
    assert result.out.splitlines()[-1] == "2 overlays: 2 up to date, 0 stale, 0 failed"


def test_overlay_globs_select_a_subset(repo: Path) -> None:
    result = run_cli("render", "--root", str(repo), "overlays/p*")
    assert result.out == "1 overlay: 0 rendered, 1 up to date, 0 failed\n"


def test_typo_key_in_github_format(repo: Path) -> None:
    settings = repo / "overlays/prod/settings.yaml"
    settings.write_text(settings.read_text().replace("enableSecretRotation", "enableSecretRotaton"))
    result = run_cli("check", "--root", str(repo), "--format", "github", "--kustomize", "off")
    assert result.code == 1
    assert result.out.splitlines()[0] == (
        "::error file=overlays/prod/settings.yaml,line=3,col=3,title=unknown-key::unknown key 'enableSecretRotaton' "
        "under ingress; did you mean 'enableSecretRotation'?")


def test_github_format_is_chosen_automatically(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    settings = repo / "overlays/prod/settings.yaml"
    settings.write_text(settings.read_text().replace('"0 0 * * *"', '"* */6 * * *"'))
    result = run_cli("check", "--root", str(repo), "--kustomize", "off")
    assert result.out.splitlines()[0] == (
        "::error file=overlays/prod/settings.yaml,line=4,col=28,title=every-minute-burst::minute field \"*\" runs "
        "every minute during hours 00, 06, 12 and 18 (240 runs a day), not once an hour; use \"0 */6 * * *\" to run "
        "once at the start of each of those hours")


def test_check_json_is_stable(repo: Path) -> None:
    result = run_cli("check", "--root", str(repo), "--format", "json", "--kustomize", "off")
    doc = json.loads(result.out)
    assert doc["schema"] == "kaptain-gitops/check/v1"
    assert doc["ok"] is True
    assert doc["summary"] == {"rendered": 0, "up-to-date": 2, "stale": 0, "failed": 0, "not-written": 0,
                              "overlays": 2}
    assert [o["overlay"] for o in doc["overlays"]] == ["overlays/dev", "overlays/prod"]
    assert set(doc["overlays"][0]) == {"overlay", "status", "changes", "problems", "rotation"}
    rotation = doc["overlays"][1]["rotation"]  # prod: schedule "0 0 * * *", the defaults
    assert rotation == {"trigger": "schedule", "bundle": "overlap", "bundleMaxCertificates": 3, "watch": None,
                        "scheduleWorstCaseDelaySeconds": 86400, "reactionSeconds": 86400}


def test_validate_warnings_pass_unless_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    path = "tests/examples/settings/good/seed-default-no-zone.yaml"
    monkeypatch.chdir(REPO)
    assert run_cli("validate", path).code == 0
    assert run_cli("validate", "--strict", path).code == 1


def test_no_traceback_from_the_real_process_on_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "overlays" / "x"
    bad.mkdir(parents=True)
    (bad / "settings.yaml").write_bytes(b"\xff\xfe garbage: [")
    proc = subprocess.run([sys.executable, "-m", "generator", "check", "--root", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout.startswith("overlays/x/settings.yaml:1:1: [error] invalid UTF-8 (byte 0xff)")


def test_kubernetes_version_option(repo: Path) -> None:
    for version in ("1.30", "v1.37", "1.36.2"):
        result = run_cli("check", "--root", str(repo), "--kustomize", "off", "--kubernetes-version", version)
        assert result.code == 0, (version, result.out)
    result = run_cli("check", "--root", str(repo), "--kubernetes-version", "1.20")
    assert result.code == 2
    assert result.err == ("kaptain-gitops: error: --kubernetes-version 1.20 is not supported; choose one of 1.30, "
                          "1.31, 1.32, 1.33, 1.34, 1.35, 1.36, 1.37\n")


def test_progress_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from generator.cli.main import _progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert _progress(io.StringIO()) is None
    tty = Tty()
    show = _progress(tty)
    assert show is not None
    show(20, 40)
    show(40, 40)
    assert tty.getvalue() == "\r20/40 overlays\r40/40 overlays\r\x1b[K"
    monkeypatch.setenv("CI", "true")
    assert _progress(Tty()) is None
