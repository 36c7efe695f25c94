"""Where the shipped data lives: ``templates/`` and ``schemas/``.

In a checkout (or an editable install) they sit beside the package; a wheel installs them under
``<prefix>/share/kaptain-gitops/``. ``KAPTAIN_GITOPS_DATA`` overrides both.
"""

from __future__ import annotations

import functools
import os
import sys
import sysconfig
from pathlib import Path


@functools.cache
def data_root() -> Path:
    override = os.environ.get("KAPTAIN_GITOPS_DATA")
    candidates = [Path(override)] if override else []
    candidates.append(Path(__file__).resolve().parent.parent)
    candidates.append(Path(sysconfig.get_path("data")) / "share" / "kaptain-gitops")
    candidates.append(Path(sys.prefix) / "share" / "kaptain-gitops")
    for c in candidates:
        if (c / "templates" / "cronjob.yaml.j2").is_file() and (c / "schemas" / "settings.schema.json").is_file():
            return c
    return candidates[0]


def templates_dir() -> Path:
    return data_root() / "templates"


def schemas_dir() -> Path:
    return data_root() / "schemas"
