"""Time zones as the API server validates them and as the controller evaluates schedules in them."""

from __future__ import annotations

import datetime as dt

from generator.errors import ScheduleError

__all__ = ["UTC", "offset_at", "offset_fold", "validate_time_zone", "zone_for"]

UTC = dt.UTC

# Kubernetes validTimeZoneCharacters, ``^[A-Za-z\.\-_0-9+]{1,14}$``, as a character set (no regex at import)
_TZ_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-_0123456789+")


def validate_time_zone(name: str) -> None:
    """Apply the API server's ``spec.timeZone`` rules; raise :class:`ScheduleError` when it would reject ``name``.

    Format rules (rule ``invalid-time-zone``): non-empty; every ``/`` part matches ``[A-Za-z.\\-_0-9+]{1,14}``,
    is not ``.``/``..`` and does not start with ``-``; not ``Local`` (any case). Then ``time.LoadLocation`` must
    succeed (rule ``unknown-time-zone``); we ask Python's zoneinfo (system tz database, then the ``tzdata``
    package) and, like Go, refuse any name containing ``..``. The API server's own database may differ for very
    new zones or the ``posix/``/``right/`` trees.
    """
    if name == "":
        raise ScheduleError(
            "time zone must not be empty",
            rule="invalid-time-zone",
            hint='leave the time zone unset or name an IANA zone, e.g. "Etc/UTC" or "Europe/Berlin"',
        )
    for part in name.split("/"):
        if part in (".", "..") or part.startswith("-") or not 1 <= len(part) <= 14 or not _TZ_CHARS.issuperset(part):
            raise ScheduleError(
                f"invalid time zone {name!r}: each '/'-separated part must be 1-14 characters of A-Z a-z 0-9 . - _ +,"
                " not '.' or '..', and must not start with '-'",
                rule="invalid-time-zone",
                hint='use an IANA zone name such as "Europe/Berlin" or "Etc/UTC"',
            )
    if name.lower() == "local":
        raise ScheduleError(
            f"time zone {name!r} is not allowed: Kubernetes needs an explicit IANA time zone",
            rule="invalid-time-zone",
            hint='name the zone explicitly, e.g. "Etc/UTC" or "Europe/Berlin"',
        )
    zone_for(name)


def zone_for(name: str | None) -> dt.tzinfo:
    """The tzinfo for a validated zone name (``UTC`` for ``None``); raises ``unknown-time-zone``."""
    if name is None:
        return UTC
    if ".." in name:  # Go's LoadLocation rejects any name containing ".." ("invalid location name")
        raise ScheduleError(
            f"unknown time zone {name!r}: invalid location name",
            rule="unknown-time-zone",
            hint='use an IANA zone name such as "Europe/Berlin" or "Etc/UTC"',
        )
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only a named zone needs it (start-up, #16)

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ScheduleError(
            f"unknown time zone {name!r}: not in the IANA time-zone database",
            rule="unknown-time-zone",
            hint='check spelling and case (e.g. "America/New_York", "Etc/UTC"); see https://www.iana.org/time-zones',
        ) from exc



def offset_at(zone: dt.tzinfo, stamp: int) -> int:
    """UTC offset in seconds in effect at epoch second ``stamp``."""
    off = dt.datetime.fromtimestamp(stamp, zone).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def offset_fold(zone: dt.tzinfo, day: dt.date, fold: int) -> int:
    """UTC offset zoneinfo assigns to wall time ``day`` 00:00 with the given fold (PEP 495)."""
    off = dt.datetime(day.year, day.month, day.day, fold=fold, tzinfo=zone).utcoffset()
    return int(off.total_seconds()) if off is not None else 0
