"""The repository layout every layer names: an overlay's settings file, ``gitops.yaml`` and ``deploy/``.

One home below every layer, so the light paths (``validate``, a ``check`` in a repository without
``gitops.yaml``) can name them without importing the renderer that owns what they hold.
"""

from __future__ import annotations

SETTINGS_FILE = "settings.yaml"
CONFIG_FILE = "gitops.yaml"
DEPLOY_DIR = "deploy"
