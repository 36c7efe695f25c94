"""Find overlays and their user files.

An overlay is a directory under ``overlays/`` holding a settings file; its own sub-directories are its
``patches/``, ``resources/`` and ``jobs/`` (user files the generator reads but never writes, except
``jobs/`` which ``trigger`` owns).
"""

from __future__ import annotations

import os

from generator.errors import OverlayError, UsageError
from generator.layout import SETTINGS_FILE
from generator.records import Record

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

MISNAMED_SETTINGS = ("settings.yml",)  # refused everywhere (render, check, validate, pre-commit) with one message
STATE_DIR = ".kaptain-gitops"
JOBS_DIR = "jobs"
YAML_SUFFIXES = (".yaml", ".yml")
_MISNAMED_SORTED = tuple(sorted(MISNAMED_SETTINGS))  # the order of a sorted listing


class Overlay:
    """An overlay folder: ``dir`` (absolute, a string) and ``rel`` (repo-relative POSIX path, e.g. "overlays/prod").

    Not a dataclass and no ``Path`` made per folder (start-up and the walk of 1,000 overlays, #16): :attr:`path`
    makes the ``Path`` on first use. Equal, hashed and pickled by (``dir``, ``rel``), like the frozen dataclass it was.
    """

    __slots__ = ("_path", "dir", "rel")
    dir: str
    rel: str
    _path: Path | None

    def __init__(self, path: str | os.PathLike[str], rel: str) -> None:
        self.dir = os.fspath(path)
        self.rel = rel
        self._path = None if isinstance(path, str) else path  # type: ignore[assignment]

    @property
    def path(self) -> Path:
        if self._path is None:
            from pathlib import Path

            self._path = Path(self.dir)
        return self._path

    @property
    def settings_path(self) -> Path:
        return self.path / SETTINGS_FILE

    @property
    def settings_file(self) -> str:
        """:attr:`settings_path` as a string (no ``Path`` made)."""
        return os.path.join(self.dir, SETTINGS_FILE)

    @property
    def settings_rel(self) -> str:
        return f"{self.rel}/{SETTINGS_FILE}"

    def __eq__(self, other: object) -> bool:
        if type(other) is not Overlay:
            return NotImplemented
        return self.dir == other.dir and self.rel == other.rel

    def __hash__(self) -> int:
        return hash((self.dir, self.rel))

    def __reduce__(self) -> tuple[type[Overlay], tuple[str, str]]:
        return Overlay, (self.dir, self.rel)

    def __repr__(self) -> str:
        return f"Overlay(path={self.dir!r}, rel={self.rel!r})"


def rel(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> str:
    """``path`` relative to ``root`` as a POSIX string ("." for the root itself), or ``path`` itself when it is not
    below ``root``: ``Path.relative_to`` without ``pathlib`` (both normalised, as ``Path`` and ``os.path.join`` of
    normalised parts are)."""
    root_text, path_text = os.fspath(root), os.fspath(path)
    if path_text == root_text:
        return "."
    prefix = root_text if root_text.endswith("/") else root_text + "/"
    return path_text.removeprefix(prefix)


def discover(root: Path, base: str = "overlays") -> list[Overlay]:
    """Every directory under ``root/base`` holding a settings.yaml (symlinked directories are not followed;
    an overlay's own sub-directories are its patches/resources/jobs, hidden directories are skipped)."""
    return scan(root, base).overlays


class Tree(Record):
    """What one walk of ``root/base`` finds (:func:`scan`): the same lists, in the same order, as
    :func:`discover`, :func:`find_misnamed_settings`, :func:`find_orphan_dirs` and the ``base`` share of
    ``transaction.find_temporaries`` would, each walking the tree again.

    ``temporaries``: repo-relative files for which ``is_temporary(name)`` holds, anywhere below base.
    ``settings_dirs``: with ``is_temporary`` (a walk of every folder), the folders below base holding a settings.yaml
    that is not a symlink, at any depth, hidden folders included, .git excluded — what
    overlay_set.matched_directories lists; None without."""

    _fields = ("overlays", "misnamed", "orphans", "temporaries", "settings_dirs")
    __slots__ = _fields
    overlays: list[Overlay]
    misnamed: list[str]
    orphans: list[Overlay]
    temporaries: list[str]
    settings_dirs: list[str] | None

    def __init__(self, overlays: list[Overlay], misnamed: list[str], orphans: list[Overlay], temporaries: list[str],
                 settings_dirs: list[str] | None = None) -> None:
        self._set(overlays, misnamed, orphans, temporaries, settings_dirs)


def _entries(path: str) -> tuple[list[str], list[str], list[str], list[str]] | None:
    """(directories, symlinked directories, other names, the symlinks among those) of ``path`` as ``os.walk``
    classifies them, from the directory's own listing (``DirEntry`` file types: no stat per entry, except to
    follow a symlink); None when it cannot be listed (``os.walk`` skips such a directory too)."""
    dirs: list[str] = []
    links: list[str] = []
    files: list[str] = []
    file_links: list[str] = []
    try:
        with os.scandir(path) as it:
            for entry in it:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if not is_dir:
                    files.append(entry.name)
                    if entry.is_symlink():
                        file_links.append(entry.name)
                elif entry.is_symlink():
                    links.append(entry.name)
                else:
                    dirs.append(entry.name)
    except OSError:
        return None
    dirs.sort()
    files.sort()
    return dirs, links, files, file_links


def below(root: str | os.PathLike[str], base: str) -> str:
    """``str(Path(root) / base)`` (``base`` relative or absolute), without ``pathlib`` for a plain relative ``base``."""
    root_text = os.fspath(root)
    if base and not base.startswith("/") and "//" not in base and not base.endswith("/") \
            and "." not in base.split("/") and root_text.startswith("/") and not root_text.startswith("//"):
        return os.path.join(root_text, base)
    from pathlib import Path

    return str(Path(root_text) / base)


def scan(root: str | os.PathLike[str], base: str = "overlays", is_temporary: Callable[[str], bool] | None = None, *,
         memo: bool = False, tool: Callable[[], str | None] | None = None) -> Tree:
    """One walk of ``root/base`` for every run-level question (see :class:`Tree`); symlinks are never followed.

    Strings only (no ``Path``): at 1,000 overlays this walk is part of every ``check``. ``memo`` (with
    ``is_temporary``, ``check``): folder listings, and the whole walk's result, remembered under
    ``.kaptain-gitops/cache/check/`` and trusted while the folders' stats are unchanged
    (:mod:`generator.write.walk_memo`); the result is the same. ``tool``: the tool's digest, under which the whole
    result is remembered (without it, only the listings)."""
    top_text = below(root, base)
    top_is_link = os.path.islink(top_text)
    full = is_temporary is not None and not top_is_link
    tree = Tree([], [], [], [], [] if full else None)
    if not os.path.isdir(top_text):
        return tree
    top_rel = rel(root, top_text)
    overlays, misnamed, orphans, found_temporaries = tree.overlays, tree.misnamed, tree.orphans, tree.temporaries
    settings_dirs = tree.settings_dirs
    # as find_temporaries: temporaries are not looked for through a symlinked base
    temporaries = None if is_temporary is None or top_is_link else is_temporary
    listings = None
    if memo and temporaries is not None:
        from generator.write.walk_memo import open_memo

        listings, whole = open_memo(os.path.join(root, STATE_DIR, "cache", "check", "walk.memo"), top_text, _entries,
                                    tool, Overlay)
        if whole is not None:
            overlays[:], misnamed[:], found_temporaries[:] = whole[0], whole[1], whole[2]
            if settings_dirs is not None:
                settings_dirs[:] = whole[3]
            orphans[:] = [Overlay(path, rel_path) for path, rel_path, files in whole[4] if _holds_generated(path, files)]
            return tree
    list_folder = _entries if listings is None else listings.entries
    candidates: list[tuple[str, str, list[str]]] = []  # folders that may hold an orphan's output, in walk order

    def visit(path: str, rel_path: str, mode: str, in_git: bool = False) -> None:
        # mode: "search" (no overlay above), "misnamed" (below a folder with a misnamed settings file: only
        # overlays and misnamed files count there), "inside" (in an overlay or a hidden folder: temporaries only)
        listing = list_folder(path)
        if listing is None:
            return
        dirs, _links, files, file_links = listing
        prefix = "" if rel_path == "." else rel_path + "/"
        has_settings = SETTINGS_FILE in files
        if temporaries is not None:
            for name in files:
                if temporaries(name):
                    found_temporaries.append(prefix + name)
            if settings_dirs is not None and has_settings and not in_git and path != top_text \
                    and SETTINGS_FILE not in file_links:
                settings_dirs.append(rel_path)
        child_mode = mode
        if mode != "inside":
            for name in _MISNAMED_SORTED:
                if name in files:
                    misnamed.append(prefix + name)
            if has_settings:
                overlays.append(Overlay(path, rel_path))
                child_mode = "inside"
            elif mode == "search" and any(name in MISNAMED_SETTINGS for name in files):
                child_mode = "misnamed"
            elif mode == "search":
                candidates.append((path, rel_path, files))
                if _holds_generated(path, files):
                    orphans.append(Overlay(path, rel_path))
        if temporaries is None and child_mode == "inside":
            return
        for name in dirs:
            hidden = child_mode != "inside" and name.startswith(".")
            visit(f"{path}/{name}", prefix + name, "inside" if hidden else child_mode, in_git or name == ".git")

    visit(top_text, top_rel, "search")
    if listings is not None:
        yaml_files = [(path, rel_path, [name for name in files if name.endswith(YAML_SUFFIXES)])
                      for path, rel_path, files in candidates]
        listings.save([(o.dir, o.rel) for o in overlays], misnamed, found_temporaries, settings_dirs or [],
                      [candidate for candidate in yaml_files if candidate[2]])
    return tree


def _holds_generated(path: str, files: list[str]) -> bool:
    """Whether a folder outside any overlay holds output of ours (an orphan): a YAML file (not a symlink) with our
    header, looked for in the sorted ``files`` of its listing."""
    for name in files:
        full = os.path.join(path, name)
        if name.endswith(YAML_SUFFIXES) and not os.path.islink(full) and os.path.isfile(full) and _has_header(full):
            return True
    return False


def overlay_holding(root: Path, path: str, base: str = "overlays") -> Overlay | None:
    """The overlay :func:`discover` would find at or above the repo-relative ``path`` (which need not exist), or
    None: the same rules, checked only along the path (one listing per level instead of a walk of the tree)."""
    top = root / base
    top_rel = rel(root, top)
    if (path != top_rel and not path.startswith(top_rel + "/")) or not top.is_dir():
        return None
    names = [] if path == top_rel else path[len(top_rel) + 1:].split("/")
    current, current_rel = str(top), top_rel
    for depth in range(len(names) + 1):
        listing = _entries(current)
        if listing is None:
            return None
        dirs, _links, files, _file_links = listing
        if SETTINGS_FILE in files:
            return Overlay(current, current_rel)
        if depth == len(names):
            return None
        name = names[depth]
        if name.startswith(".") or name not in dirs:  # hidden, symlinked, not a directory or gone: not walked
            return None
        current, current_rel = os.path.join(current, name), f"{current_rel}/{name}"
    return None


def misnamed_settings_message(display: str) -> tuple[str, str]:
    """(message, hint) for a settings file under a name kaptain-gitops does not read."""
    return (f"{display} is not read: the settings file of an overlay must be named {SETTINGS_FILE}",
            f"rename it to {SETTINGS_FILE}")


def find_misnamed_settings(root: Path, base: str = "overlays") -> list[str]:
    """Repo-relative settings files under a refused name (e.g. settings.yml) below ``root/base``."""
    return scan(root, base).misnamed


def find_orphan_dirs(root: Path, base: str = "overlays") -> list[Overlay]:
    """Directories under ``root/base`` that are not (inside) an overlay but hold files with the generator header:
    output of an overlay whose settings file is gone. Directories with a misnamed settings file are left to
    :func:`find_misnamed_settings`."""
    return scan(root, base).orphans


def _has_header(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(64).startswith(b"# Generated by kaptain-gitops")
    except OSError:
        return False


def select(root: str | os.PathLike[str], overlays: list[Overlay], patterns: list[str]) -> list[Overlay]:
    """Overlays matching any of ``patterns`` (paths or globs, relative to the repo root or absolute)."""
    if not patterns:
        return overlays
    chosen: dict[str, Overlay] = {}
    unmatched = []
    for pattern in patterns:
        if pattern.startswith("/"):  # Path(pattern).is_absolute(): pathlib only for such a pattern
            from pathlib import Path

            pattern = rel(root, Path(pattern).resolve())
        pattern = pattern.rstrip("/")
        if pattern.endswith("/" + SETTINGS_FILE) or pattern == SETTINGS_FILE:
            pattern = pattern[: -len(SETTINGS_FILE)].rstrip("/") or "."
        below = pattern + "/"
        if any(c in pattern for c in "*?["):
            import fnmatch

            hits = [o for o in overlays if o.rel == pattern or fnmatch.fnmatchcase(o.rel, pattern)
                    or o.rel.startswith(below)]
        else:  # no wildcard: fnmatchcase is equality
            hits = [o for o in overlays if o.rel == pattern or o.rel.startswith(below)]
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
    from pathlib import Path

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
            if not entry.endswith(YAML_SUFFIXES):
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


def read_bytes_safe(path: Path) -> bytes | None:
    """Bytes of a regular file (None if absent or a symlink/special file: treated as not there)."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        with open(path, "rb") as fh:
            return fh.read(2 * 1024 * 1024)
    except OSError:
        return None
