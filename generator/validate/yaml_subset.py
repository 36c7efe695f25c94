"""The YAML a user file may hold for the in-process patch engine: text PyYAML and kustomize read alike.

kustomize reads a resource or a strategic-merge patch with go-yaml v3 (YAML 1.2), a JSON 6902 patch with
go-yaml v2 (YAML 1.1), and prints the result after a round trip through JSON. PyYAML reads YAML 1.1. Where
they could disagree, or where the round trip changes a value, :func:`load_user_yaml` raises
:class:`Unsupported` and the overlay goes to the real ``kubectl kustomize``:

* anchors, aliases, tags, directives, non-empty flow collections (``{}`` and ``[]`` are fine), duplicate keys,
  keys that are not plain strings, ``<<`` merge keys;
* plain scalars other than strings every reader takes as strings, canonical decimal integers (|n| < 2**53),
  ``true``/``false`` and ``null``/``~``/empty — so no floats, ``0x``/``0o``/``0755`` integers, ``yes``/``on``,
  timestamps, ``1e3``, ``y``;
* strings holding control characters (tab and line feed aside), U+0085/U+2028/U+2029, U+FEFF, U+FFFE/U+FFFF;
* tabs, carriage returns, a byte-order mark in the text, and comments that start with ``{`` (kyaml reads those as field
  schemas).

Quoted and block (``|``, ``>``) strings are fine: every reader gives the same string and kyaml's writer
(:mod:`generator.validate.kyaml`) prints it as kustomize does.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

INT_LIMIT = 2**53
_CANONICAL_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_SCHEMA_COMMENT = re.compile(r"(^|\s)#\s*\{")
_STR = "tag:yaml.org,2002:str"
# characters a string may hold: what go-yaml reads back after kustomize's JSON round trip (no C0/C1 controls but
# tab and line feed, no DEL, no U+0085/U+2028/U+2029 line breaks, no surrogates, U+FEFF, U+FFFE or U+FFFF)
_BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_ALLOWED_TOKENS = (
    yaml.StreamStartToken, yaml.StreamEndToken, yaml.DocumentStartToken, yaml.DocumentEndToken,
    yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.BlockEndToken, yaml.BlockEntryToken,
    yaml.KeyToken, yaml.ValueToken, yaml.ScalarToken,
)
_EMPTY_FLOW = ((yaml.FlowMappingStartToken, yaml.FlowMappingEndToken),
               (yaml.FlowSequenceStartToken, yaml.FlowSequenceEndToken))


class Unsupported(Exception):  # a verdict, not an error: the overlay goes to kubectl
    """Outside the proven subset: the overlay is built by the real ``kubectl kustomize``."""


def load_user_yaml(text: str) -> list[Any]:
    """The documents of a user file (empty ones dropped), or :class:`Unsupported`."""
    if "\t" in text or "\r" in text or "\ufeff" in text:
        raise Unsupported("tab, carriage return or byte-order mark")
    if any(_SCHEMA_COMMENT.search(line) for line in text.split("\n") if "#" in line):
        raise Unsupported("a comment kyaml may read as a field schema")
    try:
        _check_tokens(text)
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        raise Unsupported("YAML PyYAML cannot read") from None
    docs = []
    for node in nodes:
        if node is None:
            continue
        value = _construct(node)
        if value is not None:
            docs.append(value)
    return docs


def _check_tokens(text: str) -> None:
    tokens = list(yaml.scan(text, Loader=yaml.SafeLoader))
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if isinstance(token, _ALLOWED_TOKENS):
            i += 1
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if any(isinstance(token, a) and isinstance(nxt, b) for a, b in _EMPTY_FLOW):
            i += 2
            continue
        raise Unsupported(f"YAML feature {type(token).__name__}")


def _construct(node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                raise Unsupported("a mapping key that is not a string")
            key = _checked(str(key_node.value))
            if key in out or key in ("", "<<", "=") or (key_node.style is None and _ambiguous(key)):
                raise Unsupported(f"duplicate or ambiguous key {key!r}")
            out[key] = _construct(value_node)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item) for item in node.value]
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node)


def _ambiguous(value: str) -> bool:
    from generator.validate.kyaml import needs_double_quotes

    return needs_double_quotes(value)


def _checked(value: str) -> str:
    if _BAD_CHARS.search(value):
        raise Unsupported("a string with a control, line-separator or non-character code point")
    return value


def _scalar(node: yaml.ScalarNode) -> Any:
    value = _checked(str(node.value))
    if node.style in ("'", '"', "|", ">"):
        if node.tag != _STR:
            raise Unsupported("a tagged scalar")
        return value
    tag = node.tag.rsplit(":", 1)[-1]
    if tag == "str":
        if _ambiguous(value):
            raise Unsupported(f"plain scalar {value!r} that YAML 1.1 and 1.2 read differently")
        return value
    if tag == "int" and _CANONICAL_INT.fullmatch(value) and abs(int(value)) < INT_LIMIT:
        return int(value)
    if tag == "bool" and value in ("true", "false"):
        return value == "true"
    if tag == "null" and value in ("null", "~", ""):
        return None
    raise Unsupported(f"plain scalar {value!r} ({tag})")


def contains_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(contains_null(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_null(v) for v in value)
    return False
