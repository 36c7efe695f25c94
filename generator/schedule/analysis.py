"""What a schedule means in practice: description, run counts, worst-case delay, shortest interval.

Everything is computed from the field sets over *days*, never by walking every run:

* The calendar is periodic over one Gregorian cycle (400 years = 146097 days = 20871 weeks). Matching days are
  aggregated per month pattern (month length x weekday of day 1: 28 patterns) and per year type (leap x weekday of
  1 January: 14 types), so a 400-year pass is ~400 cheap steps.
* An aggregate of runs is ``(count, first, last, max gap, start of max gap, min gap)``; aggregates of adjacent
  stretches combine in O(1) (the junction gap is ``next.first - prev.last``).
* Time zones: the horizon is split into *eras* of constant UTC offset at the zone's real transitions (read from
  the zone's TZif file and its POSIX footer rule). Inside an era the runs are the wall-clock runs of the era's
  wall-time window shifted by the offset; consecutive eras overlap in wall time at a fall-back (runs twice) and
  leave a hole at a spring-forward (runs skipped). Era results are memoised by (year type, position in year,
  offset), and a year's eras as a group by their classes and the last run before them, so ~800 transitions cost a
  few dozen real computations and ~400 look-ups (the per-zone classes are computed once, with the eras).
* Controller parity: the one run after each offset change is robfig's ``Next`` of the last run before it (walked
  step by step, :mod:`.robfig`, jumping whole months and days away from the zone's changes), and the era's runs
  start there. Where the change is a whole hour at a whole hour
  that is the wall-clock answer; in Lord Howe (30 minutes), Chatham (at :45) or where midnight does not exist it
  is the run the controller really makes (e.g. ``0 12 * * *`` in Lord Howe skips the spring-forward day).
* Stalls: where ``Next`` of that run does not advance (``45 3 * * *`` in Pacific/Chatham on the night the clocks go
  back, see :meth:`.Schedule.next_runs`), the controller never makes that run and stops scheduling the CronJob.
  The aggregate ends with the last run before the stall, exactly as ``next_runs`` ends there, and
  :attr:`Analysis.stalls_at` says when. The worst-case delay is then the gap from that run to the first run of the
  next cycle (about 400 years): no run the controller can be predicted to make follows. Runs per day are then
  counted up to the stall (the rate while the controller still schedules it). ``Next`` of a run is only walked
  where :func:`.robfig.plainly_advances` cannot vouch that it advances.

Horizon (decision): the Gregorian cycle starting at local 2026-01-01 00:00, i.e. [2026-01-01, 2426-01-01); the
gap from the last run of the cycle to the first run of the next cycle is included (exact in UTC, and assuming the
zone's current rules repeat otherwise). Historic transitions before 2026 are deliberately ignored: this tool is
about the schedule's future behaviour.
"""

from __future__ import annotations

import datetime as dt

from generator.memo import memo
from generator.records import Record
from generator.schedule.aggregate import BIG, Agg, WallCalendar, combine, scale, shift
from generator.schedule.describe import describe
from generator.schedule.golang import is_leap, jan1_day, year_of_day
from generator.schedule.robfig import next_after, plainly_advances
from generator.schedule.spec import Schedule

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from generator.schedule.robfig import Known
    from generator.schedule.tzfile import ZoneModel
    from generator.schedule.zones import Zone

__all__ = ["HORIZON_START", "Analysis", "analyze"]

HORIZON_START = dt.date(2026, 1, 1)
_CYCLE_DAYS = 146097
_CYCLE_S = _CYCLE_DAYS * 86400
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


#: per era of a group, what the era loop needs that does not depend on the schedule: ``(start, end, offset, walk
#: class, era class)`` with ``start`` and ``end`` relative to the group's base; the classes number the distinct
#: ``(year type, position, offset)`` keys of the walk and era memos (the era class is ``None`` when the era does not
#: end within the next year)
EraTemplate = tuple[int, int, int, int, "int | None"]


class _ZoneEras(Record):
    """A zone's eras over the horizon, cached per zone (see :func:`_zone_eras`)."""

    _fields = ("eras", "model", "known", "templates", "era_classes", "groups", "monotone")
    __slots__ = _fields
    eras: tuple[tuple[int, int, int], ...]
    model: ZoneModel
    #: its offset changes for :func:`.robfig.next_after`
    known: Known
    #: per group class, its eras relative to the base
    templates: tuple[tuple[EraTemplate, ...], ...]
    era_classes: dict[tuple[bool, int, bool, int, int], int]
    #: ``(base, next base, span, group class)`` per year: the eras that start in it (wall time) -- ``base`` is
    #: 1 January 00:00 (wall seconds), ``next base`` that of the next year, ``span`` the seconds of the two; equal
    #: classes mean equal year types and equal eras relative to the base
    groups: tuple[tuple[int, int, int, int], ...]
    #: the zone's offsets from the horizon on never differ by 12 hours or more (see :func:`.robfig.plainly_advances`)
    monotone: bool

    def __init__(self, eras: tuple[tuple[int, int, int], ...], model: ZoneModel, known: Known,
                 templates: tuple[tuple[EraTemplate, ...], ...],
                 era_classes: dict[tuple[bool, int, bool, int, int], int],
                 groups: tuple[tuple[int, int, int, int], ...], monotone: bool) -> None:
        self._set(eras, model, known, templates, era_classes, groups, monotone)


def _eras(schedule: Schedule) -> _ZoneEras | None:
    """The eras of the schedule's zone; ``None`` without a time zone (one era, the horizon, offset 0)."""
    if schedule.time_zone is None:
        return None
    return _zone_eras(schedule.zone)


@memo(maxsize=64)
def _zone_eras(zone: Zone) -> _ZoneEras:
    """Real-time eras ``(start, end, offset)`` of constant offset covering the horizon."""
    w0 = (HORIZON_START.toordinal() - _EPOCH_ORDINAL) * 86400
    w1 = w0 + _CYCLE_S
    model = zone.model
    assert model is not None
    h0 = w0 - model.offset_at(w0 - model.offset_at(w0))
    h1 = w1 - model.offset_at(w1 - model.offset_at(w1))
    eras: list[tuple[int, int, int]] = []
    start, offset = h0, model.offset_at(h0)
    for t, new in model.changes(h0, h1):
        eras.append((start, t, offset))
        start, offset = t, new
    eras.append((start, h1, offset))
    margin = max(abs(era[2]) for era in eras) + 1
    known = (tuple(era[0] for era in eras[1:]), h0, h1, margin)
    walk_classes: dict[tuple[bool, int, bool, int, int], int] = {}
    era_classes: dict[tuple[bool, int, bool, int, int], int] = {}
    group_classes: dict[tuple[int, ...], int] = {}
    templates: list[tuple[EraTemplate, ...]] = []
    groups: list[tuple[int, int, int, int]] = []
    i, n = 0, len(eras)
    year = next_base = base = weekday = span = 0
    leap = next_leap = False
    while i < n:  # a group: the eras that start (wall time) in one year; its class: the year type and the eras
        a, b, offset = eras[i]
        if year and next_base <= a + offset < next_base + (365 + is_leap(year + 1)) * 86400:
            year += 1  # the next year, as almost always: no look-up
            base, leap, weekday = next_base, next_leap, (weekday + 365 + leap) % 7
            next_leap = is_leap(year + 1)
            span = (730 + leap + next_leap) * 86400
        else:
            year = year_of_day((a + offset) // 86400)
            base, leap, weekday, next_leap, span = _year_info(year)
        next_base = base + (365 + leap) * 86400
        shape = [leap, weekday, next_leap]
        j = i
        while j < n and base <= eras[j][0] + eras[j][2] < next_base:
            a, b, offset = eras[j]
            shape += (a - base, b - base, offset)
            j += 1
        signature = tuple(shape)
        group_class = group_classes.get(signature)
        if group_class is None:
            group_class = group_classes[signature] = len(templates)
            template: list[EraTemplate] = []
            for a, b, offset in eras[i:j]:
                end = b + offset - base
                template.append((a - base, b - base, offset,
                                 walk_classes.setdefault((leap, weekday, next_leap, a - base, offset), len(walk_classes)),
                                 era_classes.setdefault((leap, weekday, next_leap, end, offset), len(era_classes))
                                 if end <= span else None))
            templates.append(tuple(template))
        groups.append((base, next_base, span, group_class))
        i = j
    offsets = {era[2] for era in eras}  # with those of the day or two before the horizon a walk may look at
    offsets.update((model.offset_at(h0 - 2 * 86400), *(new for _, new in model.changes(h0 - 2 * 86400, h0))))
    if model.rule is not None:  # past the horizon (walks search on) only the footer rule applies
        offsets.update((model.rule.std, model.rule.dst if model.rule.dst is not None else model.rule.std))
    monotone = max(offsets) - min(offsets) < 12 * 3600
    return _ZoneEras(tuple(eras), model, known, tuple(templates), era_classes, tuple(groups), monotone)


# --------------------------------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------------------------------


class Analysis(Record):
    """What a schedule does over the horizon. Equality and hash leave out the three detail fields
    ``worst_case_after``, ``worst_case_from_dst`` and ``wall_worst_case_delay``."""

    _fields = ("description", "fires", "runs_per_day", "runs_per_year", "worst_case_delay", "min_interval",
               "worst_case_after", "worst_case_from_dst", "wall_worst_case_delay", "stalls_at")
    __slots__ = _fields
    description: str
    fires: bool
    runs_per_day: float
    runs_per_year: float
    worst_case_delay: dt.timedelta | None
    min_interval: dt.timedelta | None
    #: local time of the run that starts the (first) longest gap in the horizon
    worst_case_after: dt.datetime | None
    #: True when daylight-saving time makes the worst case longer than the wall-clock calendar alone would
    worst_case_from_dst: bool
    #: the worst case of the wall-clock calendar alone (no clock changes)
    wall_worst_case_delay: dt.timedelta | None
    #: local time of the first instant at which the controller stalls (robfig's ``Next`` does not advance, so it
    #: makes no further run: see :meth:`.Schedule.next_runs`); ``None`` when it never does
    stalls_at: dt.datetime | None

    def __init__(self, description: str, fires: bool, runs_per_day: float, runs_per_year: float,
                 worst_case_delay: dt.timedelta | None, min_interval: dt.timedelta | None,
                 worst_case_after: dt.datetime | None = None, worst_case_from_dst: bool = False,
                 wall_worst_case_delay: dt.timedelta | None = None, stalls_at: dt.datetime | None = None) -> None:
        self._set(description, fires, runs_per_day, runs_per_year, worst_case_delay, min_interval, worst_case_after,
                  worst_case_from_dst, wall_worst_case_delay, stalls_at)

    def _key(self) -> tuple[object, ...]:
        return (self.description, self.fires, self.runs_per_day, self.runs_per_year, self.worst_case_delay,
                self.min_interval, self.stalls_at)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@memo(maxsize=4096)
def analyze(schedule: Schedule) -> Analysis:
    """Analyse ``schedule`` over one Gregorian cycle (see the module docstring for the horizon).

    Memoised: equal schedules (same fields and zone) share one result, so a fleet pays once per distinct
    schedule, and lint and the CronJob annotations of one overlay share one analysis.
    """
    description = describe(schedule)
    if schedule.every is not None:
        secs = int(schedule.every.total_seconds())
        per_day = 86400 / secs
        return Analysis(description, True, per_day, per_day * 365.2425, schedule.every, schedule.every,
                        wall_worst_case_delay=schedule.every)
    if not schedule.fires:
        return Analysis(description, False, 0.0, 0.0, None, None)
    cal = WallCalendar(schedule)
    day0 = HORIZON_START.toordinal() - _EPOCH_ORDINAL
    wall_days = cal.days(day0, day0 + _CYCLE_DAYS)
    assert wall_days is not None  # fires => some day matches in every 400-year cycle
    wall = scale(cal.days_to_minutes(wall_days), 60, 0)
    wall_worst = max(wall[3], wall[1] + _CYCLE_S - wall[2])
    zoned = _eras(schedule)
    stall: int | None = None
    if zoned is None:
        total: Agg | None = wall
    else:
        total, stall = _zoned_total(cal, zoned, schedule)
    if total is None or total[0] == 0:
        return Analysis(description, False, 0.0, 0.0, None, None)
    count, first, last, max_gap, max_at, min_gap = total
    if zoned is None:
        wrap = first + _CYCLE_S - last
    else:
        model = zoned.model
        first_wall = first + model.offset_at(first)
        shifted = first_wall + _CYCLE_S
        wrap = shifted - model.offset_at(shifted - model.offset_at(shifted)) - last
    if wrap > max_gap:
        max_gap, max_at = wrap, last
    min_gap = min(min_gap, wrap)
    # a stalled schedule: the rate while the controller still schedules it (from the horizon start to the stall)
    per_day = count / (_CYCLE_DAYS if stall is None or zoned is None else (stall - zoned.eras[0][0]) / 86400)
    return Analysis(
        description=description,
        fires=True,
        runs_per_day=per_day,
        runs_per_year=per_day * 365.2425,
        worst_case_delay=dt.timedelta(seconds=max_gap),
        min_interval=dt.timedelta(seconds=min_gap),
        worst_case_after=dt.datetime.fromtimestamp(max_at, schedule.zone.tz),
        worst_case_from_dst=max_gap > wall_worst,
        wall_worst_case_delay=dt.timedelta(seconds=wall_worst),
        stalls_at=None if stall is None else dt.datetime.fromtimestamp(stall, schedule.zone.tz),
    )


@memo(maxsize=1024)
def _year_info(year: int) -> tuple[int, bool, int, bool, int]:
    """(wall seconds of 1 January, leap, weekday of 1 January, next year leap, seconds in this and next year)."""
    base = jan1_day(year)
    leap, next_leap = is_leap(year), is_leap(year + 1)
    return base * 86400, leap, (base + 3) % 7, next_leap, (730 + leap + next_leap) * 86400


def _zoned_total(cal: WallCalendar, zoned: _ZoneEras, schedule: Schedule) -> tuple[Agg | None, int | None]:
    """The runs over the eras, and the instant the controller stalls at (``None`` if it does not).

    Walks and era aggregates are memoised by (year type, position in the year, offset): the keys are the per-zone
    classes of :data:`EraTemplate` plus the schedule-dependent position. A walk's memo also says whether its run is
    one the wall clock would not make, when that run lies in the year or the next (whose calendar the key fixes).
    A year's group of eras is memoised as a whole by its class and the last run before it (relative to its base)
    when everything in it came from those memos: a later year of that class, entered the same way, looks up the
    same memo entries and so adds the same runs.
    """
    walks: dict[tuple[int, int], tuple[int | None, bool, bool | None]] = {}
    memo: dict[tuple[object, int], Agg | None] = {}
    years: dict[tuple[int, int | None], Agg | None] = {}
    times = frozenset(schedule.times_of_day)
    zone, known, era_classes, minutes = schedule.zone, zoned.known, zoned.era_classes, cal.minutes
    monotone, templates = zoned.monotone, zoned.templates
    total: Agg | None = None
    for group_base, group_next_base, group_span, group_class in zoned.groups:
        gkey = (group_class, None if total is None else total[2] - group_base)
        if gkey in years:
            rel = years[gkey]
            if rel is not None:
                total = combine(total, (rel[0], rel[1] + group_base, rel[2] + group_base, rel[3], rel[4] + group_base,
                                        rel[5]))
            continue
        pure, group = True, None
        for a_rel, b_rel, offset, wclass, eclass in templates[group_class]:
            a, b, base, next_base, span = a_rel + group_base, b_rel + group_base, group_base, group_next_base, group_span
            start, crossing = a, None
            if total is not None:  # the run after the change: robfig's Next of the last run before it
                last = total[2]
                wkey = (wclass, last - base)
                walk = walks.get(wkey)
                if walk is None:
                    walk = walks[wkey] = _walk(schedule, zone, known, monotone, cal, times, last, base, offset, span)
                rel_next, stall, odd = walk
                if rel_next is None:
                    return total, None
                if stall:  # the controller makes no further run: the aggregate ends here
                    return total, rel_next + base
                if rel_next + base >= b:
                    continue  # that walk runs next in a later era: nothing runs in this one
                if rel_next + base >= a:
                    start = rel_next + base
                    if odd is None:
                        pure = False
                        odd = _odd_run(cal, times, start + offset)
                    if odd:
                        crossing = (1, start, start, -1, start, BIG)  # a run the wall clock would not make
            wa, wb = start + offset, b + offset  # wall seconds
            key: object = eclass
            if wa >= next_base:  # the walk moved the start into the next year: classify it afresh
                # (its runs still follow from the group's class when the era ends within the next year, whose
                # calendar the class fixes: the group stays pure)
                pure = pure and wb <= base + span
                base, leap, weekday, next_leap, span = _year_info(year_of_day(wa // 86400))
                if wb - base <= span:
                    full = (leap, weekday, next_leap, wb - base, offset)
                    key = era_classes.get(full, full)
                else:
                    key = None
            if key is None:
                pure = False
                got = minutes(_ceil_div(wa, 60), _ceil_div(wb, 60))
                era = None if got is None else scale(got, 60, offset)
            else:
                mkey = (key, wa - base)
                if mkey in memo:
                    rel = memo[mkey]
                else:
                    got = minutes(_ceil_div(wa, 60), _ceil_div(wb, 60))
                    rel = memo[mkey] = None if got is None else scale(got, 60, offset + base)
                era = None if rel is None else (rel[0], rel[1] + base, rel[2] + base, rel[3], rel[4] + base, rel[5])
            if crossing is not None:
                era = combine(crossing, era)
            if era is not None:
                group = combine(group, era)
                total = combine(total, era)
        if pure:
            years[gkey] = None if group is None else shift(group, -group_base)
    return total, None


def _walk(schedule: Schedule, zone: Zone, known: Known | None, monotone: bool, cal: WallCalendar,
          times: frozenset[int], last: int, base: int, offset: int, span: int) -> tuple[int | None, bool, bool | None]:
    """The walk memo's entry: robfig's Next of ``last`` relative to ``base``, whether the controller stalls there,
    and whether it is a run the wall clock would not make (``None`` past ``span``, the two years the key fixes)."""
    found = next_after(schedule, zone, last, known)
    if found is None:
        return None, False, None
    stall = False
    # the controller makes the run ``found`` only if the Next after it advances
    if not (monotone and found > last and plainly_advances(schedule, zone, found)):
        following = next_after(schedule, zone, found, known) if found > last else found
        stall = following is not None and following <= found
    odd = _odd_run(cal, times, found + offset) if found + offset - base < span else None
    return found - base, stall, odd


def _odd_run(cal: WallCalendar, times: frozenset[int], wall: int) -> bool:
    """Whether a run at ``wall`` (wall seconds) is one the wall-clock calendar would not make."""
    day, minute = divmod(wall // 60, 1440)
    return wall % 60 != 0 or minute not in times or not cal.day_matches(day)
