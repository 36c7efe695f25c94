"""The one human-readable duration format (annotations, explain, diff, verify and lint messages)."""

from __future__ import annotations

from datetime import timedelta

__all__ = ["human_duration"]


def human_duration(delta: timedelta) -> str:
    """Non-zero units, largest first: ``"6h"``, ``"7d"``, ``"1d 23h 30m"``, ``"1m 30s"``; ``"0s"`` for nothing.

    From two years on the length in years follows: ``"2921d, about 8.0 years"``.
    """
    total = int(delta.total_seconds())
    if total <= 0:
        return "0s"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    text = " ".join(f"{value}{unit}" for value, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s"))
                    if value)
    if days >= 730:
        text += f", about {total / 86400 / 365.2425:.1f} years"
    return text
