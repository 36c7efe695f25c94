"""CLI start-up as users meet it: the tool installed from a wheel (not editable) into a fresh venv.

The wheel is built from the checkout (``pip wheel --no-deps --no-build-isolation``) and installed with
``pip --python <venv> install --no-deps --no-index``, so pip writes the real console script and the bytecode
cache. The runtime dependencies come from the dev venv through a plain ``.pth`` line (no download; a ``.pth``
adds a path but does not run that directory's own ``.pth`` files, so setuptools' editable-install hook, which
pre-imports pathlib, fnmatch and re at every start, stays out). Every command is compared with ``python -c pass``
of the same venv, in interleaved rounds after one warm-up round.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = 3.0


@dataclass
class Command:
    label: str
    argv: list[str]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    codes: set[int] = field(default_factory=set)

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def installed_tool(workdir: Path) -> tuple[str, str]:
    """(python, console script) of a fresh venv with the tool installed from a wheel; raises on failure."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    venv = workdir / "installed-venv"
    wheels = workdir / "wheel"
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True, timeout=300)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(wheels), str(REPO)], check=True, capture_output=True, timeout=600, cwd=workdir)
    wheel = next(wheels.glob("kaptain_gitops-*.whl"))
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True, timeout=600)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True, timeout=60).stdout.strip()
    Path(site, "kaptain-bench-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return str(python), str(venv / "bin" / "kaptain-gitops")


def commands(python: str, tool: str, root: Path, overlay: str) -> list[Command]:
    return [
        Command("python -c pass", [python, "-c", "pass"]),
        Command("kaptain-gitops --version", [tool, "--version"]),
        Command("kaptain-gitops --help", [tool, "--help"]),
        Command(f"kaptain-gitops validate {overlay}/settings.yaml", [tool, "validate", f"{root}/{overlay}/settings.yaml"]),
        Command('kaptain-gitops explain "0 0 * * *"', [tool, "explain", "0 0 * * *"]),
        Command(f"kaptain-gitops check {overlay}", [tool, "check", "--root", str(root), overlay]),
        Command(f"kaptain-gitops check --no-cache {overlay}", [tool, "check", "--no-cache", "--root", str(root), overlay]),
    ]


def measure(cmds: Sequence[Command], rounds: int, run: Callable[[list[str]], tuple[float, float, int]]) -> None:
    """Interleaved rounds (one warm-up round not counted); ``run`` returns (wall s, CPU s, exit code)."""
    for i in range(rounds + 1):
        for c in cmds:
            wall, cpu, code = run(c.argv)
            if i:
                c.wall.append(wall)
                c.cpu.append(cpu)
                c.codes.add(code)


def rows(cmds: Sequence[Command], fmt_s: Callable[[float], str], met: Callable[[bool], str]) -> list[list[str]]:
    base = cmds[0]
    out = []
    for c in cmds:
        wall, cpu = c.wall_median / base.wall_median, c.cpu_median / base.cpu_median
        verdict = "" if c is base else f"{wall:.2f}× ({met(wall <= TARGET)})"
        out.append([c.label, fmt_s(min(c.wall)), fmt_s(c.wall_median), fmt_s(max(c.wall)), verdict,
                    f"{c.cpu_median * 1000:.0f} ms" + ("" if c is base else f" ({cpu:.2f}×)"),
                    "exit " + "/".join(str(x) for x in sorted(c.codes))])
    return out
