"""The file system side: find overlays, read their user files, compare with a render, write atomically.

Ownership rule: a file is the generator's only if it starts with the generator header and its
recorded sha256 matches its body. The generator creates, rewrites and deletes only such files;
a hand-edited generated file is refused unless ``force``; a foreign file is never touched.

Writes are all-or-nothing per run (:class:`Transaction`): every new file is written to a temporary
file beside its destination and fsynced, then a journal listing all renames and deletions is
committed atomically, then the renames run. A run killed before the commit leaves the old files
(plus temporaries that the next run removes); a run killed after it is rolled forward by the next
run (``recover``), so an overlay is never left mixed. A lock file serialises concurrent runs.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from generator.errors import OverlayError, UsageError
from generator.render.overlay import KUSTOMIZATION, RenderedFile, is_untouched, split_header

SETTINGS_FILE = "settings.yaml"
STATE_DIR = ".kaptain-gitops"
TMP_MARK = ".kgtmp-"
USER_DIRS = ("patches", "resources")
JOBS_DIR = "jobs"
_YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Overlay:
    path: Path  # absolute
    rel: str  # repo-relative POSIX path, e.g. "overlays/prod"

    @property
    def settings_path(self) -> Path:
        return self.path / SETTINGS_FILE

    @property
    def settings_rel(self) -> str:
        return f"{self.rel}/{SETTINGS_FILE}"


def rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def discover(root: Path, base: str = "overlays") -> list[Overlay]:
    """Every directory under ``root/base`` holding a settings.yaml (symlinked directories are not followed)."""
    top = root / base
    found: list[Overlay] = []
    if not top.is_dir():
        return found
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        dirnames.sort()
        here = Path(dirpath)
        if SETTINGS_FILE in filenames:
            found.append(Overlay(here, rel(root, here)))
            dirnames[:] = []  # an overlay's own sub-directories are its patches/resources/jobs
        else:
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
    return found


def select(root: Path, overlays: list[Overlay], patterns: list[str]) -> list[Overlay]:
    """Overlays matching any of ``patterns`` (paths or globs, relative to the repo root or absolute)."""
    if not patterns:
        return overlays
    import fnmatch

    chosen: dict[str, Overlay] = {}
    unmatched = []
    for pattern in patterns:
        p = Path(pattern)
        if p.is_absolute():
            pattern = rel(root, p.resolve())
        pattern = pattern.rstrip("/")
        if pattern.endswith("/" + SETTINGS_FILE) or pattern == SETTINGS_FILE:
            pattern = pattern[: -len(SETTINGS_FILE)].rstrip("/") or "."
        hits = [o for o in overlays if o.rel == pattern or fnmatch.fnmatchcase(o.rel, pattern)
                or o.rel.startswith(pattern + "/")]
        if not hits:
            unmatched.append(pattern)
        for o in hits:
            chosen[o.rel] = o
    if unmatched:
        raise UsageError(
            f"no overlay matches {', '.join(repr(u) for u in unmatched)}", rule="no-such-overlay",
            hint="name an overlay directory holding settings.yaml (e.g. overlays/prod) or a glob like 'overlays/*'",
        )
    return [chosen[k] for k in sorted(chosen)]


def select_one(root: Path, pattern: str, command: str) -> Overlay:
    """The single overlay ``pattern`` names (commands like build, trigger and verify take exactly one)."""
    targets = select(root, discover(root), [pattern])
    if len(targets) != 1:
        raise UsageError(f"{pattern!r} matches {len(targets)} overlays; {command} takes exactly one",
                         rule="usage", hint="name one overlay directory")
    return targets[0]


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def user_files(root: Path, overlay: Overlay, sub: str) -> tuple[str, ...]:
    """Sorted overlay-relative YAML files in ``overlay/sub`` (patches/, resources/ or jobs/), nested folders included.

    Hidden entries (``.gitkeep``, editor files) are skipped; any other non-YAML file is refused, never ignored.
    """
    d = overlay.path / sub
    if not d.is_dir() or d.is_symlink():
        if d.is_symlink():
            raise OverlayError(f"{overlay.rel}/{sub} is a symlink", file=f"{overlay.rel}/{sub}", rule="symlink",
                               hint="use a real directory inside the overlay")
        return ()
    out = []
    for dirpath, dirnames, filenames in os.walk(d, followlinks=False):
        dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
        here = Path(dirpath)
        for name in dirnames:
            if (here / name).is_symlink():
                display = f"{overlay.rel}/{rel(overlay.path, here / name)}"
                raise OverlayError(f"{display} is a symlinked directory", file=display, rule="symlink",
                                   hint="use a real directory inside the overlay")
        for entry in sorted(filenames):
            p = here / entry
            overlay_rel = rel(overlay.path, p)
            if entry.startswith("."):
                continue
            if not entry.endswith(_YAML_SUFFIXES):
                raise OverlayError(f"{overlay.rel}/{overlay_rel} is not a YAML file; everything under {sub}/ is "
                                   f"applied by kustomize, so kaptain-gitops does not skip it silently",
                                   file=f"{overlay.rel}/{overlay_rel}", rule="not-yaml",
                                   hint="name it *.yaml (or *.yml), or move it out of the overlay")
            if p.is_symlink() and not _inside(root, p):
                raise OverlayError(f"{overlay.rel}/{overlay_rel} is a symlink leading outside the repository",
                                   file=f"{overlay.rel}/{overlay_rel}", rule="symlink-outside-repo",
                                   hint="replace it with a regular file inside the repository")
            out.append(overlay_rel)
    return tuple(sorted(out))


@dataclass(frozen=True)
class Change:
    path: str  # overlay-relative
    action: str  # "create" | "update" | "delete"
    text: str | None = None


@dataclass
class DiskDiff:
    """How an overlay on disk differs from a fresh render."""

    changes: list[Change] = field(default_factory=list)
    conflicts: list[OverlayError] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not self.changes and not self.conflicts


def _read_text(path: Path) -> str | None:
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None


def compare(overlay: Overlay, files: list[RenderedFile], *, force: bool = False,
            owned: list[str] | None = None) -> DiskDiff:
    """What writing ``files`` into ``overlay`` would change, and which changes ownership forbids.

    ``owned`` lists the generator's existing files there (default: the overlay's top-level ones).
    """
    diff = DiskDiff()
    wanted = {f.path: f.text for f in files}
    for path, text in wanted.items():
        target = overlay.path / path
        display = f"{overlay.rel}/{path}"
        if target.is_symlink():
            diff.conflicts.append(OverlayError(
                f"{display} is a symlink; the generator never writes through symlinks", file=display,
                rule="symlink", hint="remove the symlink, then run render again"))
            continue
        current = _read_text(target)
        if current is None:
            diff.changes.append(Change(path, "create", text))
        elif current != text:
            digest, _ = split_header(current)
            if digest is None:
                diff.conflicts.append(OverlayError(
                    f"{display} exists but was not generated by kaptain-gitops; refusing to overwrite it",
                    file=display, rule="foreign-file",
                    hint="move or rename your file (user patches belong under patches/)"))
            elif not is_untouched(current) and not force:
                diff.conflicts.append(OverlayError(
                    f"{display} was edited by hand since it was generated; refusing to overwrite it",
                    file=display, line=first_changed_line(current, text), rule="hand-edited",
                    hint="put the change in settings.yaml or a patches/ file, or re-run with --force to discard it"))
            else:
                diff.changes.append(Change(path, "update", text))
    for path in owned if owned is not None else owned_files(overlay):
        if path in wanted:
            continue
        display = f"{overlay.rel}/{path}"
        current = _read_text(overlay.path / path) or ""
        if not is_untouched(current) and not force:
            diff.conflicts.append(OverlayError(
                f"{display} is no longer generated but was edited by hand; refusing to delete it",
                file=display, rule="hand-edited", hint="delete it yourself, or re-run with --force"))
        else:
            diff.changes.append(Change(path, "delete"))
    return diff


def first_changed_line(current: str, wanted: str) -> int:
    """1-based number of the first line where ``current`` differs from ``wanted`` (the header is skipped)."""
    have, want = current.split("\n"), wanted.split("\n")
    for number, (a, b) in enumerate(zip(have, want, strict=False), start=1):
        if a != b and number > 3:
            return number
    return min(len(have), len(want)) + 1 if len(have) != len(want) else 1


def owned_tree(directory: Path) -> list[str]:
    """Every file under ``directory`` (recursively, no symlinks) carrying the generator header."""
    out: list[str] = []
    if not directory.is_dir() or directory.is_symlink():
        return out
    for dirpath, dirnames, filenames in os.walk(directory, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if not name.endswith(_YAML_SUFFIXES) or p.is_symlink():
                continue
            with open(p, "rb") as fh:
                if fh.read(64).startswith(b"# Generated by kaptain-gitops"):
                    out.append(p.relative_to(directory).as_posix())
    return out


def owned_files(overlay: Overlay) -> list[str]:
    """Top-level files of the overlay that carry the generator header (jobs/ are owned by `trigger`)."""
    out: list[str] = []
    try:
        entries = sorted(os.listdir(overlay.path))
    except FileNotFoundError:
        return out
    for entry in entries:
        p = overlay.path / entry
        if entry == SETTINGS_FILE or not entry.endswith(_YAML_SUFFIXES) or p.is_symlink() or not p.is_file():
            continue
        with open(p, "rb") as fh:
            head = fh.read(64)
        if head.startswith(b"# Generated by kaptain-gitops"):
            out.append(entry)
    return out


# ---------------------------------------------------------------------------------------------- writing


class Lock:
    """An exclusive (or shared) advisory lock on ``root/.kaptain-gitops/lock``, released on exit or death."""

    def __init__(self, root: Path, *, shared: bool = False, wait_seconds: float = 30.0) -> None:
        self.root = root
        self.shared = shared
        self.wait_seconds = wait_seconds
        self._fd: int | None = None

    def __enter__(self) -> Self:
        state = self.root / STATE_DIR
        try:
            state.mkdir(exist_ok=True)
        except OSError as exc:
            raise OverlayError(f"cannot create {rel(self.root, state)}: {exc.strerror}", rule="lock",
                               hint="run from a writable checkout") from None
        path = state / "lock"
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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def journal_path(root: Path) -> Path:
    return root / STATE_DIR / "journal.json"


def recover(root: Path) -> list[str]:
    """Finish an interrupted run: roll a committed journal forward; drop uncommitted temporaries.

    Returns the repo-relative paths it completed or cleaned (for a one-line notice). Needs the lock.
    """
    done: list[str] = []
    jpath = journal_path(root)
    if jpath.exists():
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


def sweep_temporaries(root: Path, overlays: list[Overlay]) -> list[str]:
    """Remove temporaries an uncommitted, killed run left behind (no journal refers to them)."""
    removed = []
    for o in overlays:
        for d in (o.path, o.path / JOBS_DIR):
            try:
                names = os.listdir(d)
            except (FileNotFoundError, NotADirectoryError):
                continue
            for name in names:
                if TMP_MARK in name and name.startswith("."):
                    (d / name).unlink(missing_ok=True)
                    removed.append(rel(root, d / name))
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


class Transaction:
    """Collect file changes for many overlays; :meth:`commit` applies them all or (after a crash) rolls forward."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = root
        self.durable = durable
        self._entries: list[dict[str, str]] = []
        self._dirs: set[Path] = set()

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
        if not self._entries:
            return
        jpath = journal_path(self.root)
        tmp = jpath.with_name(jpath.name + TMP_MARK)
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"entries": self._entries}, fh)
            if self.durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, jpath)  # the commit point
        if self.durable:
            _fsync_dir(jpath.parent)
        _crash_point()
        recover(self.root)
        if self.durable:
            for d in sorted(self._dirs):
                _fsync_dir(d)
        self._entries = []

    def abort(self) -> None:
        for entry in self._entries:
            if "tmp" in entry:
                (self.root / entry["tmp"]).unlink(missing_ok=True)
        self._entries = []


def _crash_point() -> None:
    """Test hook: KAPTAIN_GITOPS_CRASH_AFTER_COMMIT=1 kills the process right after the journal commit."""
    if os.environ.get("KAPTAIN_GITOPS_CRASH_AFTER_COMMIT") == "1":
        os.kill(os.getpid(), 9)


__all__ = ["KUSTOMIZATION", "Change", "DiskDiff", "Lock", "Overlay", "Transaction", "compare", "discover",
           "recover", "select", "user_files"]


def read_bytes_safe(path: Path) -> bytes | None:
    """Bytes of a regular file (None if absent or a symlink/special file: treated as not there)."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        with open(path, "rb") as fh:
            return fh.read(2 * 1024 * 1024)
    except OSError:
        return None
