"""Fingerprints of what ``check``'s result caches depend on (:mod:`.deploy_cache`, :mod:`.overlay_cache`).

Content digests: the tool (every file of the ``generator`` package, the templates, the schemas every run reads), the
libraries (path, size and modification time of each of their files, as the kubectl build cache fingerprints kubectl),
Python, the options that change a finding, a Kubernetes schema folder. They are portable (a CI cache restored on
another machine still matches), but reading and hashing ~3 MB (schemas/crds alone is 2.5 MB) cost every warm check
~10 ms (#16). So each content digest is remembered under ``.kaptain-gitops/cache/check/memo/<what>/`` by a
*signature* of the same files: their names and ``lstat`` (size, mtime, ctime, inode, device), plus everything else
the content digest hashes. The same signature later means the same bytes, by the "racily clean" rule git's index
uses: a memo is written only when every file's mtime and ctime are more than :data:`RACY_NS` older than the moment
the signature was taken. Any later write to a file sets its ctime to the time of that write (no call can set ctime
back), which is then newer than the recorded ctime, so the signature changes; a file written within the last
seconds is hashed by content every time until it is old enough. A symlink makes the digest unavailable in both
forms, as it always did.
"""

from __future__ import annotations

import marshal
import os
import sys
import time

from generator.resources import data_root_path
from generator.whole_file import write_whole
from generator.write.discovery import STATE_DIR

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:
    import hashlib
    from collections.abc import Callable
    from importlib.machinery import ModuleSpec
    from pathlib import Path

    from generator.pipeline.records import Options

    Stamp = tuple[int, int, int, int, int, int]  # mtime, ctime (ns), inode, device, size, mode

LIBRARIES = ("jinja2", "yaml", "jsonschema_rs")
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # the generator package: the tool's code
RACY_NS = 2_000_000_000  # a file changed this recently is not trusted by its stat (mtime/ctime granularity)
MEMO_FORMAT = b"kaptain-gitops fingerprint memo 1\0"
LIST_SUFFIX = ".list"  # memo/<what>.list: the list memo (marshal: its format follows the Python version, named here)
LIST_IDENTITY = f"kaptain-gitops fingerprint list memo 1\0{sys.version}\0{sys.implementation.cache_tag}"
_LINK = 0o120000  # stat.S_IFLNK, the file-type bits of a symlink (S_IFMT: 0o170000)


def templates_dir() -> str:
    """The templates folder (:func:`generator.resources.templates_dir` as a string: no ``pathlib``, #16)."""
    return os.path.join(data_root_path(), "templates")


class Uncacheable(Exception):
    pass


_builtin_sha256: list[Callable[[bytes], hashlib._Hash] | None] = []


def sha256(data: bytes = b"", *, large: bool = False) -> hashlib._Hash:
    """A sha256 hash: the interpreter's own for small inputs, OpenSSL's (``hashlib``) for ``large`` ones.

    Importing ``hashlib`` loads OpenSSL's libcrypto (~2 ms of a warm one-overlay check, #16); the built-in module is
    loaded with the interpreter but hashes ~8x slower, so it takes only what a cache hit hashes (signatures, one
    overlay's files, a zone file). Both give the same digest."""
    if not large:
        if not _builtin_sha256:
            made: Callable[[bytes], hashlib._Hash] | None = None
            for name in ("_sha256", "_sha2"):  # CPython 3.11; 3.12 and later
                try:
                    made = __import__(name).sha256
                    break
                except (ImportError, AttributeError):
                    continue
            _builtin_sha256.append(made)
        builtin = _builtin_sha256[0]
        if builtin is not None:
            return builtin(data)
    import hashlib

    return hashlib.sha256(data)


def _now_ns() -> int:
    return time.time_ns()


class Stats:
    """Signature mode: files are hashed by ``lstat`` instead of bytes; ``newest`` is the latest mtime/ctime seen;
    ``seen``: every path looked at (files, folders, absent files) with its stamp (None: absent), for the list memo."""

    __slots__ = ("newest", "seen")

    def __init__(self) -> None:
        self.newest = 0
        self.seen: list[tuple[str, Stamp | None]] = []

    def note(self, path: str) -> None:
        """Record ``path``'s stamp (a folder walked, a top that is not a folder, a library file)."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            self.seen.append((path, None))
            return
        self.newest = max(self.newest, st.st_mtime_ns, st.st_ctime_ns)
        self.seen.append((path, (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, st.st_size, st.st_mode)))

    def add(self, h: hashlib._Hash, path: str, rel: str) -> None:
        """Add the signature of the file at ``path`` (a symlink: :class:`Uncacheable`; one ``lstat``)."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            self.seen.append((path, None))
            raise
        if st.st_mode & 0o170000 == _LINK:
            raise Uncacheable(path)
        self.newest = max(self.newest, st.st_mtime_ns, st.st_ctime_ns)
        self.seen.append((path, (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, st.st_size, st.st_mode)))
        h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\0{st.st_dev}\0{st.st_mode}\0"
                 .encode("utf-8", "surrogateescape"))


def add_file(h: hashlib._Hash, path: str, label: str, stats: Stats | None = None) -> None:
    if stats is None and os.path.islink(path):
        raise Uncacheable(path)
    if stats is not None:
        try:
            stats.add(h, path, f"{label}\0{path}")
        except FileNotFoundError:
            h.update(f"{label}\0absent\0".encode())
        return
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        h.update(f"{label}\0absent\0".encode())
        return
    except OSError:
        raise Uncacheable(path) from None
    h.update(f"{label}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
    h.update(data)


def add_tree(h: hashlib._Hash, directory: str | os.PathLike[str], label: str, *, stat_only: bool = False,
             stats: Stats | None = None) -> None:
    """Names and bytes (or size and mtime) of every file below ``directory``, in a fixed order; a symlink anywhere
    makes the run uncacheable. ``stats``: the signature of the same walk (:class:`Stats`), not the bytes."""
    top = os.fspath(directory)
    if os.path.islink(top):
        raise Uncacheable(top)
    if not os.path.isdir(top):
        if stats is not None:
            stats.note(top)
        h.update(f"{label}\0no folder\0".encode("utf-8", "surrogateescape"))
        return
    if stats is not None:
        h.update(f"{label}\0{top}\0".encode("utf-8", "surrogateescape"))
    for dirpath, dirnames, filenames in os.walk(top):
        if stats is not None:
            stats.note(dirpath)  # its listing: a name added, removed or renamed changes its stamp
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        if links and not stat_only:
            raise Uncacheable(os.path.join(dirpath, links[0]))
        for name in sorted([*filenames, *links]):
            path = os.path.join(dirpath, name)
            rel = f"{label}/{path[len(top) + 1:]}"
            if stat_only:  # a symlink (the tz database has many) by its target, a file by size and mtime
                st = os.lstat(path)
                if stats is not None:
                    stats.seen.append((path, (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, st.st_size,
                                              st.st_mode)))
                if st.st_mode & 0o170000 == _LINK:
                    h.update(f"{rel}\0->{os.readlink(path)}\0".encode("utf-8", "surrogateescape"))
                    continue
                h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
            elif stats is not None:
                stats.add(h, path, rel)  # a symlink: Uncacheable
            else:
                add_file(h, path, rel)


def find_spec(name: str) -> ModuleSpec | None:
    """``importlib.util.find_spec(name)`` for a top-level ``name`` without importing ``importlib.util`` (#16): the
    imported module's spec, else the first finder's on ``sys.meta_path`` (``tests/test_fingerprint.py`` compares)."""
    module = sys.modules.get(name)
    if module is not None:
        spec: ModuleSpec | None = module.__spec__
        if spec is None:
            raise ValueError(f"{name}.__spec__ is None")
        return spec
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        if find is not None:
            spec = find(name, None)
            if spec is not None:
                return spec
    return None


def add_libraries(h: hashlib._Hash, stats: Stats | None = None) -> None:
    h.update(f"python\0{sys.version}\0{sys.implementation.cache_tag}\0".encode())
    for name in LIBRARIES:
        spec = find_spec(name)
        if spec is None or spec.origin is None:
            raise Uncacheable(name)
        origin = spec.origin
        if spec.submodule_search_locations:
            add_tree(h, os.path.dirname(origin), name, stat_only=True, stats=stats)
        else:
            if stats is not None:
                stats.note(origin)
            st = os.stat(origin)
            h.update(f"{name}\0{origin}\0{st.st_size}\0{st.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))


def crd_folder(location: str) -> Path:
    """The folder holding every file a ``--crd-schemas`` location can name (the part before any template variable)."""
    from pathlib import Path

    local = location.removeprefix("file://")
    static = local.split("{{", 1)[0]
    path = Path(static)
    return path if static.endswith("/") or path.is_dir() else path.parent


def add_tool(h: hashlib._Hash, opts: Options, stats: Stats | None = None) -> None:
    """The tool (code, templates, the schemas every run reads, libraries, Python) and the options that change what a
    check finds (``--kubernetes-version``, ``--skip``, ``--crd-schemas`` and its files, ``--strict``)."""
    add_tree(h, PACKAGE_DIR, "generator", stats=stats)
    add_tree(h, templates_dir(), "templates", stats=stats)
    schemas = opts.schema_dir
    for name in ("settings.schema.json", "gitops.schema.json"):
        add_file(h, os.path.join(schemas, name), f"schemas/{name}", stats)
    add_tree(h, os.path.join(schemas, "crds"), "schemas/crds", stats=stats)
    add_libraries(h, stats)
    h.update(repr((opts.kubernetes_version, sorted(opts.skip), opts.crd_location, opts.strict)).encode())
    if opts.crd_location is not None:
        if "://" in opts.crd_location and not opts.crd_location.startswith("file://"):
            raise Uncacheable(opts.crd_location)
        add_tree(h, crd_folder(opts.crd_location), "crd-schemas", stats=stats)


def remembered(opts: Options, what: str, add: Callable[[hashlib._Hash, Stats | None], None],
               context: str | None = None) -> str | None:
    """The content digest ``add(h, None)`` makes, through the memo of its signature ``add(h, Stats())`` (see the
    module's docstring); None when it cannot be made (a symlink, an unreadable file).

    ``context``: everything besides files and folders that ``add`` depends on; with it, the digest is also remembered
    by the stamps of every path the signature looked at (:func:`_listed`), which a warm check validates with one
    ``lstat`` each, without the walk or the hashing of a signature."""
    started = _now_ns()
    listed = None
    if context is not None:
        listed = os.path.join(opts.root_dir, STATE_DIR, "cache", "check", "memo", what + LIST_SUFFIX)
        known_digest = _listed(listed, context)
        if known_digest is not None:
            return known_digest
    sig = sha256(MEMO_FORMAT)
    stats = Stats()
    try:
        add(sig, stats)
    except (Uncacheable, OSError):
        return None
    memo = os.path.join(opts.root_dir, STATE_DIR, "cache", "check", "memo", what, sig.hexdigest())
    digest = None
    try:
        with open(memo, "rb") as fh:
            known = fh.read()
        if len(known) == 64 and all(c in b"0123456789abcdef" for c in known):
            digest = known.decode()
    except OSError:
        pass
    if digest is None:
        h = sha256(large=True)
        try:
            add(h, None)
        except (Uncacheable, OSError):
            return None
        digest = h.hexdigest()
        if stats.newest < started - RACY_NS:  # every file older than any stat granularity: its stat names its bytes
            write_entry(memo, digest.encode())
    if listed is not None and stats.newest < started - RACY_NS:
        write_whole(listed, marshal.dumps((LIST_IDENTITY, context, stats.seen, digest)))
    return digest


def _listed(file: str, context: str) -> str | None:
    """The digest a list memo holds for ``context`` when every path it lists has the same stamp now (folders
    included: a file added, removed or renamed changes its folder's), else None.

    Sound by the signature's own rule: every stamp was more than :data:`RACY_NS` old when recorded, so the same stamp
    means the same bytes (files) and the same names (folders); absent files are still absent."""
    try:
        with open(file, "rb") as fh:
            data = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not (type(data) is tuple and len(data) == 4 and data[0] == LIST_IDENTITY and data[1] == context
            and type(data[2]) is list and type(data[3]) is str and len(data[3]) == 64):
        return None
    lstat = os.lstat
    try:
        for path, stamp in data[2]:
            try:
                st = lstat(path)
            except FileNotFoundError:
                if stamp is not None:
                    return None
                continue
            if stamp != (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, st.st_size, st.st_mode):
                return None
    except (OSError, TypeError, ValueError):  # unreadable, or not (path, stamp) pairs
        return None
    return data[3]


def tool_digest(opts: Options) -> str | None:
    """The digest of :func:`add_tool` (both caches of a run share it), or None when it cannot be made."""
    return remembered(opts, "tool", lambda h, stats: add_tool(h, opts, stats), _tool_context(opts))


def _tool_context(opts: Options) -> str | None:
    """What :func:`add_tool` depends on besides files and folders: the places it reads, the options, Python, where the
    libraries are found (None with ``--crd-schemas``: that folder is found by looking at the files)."""
    if opts.crd_location is not None:
        return None
    libraries = []
    for name in LIBRARIES:
        spec = find_spec(name)
        libraries.append(None if spec is None else (spec.origin, bool(spec.submodule_search_locations)))
    return repr((PACKAGE_DIR, os.fspath(templates_dir()), opts.schema_dir, opts.kubernetes_version, sorted(opts.skip),
                 opts.strict, libraries))


def tree_digest(opts: Options, directory: str | os.PathLike[str], label: str) -> str | None:
    """The content digest of :func:`add_tree` of ``directory`` (a schema folder: ~1 MB), or None."""
    name = sha256(label.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return remembered(opts, f"tree-{name}", lambda h, stats: add_tree(h, directory, label, stats=stats),
                      repr((os.fspath(directory), label)))


def write_entry(path: str, data: bytes) -> None:
    """Write a cache entry whole (temporary file, then rename) and drop the older entries of its folder (one folder
    per overlay, one for deploy/, one per memo: the cache keeps the latest of each, so it does not grow with every
    change). A cache that cannot be written only costs speed."""
    if not write_whole(path, data):
        return
    folder, name = os.path.split(path)
    try:
        for old in os.listdir(folder):
            if old != name and not old.startswith("."):
                os.unlink(os.path.join(folder, old))
    except OSError:
        pass
