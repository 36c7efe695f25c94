"""SIGINT and SIGTERM at any moment of a real fleet ``render`` or ``check`` (worker processes included).

Each run ends promptly with exit 130/143 and one line on stderr (no traceback, also not on a second signal),
leaves no process of its group behind, leaves each overlay entirely old or entirely new, and removes its
temporary files; whatever a run could not remove (a second signal exits at once), the next ``check`` of any
selection reports and the next ``render`` of any selection removes.
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

from generator.pipeline.pool import PARALLEL_MIN_OVERLAYS
from tests.conftest import REPO, run_cli
from tests.fleet_cases import change_schedules, generated, render_fleet

FLEET = PARALLEL_MIN_OVERLAYS + 16  # big enough for worker processes
BOUND = 60.0  # a hang detector, not a speed claim: interrupted runs end in well under a second here
ATTEMPTS = 10  # at least; more (up to MAX_ATTEMPTS) until MIN_INTERRUPTED signals have landed inside runs
MIN_INTERRUPTED = 3
MAX_ATTEMPTS = 40  # on a loaded machine a run measured slow makes more signals arrive after the end


def _temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".kgtmp-" in p.name]


def _group_members(pgid: int) -> list[str]:
    """Live (non-zombie) processes of process group ``pgid``."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(stat.parent.name)
    return members


def _no_members_left(pgid: int) -> list[str]:
    deadline = time.monotonic() + BOUND  # a dying process may need a moment to be reaped
    while (members := _group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return members


def _catches_sigterm(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True  # already gone
    caught = next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(caught & (1 << (signal.SIGTERM - 1)))


def _start(command: str, root: Path) -> subprocess.Popen[str]:
    """Start a run; return once its first line of our code runs (generator.cli.launch catches SIGTERM).

    A signal before that lands in Python's own start-up (site, the import machinery), which no program
    controls; from that line on, any moment is fair game.
    """
    env = {**os.environ, "KAPTAIN_GITOPS_WORKERS": "2"}
    extra = ["--kustomize", "internal"] if command == "check" else []
    proc = subprocess.Popen([sys.executable, "-m", "generator", command, "--root", str(root), *extra],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group: workers are found by group
    deadline = time.monotonic() + BOUND
    while not _catches_sigterm(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.001)
    return proc


@pytest.mark.slow
def test_signals_at_random_moments_leave_nothing_behind(tmp_path: Path) -> None:
    base = tmp_path / "base"
    render_fleet(base, FLEET)
    old = generated(base)
    changed = tmp_path / "changed"
    shutil.copytree(base, changed)
    change_schedules(changed)
    spans = []
    for name in ("full", "again"):  # the second, warm run is the typical one
        started = time.monotonic()
        proc = _start("render", shutil.copytree(changed, tmp_path / name))
        proc.communicate(timeout=BOUND)
        assert proc.returncode == 0
        spans.append(time.monotonic() - started)
    span = min(spans)  # signals land anywhere in a run, start-up and commit included
    new = generated(tmp_path / "full")
    rng = random.Random(13)
    seen: dict[str, int] = {}
    for attempt in range(MAX_ATTEMPTS):
        if attempt >= ATTEMPTS and seen.get("interrupted", 0) >= MIN_INTERRUPTED:
            break
        root = tmp_path / f"try{attempt}"
        shutil.copytree(changed, root)
        command = "check" if attempt % 4 == 3 else "render"
        sig = rng.choice([signal.SIGINT, signal.SIGTERM])
        whole_group = rng.random() < 0.5  # Ctrl-C in a terminal signals the group; `kill` only the parent
        twice = rng.random() < 0.3
        proc = _start(command, root)
        time.sleep(rng.uniform(0.0, span))
        (os.killpg if whole_group else os.kill)(proc.pid, sig)
        if twice:
            time.sleep(rng.uniform(0.0, 0.2))
            if proc.poll() is None:
                (os.killpg if whole_group else os.kill)(proc.pid, sig)
        _, err = proc.communicate(timeout=BOUND)
        finished = proc.returncode in (0, 1)  # the run was done before the signal arrived
        outcome = "finished" if finished else "interrupted"
        seen[outcome] = seen.get(outcome, 0) + 1
        assert "Traceback" not in err, err
        assert finished or proc.returncode == 128 + sig, (proc.returncode, err)
        if not finished:
            assert err.endswith("kaptain-gitops: interrupted\n"), err
        assert _no_members_left(proc.pid) == [], "a worker outlived the run"
        if not twice or finished:
            assert _temporaries(root) == [], "an interrupted run removes its temporary files"
        journal = (root / ".kaptain-gitops" / "journal.json").exists()
        if not journal:
            state = generated(root)
            assert all(state[n] in (old[n], new[n]) for n in state), "an overlay is mixed"
        # Leftovers (a second signal may exit before clean-up) are the next run's, whatever its selection.
        leftovers = _temporaries(root)
        check = run_cli("check", "--root", str(root), "overlays/c000", "--kustomize", "off")
        for path in leftovers:
            assert f"{path.relative_to(root).as_posix()} is a temporary file an interrupted run left behind" \
                   in check.out
        assert run_cli("render", "--root", str(root), "overlays/c001").code == 0
        assert _temporaries(root) == []
        assert run_cli("render", "--root", str(root)).code == 0
        assert generated(root) == new
    assert seen.get("interrupted", 0) >= MIN_INTERRUPTED, seen  # the signals did land inside runs


def test_a_later_run_reports_and_removes_leftover_temporaries(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    shutil.copytree(REPO / "overlays", root / "overlays")
    stray = [root / "overlays/dev/.cronjob.yaml.kgtmp-999", root / "overlays/prod/jobs/.x.yaml.kgtmp-1"]
    for path in stray:
        path.parent.mkdir(exist_ok=True)
        path.write_text("half")
    check = run_cli("check", "--root", str(root), "overlays/dev", "--kustomize", "off")
    assert check.code == 1
    assert ("overlays/prod/jobs/.x.yaml.kgtmp-1:1:1: [error] overlays/prod/jobs/.x.yaml.kgtmp-1 is a temporary file "
            "an interrupted run left behind; run 'kaptain-gitops render' to remove it (leftover-temporary)") in check.out
    render = run_cli("render", "--root", str(root), "overlays/dev")
    assert render.code == 0
    assert "note: removed 2 temporary files an interrupted run left behind" in render.out
    assert not any(p.exists() for p in stray)
    assert run_cli("check", "--root", str(root), "--kustomize", "off").code == 0
