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

# Plain (unquoted) strings are used only when no YAML 1.1 or 1.2 reader could take them for anything else.
_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./-]*\Z")
_PLAIN_RESERVED = re.compile(
    r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)\Z"
)


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"mapping keys must be strings, got {type(key).__name__}")
    return key if _PLAIN.match(key) and not _PLAIN_RESERVED.match(key) else json.dumps(key, ensure_ascii=True)


def _scalar_text(value: Any, indent: int) -> str:
    if isinstance(value, str):
        if "\n" in value.rstrip("\n") or value.endswith("\n"):
            return text(value, indent - 2)
        if _PLAIN.match(value) and not _PLAIN_RESERVED.match(value):
            return value
    return scalar(value)


def _emit(value: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{_key(k)}:")
                _emit(v, indent + 2, out)
            elif isinstance(v, (dict, list)):
                out.append(f"{pad}{_key(k)}: {'{}' if isinstance(v, dict) else '[]'}")
            else:
                out.append(f"{pad}{_key(k)}: {_scalar_text(v, indent + 2)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item:
                nested: list[str] = []
                _emit(item, indent + 2, nested)
                out.append(f"{pad}- {nested[0][indent + 2:]}")
                out.extend(nested[1:])
            elif isinstance(item, (dict, list)):
                out.append(f"{pad}- {'{}' if isinstance(item, dict) else '[]'}")
            else:
                out.append(f"{pad}- {_scalar_text(item, indent + 2)}")
    else:
        out.append(pad + _scalar_text(value, indent + 2))


def dump(value: Any) -> str:
    """Block YAML for ``value``: insertion key order, ASCII only, strings plain only when unambiguous.

    A small emitter of our own (not PyYAML's) so the bytes are the same on every machine, whether or
    not PyYAML has its C extension, and fast. Every caller's output is parsed back and checked.
    """
    lines: list[str] = []
    _emit(value, 0, lines)
    return "\n".join(lines) + "\n"


def load_all(text: str) -> list[Any]:
    """Parse a YAML stream (our own output, or kubectl's) with libyaml when available."""
    import yaml  # here: emitting needs no YAML library, only parsing back does (start-up)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return list(yaml.load_all(text, Loader=loader))


def load(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


_NON_ASCII = re.compile(r"[^\x20-\x7e]")


def scalar(value: Any) -> str:
    """One value as a literal that JSON and YAML (1.1 and 1.2) both read back as exactly ``value``.

    Strings are JSON-escaped; every character outside printable ASCII becomes ``\\uXXXX`` or, beyond
    the BMP, ``\\UXXXXXXXX`` (JSON's surrogate pairs are not valid YAML escapes).
    """
    if value is not None and not isinstance(value, (str, int, float, bool)):
        raise TypeError(f"scalar filter got {type(value).__name__}; use block")
    if isinstance(value, str):
        return _NON_ASCII.sub(_escape_char, json.dumps(value, ensure_ascii=False))
    return json.dumps(value)


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


# Everything but tab, newline, printable ASCII, U+00A0..U+D7FF and U+E000..U+FFFD, written as the complement's ranges:
# the same set, but the negated class took ~7 ms to compile at every start (tests/test_yaml_emit.py proves them equal).
_UNSAFE_IN_BLOCK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\U00010000-\U0010ffff]")


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
