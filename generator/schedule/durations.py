"""Human-readable durations (shared by annotations, explain, diff and lint messages)."""

from __future__ import annotations

from datetime import timedelta


def human_duration(delta: timedelta) -> str:
    """``timedelta(hours=6)`` → ``"6h"``; ``timedelta(days=1, hours=2, minutes=3)`` → ``"1d 2h 3m"``."""
    total = int(delta.total_seconds())
    if total <= 0:
        return "0s"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = []
    if days >= 365 and days % 365 == 0 and not (hours or minutes or seconds):
        return f"{days // 365}y" if days < 3650 else f"{days}d"
    for value, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")):
        if value:
            parts.append(f"{value}{unit}")
    return " ".join(parts)
