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

Only configurations whose deploy/ needs nothing else are recorded: no ``kommander:`` section (it reads every
overlay's settings) and ``overlaysPath: overlays``. Anything unusual (a symlink among the inputs, kubeconform on
PATH, ``--no-cache``) skips the cache. A run records its result only if the digest is the same after the check as
before it (nothing changed meanwhile). Failures are never recorded, so every problem is reported afresh.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from generator.pipeline.records import Options
from generator.resources import templates_dir
from generator.write import discovery

FORMAT = b"kaptain-gitops deploy/ check cache 1\0"
LIBRARIES = ("jinja2", "yaml", "jsonschema_rs")
CONFIG_FILE = "gitops.yaml"
DEPLOY_DIR = "deploy"
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the generator package: the tool's code


class _Uncacheable(Exception):
    pass


def _file(h: hashlib._Hash, path: str, label: str) -> None:
    if os.path.islink(path):
        raise _Uncacheable(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        h.update(f"{label}\0absent\0".encode())
        return
    except OSError:
        raise _Uncacheable(path) from None
    h.update(f"{label}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
    h.update(data)


def _tree(h: hashlib._Hash, directory: Path, label: str, *, stat_only: bool = False) -> None:
    """Names and bytes (or size and mtime) of every file below ``directory``, in a fixed order; a symlink anywhere
    makes the run uncacheable."""
    top = str(directory)
    if os.path.islink(top):
        raise _Uncacheable(top)
    if not os.path.isdir(top):
        h.update(f"{label}\0no folder\0".encode("utf-8", "surrogateescape"))
        return
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for d in dirnames:
            if os.path.islink(os.path.join(dirpath, d)):
                raise _Uncacheable(os.path.join(dirpath, d))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = f"{label}/{path[len(top) + 1:]}"
            if stat_only:
                st = os.stat(path)
                h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
            else:
                _file(h, path, rel)


def _libraries(h: hashlib._Hash) -> None:
    from importlib.util import find_spec

    h.update(f"python\0{sys.version}\0{sys.implementation.cache_tag}\0".encode())
    for name in LIBRARIES:
        spec = find_spec(name)
        if spec is None or spec.origin is None:
            raise _Uncacheable(name)
        origin = Path(spec.origin)
        if spec.submodule_search_locations:
            _tree(h, origin.parent, name, stat_only=True)
        else:
            st = origin.stat()
            h.update(f"{name}\0{origin}\0{st.st_size}\0{st.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))


def _crd_folder(location: str) -> Path:
    """The folder holding every file a ``--crd-schemas`` location can name (the part before any template variable)."""
    local = location.removeprefix("file://")
    static = local.split("{{", 1)[0]
    path = Path(static)
    return path if static.endswith("/") or path.is_dir() else path.parent


def digest(opts: Options, tree: discovery.Tree) -> str | None:
    """The digest of everything deploy/'s check depends on, or None when this run cannot use the cache."""
    if not opts.cache or opts.keep_files or opts.force or tree.settings_dirs is None:
        return None
    if not os.path.isfile(opts.root / CONFIG_FILE):
        return None  # no gitops.yaml: deploy/ is only looked at for leftovers, nothing worth remembering
    from generator.validate.manifest_schemas import DEFAULT_KUBERNETES_VERSION, schema_dir_name

    h = hashlib.sha256(FORMAT)
    try:
        _tree(h, PACKAGE_DIR, "generator")
        _tree(h, templates_dir(), "templates")
        schemas = opts.schema_root
        for name in ("settings.schema.json", "gitops.schema.json"):
            _file(h, str(schemas / name), f"schemas/{name}")
        _tree(h, schemas / "crds", "schemas/crds")
        version_dir = schema_dir_name(opts.kubernetes_version or DEFAULT_KUBERNETES_VERSION)
        _tree(h, schemas / "kubernetes" / version_dir, f"schemas/kubernetes/{version_dir}")
        _libraries(h)
        h.update(repr((opts.kubernetes_version, sorted(opts.skip), opts.crd_location, opts.strict)).encode())
        if opts.crd_location is not None:
            if "://" in opts.crd_location and not opts.crd_location.startswith("file://"):
                return None
            _tree(h, _crd_folder(opts.crd_location), "crd-schemas")
        root = opts.root
        _file(h, str(root / CONFIG_FILE), CONFIG_FILE)
        h.update("\0".join(["overlays", *(o.rel for o in tree.overlays)]).encode("utf-8", "surrogateescape"))
        h.update("\0".join(["settings", *tree.settings_dirs]).encode("utf-8", "surrogateescape"))
        _tree(h, root / DEPLOY_DIR, DEPLOY_DIR)
    except (_Uncacheable, OSError):
        return None
    return h.hexdigest()


def _entry(opts: Options, key: str) -> Path:
    return opts.root / discovery.STATE_DIR / "cache" / "check" / f"deploy-{key}"


def is_clean(opts: Options, key: str) -> bool:
    """True when a run with the same digest found deploy/ up to date without any problem."""
    return _entry(opts, key).is_file()


def record_clean(opts: Options, key: str) -> None:
    """Remember a clean deploy/ for ``key`` (a cache that cannot be written only costs speed)."""
    entry = _entry(opts, key)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_name(f".{entry.name}.{os.getpid()}")
        tmp.write_bytes(b"clean\n")
        os.replace(tmp, entry)
    except OSError:
        pass
