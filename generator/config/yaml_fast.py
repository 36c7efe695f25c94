"""The plain shape of YAML nearly every settings file has, read without PyYAML (``validate`` start-up, #16).

Importing PyYAML costs ~15 ms (its reader compiles a large regular expression at import), more than the rest
of ``validate`` together. :func:`compose` reads only this subset and returns ``None`` for anything else, and
:func:`generator.config.yaml_source.parse` then hands the text to PyYAML, so every error and every unusual
construct is still PyYAML's (same messages, same positions):

* ASCII text, at most 16 KiB, no tab, no carriage return, no ``---``/``...``/``%`` line;
* block mappings of plain keys (a letter or ``_``, then letters, digits, ``_ . - /``) at column 1 or indented deeper than their parent,
  no duplicate key; block sequences of scalars (``- value``), indented or at their key's indentation;
* scalars on one line: double-quoted without ``\\``, single-quoted without ``''``, or plain from a small
  character set (no space, ``#``, ``*``, ``&``, ``!``, ``|``, ``>``, quotes, brackets or braces); ``# comments``.

A node is a tuple: ``(SCALAR, line, col, text, style)`` with style ``None``, ``'"'`` or ``"'"``;
``(MAPPING, line, col, [(key, key line, key col, node), ...])``; ``(SEQUENCE, line, col, [node, ...])``.
Positions are 1-based and are where PyYAML's nodes start (a block collection at its first key or ``-``).
``tests/test_yaml_fast.py`` compares the result with PyYAML's on every example and on generated documents.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate starts without importing typing (#16)
if TYPE_CHECKING:
    from typing import Any

SCALAR, MAPPING, SEQUENCE = 0, 1, 2
MAX_TEXT = 16 * 1024
MAX_DEPTH = 32
MAX_SCALAR = 8192

_KEY_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_KEY_CHARS = _KEY_FIRST | frozenset("0123456789.-/")
_PLAIN_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./+")
_PLAIN_CHARS = _PLAIN_FIRST | frozenset("-:@=")


class _Unsupported(Exception):
    """Outside the subset: PyYAML reads the text instead."""


def compose(text: str) -> Any:
    """The document's root node, or ``None`` when the text is outside the subset (or has no content)."""
    if len(text) > MAX_TEXT or not text.isascii() or "\t" in text or "\r" in text:
        return None
    lines: list[tuple[int, int, str]] = []  # (1-based line, indent, content without trailing spaces)
    for number, raw in enumerate(text.split("\n"), start=1):
        content = raw.rstrip(" ")
        stripped = content.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        if raw.startswith(("---", "...", "%")):
            return None
        lines.append((number, len(content) - len(stripped), stripped))
    if not lines or lines[0][1] != 0:
        return None
    try:
        end, node = _block(lines, 0, 0, 0)
    except _Unsupported:
        return None
    return node if end == len(lines) else None


def _block(lines: list[tuple[int, int, str]], i: int, indent: int, depth: int) -> tuple[int, Any]:
    """The mapping or sequence starting at ``lines[i]`` (indented ``indent``): (index after it, node)."""
    if depth > MAX_DEPTH:
        raise _Unsupported
    content = lines[i][2]
    if content == "-" or content.startswith("- "):
        return _sequence(lines, i, indent, False)
    return _mapping(lines, i, indent, depth)


def _mapping(lines: list[tuple[int, int, str]], i: int, indent: int, depth: int) -> tuple[int, Any]:
    items: list[tuple[str, int, int, Any]] = []
    seen: set[str] = set()
    while i < len(lines):
        number, ind, content = lines[i]
        if ind < indent:
            break
        if ind > indent:
            raise _Unsupported
        colon = content.find(":")
        key = content[:colon]
        if (colon <= 0 or content[0] not in _KEY_FIRST or not _KEY_CHARS.issuperset(key)
                or content[colon + 1:colon + 2] not in ("", " ") or key in seen):
            raise _Unsupported
        seen.add(key)
        rest = content[colon + 1:]
        value_col = indent + colon + 2 + (len(rest) - len(rest.lstrip(" ")))
        rest = rest.lstrip(" ")
        i += 1
        if rest and not rest.startswith("#"):
            node: Any = _scalar(rest, number, value_col)
        elif i < len(lines) and lines[i][1] > indent:
            i, node = _block(lines, i, lines[i][1], depth + 1)
        elif i < len(lines) and lines[i][1] == indent and (lines[i][2] == "-" or lines[i][2].startswith("- ")):
            i, node = _sequence(lines, i, indent, True)
        else:
            raise _Unsupported  # an empty value: PyYAML places its null where the next token starts
        items.append((key, number, indent + 1, node))
    return i, (MAPPING, items[0][1], indent + 1, items)


def _sequence(lines: list[tuple[int, int, str]], i: int, indent: int, in_mapping: bool) -> tuple[int, Any]:
    """Items ``- value`` at ``indent``; ``in_mapping``: the sequence sits at its key's indentation."""
    items: list[Any] = []
    first = lines[i][0]
    while i < len(lines):
        number, ind, content = lines[i]
        if ind < indent:
            break
        if ind > indent:
            raise _Unsupported
        if not content.startswith("- "):
            if in_mapping and content != "-":
                break  # the next key of the mapping the sequence belongs to
            raise _Unsupported
        rest = content[2:]
        col = indent + 3 + (len(rest) - len(rest.lstrip(" ")))
        rest = rest.lstrip(" ")
        if not rest or rest.startswith("#"):
            raise _Unsupported
        items.append(_scalar(rest, number, col))
        i += 1
    return i, (SEQUENCE, first, indent + 1, items)


def _scalar(text: str, line: int, col: int) -> tuple[int, int, int, str, str | None]:
    """A one-line scalar and what may follow it on the line (spaces, then a comment)."""
    if text[0] in "\"'":
        quote = text[0]
        close = text.find(quote, 1)
        value, after = text[1:close], text[close + 1:]
        if close < 0 or "\\" in value or after[:1] not in ("", " ") or (after.strip(" ") and
                                                                       not after.strip(" ").startswith("#")):
            raise _Unsupported
        style: str | None = quote
    else:
        cut = text.find(" #")
        value = (text if cut < 0 else text[:cut]).rstrip(" ")
        if value != "~" and (value[0] not in _PLAIN_FIRST or not _PLAIN_CHARS.issuperset(value)
                             or value.endswith(":")):
            raise _Unsupported
        style = None
    if len(value) > MAX_SCALAR:
        raise _Unsupported
    return (SCALAR, line, col, value, style)
