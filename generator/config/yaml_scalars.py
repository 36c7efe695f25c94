"""How :mod:`generator.config.yaml_source` classifies a plain scalar, with string checks instead of ``re`` (#16).

``validate`` is the pre-commit hook: importing ``re`` (it imports ``enum``, ``functools``, ``collections``) and
compiling six patterns at import was a good part of its start-up. Each function here answers exactly what
``re.match`` of the pattern in its docstring answers, ``$`` included: like ``re``'s, it also matches before one
final newline. ``tests/test_yaml_scalars.py`` proves each equal to its pattern on generated strings.

Digits are ASCII ``0``–``9`` only, as ``[0-9]`` is: ``str.isdigit`` alone would accept ``'٣'`` or ``'²'``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Callable

_YAML11_BOOLS = frozenset({"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
                           "on", "On", "ON", "off", "Off", "OFF"})
_OCTAL_DIGITS = frozenset("01234567")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_BINARY_DIGITS = frozenset("01")
_DIGITS_OR_UNDERSCORE = frozenset("0123456789_")
CONTROL = frozenset(chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))


def _digits(text: str) -> bool:
    """``[0-9]+``."""
    return text.isascii() and text.isdigit()


def _unsigned(text: str) -> str:
    return text[1:] if text[:1] in ("-", "+") else text


def _dollar(whole: Callable[[str], bool]) -> Callable[[str], bool]:
    """``^pattern$`` from a check of the whole text: ``$`` also matches before a final newline."""
    def check(text: str) -> bool:
        return whole(text) or (text.endswith("\n") and whole(text[:-1]))
    check.__name__, check.__qualname__, check.__doc__ = whole.__name__, whole.__qualname__, whole.__doc__
    return check


@_dollar
def yaml11_bool(text: str) -> bool:
    """``^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$``"""
    return text in _YAML11_BOOLS


@_dollar
def integer(text: str) -> bool:
    """``^[-+]?(0|[1-9][0-9]*)$``"""
    text = _unsigned(text)
    return _digits(text) and (text == "0" or text[0] != "0")


@_dollar
def floating(text: str) -> bool:
    """``^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$``"""
    text = _unsigned(text)
    cut = min((i for i in (text.find("e"), text.find("E")) if i >= 0), default=len(text))
    mantissa, exponent = text[:cut], text[cut + 1:]
    if cut < len(text) and not _digits(_unsigned(exponent)):
        return False
    whole, dot, fraction = mantissa.partition(".")
    if not whole:
        return bool(dot) and _digits(fraction)
    return _digits(whole) and (not fraction or _digits(fraction))


@_dollar
def octal_like(text: str) -> bool:
    """``^[-+]?(0[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|0b[01]+)$``"""
    text = _unsigned(text)
    if len(text) < 2 or text[0] != "0":
        return False
    rest = text[2:]
    kinds = {"o": _OCTAL_DIGITS, "x": _HEX_DIGITS, "b": _BINARY_DIGITS}
    if text[1] in kinds:
        return bool(rest) and kinds[text[1]].issuperset(rest)
    return _digits(text[1:])


def _base60_digit(part: str) -> bool:
    """``[0-5]?[0-9]``"""
    return _digits(part) and (len(part) == 1 or (len(part) == 2 and part[0] <= "5"))


@_dollar
def sexagesimal(text: str) -> bool:
    """``^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?$``"""
    head, *parts = _unsigned(text).split(":")
    if not parts or not head or not _digits(head[0]) or not _DIGITS_OR_UNDERSCORE.issuperset(head):
        return False
    last, dot, fraction = parts[-1].partition(".")
    if dot and not _DIGITS_OR_UNDERSCORE.issuperset(fraction):
        return False
    return all(_base60_digit(part) for part in (*parts[:-1], last))


def first_control(text: str) -> int:
    """The index of the first character of ``[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]`` in ``text``, or -1."""
    found = CONTROL.intersection(text)
    return min(text.find(c) for c in found) if found else -1
