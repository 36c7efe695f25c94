"""Where a zone's TZif file comes from, without importing ``zoneinfo`` (it loads ``datetime``; a warm ``check`` only
fingerprints the file, #16): :func:`tzpath` is ``zoneinfo.TZPATH`` and :func:`read_tzif` the bytes ``zoneinfo``
would load. The analysis (:mod:`generator.schedule.tzfile`) and the result caches read zones through these two functions alone."""

from __future__ import annotations

import os
import sys

__all__ = ["read_tzif", "tzpath"]


def tzpath() -> tuple[str, ...]:
    """``zoneinfo.TZPATH``: the module's own value once it is imported (it can be reset), else what its import
    computes (``PYTHONTZPATH``, else the ``TZPATH`` Python was built with; an entry that is not absolute makes that
    import warn, so then it is imported). ``tests/test_fingerprint.py`` compares them."""
    module = sys.modules.get("zoneinfo")
    if module is not None:
        return tuple(module.TZPATH)
    raw = os.environ.get("PYTHONTZPATH", None)
    if raw is None:
        raw = built_tzpath()
    if not raw:
        return ()
    entries = raw.split(os.pathsep)
    if all(os.path.isabs(entry) for entry in entries):
        return tuple(entries)
    import zoneinfo

    return tuple(zoneinfo.TZPATH)


def built_tzpath() -> str | None:
    """``sysconfig.get_config_var("TZPATH")`` (the ``TZPATH`` Python was built with) without importing ``sysconfig``
    (#16): read from the ``_sysconfigdata`` module ``sysconfig`` reads it from, named as ``sysconfig`` names it;
    ``sysconfig`` itself when it is imported already or that module cannot be (``tests/test_fingerprint.py``)."""
    variables = None
    if "sysconfig" not in sys.modules and os.name == "posix" and "_PYTHON_SYSCONFIGDATA_PATH" not in os.environ:
        multiarch = getattr(sys.implementation, "_multiarch", "")
        name = os.environ.get("_PYTHON_SYSCONFIGDATA_NAME", f"_sysconfigdata_{sys.abiflags}_{sys.platform}_{multiarch}")
        try:
            variables = __import__(name).build_time_vars
        except (ImportError, AttributeError):  # then sysconfig itself (no contextlib on a warm check, #16)
            variables = None
    if variables is not None:
        value = variables.get("TZPATH")
    else:
        import sysconfig

        value = sysconfig.get_config_var("TZPATH")
    return value if value is None or isinstance(value, str) else str(value)


def read_tzif(key: str) -> bytes | None:
    """The TZif bytes zoneinfo would load for ``key`` (TZPATH first, then the tzdata package), or None."""
    for base in tzpath():
        path = os.path.join(base, key)
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                return handle.read()
    try:
        import importlib.resources

        return importlib.resources.files("tzdata").joinpath("zoneinfo", *key.split("/")).read_bytes()
    except (ImportError, OSError, ValueError):
        return None
