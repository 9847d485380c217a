"""The inspector's own visits: the list (upcoming first, grouped by day) and
the page of one visit.

Who may see what is ``services/visit_access.py``: only live visits (sealed,
not cancelled, current) of draws on whose team the user's inspector record
is, and an upcoming visit only from its ``visible_from`` day
(``VISIT_VISIBLE_DAYS`` working days before its date; 0 = from sealing).

The list reads the user's visits through ``visit_member`` (one row per team
member and visit, migration 0017), an index lookup by inspector: an
inspector has a few dozen visits per draw, a city's draw some 15,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import CheckItem, District, Draw, DrawVisit, Entity, Inspector, Plan, Task, User
from ..visit_models import VisitMember
from . import visit_access
from .messages import department_names

UPCOMING_LIMIT = 500  # rows read ahead (an inspector has a few dozen per draw window)
EARLIER_LIMIT = 60  # past visits shown, the latest first (a phone page, not an archive)


# --- the list ---------------------------------------------------------------


@dataclass(frozen=True)
class VisitRow:
    pk: int  # draw_visit.id: the URL of the visit page
    visit_id: str  # the draw-local id (V00001)
    day: date
    entity_name: str
    uscc: str
    district: str  # its name (the code when unknown)
    tasks: list[str]  # task names
    departments: list[str]  # department names
    joint: bool  # 综合查一次: more than one department
    draw_code: str
    lead: bool  # the user leads the team


@dataclass(frozen=True)
class DayGroup:
    day: date
    visits: list[VisitRow]
    today: bool = False

    @property
    def count(self) -> int:
        return len(self.visits)


@dataclass(frozen=True)
class MyVisits:
    inspector: Inspector | None  # None: the account has no inspector record
    today: date
    upcoming: list[DayGroup] = field(default_factory=list)  # today and later, ascending
    earlier: list[DayGroup] = field(default_factory=list)  # before today, the latest first
    earlier_truncated: bool = False  # more than EARLIER_LIMIT past visits exist
    visible_days: int = visit_access.DEFAULT_VISIBLE_DAYS

    @property
    def total(self) -> int:
        return sum(g.count for g in self.upcoming) + sum(g.count for g in self.earlier)


# the columns the list shows (not whole rows: a draw row carries its stats)
_LIST_COLUMNS = (DrawVisit.id, DrawVisit.visit_id, DrawVisit.day, DrawVisit.uscc, DrawVisit.entity_name,
                 DrawVisit.district, DrawVisit.tasks, DrawVisit.departments, DrawVisit.team, Draw.code, Draw.plan_id)


def _live_visits_of(me: str):
    """The live visits ``me`` is on the team of, with their draws' code and plan."""
    return (sa.select(*_LIST_COLUMNS)
            .join(VisitMember, VisitMember.visit_pk == DrawVisit.id)
            .join(Draw, Draw.id == DrawVisit.draw_id)
            .where(VisitMember.inspector == me, DrawVisit.current.is_(True),
                   Draw.state == "sealed", Draw.cancelled_at.is_(None)))


def _groups(rows: list[VisitRow], today: date) -> list[DayGroup]:
    out: list[DayGroup] = []
    for row in rows:
        if out and out[-1].day == row.day:
            out[-1].visits.append(row)
        else:
            out.append(DayGroup(day=row.day, visits=[row], today=row.day == today))
    return out


def my_visits(session: Session, user: User | None, today: date | None = None) -> MyVisits:
    """The visits ``user`` (an inspector account) may see today: upcoming
    ones (today and later, ascending) that are already visible, then earlier
    ones (descending, at most :data:`EARLIER_LIMIT`), grouped by day.
    Raises ``calendar.CalendarUnknown`` when a visit's visibility needs a
    year whose holidays are not known."""
    today = today or visit_access._today()
    n = visit_access.visible_days()
    me = visit_access.inspector_of(user)
    inspector = session.get(Inspector, me) if me else None
    if inspector is None:
        return MyVisits(inspector=None, today=today, visible_days=n)
    ahead = session.execute(_live_visits_of(me).where(DrawVisit.day >= today)
                            .order_by(DrawVisit.day, DrawVisit.visit_id).limit(UPCOMING_LIMIT)).all()
    past = session.execute(_live_visits_of(me).where(DrawVisit.day < today)
                           .order_by(DrawVisit.day.desc(), DrawVisit.visit_id).limit(EARLIER_LIMIT + 1)).all()
    truncated = len(past) > EARLIER_LIMIT
    past = past[:EARLIER_LIMIT]
    if ahead:  # an upcoming visit shows from its visible_from day (a past one always does)
        first = visit_access.visible_from_map(session, [v.day for v in ahead], n)
        ahead = [v for v in ahead if first[v.day] is None or today >= first[v.day]]
    rows = _rows(session, me, ahead + past)
    return MyVisits(inspector=inspector, today=today, visible_days=n,
                    upcoming=_groups(rows[:len(ahead)], today), earlier=_groups(rows[len(ahead):], today),
                    earlier_truncated=truncated)


def _rows(session: Session, me: str, visits: list) -> list[VisitRow]:
    """List rows with names (``visits``: rows of :data:`_LIST_COLUMNS`): one
    read each of tasks, districts, departments and team members for all."""
    if not visits:
        return []
    plan_ids = {v.plan_id for v in visits}
    tasks = {(p, c): (name, dept) for p, c, name, dept in session.execute(
        sa.select(Task.plan_id, Task.code, Task.name, Task.department).where(Task.plan_id.in_(plan_ids)))}
    district_codes = {v.district for v in visits}
    districts = dict(session.execute(sa.select(District.code, District.name)
                                     .where(District.code.in_(district_codes))).all())
    departments = department_names(session)
    members = {m for v in visits for m in v.team or []}
    member_dept = dict(session.execute(sa.select(Inspector.id, Inspector.department)
                                       .where(Inspector.id.in_(members))).all())
    out = []
    for v in visits:
        vt = [tasks[(v.plan_id, c)] for c in v.tasks or [] if (v.plan_id, c) in tasks]
        lead_dept = vt[0][1] if vt else (v.departments or [None])[0]
        lead = next((m for m in v.team or [] if member_dept.get(m) == lead_dept), (v.team or [None])[0])
        out.append(VisitRow(pk=v.id, visit_id=v.visit_id, day=v.day, entity_name=v.entity_name, uscc=v.uscc,
                            district=districts.get(v.district, v.district), tasks=[name for name, _d in vt],
                            departments=[departments.get(x, x) for x in _lead_first(v.departments, lead_dept)],
                            joint=len(v.departments or []) > 1, draw_code=v.code or "", lead=lead == me))
    return out


def _lead_first(codes, lead: str | None) -> list[str]:
    codes = list(codes or [])
    return ([lead] if lead in codes else []) + [c for c in codes if c != lead]


# --- one visit ----------------------------------------------------------------


@dataclass(frozen=True)
class ItemView:
    id: int
    code: str
    name: str
    legal_basis: str
    content: str
    method: str | None
    department: str
    department_name: str


@dataclass(frozen=True)
class TaskView:
    code: str
    name: str
    directed: bool
    department: str  # the lead department
    department_name: str
    participating: list[str]  # names
    items: list[ItemView]


@dataclass(frozen=True)
class MemberView:
    id: str
    name: str
    certificate_no: str | None
    department: str
    department_name: str
    lead: bool
    me: bool


@dataclass(frozen=True)
class DepartmentShare:
    """In a joint visit: what one department checks, and who of the team
    belongs to it."""

    department: str
    name: str
    items: list[ItemView]
    members: list[MemberView]


@dataclass(frozen=True)
class EntityView:
    name: str
    uscc: str
    address: str | None
    district: str  # code
    district_name: str
    type: str | None


@dataclass(frozen=True)
class VisitDetail:
    visit: DrawVisit
    draw: Draw
    plan: Plan | None
    day: date
    entity: EntityView
    tasks: list[TaskView]
    team: list[MemberView]
    lead: MemberView | None
    joint: bool
    shares: list[DepartmentShare]  # per department, in the visit's department order (joint visits)
    departments: list[str]  # names

    @property
    def i_lead(self) -> bool:
        return self.lead is not None and self.lead.me


def visit_detail(session: Session, user: User | None, visit_pk: int, today: date | None = None) -> VisitDetail:
    """The page of one visit for a member of its team. Anyone else, a visit
    that is not live or not yet visible, and an id that does not exist all
    raise :class:`visit_access.VisitNotFound`."""
    visit, draw = visit_access.team_visit(session, user, visit_pk, today)
    me = visit_access.inspector_of(user)
    plan = session.get(Plan, draw.plan_id)
    departments = department_names(session)
    entity = session.exec(select(Entity).where(Entity.uscc == visit.uscc)).first()
    district_code = entity.district if entity is not None else visit.district
    district = session.get(District, district_code)
    entity_view = EntityView(name=entity.name if entity is not None else visit.entity_name, uscc=visit.uscc,
                             address=entity.address if entity is not None else None, district=district_code,
                             district_name=district.name if district is not None else district_code,
                             type=entity.type if entity is not None else None)
    tasks = visit_access.visit_tasks(session, draw, visit)
    item_ids = {i for t in tasks for i in t.items or []}
    items = {c.id: c for c in session.exec(select(CheckItem).where(CheckItem.id.in_(item_ids)))} if item_ids else {}

    def item_view(c: CheckItem) -> ItemView:
        return ItemView(id=c.id, code=c.code, name=c.name, legal_basis=c.legal_basis or "", content=c.content or "",
                        method=c.method, department=c.department,
                        department_name=departments.get(c.department, c.department))

    task_views = [TaskView(code=t.code, name=t.name, directed=t.directed, department=t.department,
                           department_name=departments.get(t.department, t.department),
                           participating=[departments.get(p, p) for p in t.participating or []],
                           items=[item_view(items[i]) for i in t.items or [] if i in items])
                  for t in tasks]
    lead_id = visit_access.lead_inspector(session, draw, visit)
    team_ids = list(dict.fromkeys(visit.team or []))
    people = {i.id: i for i in session.exec(select(Inspector).where(Inspector.id.in_(team_ids)))} if team_ids else {}
    team = []
    for m in team_ids:
        p = people.get(m)
        dept = p.department if p is not None else ""
        team.append(MemberView(id=m, name=p.name if p is not None else m,
                               certificate_no=p.certificate_no if p is not None else None, department=dept,
                               department_name=departments.get(dept, dept), lead=m == lead_id, me=m == me))
    # the lead department first, then the tasks' participating departments, then any other of the visit
    dept_order = list(dict.fromkeys([t.department for t in tasks] + [p for t in tasks for p in t.participating or []]
                                    + list(visit.departments or [])))
    joint = len(visit.departments or []) > 1
    shares = []
    if joint:
        for dept in dept_order:
            seen: dict[int, ItemView] = {}
            for t in task_views:
                for i in t.items:
                    if i.department == dept:
                        seen.setdefault(i.id, i)
            shares.append(DepartmentShare(department=dept, name=departments.get(dept, dept), items=list(seen.values()),
                                          members=[m for m in team if m.department == dept]))
    return VisitDetail(visit=visit, draw=draw, plan=plan, day=visit.day, entity=entity_view, tasks=task_views,
                       team=team, lead=next((m for m in team if m.lead), None), joint=joint, shares=shares,
                       departments=[departments.get(x, x) for x in _lead_first(visit.departments,
                                                                               tasks[0].department if tasks else None)])
