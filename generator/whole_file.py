"""Best-effort files written whole or not at all: the caches, memos and the state folder's ``.gitignore``.

The bytes go to a temporary beside the target, which is renamed over it, so a reader (or a killed run) never sees a
half-written file; a file that cannot be written leaves no temporary and only costs what it would have saved.
(The render journal and staged overlay files are written by :mod:`generator.write.transaction`, which must fail
loudly and fsync; this is for what may silently not be written.)
"""

from __future__ import annotations

import itertools
import os

__all__ = ["write_whole"]

_serial = itertools.count()  # with the pid: a temporary name no other thread or process of ours uses


def write_whole(path: str, data: bytes, temporary: str | None = None) -> bool:
    """Write ``data`` to ``path`` (creating its folder) through ``temporary`` (default: a hidden name beside it);
    whether it was written."""
    folder, name = os.path.split(path)
    tmp = temporary or os.path.join(folder, f".{name}.{os.getpid()}.{next(_serial)}")
    try:
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        try:  # noqa: SIM105 (not contextlib.suppress: a warm check starts without contextlib, #16)
            os.remove(tmp)
        except OSError:
            pass
        return False
    return True
