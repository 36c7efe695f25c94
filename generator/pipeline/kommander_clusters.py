"""The fleet's side of ``deploy/kommander``: every overlay as a Kommander cluster, and what a run tells the user.

``deploy/kommander`` needs *every* overlay's settings (a run over a subset still keeps it whole). Settings the run
already loaded and linted are reused; the others are read here. An overlay whose settings have errors stops
``deploy/kommander`` from being rendered — it would be incomplete — with one problem pointing at ``gitops.yaml``.
"""

from __future__ import annotations

from generator.errors import GeneratorError, OverlayError
from generator.layout import CONFIG_FILE, SETTINGS_FILE
from generator.problems import Problem
from generator.write.discovery import Overlay

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:  # the loaders and renderers are imported where used: a run without kommander needs none of them
    from collections.abc import Iterable
    from pathlib import Path
    from typing import Any

    from generator.config.settings import Settings
    from generator.render.delivery import DeliveryConfig
    from generator.render.kommander import Cluster


def valid_settings(reports: Iterable[Any]) -> dict[str, Settings]:
    """Settings a run already loaded and linted without errors, by overlay (``reports``: its OverlayReports)."""
    return {r.overlay: r.settings for r in reports
            if r.settings is not None and not any(p.is_error and p.file.endswith(SETTINGS_FILE) for p in r.problems)}


def clusters(root: Path, config: DeliveryConfig, found: list[Overlay],
             known: dict[str, Settings]) -> tuple[list[Cluster], list[Problem]]:
    """Every overlay under overlaysPath as a Kommander cluster (settings loaded and linted), or the problems."""
    from generator.config.settings import load_settings
    from generator.render.delivery import overlay_name
    from generator.render.kommander import Cluster
    from generator.schedule.settings_lint import describe_schedule, lint_settings

    out, problems = [], []
    for o in found:
        s = known.get(o.rel)
        if s is None:
            try:
                loaded = load_settings(o.settings_path, root, o.settings_rel)
                s = None if any(p.is_error for p in lint_settings(loaded)) else loaded.settings
            except GeneratorError:
                s = None
        if s is None:
            problems.append(Problem(CONFIG_FILE, 1, 1, "error", "kommander-settings",
                                    f"deploy/kommander not rendered: {o.settings_rel} has errors; fix them first"))
            continue
        try:
            name = s.cluster_name or overlay_name(config, o.rel)
        except OverlayError:
            continue  # render_delivery reports every badly named overlay, each on its own
        meaning = describe_schedule(s)[0] if s.chart_mode else ""
        out.append(Cluster(o.rel, o.settings_rel, name, s, meaning))
    return out, problems


def unrendered_values_notice(reports: Iterable[Any], delivery: Any) -> list[str]:
    """kaptain-chart overlays without deploy/kommander: say that their Kaptain values go nowhere."""
    if delivery is not None and (delivery.status == "failed"
                                 or any(f.path.startswith("kommander/") for f in delivery.files)):
        return []
    chart = [r.overlay for r in reports if r.chart_mode()]
    if not chart:
        return []
    shown = ", ".join(chart[:3]) + (f" and {len(chart) - 3} more" if len(chart) > 3 else "")
    note = (f"{shown}: rotation.mode kaptain-chart, but gitops.yaml has no kommander section, so their Kaptain values "
            "are not rendered; set them in Kaptain's configuration yourself, or add kommander: (docs/delivery.md)")
    return [note]
