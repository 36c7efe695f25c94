"""One engine for the project's small YAML config files (``settings.yaml``, ``gitops.yaml``).

Given a JSON Schema from ``schemas/``, it turns a positioned YAML document (:mod:`generator.config.yaml_source`)
into :class:`SettingsError` records — unknown keys with did-you-mean, wrong types, missing keys, bad
patterns, lengths, enums and ranges, one per value, each with line/column and a hint — and fills in the
schema's defaults. The two files differ only in their wording for patterns and required keys.

Validation runs on :func:`iter_errors`, a small validator for exactly the draft 2020-12 keywords these
schemas use, with jsonschema's semantics and error order (``tests/test_config_schema_engine.py`` compares
the two on generated documents). ``validate`` (the pre-commit hook) must start fast (#16), so this module imports
neither ``json`` nor ``re``: the settings schema comes as a Python literal (``settings_schema_data``), values are
quoted by :mod:`.json_text`, and the settings schema's patterns are string checks (:mod:`.schema_patterns`);
any other pattern is compiled with ``re`` when a value meets it. A schema using any other keyword is refused
when it is loaded.
"""

from __future__ import annotations

from generator.config import json_text, yaml_source
from generator.config.schema_patterns import matches
from generator.errors import GeneratorError, SettingsError
from generator.records import Record
from generator.suggest import closest

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    # (path, value) -> (message, hint, rule) for a value that fails a "pattern"
    PatternText = Callable[[str, yaml_source.Path, Any], tuple[str, str, str]]


_TYPE_NAMES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "list"),
               (dict, "mapping"))  # bool before int: True is an int to Python


def type_name(value: Any) -> str:
    """A YAML value's type in the words settings errors use."""
    return next((name for kind, name in _TYPE_NAMES if isinstance(value, kind)), "null")


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
    return "".join(c if c.isprintable() else json_text.dumps(c)[1:-1] if ord(c) < 0x10000 else f"\\U{ord(c):08x}"
                   for c in json_text.dumps(value, ensure_ascii=False))


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ConfigSchema:
    """A config file's schema, compiled once, with the wording that file's errors use."""

    def __init__(self, schema_file: str, *, reference: str, pattern_text: PatternText,
                 required_hints: dict[str, str] | None = None, empty_hints: dict[yaml_source.Path, str] | None = None,
                 empty_file_message: str, empty_file_hint: str, start_hint: str,
                 builtin: dict[str, Any] | None = None) -> None:
        """``builtin``: the schema as a Python value (equal to ``schemas/<schema_file>``), read instead of the file."""
        self.schema_file = schema_file
        self._schema: dict[str, Any] | None = builtin
        self._checked = False
        self.reference = reference
        self.pattern_text = pattern_text
        self.required_hints = required_hints or {}
        self.empty_hints = empty_hints or {}
        self.start_hint = start_hint
        self.empty_file_message = empty_file_message
        self.empty_file_hint = empty_file_hint

    @property
    def schema(self) -> dict[str, Any]:
        """The schema, read at first use (cached by hand: functools imports collections, #16)."""
        if self._schema is None:
            import json  # gitops.yaml's schema: render and check only

            from generator.resources import schema_file

            with open(schema_file(self.schema_file), encoding="utf-8") as fh:
                self._schema = json.load(fh)
        return self._schema

    @property
    def _checked_schema(self) -> dict[str, Any]:
        if not self._checked:
            check_keywords(self.schema)
            self._checked = True
        return self.schema

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
            close = closest(str(key), props, cutoff=0.6)
            hint = f"did you mean {close!r}?" if close else f"allowed keys here: {', '.join(sorted(props))}"
            yield path, SettingsError(f"unknown key {key!r} {where}", file=doc.file, line=line, col=col,
                                      rule="unknown-key", hint=hint)

    def _schema_errors(self, doc: yaml_source.Document) -> Iterator[tuple[yaml_source.Path, SettingsError]]:
        schema = self._checked_schema
        for err in iter_errors(schema, schema, doc.value):
            if err.validator == "additionalProperties":
                continue  # reported as unknown keys, with did-you-mean (see _unknown_keys)
            path = err.path
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
                options = ", ".join(json_text.dumps(v) for v in err.validator_value)
                message = f"{where} is {_show(value)}, which is not one of {options}"
                rule = "not-allowed"
                close = closest(str(value), err.validator_value, cutoff=0.5)
                hint = f"did you mean {close!r}?" if close else f"use one of {options}"
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
        result: dict[str, Any] = _copy(value)
        self._fill(result, self.schema)
        return result

    def _fill(self, value: dict[str, Any], node: dict[str, Any]) -> None:
        for key, sub in node.get("properties", {}).items():
            sub = self.resolve(sub)
            if key not in value:
                if "default" in sub:
                    value[key] = _copy(sub["default"])
                elif sub.get("type") == "object" and "properties" in sub:
                    value[key] = {}
                else:
                    continue
            if isinstance(value[key], dict) and "properties" in sub:
                self._fill(value[key], sub)


def _copy(value: Any) -> Any:
    """A deep copy of a YAML/JSON value (mappings, lists, scalars), without importing ``copy`` (start-up)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------------------------
# The validator: jsonschema's draft 2020-12 semantics for the keywords our config schemas use
# --------------------------------------------------------------------------------------------------------------

ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples",
                         "deprecated", "readOnly", "writeOnly"})
KEYWORDS = frozenset({"$ref", "type", "properties", "additionalProperties", "required", "enum", "pattern",
                      "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                      "items", "minItems", "maxItems", "uniqueItems"})


class SchemaViolation(Record):
    """One failed keyword, shaped like jsonschema's ``ValidationError`` (the fields the wording uses)."""

    _fields = ("validator", "validator_value", "instance", "path", "message")
    __slots__ = _fields
    validator: str
    validator_value: Any
    instance: Any
    path: yaml_source.Path
    message: str

    def __init__(self, validator: str, validator_value: Any, instance: Any, path: yaml_source.Path,
                 message: str) -> None:
        self._set(validator, validator_value, instance, path, message)


def check_keywords(node: Any, where: str = "#") -> None:
    """Refuse a schema that uses a keyword :func:`iter_errors` does not implement (a bug in ``schemas/``)."""
    if not isinstance(node, dict):
        raise GeneratorError(f"config schema {where} is not an object", rule="internal")
    for key, value in node.items():
        if key in ("properties", "$defs"):
            for name, sub in value.items():
                check_keywords(sub, f"{where}/{key}/{name}")
        elif key in ("additionalProperties", "items") and isinstance(value, dict):
            check_keywords(value, f"{where}/{key}")
        elif key == "items":
            raise GeneratorError(f"config schema {where}/items is not an object", rule="internal")
        elif key not in KEYWORDS and key not in ANNOTATIONS:
            raise GeneratorError(f"config schema keyword {key!r} at {where} is not supported", rule="internal")
        elif key == "$ref" and not str(value).startswith("#/$defs/"):
            raise GeneratorError(f"config schema $ref {value!r} at {where} is not supported", rule="internal")


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    kinds: dict[str, Any] = {"string": str, "boolean": bool, "object": dict, "array": list, "null": type(None)}
    return isinstance(value, kinds[name])


def _equal(one: Any, two: Any) -> bool:
    """JSON equality as jsonschema defines it: ``true != 1``, ``1 == 1.0``, containers compared deeply."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_equal(one[k], two[k]) for k in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return False  # ``one is two`` already matched equal booleans
    return bool(one == two)


def iter_errors(root: dict[str, Any], node: dict[str, Any], value: Any,
                path: yaml_source.Path = ()) -> Iterator[SchemaViolation]:
    """Every keyword ``value`` fails under ``node``, in jsonschema's order (schema key order, depth first)."""
    for key, arg in node.items():
        if key == "$ref":
            yield from iter_errors(root, root["$defs"][arg.split("/")[-1]], value, path)
            continue
        failed: str | None = None
        if key == "type":
            names = arg if isinstance(arg, list) else [arg]
            if not any(_is_type(value, t) for t in names):
                failed = f"{value!r} is not of type {', '.join(repr(t) for t in names)}"
        elif key == "properties":
            if isinstance(value, dict):
                for name, sub in arg.items():
                    if name in value:
                        yield from iter_errors(root, sub, value[name], (*path, name))
        elif key == "additionalProperties":
            if isinstance(value, dict):
                extras = [k for k in value if k not in node.get("properties", {})]
                if isinstance(arg, dict):
                    for name in extras:
                        yield from iter_errors(root, arg, value[name], (*path, name))
                elif arg is False and extras:
                    shown = ", ".join(repr(k) for k in sorted(extras, key=str))
                    failed = f"Additional properties are not allowed ({shown} {'was' if len(extras) == 1 else 'were'} unexpected)"
        elif key == "required":
            if isinstance(value, dict):
                for name in arg:
                    if name not in value:
                        yield SchemaViolation(key, arg, value, path, f"{name!r} is a required property")
        elif key == "enum":
            if not any(_equal(option, value) for option in arg):
                failed = f"{value!r} is not one of {arg!r}"
        elif isinstance(value, list) and key in ("items", "minItems", "maxItems", "uniqueItems"):
            if key == "items":
                for index, item in enumerate(value):
                    yield from iter_errors(root, arg, item, (*path, index))
            elif key == "minItems" and len(value) < arg:
                failed = f"{value!r} {'should be non-empty' if arg == 1 else 'is too short'}"
            elif key == "maxItems" and len(value) > arg:
                failed = f"{value!r} {'is expected to be empty' if arg == 0 else 'is too long'}"
            elif key == "uniqueItems" and arg and any(_equal(a, b) for i, a in enumerate(value) for b in value[i + 1:]):
                failed = f"{value!r} has non-unique elements"
        elif isinstance(value, str) and key in ("pattern", "minLength", "maxLength"):
            if key == "pattern" and not matches(arg, value):
                failed = f"{value!r} does not match {arg!r}"
            elif (key == "minLength" and len(value) < arg) or (key == "maxLength" and len(value) > arg):
                failed = f"{value!r} is too {'short' if key == 'minLength' else 'long'}"
        elif _is_type(value, "number") and key in _BOUNDS and _BOUNDS[key](value, arg):
            failed = f"{value!r} is out of the range ({key} {arg!r})"
        if failed is not None:
            yield SchemaViolation(key, arg, value, path, failed)


_BOUNDS: dict[str, Callable[[Any, Any], bool]] = {
    "minimum": lambda v, b: v < b,
    "maximum": lambda v, b: v > b,
    "exclusiveMinimum": lambda v, b: v <= b,
    "exclusiveMaximum": lambda v, b: v >= b,
}
