"""Worst-case-delay analysis alone: ``python -m bench.analysis`` (section 5 of ``make bench``, plus DST cases).

Every schedule gets a fresh interpreter (with a bytecode cache, as an installed tool has), so its first call
includes its zone's one-time setup (the eras) but not loading the zone's model from its TZif file, which validating
the settings file did before (``zone_for`` is called first); the
median is over further calls with the ``parse``/``analyze`` memos cleared (zone setup stays
cached, as in a real run). ``--tree DIR`` measures another checkout of the repository (e.g. ``git worktree add
/tmp/base main``) with the same interpreter, so two versions can be compared in one run. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.__main__ import ANALYSIS_CASES

REPO = Path(__file__).resolve().parent.parent

EXTRA_CASES: tuple[tuple[str, str | None], ...] = (
    ("15 3 1,15 * *", "Australia/Lord_Howe"),
    ("15 3 1,15 * *", "Europe/London"),
)

# Runs in the measured tree (cwd): prints "first_ms median_ms" for argv[1] (schedule) in argv[2] (zone or "").
_PROBE = r"""
import sys, time, statistics
start = time.perf_counter()
from generator.schedule.analysis import analyze
from generator.schedule.cron import parse
from generator.schedule.zones import zone_for
expr, zone, n = sys.argv[1], sys.argv[2] or None, int(sys.argv[3])
zone_for(zone)
t = time.perf_counter()
analyze(parse(expr, zone))
first = (time.perf_counter() - t) * 1000
samples = []
for _ in range(n):
    parse.cache_clear(); analyze.cache_clear()
    t = time.perf_counter()
    analyze(parse(expr, zone))
    samples.append((time.perf_counter() - t) * 1000)
print(first, statistics.median(samples))
"""


def _probe(tree: Path, expr: str, zone: str | None, iterations: int, env: dict[str, str]) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", _PROBE, expr, zone or "", str(iterations)], cwd=tree,
                         capture_output=True, text=True, check=True, env=env).stdout.split()
    return float(out[0]), float(out[1])


def measure(trees: Sequence[Path], expr: str, zone: str | None, iterations: int, rounds: int,
            envs: Sequence[dict[str, str]]) -> list[tuple[list[float], list[float]]]:
    """Per tree, the first-call ms and the median ms of the later calls of each of ``rounds`` fresh processes.

    The trees take turns round by round, so a busy spell of the machine hits all of them alike; a first process per
    tree fills its bytecode cache.
    """
    for tree, env in zip(trees, envs, strict=True):
        _probe(tree, expr, zone, 1, env)
    got: list[tuple[list[float], list[float]]] = [([], []) for _ in trees]
    for _ in range(rounds):
        for n, (tree, env) in enumerate(zip(trees, envs, strict=True)):
            first, median = _probe(tree, expr, zone, iterations, env)
            got[n][0].append(first)
            got[n][1].append(median)
    return got


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.analysis", description=__doc__.split("\n\n")[0])
    p.add_argument("--tree", type=Path, action="append", default=None,
                   help="repository checkout to measure (repeatable; default: this one)")
    p.add_argument("--iterations", type=int, default=30, help="memo-cleared calls per process (default 30)")
    p.add_argument("--rounds", type=int, default=5, help="fresh processes per schedule (default 5)")
    a = p.parse_args(argv)
    trees: list[Path] = a.tree or [REPO]
    print("Figures: median over the rounds (minimum in brackets).\n")
    header = "| schedule | time zone | " + " | ".join(f"{t.resolve().name}: first call ms | later calls ms"
                                                     for t in trees)
    print(header + " |")
    print("|---|---|" + "---|---|" * len(trees))
    with tempfile.TemporaryDirectory() as cache:
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        envs = [{**base, "PYTHONPYCACHEPREFIX": os.path.join(cache, str(n))} for n in range(len(trees))]
        for expr, zone in (*ANALYSIS_CASES, *EXTRA_CASES):
            cells = []
            for firsts, medians in measure(trees, expr, zone, a.iterations, a.rounds, envs):
                cells += [f"{statistics.median(firsts):.2f} ({min(firsts):.2f})",
                          f"{statistics.median(medians):.2f} ({min(medians):.2f})"]
            print(f"| `{expr}` | {zone or '(none)'} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
