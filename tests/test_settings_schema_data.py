"""``generator/config/settings_schema_data.py`` is ``schemas/settings.schema.json``, exactly (#16).

``validate`` reads the settings schema from that generated module (no ``json`` at start-up). Edit the JSON file and
run ``make settings-schema``; until then these tests fail: the values, their types (``1`` is not ``1.0`` or
``true``) and the key order (the validator reports in schema order) must be the JSON file's, and the module's text
must be what the script writes today.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator.config import settings, settings_schema_data
from tests.conftest import load_script

REPO = Path(__file__).resolve().parents[1]


script = load_script("settings_schema_module")


def _typed(value: Any) -> Any:
    """``value`` with its types and key order made visible to ``==``."""
    if isinstance(value, dict):
        return ("dict", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, value)


def test_the_module_holds_the_json_file() -> None:
    loaded = json.loads((REPO / "schemas" / "settings.schema.json").read_text(encoding="utf-8"))
    assert _typed(settings_schema_data.SCHEMA) == _typed(loaded), \
        "schemas/settings.schema.json changed: run make settings-schema"
    assert settings.schema() is settings_schema_data.SCHEMA  # what validate uses


def test_the_module_is_what_the_script_writes() -> None:
    assert script.main(["--check"]) == 0, "run make settings-schema"
    assert script.TARGET.read_text(encoding="utf-8") == script.render(script.load())


def test_the_check_notices_a_difference() -> None:
    changed = script.load()
    changed["properties"]["ingress"]["properties"]["secretRotationSchedule"]["maxLength"] = 255
    assert script.render(changed) != script.TARGET.read_text(encoding="utf-8")
    reordered = dict(reversed(list(script.load().items())))
    assert _typed(reordered) != _typed(settings_schema_data.SCHEMA)
    assert _typed({"minimum": 1}) != _typed({"minimum": 1.0}) != _typed({"minimum": True})
