"""SIGINT and SIGTERM during a command: the first unwinds the run (its clean-up runs: workers stopped, temporaries
removed, the lock released), then the CLI exits 130 or 143; a second one exits at once, quietly.

The write path holds both signals back while it applies a committed journal
(:func:`generator.write.transaction.signals_deferred`), so an interrupt never leaves an overlay half written.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs every start (mypy knows this name)
if TYPE_CHECKING:
    import signal
    import threading
    from types import FrameType, TracebackType
else:
    try:  # the C module itself, as in generator.cli.launch: ``signal`` adds enums, and ``enum`` costs every start
        import _signal as signal
    except ImportError:  # pragma: no cover - a Python without it
        import signal

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """Raised in the main thread by the first SIGINT or SIGTERM; not an ``Exception``, so nothing swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


_received: list[int] = []


def interrupted() -> bool:
    """Whether a signal arrived during the current command (an error raised while unwinding is its echo)."""
    return bool(_received)


def first_signal() -> int:
    return _received[0] if _received else signal.SIGINT


def _handler(signum: int, frame: FrameType | None) -> None:
    if _received:  # a second signal while the first one unwinds: stop the workers and leave now
        pool = sys.modules.get("generator.pipeline.pool")
        if pool is not None:
            pool.kill_workers()
        os.write(2, b"kaptain-gitops: interrupted\n")
        os._exit(128 + _received[0])
    _received.append(signum)
    if "threading" in sys.modules:  # no thread can exist unless a command imported threading
        import threading

        threading.excepthook = _quiet_after_signal
    raise Interrupted(signum)


class handling_signals:
    """Install the handlers for one command (main thread only; elsewhere Python's defaults stay).

    After a signal the handlers stay installed until the process ends, so one more signal during
    interpreter shutdown exits quietly instead of printing a traceback, and a background thread failing as a
    consequence of the interrupt is quiet too (:func:`_handler` installs that hook when the signal arrives, so
    ``threading`` is not imported at start-up when no command needs it). A class rather than a
    ``contextlib.contextmanager``: the CLI starts without importing ``contextlib`` (#16).
    """

    def __init__(self) -> None:
        self.previous: dict[int, object] | None = None

    def __enter__(self) -> None:
        if "threading" in sys.modules:  # not imported yet: only the main thread exists
            import threading

            if threading.current_thread() is not threading.main_thread():
                return
        _received.clear()
        self.previous = {s: signal.signal(s, _handler) for s in SIGNALS}

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.previous is not None and not _received:
            for s, h in self.previous.items():
                signal.signal(s, h)  # type: ignore[arg-type]


def _quiet_after_signal(args: threading.ExceptHookArgs) -> None:
    """A background thread failing after a signal (a pool torn down under it) is an echo of the interrupt."""
    if not _received:
        import threading

        threading.__excepthook__(args)
