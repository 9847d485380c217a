"""Before any draw: how many entities each task's strata hold, how many
visits the task should produce, and whether the inspectors can cover them.

Sample sizes use the protocol's exact rule, ``ceil(Fraction(ratio) × N)``
(the solver's own :func:`solver.sampling.sample_size`), per stratum: risk
class, or the entity's list with the highest ``list_ratio``. ``N`` counts the
active entities matching the task's filter; the draw additionally excludes
recently checked low-risk entities and those at the frequency cap, so the
actual samples can be smaller, never larger.

Capacity per department is the sum over its inspectors who are active, hold
a certificate valid through the window end and belong to the department, of
``min(max_visits, daily limit × available working days)``: the same figure the
solver uses. Demand is the number of inspector places the task's visits need
(team size as the solver's team rule, taken per task in isolation).

Counting a task's population scans the registry (a full scan for tag
filters: ~250 ms per task at 500,000 entities), so the counts are taken when
a task is saved and stored on it (``task.population``, ``task.counted_at``);
the preview page reads them, says when they were counted and whether the
registry changed since, and offers a recount. Capacity is always fresh.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, select

from solver.sampling import list_stratum, sample_size

from ..models import ACTIVE_STATUSES, RISK_CLASSES, Entity, Inspector, InspectorLeave, Task, utcnow
from . import calendar
from .policy import draw_policy


@dataclass
class Stratum:
    key: str  # "A".."D" or "list:<name>"
    population: int
    ratio: str | None
    sample: int


@dataclass
class TaskPreview:
    task: Task
    strata: list[Stratum]
    population: int
    expected_visits: int
    places: dict[str, int]  # department -> inspector places needed


@dataclass
class DepartmentCapacity:
    department: str
    inspectors: int
    capacity: int
    needed: int

    @property
    def short(self) -> bool:
        return self.needed > self.capacity


@dataclass
class PlanPreview:
    tasks: list[TaskPreview]
    capacity: dict[tuple[date, date], list[DepartmentCapacity]] = field(default_factory=dict)
    calendar_missing: list[str] = field(default_factory=list)
    counted_at: float = 0.0  # unix time of the oldest population count shown
    registry_changed: bool = False  # entities written since that count

    @property
    def warnings(self) -> list[DepartmentCapacity]:
        return [c for caps in self.capacity.values() for c in caps if c.short]


def json_any(column, values: list[str], dialect: str):
    """SQL condition: the JSON array ``column`` shares an element with ``values``."""
    if dialect == "postgresql":
        return sa.cast(column, postgresql.JSONB).has_any(sa.cast(postgresql.array(values),
                                                                  postgresql.ARRAY(sa.Text)))
    each = sa.func.json_each(column).table_valued("value")
    return sa.exists(sa.select(sa.literal(1)).select_from(each).where(each.c.value.in_(values)))


def filter_conditions(flt: dict, dialect: str) -> list:
    """The task filter as SQL conditions on ``entity``."""
    t = Entity.__table__.c
    conds = []
    if flt.get("districts"):
        conds.append(sa.or_(*[t.district.startswith(p, autoescape=True) for p in flt["districts"]]))
    if flt.get("industries"):
        conds.append(t.industry.in_(flt["industries"]))
    if flt.get("types"):
        conds.append(t.type.in_(flt["types"]))
    if flt.get("risks"):
        conds.append(t.risk.in_(flt["risks"]))
    if flt.get("tags_any"):
        conds.append(json_any(t.tags, flt["tags_any"], dialect))
    if flt.get("lists_any"):
        conds.append(json_any(t.lists, flt["lists_any"], dialect))
    return conds


def active_condition():
    t = Entity.__table__.c
    return sa.and_(t.status.in_(ACTIVE_STATUSES), t.active.is_(True))


def count_population(session: Session, task: Task) -> list[list]:
    """The active entities matching the task's filter, as sorted
    ``[risk, lists, count]`` rows (one scan of the registry: ~250 ms per
    task at 500,000 entities, which is why the rows are stored on the task)."""
    dialect = session.get_bind().dialect.name
    t = Entity.__table__.c
    lists_text = sa.cast(t.lists, sa.Text)
    rows = session.execute(
        sa.select(t.risk, lists_text, sa.func.count())
        .where(active_condition(), *filter_conditions(task.filter or {}, dialect))
        .group_by(t.risk, lists_text)).all()
    counts: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for risk, lists, n in rows:
        names = json.loads(lists) if isinstance(lists, str) else (lists or [])
        counts[(risk, tuple(sorted(set(names))))] += n
    return [[risk, list(lists), n] for (risk, lists), n in sorted(counts.items())]


def recount(session: Session, task: Task) -> None:
    """Count the task's population now and store it on the task (the caller
    commits)."""
    task.population = count_population(session, task)
    task.counted_at = utcnow()
    session.add(task)


def preview_task(session: Session, task: Task) -> TaskPreview:
    """The task's preview from its stored population (counted now if it has
    none)."""
    if task.population is None:
        recount(session, task)
    return preview_from_population(task, task.population)


def preview_from_population(task: Task, population: list[list]) -> TaskPreview:
    list_ratio = {k: Fraction(v) for k, v in (task.list_ratio or {}).items()}
    counts: Counter[str] = Counter()
    for risk, lists, n in population:
        listed = list_stratum(frozenset(lists), list_ratio) if list_ratio else None
        counts["list:" + listed if listed else risk] += n
    population = sum(counts.values())
    strata = []
    if task.count is not None:
        strata = [Stratum(k, counts[k], None, 0) for k in sorted(counts)]
        expected = min(task.count, population)
    else:
        ratios = {k: v for k, v in (task.ratio or {}).items()}
        ratios.update({"list:" + k: v for k, v in (task.list_ratio or {}).items()})
        keys = [r for r in RISK_CLASSES if r in counts or r in ratios] + \
               sorted(k for k in set(counts) | set(ratios) if k.startswith("list:"))
        for key in keys:
            ratio = ratios.get(key)
            n = counts.get(key, 0)
            strata.append(Stratum(key, n, ratio, sample_size(Fraction(ratio), n) if ratio else 0))
        expected = sum(s.sample for s in strata)
    return TaskPreview(task, strata, population, expected, task_places(task, expected))


def task_places(task: Task, visits: int) -> dict[str, int]:
    """Inspector places per department for ``visits`` visits of this task
    alone (the solver's team rule: see solver.team_rules.team_requirement)."""
    policy = draw_policy()
    departments = [task.department] + [d for d in task.participating if d != task.department]
    if len(departments) == 1:
        return {task.department: visits * max(policy["min_team_size"], task.inspectors_per_visit)}
    total = max(policy["min_team_size"], len(departments), task.inspectors_per_visit)
    need = {d: 1 for d in departments}
    order = [task.department] + sorted(d for d in departments if d != task.department)
    for k in range(total - len(departments)):
        need[order[k % len(order)]] += 1
    return {d: n * visits for d, n in need.items()}


def department_capacity(session: Session, department: str, start: date, end: date) -> tuple[int, int]:
    """(eligible inspectors, visit capacity) of a department in the window.
    Raises :class:`calendar.CalendarUnknown` for a window without a calendar."""
    days = set(calendar.working_days(session, start, end))
    daily = draw_policy()["daily_visits_per_inspector"]
    inspectors = session.exec(select(Inspector).where(
        Inspector.department == department, Inspector.active,
        Inspector.certificate_expires.is_not(None), Inspector.certificate_expires >= end)).all()
    leave = defaultdict(set)
    if inspectors:
        for row in session.exec(select(InspectorLeave).where(
                InspectorLeave.inspector.in_([i.id for i in inspectors]),
                InspectorLeave.start <= end, InspectorLeave.end >= start)):
            d = max(row.start, start)
            while d <= min(row.end, end):
                leave[row.inspector].add(d)
                d += timedelta(days=1)
    total = 0
    for inspector in inspectors:
        available = len(days - leave[inspector.id])
        total += min(inspector.max_visits, daily * available)
    return len(inspectors), total


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def preview_plan(session: Session, tasks: list[Task], refresh: bool = False) -> PlanPreview:
    """The plan's preview from the populations stored on its tasks (counted
    when a task is saved); ``refresh`` counts them all again and stores the
    new counts. ``registry_changed`` tells whether an entity was written
    after the oldest count (one probe of ``ix_entity_updated_at``)."""
    counted = False
    for task in tasks:
        if refresh or task.population is None:
            recount(session, task)
            counted = True
    if counted:
        session.commit()
    previews = [preview_from_population(t, t.population) for t in tasks]
    oldest = min((_aware(t.counted_at) for t in tasks), default=utcnow())
    result = PlanPreview(previews, counted_at=oldest.timestamp())
    if tasks:
        latest = session.execute(sa.select(sa.func.max(Entity.updated_at))).scalar()
        result.registry_changed = latest is not None and _aware(latest) > oldest
    windows: dict[tuple[date, date], Counter] = defaultdict(Counter)
    for p in previews:
        windows[(p.task.window_start, p.task.window_end)].update(p.places)
    for (start, end), needed in sorted(windows.items()):
        caps = []
        try:
            for department in sorted(needed):
                n, cap = department_capacity(session, department, start, end)
                caps.append(DepartmentCapacity(department, n, cap, needed[department]))
        except calendar.CalendarUnknown as error:
            result.calendar_missing.append(f"{start}–{end}: {error}")
            continue
        result.capacity[(start, end)] = caps
    return result
