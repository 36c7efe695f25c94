"""CLI start-up as users meet it: the tool installed from a wheel (not editable) into a fresh venv.

The wheel is built from the checkout (``pip wheel --no-deps --no-build-isolation``) and installed with
``pip --python <venv> install --no-deps --no-index``, so pip writes the real console script and the bytecode
cache. The runtime dependencies come from the dev venv through a plain ``.pth`` line (no download; a ``.pth``
adds a path but does not run that directory's own ``.pth`` files, so setuptools' editable-install hook, which
pre-imports pathlib, fnmatch and re at every start, stays out). Every command is compared with ``python -c pass``
of the same venv, in interleaved rounds after one warm-up round.

Alone, ``python -m bench.startup`` measures just this section on a small fleet (the installed venv and the fleet
are made in a temporary directory, or reused in ``--workdir``); ``--importtime`` also lists, per command, the
modules ``python -X importtime`` finds most costly in the installed setting.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
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


def installed_tool(workdir: Path, source: Path = REPO) -> tuple[str, str]:
    """(python, console script) of a fresh venv with the tool installed from a wheel; raises on failure."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    venv = workdir / "installed-venv"
    wheels = workdir / "wheel"
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True, timeout=300)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(wheels), str(source)], check=True, capture_output=True, timeout=600, cwd=workdir)
    wheel = next(wheels.glob("kaptain_gitops-*.whl"))
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True, timeout=600)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True, timeout=60).stdout.strip()
    Path(site, "kaptain-bench-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return str(python), str(venv / "bin" / "kaptain-gitops")


def time_zone(root: Path, overlay: str) -> str | None:
    """The ``secretRotationTimeZone`` an overlay's settings name (the bench fleet writes it on one plain line)."""
    for line in (root / overlay / "settings.yaml").read_text(encoding="utf-8").splitlines():
        key, _, value = line.strip().partition(":")
        if key == "secretRotationTimeZone":
            return value.strip().strip('"')
    return None


def commands(python: str, tool: str, root: Path, overlay: str) -> list[Command]:
    """The measured commands; ``validate`` once for ``overlay`` and once for the first overlay without a time zone
    (a zone with clock changes costs the controller-exact daylight-saving analysis, which a zone-less one skips)."""
    zone = time_zone(root, overlay)
    validate = [Command(f"kaptain-gitops validate {overlay}/settings.yaml ({zone or 'no time zone'})",
                        [tool, "validate", f"{root}/{overlay}/settings.yaml"])]
    plain = next((f"overlays/{d.name}" for d in sorted((root / "overlays").iterdir())
                  if (d / "settings.yaml").is_file() and time_zone(root, f"overlays/{d.name}") is None), None)
    if zone is not None and plain is not None:
        validate.append(Command(f"kaptain-gitops validate {plain}/settings.yaml (no time zone)",
                                [tool, "validate", f"{root}/{plain}/settings.yaml"]))
    return [
        Command("python -c pass", [python, "-c", "pass"]),
        Command("kaptain-gitops --version", [tool, "--version"]),
        Command("kaptain-gitops --help", [tool, "--help"]),
        *validate,
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


# --------------------------------------------------------------------------------------------------------------
# Alone: python -m bench.startup
# --------------------------------------------------------------------------------------------------------------


def bench_env(workdir: Path) -> dict[str, str]:
    """As the fleet bench runs commands: bytecode written and reused, under a prefix in the work directory."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    return env


def timed_run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """(wall s, CPU s of the child, exit code) of one run, output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    rc = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL, check=False).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), rc


def import_times(argv: list[str], cwd: Path, env: dict[str, str], runs: int = 5) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) per imported module, the median of ``runs`` ``-X importtime`` runs."""
    samples: dict[str, list[tuple[int, int]]] = {}
    order: list[str] = []
    for _ in range(runs):
        proc = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], cwd=cwd, env=env, capture_output=True,
                              text=True, check=False, stdin=subprocess.DEVNULL)
        for line in proc.stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            own, total, name = line[len("import time:"):].split("|")
            if name not in samples:
                order.append(name)
            samples.setdefault(name, []).append((int(own), int(total)))
    return [(name, int(statistics.median(s[0] for s in samples[name])),
             int(statistics.median(s[1] for s in samples[name]))) for name in order]


def _importtime_report(label: str, times: list[tuple[str, int, int]], top: int) -> list[str]:
    total = sum(own for _, own, _ in times)
    out = [f"### {label}: {len(times)} modules imported, {total / 1000:.1f} ms of imports (sum of self times)"]
    out += [f"  {own / 1000:6.2f} ms self {cum / 1000:7.2f} ms cum  {name}"
            for name, own, cum in sorted(times, key=lambda t: -t[1])[:top]]
    ours = [name.strip() for name, _, _ in times if name.strip().split(".")[0] in ("generator", "yaml", "jinja2")]
    out.append("  ours/yaml/jinja2: " + " ".join(ours))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.startup", description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--runs", type=int, default=20, help="runs per command after one warm-up round (default 20)")
    p.add_argument("--overlays", type=int, default=20, help="fleet size for check (default 20)")
    p.add_argument("--workdir", type=Path, default=None, help="work here and keep it (default: a temporary folder)")
    p.add_argument("--importtime", action="store_true", help="also list the costliest imports per command")
    p.add_argument("--top", type=int, default=25, help="modules listed per command with --importtime (default 25)")
    p.add_argument("--no-check", action="store_true", help="leave the check command out")
    p.add_argument("--baseline", metavar="GIT_REF",
                   help="also install GIT_REF (git archive of this checkout) and run its commands in the same rounds")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kaptain-startup-") as tmp:
        workdir = (a.workdir or Path(tmp)).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        from bench.fleet import make_fleet

        repo = workdir / "repo"
        fleet = make_fleet(repo, a.overlays, 1, 0.0) if not (repo / "overlays").is_dir() else None
        for old in (workdir / "installed-venv", workdir / "wheel", workdir / "baseline"):
            if old.exists():
                subprocess.run(["rm", "-rf", str(old)], check=True)
        python, tool = installed_tool(workdir)
        before: list[Command] = []
        if a.baseline:
            src = workdir / "baseline" / "src"
            src.mkdir(parents=True)
            archive = subprocess.run(["git", "-C", str(REPO), "archive", a.baseline], check=True, capture_output=True)
            subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
            bpython, btool = installed_tool(workdir / "baseline", src)
        env = bench_env(workdir)
        if fleet is not None:
            subprocess.run([tool, "render", "--root", str(repo)], check=True, env=env, capture_output=True)
        one = sorted(d.name for d in (repo / "overlays").iterdir())[1]
        cmds = commands(python, tool, repo, f"overlays/{one}")
        if a.baseline:
            # its own copy of the fleet: the result caches keep one entry per overlay, so two tools sharing a
            # repository would evict each other's entries and neither warm check would ever hit
            brepo = workdir / "baseline" / "repo"
            subprocess.run(["cp", "-a", str(repo), str(brepo)], check=True)
            subprocess.run(["rm", "-rf", str(brepo / ".kaptain-gitops")], check=True)
            before = commands(bpython, btool, brepo, f"overlays/{one}")
            for c in before:
                c.label = f"{c.label} [{a.baseline}]"
        if a.no_check:
            cmds = [c for c in cmds if not c.label.startswith("kaptain-gitops check")]
            before = [c for c in before if not c.label.startswith("kaptain-gitops check")]
        cmds += before
        measure(cmds, a.runs, lambda argv_: timed_run(argv_, workdir, env))
        table = rows(cmds, lambda x: f"{x * 1000:.1f} ms", lambda ok: "met" if ok else "NOT met")
        print("| command | min | median | max | vs python -c pass | CPU median | exit |")
        print("|---|---|---|---|---|---|---|")
        for r in table:
            print("| " + " | ".join(r) + " |")
        if a.importtime:
            for c in cmds[:len(cmds) - len(before)]:
                full = c.argv if c.argv[0] == python else [python, *c.argv]
                print()
                print("\n".join(_importtime_report(c.label, import_times(full, workdir, env), a.top)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
