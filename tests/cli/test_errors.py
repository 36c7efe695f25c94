"""Every failure has one shape: usage errors exit 2, ``--format json`` always prints a JSON document, and
every file-writing option reports a bad path as one clear error (no traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
