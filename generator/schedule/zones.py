"""Time zones as the API server validates them and as the controller evaluates schedules in them.

A :class:`Zone` is the one reader of a zone's offsets: robfig's walk, the analysis and the lint read
:meth:`Zone.offset_at` (the TZif model of :mod:`.tzfile`, Go's semantics); the same object is the ``tzinfo`` of the
datetimes shown to users (next runs, the longest gap), with PEP 495 folds, so no path imports ``zoneinfo`` (#16:
importing it cost ``validate`` 3-4 ms, with ``sysconfig``, ``calendar`` and ``weakref`` behind it).
"""

from __future__ import annotations

import datetime as dt

from generator.errors import ScheduleError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the light commands start without importing typing (#16)
if TYPE_CHECKING:
    from generator.schedule.tzfile import ZoneModel

__all__ = ["UTC", "UTC_ZONE", "Zone", "validate_time_zone", "zone_for"]

UTC = dt.UTC

# Kubernetes validTimeZoneCharacters, ``^[A-Za-z\.\-_0-9+]{1,14}$``, as a character set (no regex at import)
_TZ_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-_0123456789+")


def validate_time_zone(name: str) -> None:
    """Apply the API server's ``spec.timeZone`` rules; raise :class:`ScheduleError` when it would reject ``name``.

    Format rules (rule ``invalid-time-zone``): non-empty; every ``/`` part matches ``[A-Za-z.\\-_0-9+]{1,14}``,
    is not ``.``/``..`` and does not start with ``-``; not ``Local`` (any case). Then ``time.LoadLocation`` must
    succeed (rule ``unknown-time-zone``): the name must lead to a TZif file where zoneinfo would look (TZPATH, then
    the ``tzdata`` package; :mod:`generator.tzif_source`) that parses (:mod:`.tzfile`), and like Go we refuse any name
    containing ``..``. The API server's own database may differ for very
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


def zone_for(name: str | None) -> Zone:
    """The zone of a validated zone name (:data:`UTC_ZONE` for ``None``); raises ``unknown-time-zone``."""
    if name is None:
        return UTC_ZONE
    if ".." in name:  # Go's LoadLocation rejects any name containing ".." ("invalid location name")
        raise ScheduleError(
            f"unknown time zone {name!r}: invalid location name",
            rule="unknown-time-zone",
            hint='use an IANA zone name such as "Europe/Berlin" or "Etc/UTC"',
        )
    zone = _loaded(name)
    if zone is None:
        raise ScheduleError(
            f"unknown time zone {name!r}: not in the IANA time-zone database",
            rule="unknown-time-zone",
            hint='check spelling and case (e.g. "America/New_York", "Etc/UTC"); see https://www.iana.org/time-zones',
        )
    return zone


_ZONES: dict[str, Zone] = {}


def _loaded(name: str) -> Zone | None:
    """One :class:`Zone` per name and process (``None``: no TZif file, or not a valid one). Only a name that passed
    the format rules gets here, so it is a relative path without empty, ``.`` or ``..`` parts (zoneinfo's own key
    rules); a folder is not a file (:func:`generator.tzif_source.read_tzif`)."""
    zone = _ZONES.get(name)
    if zone is None:
        from generator.schedule.tzfile import zone_model  # only a named zone needs it (start-up, #16)

        model = zone_model(name)
        if model is None:
            return None
        zone = _ZONES[name] = Zone(name, model)
    return zone


def clear_cache() -> None:
    """Forget every loaded zone (tests that change TZPATH)."""
    _ZONES.clear()


_EPOCH_ORDINAL = 719163  # dt.date(1970, 1, 1).toordinal()
_FAR = 1 << 62
_DAY = 86400


def _seconds(d: dt.datetime) -> int:
    """The fields of ``d`` as seconds from 1970-01-01 00:00 (wall or UTC, as the caller reads them)."""
    return (d.toordinal() - _EPOCH_ORDINAL) * _DAY + d.hour * 3600 + d.minute * 60 + d.second


class Zone(dt.tzinfo):
    """A time zone: its offsets as Go reads them (:meth:`offset_at`, the hot path) and a ``tzinfo`` on them.

    ``model`` is the zone's :class:`~generator.schedule.tzfile.ZoneModel`, or ``None`` for UTC (offset 0, no file).
    One instance per name and process (:func:`zone_for`); pickled as its name.
    """

    def __init__(self, key: str | None, model: ZoneModel | None) -> None:
        super().__init__()
        self.key = key
        self.model = model
        #: the ``tzinfo`` of the datetimes shown: this zone, or ``datetime.UTC`` itself for UTC
        self.tz: dt.tzinfo = self if model is not None else dt.UTC
        # the stretch of the last look-up, (lo, hi, offset): the walk asks about nearby instants in turn (one tuple,
        # replaced whole, so a thread never reads one look-up's bounds with another's offset)
        self._span = (-_FAR, _FAR, 0) if model is None else (0, 0, 0)

    def offset_at(self, stamp: int) -> int:
        """UTC offset in seconds in effect at epoch second ``stamp``."""
        lo, hi, off = self._span
        if lo <= stamp < hi:
            return off
        assert self.model is not None
        self._span = span = self.model.span_at(stamp)
        return span[2]

    def changes(self, a: int, b: int) -> list[tuple[int, int]]:
        """``(instant, new offset)`` for every offset change in ``(a, b)``."""
        return [] if self.model is None else self.model.changes(a, b)

    def instants(self, wall: int) -> list[tuple[int, int]]:
        """``(instant, offset)`` of every instant at which the wall clock shows ``wall`` (seconds from 1970-01-01
        local), earliest first: none in a gap, two in a repeated hour."""
        a, b = wall - _DAY - 1, wall + _DAY + 1  # an offset is less than a day
        pieces = [(a, self.offset_at(a)), *self.changes(a, b)]
        out = []
        for k, (start, off) in enumerate(pieces):
            stop = pieces[k + 1][0] if k + 1 < len(pieces) else b
            if start <= wall - off < stop:
                out.append((wall - off, off))
        return out

    def wall_offset(self, wall: int, fold: int) -> int:
        """The offset PEP 495 gives wall time ``wall`` with ``fold`` (as zoneinfo does): the earlier instant's when
        it is repeated and ``fold`` is 0, the later one's with 1; in a gap the offset before it with 0, after with 1."""
        return self._wall_reading(wall, fold)[0]

    def _wall_reading(self, wall: int, fold: int) -> tuple[int, int]:
        """:meth:`wall_offset`, and an instant that offset is in effect at (its abbreviation is the one shown)."""
        found = self.instants(wall)
        if found:
            t, off = found[-1 if fold else 0]
            return off, t
        a = wall - _DAY - 1
        previous = self.offset_at(a)
        for t, new in self.changes(a, wall + _DAY + 1):
            if t + previous <= wall < t + new:
                return (new, t) if fold else (previous, t - 1)
            previous = new
        return previous, wall - previous  # pragma: no cover - a wall time is shown, repeated or skipped

    # -- tzinfo (display) ------------------------------------------------------------------------------------------

    def utcoffset(self, d: dt.datetime | None) -> dt.timedelta | None:
        if self.model is None:
            return _ZERO
        if d is None:
            return None
        return dt.timedelta(seconds=self.wall_offset(_seconds(d), d.fold))

    def dst(self, d: dt.datetime | None) -> dt.timedelta | None:
        return _ZERO if self.model is None else None

    def tzname(self, d: dt.datetime | None) -> str | None:
        if self.model is None:
            return "UTC"
        if d is None:
            return None
        return self.model.name_at(self._wall_reading(_seconds(d), d.fold)[1])

    def fromutc(self, d: dt.datetime) -> dt.datetime:
        if not isinstance(d, dt.datetime) or d.tzinfo is not self:
            raise ValueError("fromutc: argument must be a datetime in this zone")
        stamp = _seconds(d)
        off = self.offset_at(stamp)
        local = d + dt.timedelta(seconds=off)
        if self.model is not None and not self._span[0] <= stamp - _DAY:  # a change within the day before: a fold?
            found = self.instants(stamp + off)
            if len(found) > 1 and found[0][0] != stamp:
                return local.replace(fold=1)
        return local

    def __repr__(self) -> str:
        return f"Zone({self.key or 'UTC'!r})"

    def __str__(self) -> str:
        return self.key or "UTC"

    def __reduce__(self) -> tuple[object, tuple[str | None]]:
        return zone_for, (self.key,)


_ZERO = dt.timedelta(0)
#: The zone of a schedule without a time zone (the controller's local zone; UTC assumed)
UTC_ZONE = Zone(None, None)
