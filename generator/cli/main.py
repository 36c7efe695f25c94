"""Command line: parse options, call the core, hand results to a reporter, return an exit code.

Exit codes: 0 clean (warnings allowed), 1 problems found, 2 usage error, 130 interrupted.
The one error funnel is :func:`main`: every :class:`GeneratorError` becomes one message and exit 1
(``UsageError`` exit 2); no user mistake ever shows a traceback. Heavy libraries are imported
inside the command functions so ``--version`` and ``explain`` start fast.
"""

from __future__ import annotations

import os
import sys

from generator import __version__
from generator.cli.common import EPILOG, check_output_path, format_of, path_arg, root_of, root_path_of, write_output
from generator.errors import GeneratorError, UsageError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs every start (mypy knows this name)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import Any, TextIO

PROG = "kaptain-gitops"
COMMANDS = ("render", "check", "validate", "explain", "build", "trigger", "diff", "verify")
WORKFLOW_COMMANDS = ("trigger", "diff", "verify")  # registered by generator.cli.workflow


def _parser_class() -> type[argparse.ArgumentParser]:
    import argparse

    class _Formatter(argparse.HelpFormatter):
        """argparse's formatter, with the terminal width found without importing shutil (start-up)."""

        def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                     width: int | None = None) -> None:
            super().__init__(prog, indent_increment, max_help_position, width or _columns() - 2)

    class _Parser(argparse.ArgumentParser):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("formatter_class", _Formatter)
            super().__init__(*args, **kwargs)

        def error(self, message: str) -> None:  # type: ignore[override]
            raise UsageError(f"{message} (see '{self.prog} --help')", rule="usage")

    return _Parser


def _columns() -> int:
    """The terminal width as shutil.get_terminal_size() finds it: $COLUMNS, else the terminal, else 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 80
    except (AttributeError, ValueError, OSError):
        return 80


def _common(p: argparse.ArgumentParser, *, formats: Sequence[str] = ("text", "json", "github")) -> None:
    p.add_argument("--root", default=None,
                   help="repository root holding overlays/ (default: the current directory)")
    p.add_argument("--format", choices=formats, default=None,
                   help="output format (default: github when GITHUB_ACTIONS=true, else text)")


def _fleet_command(sub: Any, name: str, func: Callable[..., int], *, help: str, description: str) -> Any:
    """A render/check-style sub-command: OVERLAY globs, --root, --format and --strict."""
    p = sub.add_parser(name, help=help, description=description, epilog=EPILOG)
    p.add_argument("overlays", nargs="*", metavar="OVERLAY", help="overlay paths or globs (default: all)")
    _common(p)
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.set_defaults(func=func)
    return p


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; ``only`` builds just that sub-command (start-up: the others cost ~5 ms)."""
    parser_class = _parser_class()

    def want(name: str) -> bool:
        return only is None or only == name

    parser = parser_class(
        prog=PROG,
        description="Validate Kaptain certificate-rotation settings and render the Kustomize overlays that "
                    "Argo CD or Flux apply (ConfigMap, CronJob, RBAC, manual rotation Jobs).",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub: Any = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=parser_class)

    if want("render"):
        p = _fleet_command(sub, "render", cmd_render, help="render every overlay's manifests from its settings.yaml",
                           description="Render overlays/<name>/settings.yaml into the overlay's generated files "
                                       "(configmap.yaml, cronjob.yaml, rbac.yaml, kustomization.yaml). All or nothing: "
                                       "if any overlay has errors, nothing is written.")
        p.add_argument("--force", action="store_true", help="overwrite generated files that were edited by hand")
        p.add_argument("--keep-going", action="store_true", help="write the overlays that are fine even if others fail")
        p.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                       help="how long to wait for another run holding the repository lock (default: 30)")

    if want("check"):
        p = _fleet_command(sub, "check", cmd_check,
                           help="CI gate: settings valid, rendered files current, manifests valid, overlays build",
                           description="Exit 0 only if every settings file is valid, every generated file equals a fresh "
                                       "render, every document passes strict schema and API-server checks, and every "
                                       "overlay builds with kustomize.")
        p.add_argument("--changed-since", metavar="GIT_REF",
                       help="check only overlays whose settings or files changed since GIT_REF")
        p.add_argument("--kubernetes-version", metavar="X.Y", help="validate against this version (default: settings)")
        p.add_argument("--crd-schemas", metavar="LOCATION",
                       help="your CRDs' JSON schemas: a folder laid out {group}/{kind}_{version}.json or a "
                            "kubeconform-style template; wins over the shipped Argo CD/Flux schemas on a clash")
        p.add_argument("--skip", metavar="KIND[,KIND]", action="append", default=[],
                       help="kinds (or apiVersion/Kind) not to schema-check, like kubeconform's -skip; "
                            "also the settings key skipKinds")
        p.add_argument("--kustomize", choices=("auto", "kubectl", "internal", "off"), default="auto",
                       help="how to build overlays: auto = in process for generated-only overlays and for user files "
                            "inside the subset proven against kubectl, kubectl otherwise")
        p.add_argument("--kubeconform", choices=("auto", "off"), default="auto",
                       help="also run kubeconform when it is on PATH (default: auto)")
        p.add_argument("--no-cache", action="store_true",
                       help="always run kubectl kustomize (default: reuse a build whose overlay files are unchanged, "
                            "cached under .kaptain-gitops/cache/)")
        p.add_argument("-v", "--verbose", action="store_true", help="list every file that differs")
        p.add_argument("--wait", type=float, default=30.0, metavar="SECONDS", help="lock wait (default: 30)")

    if want("validate"):
        p = sub.add_parser("validate", help="validate settings files only (fast; for pre-commit)",
                           description="Validate settings.yaml files (schema and schedule lint) without rendering.",
                           epilog=EPILOG)
        p.add_argument("files", nargs="+", metavar="FILE", help="settings files")
        _common(p)
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
        p.set_defaults(func=cmd_validate)

    if want("explain"):
        p = sub.add_parser("explain", help="what a cron schedule means: runs, worst-case delay, problems, a picture",
                           description="Explain a schedule exactly as Kubernetes reads it.", epilog=EPILOG)
        p.add_argument("schedule", metavar="SCHEDULE", help='cron expression, e.g. "0 */6 * * *"')
        p.add_argument("--time-zone", metavar="ZONE", help="IANA time zone (CronJob spec.timeZone)")
        p.add_argument("--count", type=int, default=5, metavar="N", help="how many next runs to list (default: 5)")
        p.add_argument("--from", dest="start", metavar="ISO", help="list runs after this time (default: now)")
        p.add_argument("--format", choices=("text", "json", "github"), default=None, help="output format")
        p.add_argument("--svg", type=path_arg, metavar="FILE", help="also write the week picture as SVG")
        p.add_argument("--min-interval-minutes", type=int, default=15, help="too-frequent floor (default: 15)")
        p.add_argument("--max-delay-hours", type=float, default=24.0, help="long-delay bound (default: 24)")
        p.add_argument("--watch", action="store_true",
                       help="the overlay uses rotation.trigger: watch: show the watch's reaction time beside the "
                            "schedule, which is then the backstop")
        p.add_argument("--watch-resync-seconds", type=int, default=300, metavar="N",
                       help="rotation.watch.resyncSeconds (default: 300)")
        p.add_argument("--watch-backoff-max-seconds", type=int, default=60, metavar="N",
                       help="rotation.watch.backoffMaxSeconds (default: 60)")
        p.set_defaults(func=cmd_explain)

    if want("build"):
        p = sub.add_parser("build", help="print an overlay's final manifests to stdout (Argo CD CMP generate)",
                           description="Render OVERLAY in memory and print the manifests kustomize would produce; "
                                       "logs go to stderr.", epilog=EPILOG)
        p.add_argument("overlay", metavar="OVERLAY")
        p.add_argument("--root", default=None, help="repository root (default: current directory)")
        p.set_defaults(func=cmd_build)

    if any(want(name) for name in WORKFLOW_COMMANDS):
        from generator.cli import workflow

        for name, add in workflow.COMMANDS.items():
            if want(name):
                add(sub)
    return parser


def _progress(stream: TextIO) -> Callable[[int, int], None] | None:
    """A progress display on a terminal only (never in CI logs or when piped)."""
    if not stream.isatty() or os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"):
        return None

    def show(done: int, total: int) -> None:
        if total >= 20 and (done % 10 == 0 or done == total):
            stream.write(f"\r{done}/{total} overlays" + ("\r\x1b[K" if done == total else ""))
            stream.flush()

    return show


def _template_dir(root: str | os.PathLike[str]) -> str:
    """Compiled templates under .kaptain-gitops/templates (outside cache/, which CI saves and restores)."""
    return os.path.join(root, ".kaptain-gitops", "templates")


def _template_cache(root: Path) -> None:
    from generator.render.overlay import use_template_cache

    use_template_cache(_template_dir(root))


def _parse_skip(values: list[str]) -> frozenset[str]:
    """``--skip`` values as :func:`generator.validate.manifest_schemas.parse_skip` reads them (imported only when
    there are any: that module loads the schema machinery)."""
    if not values:
        return frozenset()
    from generator.validate.manifest_schemas import parse_skip

    return parse_skip(values)


def cmd_render(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.pipeline.fleet import render_overlays
    from generator.pipeline.records import Options
    from generator.report.formats import format_run

    root = root_of(args)
    _template_cache(root)
    opts = Options(root=root, force=args.force, strict=args.strict, wait_seconds=args.wait)
    run = render_overlays(opts, args.overlays, keep_going=args.keep_going, progress=_progress(err))
    text, errtext = format_run(run, format_of(args))
    out.write(text)
    err.write(errtext)
    return 0 if run.ok(args.strict) else 1


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.pipeline.fleet import check_overlays
    from generator.pipeline.records import Options
    from generator.report.formats import format_run

    root = root_path_of(args)  # a string: a warm check starts without importing pathlib (#16)
    patterns: Any = list(args.overlays)
    notices: list[str] = []
    pending: Any = None
    if args.changed_since:  # never weaker than a full check on what the range touched (see pipeline.changes)
        from pathlib import Path

        from generator.pipeline.changes import PendingFiles, changed_overlays

        pending = PendingFiles(Path(root), args.changed_since)  # git answers while check walks overlays/
        asked = patterns

        def changed() -> tuple[list[str], bool]:
            changes = changed_overlays(Path(root), args.changed_since, asked, pending.result())
            if changes.widened_by:
                notices.append(f"{changes.widened_by} changed since {args.changed_since}: checking every overlay")
            elif not changes.overlays:
                notices.append(f"no overlay changed since {args.changed_since}; repository-level checks ran")
            return changes.overlays, not changes.overlays

        patterns = changed
    if args.kubernetes_version:
        from generator.validate.kubernetes_versions import SUPPORTED_KUBERNETES_VERSIONS

        version = args.kubernetes_version.removeprefix("v")
        version = ".".join(version.split(".")[:2])
        if version not in SUPPORTED_KUBERNETES_VERSIONS:
            raise UsageError(f"--kubernetes-version {args.kubernetes_version} is not supported; "
                             f"choose one of {', '.join(SUPPORTED_KUBERNETES_VERSIONS)}", rule="usage")
        args.kubernetes_version = version
    from generator.validate.kubeconform_path import NOT_ON_PATH, find_kubeconform

    use_kubeconform = args.kubeconform == "auto" and find_kubeconform() is not None
    opts = Options(root=root, strict=args.strict, kubernetes_version=args.kubernetes_version,
                   crd_location=args.crd_schemas, skip=_parse_skip(args.skip), kustomize=args.kustomize,
                   wait_seconds=args.wait, keep_files=use_kubeconform, cache=not args.no_cache,
                   # given to the renderer only when one is needed: a result-cache hit renders nothing
                   template_cache=None if args.no_cache else _template_dir(root))
    try:
        run = check_overlays(opts, patterns, progress=_progress(err))
    finally:
        if pending is not None:
            pending.cancel()
    run.notices[:0] = notices
    if use_kubeconform:
        from generator.pipeline.conform import run_kubeconform_on

        run_kubeconform_on(run, opts)
    elif args.kubeconform == "auto":
        run.notices.append(NOT_ON_PATH)  # what run_kubeconform_on says then, without importing it (#16)
    text, errtext = format_run(run, format_of(args), verbose=args.verbose)
    out.write(text)
    err.write(errtext)
    return 0 if run.ok(args.strict) else 1


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.config.settings import load_settings
    from generator.problems import Problem
    from generator.report.formats import format_problems
    from generator.schedule.settings_lint import lint_refused, lint_settings

    root = root_path_of(args)  # paths as strings: validate starts without importing pathlib (#16)
    problems: list[Problem] = []
    for name in args.files:
        display = name
        path = _posix_path(name)
        base = path.rsplit("/", 1)[-1]
        if base != "settings.yaml":  # the usual name needs no look at the refused ones (start-up, #16)
            from generator.write.discovery import MISNAMED_SETTINGS, misnamed_settings_message

            if base in MISNAMED_SETTINGS:  # the same rule as render and check
                message, hint = misnamed_settings_message(display)
                problems.append(Problem(display, 1, 1, "error", "settings-file-name", f"{message}; {hint}"))
                continue
        try:
            loaded = load_settings(os.path.join(os.getcwd(), path), root, display)
        except GeneratorError as e:
            problems.extend(sorted([*Problem.from_errors(e, display), *lint_refused(e)]))
            continue
        problems.extend(lint_settings(loaded))
    out.write(format_problems(problems, format_of(args)))
    failed = any(p.is_error or args.strict for p in problems)
    return 1 if failed else 0


def _posix_path(name: str) -> str:
    """``str(pathlib.PurePosixPath(name))`` without importing pathlib: no empty or ``.`` parts, no trailing slash."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return ("/" if name.startswith("/") else "") + "/".join(parts) or "."


def cmd_explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.report.explain import explain_schedule, format_explanation

    if args.count < 0 or args.count > 1000:
        raise UsageError("--count must be between 0 and 1000", rule="usage")
    if not 10 <= args.watch_resync_seconds <= 86400 or not 1 <= args.watch_backoff_max_seconds <= 3600:
        raise UsageError("--watch-resync-seconds must be 10..86400 and --watch-backoff-max-seconds 1..3600",
                         rule="usage")
    watch = (args.watch_resync_seconds, args.watch_backoff_max_seconds) if args.watch else None
    if args.svg is not None:
        check_output_path(args.svg, "--svg")
    result = explain_schedule(args.schedule, args.time_zone, count=args.count, start=args.start,
                              min_interval_minutes=args.min_interval_minutes, max_delay_hours=args.max_delay_hours,
                              watch=watch)
    out.write(format_explanation(result, format_of(args)))
    if args.svg is not None and result.schedule is None:
        err.write(f"{PROG}: no SVG written to {args.svg}: the schedule is invalid\n")
    elif args.svg is not None and result.schedule is not None:
        from generator.schedule.picture import week_strip_svg

        write_output(args.svg, week_strip_svg(result.schedule), "--svg")
    return 1 if result.has_errors else 0


def cmd_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from pathlib import Path

    from generator.pipeline.build import build_overlay, find_root

    if args.root is not None:
        root, overlay = root_of(args), args.overlay  # OVERLAY relative to --root, like render and check
    else:
        root, overlay = find_root(Path.cwd(), args.overlay), str((Path.cwd() / args.overlay).resolve())
    text, notes = build_overlay(root, overlay)
    err.writelines(f"{PROG}: {note}\n" for note in notes)
    out.write(text)
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # answered before argparse is even imported
        out.write(f"{PROG} {__version__}\n")
        return 0
    command = argv[0] if argv and argv[0] in COMMANDS else None
    fail = _Failure(command, _json_requested(argv), out, err)
    from generator.cli import signals

    try:
        with signals.handling_signals():
            return _run(argv, command, out, err)
    except signals.Interrupted as exc:
        return fail.interrupted(exc.exit_code)
    except KeyboardInterrupt:
        return fail.interrupted(130)
    except UsageError as exc:
        hint = f"; {exc.hint}" if exc.hint else ""
        suffix = f" ({exc.rule})" if exc.rule != "usage" else ""
        return fail.error(exc, f"{PROG}: error: {exc.message}{hint}{suffix}\n", 2)
    except GeneratorError as exc:  # the one funnel for user mistakes: a message, never a traceback
        return fail.error(exc, _error_text(exc), 1)
    except BrokenPipeError:
        return 1
    except Exception:
        if not signals.interrupted():
            raise
        # a signal arrived and something (e.g. a worker pool torn down under it) failed as a consequence
        return fail.interrupted(128 + signals.first_signal())


def simple_args(argv: list[str]) -> Any:
    """The usual short forms (``validate FILE...``, ``explain SCHEDULE``, ``check`` with the CI gate's options) parsed
    without argparse (start-up, #16; :mod:`generator.cli.quick_args`), or None for argparse. The result equals what
    the parser gives for the same ``argv`` (``tests/test_startup_imports.py`` compares them)."""
    from generator.cli.quick_args import parse

    args = parse(argv)
    if args is not None:
        args.func = {"validate": cmd_validate, "explain": cmd_explain, "check": cmd_check}[args.command]
    return args


def _run(argv: list[str], command: str | None, out: TextIO, err: TextIO) -> int:
    simple = simple_args(argv)
    if simple is not None:
        simple_code: int = simple.func(simple, out, err)
        return simple_code
    parser = build_parser(command)
    try:
        import contextlib

        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help(out)
        return 2
    code: int = args.func(args, out, err)
    return code


def _json_requested(argv: list[str]) -> bool:
    """``--format json`` anywhere in ``argv`` (known before parsing, so a usage error is reported as JSON too)."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--format=json" or (arg == "--format" and argv[i + 1:i + 2] == ["json"]):
            return True
    return False


class _Failure:
    """How a failed command ends: one message on stderr and, with ``--format json``, a JSON document on stdout."""

    def __init__(self, command: str | None, as_json: bool, out: TextIO, err: TextIO) -> None:
        self.command, self.as_json, self.out, self.err = command, as_json, out, err

    def error(self, exc: GeneratorError, text: str, code: int) -> int:
        self.err.write(text)
        if self.as_json:
            from generator.problems import Problem

            problems = Problem.from_errors(exc) if exc.file is not None or getattr(exc, "errors", None) else []
            self._document(code, exc.rule, exc.message, exc.hint, problems)
        return code

    def interrupted(self, code: int) -> int:
        self.err.write(f"{PROG}: interrupted\n")
        if self.as_json:
            self._document(code, "interrupted", "interrupted by a signal; nothing was left half written", None, [])
        return code

    def _document(self, code: int, rule: str, message: str, hint: str | None, problems: list[Any]) -> None:
        import json

        doc = {
            "schema": f"kaptain-gitops/{self.command or 'cli'}/v1",
            "ok": False,
            "exitCode": code,
            "error": {"rule": rule, "message": message, "hint": hint},
            "problems": [{"file": p.file, "line": p.line, "col": p.col, "level": p.level, "rule": p.rule,
                          "message": p.message} for p in problems],
        }
        import contextlib

        with contextlib.suppress(BrokenPipeError, ValueError):
            self.out.write(json.dumps(doc, indent=2) + "\n")


def _error_text(exc: GeneratorError) -> str:
    from generator.problems import Problem
    from generator.report.formats import problem_line

    if exc.file is None and not getattr(exc, "errors", None):
        message = exc.message if not exc.hint else f"{exc.message}; {exc.hint}"
        return f"{PROG}: error: {message} ({exc.rule})\n"
    return "".join(problem_line(p) + "\n" for p in Problem.from_errors(exc))
