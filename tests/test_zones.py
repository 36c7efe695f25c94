"""The one zone reader (:class:`generator.schedule.zones.Zone`, on the TZif model) against zoneinfo (#16).

* ``validate_time_zone`` decides a name's existence by reading and parsing its TZif file, without zoneinfo: on a
  corpus of names (every installed zone, every file and folder of the tz database and the ``tzdata`` package, odd
  names) and of odd files on a temporary TZPATH, it accepts and rejects exactly what the code before did (format
  rules, Go's ``..`` refusal, then ``ZoneInfo``), with the same rules and messages.
* As a ``tzinfo`` (the datetimes shown to users: next runs, the longest gap, ``explain --from``), a zone gives the
  wall time, offset, fold and abbreviation zoneinfo gives, around every transition of every installed zone.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import struct
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.errors import ScheduleError
from generator.schedule import tzfile, zones
from generator.schedule.zones import UTC_ZONE, validate_time_zone, zone_for
from generator.tzif_source import tzpath

UTC = dt.UTC
_TZ_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-_0123456789+")


def _reference(name: str) -> tuple[str, str] | None:
    """``validate_time_zone`` as it was before the zone model read names: format rules, ``..``, then ZoneInfo."""
    if name == "":
        return "invalid-time-zone", "time zone must not be empty"
    for part in name.split("/"):
        if part in (".", "..") or part.startswith("-") or not 1 <= len(part) <= 14 or not _TZ_CHARS.issuperset(part):
            return "invalid-time-zone", (
                f"invalid time zone {name!r}: each '/'-separated part must be 1-14 characters of A-Z a-z 0-9 . - _ +,"
                " not '.' or '..', and must not start with '-'")
    if name.lower() == "local":
        return "invalid-time-zone", f"time zone {name!r} is not allowed: Kubernetes needs an explicit IANA time zone"
    if ".." in name:
        return "unknown-time-zone", f"unknown time zone {name!r}: invalid location name"
    unknown = "unknown-time-zone", f"unknown time zone {name!r}: not in the IANA time-zone database"
    try:
        zoneinfo.ZoneInfo.no_cache(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return unknown
    except struct.error:  # a truncated TZif file: zoneinfo's error escaped the old code (a traceback); now unknown
        return unknown
    return None


def _outcome(name: str) -> tuple[str, str] | None:
    try:
        validate_time_zone(name)
    except ScheduleError as exc:
        return exc.rule, exc.message
    return None


ODD_NAMES = ["", "Local", "local", "LOCAL", "UTC", "utc", "Etc/UTC", "America", "America/", "/UTC", "Europe//Berlin",
             "/etc/localtime", "/usr/share/zoneinfo/UTC", "../etc/passwd", "a/../UTC", "Europe/../UTC", "./UTC",
             "Europe/./Berlin", ".", "..", "...", "a..b", "Europe/Berlin.", "-UTC", "Europe/-Berlin", "Europe/Berlin ",
             " Europe/Berlin", "Europe/Berlin\n", "europe/berlin", "EUROPE/BERLIN", "Europe/Berlin/", "Europe/Berlin/x",
             "zone.tab", "zone1970.tab", "iso3166.tab", "tzdata.zi", "leapseconds", "leap-seconds.list", "posixrules",
             "posix", "posix/Europe/Berlin", "right/UTC", "right", "Factory", "localtime", "SECURITY", "+VERSION",
             "Etc/GMT+1", "Etc/GMT-14", "Etc/GMT+13", "GMT+0", "GMT-0", "GMT0", "Asia/Calcutta", "US/Pacific-New",
             "tzdata", "zoneinfo", "__init__.py", "Europe/__init__.py", "__pycache__", "Europe/__pycache__",
             "America/Argentina", "America/Argentina/Buenos_Aires", "America/Argentina/ComodRivadavia",
             "Abcdefghijklmn", "Abcdefghijklmno", "Europe/Berlin+", "+", "_", "Europe\\Berlin", "Europe/Berlin\x00",
             "Ελλάδα", "EST5EDT", "CET", "WET", "Etc/Unknown", "Europe/Kyiv", "Europe/Kiev"]


def _database_names() -> Iterator[str]:
    """Every file and folder under each TZPATH entry and in the ``tzdata`` package, as a zone name."""
    roots = [Path(base) for base in tzpath()]
    try:
        import tzdata

        roots.append(Path(tzdata.__file__).parent / "zoneinfo")
    except ImportError:  # pragma: no cover - the dev dependencies include tzdata
        pass
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for entry in (*dirs, *files):
                yield os.path.relpath(os.path.join(folder, entry), root).replace(os.sep, "/")


def test_validate_time_zone_accepts_and_rejects_what_zoneinfo_did() -> None:
    names = {*zoneinfo.available_timezones(), *ODD_NAMES, *_database_names()}
    assert len(names) > 600
    differing = [(name, _outcome(name), _reference(name)) for name in sorted(names) if _outcome(name) != _reference(name)]
    assert differing == []
    accepted = sum(_outcome(name) is None for name in names)
    assert accepted > 400 and accepted < len(names)  # both kinds of answer were exercised


def _tzif(footer: bytes = b"AAA-1BBB-2,M3.5.0,M10.5.0/3", version: bytes = b"2") -> bytes:
    def block() -> bytes:
        counts = b"".join(n.to_bytes(4, "big") for n in (0, 0, 0, 0, 1, 4))
        return b"TZif" + version + bytes(15) + counts + (3600).to_bytes(4, "big") + b"\0\0" + b"AAA\0"

    return block() if version == b"\0" else block() + block() + b"\n" + footer + b"\n"


ODD_FILES = {
    "Good": _tzif(),
    "Fixed": _tzif(b"<+03>-3"),
    "NoRule": _tzif(b""),
    "Version1": _tzif(version=b"\0"),
    "Version3": _tzif(version=b"3"),
    "Empty": b"",
    "Magic": b"TZif",
    "Text": b"# a zone.tab\nDE\t+5230+01322\tEurope/Berlin\n",
    "Truncated": _tzif()[:30],
    "Cut": _tzif()[:60],
    "BadFooter": _tzif(b"AAA-1BBB,M3.5.0"),
    "Junk": b"TZif2" + bytes(200),
}


@pytest.fixture
def odd_tzpath(tmp_path: Path) -> Iterator[Path]:
    zoneinfo.reset_tzpath(to=[str(tmp_path)])
    try:
        (tmp_path / "Odd").mkdir()
        for name, data in ODD_FILES.items():
            (tmp_path / "Odd" / name).write_bytes(data)
        (tmp_path / "Odd" / "Folder").mkdir()
        yield tmp_path
    finally:
        zoneinfo.reset_tzpath()
        tzfile.zone_model.cache_clear()
        zones.clear_cache()


def test_odd_files_are_accepted_and_rejected_as_zoneinfo_did(odd_tzpath: Path) -> None:
    names = [f"Odd/{name}" for name in (*ODD_FILES, "Folder", "Missing")]
    outcomes = {name: _outcome(name) for name in names}
    assert outcomes == {name: _reference(name) for name in names}
    assert outcomes["Odd/Good"] is None and outcomes["Odd/Text"] is not None  # both answers


def test_every_installed_zone_loads_without_zoneinfo_and_round_trips() -> None:
    for key in sorted(zoneinfo.available_timezones()):
        zone = zone_for(key)
        assert zone.model is not None and zone_for(key) is zone
        assert pickle.loads(pickle.dumps(zone)) is zone
    assert pickle.loads(pickle.dumps(UTC_ZONE)) is UTC_ZONE and zone_for(None) is UTC_ZONE


# ----------------------------------------------------------------------------------------------------------------
# The zone as a tzinfo, against zoneinfo
# ----------------------------------------------------------------------------------------------------------------

A = int(dt.datetime(1990, 1, 1, tzinfo=UTC).timestamp())
B = int(dt.datetime(2045, 1, 1, tzinfo=UTC).timestamp())


def _shown(d: dt.datetime) -> tuple[object, ...]:
    return d.replace(tzinfo=None), d.fold, d.utcoffset(), d.tzname()


@pytest.mark.slow
def test_zone_shows_what_zoneinfo_shows_around_every_transition() -> None:
    """fromtimestamp (wall time, fold, offset, abbreviation) around every change of 1990-2045 and at a few instants
    between; utcoffset of the wall times around each change with both folds (PEP 495: gaps and repeated hours)."""
    checked = 0
    for key in sorted(zoneinfo.available_timezones()):
        zone, reference = zone_for(key), zoneinfo.ZoneInfo(key)
        changes = zone.changes(A, B)
        instants = [t + d for t, _ in changes for d in (-3601, -1, 0, 1, 1799, 3600, 7200)]
        for t in (*instants, *range(A, B, 86400 * 397 + 3607)):
            got, expected = dt.datetime.fromtimestamp(t, zone), dt.datetime.fromtimestamp(t, reference)
            assert _shown(got) == _shown(expected), (key, t)
            checked += 1
        for t, new in changes:
            old = zone.offset_at(t - 1)
            for wall in {t + old - 1, t + old, t + new - 1, t + new, t + min(old, new) + 900}:
                naive = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=wall)
                for fold in (0, 1):
                    mine, theirs = naive.replace(tzinfo=zone, fold=fold), naive.replace(tzinfo=reference, fold=fold)
                    assert (mine.utcoffset(), mine.tzname()) == (theirs.utcoffset(), theirs.tzname()), (key, wall, fold)
    assert checked > 50000


def test_zone_as_tzinfo_examples() -> None:
    berlin = zone_for("Europe/Berlin")
    gap = dt.datetime(2026, 3, 29, 2, 30, tzinfo=berlin)  # skipped: fold 0 reads it with the offset before
    assert gap.utcoffset() == dt.timedelta(hours=1) and gap.replace(fold=1).utcoffset() == dt.timedelta(hours=2)
    repeated = dt.datetime(2026, 10, 25, 2, 30, tzinfo=berlin)
    assert repeated.tzname() == "CEST" and repeated.replace(fold=1).tzname() == "CET"
    second = dt.datetime.fromtimestamp(repeated.replace(fold=1).timestamp(), berlin)
    assert second.fold == 1 and second.isoformat() == "2026-10-25T02:30:00+01:00"
    assert dt.datetime.fromtimestamp(0, UTC_ZONE.tz).tzinfo is UTC
    assert zone_for("Asia/Kolkata").instants(0) == [(-19800, 19800)]  # 1970-01-01 00:00 wall: one instant


@pytest.mark.parametrize("key", ["Australia/Lord_Howe", "Europe/Dublin", "Africa/Casablanca", "Pacific/Chatham",
                                 "America/Santiago", "Asia/Tokyo", "Etc/GMT+5"])
def test_offset_at_with_its_stretch_memory_reads_the_model(key: str) -> None:
    """The zone remembers the stretch of its last look-up; in any order of look-ups it answers as the model does,
    and each stretch holds one offset from its first second to its last."""
    zone = zone_for(key)
    model = zone.model
    assert model is not None
    stamps = [A + (k * 7_919_333) % (B - A) for k in range(4000)]  # scattered, back and forth
    stamps += [t + d for t, _ in zone.changes(A, B) for d in (-1, 0, 1)]
    for t in stamps:
        assert zone.offset_at(t) == model.offset_at(t), (key, t)
        lo, hi, off = model.span_at(t)
        assert lo <= t < hi and off == model.offset_at(t)
        assert model.offset_at(max(lo, A - 10**9)) == off and model.offset_at(min(hi, B + 10**9) - 1) == off
