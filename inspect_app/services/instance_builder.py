"""From the database to an ``inspect-draw/1`` instance document.

The instance holds everything the outcome depends on (DRAW-PROTOCOL.md):

* ``entities`` — the registry (restricted by district prefix when every task
  is directed to districts), with ``status`` ``"active"`` for entities whose
  registration status is 存续/在业 and that were present in the last full
  registry file, else the registration status (or ``"inactive"``); tags,
  lists, industry, type; ``checks_this_year`` counts the CheckRecords of the
  window's year before the window starts and the visits of sealed draws in
  that year; ``last_checks`` is, per department, the most recent check with
  its inspectors (several on that day merged) — a check record before the
  window or a visit of a sealed draw (see :func:`_history`);
* ``inspectors`` of the departments involved, with their leave inside the
  window as ``unavailable`` dates, certificate, qualifications, capacity;
* ``conflicts`` and ``pair_conflicts`` of those inspectors;
* ``items`` — only published, current check items (anything else is refused);
* ``tasks``; ``calendar`` from :func:`calendar.window_calendar` (a window
  without a known calendar raises :class:`calendar.CalendarUnknown`);
* ``policy`` from the app config (:mod:`.policy`).

Redraws (one visit of an earlier draw) use the same builder with a
:class:`Redraw` adjustment: a restricted entity set, excluded entities, and
inspectors' remaining capacity after the visits already scheduled. A redraw
counts only the visits of its own chain (``visit_draws``: the root and its
sealed redraws), whose outcomes are public when the redraw is (it is revealed
only with its root), so its instance encodes nothing of other, unrelated
draws that may still be confidential.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from solver.progress import NullProgress, Progress

from ..models import (ACTIVE_STATUSES, CheckItem, CheckRecord, Conflict, Department, Draw, DrawVisit,
                      Entity, Inspector, InspectorLeave, PairConflict, Task)
from . import calendar
from .batch import json_lists
from .policy import draw_policy
from .messages import _

FORMAT = "inspect-draw/1"


class BuildError(ValueError):
    """The instance cannot be built; the message says why."""


@dataclass
class Redraw:
    """Adjustments for a redraw instance."""

    only_usccs: set[str] | None = None  # the entity set (inspector replacement)
    exclude_usccs: set[str] = field(default_factory=set)  # already drawn (entity replacement)
    unavailable_inspectors: set[str] = field(default_factory=set)  # off for the whole window
    count_scheduled: bool = True  # reduce capacity by visits already scheduled
    ignore_visit: int | None = None  # the DrawVisit being replaced: not counted
    visit_draws: set[int] | None = None  # only these draws' visits count (the redraw's chain)


def task_document(session: Session, task: Task, count: int | None = None,
                  keep_filter: bool = True) -> tuple[dict, list[CheckItem]]:
    """A task as the instance states it, and its check items. ``count``
    replaces the task's ratio (redraws draw one entity per task)."""
    items = []
    for item_id in task.items:
        item = session.get(CheckItem, item_id)
        if item is None:
            raise BuildError(_("任务 %(t)s：抽查事项 %(i)s 不存在", t=task.code, i=item_id))
        if not item.published or not item.current:
            raise BuildError(_("任务 %(t)s：抽查事项 %(c)s 第 %(v)s 版不是已公布的现行版本，不能抽取",
                               t=task.code, c=item.code, v=item.version))
        items.append(item)
    doc: dict = {"id": task.code, "department": task.department,
                 "items": [i.code for i in items],
                 "inspectors_per_visit": task.inspectors_per_visit}
    if task.participating:
        doc["participating"] = list(task.participating)
    if keep_filter and task.filter:
        doc["filter"] = {k: list(v) for k, v in task.filter.items() if v}
    if count is not None:
        doc["count"] = count
    elif task.count is not None:
        doc["count"] = task.count
    else:
        doc["ratio"] = {k: float(v) for k, v in sorted(task.ratio.items())}
        if task.list_ratio:
            doc["list_ratio"] = {k: float(v) for k, v in sorted(task.list_ratio.items())}
    return doc, items


def _days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def build_instance(session: Session, draw_code: str, task_docs: list[dict], items: list[CheckItem],
                   start: date, end: date, redraw: Redraw | None = None,
                   progress: Progress | None = None, sources: set[int] | None = None) -> dict:
    """The instance document, without ``secret`` and with an empty
    ``external_entropy`` (filled in when the witnesses enter it). ``sources``,
    when given, receives the ids of the draws whose sealed visits the
    entities' history counts: the instance shows them (see
    :attr:`Draw.history_until`)."""
    progress = progress or NullProgress()
    policy = draw_policy()
    cal = calendar.window_calendar(session, start, end)  # raises CalendarUnknown
    dept_ids = sorted({d for t in task_docs for d in [t["department"], *t.get("participating", [])]})
    departments = []
    for d in dept_ids:
        row = session.get(Department, d)
        if row is None:
            raise BuildError(_("部门 %(d)s 不存在", d=d))
        departments.append({"id": row.id, "name": row.name})
    item_docs = {}
    for item in items:
        doc = {"id": item.code, "department": item.department, "name": item.name}
        if item.qualification:
            doc["qualification"] = item.qualification
        item_docs[item.code] = doc
    entities = _entities(session, task_docs, start, redraw, progress, sources if sources is not None else set())
    inspectors = _inspectors(session, dept_ids, start, end, policy, redraw)
    ids = {i["id"] for i in inspectors}
    usccs = {e["uscc"] for e in entities}
    progress.stage("conflicts")
    conflicts = sorted(({"inspector": c.inspector, "uscc": c.uscc, "reason": c.reason}
                        for c in session.exec(select(Conflict).where(Conflict.inspector.in_(ids)))
                        if c.uscc in usccs), key=lambda c: (c["inspector"], c["uscc"]))
    pairs = sorted(({"a": p.a, "b": p.b} for p in session.exec(select(PairConflict))
                    if p.a in ids and p.b in ids), key=lambda p: (p["a"], p["b"]))
    progress.done()
    return {
        "format": FORMAT,
        "draw_id": draw_code,
        "external_entropy": "",
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "calendar": cal,
        "policy": policy,
        "departments": departments,
        "items": [item_docs[k] for k in sorted(item_docs)],
        "entities": entities,
        "inspectors": inspectors,
        "conflicts": conflicts,
        "pair_conflicts": pairs,
        "tasks": task_docs,
    }


def _district_prefixes(task_docs: list[dict]) -> list[str] | None:
    prefixes = []
    for t in task_docs:
        districts = (t.get("filter") or {}).get("districts")
        if not districts:
            return None
        prefixes.extend(districts)
    return sorted(set(prefixes))


def _history(session: Session, start: date, usccs: set[str] | None, ignore_visit: int | None = None,
             visit_draws: set[int] | None = None):
    """(checks this year, last check per department) per USCC.

    Two sources: the check records before the window (imported history and
    recorded results), and the current visits of sealed draws — checks that
    are planned or done but whose results are not recorded yet, so that a
    draw made while an earlier one is still being carried out respects the
    frequency cap, the recent-check exclusion and rotation. A visit counts
    once towards ``checks_this_year`` when its date falls in the window's
    year, and for each of its departments (with that department's members of
    its team) as a check on its date; a visit with a check record of the same
    entity, department and date is not counted again. ``ignore_visit`` is the
    visit a redraw replaces; ``visit_draws`` (a redraw) restricts the visits
    to those of the given draws. The third value maps each USCC to the draws
    whose visits its history counts."""
    year_start = date(start.year, 1, 1)
    counts: dict[str, int] = defaultdict(int)
    last: dict[str, dict[str, tuple[date, set[str]]]] = defaultdict(dict)
    sources: dict[str, set[int]] = defaultdict(set)

    def note(uscc: str, dept: str, day: date, inspectors) -> None:
        seen = last[uscc].get(dept)
        if seen is None or day > seen[0]:
            last[uscc][dept] = (day, set(inspectors or []))
        elif day == seen[0]:
            seen[1].update(inspectors or [])

    recorded: set[tuple[str, str, date]] = set()
    query = select(CheckRecord.uscc, CheckRecord.department, CheckRecord.checked_on,
                   CheckRecord.inspectors).where(CheckRecord.checked_on < start)
    if usccs is not None:
        query = query.where(CheckRecord.uscc.in_(usccs))
    for uscc, dept, day, inspectors in session.execute(query):
        if day >= year_start:
            counts[uscc] += 1
        recorded.add((uscc, dept, day))
        note(uscc, dept, day, inspectors)

    v = DrawVisit.__table__.c
    visits = (sa.select(v.id, v.uscc, v.departments, v.team, v.day, v.draw_id)
              .join(Draw.__table__, Draw.__table__.c.id == v.draw_id)
              .where(Draw.__table__.c.state == "sealed", v.current.is_(True)))
    if usccs is not None:
        visits = visits.where(v.uscc.in_(usccs))
    if ignore_visit is not None:
        visits = visits.where(v.id != ignore_visit)
    if visit_draws is not None:
        visits = visits.where(v.draw_id.in_(sorted(visit_draws)))
    department_of: dict[str, str] | None = None
    for _visit, uscc, departments, team, day, draw_id in session.execute(visits.order_by(v.id)):
        if department_of is None:
            department_of = dict(session.execute(sa.select(Inspector.id, Inspector.department)).all())
        departments = [d for d in (departments or []) if (uscc, d, day) not in recorded]
        if not departments:
            continue
        sources[uscc].add(draw_id)
        if day.year == start.year:
            counts[uscc] += 1
        for dept in departments:
            note(uscc, dept, day, [i for i in team or [] if department_of.get(i) == dept])
    return counts, last, sources


def _entities(session: Session, task_docs: list[dict], start: date, redraw: Redraw | None,
              progress: Progress, sources: set[int]) -> list[dict]:
    """One dict per entity, in registry (id) order. Tags and lists are read as JSON
    text and decoded once per distinct value (registries hold few distinct
    combinations), which keeps a city-sized registry fast."""
    t = Entity.__table__.c
    query = sa.select(t.uscc, t.name, t.district, t.risk, t.status, t.active, sa.cast(t.tags, sa.Text),
                      sa.cast(t.lists, sa.Text), t.industry, t.type)
    only = redraw.only_usccs if redraw else None
    if only is not None:
        query = query.where(t.uscc.in_(only))
    else:
        prefixes = _district_prefixes(task_docs)
        if prefixes:
            query = query.where(sa.or_(*[t.district.startswith(p, autoescape=True) for p in prefixes]))
    total = session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    query = query.order_by(t.id)  # registry order: a sequential scan, deterministic
    progress.stage("history")
    counts, last, fed_by = _history(session, start, only, redraw.ignore_visit if redraw else None,
                                    redraw.visit_draws if redraw else None)
    progress.stage("entities", total)
    exclude = redraw.exclude_usccs if redraw else set()
    strings = json_lists(sorted)

    result = []
    n = 0
    for n, (code, name, district, risk, status, active, tags, lists, industry, kind) in enumerate(
            session.execute(query.execution_options(yield_per=20000)), 1):
        if code in exclude:
            continue
        doc = {"uscc": code, "name": name, "district": district, "risk": risk,
               "status": "active" if status in ACTIVE_STATUSES and active else (
                   status if status not in ACTIVE_STATUSES else "inactive"),
               "tags": strings(tags), "lists": strings(lists), "checks_this_year": counts.get(code, 0)}
        if industry:
            doc["industry"] = industry
        if kind:
            doc["type"] = kind
        checks = last.get(code)
        if checks:
            sources.update(fed_by.get(code, ()))
            doc["last_checks"] = [{"department": d, "date": day.isoformat(), "inspectors": sorted(ins)}
                                  for d, (day, ins) in sorted(checks.items())]
        result.append(doc)
        if n % 20000 == 0:
            progress.advance(20000)
    return result


def scheduled_load(session: Session, inspector_ids: set[str], start: date, end: date,
                   ignore_visit: int | None = None,
                   visit_draws: set[int] | None = None) -> dict[str, dict[date, int]]:
    """Visits per inspector per day already scheduled by sealed draws (current
    visits only) in the window; only ``visit_draws``' visits when given."""
    load: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    query = select(DrawVisit).join(Draw, Draw.id == DrawVisit.draw_id).where(
        Draw.state == "sealed", DrawVisit.current, DrawVisit.day >= start, DrawVisit.day <= end)
    if visit_draws is not None:
        query = query.where(DrawVisit.draw_id.in_(sorted(visit_draws)))
    rows = session.exec(query)
    for visit in rows:
        if visit.id == ignore_visit:
            continue
        for inspector in visit.team:
            if inspector in inspector_ids:
                load[inspector][visit.day] += 1
    return load


def _inspectors(session: Session, dept_ids: list[str], start: date, end: date, policy: dict,
                redraw: Redraw | None) -> list[dict]:
    rows = list(session.exec(select(Inspector).where(Inspector.department.in_(dept_ids)).order_by(Inspector.id)))
    ids = {i.id for i in rows}
    leave: dict[str, set[date]] = defaultdict(set)
    if ids:
        for row in session.exec(select(InspectorLeave).where(InspectorLeave.inspector.in_(ids),
                                                              InspectorLeave.start <= end,
                                                              InspectorLeave.end >= start)):
            leave[row.inspector].update(_days(max(row.start, start), min(row.end, end)))
    used = (scheduled_load(session, ids, start, end, redraw.ignore_visit, redraw.visit_draws)
            if redraw and redraw.count_scheduled else {})
    daily = policy["daily_visits_per_inspector"]
    result = []
    for i in rows:
        off = set(leave[i.id])
        max_visits = i.max_visits
        if redraw is not None:
            if i.id in redraw.unavailable_inspectors:
                off.update(_days(start, end))
            days = used.get(i.id, {})
            off.update(d for d, n in days.items() if n >= daily)
            max_visits = max(0, max_visits - sum(days.values()))
        doc = {"id": i.id, "name": i.name, "department": i.department, "district": i.district,
               "qualifications": sorted(i.qualifications or []), "active": bool(i.active),
               "unavailable": sorted(d.isoformat() for d in off), "max_visits": max_visits}
        if i.certificate_expires is not None:
            doc["certificate_expires"] = i.certificate_expires.isoformat()
        result.append(doc)
    return result
