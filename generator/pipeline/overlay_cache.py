"""One overlay in ``check``, remembered: a clean result is reused while every input is byte-identical.

Like ruff's and mypy's caches, and only for what can be proven unchanged. A generated-only overlay (built in
process) that ``check`` found clean — up to date, no error, not failed under ``--strict`` — is recorded under
``.kaptain-gitops/cache/check/`` by a digest of:

* the run's inputs (:func:`generator.pipeline.fingerprint.add_tool`: the tool's code, templates, the schemas every
  run reads, the libraries, Python, and the options that change a finding) plus ``--kustomize``;
* the overlay: its path and the names and bytes of every file below it (settings.yaml, generated files, patches,
  resources, jobs, hidden files too).

The entry also names the two inputs that depend on the settings: the Kubernetes schema folder the overlay was
validated against (its bytes' digest) and the time zone its schedule was analysed in (the bytes of the TZif file
zoneinfo reads for it); a hit needs both unchanged. A hit still reads settings.yaml (the report carries the
settings: JSON figures, kommander, notices) and returns the recorded warnings, so the report is the one a full check
gives. Symlinks, kubeconform runs (they need the rendered files), ``--no-cache`` and failures are never cached.
"""

from __future__ import annotations

import marshal
import os

from generator.pipeline import fingerprint
from generator.pipeline.records import Options, OverlayReport
from generator.problems import Problem
from generator.records import Bound
from generator.tzif_source import read_tzif
from generator.write import discovery

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Callable

    from generator.config.settings import Settings

# The entries are ``marshal`` data (no ``json`` import on a warm check, #16); the key holds the tool digest, which holds
# the Python version, and marshal's format follows that version.
FORMAT = b"kaptain-gitops overlay check cache 3\0"
ENTRY_SUFFIX = ".entry"
MANY = 8  # from this many overlays on, hashing their files with OpenSSL pays for loading it


def _load_settings(path: str, root: str, display: str) -> Settings:
    from generator.config.settings import load_settings

    return load_settings(path, root, display).settings


def _zone_digest(zone: str | None) -> str:
    if zone is None:
        return "no zone"
    data = read_tzif(zone)
    return "absent" if data is None else fingerprint.sha256(data).hexdigest()


class Session:
    """The cache for one ``check`` run (picklable: worker processes get a copy)."""

    __slots__ = ("_versions", "many", "opts", "run_key")

    def __init__(self, opts: Options, run_key: str, many: bool = True,
                 versions: dict[str, str | None] | None = None) -> None:
        self.opts = opts
        self.run_key = run_key
        self.many = many  # the run checks many overlays: their files are hashed by OpenSSL (fingerprint.sha256)
        self._versions: dict[str, str | None] = {} if versions is None else versions  # schema folder → digest

    def __reduce__(self) -> tuple[type[Session], tuple[Options, str, bool, dict[str, str | None]]]:
        return Session, (self.opts, self.run_key, self.many, self._versions)

    @classmethod
    def start(cls, opts: Options, tool: Callable[[], str | None] | None = None, overlays: int = MANY) -> Session | None:
        """The session of a run (``tool``: the run's :func:`~generator.pipeline.fingerprint.tool_digest`; ``overlays``:
        how many it checks), or None when the run cannot use the cache."""
        if not opts.cache or opts.keep_files or opts.force or opts.kustomize not in ("auto", "internal"):
            return None
        tool_key = tool() if tool is not None else fingerprint.tool_digest(opts)
        if tool_key is None:
            return None
        h = fingerprint.sha256(FORMAT)
        h.update(tool_key.encode())
        h.update(repr(opts.kustomize).encode())
        return cls(opts, h.hexdigest(), overlays >= MANY)

    def key(self, o: discovery.Overlay) -> str | None:
        h = fingerprint.sha256(self.run_key.encode(), large=self.many)
        h.update(f"{o.rel}\0".encode("utf-8", "surrogateescape"))
        try:
            fingerprint.add_tree(h, o.dir, "overlay")
        except (fingerprint.Uncacheable, OSError):
            return None
        return h.hexdigest()

    def _version_digest(self, version_dir: str) -> str | None:
        if version_dir not in self._versions:
            self._versions[version_dir] = fingerprint.tree_digest(
                self.opts, os.path.join(self.opts.schema_dir, "kubernetes", version_dir), version_dir)
        return self._versions[version_dir]

    def _entry(self, o: discovery.Overlay, key: str) -> str:
        folder = fingerprint.sha256(o.rel.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return os.path.join(self.opts.root_dir, discovery.STATE_DIR, "cache", "check", "overlays", folder,
                            key + ENTRY_SUFFIX)

    def lookup(self, o: discovery.Overlay, key: str) -> OverlayReport | None:
        """The report a full check would give, when a clean check with the same inputs was recorded."""
        try:
            with open(self._entry(o, key), "rb") as fh:
                entry = marshal.loads(fh.read())
        except (OSError, ValueError, EOFError, TypeError):
            return None
        if not _well_formed(entry):
            return None
        version_dir, version_digest, zone, zone_digest, chart_mode, recorded = entry
        problems = [Problem(file, line, col, "warning", rule, message)
                    for file, line, col, _level, rule, message in recorded]
        if self._version_digest(version_dir) != version_digest or _zone_digest(zone) != zone_digest:
            return None
        # The report carries the settings (JSON figures); they are read when asked for: the key holds settings.yaml's
        # bytes and the tool, so they load as they did when this entry was recorded (its time zone included).
        load = Bound(_load_settings, o.settings_file, self.opts.root_dir, o.settings_rel)
        return OverlayReport.remembered(o.rel, problems, load, chart_mode)

    def record(self, o: discovery.Overlay, key: str, r: OverlayReport) -> None:
        """Remember a clean result (a cache that cannot be written only costs speed)."""
        from generator.validate.kubernetes_versions import schema_dir_name

        assert r.settings is not None and r.status == "up-to-date" and not r.errors and not r.changes
        version_dir = schema_dir_name(self.opts.kubernetes_version or r.settings.kubernetes_version)
        version_digest = self._version_digest(version_dir)
        if version_digest is None:
            return
        entry = (version_dir, version_digest, r.settings.time_zone, _zone_digest(r.settings.time_zone),
                 bool(r.settings.chart_mode), [(p.file, p.line, p.col, p.level, p.rule, p.message) for p in r.problems])
        fingerprint.write_entry(self._entry(o, key), marshal.dumps(entry))


def _well_formed(entry: object) -> bool:
    """An entry :meth:`Session.record` writes: (schema folder, its digest, zone or None, zone digest, chart mode,
    warnings as (file, line, col, "warning", rule, message)); anything else (damaged, foreign) is a miss."""
    return type(entry) is tuple and len(entry) == 6 and type(entry[0]) is str and type(entry[1]) is str \
        and (entry[2] is None or type(entry[2]) is str) and type(entry[3]) is str and type(entry[4]) is bool \
        and type(entry[5]) is list and all(
            type(p) is tuple and len(p) == 6 and type(p[0]) is str and type(p[1]) is int and type(p[2]) is int
            and p[3] == "warning" and type(p[4]) is str and type(p[5]) is str for p in entry[5])
