"""``rotation.image``: a container image reference, read with string checks (``validate`` starts without ``re``, #16).

The grammar is the Docker reference's, as this regular expression (``re.match``) reads it; ``tests/test_image_ref.py``
keeps it as the oracle and proves :func:`tag_and_digest` equal to it on generated references::

    ^(?P<repo>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)
    (?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?\\Z

Where the text reads both ways, the pattern's first choice wins: ``host:5000`` is a registry port, not a tag.
"""

from __future__ import annotations

from generator.config import json_text, yaml_source
from generator.errors import GeneratorError, SettingsError

_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_SEPARATORS = frozenset("._-")
_TAG_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_TAG = _TAG_FIRST | frozenset(".-")
_HEX = frozenset("0123456789abcdef")
_PINNING = "pin a version tag (e.g. :1.32.4) and optionally a digest (@sha256:…)"


def _runs(text: str) -> list[str] | None:
    """``text`` as alternating runs (alphanumeric, separators, …, alphanumeric); None if any other character or if
    it starts or ends with a separator."""
    if not text or not (_ALNUM | _SEPARATORS).issuperset(text) or text[0] in _SEPARATORS \
            or text[-1] in _SEPARATORS:
        return None
    runs = [text[0]]
    for ch in text[1:]:
        if (ch in _SEPARATORS) == (runs[-1][-1] in _SEPARATORS):
            runs[-1] += ch
        else:
            runs.append(ch)
    return runs


def _first_component(text: str) -> bool:
    """``[a-z0-9]+(?:[._-][a-z0-9]+)*``"""
    runs = _runs(text)
    return runs is not None and all(len(sep) == 1 for sep in runs[1::2])


def _path_component(text: str) -> bool:
    """``[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*``"""
    runs = _runs(text)
    return runs is not None and all(sep in (".", "_", "__") or set(sep) == {"-"} for sep in runs[1::2])


def _port(text: str) -> bool:
    """``[0-9]+``"""
    return text.isascii() and text.isdigit()


def _tag(text: str) -> bool:
    """``[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}``"""
    return 0 < len(text) <= 128 and text[0] in _TAG_FIRST and _TAG.issuperset(text)


def tag_and_digest(image: str) -> tuple[str | None, str | None] | None:
    """(tag, digest) of a valid reference, each None when absent; None when ``image`` is not one."""
    name, at, digest = image.partition("@")
    if at and not (digest.startswith("sha256:") and len(digest) == 71 and _HEX.issuperset(digest[7:])):
        return None
    segments = name.split("/")
    if len(segments) == 1:  # host[:port][:tag]; a lone ":digits" is the port, the pattern's first choice
        first, *colons = segments[0].split(":")
        if len(colons) > 2 or not _first_component(first):
            return None
        if len(colons) == 2:
            return (colons[1], digest or None) if _port(colons[0]) and _tag(colons[1]) else None
        if colons and not _port(colons[0]):
            return (colons[0], digest or None) if _tag(colons[0]) else None
        return None, digest or None
    first, colon, port = segments[0].partition(":")
    last, colon_tag, tag = segments[-1].partition(":")
    if not _first_component(first) or (colon and not _port(port)) or (colon_tag and not _tag(tag)):
        return None
    if not all(_path_component(c) for c in (*segments[1:-1], last)):
        return None
    return (tag if colon_tag else None), digest or None


def image_errors(image: str, doc: yaml_source.Document) -> list[GeneratorError]:
    """``rotation.image`` must be a valid reference pinned by a tag other than ``latest`` or by a digest."""
    line, col = doc.position(("rotation", "image"))
    parsed = tag_and_digest(image)
    if parsed is None:
        return [SettingsError(
            f"rotation.image is {json_text.dumps(image)}, not a valid image reference",
            file=doc.file, line=line, col=col, rule="invalid-image",
            hint="write registry/repository:tag, optionally @sha256:<digest>",
        )]
    tag, digest = parsed
    if tag is None and digest is None:
        return [SettingsError(
            f"rotation.image {json_text.dumps(image)} has no tag or digest, so every pull may differ",
            file=doc.file, line=line, col=col, rule="image-not-pinned", hint=_PINNING,
        )]
    if tag == "latest":
        return [SettingsError(
            f"rotation.image {json_text.dumps(image)} uses the moving tag 'latest'",
            file=doc.file, line=line, col=col, rule="image-not-pinned", hint=_PINNING,
        )]
    return []
