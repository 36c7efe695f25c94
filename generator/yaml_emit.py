"""Safe, deterministic YAML emission used by the templates (filters) and by re-serialisation.

* :func:`scalar` — one value as a JSON literal, which is also a valid YAML flow scalar, so no user
  string can change the document's structure (newlines, quotes, ``: ``, ``#``, ``{{ }}`` all stay text).
* :func:`block` — a list or mapping as block YAML, indented to sit under a template key.
* :func:`text` — a multi-line string as a literal block (``|``) when YAML allows it, else quoted.
"""

from __future__ import annotations

import json
import re
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


_UNSAFE_IN_BLOCK = re.compile(r"[^\t\n\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]")


def text(value: str, width: int) -> str:
    """A multi-line string as a YAML literal block indented by ``width`` (falls back to a JSON scalar).

    Literal blocks keep scripts readable in review. They are used only when they round-trip exactly:
    no carriage returns or other control characters, no trailing blanks on a line, no leading blank on
    the first line (which would need an indentation indicator) and exactly one final newline.
    """
    if not isinstance(value, str):
        raise TypeError(f"text filter got {type(value).__name__}")
    lines = value.split("\n")
    block_ok = (
        value.endswith("\n")
        and not value.endswith("\n\n")
        and not _UNSAFE_IN_BLOCK.search(value)
        and not value[:1].isspace()
        and all(line == line.rstrip(" \t") for line in lines)
    )
    if not block_ok:
        return scalar(value)
    pad = " " * (width + 2)
    return "|\n" + "\n".join(pad + line if line else "" for line in lines[:-1])
