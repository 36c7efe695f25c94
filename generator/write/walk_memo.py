"""Directory listings of the walk of ``overlays/`` remembered between ``check`` runs, trusted by the directory's stat.

Every ``check`` walks ``overlays/`` for the repository-level checks (:func:`generator.write.discovery.scan`); at 1,000
overlays the listings (open, read, close of each folder) are most of that walk (#16). Like git's untracked cache, a
folder's listing is remembered with the folder's own ``lstat`` (mtime, ctime, inode, device) and reused while that
stat is unchanged:

* the walk needs only names and entry types; adding, removing or renaming an entry (a file, a folder, a temporary,
  a misnamed settings file, a new or removed overlay) updates the folder's mtime and ctime, and an entry cannot
  change its type without being removed and created again. File contents are never remembered (the walk's one
  look into files, the generator header of a possible orphan, is read every time);
* a listing with a symlink in it is never remembered (what a symlink points to can change without its folder);
* "racily clean": a listing is remembered only if its folder's mtime and ctime are more than :data:`RACY_NS` older
  than the moment the walk started, and the stat is taken before the listing. A later change of the folder sets its
  ctime to the time of that change (no call can set a ctime back), which differs from the recorded one, so the
  listing is read again.

The memo is one JSON file under ``.kaptain-gitops/cache/check/``; a missing, unreadable or foreign one is ignored and
a memo that cannot be written only costs speed.
"""

from __future__ import annotations

import json
import os
import time

from generator.whole_file import write_whole

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Callable

    Listing = tuple[list[str], list[str], list[str], list[str]]

FORMAT = "kaptain-gitops walk memo 2"
RACY_NS = 2_000_000_000


def _now_ns() -> int:
    return time.time_ns()


def _names(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(name, str) for name in value)


class ListingMemo:
    """The listings of one walk: :meth:`entries` answers as ``lister`` would; :meth:`save` keeps what may be trusted.

    The file holds each distinct listing once (most overlay folders list the same names) and, per folder (its path
    below the top), its stamp and the index of its listing."""

    __slots__ = ("_changed", "_file", "_known", "_lister", "_listings", "_next", "_started", "_top")

    def __init__(self, file: str, top: str, lister: Callable[[str], Listing | None]) -> None:
        self._file, self._top, self._lister = file, top, lister
        self._started = _now_ns()
        self._known: dict[str, list[object]] = {}
        self._listings: list[list[list[str]]] = []
        self._next: dict[str, tuple[list[int], list[str], list[str]]] = {}
        self._changed = False
        try:
            with open(file, encoding="utf-8") as fh:
                data = json.load(fh)
            if isinstance(data, dict) and data.get("format") == FORMAT and data.get("top") == top \
                    and isinstance(data.get("dirs"), dict) and isinstance(data.get("listings"), list) \
                    and all(isinstance(pair, list) and len(pair) == 2 and _names(pair[0]) and _names(pair[1])
                            for pair in data["listings"]):
                self._known, self._listings = data["dirs"], data["listings"]
        except (OSError, ValueError):
            pass

    def entries(self, path: str) -> Listing | None:
        try:
            st = os.lstat(path)  # before the listing: a change after this moment changes the folder's ctime
        except OSError:
            return self._lister(path)
        stamp = [st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
        key = path[len(self._top):] or "."
        known = self._known.get(key)
        if isinstance(known, list) and len(known) == 5 and known[:4] == stamp and type(known[4]) is int \
                and 0 <= known[4] < len(self._listings):
            dirs, files = self._listings[known[4]]
            self._next[key] = (stamp, dirs, files)
            return dirs, [], files, []  # the names as recorded (the walk does not change these lists)
        self._changed = True
        listing = self._lister(path)
        if listing is not None and not listing[1] and not listing[3] \
                and max(st.st_mtime_ns, st.st_ctime_ns) < self._started - RACY_NS:
            self._next[key] = (stamp, listing[0], listing[2])
        return listing

    def save(self) -> None:
        """Write the memo when a listing was read afresh (or one is no longer needed)."""
        if not self._changed and len(self._next) == len(self._known):
            return
        listings: list[list[list[str]]] = []
        index: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
        dirs: dict[str, list[int]] = {}
        for key, (stamp, names, files) in self._next.items():
            pair = (tuple(names), tuple(files))
            if pair not in index:
                index[pair] = len(listings)
                listings.append([names, files])
            dirs[key] = [*stamp, index[pair]]
        write_whole(self._file, json.dumps({"format": FORMAT, "top": self._top, "listings": listings, "dirs": dirs},
                                           separators=(",", ":")).encode("utf-8"))
