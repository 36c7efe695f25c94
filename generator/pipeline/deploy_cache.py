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
The tool's and the schema folder's digests come through :mod:`.fingerprint`'s stat-validated memo.
"""

from __future__ import annotations

import os

from generator.layout import CONFIG_FILE, DEPLOY_DIR
from generator.pipeline.fingerprint import (
    Uncacheable,
    add_file,
    add_tree,
    find_spec,
    sha256,
    tool_digest,
    tree_digest,
    write_entry,
)
from generator.records import Record
from generator.tzif_source import tzpath
from generator.write import discovery

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:
    import hashlib
    from collections.abc import Callable

    from generator.pipeline.records import Options

FORMAT = b"kaptain-gitops deploy/ check cache 1\0"
CLEAN = b"clean\n"
CLEAN_WITH_KOMMANDER = b"clean\nkommander\n"


def add_time_zones(h: hashlib._Hash) -> None:
    for base in tzpath():
        add_tree(h, base, f"tzpath:{base}", stat_only=True)
    spec = find_spec("tzdata")
    if spec is not None and spec.origin is not None:
        add_tree(h, os.path.dirname(spec.origin), "tzdata", stat_only=True)


def _settings_files(h: hashlib._Hash, tree: discovery.Tree) -> None:
    for o in tree.overlays:
        add_file(h, o.settings_file, o.settings_rel)


class Digest(Record):
    _fields = ("key", "reads_settings")
    __slots__ = _fields
    key: str
    reads_settings: bool  # the digest covers every overlay's settings (gitops.yaml mentions kommander)

    def __init__(self, key: str, reads_settings: bool) -> None:
        self._set(key, reads_settings)


def digest(opts: Options, tree: discovery.Tree, tool: Callable[[], str | None] | None = None) -> Digest | None:
    """The digest of everything deploy/'s check depends on, or None when this run cannot use the cache.

    ``tool``: this run's :func:`tool_digest`, when it has one."""
    if not opts.cache or opts.keep_files or opts.force or tree.settings_dirs is None:
        return None
    root = opts.root_dir  # strings: a warm check never imports pathlib (#16)
    if not os.path.isfile(os.path.join(root, CONFIG_FILE)):
        return None  # no gitops.yaml: deploy/ is only looked at for leftovers, nothing worth remembering
    from generator.validate.kubernetes_versions import DEFAULT_KUBERNETES_VERSION, schema_dir_name

    h = sha256(FORMAT, large=True)  # deploy/'s files (and, with kommander, every settings file)
    try:
        tool_key = tool() if tool is not None else tool_digest(opts)
        if tool_key is None:
            return None
        h.update(tool_key.encode())
        version_dir = schema_dir_name(opts.kubernetes_version or DEFAULT_KUBERNETES_VERSION)
        version_key = tree_digest(opts, os.path.join(opts.schema_dir, "kubernetes", version_dir),
                                  f"schemas/kubernetes/{version_dir}")
        if version_key is None:
            return None
        h.update(f"schemas/kubernetes/{version_dir}\0{version_key}\0".encode())
        config = os.path.join(root, CONFIG_FILE)
        if os.path.islink(config):
            return None
        with open(config, "rb") as fh:
            data = fh.read()
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
        add_tree(h, os.path.join(root, DEPLOY_DIR), DEPLOY_DIR)
    except (Uncacheable, OSError):
        return None
    return Digest(h.hexdigest(), reads_settings)


def _entry(opts: Options, key: str) -> str:
    return os.path.join(opts.root_dir, discovery.STATE_DIR, "cache", "check", "deploy", key)


def lookup(opts: Options, key: str) -> bool | None:
    """None when no run with this digest found deploy/ clean; else whether that run rendered deploy/kommander."""
    try:
        with open(_entry(opts, key), "rb") as fh:
            text = fh.read()
    except OSError:
        return None
    if text not in (CLEAN, CLEAN_WITH_KOMMANDER):
        return None
    return text == CLEAN_WITH_KOMMANDER


def record_clean(opts: Options, key: str, kommander: bool) -> None:
    """Remember a clean deploy/ for ``key``."""
    write_entry(_entry(opts, key), CLEAN_WITH_KOMMANDER if kommander else CLEAN)
