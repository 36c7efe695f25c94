"""The console script and ``python -m generator``: catch SIGINT/SIGTERM from the first line of our code.

Importing this module installs a handler that ends a not-yet-started run quietly (exit 130/143, nothing
touched yet); :func:`generator.cli.signals.handling_signals` takes over once a command runs. Only the two
launchers import this module; library users and tests import :mod:`generator.cli.main` instead.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs every start (mypy knows this name)
if TYPE_CHECKING:
    import signal
    from types import FrameType
else:
    try:  # the C module itself: ``signal`` only wraps it in enums, and importing ``enum`` costs every start (#16)
        import _signal as signal
    except ImportError:  # pragma: no cover - a Python without it
        import signal


def _before_start(signum: int, frame: FrameType | None) -> None:
    os.write(2, b"kaptain-gitops: interrupted\n")
    raise SystemExit(128 + signum)


for _signum in (signal.SIGINT, signal.SIGTERM):
    signal.signal(_signum, _before_start)


def entry() -> None:
    from generator.cli import signals
    from generator.cli.main import main

    code = main()
    # The command is over and its exit code decided: a signal from now on changes nothing (and must not
    # kill the process during the interpreter's shutdown, which resets handlers, turning 0 into -15).
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    if signals.interrupted():
        # Clean-up is done (workers reaped, temporaries removed, lock released): leave now rather than run the
        # interpreter's shutdown, which resets signal handlers (a second signal would kill us without a word).
        for stream in (sys.stdout, sys.stderr):
            try:  # noqa: SIM105 (not contextlib.suppress: launch imports nothing it can spare, #16)
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    raise SystemExit(code)
