"""What every sub-command shares: the epilog, the repository root, the output format."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from generator.errors import UsageError

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

EPILOG = "Exit codes: 0 clean (warnings allowed), 1 problems found, 2 usage error."


def default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def root_of(args: argparse.Namespace) -> Path:
    """The repository root from ``--root`` (default: the current directory), resolved; a usage error if missing."""
    from pathlib import Path

    root = args.root if args.root is not None else Path.cwd()
    root = root.resolve()
    if not root.is_dir():
        raise UsageError(f"--root {root} is not a directory", rule="usage")
    return root


def format_of(args: argparse.Namespace) -> str:
    return str(args.format or default_format())
