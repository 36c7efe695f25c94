"""Where a hand edit of a generated file is: the first line that differs from the file as it was generated.

The file as generated is rebuilt from the settings it was generated from, which the overlay's ConfigMap
carries verbatim (``values.yaml``); the rebuilt text is trusted only when its sha256 equals the digest the
edited file's header recorded. Otherwise the fresh render is the reference.
"""

from __future__ import annotations

from collections.abc import Callable

from generator.config.settings import Settings
from generator.errors import GeneratorError
from generator.render.overlay import OverlayInputs, RenderedFile, render_overlay, split_header
from generator.write import discovery, ownership

Describe = Callable[[Settings], tuple[str, str]]


def _as_generated(o: discovery.Overlay, inputs: OverlayInputs, path: str, digest: str, describe: Describe) -> str | None:
    from generator.config.settings import parse_settings
    from generator.render import yaml_emit

    data = discovery.read_bytes_safe(o.path / "configmap.yaml")
    if data is None:
        return None
    try:
        _, body = split_header(data.decode("utf-8"))
        values = yaml_emit.load(body)["data"]["values.yaml"]
        settings = parse_settings(values.encode("utf-8"), o.settings_rel).settings
        meaning, delay = describe(settings)
        files = render_overlay(settings, inputs, meaning=meaning, worst_case_delay=delay)
    except (GeneratorError, UnicodeDecodeError, KeyError, TypeError, ValueError):
        return None
    old = next((f.text for f in files if f.path == path), None)
    return old if old is not None and split_header(old)[0] == digest else None


def locate(o: discovery.Overlay, inputs: OverlayInputs, files: list[RenderedFile], err: GeneratorError,
           describe: Describe) -> None:
    """Set ``err.line`` (a hand-edited conflict) to the first edited line of the file."""
    if err.rule != "hand-edited" or not err.file or not err.file.startswith(o.rel + "/"):
        return
    path = err.file[len(o.rel) + 1:]
    data = discovery.read_bytes_safe(o.path / path)
    if data is None:
        return
    current = data.decode("utf-8", errors="replace")
    digest, _ = split_header(current)
    reference = _as_generated(o, inputs, path, digest, describe) if digest else None
    if reference is None:
        reference = next((f.text for f in files if f.path == path), None)
    if reference is not None:
        err.line = ownership.first_changed_line(current, reference)
        err.col = 1
