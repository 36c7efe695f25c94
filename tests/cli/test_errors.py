"""Every failure has one shape: usage errors exit 2, ``--format json`` always prints a JSON document, and
every file-writing option reports a bad path as one clear error (no traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.write.transaction import STATE_GITIGNORE
from tests.conftest import run_cli


@pytest.mark.parametrize(("argv", "code", "rule"), [
    (["check", "--format", "json", "--frob"], 2, "usage"),
    (["render", "--format=json", "overlays/nope"], 2, "no-such-overlay"),
    (["explain", "0 0 * * *", "--format", "json", "--count", "-1"], 2, "usage"),
    (["explain", "0 0 * * *", "--format", "json", "--svg", "/nonexistent/dir/w.svg"], 2, "usage"),
    (["verify", "overlays/nope", "--format", "json"], 2, "no-such-overlay"),
    (["diff", "--base", "nosuch-ref-xyz", "--format", "json"], 2, "git"),
])
def test_json_is_printed_for_every_error(argv: list[str], code: int, rule: str, repo: Path) -> None:
    result = run_cli(*argv, "--root", str(repo)) if argv[0] != "explain" else run_cli(*argv)
    assert result.code == code, result.err
    doc = json.loads(result.out)
    assert doc["ok"] is False and doc["exitCode"] == code and doc["error"]["rule"] == rule
    assert doc["schema"] == f"kaptain-gitops/{argv[0]}/v1"
    assert result.err.startswith("kaptain-gitops: error: ")


def test_json_for_a_verify_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no kubectl
    result = run_cli("verify", "overlays/prod", "--root", str(repo), "--format", "json")
    assert result.code == 1
    doc = json.loads(result.out)
    assert doc["ok"] is False and doc["schema"] == "kaptain-gitops/verify/v1" and doc["error"]["message"]


def test_svg_paths(tmp_path: Path) -> None:
    result = run_cli("explain", "0 0 * * *", "--svg", str(tmp_path / "no/such/dir/w.svg"))
    assert (result.code, result.err) == (2, (f"kaptain-gitops: error: --svg {tmp_path}/no/such/dir/w.svg: folder "
                                            f"{tmp_path}/no/such/dir does not exist; create it first, or name a "
                                            "file in an existing folder\n"))
    result = run_cli("explain", "0 0 * * *", "--svg", str(tmp_path))
    assert (result.code, result.err) == (2, f"kaptain-gitops: error: --svg {tmp_path} is a directory; name a file\n")
    result = run_cli("explain", "0 0 * * 7", "--svg", str(tmp_path / "w.svg"))
    assert result.code == 1
    assert result.err == f"kaptain-gitops: no SVG written to {tmp_path}/w.svg: the schedule is invalid\n"
    assert not (tmp_path / "w.svg").exists()
    assert run_cli("explain", "0 0 * * *", "--svg", str(tmp_path / "w.svg")).code == 0
    assert (tmp_path / "w.svg").read_text().startswith("<svg")


def test_a_bad_changed_since_ref_is_a_usage_error_naming_it(repo: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    result = run_cli("check", "--root", str(repo), "--changed-since", "nosuch")
    assert result.code == 2
    assert "--changed-since 'nosuch'" in result.err


CORPUS = Path(__file__).resolve().parent.parent / "examples/cli/bad-options.txt"
CASES = [line.rsplit(" => ", 1) for line in CORPUS.read_text(encoding="utf-8").splitlines()
         if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize(("command", "code"), CASES, ids=[c for c, _ in CASES])
def test_bad_option_corpus(command: str, code: str, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex
    import subprocess

    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.chdir(repo)
    argv = [a.replace("\\n", "\n") for a in shlex.split(command)]
    result = run_cli(*argv)  # an exception here (a traceback for a user) fails the test
    assert result.code == int(code), result.err
    assert result.err.strip() or result.out.strip()
    if argv[0] in ("check", "render", "explain", "validate", "diff", "verify"):
        as_json = run_cli(*argv, "--format", "json")
        if not (argv[0] == "diff" or as_json.err.startswith("kaptain-gitops: error: argument --format")):
            doc = json.loads(as_json.out)
            assert isinstance(doc, dict)


@pytest.mark.parametrize("body", [
    "ingress: " + "[" * 5000 + "]" * 5000 + "\n",  # deep flow nesting: no RecursionError
    "ingress: {" + ", ".join(f"k{i}: {i}" for i in range(20000)) + "}\n",  # a huge flow mapping
    'ingress:\n  secretRotationSchedule: "' + "x" * 100_000 + '"\n',  # a very long scalar
])
def test_hostile_yaml_in_one_overlay_writes_nothing(body: str, repo: Path) -> None:
    staging = repo / "overlays/staging"
    staging.mkdir()
    (staging / "settings.yaml").write_text(body)
    dev_settings = repo / "overlays/dev/settings.yaml"
    dev_settings.write_text(dev_settings.read_text().replace('"0 */6 * * *"', '"0 */4 * * *"'))
    (repo / ".kaptain-gitops").mkdir()
    (repo / ".kaptain-gitops/lock").write_bytes(b"")
    (repo / ".kaptain-gitops/.gitignore").write_text(STATE_GITIGNORE)  # the state folder's own, made on first use
    compiled = repo / ".kaptain-gitops/templates"  # Jinja2's bytecode cache: not repository content

    def files() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and compiled not in p.parents}

    before = files()
    result = run_cli("render", "--root", str(repo))
    assert result.code == 1
    assert result.out.startswith("overlays/staging/settings.yaml:")
    assert any(rule in result.out for rule in ("(yaml-too-deep)", "(yaml-too-large)", "(yaml-too-long)"))
    assert files() == before
