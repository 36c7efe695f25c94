"""One engine for the project's small YAML config files (``settings.yaml``, ``gitops.yaml``).

Given a JSON Schema from ``schemas/``, it turns a positioned YAML document (:mod:`generator.config.yaml_source`)
into :class:`SettingsError` records — unknown keys with did-you-mean, wrong types, missing keys, bad
patterns, lengths, enums and ranges, one per value, each with line/column and a hint — and fills in the
schema's defaults. The two files differ only in their wording for patterns and required keys.
"""

from __future__ import annotations

import copy
import difflib
import functools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from generator.config import yaml_source
from generator.errors import GeneratorError, SettingsError
from generator.resources import schemas_dir

# (path, value) -> (message, hint, rule) for a value that fails a "pattern"
PatternText = Callable[[str, yaml_source.Path, Any], tuple[str, str, str]]


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "null"


def dotted(path: yaml_source.Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _article(expected: Any) -> str:
    names = {"string": "a string", "boolean": "true or false", "integer": "a whole number", "number": "a number",
             "object": "a mapping", "array": "a list"}
    return names.get(str(expected), str(expected))


def _show(value: Any) -> str:
    return "" if isinstance(value, (dict, list)) else visible(value)


def visible(value: Any) -> str:
    """``value`` as JSON, readable (non-ASCII letters stay) but with every invisible character escaped."""
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] if ord(c) < 0x10000 else f"\\U{ord(c):08x}"
                   for c in json.dumps(value, ensure_ascii=False))


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@functools.cache
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` with JSON Schema's (ECMA-262) meaning in Python's ``re``: ``$`` is the end of the text.

    Python's ``$`` also matches before a final newline, so ``"kaptain-ingress\\n"`` would pass
    ``^[a-z0-9-]+$``; the API server's Go regexps (and ECMA) refuse it. Outside character classes, an
    unescaped ``$`` becomes ``\\Z`` and ``.`` excludes every ECMA line terminator.
    """
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
    return re.compile("".join(out))


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


class ConfigSchema:
    """A config file's schema, compiled once, with the wording that file's errors use."""

    def __init__(self, schema_file: str, *, reference: str, pattern_text: PatternText,
                 required_hints: dict[str, str] | None = None, empty_hints: dict[yaml_source.Path, str] | None = None,
                 empty_file_message: str, empty_file_hint: str, start_hint: str) -> None:
        self.schema_file = schema_file
        self.reference = reference
        self.pattern_text = pattern_text
        self.required_hints = required_hints or {}
        self.empty_hints = empty_hints or {}
        self.start_hint = start_hint
        self.empty_file_message = empty_file_message
        self.empty_file_hint = empty_file_hint

    @functools.cached_property
    def schema(self) -> dict[str, Any]:
        with (schemas_dir() / self.schema_file).open(encoding="utf-8") as fh:
            loaded: dict[str, Any] = json.load(fh)
        return loaded

    @functools.cached_property
    def _validator(self) -> Any:
        import jsonschema  # lazy: keeps CLI start-up fast for commands that never read config files

        base = jsonschema.validators.validator_for(self.schema)
        return jsonschema.validators.extend(base, {"pattern": _ecma_pattern})(self.schema)

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            merged = dict(self.schema["$defs"][ref.split("/")[-1]])
            merged.update({k: v for k, v in node.items() if k != "$ref"})
            return merged
        return node

    def document(self, data: bytes, name: str) -> yaml_source.Document:
        """Decode and parse; refuse an empty file or a non-mapping top level."""
        doc = yaml_source.parse(yaml_source.decode(data, name), name)
        if doc.value is None:
            raise SettingsError(self.empty_file_message.format(name=name), file=name, line=1, col=1,
                                rule="empty-file", hint=self.empty_file_hint)
        if not isinstance(doc.value, dict):
            line, col = doc.position(())
            raise SettingsError(f"the top level must be a mapping of keys, not a {type_name(doc.value)}",
                                file=name, line=line, col=col, rule="not-a-mapping", hint=self.start_hint)
        return doc

    def errors(self, doc: yaml_source.Document) -> list[GeneratorError]:
        """Every independent problem, in file order: values the parser refused, unknown keys, schema errors.

        Dependent errors are left out: a value the parser refused is not also a wrong type, a required key is
        not also missing where an unknown key sits beside it (a typo of it, most likely), and a wrong type
        explains every other error about the same value.
        """
        found: dict[tuple[int | None, int | None], GeneratorError] = {(e.line, e.col): e for e in doc.errors}
        unknown_under: set[yaml_source.Path] = set()
        for path, e in self._unknown_keys(doc.value, self.schema, (), doc):
            unknown_under.add(path)
            found.setdefault((e.line, e.col), e)
        parser_refused = set(found)
        best: dict[tuple[int | None, int | None], GeneratorError] = {}
        for path, e in self._schema_errors(doc):
            key = (e.line, e.col)
            if key in parser_refused or (e.rule == "missing-key" and path in unknown_under):
                continue
            if key not in best or e.rule == "wrong-type":
                best[key] = e
        found.update(best)
        return sorted(found.values(), key=lambda e: (e.line or 0, e.col or 0, e.message))

    def _unknown_keys(self, value: Any, node: dict[str, Any], path: yaml_source.Path,
                      doc: yaml_source.Document) -> Iterator[tuple[yaml_source.Path, SettingsError]]:
        props = self.resolve(node).get("properties")
        if not isinstance(value, dict) or not isinstance(props, dict):
            return
        for key, sub in value.items():
            if key in props:
                yield from self._unknown_keys(sub, props[key], (*path, key), doc)
                continue
            line, col = doc.position((*path, key), key=True)
            where = f"under {dotted(path)}" if path else "at the top level"
            close = difflib.get_close_matches(str(key), list(props), n=1, cutoff=0.6)
            if not close:
                close = [p for p in props if p.lower() == str(key).lower()]
            hint = f"did you mean {close[0]!r}?" if close else f"allowed keys here: {', '.join(sorted(props))}"
            yield path, SettingsError(f"unknown key {key!r} {where}", file=doc.file, line=line, col=col,
                                      rule="unknown-key", hint=hint)

    def _schema_errors(self, doc: yaml_source.Document) -> Iterator[tuple[yaml_source.Path, SettingsError]]:
        for err in self._validator.iter_errors(doc.value):
            if err.validator == "additionalProperties":
                continue  # reported as unknown keys, with did-you-mean (see _unknown_keys)
            path = tuple(err.absolute_path)
            where = dotted(path)
            line, col = doc.position(path)
            value = err.instance
            rule, hint = "schema", self.reference
            if err.validator == "type":
                expected = err.validator_value
                shown = doc.number_text.get(path) or _show(value)
                message = f"{where} must be {_article(expected)}, got {type_name(value)}" + (f" {shown}" if shown else "")
                rule = "wrong-type"
                if expected == "string" and not isinstance(value, (dict, list)):
                    hint = f'quote the value: "{doc.number_text.get(path, _plain(value))}"'
                elif expected == "boolean":
                    hint = "write true or false"
                elif expected == "integer":
                    hint = "write a whole number without quotes"
            elif err.validator == "required":
                missing = [k for k in err.validator_value if k not in (value or {})]
                message = f"{where} is missing required key {missing[0]!r}" if missing else err.message
                rule = "missing-key"
                if missing:
                    hint = self.required_hints.get(missing[0], f"add {missing[0]}: to {where}")
            elif err.validator == "enum":
                options = ", ".join(json.dumps(v) for v in err.validator_value)
                message = f"{where} is {_show(value)}, which is not one of {options}"
                rule = "not-allowed"
                close = difflib.get_close_matches(str(value), [str(v) for v in err.validator_value], n=1, cutoff=0.5)
                hint = f"did you mean {close[0]!r}?" if close else f"use one of {options}"
            elif err.validator == "pattern":
                message, hint, rule = self.pattern_text(where, path, value)
            elif err.validator in ("maxLength", "minLength"):
                rule = "length"
                if err.validator == "maxLength":
                    message = f"{where} is {len(value)} characters long, over the limit of {err.validator_value}"
                    hint = f"shorten it to at most {err.validator_value} characters"
                else:
                    message = f"{where} must not be empty"
                    hint = self.empty_hints.get(path, "write a value, or remove the key to use the default")
            elif err.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                rule = "out-of-range"
                bound = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
                         "exclusiveMaximum": "less than"}[str(err.validator)]
                message = f"{where} is {_show(value)}; it must be {bound} {err.validator_value}"
                hint = f"use a value {bound} {err.validator_value}"
            else:  # pragma: no cover - the schemas use only the validators above
                message = f"{where}: {err.message}"
            yield path, SettingsError(message, file=doc.file, line=line, col=col, rule=rule, hint=hint)

    def with_defaults(self, value: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``value`` with every schema default filled in (objects created as needed)."""
        result = copy.deepcopy(value)
        self._fill(result, self.schema)
        return result

    def _fill(self, value: dict[str, Any], node: dict[str, Any]) -> None:
        for key, sub in node.get("properties", {}).items():
            sub = self.resolve(sub)
            if key not in value:
                if "default" in sub:
                    value[key] = copy.deepcopy(sub["default"])
                elif sub.get("type") == "object" and "properties" in sub:
                    value[key] = {}
                else:
                    continue
            if isinstance(value[key], dict) and "properties" in sub:
                self._fill(value[key], sub)
