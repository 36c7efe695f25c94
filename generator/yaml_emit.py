"""Safe, deterministic YAML emission used by the templates (filters) and by re-serialisation.

* :func:`scalar` — one value as a JSON literal, which is also a valid YAML flow scalar, so no user
  string can change the document's structure (newlines, quotes, ``: ``, ``#``, ``{{ }}`` all stay text).
* :func:`block` — a list or mapping as block YAML, indented to sit under a template key.
* :func:`text` — a multi-line string as a literal block (``|``) when YAML allows it, else quoted.
"""

from __future__ import annotations

import json
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes multi-line strings as literal blocks and indents sequences under keys."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _represent_str)


def dump(value: Any) -> str:
    """Block YAML for ``value``: stable (insertion) key order, ASCII only, no line folding."""
    text: str = yaml.dump(
        value, Dumper=_Dumper, default_flow_style=False, sort_keys=False, allow_unicode=False,
        width=2**31 - 1, indent=2,
    )
    if text.endswith("\n...\n"):
        text = text[: -len("...\n")]
    return text


def scalar(value: Any) -> str:
    if value is not None and not isinstance(value, (str, int, float, bool)):
        raise TypeError(f"scalar filter got {type(value).__name__}; use block")
    return json.dumps(value, ensure_ascii=True)


def _indent_rest(text: str, width: int) -> str:
    lines = text.rstrip("\n").split("\n")
    pad = " " * width
    return "\n".join([lines[0]] + [pad + line if line else line for line in lines[1:]])


def block(value: Any, width: int) -> str:
    if not isinstance(value, (list, dict)):
        raise TypeError(f"block filter got {type(value).__name__}; use scalar")
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    return _indent_rest(dump(value), width)


def text(value: str, width: int) -> str:
    if not isinstance(value, str):
        raise TypeError(f"text filter got {type(value).__name__}")
    return _indent_rest(dump(value), width)
