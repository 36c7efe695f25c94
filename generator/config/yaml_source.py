"""Read untrusted YAML text into plain Python values while keeping every node's position.

Only the small, unsurprising subset of YAML that a settings file needs is accepted:

* one document, UTF-8, at most ``MAX_BYTES``, no NUL or other C0 control characters;
* no aliases (which also rules out "billion laughs" alias bombs), no duplicate keys, no tags;
* YAML 1.2 core scalars only: ``true``/``false``, ``null``/``~``, decimal integers and floats.
  YAML 1.1 surprises — ``yes``/``no``/``on``/``off``, octal-looking ``0755``, sexagesimal ``1:30`` —
  are errors that say how to write the value unambiguously.

The result maps each value's path (a tuple of keys and indexes) to the 1-based line/column of
its node, and of its key, so later layers can point at the exact spot.

The plain shape nearly every settings file has is read by :mod:`generator.config.yaml_fast` without importing
PyYAML (``validate`` start-up, #16); anything else, every error included, is PyYAML's.
"""

from __future__ import annotations

from generator.config import yaml_fast, yaml_scalars
from generator.errors import SettingsError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate starts without importing typing (#16)
if TYPE_CHECKING:
    from typing import Any

    import yaml
    from yaml.nodes import Node

MAX_BYTES = 1024 * 1024
# Limits checked while composing, before any recursion gets deep (a settings file needs ~5 levels, ~60 nodes).
MAX_DEPTH = 64
MAX_NODES = 10_000
MAX_SCALAR = 8192

Path = tuple[str | int, ...]

_BOOL_TRUE = {"true", "True", "TRUE"}
_BOOL_FALSE = {"false", "False", "FALSE"}
_NULL = {"", "~", "null", "Null", "NULL"}


class Document:
    """A parsed YAML document: the value plus where each part of it was written.

    A plain class, not a dataclass: ``validate`` must start without importing ``dataclasses`` (#16).
    """

    __slots__ = ("errors", "file", "key_positions", "number_text", "positions", "quoted", "value")

    def __init__(self, file: str, value: Any, positions: dict[Path, tuple[int, int]] | None = None,
                 key_positions: dict[Path, tuple[int, int]] | None = None, quoted: dict[Path, str] | None = None,
                 number_text: dict[Path, str] | None = None, errors: list[SettingsError] | None = None) -> None:
        self.file = file
        self.value = value
        self.positions: dict[Path, tuple[int, int]] = {} if positions is None else positions
        self.key_positions: dict[Path, tuple[int, int]] = {} if key_positions is None else key_positions
        self.quoted: dict[Path, str] = {} if quoted is None else quoted
        #: the source text of plain (unquoted) numbers, e.g. "1.30" for the float 1.3
        self.number_text: dict[Path, str] = {} if number_text is None else number_text
        #: values the parser read but refuses (YAML 1.1 ambiguities): reported together, the rest parses on
        self.errors: list[SettingsError] = [] if errors is None else errors

    def _fields(self) -> tuple[Any, ...]:
        return (self.file, self.value, self.positions, self.key_positions, self.quoted, self.number_text, self.errors)

    def __eq__(self, other: object) -> bool:
        return self._fields() == other._fields() if isinstance(other, Document) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaces

    def __repr__(self) -> str:
        return (f"Document(file={self.file!r}, value={self.value!r}, positions={self.positions!r}, "
                f"key_positions={self.key_positions!r}, quoted={self.quoted!r}, number_text={self.number_text!r}, "
                f"errors={self.errors!r})")

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Best position for ``path``: the key (if asked and known), else the value, else the nearest parent."""
        table = self.key_positions if key else self.positions
        probe = path
        while True:
            if probe in table:
                return table[probe]
            if probe in self.positions:
                return self.positions[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]


_LOADER: list[type[yaml.SafeLoader]] = []  # the loader once made (no functools.cache: start-up, #16)


def _loader() -> type[yaml.SafeLoader]:
    """The PyYAML loader, defined at first use: importing PyYAML is most of ``validate``'s start-up (#16)."""
    if not _LOADER:
        _LOADER.append(_make_loader())
    return _LOADER[0]


def _make_loader() -> type[yaml.SafeLoader]:
    import yaml
    from yaml.events import AliasEvent

    class NoAliasLoader(yaml.SafeLoader):
        """SafeLoader whose composer refuses aliases before expanding anything, and input beyond the limits
        (nesting depth, node count, scalar length) before it recurses or allocates much."""

        _depth = 0
        _nodes = 0

        def compose_node(self, parent: Node | None, index: Any) -> Node | None:
            event: Any = self.peek_event()  # type: ignore[no-untyped-call]
            self._check_limits(event)
            self._depth += 1
            try:
                return self._compose_checked(parent, index, event)
            finally:
                self._depth -= 1

        def _check_limits(self, event: Any) -> None:
            self._nodes += 1
            mark: Any = event.start_mark
            what = None
            if self._depth >= MAX_DEPTH:
                what = (f"nesting deeper than {MAX_DEPTH} levels", "yaml-too-deep",
                        "a settings file is a few levels deep; remove the extra brackets or indentation")
            elif self._nodes > MAX_NODES:
                what = (f"more than {MAX_NODES} values in one file", "yaml-too-large",
                        "a settings file holds a few dozen values; check that the right file is named settings.yaml")
            elif len(getattr(event, "value", None) or "") > MAX_SCALAR:
                what = (f"a value of {len(event.value)} characters, over the {MAX_SCALAR}-character limit", "yaml-too-long",
                        "settings values are short names and schedules; shorten the value")
            if what is not None:
                raise SettingsError(what[0], line=mark.line + 1, col=mark.column + 1, rule=what[1], hint=what[2])

        def _compose_checked(self, parent: Node | None, index: Any, event: Any) -> Node | None:
            if isinstance(event, AliasEvent):
                mark: Any = event.start_mark
                raise SettingsError(
                    "YAML aliases (*name) are not allowed in settings files",
                    line=mark.line + 1,
                    col=mark.column + 1,
                    rule="yaml-alias",
                    hint="write the value out in full; if this is a cron schedule starting with '*', quote it",
                )
            tag = getattr(event, "tag", None)
            if tag not in (None, "!"):
                mark = event.start_mark
                raise SettingsError(
                    f"YAML tags ({tag}) are not allowed in settings files",
                    line=mark.line + 1,
                    col=mark.column + 1,
                    rule="yaml-tag",
                    hint="remove the tag and write a plain value (quote it if it is text)",
                )
            node: Node | None = super().compose_node(parent, index)
            return node

    return NoAliasLoader


def _position_of_offset(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def decode(data: bytes, file: str) -> str:
    """Bytes → text, refusing oversized, non-UTF-8 and control-character input with a position."""
    if len(data) > MAX_BYTES:
        raise SettingsError(
            f"file is {len(data)} bytes, over the {MAX_BYTES}-byte limit for settings files",
            file=file, line=1, col=1, rule="file-too-large",
            hint="a settings file needs a few lines; check that the right file is named settings.yaml",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", errors="replace")
        line, col = _position_of_offset(good, len(good))
        raise SettingsError(
            f"invalid UTF-8 (byte 0x{data[exc.start]:02x})",
            file=file, line=line, col=col, rule="encoding", hint="save the file as UTF-8",
        ) from None
    bad = yaml_scalars.first_control(text)
    if bad >= 0:
        line, col = _position_of_offset(text, bad)
        raise SettingsError(
            f"control character U+{ord(text[bad]):04X} is not allowed",
            file=file, line=line, col=col, rule="control-character", hint="remove it (the file must be plain text)",
        )
    return text


def parse(text: str, file: str, *, fast: bool = True) -> Document:
    """Parse one YAML document from ``text``; raise :class:`SettingsError` with a position on a syntax problem.

    Values that YAML 1.1 and 1.2 read differently (``yes``, ``0755``, ``1:30``) do not stop the parse: each is
    recorded in ``Document.errors`` and kept as its text, so every one of them is reported in one run.
    ``fast=False`` always uses PyYAML (the tests compare the two readers).
    """
    simple = yaml_fast.compose(text) if fast else None
    if simple is not None:
        doc = Document(file=file, value=None)
        doc.value = _build_simple(simple, (), doc)
        return doc
    if fast and _only_comments(text):  # a new, still empty settings.yaml: PyYAML reads no node either
        return Document(file=file, value=None)
    import yaml

    loader = _loader()(text)
    try:
        node = loader.get_single_node()
    except SettingsError as err:
        raise err.located(file) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file, text) from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text input
        raise SettingsError(f"invalid YAML: {exc}", file=file, line=1, col=1, rule="yaml-syntax") from None
    finally:
        loader.dispose()
    doc = Document(file=file, value=None)
    if node is None:
        return doc
    doc.value = _build(node, (), doc)
    return doc


def _only_comments(text: str) -> bool:
    """Blank and comment lines only, in the plain text :mod:`.yaml_fast` reads (ASCII, no tab or carriage return)."""
    if len(text) > yaml_fast.MAX_TEXT or not text.isascii() or "\t" in text or "\r" in text:
        return False
    return all(not line.lstrip(" ") or line.lstrip(" ").startswith("#") for line in text.split("\n"))


def _syntax_error(exc: yaml.MarkedYAMLError, file: str, text: str) -> SettingsError:
    problem = exc.problem or "invalid YAML"
    mark = exc.problem_mark or exc.context_mark
    if "end of stream" in problem and exc.context_mark is not None:
        mark = exc.context_mark  # point at the opening quote, not at the end of the file
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    hint = "fix the YAML syntax"
    if "expected a single document" in f"{exc.context} {problem}":
        return SettingsError(
            "more than one YAML document (found '---' followed by another document)",
            file=file, line=line, col=col, rule="yaml-multiple-documents",
            hint="keep exactly one document in settings.yaml",
        )
    if "'\\t'" in problem or "\\t" in problem:
        hint = "indent with spaces, not tabs"
    elif "found character '@'" in problem or "found character '`'" in problem:
        hint = "quote the value (e.g. \"@daily\")"
    elif "found unexpected end of stream" in problem or "found unexpected end of stream" in (exc.context or ""):
        hint = "close the quoted string"
    elif "found undefined alias" in problem or "expected alphabetic or numeric character" in problem:
        hint = "quote the value: a cron schedule starting with '*' must be written in quotes, e.g. \"*/15 * * * *\""
    context = f" {exc.context}" if exc.context else ""
    message = f"invalid YAML:{context} {problem}".replace("  ", " ")
    return SettingsError(message, file=file, line=line, col=col, rule="yaml-syntax", hint=hint)


def _build_simple(node: Any, path: Path, doc: Document) -> Any:
    """A :mod:`.yaml_fast` node as values and positions, exactly as :func:`_build` reads PyYAML's."""
    kind, line, col, value = node[:4]
    doc.positions[path] = (line, col)
    if kind == yaml_fast.MAPPING:
        result: dict[str, Any] = {}
        for key, key_line, key_col, sub in value:
            doc.key_positions[(*path, key)] = (key_line, key_col)
            result[key] = _build_simple(sub, (*path, key), doc)
        return result
    if kind == yaml_fast.SEQUENCE:
        return [_build_simple(item, (*path, i), doc) for i, item in enumerate(value)]
    if node[4] is not None:  # quoted: always a string
        doc.quoted[path] = node[4]
        return value
    return _plain_scalar(value, line, col, path, doc)


def _build(node: Node, path: Path, doc: Document) -> Any:
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise SettingsError(
                    "mapping keys must be plain names (no merge keys, no complex keys)",
                    file=doc.file, line=key_node.start_mark.line + 1, col=key_node.start_mark.column + 1,
                    rule="yaml-key", hint="write each key as a simple name",
                )
            key = key_node.value
            kpos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                first = doc.key_positions[(*path, key)]
                raise SettingsError(
                    f"duplicate key {key!r} (first defined at line {first[0]}, column {first[1]})",
                    file=doc.file, line=kpos[0], col=kpos[1], rule="duplicate-key",
                    hint="keep one of them",
                )
            doc.key_positions[(*path, key)] = kpos
            result[key] = _build(value_node, (*path, key), doc)
        return result
    if isinstance(node, SequenceNode):
        return [_build(item, (*path, i), doc) for i, item in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    if node.style is not None:  # quoted or block scalar: always a string
        doc.quoted[path] = node.style
        return node.value
    return _plain_scalar(node.value, node.start_mark.line + 1, node.start_mark.column + 1, path, doc)


def _refuse(doc: Document, text: str, error: SettingsError) -> str:
    """Record a refused value and go on parsing (it stays the text it was written as)."""
    doc.errors.append(error)
    return text


def _plain_scalar(text: str, line: int, col: int, path: Path, doc: Document) -> Any:
    if text in _BOOL_TRUE:
        return True
    if text in _BOOL_FALSE:
        return False
    if text in _NULL:
        return None
    if yaml_scalars.yaml11_bool(text):
        return _refuse(doc, text, SettingsError(
            f"ambiguous value {text!r}: YAML 1.1 tools read it as a boolean, YAML 1.2 tools as a string",
            file=doc.file, line=line, col=col, rule="yaml11-boolean",
            hint=f"write true or false, or quote it (\"{text}\") if you mean the text",
        ))
    if yaml_scalars.octal_like(text):
        return _refuse(doc, text, SettingsError(
            f"ambiguous number {text!r}: YAML 1.1 reads leading-zero/0o/0x/0b numbers differently from YAML 1.2",
            file=doc.file, line=line, col=col, rule="yaml11-number",
            hint=f"write a plain decimal number, or quote it (\"{text}\") if you mean the text",
        ))
    if yaml_scalars.sexagesimal(text):
        return _refuse(doc, text, SettingsError(
            f"ambiguous value {text!r}: YAML 1.1 reads it as a base-60 number",
            file=doc.file, line=line, col=col, rule="yaml11-number", hint=f"quote it (\"{text}\")",
        ))
    if yaml_scalars.integer(text):
        try:
            number = int(text)
        except ValueError:  # more digits than int() reads (sys.get_int_max_str_digits(), 4300): was a traceback
            return _refuse(doc, text, SettingsError(
                f"a number of {len(text.strip('+-'))} digits is too long", file=doc.file, line=line, col=col,
                rule="yaml-number", hint="settings numbers have a few digits; shorten it",
            ))
        doc.number_text[path] = text
        return number
    if yaml_scalars.floating(text):  # it holds an ASCII digit
        doc.number_text[path] = text
        return float(text)
    if text.lower() in {".inf", "-.inf", "+.inf", ".nan"}:
        return _refuse(doc, text, SettingsError(
            f"{text!r} is not allowed here", file=doc.file, line=line, col=col, rule="yaml-number",
            hint="write a finite number",
        ))
    return text
