"""The settings schema's ``pattern``s as string checks, so ``validate`` checks names without importing ``re`` (#16).

Nearly every settings file sets a name or a quantity (``rotation.restart.name``, ``rotation.resources``), and
``re`` (with ``enum``, ``functools``, ``collections``) and a compile per pattern cost more than the check itself.
:data:`MATCHERS` maps each pattern of ``schemas/settings.schema.json`` to a function that answers what the pattern
answers with JSON Schema's (ECMA-262) meaning (``ecma_regex(pattern).search(value) is not None``); any other
pattern is compiled with ``re`` when a value meets it. ``tests/test_schema_patterns.py`` proves each function equal
to its pattern on generated strings and that every pattern of the settings schema has one.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate starts without importing typing (#16)
if TYPE_CHECKING:
    import re
    from collections.abc import Callable

_LOWER_DIGITS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_LABEL = _LOWER_DIGITS | {"-"}
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM = _LETTERS | frozenset("0123456789")
_SECRET_KEY = _ALNUM | frozenset("-._")
_GROUP = _LOWER_DIGITS | frozenset(".-")
_SUFFIX_LETTERS = "mkKMGTPEi"
_SUFFIXES = frozenset({"", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"})


def _digits(text: str) -> bool:
    """``[0-9]+`` (ASCII digits only, as the class is)."""
    return text.isascii() and text.isdigit()


def dns_label(value: str) -> bool:
    """``^[a-z0-9]([-a-z0-9]*[a-z0-9])?$``"""
    return bool(value) and _LABEL.issuperset(value) and value[0] != "-" and value[-1] != "-"


def dns_subdomain(value: str) -> bool:
    """``^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$``"""
    return all(dns_label(label) for label in value.split("."))


def secret_key(value: str) -> bool:
    """``^[-._a-zA-Z0-9]+$``"""
    return bool(value) and _SECRET_KEY.issuperset(value)


def quantity(value: str) -> bool:
    """``^([0-9]+(\\.[0-9]+)?|\\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$``"""
    number = value.rstrip(_SUFFIX_LETTERS)  # the number ends with a digit, the suffix is letters only
    if value[len(number):] not in _SUFFIXES:
        return False
    whole, dot, fraction = number.partition(".")
    return (not whole or _digits(whole)) and (_digits(fraction) if dot else bool(whole))


def kind(value: str) -> bool:
    """``^([a-z0-9.-]+/)?([a-z0-9]+/)?[A-Za-z][A-Za-z0-9]*$``"""
    *prefix, name = value.split("/")
    if len(prefix) > 2 or not name or name[0] not in _LETTERS or not _ALNUM.issuperset(name):
        return False
    if len(prefix) == 2 and not (prefix[1] and _LOWER_DIGITS.issuperset(prefix[1])):
        return False
    return not prefix or (bool(prefix[0]) and _GROUP.issuperset(prefix[0]))


MATCHERS: dict[str, Callable[[str], bool]] = {
    "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$": dns_label,
    "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$": dns_subdomain,
    "^[-._a-zA-Z0-9]+$": secret_key,
    "^([0-9]+(\\.[0-9]+)?|\\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$": quantity,
    "^([a-z0-9.-]+/)?([a-z0-9]+/)?[A-Za-z][A-Za-z0-9]*$": kind,
}


def matches(pattern: str, value: str) -> bool:
    """The ``pattern`` keyword, with ECMA-262 semantics (:func:`ecma_regex`: ``$`` is the end of the text)."""
    check = MATCHERS.get(pattern)
    return check(value) if check is not None else ecma_regex(pattern).search(value) is not None


_COMPILED: dict[str, re.Pattern[str]] = {}  # by hand, not functools.cache: functools imports collections (#16)


def ecma_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` with JSON Schema's (ECMA-262) meaning in Python's ``re``: ``$`` is the end of the text.

    Python's ``$`` also matches before a final newline, so ``"kaptain-ingress\\n"`` would pass
    ``^[a-z0-9-]+$``; the API server's Go regexps (and ECMA) refuse it. Outside character classes, an
    unescaped ``$`` becomes ``\\Z`` and ``.`` excludes every ECMA line terminator.
    """
    if pattern in _COMPILED:
        return _COMPILED[pattern]
    import re  # only for a pattern without a string check (:data:`MATCHERS`)

    out: list[str] = []
    in_class = escaped = False
    for ch in pattern:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif in_class:
            out.append(ch)
            in_class = ch != "]"
        elif ch == "[":
            out.append(ch)
            in_class = True
        elif ch == "$":
            out.append(r"\Z")
        elif ch == ".":
            out.append("[^\n\r\u2028\u2029]")
        else:
            out.append(ch)
    compiled = _COMPILED[pattern] = re.compile("".join(out))
    return compiled
