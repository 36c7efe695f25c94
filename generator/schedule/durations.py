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


def format_duration(delta: timedelta) -> str:
    """Compact human form: ``45s``, ``15m``, ``6h 0m``, ``7d 0h``, ``2921d 0h, about 8.0 years``."""
    secs = int(delta.total_seconds())
    if secs < 60:
        return f"{secs}s"
    if secs < 3600:
        m, s = divmod(secs, 60)
        return f"{m}m" + (f" {s}s" if s else "")
    if secs < 86400:
        h, rem = divmod(secs, 3600)
        return f"{h}h {rem // 60}m"
    d, rem = divmod(secs, 86400)
    h, rem = divmod(rem, 3600)
    text = f"{d}d {h}h" + (f" {rem // 60}m" if rem // 60 else "")
    if d >= 365:
        text += f", about {secs / 86400 / 365.2425:.1f} years"
    return text

