"""The run's one-line notice of how its overlays were built (light: a check answered by its result cache prints it
without importing :mod:`generator.validate.kustomize`, #16)."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Sequence


def build_notice(plans: Sequence[str]) -> list[str]:
    """``plans``: one :data:`generator.validate.kustomize.Plan` per overlay built (or skipped)."""
    if plans and all(p == "off" for p in plans):
        return ["kustomize build skipped (--kustomize off)"]
    internal, patched, external = (sum(1 for p in plans if p == name) for name in ("internal", "patched", "kubectl"))
    parts = []
    if internal:
        parts.append(f"{internal} generated-only in process")
    if patched:
        parts.append(f"{patched} with user files in process")
    if external:
        parts.append(f"{external} with kubectl kustomize")
    return [f"built overlays: {', '.join(parts)}"] if parts else []
