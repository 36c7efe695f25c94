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

When *every* folder of a walk was remembered, the walk's result is remembered too (:meth:`WalkMemo.whole`), under
the tool's digest (the rules that make it are code): the result is a function of those listings and those rules alone,
plus the headers of the files in folders that may hold an orphan's output, which
:func:`~generator.write.discovery.scan` reads again. So a later walk of the same tool whose folders all have the same
stat is answered by one ``lstat`` per folder, in a tight loop, without the walk.

The memo is one ``marshal`` file under ``.kaptain-gitops/cache/check/`` (no ``json`` import on a warm check; the
Python version is part of its header, as marshal's format follows it); a missing, unreadable or foreign one is
ignored and a memo that cannot be written only costs speed.
"""

from __future__ import annotations

import gc
import marshal
import os
import sys
import time

from generator.whole_file import write_whole

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")

    Listing = tuple[list[str], list[str], list[str], list[str]]
    Stamp = tuple[int, int, int, int]
    # overlays (dirs, rels), misnamed, temporaries, settings_dirs, orphan candidates (dir, rel, files)
    Whole = tuple[tuple[list[str], list[str]], list[str], list[str], list[str], list[tuple[str, str, list[str]]]]

FORMAT = "kaptain-gitops walk memo 4"
IDENTITY = f"{FORMAT}\0{sys.version}\0{sys.implementation.cache_tag}"
RACY_NS = 2_000_000_000
# The file: (IDENTITY, top, folders "\0"-joined in the walk's order, their stamps flat (4 ints each), the index of each
# one's listing, the listings (names of folders, names of the rest), the result or None). Joined strings and flat
# lists: a warm check loads ~10x fewer objects than with a tuple per folder (#16).


def _now_ns() -> int:
    return time.time_ns()


def _names(value: object) -> bool:
    return type(value) is list and all(type(name) is str for name in value)


def _split(joined: str) -> list[str]:
    return joined.split("\0") if joined else []


def _whole(value: object, key: str) -> Whole | None:
    """The remembered result, when it was made by the same tool (``key``) and has its shape (a damaged or foreign memo
    must never reach a report)."""
    if not (type(value) is tuple and len(value) == 7 and value[0] == key and type(value[1]) is str
            and type(value[2]) is str and _names(value[3]) and _names(value[4]) and _names(value[5])
            and type(value[6]) is list
            and all(type(c) is tuple and len(c) == 3 and type(c[0]) is str and type(c[1]) is str and _names(c[2])
                    for c in value[6])):
        return None
    dirs, rels = _split(value[1]), _split(value[2])
    if len(dirs) != len(rels):
        return None
    return (dirs, rels), value[3], value[4], value[5], value[6]


def open_memo(file: str, top: str, lister: Callable[[str], Listing | None], tool: Callable[[], str | None] | None,
              overlay: Callable[[str, str], T]) -> tuple[WalkMemo, tuple[list[T], list[str], list[str], list[str],
                                                                          list[tuple[str, str, list[str]]]] | None]:
    """The memo of a walk of ``top`` and, when it holds this tool's result of that walk and no folder changed, the
    result, its overlays made by ``overlay(dir, rel)``.

    Loading the memo and making ~1,000 overlays creates many objects and no cycle: the cyclic collector, which would run
    over them several times (~1 ms of a warm check, #16), waits until they are made."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        memo = WalkMemo(file, top, lister, tool)
        whole = memo.whole()
        if whole is None:
            return memo, None
        (dirs, rels), misnamed, temporaries, settings_dirs, candidates = whole
        return memo, ([overlay(path, rel) for path, rel in zip(dirs, rels, strict=True)], misnamed, temporaries,
                      settings_dirs, candidates)
    finally:
        if collecting:
            gc.enable()


class WalkMemo:
    """The listings of one walk: :meth:`entries` answers as ``lister`` would; :meth:`whole` gives the recorded walk's
    result while none of its folders changed; :meth:`save` keeps what may be trusted.

    The file holds each distinct listing once (most overlay folders list the same names) and, per folder (its path,
    in the walk's order), its stamp and the index of its listing."""

    __slots__ = ("_changed", "_file", "_indexes", "_key", "_known", "_lister", "_listings", "_next", "_paths",
                 "_seen", "_stamps", "_started", "_top", "_visits", "_whole")

    def __init__(self, file: str, top: str, lister: Callable[[str], Listing | None],
                 key: Callable[[], str | None] | None = None) -> None:
        """``key``: the digest of the tool whose rules make the walk's result (its code may change without any folder
        changing); without one (or when it gives None) no result is remembered or reused, only listings."""
        self._file, self._top, self._lister, self._key = file, top, lister, key
        self._started = _now_ns()
        self._paths: list[str] = []
        self._stamps: list[int] = []
        self._indexes: list[int] = []
        self._listings: list[tuple[list[str], list[str]]] = []
        self._whole: object = None  # the remembered result as stored: checked by :meth:`whole`
        self._known: dict[str, tuple[Stamp, int]] | None = None  # made from the above when a walk needs it
        self._next: dict[str, tuple[Stamp, int | tuple[list[str], list[str]]]] = {}
        self._seen: dict[str, Stamp] = {}  # stamps :meth:`whole` took (before any listing of this walk)
        self._changed = False
        self._visits = 0
        try:
            with open(file, "rb") as fh:
                data = marshal.loads(fh.read())
        except (OSError, ValueError, EOFError, TypeError):
            return
        if type(data) is tuple and len(data) == 7 and data[0] == IDENTITY and data[1] == top \
                and type(data[2]) is str and type(data[3]) is list and type(data[4]) is list \
                and type(data[5]) is list and all(type(pair) is tuple and len(pair) == 2 and _names(pair[0])
                                                  and _names(pair[1]) for pair in data[5]):
            paths = _split(data[2])
            if len(data[3]) == 4 * len(paths) == 4 * len(data[4]):
                self._paths, self._stamps, self._indexes, self._listings = paths, data[3], data[4], data[5]
                self._whole = data[6]

    def whole(self) -> Whole | None:
        """The remembered result of the whole walk when every folder it listed has the same stat now, else None.
        (A stamp that is not an int never equals one: such a memo is a miss.)"""
        if self._whole is None or self._key is None:
            return None
        key = self._key()
        whole = None if key is None else _whole(self._whole, key)
        if whole is None:
            return None
        lstat, seen, stamps = os.lstat, self._seen, iter(self._stamps)
        try:
            for path, mtime, ctime, ino, dev in zip(self._paths, stamps, stamps, stamps, stamps, strict=True):
                st = lstat(path)
                stamp = seen[path] = (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
                if stamp != (mtime, ctime, ino, dev):
                    return None
        except OSError:
            return None
        return whole

    def _known_folders(self) -> dict[str, tuple[Stamp, int]]:
        if self._known is None:
            stamps = iter(self._stamps)
            self._known = {path: (stamp, index) for path, stamp, index
                           in zip(self._paths, zip(stamps, stamps, stamps, stamps, strict=True), self._indexes,
                                  strict=True)
                           if type(index) is int and 0 <= index < len(self._listings)}
        return self._known

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
        known = self._known_folders().get(path)
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

    def save(self, overlays: list[tuple[str, str]], misnamed: list[str], temporaries: list[str],
             settings_dirs: list[str], candidates: list[tuple[str, str, list[str]]]) -> None:
        """Write the memo when a listing was read afresh (or one is no longer needed); the walk's result (the
        :data:`Whole` parts) is kept only when every folder it listed was remembered."""
        key = self._key() if self._key is not None and len(self._next) == self._visits else None
        if not self._changed and len(self._next) == len(self._paths) \
                and (key is None or (type(self._whole) is tuple and self._whole[:1] == (key,))):
            return
        listings: list[tuple[list[str], list[str]]] = []
        index: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
        stamps: list[int] = []
        indexes: list[int] = []
        for stamp, listing in self._next.values():
            names, files = self._listings[listing] if isinstance(listing, int) else listing
            pair = (tuple(names), tuple(files))
            if pair not in index:
                index[pair] = len(listings)
                listings.append((names, files))
            stamps.extend(stamp)
            indexes.append(index[pair])
        whole = None
        if key is not None:
            whole = (key, "\0".join(d for d, _r in overlays), "\0".join(r for _d, r in overlays), misnamed,
                     temporaries, settings_dirs, candidates)
        write_whole(self._file, marshal.dumps((IDENTITY, self._top, "\0".join(self._next), stamps, indexes, listings,
                                               whole)))
