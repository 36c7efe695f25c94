"""The walk of ``overlays/`` remembered between ``check`` runs, trusted by the stat of every folder it lists.

Every ``check`` walks ``overlays/`` for the repository-level checks (:func:`generator.write.discovery.scan`); at 1,000
overlays the listings (open, read, close of each folder) and the Python of the walk were most of a warm check (#16).
Like git's untracked cache, a folder's listing is remembered with the folder's own ``lstat`` (mtime, ctime, inode,
device) and reused while that stat is unchanged:

* the walk needs only names and entry types; adding, removing or renaming an entry (a file, a folder, a temporary,
  a misnamed settings file, a new or removed overlay) updates the folder's mtime and ctime, and an entry cannot
  change its type without being removed and created again. File contents are never remembered (the walk's one
  look into files, the generator header of a possible orphan, is read every time);
* a listing with a symlink in it is never remembered (what a symlink points to can change without its folder);
* "racily clean": a listing is remembered only if its folder's mtime and ctime are more than :data:`RACY_NS` older
  than the moment the walk started, and the stat is taken before the listing. A later change of the folder sets its
  ctime to the time of that change (no call can set a ctime back), which differs from the recorded one, so the
  listing is read again.

When *every* folder of a walk was remembered, the walk's result is remembered too (:meth:`WalkMemo.whole`): the
result is a function of those listings alone, plus the headers of the files in folders that may hold an orphan's
output, which :func:`~generator.write.discovery.scan` reads again. So a later walk whose folders all have the same
stat is answered by one ``lstat`` per folder, in a tight loop, without the walk.

The memo is one ``marshal`` file under ``.kaptain-gitops/cache/check/`` (no ``json`` import on a warm check; the
Python version is part of its header, as marshal's format follows it); a missing, unreadable or foreign one is
ignored and a memo that cannot be written only costs speed.
"""

from __future__ import annotations

import marshal
import os
import sys
import time

from generator.whole_file import write_whole

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Callable

    Listing = tuple[list[str], list[str], list[str], list[str]]
    Stamp = tuple[int, int, int, int]
    # overlays (dir, rel), misnamed, temporaries, settings_dirs, orphan candidates (dir, rel, files)
    Whole = tuple[list[tuple[str, str]], list[str], list[str], list[str], list[tuple[str, str, list[str]]]]

FORMAT = "kaptain-gitops walk memo 3"
IDENTITY = f"{FORMAT}\0{sys.version}\0{sys.implementation.cache_tag}"
RACY_NS = 2_000_000_000


def _now_ns() -> int:
    return time.time_ns()


def _names(value: object) -> bool:
    return type(value) is list and all(type(name) is str for name in value)


def _pairs(value: object) -> bool:
    return type(value) is list and all(type(p) is tuple and len(p) == 2 and type(p[0]) is str and type(p[1]) is str
                                       for p in value)


def _folders(value: object, listings: int) -> bool:
    """folder path → ((mtime, ctime, inode, device), index of its listing)."""
    return type(value) is dict and all(
        type(path) is str and type(known) is tuple and len(known) == 2 and type(known[0]) is tuple
        and len(known[0]) == 4 and type(known[1]) is int and 0 <= known[1] < listings for path, known in value.items())


def _whole(value: object) -> bool:
    """The shape of a remembered result (a damaged or foreign memo must never reach a report)."""
    return type(value) is tuple and len(value) == 5 and _pairs(value[0]) and _names(value[1]) and _names(value[2]) \
        and _names(value[3]) and type(value[4]) is list \
        and all(type(c) is tuple and len(c) == 3 and type(c[0]) is str and type(c[1]) is str and _names(c[2])
                for c in value[4])


def load(file: str, top: str) -> tuple[dict[str, tuple[Stamp, int]], list[tuple[list[str], list[str]]], Whole | None]:
    """(folder → (stamp, listing index), listings, whole result or None) of the memo in ``file``, for ``top``."""
    try:
        with open(file, "rb") as fh:
            data = marshal.loads(fh.read())
        if type(data) is tuple and len(data) == 5 and data[0] == IDENTITY and data[1] == top \
                and type(data[3]) is list and all(type(pair) is tuple and len(pair) == 2 and _names(pair[0])
                                                  and _names(pair[1]) for pair in data[3]) \
                and _folders(data[2], len(data[3])) and (data[4] is None or _whole(data[4])):
            return data[2], data[3], data[4]
    except (OSError, ValueError, EOFError, TypeError):
        pass
    return {}, [], None


class WalkMemo:
    """The listings of one walk: :meth:`entries` answers as ``lister`` would; :meth:`whole` gives the recorded walk's
    result while none of its folders changed; :meth:`save` keeps what may be trusted.

    The file holds each distinct listing once (most overlay folders list the same names) and, per folder (its path,
    in the walk's order), its stamp and the index of its listing."""

    __slots__ = ("_changed", "_file", "_known", "_lister", "_listings", "_next", "_seen", "_started", "_top",
                 "_visits", "_whole")

    def __init__(self, file: str, top: str, lister: Callable[[str], Listing | None]) -> None:
        self._file, self._top, self._lister = file, top, lister
        self._started = _now_ns()
        self._known, self._listings, self._whole = load(file, top)
        self._next: dict[str, tuple[Stamp, int | tuple[list[str], list[str]]]] = {}
        self._seen: dict[str, Stamp] = {}  # stamps :meth:`whole` took (before any listing of this walk)
        self._changed = False
        self._visits = 0

    def whole(self) -> Whole | None:
        """The remembered result of the whole walk when every folder it listed has the same stat now, else None."""
        if self._whole is None:
            return None
        lstat, seen = os.lstat, self._seen
        try:
            for path, known in self._known.items():
                st = lstat(path)
                stamp = seen[path] = (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
                if stamp != known[0]:
                    return None
        except OSError:
            return None
        return self._whole

    def entries(self, path: str) -> Listing | None:
        self._visits += 1
        stamp = self._seen.pop(path, None)
        if stamp is None:
            try:
                st = os.lstat(path)  # before the listing: a change after this moment changes the folder's ctime
            except OSError:
                self._changed = True
                return self._lister(path)
            stamp = (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
        known = self._known.get(path)
        if known is not None and known[0] == stamp:
            dirs, files = self._listings[known[1]]
            self._next[path] = (stamp, known[1])
            return dirs, [], files, []  # the names as recorded (the walk does not change these lists)
        self._changed = True
        listing = self._lister(path)
        if listing is not None and not listing[1] and not listing[3] \
                and max(stamp[0], stamp[1]) < self._started - RACY_NS:
            self._next[path] = (stamp, (listing[0], listing[2]))
        return listing

    def save(self, result: Whole) -> None:
        """Write the memo when a listing was read afresh (or one is no longer needed); the walk's ``result`` is kept
        only when every folder it listed was remembered."""
        if not self._changed and len(self._next) == len(self._known) and self._whole is not None:
            return
        listings: list[tuple[list[str], list[str]]] = []
        index: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
        dirs: dict[str, tuple[Stamp, int]] = {}
        for path, (stamp, listing) in self._next.items():
            names, files = self._listings[listing] if isinstance(listing, int) else listing
            pair = (tuple(names), tuple(files))
            if pair not in index:
                index[pair] = len(listings)
                listings.append((names, files))
            dirs[path] = (stamp, index[pair])
        whole = result if len(dirs) == self._visits else None
        write_whole(self._file, marshal.dumps((IDENTITY, self._top, dirs, listings, whole)))
