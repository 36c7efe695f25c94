"""``json.dumps`` for YAML values, without importing ``json`` (``validate`` start-up, #16).

Settings messages quote values as JSON (``rotation.image is "nginx:latest"``, ``one of "Allow", "Forbid"``), and
``kaptainValues`` is kept as canonical JSON text. ``json`` imports ``re`` (with ``enum``, ``functools``,
``collections``) and compiles its patterns at import, a third of ``validate``'s own start-up. :func:`dumps` gives
the same text as ``json.dumps`` with its default options but ``ensure_ascii`` and ``separators``, for what a YAML
document holds (``None``, ``bool``, ``int``, ``float``, ``str``, ``list``/``tuple``, ``dict``) and raises
``TypeError`` like it for anything else; ``tests/test_json_text.py`` compares the two on generated values.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate starts without importing typing (#16)
if TYPE_CHECKING:
    from typing import Any

# What json's encoders escape besides the quote and the backslash: every character below U+0020.
_SHORT = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES = {chr(c): f"\\u{c:04x}" for c in range(0x20)} | _SHORT
_TABLE = str.maketrans(_ESCAPES)


def _string(text: str, ensure_ascii: bool) -> str:
    """``json.encoder.encode_basestring(_ascii)``: ``ensure_ascii`` also escapes all but ``' '``–``'~'``."""
    out = text.translate(_TABLE)
    if ensure_ascii and (not out.isascii() or "\x7f" in out):
        out = "".join(c if " " <= c <= "~" else _ascii_escape(c) for c in out)
    return f'"{out}"'


def _ascii_escape(c: str) -> str:
    n = ord(c)
    if n < 0x10000:
        return f"\\u{n:04x}"
    n -= 0x10000  # a UTF-16 surrogate pair, as json writes characters beyond the BMP
    return f"\\u{0xD800 | (n >> 10):04x}\\u{0xDC00 | (n & 0x3FF):04x}"


_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _float(value: float) -> str:
    text = float.__repr__(value)
    return _NON_FINITE.get(text, text)


def _key(key: Any, ensure_ascii: bool) -> str:
    if isinstance(key, str):
        return _string(key, ensure_ascii)
    if isinstance(key, float):
        return f'"{_float(key)}"'
    if key is True or key is False or key is None:
        return {True: '"true"', False: '"false"', None: '"null"'}[key]
    if isinstance(key, int):
        return f'"{int.__repr__(key)}"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def dumps(value: Any, *, ensure_ascii: bool = True, separators: tuple[str, str] = (", ", ": ")) -> str:
    """``json.dumps(value, ensure_ascii=ensure_ascii, separators=separators)``."""
    if isinstance(value, str):
        return _string(value, ensure_ascii)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    item, colon = separators
    if isinstance(value, (list, tuple)):
        return "[" + item.join(dumps(v, ensure_ascii=ensure_ascii, separators=separators) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + item.join(_key(k, ensure_ascii) + colon + dumps(v, ensure_ascii=ensure_ascii,
                                                                     separators=separators)
                               for k, v in value.items()) + "}"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
