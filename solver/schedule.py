"""Scheduling: the working day of each staffed visit.

A visit may be placed on a working day of the window on which every member of
its team is available (not in ``unavailable``), and no inspector makes more
than ``policy.daily_visits_per_inspector`` visits a day. Within those rules:

* Visits are grouped by (team, entity district): a team's visits in one
  district go on one day where the daily limit allows, so the team travels
  once. A group is cut into chunks of at most the daily limit, in visit id
  order.
* Groups are placed most constrained first: ascending number of days the whole
  team is available, then descending group size, then team, then district.
* Each chunk takes, among the days where every member still has room for the
  whole chunk (or, if there is none, the largest part of it that fits
  somewhere), the day with, in order: the fewest members already busy in
  another district that day, the lowest busiest member's load that day, the
  lowest total load of the members that day, the earliest date. This spreads
  each inspector's visits over the window and keeps one district per
  inspector and day where it can.

Visits that fit on no day are unscheduled, with the reason: no day on which
the whole team is available, or every such day fully booked.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import reduce
from operator import and_, attrgetter

from solver import reasons
from solver.model import Instance, Visit
from solver.progress import NullProgress, Progress

_FREE = None  # no visit yet that day
_MIXED = object()  # visits in several districts that day


@dataclass(frozen=True, slots=True)
class Schedule:
    dates: dict[str, date]  # visit id -> working day
    unscheduled: dict[str, reasons.Reason]  # visit id -> reason


def schedule_visits(instance: Instance, visits: Sequence[Visit], teams: Mapping[str, Sequence[str]],
                    workdays: Sequence[date], progress: Progress | None = None) -> Schedule:
    """Dates for the visits that have a team (see the module docstring).

    The result does not depend on the order of ``visits``."""
    progress = progress or NullProgress()
    days = tuple(sorted(workdays))
    limit = instance.policy.daily_visits_per_inspector
    by_id = {i.id: i for i in instance.inspectors}
    wanted = list({v.uscc for v in visits if v.id in teams})
    rows = instance.entities
    district_of = {uscc: rows.districts[rows.district[row]]
                   for uscc, row in zip(wanted, rows.rows_of(wanted), strict=True) if row is not None}
    groups: dict[tuple[tuple[str, ...], str], list[str]] = {}
    for visit in sorted(visits, key=attrgetter("id")):
        team = teams.get(visit.id)
        if team is not None:
            groups.setdefault((tuple(sorted(team)), district_of[visit.uscc]), []).append(visit.id)
    members = sorted({i for team, _ in groups for i in team})
    # Day d is bit d of these masks: available at all, and available with no visit yet.
    available = {i: sum(1 << d for d, day in enumerate(days) if day not in by_id[i].unavailable) for i in members}
    empty = dict(available)
    load = {i: [0] * len(days) for i in members}
    per_day = [0] * len(days)  # visits placed on each day, all teams
    ranked = [(0, d) for d in range(len(days))]  # (per_day[d], d) ascending: the quietest, earliest day first
    district_of_day: dict[str, list[object]] = {i: [_FREE] * len(days) for i in members}

    common_days = {group: reduce(and_, map(available.__getitem__, group[0]), -1) for group in groups}
    order = sorted(groups, key=lambda g: (common_days[g].bit_count(), -len(groups[g]), g[0], g[1]))
    dates: dict[str, date] = {}
    unscheduled: dict[str, reasons.Reason] = {}
    progress.stage("schedule visits", len(order))
    for team, district in order:
        ok_days = common_days[(team, district)]
        pending = groups[(team, district)]
        while pending:
            chunk = min(len(pending), limit)
            free_together = ok_days
            for i in team:
                free_together &= empty[i]
            day: int | None
            if free_together:  # a day nobody on the team works yet: the best score; the quietest, earliest
                day, room = _quietest(free_together, ranked), limit
            else:
                day, room = _best_day([load[i] for i in team], [district_of_day[i] for i in team], ok_days,
                                      limit, chunk, district, per_day)
            if day is None:
                reason = (reasons.no_common_day(team) if not ok_days
                          else reasons.days_fully_booked(team, ok_days.bit_count(), limit))
                for visit_id in pending:
                    unscheduled[visit_id] = reason
                break
            placed, pending = pending[:min(chunk, room)], pending[min(chunk, room):]
            for visit_id in placed:
                dates[visit_id] = days[day]
            del ranked[bisect_left(ranked, (per_day[day], day))]
            per_day[day] += len(placed)
            insort(ranked, (per_day[day], day))
            for i in team:
                load[i][day] += len(placed)
                empty[i] &= ~(1 << day)
                seen = district_of_day[i][day]
                district_of_day[i][day] = district if seen in (_FREE, district) else _MIXED
        progress.advance()
    progress.done()
    return Schedule({k: dates[k] for k in sorted(dates)}, {k: unscheduled[k] for k in sorted(unscheduled)})


def _quietest(days: int, ranked: list[tuple[int, int]]) -> int:
    """The day (bit of ``days``) with the fewest visits placed so far, the
    earliest of those: the first of ``ranked`` ((visits placed, day),
    ascending) that ``days`` holds.

    >>> _quietest(0b110, [(0, 0), (1, 2), (3, 1)])
    2
    """
    for _, day in ranked:
        if days >> day & 1:
            return day
    return -1


def _best_day(loads: list[list[int]], districts: list[list[object]], ok_days: int, limit: int, chunk: int,
              district: str, per_day: list[int]) -> tuple[int | None, int]:
    """(day, room) for a chunk of ``chunk`` visits of one team in ``district``
    (``loads`` and ``districts`` are the members' per-day rows); (None, 0) if
    no day has room. Among the days with room for the whole chunk (else for
    the most that fits anywhere), the least (members busy elsewhere, busiest
    member's load, members' total load, visits placed that day by all teams,
    day)."""
    candidates = []
    for day in range(len(loads[0])):
        if not ok_days >> day & 1:
            continue
        busiest = max(row[day] for row in loads)
        if busiest >= limit:
            continue
        elsewhere = sum(1 for row in districts if row[day] != _FREE and row[day] != district)
        candidates.append((limit - busiest, elsewhere, busiest, sum(row[day] for row in loads), per_day[day], day))
    if not candidates:
        return None, 0
    need = min(chunk, max(c[0] for c in candidates))
    room, *_, day = min((c for c in candidates if c[0] >= need), key=lambda c: c[1:])
    return day, room
