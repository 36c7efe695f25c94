"""Example-file directories: every good settings file validates; every bad one gives exactly its message.

Each ``bad/<case>.yaml`` has ``bad/<case>.expected``: the exact output of ``kaptain-gitops validate``
(one line: file:line:col, level, message with the fix, rule). Regenerate deliberately with
``make goldens`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

EXAMPLES = Path("tests/examples/settings")
GOOD = sorted((REPO / EXAMPLES / "good").glob("*.yaml"))
BAD = sorted((REPO / EXAMPLES / "bad").glob("*.yaml"))


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_corpus_is_large_enough() -> None:
    assert len(BAD) + 2 >= 40  # + the two generated cases below (size cap, symlink)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_good_settings_validate(path: Path) -> None:
    result = run_cli("validate", str(EXAMPLES / "good" / path.name))
    assert result.code == 0, result.out
    assert "[error]" not in result.out


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_bad_settings_give_the_expected_message(path: Path) -> None:
    result = run_cli("validate", str(EXAMPLES / "bad" / path.name))
    expected = path.with_suffix(".expected").read_text(encoding="utf-8")
    assert result.code == 1
    assert result.out == expected
    assert result.err == ""
    assert expected.count("\n") == 1, "one message per bad file"
    assert expected.startswith(f"{EXAMPLES}/bad/{path.name}:")


def test_file_over_the_size_cap(tmp_path: Path) -> None:
    big = tmp_path / "settings.yaml"
    big.write_bytes(b"ingress:\n  enableSecretRotation: true\n" + b"# padding\n" * 110_000)
    result = run_cli("validate", "--root", str(tmp_path), str(big))
    assert result.code == 1
    assert result.out == (f"{big}:1:1: [error] file is {big.stat().st_size} bytes, over the 1048576-byte limit for "
                          "settings files; a settings file needs a few lines; check that the right file is named "
                          "settings.yaml (file-too-large)\n")


def test_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text((REPO / EXAMPLES / "good" / "minimal.yaml").read_text())
    root = tmp_path / "repo"
    (root / "overlays" / "x").mkdir(parents=True)
    link = root / "overlays" / "x" / "settings.yaml"
    os.symlink(outside, link)
    result = run_cli("render", "--root", str(root))
    assert result.code == 1
    assert result.out.startswith(
        f"overlays/x/settings.yaml:1:1: [error] settings file is a symlink to {outside.resolve()}, outside the "
        "repository; replace the symlink with a regular file inside the repository (symlink-outside-repo)\n")
    assert sorted(p.name for p in (root / "overlays" / "x").iterdir()) == ["settings.yaml"]  # nothing written
