"""The fleet's worker processes: ``fleet_map`` runs one function over many overlays, in order.

Interrupt-safe: workers leave SIGINT/SIGTERM to the parent, which kills and reaps them on any exception
(an interrupt included) instead of waiting for queued work; see :mod:`generator.cli.signals`.
"""

from __future__ import annotations

import os

from generator.write import discovery, transaction

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, TypeVar

    T = TypeVar("T")

PARALLEL_MIN_OVERLAYS = 48


def workers() -> int:
    """Worker processes for a fleet: KAPTAIN_GITOPS_WORKERS, else one per core (at most 8)."""
    configured = os.environ.get("KAPTAIN_GITOPS_WORKERS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(os.cpu_count() or 1, 8))


def _worker_init() -> None:
    """Workers leave signals to the parent: it stops them (SIGKILL) and cleans up. SIGTERM still ends a worker
    that outlives its parent's attempt (e.g. ``kill -TERM`` of the whole process group)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


_LIVE_POOLS: list[Any] = []


def kill_workers() -> None:
    """SIGKILL and reap every worker process of every running pool (on an interrupt; safe to call twice)."""
    import contextlib  # here: a warm check, which starts no pool, runs without contextlib (#16)

    for pool in _LIVE_POOLS:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for proc in processes:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                proc.kill()
        for proc in processes:
            with contextlib.suppress(OSError, ValueError, AssertionError, AttributeError):
                proc.join(5)


def fleet_map(fn: Callable[[discovery.Overlay], T], targets: list[discovery.Overlay],
               progress: Callable[[int, int], None] | None) -> Iterator[T]:
    """``map(fn, targets)`` in order; across worker processes for big fleets, else in this process.

    Workers use the platform's default start method (``fn`` and its arguments are picklable; a worker needs
    nothing from the parent's memory). They are started with SIGINT/SIGTERM blocked, so no worker sees a
    signal before it has set its own handling; on any exception here (an interrupt included) they are killed
    and reaped at once instead of waiting for queued work.
    """
    n = workers()
    if n < 2 or len(targets) < PARALLEL_MIN_OVERLAYS:
        for i, result in enumerate(map(fn, targets), 1):
            if progress:
                progress(i, len(targets))
            yield result
        return
    from concurrent.futures import ProcessPoolExecutor

    size = max(4, len(targets) // (n * 8))
    pool = ProcessPoolExecutor(max_workers=n, initializer=_worker_init)
    _LIVE_POOLS.append(pool)
    done = 0
    try:
        with transaction.signals_deferred():  # workers fork/spawn with these blocked, see _worker_init
            # Our own futures (not Executor.map, which cancels them on the way out: Python 3.11's pool then
            # fails in a background thread when it marks them broken).
            futures = [pool.submit(_run_chunk, fn, targets[i:i + size]) for i in range(0, len(targets), size)]
        for future in futures:
            for result in future.result():
                done += 1
                if progress:
                    progress(done, len(targets))
                yield result
    except BaseException:
        kill_workers()
        with transaction.signals_deferred():
            pool.shutdown(wait=False)  # the pool sees its workers gone and fails the queued futures itself
        raise
    else:
        # Shutting down drops the pool's queues, whose multiprocessing finalizers run as weakref callbacks:
        # a signal handled inside one would be printed as an ignored exception (a traceback) and lost. Held
        # until the pool is gone, it is handled right after, as anywhere else in the run.
        with transaction.signals_deferred():
            pool.shutdown()
    finally:
        _LIVE_POOLS.remove(pool)


def _run_chunk(fn: Callable[[discovery.Overlay], T], chunk: list[discovery.Overlay]) -> list[T]:
    return [fn(o) for o in chunk]
