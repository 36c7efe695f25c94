"""Sub-commands beyond render/check/validate/explain/build: trigger, diff, verify, delivery.

Each ``add_*`` registers a parser; each ``cmd_*`` calls the core and writes through a formatter.
"""

from __future__ import annotations

import os

from generator.cli.common import EPILOG, root_of

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs every start (mypy knows this name)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import Any, TextIO


def _root_option(p: Any) -> None:
    p.add_argument("--root", default=None, help="repository root (default: current directory)")


def _overlay_command(sub: Any, name: str, func: Callable[..., int], *, help: str, description: str) -> Any:
    """A sub-command about exactly one OVERLAY."""
    p = sub.add_parser(name, help=help, description=description, epilog=EPILOG)
    p.add_argument("overlay", metavar="OVERLAY")
    p.set_defaults(func=func)
    return p


def add_trigger(sub: Any) -> None:
    p = _overlay_command(
        sub, "trigger", cmd_trigger, help="add (or --remove) a one-off manual rotation Job to an overlay, through Git",
        description="Write OVERLAY/jobs/NAME.yaml: a Job equal to 'kubectl create job --from=cronjob/...', "
                    "then re-render the overlay's kustomization. Commit it; Argo CD or Flux runs it once.")
    p.add_argument("--name", default="rotation-1", help="Job name (default: rotation-1)")
    p.add_argument("--remove", action="store_true", help="take the Job out of the overlay again")
    _root_option(p)


def cmd_trigger(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.pipeline.fleet import render_overlays
    from generator.pipeline.records import Options
    from generator.pipeline.trigger import kubectl_command, settings_for, write_job
    from generator.report.formats import format_run
    from generator.write import discovery, transaction

    root = root_of(args)
    overlay = discovery.select_one(root, args.overlay, "trigger")
    s = settings_for(root, overlay)
    if s.chart_mode and not args.remove:  # refused below with the reason; the command alone on stdout, to copy
        out.write(f"{kubectl_command(s, args.name)}\n")
    with transaction.Lock(root):
        path, action = write_job(root, overlay, args.name, remove=args.remove)
    run = render_overlays(Options(root=root), [overlay.rel])
    text, _ = format_run(run, "text")
    out.write(f"{path}: {action}\n")
    out.write(text)
    if not args.remove:
        out.write("Commit and push; Argo CD or Flux creates the Job once. Break-glass, straight to the cluster:\n")
        out.write(f"  {kubectl_command(s, args.name)}\n")
    return 0 if run.ok(False) else 1


def add_diff(sub: Any) -> None:
    p = sub.add_parser(
        "diff", help="Markdown summary of schedule changes since a git ref (for PR comments)",
        description="For every overlay whose settings differ between GIT_REF and the working tree: old and new "
                    "schedule with their meaning, runs per day, worst-case delay and problems, as Markdown. "
                    "Also appended to $GITHUB_STEP_SUMMARY when that is set.", epilog=EPILOG)
    p.add_argument("--base", required=True, metavar="GIT_REF", help="compare against this ref (e.g. origin/main)")
    _root_option(p)
    p.add_argument("--format", choices=("markdown", "json"), default="markdown", help="output format")
    p.set_defaults(func=cmd_diff)


def cmd_diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.report.diff import diff_settings, format_diff

    root = root_of(args)
    result = diff_settings(root, args.base)
    text = format_diff(result, args.format)
    out.write(text)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and args.format == "markdown":
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(text)
    return 1 if result.has_errors else 0


def add_verify(sub: Any) -> None:
    p = _overlay_command(
        sub, "verify", cmd_verify, help="check on a live cluster that the bundle is current and authservice restarted",
        description="Automates the product page's verification: reads the target Secret, the source CA and "
                    "the authservice pod with kubectl, and says whether the bundle matches and when it rotated.")
    p.add_argument("--context", help="kubectl context to use")
    _root_option(p)
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.pipeline.trigger import settings_for
    from generator.pipeline.verify import format_verification, verify_cluster
    from generator.write import discovery

    root = root_of(args)
    result = verify_cluster(settings_for(root, discovery.select_one(root, args.overlay, "verify")), context=args.context)
    out.write(format_verification(result, args.format))
    return 0 if result.ok else 1


COMMANDS: dict[str, Callable[[Any], None]] = {"trigger": add_trigger, "diff": add_diff, "verify": add_verify}
