"""deploy/ in ``check``, remembered: a clean result is reused while every input is byte-identical.

deploy/ depends on *every* overlay, so each ``check`` — of one overlay or of a pull request — rendered and validated
all of it again (at 1,000 overlays over a second, most of the run). A clean result (deploy/ up to date, no problem at
all) is recorded under ``.kaptain-gitops/cache/check/`` by a digest of everything it depends on:

* the tool: every file of the ``generator`` package, the templates, the schemas it validates deploy/ with
  (``settings``/``gitops`` schemas, ``crds/``, the Kubernetes version's folder), the libraries that render, parse and
  validate (path, size and modification time of each of their files, as the kubectl build cache fingerprints
  kubectl) and the Python version;
* the options that change the outcome (``--kubernetes-version``, ``--skip``, ``--crd-schemas`` and every file under
  it, ``--strict``);
* the repository: ``gitops.yaml``'s bytes, the overlays discovered, every folder holding a settings.yaml (what the
  ApplicationSet would deploy), and the names and bytes of every file under ``deploy/``.

When ``gitops.yaml`` mentions ``kommander`` at all, deploy/kommander reads every overlay's settings, so the digest
also covers every overlay's ``settings.yaml`` bytes and the time-zone database the schedule analysis reads
(``zoneinfo.TZPATH`` and the ``tzdata`` package: path, size and modification time of each file). Only runs with
``overlaysPath: overlays`` (the scanned folder) are recorded. Anything unusual (a symlink among the inputs,
kubeconform on PATH, ``--no-cache``) skips the cache. A run records its result only if the digest is the same after the check as
before it (nothing changed meanwhile). Failures are never recorded, so every problem is reported afresh.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from generator.layout import CONFIG_FILE, DEPLOY_DIR
from generator.pipeline.records import Options
from generator.resources import templates_dir
from generator.write import discovery

FORMAT = b"kaptain-gitops deploy/ check cache 1\0"
CLEAN = b"clean\n"
CLEAN_WITH_KOMMANDER = b"clean\nkommander\n"
LIBRARIES = ("jinja2", "yaml", "jsonschema_rs")
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the generator package: the tool's code


class Uncacheable(Exception):
    pass


def add_file(h: hashlib._Hash, path: str, label: str) -> None:
    if os.path.islink(path):
        raise Uncacheable(path)
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


def add_tree(h: hashlib._Hash, directory: Path, label: str, *, stat_only: bool = False) -> None:
    """Names and bytes (or size and mtime) of every file below ``directory``, in a fixed order; a symlink anywhere
    makes the run uncacheable."""
    top = str(directory)
    if os.path.islink(top):
        raise Uncacheable(top)
    if not os.path.isdir(top):
        h.update(f"{label}\0no folder\0".encode("utf-8", "surrogateescape"))
        return
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        if links and not stat_only:
            raise Uncacheable(os.path.join(dirpath, links[0]))
        for name in sorted([*filenames, *links]):
            path = os.path.join(dirpath, name)
            rel = f"{label}/{path[len(top) + 1:]}"
            if stat_only:  # a symlink (the tz database has many) by its target, a file by size and mtime
                if os.path.islink(path):
                    h.update(f"{rel}\0->{os.readlink(path)}\0".encode("utf-8", "surrogateescape"))
                    continue
                st = os.stat(path)
                h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
            else:
                add_file(h, path, rel)


def add_libraries(h: hashlib._Hash) -> None:
    from importlib.util import find_spec

    h.update(f"python\0{sys.version}\0{sys.implementation.cache_tag}\0".encode())
    for name in LIBRARIES:
        spec = find_spec(name)
        if spec is None or spec.origin is None:
            raise Uncacheable(name)
        origin = Path(spec.origin)
        if spec.submodule_search_locations:
            add_tree(h, origin.parent, name, stat_only=True)
        else:
            st = origin.stat()
            h.update(f"{name}\0{origin}\0{st.st_size}\0{st.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))


def crd_folder(location: str) -> Path:
    """The folder holding every file a ``--crd-schemas`` location can name (the part before any template variable)."""
    local = location.removeprefix("file://")
    static = local.split("{{", 1)[0]
    path = Path(static)
    return path if static.endswith("/") or path.is_dir() else path.parent


def add_tool(h: hashlib._Hash, opts: Options) -> None:
    """The tool (code, templates, the schemas every run reads, libraries, Python) and the options that change what a
    check finds (``--kubernetes-version``, ``--skip``, ``--crd-schemas`` and its files, ``--strict``)."""
    add_tree(h, PACKAGE_DIR, "generator")
    add_tree(h, templates_dir(), "templates")
    schemas = opts.schema_root
    for name in ("settings.schema.json", "gitops.schema.json"):
        add_file(h, str(schemas / name), f"schemas/{name}")
    add_tree(h, schemas / "crds", "schemas/crds")
    add_libraries(h)
    h.update(repr((opts.kubernetes_version, sorted(opts.skip), opts.crd_location, opts.strict)).encode())
    if opts.crd_location is not None:
        if "://" in opts.crd_location and not opts.crd_location.startswith("file://"):
            raise Uncacheable(opts.crd_location)
        add_tree(h, crd_folder(opts.crd_location), "crd-schemas")


def tool_digest(opts: Options) -> str | None:
    """The digest of :func:`add_tool` (both caches of a run share it), or None when it cannot be made."""
    h = hashlib.sha256()
    try:
        add_tool(h, opts)
    except (Uncacheable, OSError):
        return None
    return h.hexdigest()


def add_time_zones(h: hashlib._Hash) -> None:
    import zoneinfo
    from importlib.util import find_spec

    for base in zoneinfo.TZPATH:
        add_tree(h, Path(base), f"tzpath:{base}", stat_only=True)
    spec = find_spec("tzdata")
    if spec is not None and spec.origin is not None:
        add_tree(h, Path(spec.origin).parent, "tzdata", stat_only=True)


def _settings_files(h: hashlib._Hash, tree: discovery.Tree) -> None:
    for o in tree.overlays:
        add_file(h, str(o.settings_path), o.settings_rel)


class Digest(NamedTuple):
    key: str
    reads_settings: bool  # the digest covers every overlay's settings (gitops.yaml mentions kommander)


def digest(opts: Options, tree: discovery.Tree, tool: Callable[[], str | None] | None = None) -> Digest | None:
    """The digest of everything deploy/'s check depends on, or None when this run cannot use the cache.

    ``tool``: this run's :func:`tool_digest`, when it has one."""
    if not opts.cache or opts.keep_files or opts.force or tree.settings_dirs is None:
        return None
    if not os.path.isfile(opts.root / CONFIG_FILE):
        return None  # no gitops.yaml: deploy/ is only looked at for leftovers, nothing worth remembering
    from generator.validate.manifest_schemas import DEFAULT_KUBERNETES_VERSION, schema_dir_name

    h = hashlib.sha256(FORMAT)
    try:
        tool_key = tool() if tool is not None else tool_digest(opts)
        if tool_key is None:
            return None
        h.update(tool_key.encode())
        version_dir = schema_dir_name(opts.kubernetes_version or DEFAULT_KUBERNETES_VERSION)
        add_tree(h, opts.schema_root / "kubernetes" / version_dir, f"schemas/kubernetes/{version_dir}")
        root = opts.root
        config = root / CONFIG_FILE
        if config.is_symlink():
            return None
        data = config.read_bytes()
        h.update(f"{CONFIG_FILE}\0{len(data)}\0".encode())
        h.update(data)
        # No YAML parse here: any mention outside a comment line counts (a spelling this misses, e.g. with YAML
        # escapes, only means that the run is not recorded: see fleet._check_deploy)
        reads_settings = any(b"kommander" in line for line in data.splitlines() if not line.lstrip().startswith(b"#"))
        if reads_settings:
            _settings_files(h, tree)
            add_time_zones(h)
        h.update("\0".join(["overlays", *(o.rel for o in tree.overlays)]).encode("utf-8", "surrogateescape"))
        h.update("\0".join(["settings", *tree.settings_dirs]).encode("utf-8", "surrogateescape"))
        add_tree(h, root / DEPLOY_DIR, DEPLOY_DIR)
    except (Uncacheable, OSError):
        return None
    return Digest(h.hexdigest(), reads_settings)


def _entry(opts: Options, key: str) -> Path:
    return opts.root / discovery.STATE_DIR / "cache" / "check" / "deploy" / key


def lookup(opts: Options, key: str) -> bool | None:
    """None when no run with this digest found deploy/ clean; else whether that run rendered deploy/kommander."""
    try:
        text = _entry(opts, key).read_bytes()
    except OSError:
        return None
    if text not in (CLEAN, CLEAN_WITH_KOMMANDER):
        return None
    return text == CLEAN_WITH_KOMMANDER


def record_clean(opts: Options, key: str, kommander: bool) -> None:
    """Remember a clean deploy/ for ``key``."""
    write_entry(str(_entry(opts, key)), CLEAN_WITH_KOMMANDER if kommander else CLEAN)


def write_entry(path: str, data: bytes) -> None:
    """Write a cache entry whole (temporary file, then rename) and drop the older entries of its folder (one folder
    per overlay, one for deploy/: the cache keeps the latest clean result of each, so it does not grow with every
    change). A cache that cannot be written only costs speed."""
    folder, name = os.path.split(path)
    try:
        os.makedirs(folder, exist_ok=True)
        tmp = f"{folder}/.{name}.{os.getpid()}"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        for old in os.listdir(folder):
            if old != name and not old.startswith("."):
                os.unlink(os.path.join(folder, old))
    except OSError:
        pass
