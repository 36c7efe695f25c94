"""The result caches' fingerprints (generator.pipeline.fingerprint): a content digest remembered by a stat signature
is always the digest the content gives, every change of a file forgets it, and files written within the last
seconds are never remembered (the "racily clean" rule)."""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.pipeline import fingerprint
from generator.pipeline.records import Options
from generator.resources import schemas_dir, templates_dir
from generator.tzif_source import read_tzif, tzpath
from tests.conftest import after_a_tick

VERSION = "v1.35.0-standalone-strict"


def _content_tool(opts: Options) -> str:
    h = hashlib.sha256()
    fingerprint.add_tool(h, opts)
    return h.hexdigest()


def _content_tree(directory: Path, label: str) -> str:
    h = hashlib.sha256()
    fingerprint.add_tree(h, directory, label)
    return h.hexdigest()


def _memos(root: Path, what: str) -> list[str]:
    folder = root / ".kaptain-gitops" / "cache" / "check" / "memo" / what
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _listed(root: Path, what: str, context: str | None = None) -> str | None:
    """What the list memo of ``what`` answers now (None: no memo, or a path's stamp changed)."""
    file = root / ".kaptain-gitops" / "cache" / "check" / "memo" / (what + fingerprint.LIST_SUFFIX)
    if not file.is_file():
        return None
    recorded_context = marshal.loads(file.read_bytes())[1]
    return fingerprint._listed(str(file), recorded_context if context is None else context)


@pytest.fixture
def tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Options, Path, Path, Path]:
    """A copy of the tool (package, templates, schemas) the fingerprint reads, and options naming it."""
    package = shutil.copytree(fingerprint.PACKAGE_DIR, tmp_path / "generator",
                              ignore=shutil.ignore_patterns("__pycache__"))
    templates = shutil.copytree(templates_dir(), tmp_path / "templates")
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for name in ("settings.schema.json", "gitops.schema.json"):
        shutil.copy2(schemas_dir() / name, schemas / name)
    shutil.copytree(schemas_dir() / "crds", schemas / "crds")
    shutil.copytree(schemas_dir() / "kubernetes" / VERSION, schemas / "kubernetes" / VERSION)
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", str(package))
    monkeypatch.setattr(fingerprint, "templates_dir", lambda: templates)
    root = tmp_path / "repo"
    root.mkdir()
    return Options(root=root, schema_root=schemas), package, templates, schemas


def _pretend_old(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as written long ago (the clock runs a minute ahead): signatures may be remembered."""
    monkeypatch.setattr(fingerprint, "_now_ns", lambda: time.time_ns() + 60_000_000_000)


def test_a_remembered_digest_is_the_content_digest_and_skips_reading(
        tool: tuple[Options, Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    opts, _package, _templates, schemas = tool
    _pretend_old(monkeypatch)
    first = fingerprint.tool_digest(opts)
    version = fingerprint.tree_digest(opts, schemas / "kubernetes" / VERSION, VERSION)
    assert first == _content_tool(opts) and version == _content_tree(schemas / "kubernetes" / VERSION, VERSION)
    assert len(_memos(opts.root, "tool")) == 1

    real = fingerprint.add_file

    def no_reading(h: hashlib._Hash, path: str, label: str, stats: fingerprint.Stats | None = None) -> None:
        assert stats is not None, "content read although the signature was remembered"
        real(h, path, label, stats)

    monkeypatch.setattr(fingerprint, "add_file", no_reading)
    assert fingerprint.tool_digest(opts) == first
    assert fingerprint.tree_digest(opts, schemas / "kubernetes" / VERSION, VERSION) == version


def test_files_written_within_the_last_seconds_are_never_remembered(tool: tuple[Options, Path, Path, Path]) -> None:
    opts, _package, _templates, schemas = tool  # just copied: every file is racy
    assert fingerprint.tool_digest(opts) == _content_tool(opts)
    assert fingerprint.tree_digest(opts, schemas / "kubernetes" / VERSION, VERSION) is not None
    memo = opts.root / ".kaptain-gitops" / "cache" / "check" / "memo"
    assert not memo.exists() or not any(p.is_file() for p in memo.rglob("*"))


def _same_size_edit(path: Path) -> None:
    data = path.read_bytes()
    flipped = data[:-2] + (b"\n" if data[-2:-1] != b"\n" else b" ") + data[-1:]
    assert len(flipped) == len(data) and flipped != data
    stat = os.lstat(path)
    with open(path, "r+b") as fh:  # in place: same inode, same size
        fh.write(flipped)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the old modification time back


def _replaced(path: Path) -> None:
    """Another file of the same size and modification time renamed over ``path`` (as an installer writes)."""
    tmp = path.with_suffix(".tmp")
    shutil.copy2(path, tmp)
    _same_size_edit(tmp)
    os.utime(tmp, ns=(os.lstat(path).st_atime_ns, os.lstat(path).st_mtime_ns))
    os.replace(tmp, path)


CHANGES: dict[str, Callable[[Path, Path, Path], None]] = {
    "same-size edit of code, old mtime put back": lambda p, t, s: _same_size_edit(p / "pipeline" / "fleet.py"),
    "new module": lambda p, t, s: (p / "render" / "new.py").write_text("", encoding="utf-8") and None,
    "removed module": lambda p, t, s: (p / "pipeline" / "trigger.py").unlink(),
    "renamed module": lambda p, t, s: (p / "pipeline" / "verify.py").rename(p / "pipeline" / "verify2.py"),
    "replaced through a rename (new inode)": lambda p, t, s: _replaced(p / "errors.py"),
    "template edit": lambda p, t, s: _same_size_edit(t / "cronjob.yaml.j2"),
    "settings schema edit": lambda p, t, s: _same_size_edit(s / "settings.schema.json"),
    "CRD schema edit": lambda p, t, s: _same_size_edit(next((s / "crds").rglob("*.json"))),
    "new CRD schema": lambda p, t, s: (s / "crds" / "extra.json").write_text("{}", encoding="utf-8") and None,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_of_a_file_forgets_the_remembered_digest(
        change: str, tool: tuple[Options, Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    opts, package, templates, schemas = tool
    _pretend_old(monkeypatch)
    before = fingerprint.tool_digest(opts)
    assert before == _content_tool(opts) and len(_memos(opts.root, "tool")) == 1
    assert _listed(opts.root, "tool") == before  # the list memo a warm check answers from is there too
    after_a_tick(opts.root.parent)
    CHANGES[change](package, templates, schemas)
    assert _listed(opts.root, "tool") is None  # the list memo sees the change (the oracle below: the content)
    after = fingerprint.tool_digest(opts)
    assert after == _content_tool(opts) and after != before
    assert _listed(opts.root, "tool") == after
    assert fingerprint.tool_digest(opts) == after  # remembered again (the latest only)
    assert len(_memos(opts.root, "tool")) == 1


def test_the_list_memo_answers_without_walking_and_only_in_its_context(
        tool: tuple[Options, Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm check's digests come from the list memo (one lstat per path, no walk, no hashing); another context
    (options, a library found elsewhere, another folder) is a miss and gives that context's content digest."""
    opts, _package, _templates, schemas = tool
    folder = schemas / "kubernetes" / VERSION
    _pretend_old(monkeypatch)
    first, version = fingerprint.tool_digest(opts), fingerprint.tree_digest(opts, folder, VERSION)
    real_walk = os.walk

    def no_walk(*args: object, **kwargs: object) -> object:
        raise AssertionError("walked although the list memo holds the digest")

    monkeypatch.setattr(fingerprint.os, "walk", no_walk)
    assert fingerprint.tool_digest(opts) == first and fingerprint.tree_digest(opts, folder, VERSION) == version
    monkeypatch.setattr(fingerprint.os, "walk", real_walk)
    strict = opts.replace(strict=True)
    assert fingerprint.tool_digest(strict) == _content_tool(strict) != first
    real_find_spec = fingerprint.find_spec

    def elsewhere(name: str) -> object:
        spec = real_find_spec(name)
        if name == "yaml" and spec is not None:
            import importlib.machinery

            moved = importlib.machinery.ModuleSpec(name, None, origin=str(folder / "__init__.py"), is_package=True)
            moved.submodule_search_locations = [str(folder)]
            return moved
        return spec

    monkeypatch.setattr(fingerprint, "find_spec", elsewhere)
    moved = fingerprint.tool_digest(opts)
    assert moved == _content_tool(opts) and moved != first
    monkeypatch.setattr(fingerprint, "find_spec", real_find_spec)
    copy = shutil.copytree(folder, schemas / "kubernetes" / "copy")
    assert fingerprint.tree_digest(opts, copy, VERSION) == _content_tree(copy, VERSION) == version  # same bytes


def test_a_damaged_list_memo_is_ignored(tool: tuple[Options, Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    opts, _package, _templates, _schemas = tool
    _pretend_old(monkeypatch)
    expected = fingerprint.tool_digest(opts)
    file = opts.root / ".kaptain-gitops" / "cache" / "check" / "memo" / ("tool" + fingerprint.LIST_SUFFIX)
    identity, context, seen, digest = marshal.loads(file.read_bytes())
    wrong = "0" * 64
    for bad in (b"", b"{x", marshal.dumps([]), marshal.dumps(("other", context, seen, wrong)),
                marshal.dumps((identity, "other context", seen, wrong)),
                marshal.dumps((identity, context, [(1, None), *seen], wrong)),
                marshal.dumps((identity, context, [("/no/such/file", (1, 2, 3, 4, 5, 6)), *seen], wrong)),
                marshal.dumps((identity, context, [(seen[0][0], (1, 2, 3, 4, 5, 6)), *seen[1:]], wrong)),
                marshal.dumps((identity, context, [(seen[0][0],), *seen], wrong)),
                marshal.dumps((identity, context, seen, "short")), marshal.dumps((identity, context, seen, digest))[:-5]):
        file.write_bytes(bad)
        assert fingerprint.tool_digest(opts) == expected


def test_a_changed_schema_folder_is_seen(tool: tuple[Options, Path, Path, Path],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    opts, _package, _templates, schemas = tool
    folder = schemas / "kubernetes" / VERSION
    _pretend_old(monkeypatch)
    before = fingerprint.tree_digest(opts, folder, VERSION)
    after_a_tick(opts.root.parent)
    _same_size_edit(folder / "configmap-v1.json")
    after = fingerprint.tree_digest(opts, folder, VERSION)
    assert after == _content_tree(folder, VERSION) and after != before


def test_a_symlink_makes_the_tool_unfingerprinted_even_when_remembered(
        tool: tuple[Options, Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    opts, package, _templates, _schemas = tool
    _pretend_old(monkeypatch)
    assert fingerprint.tool_digest(opts) is not None
    (package / "link.py").symlink_to(package / "errors.py")
    assert fingerprint.tool_digest(opts) is None


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Australia/Lord_Howe", "UTC", "America/Santiago", "Etc/GMT+5",
                                  "Nowhere/Atlantis"])
@pytest.mark.parametrize("tzpath", ["system", "none"])
def test_zone_bytes_are_the_file_zoneinfo_loads(zone: str, tzpath: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """tzif_source.read_tzif (the bytes the analysis parses and the overlay cache fingerprints) is the file zoneinfo
    loads for the zone: the first TZPATH entry that has it, else the tzdata package; None where neither has it."""
    import importlib.resources
    import zoneinfo

    if tzpath == "none":  # the tzdata package, when installed
        monkeypatch.setattr(zoneinfo, "TZPATH", ())
    found = next((os.path.join(base, zone) for base in zoneinfo.TZPATH if os.path.isfile(os.path.join(base, zone))),
                 None)
    if found is not None:
        with open(found, "rb") as handle:
            expected: bytes | None = handle.read()
    else:
        try:
            expected = importlib.resources.files("tzdata").joinpath("zoneinfo", *zone.split("/")).read_bytes()
        except (ImportError, OSError, ValueError):
            expected = None
    assert read_tzif(zone) == expected
    if tzpath == "system":  # (zoneinfo's own search reads its private copy of TZPATH, not the patched one)
        try:
            zoneinfo.ZoneInfo.no_cache(zone)
            loads = True
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            loads = False
        assert (expected is not None) == loads == (zone != "Nowhere/Atlantis")  # found where zoneinfo finds it


def test_the_small_and_the_large_sha256_agree() -> None:
    """fingerprint.sha256: the built-in module for small inputs (no OpenSSL load on a warm check), OpenSSL's for large
    ones; the same digests."""
    data = bytes(range(256)) * 1000
    small, large = fingerprint.sha256(data), fingerprint.sha256(data, large=True)
    assert small.hexdigest() == large.hexdigest() == hashlib.sha256(data).hexdigest()
    assert type(large) is type(hashlib.sha256())
    if fingerprint._builtin_sha256 and fingerprint._builtin_sha256[0] is not None:
        assert type(small) is not type(large)
    h = fingerprint.sha256(b"a")
    h.update(b"bc")
    assert h.hexdigest() == hashlib.sha256(b"abc").hexdigest()


@pytest.mark.parametrize("env", [None, "", "/usr/share/zoneinfo", "/a:/b/c", "relative:/abs"])
def test_tzpath_without_zoneinfo_is_zoneinfo_tzpath(env: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """tzif_source.tzpath() (no zoneinfo import on a hit) gives what importing zoneinfo computes."""
    import sys
    import warnings
    import zoneinfo

    if env is None:
        monkeypatch.delenv("PYTHONTZPATH", raising=False)
    else:
        monkeypatch.setenv("PYTHONTZPATH", env)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zoneinfo.reset_tzpath()  # what the import computes, under this environment
            expected = zoneinfo.TZPATH
            assert tzpath() == expected  # zoneinfo imported: its own value
            monkeypatch.delitem(sys.modules, "zoneinfo")
            assert tzpath() == expected  # not imported: computed the same way
            assert ("zoneinfo" in sys.modules) == (env == "relative:/abs")  # imported only to warn as it does
    finally:
        monkeypatch.undo()
        zoneinfo.reset_tzpath()


@pytest.mark.parametrize("name", [*fingerprint.LIBRARIES, "tzdata", "json", "os", "no_such_module_here"])
def test_find_spec_is_importlib_find_spec(name: str) -> None:
    """fingerprint.find_spec (no importlib.util on a warm check) finds what importlib.util.find_spec finds, for a
    module imported already and for one that is not."""
    import importlib.util
    import sys

    expected = importlib.util.find_spec(name)
    found = fingerprint.find_spec(name)
    assert (found is None) == (expected is None)
    if found is not None and expected is not None:
        assert (found.name, found.origin, found.submodule_search_locations) == (
            expected.name, expected.origin, expected.submodule_search_locations)
    if name in sys.modules:
        assert found is sys.modules[name].__spec__


def test_built_tzpath_is_sysconfig_tzpath(monkeypatch: pytest.MonkeyPatch) -> None:
    """tzif_source.built_tzpath reads the TZPATH Python was built with from the module sysconfig reads it from,
    without importing sysconfig; the same value sysconfig gives."""
    import subprocess
    import sys
    import sysconfig

    from generator.tzif_source import built_tzpath

    expected = sysconfig.get_config_var("TZPATH")
    assert built_tzpath() == expected  # sysconfig imported: its own value
    code = ("import sys; from generator.tzif_source import built_tzpath; value = built_tzpath(); "
            "print(repr((value, 'sysconfig' in sys.modules)))")
    out = subprocess.run([sys.executable, "-S", "-c", f"import sys; sys.path[:0] = {sys.path!r}; {code}"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == repr((expected, False))  # not imported: the same value, and sysconfig stays out
