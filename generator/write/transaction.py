"""All-or-nothing writes: the repository lock, staged temporaries, the journal, recovery and sweeping.

Writes are all-or-nothing per run (:class:`Transaction`): every new file is written to a temporary
file beside its destination and fsynced, then a journal listing all renames and deletions is
committed atomically, then the renames run. A run killed before the commit leaves the old files
(plus temporaries that the next run removes); a run killed after it is rolled forward by the next
run (``recover``), so an overlay is never left mixed. A lock file serialises concurrent runs.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time

from generator.errors import OverlayError
from generator.layout import DEPLOY_DIR
from generator.whole_file import write_whole
from generator.write.discovery import STATE_DIR, Overlay, Tree, rel, scan

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:
    import signal
    from pathlib import Path
    from types import TracebackType
    from typing import Self

    from generator.write.ownership import Change
else:
    try:  # the C module itself, as in generator.cli.launch: ``signal`` adds enums, and ``enum`` costs every start
        import _signal as signal
    except ImportError:  # pragma: no cover - a Python without it
        import signal

# Start-up (#16): a check reads no journal unless one is there, so ``json`` is imported where one is read or written;
# the lock and the look for leftovers work on strings (no ``pathlib``).

TMP_MARK = ".kgtmp-"


class Lock:
    """An exclusive (or shared) advisory lock on ``root/.kaptain-gitops/lock``, released on exit or death."""

    def __init__(self, root: str | os.PathLike[str], *, shared: bool = False, wait_seconds: float = 30.0) -> None:
        self.root = os.fspath(root)
        self.shared = shared
        self.wait_seconds = wait_seconds
        self._fd: int | None = None

    def __enter__(self) -> Self:
        state = os.path.join(self.root, STATE_DIR)
        try:
            os.mkdir(state)
        except OSError as exc:  # as Path.mkdir(exist_ok=True): an existing folder will do
            if not (isinstance(exc, FileExistsError) and os.path.isdir(state)):
                raise OverlayError(f"cannot create {rel(self.root, state)}: {exc.strerror}", rule="lock",
                                   hint="run from a writable checkout") from None
        _ignore_in_git(state)
        path = os.path.join(state, "lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        mode = fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
                    os.close(fd)
                    raise OverlayError(
                        f"another kaptain-gitops run (pid {holder}) is working on this repository",
                        file=rel(self.root, path), rule="locked",
                        hint=f"wait for it to finish (waited {self.wait_seconds:g}s), or raise --wait") from None
                time.sleep(0.05)
        if not self.shared:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            if not self.shared:
                os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


STATE_GITIGNORE = "# Created by kaptain-gitops: its lock, journal and caches are local state, never committed.\n*\n"


def _ignore_in_git(state: str) -> None:
    """Make the state folder ignore itself in Git (as pytest's and ruff's caches do), so ``git add -A`` in a user's
    repository never commits a lock, a journal or a result cache. Written whole (temporary + rename) or not at all;
    a folder that cannot be written loses nothing but this convenience."""
    target = os.path.join(state, ".gitignore")
    if os.path.lexists(target):
        return
    # a TMP_MARK name: a run killed before the rename leaves a temporary the next render sweeps
    write_whole(target, STATE_GITIGNORE.encode(), os.path.join(state, f".gitignore{TMP_MARK}{os.getpid()}"))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def journal_path(root: Path) -> Path:
    return root / STATE_DIR / "journal.json"


def journal_file(root: str | os.PathLike[str]) -> str:
    """:func:`journal_path` as a string (no ``Path``)."""
    return os.path.join(root, STATE_DIR, "journal.json")


def recover(root: Path) -> list[str]:
    """Finish an interrupted run: roll a committed journal forward; drop uncommitted temporaries.

    Returns the repo-relative paths it completed or cleaned (for a one-line notice). Needs the lock.
    """
    done: list[str] = []
    jpath = journal_path(root)
    if jpath.exists():
        import json

        try:
            entries = json.loads(jpath.read_text(encoding="utf-8"))["entries"]
        except (ValueError, KeyError, OSError):
            entries = []  # a torn journal was never committed (it is renamed into place whole)
        for entry in entries:
            dest = root / entry["dest"]
            if entry["action"] == "delete":
                if dest.exists() and not dest.is_symlink():
                    dest.unlink()
                    done.append(entry["dest"])
            else:
                tmp = root / entry["tmp"]
                if tmp.exists():
                    os.replace(tmp, dest)
                    done.append(entry["dest"])
        jpath.unlink()
    return done


def _journal_temporaries(root: str | os.PathLike[str]) -> set[str]:
    try:
        with open(journal_file(root), "rb") as fh:
            data = fh.read()
    except OSError:
        return set()
    import json

    try:
        entries = json.loads(data.decode("utf-8"))["entries"]
    except (ValueError, KeyError, TypeError):
        return set()
    return {str(e["tmp"]) for e in entries if isinstance(e, dict) and "tmp" in e}


def is_temporary(name: str) -> bool:
    """A file name :func:`stage` (or a journal write) uses for content not yet committed."""
    return TMP_MARK in name and (name.startswith((".", "journal.json")))


def find_temporaries(root: str | os.PathLike[str], tree: Tree | None = None) -> list[str]:
    """Repo-relative temporaries a killed or interrupted run left anywhere it writes (overlays/, deploy/, state),
    except those a committed journal still needs (``recover`` renames them into place).

    ``tree``: this run's :func:`~generator.write.discovery.scan` of overlays/ (made with :func:`is_temporary`)."""
    root = os.fspath(root)
    needed = _journal_temporaries(root)
    if tree is None:
        tree = scan(root, "overlays", is_temporary)
    found: list[str] = [path for path in tree.temporaries if path not in needed]
    for name in (DEPLOY_DIR, STATE_DIR):
        base = os.path.join(root, name)
        if not os.path.isdir(base) or os.path.islink(base):
            continue
        for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
            dirnames.sort()
            if name == STATE_DIR:
                dirnames[:] = []  # the kustomize cache below manages its own files
            for file in sorted(filenames):
                if is_temporary(file):
                    path = rel(root, os.path.join(dirpath, file))
                    if path not in needed:
                        found.append(path)
    return found


def sweep_temporaries(root: Path) -> list[str]:
    """Remove the temporaries of :func:`find_temporaries` (needs the exclusive lock); returns them."""
    removed = find_temporaries(root)
    for path in removed:
        (root / path).unlink(missing_ok=True)
    return removed


def stage(root: Path, overlay: Overlay, changes: list[Change], *, durable: bool = True) -> list[dict[str, str]]:
    """Write each new file's content to a temporary file beside its destination; return journal entries.

    Nothing visible changes until a :class:`Transaction` holding these entries commits.
    """
    entries: list[dict[str, str]] = []
    for ch in changes:
        dest = overlay.path / ch.path
        if ch.action == "delete":
            entries.append({"action": "delete", "dest": rel(root, dest)})
            continue
        assert ch.text is not None
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.parent / f".{dest.name}{TMP_MARK}{os.getpid()}"
        with open(tmp, "wb") as fh:
            fh.write(ch.text.encode("utf-8"))
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        entries.append({"action": ch.action, "dest": rel(root, dest), "tmp": rel(root, tmp)})
    return entries


class signals_deferred:
    """Hold SIGINT and SIGTERM back (main thread only) until the block is done; they are delivered right after.

    A class, not a ``contextlib.contextmanager``, on the C module ``_signal``: a check starts without ``contextlib``,
    ``signal`` or ``enum`` (#16)."""

    def __init__(self) -> None:
        self.previous: set[int] | None = None

    def __enter__(self) -> None:
        import threading

        if threading.current_thread() is threading.main_thread():
            self.previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, self.previous)


class Transaction:
    """Collect file changes for many overlays; :meth:`commit` applies them all or (after a crash) rolls forward."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = root
        self.durable = durable
        self._entries: list[dict[str, str]] = []
        self._dirs: set[Path] = set()
        self._committed = False

    def add(self, overlay: Overlay, changes: list[Change]) -> None:
        self.extend(stage(self.root, overlay, changes, durable=self.durable))

    def extend(self, entries: list[dict[str, str]]) -> None:
        """Adopt entries staged earlier (possibly by a worker process) with :func:`stage`."""
        for entry in entries:
            if "tmp" in entry:
                self._dirs.add((self.root / entry["dest"]).parent)
        self._entries.extend(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def commit(self) -> None:
        """Write the journal (the commit point), then apply it. SIGINT/SIGTERM wait until it is applied, so an
        interrupt never leaves a committed journal half applied by this process."""
        if not self._entries:
            return
        with signals_deferred():
            self._commit()
        if self.durable:
            for d in sorted(self._dirs):
                _fsync_dir(d)
        self._entries = []

    def _commit(self) -> None:
        jpath = journal_path(self.root)
        tmp = jpath.with_name(jpath.name + TMP_MARK)
        import json

        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"entries": self._entries}, fh)
            if self.durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, jpath)  # the commit point
        if self.durable:
            _fsync_dir(jpath.parent)
        self._committed = True
        recover(self.root)

    def abort(self) -> None:
        """Drop the staged temporaries (after the commit point they belong to the journal: the next run
        rolls it forward)."""
        if self._committed and journal_path(self.root).exists():
            self._entries = []
            return
        for entry in self._entries:
            if "tmp" in entry:
                (self.root / entry["tmp"]).unlink(missing_ok=True)
        self._entries = []

