"""YAML text exactly as ``kubectl kustomize`` prints it (kyaml over go-yaml v3), for the in-process build.

kustomize's output differs from a plain PyYAML dump in a few, fixed ways, all reproduced here:

* mapping keys sorted as go-yaml sorts them (:func:`key_less`: a non-letter before a letter, digit runs by
  number), two-space indent, sequences not indented under their key, no line width beyond 80;
* a string that YAML 1.1 would read as something else (``"on"``, ``"y"``, ``"0755"``, ``"1:30"``, ``"null"``,
  a date) is double-quoted (kyaml keeps YAML 1.1 readers safe); ``<<`` and ``=`` stay plain;
* multi-line strings are literal blocks (``|``, ``|-``, ``|+``) unless a tab, a space before a line break or
  a trailing space rules that out (then double-quoted, folded at 80 columns);
* documents are joined with ``---``.

``tests/test_kustomize_build.py`` proves byte equality with the real ``kubectl kustomize``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

_STR = "tag:yaml.org,2002:str"
# go-yaml v3 quotes these YAML 1.1 booleans although YAML 1.2 reads them as strings
_OLD_BOOLS = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"}
# YAML 1.2 numbers PyYAML's (1.1) resolver does not know: 1e3, 0o17, 0b1 (go-yaml v3 reads them as numbers)
_YAML12_NUMBER = re.compile(r"^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$|^0o[0-7]+$|^[-+]?0b[01_]+$")
_ESCAPES = {"\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f", "\r": "r",
            "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\u2028": "L", "\u2029": "P"}


def _printable(ch: str) -> bool:
    """go-yaml's is_printable (minus the line feed, which it escapes as a break): nothing beyond the BMP."""
    return "\x20" <= ch <= "\x7e" or ("\xa0" <= ch <= "\ud7ff") or ("\ue000" <= ch <= "\ufffd" and ch != "\ufeff")


@functools.cache
def _resolver() -> yaml.resolver.Resolver:
    return yaml.resolver.Resolver()


def needs_double_quotes(value: str) -> bool:
    """True when kyaml double-quotes this string: YAML 1.1 or 1.2 would read it plain as something else."""
    if value in _OLD_BOOLS or value == "" or _YAML12_NUMBER.match(value):
        return True
    tag = _resolver().resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return tag not in (_STR, "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value", "tag:yaml.org,2002:yaml")


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # go-yaml marshals values: an object twice in a document is printed twice, never as an alias

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        """go-yaml v3's double-quoted writer: fold at a space past column 80 (the space becomes the break)."""
        self.write_indicator('"', True)
        out: list[str] = []
        spaces = False
        bom = text.startswith("\ufeff")  # go-yaml's is_bom looks at the string's start, so it escapes everything
        i = 0
        while i < len(text):
            ch = text[i]
            if bom or not _printable(ch) or ch in '"\\':
                code = _ESCAPES.get(ch)
                if code is None:
                    n = ord(ch)
                    code = f"x{n:02X}" if n <= 0xFF else f"u{n:04X}" if n <= 0xFFFF else f"U{n:08X}"
                out.append("\\" + code)
                self.column += 1 + len(code)
                spaces = False
            elif ch == " ":
                if split and not spaces and self.column > self.best_width and 0 < i < len(text) - 1:
                    self._flush(out)
                    self.write_indent()
                    self.whitespace = False
                    self.indention = False
                    if text[i + 1] == " ":
                        out.append("\\")
                        self.column += 1
                else:
                    out.append(ch)
                    self.column += 1
                spaces = True
            else:
                out.append(ch)
                self.column += 1
                spaces = False
            i += 1
        self._flush(out)
        self.write_indicator('"', False)

    def _flush(self, out: list[str]) -> None:
        if out:
            data = "".join(out)
            self.stream.write(data.encode(self.encoding) if self.encoding else data)
            out.clear()


# go-yaml writes a plain ``<<`` or ``=``; PyYAML would quote them as merge keys / value indicators
_Dumper.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")]
    for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style: str | None = None
    if needs_double_quotes(value) or not all(ch == "\n" or _printable(ch) for ch in value):
        style = '"'  # go-yaml escapes what it cannot print (astral characters too: "\U0001F600")
    elif "\n" in value:
        style = "|"  # the emitter falls back to double quotes where a block cannot hold it (as go-yaml does)
    return dumper.represent_scalar(_STR, value, style=style)


_Dumper.add_representer(str, _represent_str)


def _is_digit(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch) == "Nd"


def _number(text: str, start: int, value: int) -> tuple[int, int]:
    """go-yaml's digit run at ``start``: (its value, as int64 arithmetic wraps it; the index after it)."""
    end = start
    while end < len(text) and _is_digit(text[end]):
        value = (value * 10 + ord(text[end]) - 48 + 2**63) % 2**64 - 2**63
        end += 1
    return value, end


def key_less(a: str, b: str) -> bool:
    """go-yaml's ``keyList.Less`` for string keys: at the first difference two letters compare by code point,
    a non-letter sorts before a letter, and digit runs compare by their number (``a9`` < ``a10``)."""
    for i, (ca, cb) in enumerate(zip(a, b, strict=False)):
        if ca == cb:
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return ca < cb
        if al or bl:
            return bl
        an = bn = 0
        if ca == "0" or cb == "0":
            j = i - 1
            while j >= 0 and _is_digit(a[j]):
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        an, ai = _number(a, i, an)
        bn, bi = _number(b, i, bn)
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ca < cb
    return len(a) < len(b)


def _go_cmp(a: tuple[str, Any], b: tuple[str, Any]) -> int:
    return -1 if key_less(a[0], b[0]) else 1 if key_less(b[0], a[0]) else 0


def _represent_dict(dumper: yaml.SafeDumper, value: dict[str, Any]) -> yaml.MappingNode:
    items = list(value.items())
    if not all(k.isascii() and k.replace("-", "").replace(".", "").replace("/", "").isalpha() for k in value):
        items.sort(key=functools.cmp_to_key(_go_cmp))  # digits, odd characters: go-yaml's own order
    else:
        items.sort()  # plain letters and - . / only: the same order, faster
    return dumper.represent_mapping("tag:yaml.org,2002:map", items)


_Dumper.add_representer(dict, _represent_dict)


def dump(doc: Any) -> str:
    """One document as kustomize prints it."""
    text: str = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                          width=80, indent=2)
    return text.removesuffix("...\n")  # PyYAML marks the end of a document that ends in a "|+" block; go-yaml not


def dump_all(docs: list[Any]) -> str:
    """A stream of documents as ``kubectl kustomize`` prints it."""
    return "---\n".join(dump(d) for d in docs)


_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[misc]
    """SafeLoader that reads a plain ``=`` or ``<<`` as the string kustomize means (PyYAML has no constructor)."""


def _construct_str(loader: Any, node: Any) -> Any:
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:value", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:merge", _construct_str)


def load_all(text: str) -> list[Any]:
    """The documents of a ``kubectl kustomize`` stream (empty documents dropped)."""
    return [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
