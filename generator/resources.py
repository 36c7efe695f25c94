"""Where the shipped data lives: ``templates/`` and ``schemas/``.

In a checkout (or an editable install) they sit beside the package; a wheel installs them under
``<prefix>/share/kaptain-gitops/``. ``KAPTAIN_GITOPS_DATA`` overrides both.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path


@functools.cache
def data_root() -> Path:
    override = os.environ.get("KAPTAIN_GITOPS_DATA")
    candidates = [Path(override)] if override else []
    candidates.append(Path(__file__).resolve().parent.parent)
    candidates.append(Path(sys.prefix) / "share" / "kaptain-gitops")  # a venv's data path: no sysconfig import
    for c in candidates:
        if _holds_data(c):
            return c
    import sysconfig

    other = Path(sysconfig.get_path("data")) / "share" / "kaptain-gitops"
    return other if _holds_data(other) else candidates[0]


def _holds_data(c: Path) -> bool:
    return (c / "templates" / "cronjob.yaml.j2").is_file() and (c / "schemas" / "settings.schema.json").is_file()


def templates_dir() -> Path:
    return data_root() / "templates"


def schemas_dir() -> Path:
    return data_root() / "schemas"
