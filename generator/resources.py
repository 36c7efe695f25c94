"""Where the shipped data lives: ``templates/`` and ``schemas/``.

In a checkout (or an editable install) they sit beside the package; a wheel installs them under
``<prefix>/share/kaptain-gitops/``. ``KAPTAIN_GITOPS_DATA`` overrides both. Found with ``os.path``: ``validate``
starts without importing ``pathlib`` (#16; ``schema_file``).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate starts without importing typing (#16)
if TYPE_CHECKING:
    from pathlib import Path


_FOUND: list[str] = []  # data_root_path's answer, once found (by hand: functools imports collections, #16)


def data_root_path() -> str:
    if not _FOUND:
        _FOUND.append(_find_data_root())
    return _FOUND[0]


def _find_data_root() -> str:
    override = os.environ.get("KAPTAIN_GITOPS_DATA")
    candidates = [override] if override else []
    candidates.append(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    candidates.append(os.path.join(sys.prefix, "share", "kaptain-gitops"))  # a venv's data path: no sysconfig import
    for c in candidates:
        if _holds_data(c):
            return c
    import sysconfig

    other = os.path.join(sysconfig.get_path("data"), "share", "kaptain-gitops")
    return other if _holds_data(other) else candidates[0]


def _holds_data(c: str) -> bool:
    return (os.path.isfile(os.path.join(c, "templates", "cronjob.yaml.j2"))
            and os.path.isfile(os.path.join(c, "schemas", "settings.schema.json")))


def data_root() -> Path:
    from pathlib import Path

    return Path(data_root_path())


def templates_dir() -> Path:
    return data_root() / "templates"


def schemas_dir() -> Path:
    return data_root() / "schemas"


def schema_file(name: str) -> str:
    """The path of ``schemas/<name>`` (a string: no ``pathlib`` at ``validate``'s start-up)."""
    return os.path.join(data_root_path(), "schemas", name)
