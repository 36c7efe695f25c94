"""Crash safety and concurrency of ``render``.

A render killed with SIGKILL at any moment leaves every overlay entirely old or entirely new once
the next run has rolled the journal forward — never mixed, never half-written — and two renders of
one repository at once are serialised by the lock (the second waits, or says who holds it).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.render.overlay import split_header
from tests.conftest import REPO, run_cli
from tests.fleet_cases import change_schedules, generated, render_fleet

FLEET = 24


def _render_cmd(root: Path) -> list[str]:
    return [sys.executable, "-m", "generator", "render", "--root", str(root)]


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_each_overlay_old_or_new(tmp_path: Path) -> None:
    base = tmp_path / "base"
    render_fleet(base, FLEET)
    old = generated(base)
    new_root = tmp_path / "new"
    shutil.copytree(base, new_root)
    change_schedules(new_root)
    assert run_cli("render", "--root", str(new_root)).code == 0
    new = generated(new_root)
    rng = random.Random(1234)
    outcomes = {"old": 0, "new": 0, "rolled-forward": 0}
    for attempt in range(12):
        root = tmp_path / f"try{attempt}"
        shutil.copytree(base, root)
        change_schedules(root)
        proc = subprocess.Popen(_render_cmd(root), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.15, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        journal = (root / ".kaptain-gitops" / "journal.json").exists()
        state = generated(root)
        for name, files in state.items():
            for text in files.values():
                assert split_header(text)[0] is not None, "no half-written file is visible"
            if not journal:
                assert files in (old[name], new[name]), f"{name} is mixed after a kill without a journal"
        if journal:
            outcomes["rolled-forward"] += 1
            assert run_cli("render", "--root", str(root)).code == 0
            assert generated(root) == new
        else:
            outcomes["new" if state == new else "old"] += 1
            if state != new:
                assert all(state[n] in (old[n], new[n]) for n in state)
        # whatever happened, the next run converges to the new render and leaves no temporaries
        assert run_cli("render", "--root", str(root)).code == 0
        assert generated(root) == new
        assert not [p for p in root.rglob("*") if ".kgtmp-" in p.name]
    assert sum(outcomes.values()) == 12


# Fault injection lives here, not in the product: the wrapper kills the process the moment the journal
# has been renamed into place (the commit point), before any rename of a generated file.
CRASH_AFTER_COMMIT = """
import os, sys
real_replace = os.replace
def replace(src, dst, *args, **kwargs):
    real_replace(src, dst, *args, **kwargs)
    if os.fspath(dst).endswith("/.kaptain-gitops/journal.json"):
        os.kill(os.getpid(), 9)
os.replace = replace
from generator.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_kill_right_after_the_commit_is_rolled_forward(tmp_path: Path) -> None:
    root = tmp_path / "r"
    render_fleet(root, FLEET)
    old = generated(root)
    change_schedules(root)
    cmd = [sys.executable, "-c", CRASH_AFTER_COMMIT, "render", "--root", str(root)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    assert proc.returncode == -signal.SIGKILL
    assert (root / ".kaptain-gitops" / "journal.json").exists()
    assert generated(root) == old  # nothing renamed yet: temporaries only
    result = run_cli("check", "--root", str(root), "--kustomize", "off")
    assert result.code == 1
    assert result.out.startswith(".kaptain-gitops/journal.json:1:1: [error] an interrupted render left a journal; "
                                 "run 'kaptain-gitops render' to finish it (interrupted-render)\n")
    result = run_cli("render", "--root", str(root))
    assert result.code == 0
    assert "note: completed an interrupted render" in result.out
    assert result.out.splitlines()[-1] == f"{FLEET} overlays: 0 rendered, {FLEET} up to date, 0 failed"
    assert run_cli("check", "--root", str(root), "--kustomize", "off").code == 0


@pytest.mark.slow
def test_second_render_waits_for_the_lock_or_names_the_holder(tmp_path: Path) -> None:
    from generator.write.transaction import Lock

    root = tmp_path / "r"
    render_fleet(root, FLEET)
    change_schedules(root)
    with Lock(root):
        result = run_cli("render", "--root", str(root), "--wait", "0.2")
        assert result.code == 1
        assert f"another kaptain-gitops run (pid {os.getpid()}) is working on this repository" in result.err
        assert "wait for it to finish (waited 0.2s), or raise --wait" in result.err
    procs = [subprocess.Popen(_render_cmd(root), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    results = [(*p.communicate(), p.returncode) for p in procs]
    assert all(code == 0 for _, _, code in results), results
    rendered = [out for out, _, _ in results if f"{FLEET} rendered" in out]
    assert len(rendered) == 1, "exactly one run wrote; the others waited and found everything up to date"
    assert run_cli("check", "--root", str(root), "--kustomize", "off").code == 0


def test_no_fault_injection_ships_in_the_product() -> None:
    for path in (REPO / "generator").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "os.kill(os.getpid()" not in text and "CRASH_AFTER" not in text, path
