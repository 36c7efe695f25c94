"""The renderer's compiled-template cache (``Options.template_cache``), given to it just before a process first renders.

``check`` names the folder (``.kaptain-gitops/templates``) but a run answered by its result caches renders nothing, so
it must not import the renderer to set it (#16); workers set it themselves, whatever their start method.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:
    from generator.pipeline.records import Options

_given: list[str] = []  # the folder this process has given the renderer


def use_template_cache(opts: Options) -> None:
    """Give the renderer ``opts.template_cache`` before this process first renders with these options."""
    if opts.template_cache is not None and _given != [opts.template_cache]:
        from generator.render import overlay

        overlay.use_template_cache(opts.template_cache)
        _given[:] = [opts.template_cache]
