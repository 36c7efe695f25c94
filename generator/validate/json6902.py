"""JSON 6902 patches as kustomize applies them (evanphx/json-patch on the object's JSON), proven subset only.

Operations ``add``, ``remove``, ``replace``, ``move``, ``copy`` and ``test``; paths are JSON pointers with
``~0``/``~1`` escapes, list indices written canonically (``0``, ``12``) and ``-`` (append, ``add`` only).
Anything where kustomize would fail or where json-patch has its own extensions raises
:class:`~generator.validate.yaml_subset.Unsupported` (the overlay then goes to ``kubectl kustomize``, which
reports the error): a missing path or parent, an index out of range, negative or zero-padded indices, a
failing ``test``, ``null`` values, the whole document (``""``), a ``move`` into its own source, and any
operation on the object's identity (``apiVersion``, ``kind``, ``metadata``, ``metadata.name``,
``metadata.namespace``) or on the whole ``metadata.annotations`` map (kustomize keeps annotations of its own
there while it patches; an annotation by its key is fine, and, as in kustomize, can be added to an object
that has none).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from generator.validate.yaml_subset import Unsupported, contains_null

_INDEX = re.compile(r"0|[1-9][0-9]{0,8}")
_IDENTITY = (("metadata", "name"), ("metadata", "namespace"))
_OPS = ("add", "remove", "replace", "move", "copy", "test")


def pointer(path: Any) -> list[str]:
    """The reference tokens of a JSON pointer (``/a~1b/0`` → ``["a/b", "0"]``)."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise Unsupported("a JSON pointer that is not an absolute path")
    tokens = path[1:].split("/")
    for token in tokens:
        if re.search(r"~(?![01])", token):
            raise Unsupported("a bad ~ escape in a JSON pointer")
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in tokens]
    if tokens[0] in ("apiVersion", "kind") or tokens == ["metadata"] or tuple(tokens[:2]) in _IDENTITY:
        raise Unsupported("a JSON patch on the object's identity")
    if tokens == ["metadata", "annotations"]:  # kustomize keeps its own annotations there while it patches
        raise Unsupported("a JSON patch on the whole annotations map")
    return tokens


def _index(token: str, size: int, *, end_ok: bool) -> int:
    if not _INDEX.fullmatch(token):
        raise Unsupported(f"list index {token!r}")
    index = int(token)
    if index > size or (index == size and not end_ok):
        raise Unsupported(f"list index {index} out of range")
    return index


def _parent(doc: Any, tokens: list[str]) -> Any:
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(token, len(node), end_ok=False)]
        else:
            raise Unsupported("a JSON patch path whose parent is missing")
    if not isinstance(node, (dict, list)):
        raise Unsupported("a JSON patch path inside a scalar")
    return node


def _get(doc: Any, tokens: list[str]) -> Any:
    parent, last = _parent(doc, tokens), tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise Unsupported("a JSON patch path that is missing")
        return parent[last]
    return parent[_index(last, len(parent), end_ok=False)]


def _add(doc: Any, tokens: list[str], value: Any) -> None:
    parent, last = _parent(doc, tokens), tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif last == "-":
        parent.append(value)
    else:
        parent.insert(_index(last, len(parent), end_ok=True), value)


def _remove(doc: Any, tokens: list[str]) -> Any:
    parent, last = _parent(doc, tokens), tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise Unsupported("remove of a missing path")
        return parent.pop(last)
    return parent.pop(_index(last, len(parent), end_ok=False))


def _replace(doc: Any, tokens: list[str], value: Any) -> None:
    parent, last = _parent(doc, tokens), tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise Unsupported("replace of a missing path")
        parent[last] = value
    else:
        parent[_index(last, len(parent), end_ok=False)] = value


def same(a: Any, b: Any) -> bool:
    """JSON equality (``True`` is not ``1``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def apply(doc: dict[str, Any], operations: list[Any]) -> dict[str, Any]:
    """``doc`` with the operations applied in order (a new object)."""
    out = copy.deepcopy(doc)
    meta = out.get("metadata")
    if isinstance(meta, dict) and "annotations" not in meta:
        meta["annotations"] = {}  # never missing in kustomize (it holds kustomize's own); dropped again if empty
    for op in operations:
        if not isinstance(op, dict) or op.get("op") not in _OPS:
            raise Unsupported("a malformed JSON 6902 operation")
        name = op["op"]
        tokens = pointer(op.get("path"))
        if name in ("add", "replace", "test"):
            if "value" not in op or contains_null(op["value"]):
                raise Unsupported("a JSON 6902 value that is missing or holds null")
            value = copy.deepcopy(op["value"])
        if name in ("move", "copy"):
            source = pointer(op.get("from"))
            if name == "move" and (source == tokens or tokens[: len(source)] == source):
                raise Unsupported("a move into its own source")
            value = _remove(out, source) if name == "move" else copy.deepcopy(_get(out, source))
        if name in ("add", "move", "copy"):
            _add(out, tokens, value)
        elif name == "remove":
            _remove(out, tokens)
        elif name == "replace":
            _replace(out, tokens, value)
        elif not same(_get(out, tokens), value):
            raise Unsupported("a JSON 6902 test that fails")
    _plain_string_keys(out)
    return out


def _plain_string_keys(node: Any) -> None:
    """kustomize rebuilds a JSON-patched object from JSON, so every key loses its quotes: a key such as ``"0"``
    or ``"true"`` would then be read as a number or boolean, and kustomize fails."""
    from generator.validate.kyaml import needs_double_quotes

    if isinstance(node, dict):
        for key, value in node.items():
            if needs_double_quotes(key) or key in ("<<", "="):
                raise Unsupported(f"key {key!r} kustomize would read as a non-string after a JSON patch")
            _plain_string_keys(value)
    elif isinstance(node, list):
        for item in node:
            _plain_string_keys(item)
