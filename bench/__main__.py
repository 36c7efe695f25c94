"""Fleet benchmark: ``python -m bench`` (``make bench``) measures kaptain-gitops on a synthetic fleet.

Sections (all in one run, figures are min / median / max over ``--repeat`` repetitions):

1. ``render`` of the whole fleet, first from empty and again when up to date;
2. ``check`` of the whole fleet, ``--kustomize auto`` and ``--kustomize kubectl``;
3. the baseline a user would otherwise run: ``kubectl kustomize`` per overlay in a shell loop (piped into
   ``kubeconform -strict`` when it is on PATH), measured on a subsample and extrapolated linearly;
4. start-up of every command installed from a wheel, against ``python -c pass``; the pull-request path
   (``check --changed-since``, one overlay changed);
5. worst-case-delay analysis of hard schedules, in process;
6. peak RSS of ``check`` at a tenth of the fleet and at the whole fleet;
7. manifest schema validation per document and over the fleet's documents, in process (:mod:`bench.schemas`).

Every command runs in a small runner subprocess that times it with ``time.perf_counter`` and reports
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``, so each memory figure comes from a fresh process.
Nothing here asserts a timing; targets are only marked met / not met in the report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import startup
from bench.fleet import Fleet, make_fleet, subsample

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "bench" / "RESULTS.md"

# Runs argv[3:] with output to the file argv[1] in directory argv[2]; prints "seconds rc maxrss_kib cpu_seconds".
_RUNNER = r"""
import resource, subprocess, sys, time
with open(sys.argv[1], "ab") as out:
    start = time.perf_counter()
    rc = subprocess.run(sys.argv[3:], cwd=sys.argv[2], stdout=out, stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL, check=False).returncode
    seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(seconds, rc, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""

ANALYSIS_CASES: tuple[tuple[str, str | None], ...] = (
    ("* * * * *", None),
    ("0 0 29 2 *", None),
    ("*/7 3-5 */3 * 1-5", None),
    ("@every 7m", None),
    ("30 2 * * *", "Europe/Berlin"),
    ("0 1 * * *", "America/Santiago"),
    ("0 0 1 1 *", "Australia/Lord_Howe"),
)

TARGET_CHECK_SPEEDUP = 10.0
TARGET_PR_SECONDS = 0.3
TARGET_ANALYSIS_MS = 20.0
TARGET_RSS_GROWTH = 1.5

CACHE_DECISION = (
    "**Result caches** (issue #16). `check` keeps two, under `.kaptain-gitops/cache/check/`, as ruff and mypy do: a "
    "clean generated-only overlay, and a clean `deploy/`. They are reused only while every input is byte-identical: "
    "the tool's code, templates and schemas, the libraries that render, parse and validate (size and modification "
    "time of their files, as the kubectl build cache fingerprints kubectl), Python, the options, and the files "
    "concerned — all files of the overlay, plus the Kubernetes schema folder and the time-zone file it was checked "
    "with; for `deploy/`: `gitops.yaml`, the overlay set, every file under `deploy/` and, with a `kommander:` "
    "section, every `settings.yaml` and the time-zone database. Failures, stale overlays, kubectl builds, "
    "kubeconform runs, symlinks and `--no-cache` are never cached, so every problem is reported again. "
    "Why: the pull-request path cannot gain from them (the changed overlay is always checked again, and this "
    "section measures it without any cache), but `deploy/` depends on every overlay and was rebuilt by every "
    "check: at 1,000 overlays with a `gitops.yaml` (Argo CD + Flux) a one-overlay check cost ≈1.0 s CPU, ≈3.6 s "
    "with a `kommander:` section (it reads all 1,000 settings files), ≈0.25 s with the cache (measured apart with "
    "`/tmp` fleets; this synthetic fleet has no `gitops.yaml`). For one overlay the cache saves what is listed "
    "in the two `check` rows above; what remains is start-up, the walk of `overlays/` that every check needs "
    "(orphans, leftovers, misnamed settings), reading `settings.yaml` back for the report, and the fingerprints "
    "(≈10 ms)."
)


# --------------------------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    rc: int
    maxrss_kib: int
    cpu: float = 0.0  # user + system seconds of the command's process tree


@dataclass
class Series:
    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def counted(self) -> list[Run]:
        """The runs the figures use: those that exited 0, or all of them when none did."""
        ok = [r for r in self.runs if r.rc == 0]
        return ok or self.runs

    @property
    def times(self) -> list[float]:
        return [r.seconds for r in self.counted]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def max(self) -> float:
        return max(self.times)

    @property
    def rss_median_mib(self) -> float:
        return statistics.median(r.maxrss_kib for r in self.runs) / 1024

    def exits(self) -> str:
        codes = sorted({r.rc for r in self.runs})
        text = "exit " + "/".join(str(c) for c in codes)
        left_out = len(self.runs) - len(self.counted)
        return text + (f" ({left_out} failed run(s) left out, see Notes)" if left_out else "")


class Bench:
    def __init__(self, workdir: Path, verbose: bool = True) -> None:
        self.workdir = workdir
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.verbose = verbose
        self.started = time.perf_counter()
        self._count = 0
        # Measure what an installed tool does: Python may write and reuse its bytecode cache. It goes to a
        # prefix inside the work directory, so the checkout is not touched (PYTHONDONTWRITEBYTECODE is lifted).
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
        # ... and, for comparison, without any bytecode cache for the project (the source compiled every run).
        self.env_no_pyc = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
        self.env_no_pyc["PYTHONDONTWRITEBYTECODE"] = "1"

    def say(self, message: str) -> None:
        if self.verbose:
            print(f"[bench {time.perf_counter() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True)

    def run(self, argv: Sequence[str], cwd: Path, *, bytecode_cache: bool = True) -> Run:
        """Run ``argv`` once in a fresh runner process; time it there and read its children's peak RSS."""
        self._count += 1
        log = self.logs / f"{self._count:04d}.log"
        log.write_text(f"$ {shlex.join(argv)}\n", encoding="utf-8")
        proc = subprocess.run([sys.executable, "-c", _RUNNER, str(log), str(cwd), *argv],
                              capture_output=True, text=True, check=True,
                              env=self.env if bytecode_cache else self.env_no_pyc)
        seconds, rc, rss, cpu = proc.stdout.split()
        return Run(float(seconds), int(rc), int(rss), float(cpu))

    def log_tail(self, lines: int = 5) -> str:
        text = (self.logs / f"{self._count:04d}.log").read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.rstrip("\n").split("\n")[-lines:])


def _tool(name: str) -> str:
    """A console script of this interpreter's environment (the venv), else from PATH."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"bench: {name} not found beside {sys.executable} or on PATH")
    return found


# --------------------------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------------------------


def _s(x: float) -> str:
    return f"{x:.2f} s" if x >= 1 else f"{x * 1000:.0f} ms"


def _ms(x: float) -> str:
    return f"{x:.2f}" if x < 10 else f"{x:.1f}"


def _ratio(x: float) -> str:
    return f"{x:.1f}×" if x >= 10 else f"{x:.3f}×"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return [*out, ""]


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def _first_line(argv: Sequence[str]) -> str:
    try:
        proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"
    text = (proc.stdout or proc.stderr).strip()
    return " ".join(text.splitlines()[:2]) if text else "unavailable"


def code_fingerprint() -> str:
    """A digest of the code under test (package, templates, schemas) and the commit, to notice mid-run changes."""
    h = hashlib.sha256()
    for top in ("generator", "templates", "schemas"):
        for path in sorted((REPO / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".j2", ".sh", ".json"):
                h.update(path.relative_to(REPO).as_posix().encode())
                h.update(path.read_bytes())
    commit = _first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    return f"{commit}/{h.hexdigest()[:12]}"


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def machine_description(kubectl: str | None, kubeconform: str | None, workdir: Path, load: list[str]) -> list[str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    commit = _first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, check=False).stdout.strip()
    fs = _first_line(["df", "--output=fstype", str(workdir)]).split()[-1]
    return [
        f"- CPU: {cpu}; {os.cpu_count()} logical CPUs ({usable} usable)",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_version()} ({sys.executable})",
        f"- kaptain-gitops: {_first_line([_tool('kaptain-gitops'), '--version'])}, commit {commit}"
        + (" (with uncommitted changes)" if dirty else "") + f"; code fingerprint {code_fingerprint()}",
        f"- kubectl: {_first_line([kubectl, 'version', '--client']) if kubectl else 'not on PATH'}"
        + (f" (`{kubectl}` → `{os.path.realpath(kubectl)}`)" if kubectl else ""),
        f"- kubeconform: {_first_line([kubeconform, '-v']) if kubeconform else 'not on PATH'}",
        f"- temp directory: {workdir} ({fs})",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- load average at start / end of the run: {load[0]} / {_loadavg()} (other work on the machine adds noise)",
    ]


# --------------------------------------------------------------------------------------------------------------
# The sections
# --------------------------------------------------------------------------------------------------------------


def _copy_fleet(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=True)


def _drop_build_cache(root: Path) -> None:
    """Forget ``check``'s cache of kubectl builds (``.kaptain-gitops/cache``), as in a fresh CI clone."""
    shutil.rmtree(root / ".kaptain-gitops" / "cache", ignore_errors=True)


def _baseline_command(dirs: Sequence[Path], kubectl: str, kubeconform: str | None) -> list[str]:
    """The shell loop a user would write: kubectl kustomize each overlay (| kubeconform -strict)."""
    if kubeconform:
        schemas = (REPO / "schemas" / "kubernetes").as_posix()
        body = (f'{shlex.quote(kubectl)} kustomize "$d" | {shlex.quote(kubeconform)} -strict -summary '
                f"-kubernetes-version 1.35.0 -schema-location {shlex.quote(schemas)} - >/dev/null || exit 1")
    else:
        body = f'{shlex.quote(kubectl)} kustomize "$d" >/dev/null || exit 1'
    return ["bash", "-c", f"set -o pipefail; for d in \"$@\"; do {body}; done", "loop", *map(str, dirs)]


AnalysisCase = tuple[str, str | None, list[float], float, str]


def _analysis(iterations: int, pycache: Path) -> tuple[float, list[AnalysisCase]]:
    """In process: (import ms, [(schedule, zone, [ms per fresh call, first call first], ms per memoised call,
    worst-case delay)]).

    A fresh call clears the per-schedule memo of ``parse`` and ``analyze`` (when they have one) first, so it
    measures the real work; per-zone setup stays cached after a zone's first call, as in a real run.
    """
    sys.pycache_prefix = str(pycache)  # the bytecode cache the cold-start runs filled, as an installed tool has
    sys.dont_write_bytecode = False
    start = time.perf_counter()
    from generator.schedule.analysis import analyze
    from generator.schedule.cron import parse

    import_ms = (time.perf_counter() - start) * 1000
    memos = [f.cache_clear for f in (parse, analyze) if hasattr(f, "cache_clear")]
    out = []
    for expr, zone in ANALYSIS_CASES:
        samples = []
        worst = ""
        gc.collect()
        for _ in range(iterations):
            for clear in memos:
                clear()
            t = time.perf_counter()
            result = analyze(parse(expr, zone))
            samples.append((time.perf_counter() - t) * 1000)
            worst = "never" if result.worst_case_delay is None else str(result.worst_case_delay)
        t = time.perf_counter()
        for _ in range(iterations):
            analyze(parse(expr, zone))
        memoised = (time.perf_counter() - t) * 1000 / iterations
        out.append((expr, zone, samples, memoised, worst))
    return import_ms, out


@dataclass
class Config:
    overlays: int
    repeat: int
    seed: int
    out: Path
    baseline_sample: int
    cold_runs: int
    analysis_iterations: int
    workdir: Path | None
    quiet: bool
    patched_share: float = 0.10
    startup_only: bool = False  # --startup-only: the fleet rendered once (not timed), then section 4 alone


def run_bench(cfg: Config) -> str:
    tmp_owner = None
    if cfg.workdir is None:
        tmp_owner = tempfile.TemporaryDirectory(prefix="kaptain-bench-")
        workdir = Path(tmp_owner.name)
    else:
        workdir = cfg.workdir.resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    try:
        return _run_in(cfg, workdir)
    finally:
        if tmp_owner is not None:
            tmp_owner.cleanup()


def _run_in(cfg: Config, workdir: Path) -> str:
    b = Bench(workdir, verbose=not cfg.quiet)
    load = [_loadavg()]
    code_at_start = code_fingerprint()
    kg = _tool("kaptain-gitops")
    kubectl = shutil.which("kubectl")
    kubeconform = shutil.which("kubeconform")
    n = cfg.overlays
    notes: list[str] = []

    b.say(f"generating {n} overlays (seed {cfg.seed}) in {workdir}")
    pristine = workdir / "pristine"
    if pristine.exists():
        shutil.rmtree(pristine)
    fleet: Fleet = make_fleet(pristine, n, cfg.seed, cfg.patched_share)
    repo = workdir / "repo"

    render_first = Series("render (first, from empty)")
    render_again = Series("render (up to date)")
    check_auto = Series("check --kustomize auto")
    check_warm = Series("check --kustomize auto, warm build cache")
    check_kubectl = Series("check --kustomize kubectl")
    loop = Series("kubectl kustomize loop")
    sample_dirs: list[Path] = []
    k = min(cfg.baseline_sample, n)

    def timed(series: Series, argv: list[str], cwd: Path) -> None:
        r = b.run(argv, cwd)
        series.runs.append(r)
        b.say(f"  {series.label}: {_s(r.seconds)} (exit {r.rc}, max RSS {r.maxrss_kib / 1024:.0f} MiB)")
        if r.rc != 0:
            tail = b.log_tail()
            b.say("  output tail:\n" + tail)
            notes.append(f"`{series.label}` exited {r.rc} after {_s(r.seconds)}; last lines of its output:\n\n"
                         + "\n".join("      " + line for line in tail.split("\n")))

    if cfg.startup_only:
        b.say("startup only: rendering the fleet once (not timed)")
        _copy_fleet(pristine, repo)
        b.run([kg, "render", "--root", str(repo)], repo)
    for rep in range(1, 0 if cfg.startup_only else cfg.repeat + 1):
        b.say(f"repetition {rep}/{cfg.repeat}")
        _copy_fleet(pristine, repo)
        timed(render_first, [kg, "render", "--root", str(repo)], repo)
        timed(render_again, [kg, "render", "--root", str(repo)], repo)
        _drop_build_cache(repo)
        timed(check_auto, [kg, "check", "--root", str(repo), "--kustomize", "auto"], repo)
        timed(check_warm, [kg, "check", "--root", str(repo), "--kustomize", "auto"], repo)
        if kubectl:
            _drop_build_cache(repo)
            timed(check_kubectl, [kg, "check", "--root", str(repo), "--kustomize", "kubectl"], repo)
            sample_dirs = [repo / p.relative_to(pristine) for p in subsample(fleet, k, cfg.seed)]
            timed(loop, _baseline_command(sample_dirs, kubectl, kubeconform), repo)
    if not kubectl and not cfg.startup_only:
        notes.append("kubectl is not on PATH: the kubectl check mode and the baseline loop were not measured.")

    # 4. start-up of every command, installed from a wheel into a fresh venv
    b.say(f"start-up: {cfg.cold_runs} runs each, installed from a wheel")
    one = next(name for name in fleet.names if name not in set(fleet.patched))
    cold: list[startup.Command] = []
    try:
        ipy, itool = startup.installed_tool(workdir)
        cold = startup.commands(ipy, itool, repo, f"overlays/{one}")

        def run_cold(argv: list[str]) -> tuple[float, float, int]:
            r = b.run(argv, workdir)
            return r.seconds, r.cpu, r.rc

        startup.measure(cold, cfg.cold_runs, run_cold)
    except (OSError, subprocess.SubprocessError, StopIteration) as err:
        notes.append(f"Could not install the tool from a wheel for the start-up figures: {err}")
        cold = []

    # 4b. the pull-request path: one overlay changed (and rendered) since the last commit, check --changed-since
    b.say("pull-request path")
    pr: dict[str, Series] = {}
    git = ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench"]
    try:
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, capture_output=True)
        (repo / ".gitignore").write_text(".kaptain-gitops/\n", encoding="utf-8")  # as a user's repository has it
        subprocess.run([*git, "-C", str(repo), "add", "-A"], check=True, capture_output=True)
        subprocess.run([*git, "-C", str(repo), "commit", "-qm", "fleet"], check=True, capture_output=True)
        cases = [("generated-only", one)] + ([("with a user patch, cold build cache", fleet.patched[0])]
                                              if fleet.patched and kubectl else [])
        for what, name in cases:
            settings = repo / "overlays" / name / "settings.yaml"
            text = settings.read_text(encoding="utf-8")
            changed = re.sub(r'secretRotationSchedule: ".*"', 'secretRotationSchedule: "0 */4 * * *"', text)
            settings.write_text(changed if changed != text else text.replace('"0 */4 * * *"', '"0 */3 * * *"'),
                                encoding="utf-8")
            b.run([kg, "render", "--root", str(repo), f"overlays/{name}"], repo)
            series = pr[what] = Series(f"check --changed-since HEAD, 1 overlay changed ({what})")
            for _ in range(cfg.repeat):
                _drop_build_cache(repo)
                timed(series, [kg, "check", "--root", str(repo), "--changed-since", "HEAD"], repo)
            subprocess.run(["git", "-C", str(repo), "checkout", "-q", "--", "."], check=True, capture_output=True)
    except (OSError, subprocess.SubprocessError) as err:
        notes.append(f"The pull-request path was not measured: {err}")

    if cfg.startup_only:
        return _startup_only_report(cfg, b, fleet, cold, pr, notes, (kubectl, kubeconform, workdir, load), code_at_start)

    # 5. analysis, in process (this process has not imported the generator before)
    b.say(f"analysis: {cfg.analysis_iterations} calls per schedule")
    import_ms, cases = _analysis(cfg.analysis_iterations, Path(b.env["PYTHONPYCACHEPREFIX"]))

    # 6. peak memory: a fresh process per figure, at a tenth of the fleet and at the whole fleet
    small = max(1, round(n / 10))
    mem: dict[tuple[str, int], Run] = {}
    mem_modes = (("auto", "check --kustomize auto: largest process of the run (kubectl included)"),
                 ("internal", "check --kustomize internal: the Python process alone"))
    for size in (small, n):
        root = workdir / f"mem-{size}"
        if size == n:
            root = repo
        else:
            if root.exists():
                shutil.rmtree(root)
            for name in fleet.names[:size]:
                shutil.copytree(repo / "overlays" / name, root / "overlays" / name, symlinks=True)
        for mode, _label in mem_modes:
            _drop_build_cache(root)
            r = b.run([kg, "check", "--root", str(root), "--kustomize", mode], root)
            mem[(mode, size)] = r
            b.say(f"  memory {mode} @ {size}: {r.maxrss_kib / 1024:.1f} MiB (exit {r.rc})")

    b.say("done measuring")
    code_at_end = code_fingerprint()
    if code_at_end != code_at_start:
        notes.append(f"**The code under test changed during the run** (commit/content {code_at_start} → "
                     f"{code_at_end}): the figures mix versions; run the benchmark again on a quiet checkout.")
        b.say("warning: the code under test changed during the run")
    total = time.perf_counter() - b.started

    # ---------------------------------------------------------------------------------------------------------
    lines: list[str] = [
        "# kaptain-gitops fleet benchmark",
        "",
        (f"Fleet: {n} synthetic overlays ({len(fleet.patched)} with a user patch under `patches/`, which `auto` "
         f"builds in process when the patch engine accepts it, else with `kubectl kustomize`), seed {cfg.seed}; {cfg.repeat} repetition(s). Times are wall-clock "
         "(`time.perf_counter` around one subprocess); min / median / max over the repetitions. "
         f"Written by `python -m bench` ({' '.join(sys.argv[1:]) or 'defaults'}); the whole run took {_s(total)}."),
        "",
    ]
    per = f"per overlay ({n})"
    lines += [f"## 1. Render (whole fleet, {n} overlays)", ""]
    rows = [[s.label, _s(s.min), _s(s.median), _s(s.max), f"{s.median / n * 1000:.1f} ms", s.exits()]
            for s in (render_first, render_again)]
    lines += _table(["measurement", "min", "median", "max", per, "exit"], rows)

    lines += [f"## 2. Check (whole fleet, {n} overlays)", ""]
    rows = [[s.label, _s(s.min), _s(s.median), _s(s.max), f"{s.median / n * 1000:.1f} ms", s.exits()]
            for s in (check_auto, check_warm, check_kubectl) if s.runs]
    if check_kubectl.runs:
        rows.append(["ratio kubectl mode / auto mode (medians)", "", _ratio(check_kubectl.median / check_auto.median),
                     "", "", ""])
    lines += _table(["measurement", "min", "median", "max", per, "exit"], rows)
    lines.append(f"`auto` builds the {n - len(fleet.patched)} generated-only overlays in process, and the "
                 f"{len(fleet.patched)} patched one(s) in process too where the patch engine accepts them (this "
                 "fleet's owner-annotation patch is inside its proven subset; see the end of this report), otherwise "
                 f"with `kubectl kustomize`; `kubectl` builds all {n} with kubectl. "
                 + ("kubeconform is on PATH, so check also ran it." if kubeconform
                    else "kubeconform is not on PATH, so check ran only its built-in strict schema check.")
                 + " Unless marked warm, every check starts without the build cache under `.kaptain-gitops/cache` "
                   "(as a fresh CI clone does); the warm run follows a cold one on the same unchanged fleet.")
    lines.append("")

    lines += ["## 3. Baseline: `kubectl kustomize` per overlay in a shell loop", ""]
    speedup = None
    if loop.runs:
        scale = n / k
        what = "kubectl kustomize | kubeconform -strict" if kubeconform else "kubectl kustomize (kubeconform not on PATH)"
        rows = [[f"{what}, {k} overlays measured", _s(loop.min), _s(loop.median), _s(loop.max),
                 f"{loop.median / k * 1000:.1f} ms", loop.exits()]]
        if k < n:
            rows.append([f"extrapolated linearly to {n} overlays (×{scale:g})", _s(loop.min * scale),
                         _s(loop.median * scale), _s(loop.max * scale), "", "estimate"])
        else:
            rows.append([f"whole fleet ({n} overlays)", _s(loop.min), _s(loop.median), _s(loop.max), "", "measured"])
        speedup = loop.median * scale / check_auto.median
        rows.append(["check --kustomize auto (no build cache) vs loop (loop median / check median)", "",
                     _ratio(speedup), "", "",
                     f"target ≥{TARGET_CHECK_SPEEDUP:g}×: {_met(speedup >= TARGET_CHECK_SPEEDUP)}"])
        rows.append(["check --kustomize auto, warm build cache, vs loop", "",
                     _ratio(loop.median * scale / check_warm.median), "", "", ""])
        rows.append(["check --kustomize kubectl vs loop", "", _ratio(loop.median * scale / check_kubectl.median),
                     "", "", ""])
        lines += _table(["measurement", "min", "median", "max", "per overlay", "notes"], rows)
        lines.append(
            ("The loop was measured on a random subsample (with the fleet's share of patched overlays) and "
             "extrapolated linearly; " if k < n
             else "The loop ran over the whole fleet; ")
            + "it only builds"
            + (" and schema-checks" if kubeconform else "")
            + ", while `check` also validates the settings, re-renders every overlay, compares it with the "
              "committed files and runs strict schema and API-server rules."
            + ("" if kubeconform else
               " **kubeconform is not on PATH here**, so the loop is `kubectl kustomize` alone; the loop users write "
               "(`kubectl kustomize | kubeconform -strict`) is slower, so these ratios understate the gain."))
    else:
        lines.append("Not measured: kubectl is not on PATH.")
    lines.append("")

    lines += _startup_lines(cfg, n, cold, pr)

    lines += [(f"## 5. Worst-case-delay analysis (in process, `analyze(parse(...))`, fresh parse each call "
               f"(memo cleared), {cfg.analysis_iterations} calls per schedule)"), ""]
    rows = []
    worst_max = 0.0
    worst_typical = 0.0  # the slowest first call or median: what one analysis costs, without scheduler noise
    for expr, zone, samples, memoised, worst in cases:
        worst_max = max(worst_max, max(samples))
        worst_typical = max(worst_typical, samples[0], statistics.median(samples))
        rows.append([f"`{expr}`", zone or "(none)", _ms(samples[0]), _ms(min(samples)),
                     _ms(statistics.median(samples)), _ms(max(samples)), f"{memoised * 1000:.1f} µs", worst])
    lines += _table(["schedule", "time zone", "first call ms", "min ms", "median ms", "max ms", "memoised call",
                     "worst-case delay"], rows)
    lines.append(f"Importing `generator.schedule.cron` and `generator.schedule.analysis` took {import_ms:.1f} ms (not included). "
                 "The first call of each schedule includes its zone's one-time setup (the process had not analysed "
                 f"anything before). Slowest first call or median: {worst_typical:.2f} ms (target "
                 f"≤{TARGET_ANALYSIS_MS:g} ms: {_met(worst_typical <= TARGET_ANALYSIS_MS)}); slowest single call "
                 f"of all: {worst_max:.2f} ms (includes any scheduler noise of a busy machine).")
    lines.append("")

    lines += ["## 6. Peak memory of check (max RSS, `getrusage(RUSAGE_CHILDREN)` of a fresh process per figure)", ""]
    rows = []
    growth: dict[str, float] = {}
    for mode, label in mem_modes:
        a, z = mem[(mode, small)], mem[(mode, n)]
        growth[mode] = z.maxrss_kib / a.maxrss_kib
        rows.append([label, f"{a.maxrss_kib / 1024:.1f} MiB", f"{z.maxrss_kib / 1024:.1f} MiB",
                     (f"{_ratio(growth[mode])} (target ≤{TARGET_RSS_GROWTH:g}×: "
                      f"{_met(growth[mode] <= TARGET_RSS_GROWTH)})"), f"exit {a.rc}/{z.rc}"])
    lines += _table(["measurement", f"{small} overlays", f"{n} overlays", f"ratio {n}/{small}", "exit"], rows)
    lines.append("`RUSAGE_CHILDREN` reports the largest single process of the tree, so in `auto` mode a `kubectl` "
                 "child can be the figure. `internal` mode never starts kubectl (patched overlays outside the patch "
                 "engine's subset would end in `kustomize-needed`; this fleet's patches are inside it), so it "
                 "isolates how the Python process grows with the fleet.")
    lines.append("")

    from bench import schemas as schema_bench

    lines += ["## 7. Manifest schema validation (jsonschema-rs, in process, CPU time per `SchemaRegistry.validate`)",
              ""]
    lines += schema_bench.report(n)
    lines.append("")

    lines += ["## Targets", ""]
    rows = []
    if speedup is not None:
        rows.append(["check (auto, no build cache) vs kubectl kustomize loop", _ratio(speedup) + " faster",
                     f"≥{TARGET_CHECK_SPEEDUP:g}×", _met(speedup >= TARGET_CHECK_SPEEDUP)])
        warm = loop.median * (n / k) / check_warm.median
        rows.append(["check (auto, warm build cache) vs kubectl kustomize loop", _ratio(warm) + " faster",
                     f"≥{TARGET_CHECK_SPEEDUP:g}×", _met(warm >= TARGET_CHECK_SPEEDUP)])
    for c in cold[1:]:
        ratio = c.wall_median / cold[0].wall_median
        rows.append([f"start-up `{c.label}` vs `python -c pass`, installed", _ratio(ratio),
                     f"≤{startup.TARGET:g}×", _met(ratio <= startup.TARGET)])
    for s_ in pr.values():
        rows.append([f"pull-request path: {s_.label}", _s(s_.median), f"≤{TARGET_PR_SECONDS:g} s",
                     _met(s_.median <= TARGET_PR_SECONDS)])
    rows.append(["worst-case-delay analysis, slowest first call or median (max of all calls)",
                 f"{worst_typical:.2f} ms ({worst_max:.2f} ms)", f"≤{TARGET_ANALYSIS_MS:g} ms",
                 _met(worst_typical <= TARGET_ANALYSIS_MS)])
    for mode, label in mem_modes:
        rows.append([f"peak RSS {n}/{small} overlays, {label.split(':')[0]}", _ratio(growth[mode]),
                     f"≤{TARGET_RSS_GROWTH:g}×", _met(growth[mode] <= TARGET_RSS_GROWTH)])
    lines += _table(["target", "measured", "goal", "result"], rows)

    if notes:
        lines += ["## Notes", "", *[f"- {x}" for x in notes], ""]
    lines += [(REPO / "bench" / "patched-overlays.md").read_text(encoding="utf-8").rstrip("\n"), ""]
    lines += ["## Machine", "", *machine_description(kubectl, kubeconform, workdir, load), ""]
    return "\n".join(lines)


def _startup_lines(cfg: Config, n: int, cold: list[startup.Command], pr: dict[str, Series]) -> list[str]:
    """Section 4: start-up of every command, the pull-request path, and why ``check`` keeps no result cache."""
    lines = [(f"## 4. Start-up of every command, installed ({cfg.cold_runs} runs each, interleaved, after one "
               "warm-up round)"), ""]
    if cold:
        lines += _table(["command", "min", "median", "max", "vs python -c pass (wall medians)",
                         "CPU median (ratio)", "exit"], startup.rows(cold, _s, _met))
        lines.append(
            f"Target ≤{startup.TARGET:g}× `python -c pass` of the same venv. "
            + " ".join(startup.__doc__.split("\n\n")[1].split()) + " CPU is user + system time of the process "
            "tree (steadier than wall time on a busy machine). `validate` reads one overlay's settings, `check` "
            f"checks one generated-only overlay of the {n}-overlay repository (discovering all of them); both run "
            "after the warm-up round, so compiled templates are in `.kaptain-gitops/templates`.")
    else:
        lines.append("Not measured (see Notes).")
    lines.append("")
    lines += [f"### Pull-request path ({n} overlays, `check --changed-since HEAD`, one overlay changed and rendered)", ""]
    if pr:
        rows = [[s_.label, _s(s_.min), _s(s_.median), _s(s_.max),
                 f"target ≤{TARGET_PR_SECONDS:g} s: {_met(s_.median <= TARGET_PR_SECONDS)}", s_.exits()]
                for s_ in pr.values()]
        lines += _table(["measurement", "min", "median", "max", "target", "exit"], rows)
        lines.append("The repository is committed, then one overlay's schedule is changed and that overlay rendered "
                     "(as in a pull request); each run starts without the build cache (the patched case is built "
                     "in process by the patch engine; `--kustomize kubectl` would pay one `kubectl kustomize`).")
    else:
        lines.append("Not measured (see Notes).")
    lines.append("")
    lines += [CACHE_DECISION, ""]
    return lines


def _startup_only_report(cfg: Config, b: Bench, fleet: Fleet, cold: list[startup.Command], pr: dict[str, Series],
                         notes: list[str], machine: tuple[str | None, str | None, Path, list[str]],
                         code_at_start: str) -> str:
    """The report of ``--startup-only``: section 4 and its targets."""
    if code_fingerprint() != code_at_start:
        notes.append("**The code under test changed during the run**: run the benchmark again on a quiet checkout.")
    n = cfg.overlays
    lines = ["# kaptain-gitops fleet benchmark (start-up and pull-request path only)", "",
             (f"Fleet: {n} synthetic overlays ({len(fleet.patched)} with a user patch), seed {cfg.seed}. Written by "
              f"`python -m bench {' '.join(sys.argv[1:])}`; the whole run took {_s(time.perf_counter() - b.started)}."),
             "", *_startup_lines(cfg, n, cold, pr)]
    rows = [[f"start-up `{c.label}` vs `python -c pass`, installed", _ratio(c.wall_median / cold[0].wall_median),
             f"≤{startup.TARGET:g}×", _met(c.wall_median / cold[0].wall_median <= startup.TARGET)] for c in cold[1:]]
    rows += [[f"pull-request path: {s_.label}", _s(s_.median), f"≤{TARGET_PR_SECONDS:g} s",
              _met(s_.median <= TARGET_PR_SECONDS)] for s_ in pr.values()]
    lines += ["## Targets", "", *_table(["target", "measured", "goal", "result"], rows)]
    if notes:
        lines += ["## Notes", "", *[f"- {x}" for x in notes], ""]
    lines += ["## Machine", "", *machine_description(*machine), ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------------------


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse_args(argv: Sequence[str] | None) -> Config:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--overlays", type=_positive, default=None, help="fleet size (default 1000; --quick: 5)")
    p.add_argument("--repeat", type=_positive, default=None, help="repetitions per measurement (default 5; --quick: 1)")
    p.add_argument("--seed", type=int, default=1, help="fleet generator seed (default 1)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Markdown report (default bench/RESULTS.md)")
    p.add_argument("--baseline-sample", type=_positive, default=None,
                   help="overlays in the kubectl kustomize loop, extrapolated to the fleet (default 100)")
    p.add_argument("--cold-runs", type=_positive, default=None, help="runs per cold-start command (default 20)")
    p.add_argument("--analysis-iterations", type=_positive, default=None,
                   help="calls per schedule in the analysis section (default 50)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="generate the fleet here and keep it (default: a temporary directory, removed afterwards)")
    p.add_argument("--patched-share", type=float, default=0.10,
                   help="share of overlays with a user patch (built in process by the patch engine in auto mode; "
                        "default 0.10; 0 = generated only)")
    p.add_argument("--quick", action="store_true", help="a tiny smoke run (5 overlays, 1 repetition)")
    p.add_argument("--startup-only", action="store_true",
                   help="only section 4 (start-up of every command, installed, and the pull-request path); "
                        "the fleet is rendered once, untimed")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    a = p.parse_args(argv)

    def pick(value: int | None, normal: int, quick: int) -> int:
        return value if value is not None else (quick if a.quick else normal)

    return Config(
        overlays=pick(a.overlays, 1000, 5),
        repeat=pick(a.repeat, 5, 1),
        seed=a.seed,
        out=a.out,
        baseline_sample=pick(a.baseline_sample, 100, 5),
        cold_runs=pick(a.cold_runs, 20, 3),
        analysis_iterations=pick(a.analysis_iterations, 50, 3),
        workdir=a.workdir,
        quiet=a.quiet,
        patched_share=a.patched_share,
        startup_only=a.startup_only,
    )


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv)
    report = run_bench(cfg)
    print(report)
    cfg.out.parent.mkdir(parents=True, exist_ok=True)
    cfg.out.write_text(report, encoding="utf-8")
    print(f"bench: wrote {cfg.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
