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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from solver import messages
from solver.model import Instance, Visit
from solver.progress import NullProgress, Progress

_FREE = -1  # no visit yet that day
_MIXED = -2  # visits in several districts that day


@dataclass(frozen=True, slots=True)
class Schedule:
    dates: dict[str, date]  # visit id -> working day
    unscheduled: dict[str, str]  # visit id -> reason


def schedule_visits(instance: Instance, visits: Sequence[Visit], teams: Mapping[str, Sequence[str]],
                    workdays: Sequence[date], progress: Progress | None = None) -> Schedule:
    """Dates for the visits that have a team (see the module docstring).

    The result does not depend on the order of ``visits``."""
    progress = progress or NullProgress()
    days = tuple(sorted(workdays))
    limit = instance.policy.daily_visits_per_inspector
    inspectors = sorted({i for v in visits if v.id in teams for i in teams[v.id]})
    row = {inspector_id: k for k, inspector_id in enumerate(inspectors)}
    by_id = {i.id: i for i in instance.inspectors}
    available = np.ones((len(inspectors), len(days)), dtype=bool)
    for inspector_id, k in row.items():
        leave = by_id[inspector_id].unavailable
        available[k] = [d not in leave for d in days]
    load = np.zeros((len(inspectors), len(days)), dtype=np.int64)
    district_of_day = np.full((len(inspectors), len(days)), _FREE, dtype=np.int64)

    entities = {e.uscc: e for e in instance.entities}
    districts = sorted({entities[v.uscc].district for v in visits if v.id in teams})
    district_code = {d: k for k, d in enumerate(districts)}
    groups: dict[tuple[tuple[str, ...], str], list[str]] = {}
    for visit in sorted(visits, key=lambda v: v.id):
        if visit.id in teams:
            key = (tuple(sorted(teams[visit.id])), entities[visit.uscc].district)
            groups.setdefault(key, []).append(visit.id)

    common = {team: available[[row[i] for i in team]].all(axis=0) for team, _ in groups}
    order = sorted(groups, key=lambda g: (int(common[g[0]].sum()), -len(groups[g]), g[0], g[1]))
    dates: dict[str, date] = {}
    unscheduled: dict[str, str] = {}
    progress.stage("schedule visits", len(order))
    for team, district in order:
        rows = [row[i] for i in team]
        ok_days = common[team]
        code = district_code[district]
        pending = groups[(team, district)]
        while pending:
            chunk = min(len(pending), limit)
            day = _best_day(load[rows], district_of_day[rows], ok_days, limit, chunk, code)
            if day is None:
                reason = (messages.no_common_day(team) if not ok_days.any()
                          else messages.days_fully_booked(team, int(ok_days.sum()), limit))
                for visit_id in pending:
                    unscheduled[visit_id] = reason
                break
            room = limit - int(load[rows, day].max())
            placed, pending = pending[:min(chunk, room)], pending[min(chunk, room):]
            for visit_id in placed:
                dates[visit_id] = days[day]
            load[rows, day] += len(placed)
            seen = district_of_day[rows, day]
            district_of_day[rows, day] = np.where((seen == _FREE) | (seen == code), code, _MIXED)
        progress.advance()
    progress.done()
    return Schedule({k: dates[k] for k in sorted(dates)}, {k: unscheduled[k] for k in sorted(unscheduled)})


def _best_day(load: np.ndarray, district: np.ndarray, ok_days: np.ndarray, limit: int, chunk: int,
              code: int) -> int | None:
    """The day for a chunk of ``chunk`` visits of one team in district ``code``
    (rows of ``load`` and ``district`` are the members); None if no day has room."""
    busiest = load.max(axis=0)
    room = np.where(ok_days, limit - busiest, 0)
    best_room = int(room.max()) if room.size else 0
    if best_room <= 0:
        return None
    fits = room >= min(chunk, best_room)
    elsewhere = ((district != _FREE) & (district != code)).sum(axis=0)
    total = load.sum(axis=0)
    n_days = load.shape[1]
    big = n_days * (limit * load.shape[0] + 1)
    score = ((elsewhere * (limit + 1) + busiest) * big + total * n_days + np.arange(n_days))
    score = np.where(fits, score, np.iinfo(np.int64).max)
    return int(score.argmin())
