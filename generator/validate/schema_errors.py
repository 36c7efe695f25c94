"""jsonschema-rs errors -> :class:`Violation`: our wording, ``unknown field`` + did-you-mean, dotted paths.

jsonschema-rs reports *where in the schema* each error was found (``absolute_keyword_location``, a URI
with a JSON-pointer fragment, through any ``$ref``). The adapter looks the failing keyword's schema up in
the documents the registry loaded, so messages can name the allowed fields, the enum values or the
alternatives of a ``oneOf`` exactly as the schema spells them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from generator.suggest import closest

RULE_SCHEMA = "schema"
RULE_UNKNOWN_FIELD = "unknown-field"
RULE_MISSING_SCHEMA = "missing-schema"

ROOT_PATH = "(root)"


@dataclass(frozen=True)
class Violation:
    """One finding about one document: where (JSON-path-like), what, and which rule."""

    path: str
    message: str
    rule: str
    # The same place as keys and indexes, for mapping it back to a YAML position (not part of equality).
    parts: tuple[object, ...] = field(default=(), compare=False)


_PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")


def format_path(parts: Iterable[object]) -> str:
    """``("spec", "containers", 0, "name")`` -> ``spec.containers[0].name``; odd keys use ``["..."]``."""
    out = ""
    for key in parts:
        if isinstance(key, int) and not isinstance(key, bool):
            out += f"[{key}]"
        elif isinstance(key, str) and _PLAIN_KEY.match(key):
            out += f".{key}" if out else key
        else:
            out += f"[{json.dumps(key if isinstance(key, str) else str(key))}]"
    return out or ROOT_PATH


def show(value: Any, limit: int = 60) -> str:
    try:
        text = json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def did_you_mean(name: object, known: Iterable[str]) -> str:
    best = closest(name, sorted(known), cutoff=0.75)
    return f' (did you mean "{best}"?)' if best else ""


def _branch_summary(branches: Any) -> str:
    names: list[str] = []
    for branch in branches if isinstance(branches, list) else []:
        kinds = branch.get("type") if isinstance(branch, dict) else None
        if isinstance(kinds, str):
            names.append(kinds)
        elif isinstance(kinds, list):
            names.append("/".join(str(k) for k in kinds if k != "null") or "null")
        else:
            names.append("schema")
    return ", ".join(names)


_LIMITS = {
    "minLength": "is shorter than {} characters",
    "maxLength": "is longer than {} characters",
    "minimum": "is less than the minimum {}",
    "maximum": "is greater than the maximum {}",
    "exclusiveMinimum": "must be greater than {}",
    "exclusiveMaximum": "must be less than {}",
    "minItems": "has fewer than {} items",
    "maxItems": "has more than {} items",
    "minProperties": "has fewer than {} fields",
    "maxProperties": "has more than {} fields",
}

Lookup = Callable[[str | None], Any]


def pointer_lookup(documents: Mapping[str, Any]) -> Lookup:
    """``uri#/json/pointer`` -> the schema value there, from ``documents`` (keyed by URI without fragment)."""

    def lookup(location: str | None) -> Any:
        if not location:
            return None
        uri, _, fragment = location.partition("#")
        node = documents.get(uri)
        for token in fragment.split("/")[1:] if fragment else []:
            token = unquote(token).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict):
                node = node.get(token)
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
        return node

    return lookup


def _parent(location: str | None) -> str | None:
    """The location of the schema holding the failing keyword (drop the last pointer token)."""
    if not location or "#" not in location:
        return None
    return location.rsplit("/", 1)[0]


def violations(errors: Iterable[Any], lookup: Lookup) -> list[Violation]:
    """Our records for jsonschema-rs ``ValidationError``s, in order, without duplicates."""
    out: list[Violation] = []
    for error in errors:
        out.extend(_one(error, lookup))
    return list(dict.fromkeys(out))


def _one(error: Any, lookup: Lookup) -> list[Violation]:
    found = _worded(error, lookup)
    parts = tuple(error.instance_path)
    return [v if v.parts else Violation(v.path, v.message, v.rule, parts) for v in found]


def _worded(error: Any, lookup: Lookup) -> list[Violation]:
    parts = tuple(error.instance_path)
    path = format_path(parts)
    name = error.kind.name
    value = error.instance
    keyword = lookup(error.absolute_keyword_location)
    if name == "additionalProperties":
        holder = lookup(_parent(error.absolute_keyword_location))
        known = holder.get("properties", {}) if isinstance(holder, dict) else {}
        unexpected = error.kind.as_dict().get("unexpected") or []
        return [
            Violation(format_path((*parts, key)), f'unknown field "{key}"{did_you_mean(key, known)}', RULE_UNKNOWN_FIELD,
                      (*parts, key))
            for key in unexpected
        ]
    if name == "required":
        missing = error.kind.as_dict().get("property")
        return [Violation(format_path((*parts, missing)), f'missing required field "{missing}"', RULE_SCHEMA,
                          (*parts, missing))]
    if name == "type":
        types = keyword if keyword is not None else error.kind.as_dict().get("types", [])
        wanted = " or ".join([types] if isinstance(types, str) else [str(t) for t in types])
        return [Violation(path, f"expected {wanted}, got {json_type(value)} ({show(value)})", RULE_SCHEMA)]
    if name == "enum":
        options = keyword if isinstance(keyword, list) else error.kind.as_dict().get("options", [])
        return [Violation(path, f"{show(value)} is not one of {', '.join(show(e) for e in options)}", RULE_SCHEMA)]
    if name == "const":
        expected = error.kind.as_dict().get("expected_value")
        return [Violation(path, f"{show(value)} must be {show(expected)}", RULE_SCHEMA)]
    if type(error.kind).__name__ == "OneOfMultipleValid":
        return [Violation(path, f"{show(value)} matches more than one allowed form ({_branch_summary(keyword)})",
                          RULE_SCHEMA)]
    if name in ("oneOf", "anyOf"):
        return [Violation(path, f"{show(value)} matches none of the allowed forms ({_branch_summary(keyword)})",
                          RULE_SCHEMA)]
    if name == "not":
        return [Violation(path, f"{show(value)} is not allowed here", RULE_SCHEMA)]
    if name == "falseSchema":
        return [Violation(path, "no value is allowed here", RULE_SCHEMA)]
    if name == "pattern":
        pattern = error.kind.as_dict().get("pattern", keyword)
        return [Violation(path, f"{show(value)} does not match the pattern {json.dumps(pattern)}", RULE_SCHEMA)]
    if name in _LIMITS:
        limit = keyword if keyword is not None else error.kind.as_dict().get("limit")
        return [Violation(path, f"{show(value)} {_LIMITS[name].format(limit)}", RULE_SCHEMA)]
    return [Violation(path, str(error.message), RULE_SCHEMA)]


__all__ = [
    "RULE_MISSING_SCHEMA",
    "RULE_SCHEMA",
    "RULE_UNKNOWN_FIELD",
    "Violation",
    "did_you_mean",
    "format_path",
    "json_type",
    "pointer_lookup",
    "show",
    "violations",
]
