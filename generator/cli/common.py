"""What every sub-command shares: the epilog, the repository root, the output format."""

from __future__ import annotations

import os

from generator.errors import UsageError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs every start (mypy knows this name)
if TYPE_CHECKING:
    import argparse
    from pathlib import Path

EPILOG = "Exit codes: 0 clean (warnings allowed), 1 problems found, 2 usage error."


def path_arg(text: str) -> Path:
    """argparse ``type=`` for paths: pathlib is imported only when such an option is given (start-up)."""
    from pathlib import Path

    return Path(text)


def default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def root_of(args: argparse.Namespace) -> Path:
    """The repository root from ``--root`` (default: the current directory), resolved; a usage error if missing."""
    from pathlib import Path

    root = (Path(args.root) if args.root is not None else Path.cwd()).resolve()
    if not root.is_dir():
        raise UsageError(f"--root {root} is not a directory", rule="usage")
    return root


def root_path_of(args: argparse.Namespace) -> str:
    """:func:`root_of` as a string, without importing ``pathlib`` (``validate``, ``check``, #16): ``--root`` is kept
    as the string given, and ``os.path.realpath`` resolves it as ``Path.resolve`` does."""
    root = os.path.realpath(args.root if args.root is not None else os.getcwd())
    if not os.path.isdir(root):
        raise UsageError(f"--root {root} is not a directory", rule="usage")
    return root


def format_of(args: argparse.Namespace) -> str:
    return str(args.format or default_format())


def check_output_path(path: Path, option: str) -> None:
    """A usage error unless ``path`` can name a file to write: its folder exists, it is not a folder itself."""
    if path.is_dir():
        raise UsageError(f"{option} {path} is a directory; name a file", rule="usage")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"{option} {path}: folder {parent} does not exist", rule="usage",
                         hint="create it first, or name a file in an existing folder")


def write_output(path: Path, text: str, option: str) -> None:
    """Write an output file the user named; any failure is one clear error (exit 1), never a traceback."""
    from generator.errors import GeneratorError

    check_output_path(path, option)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise GeneratorError(f"cannot write {option} {path}: {exc.strerror or exc}", rule="output-file",
                             hint="choose a writable file") from None
