"""How fast a renewed CA reaches authservice: the figures ``explain``, ``check --format json`` and ``diff`` show.

With ``rotation.trigger: schedule`` the figure is the schedule's worst-case delay (the longest gap between runs).
With ``watch`` the watch Deployment reacts to the change itself; a change whose event is missed waits at most
``resyncSeconds + backoffMaxSeconds`` (:attr:`Settings.watch_reaction_seconds`), and the schedule's worst-case
delay is the backstop for when the watch pod is down.
"""

from __future__ import annotations

import datetime as dt

from generator.schedule.durations import human_duration

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:  # explain never reads a settings file: no PyYAML at its start-up
    from typing import Any

    from generator.config.settings import Settings


def watch_figures(resync_seconds: int, backoff_max_seconds: int) -> dict[str, int]:
    return {
        "resyncSeconds": resync_seconds,
        "backoffMaxSeconds": backoff_max_seconds,
        "worstCaseReactionSeconds": resync_seconds + backoff_max_seconds,
    }


def watch_text(resync_seconds: int, backoff_max_seconds: int) -> str:
    bound = dt.timedelta(seconds=resync_seconds + backoff_max_seconds)
    return (f"on change (watch); at most {human_duration(bound)} if a change event is missed "
            f"(resync {resync_seconds} s + backoff {backoff_max_seconds} s)")


def rotation_figures(s: Settings) -> dict[str, Any]:
    """The overlay's rotation figures for JSON reports (``check``)."""
    from generator.schedule.analysis import analyze
    from generator.schedule.cron import parse

    analysis = analyze(parse(s.schedule, s.time_zone))
    delay = analysis.worst_case_delay
    watch = watch_figures(s.watch_resync_seconds, s.watch_backoff_max_seconds) if s.trigger == "watch" else None
    return {
        "trigger": s.trigger,
        "bundle": s.bundle,
        "bundleMaxCertificates": s.bundle_max_certificates,
        "watch": watch,
        # the schedule: the only path with trigger: schedule, the backstop with watch
        "scheduleWorstCaseDelaySeconds": int(delay.total_seconds()) if delay is not None else None,
        "reactionSeconds": watch["worstCaseReactionSeconds"] if watch else (
            int(delay.total_seconds()) if delay is not None else None),
    }
