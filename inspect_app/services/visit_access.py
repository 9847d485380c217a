"""Who may see a visit of a sealed draw before it is public: the one place of
the rule for the inspector pages, the results service and the check code.

* A visit is **live** when its draw is sealed and not cancelled and the
  visit is current (not superseded by a redraw).
* Its team sees it from ``visible_from``: the ``VISIT_VISIBLE_DAYS``-th
  working day before its date (default 3; 0 = from sealing). The drawn list
  is confidential, and the fewer people know it early, the less it leaks.
* Anyone else gets :class:`VisitNotFound`, the same answer as for an id that
  does not exist (views turn it into a 404), so that ids confirm nothing.
* The team's **lead** is the first member (in the outcome's team order) of
  the visit's lead department: the lead department of its first task.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, has_app_context
from sqlmodel import Session, select

from ..models import Draw, DrawVisit, Inspector, Task, User
from . import calendar as calendar_service
from .messages import _

DEFAULT_VISIBLE_DAYS = 3


class VisitNotFound(LookupError):
    """No such visit for this user (it may exist; the caller must not say)."""

    def __init__(self) -> None:
        super().__init__(_("没有找到这项检查"))


def visible_days() -> int:
    if has_app_context():
        return int(current_app.config.get("VISIT_VISIBLE_DAYS", DEFAULT_VISIBLE_DAYS))
    return DEFAULT_VISIBLE_DAYS


def _today() -> date:
    from . import draws

    return draws._today()


def is_live(draw: Draw | None, visit: DrawVisit) -> bool:
    return (draw is not None and draw.state == "sealed" and draw.cancelled_at is None
            and visit.current and visit.draw_id == draw.id)


def visible_from(session: Session, day: date, n: int | None = None) -> date | None:
    """The first day a visit on ``day`` shows to its team: the ``n``-th
    working day before ``day`` (``day`` itself not counted); None when
    ``n`` is 0 (visible from sealing)."""
    n = visible_days() if n is None else n
    if n <= 0:
        return None
    start = day - timedelta(days=7 * n + 30)  # long holidays (春节) never span more
    earlier = calendar_service.working_days(session, start, day - timedelta(days=1))
    if len(earlier) < n:
        return start
    return earlier[-n]


def visible_from_map(session: Session, days, n: int | None = None) -> dict[date, date | None]:
    """:func:`visible_from` for many visit days with one calendar read."""
    n = visible_days() if n is None else n
    days = sorted(set(days))
    if not days or n <= 0:
        return {d: None for d in days}
    start = days[0] - timedelta(days=7 * n + 30)
    working = calendar_service.working_days(session, start, days[-1])
    out: dict[date, date | None] = {}
    import bisect

    for d in days:
        k = bisect.bisect_left(working, d)  # working days strictly before d: working[:k]
        out[d] = working[k - n] if k >= n else start
    return out


def is_visible(session: Session, visit: DrawVisit, today: date | None = None, n: int | None = None) -> bool:
    first = visible_from(session, visit.day, n)
    return first is None or (today or _today()) >= first


def inspector_of(user: User | None) -> str | None:
    """The inspector record of an inspector account (None for anyone else)."""
    if user is None or user.role != "inspector" or not user.inspector:
        return None
    return user.inspector


def team_visit(session: Session, user: User | None, visit_pk: int,
               today: date | None = None) -> tuple[DrawVisit, Draw]:
    """The visit ``visit_pk`` and its draw, if ``user`` is an inspector on
    its team, the visit is live and it is visible today; else
    :class:`VisitNotFound`."""
    me = inspector_of(user)
    visit = session.get(DrawVisit, visit_pk) if me else None
    if visit is None or me not in (visit.team or []):
        raise VisitNotFound()
    draw = session.get(Draw, visit.draw_id)
    if not is_live(draw, visit) or not is_visible(session, visit, today):
        raise VisitNotFound()
    return visit, draw


def visit_tasks(session: Session, draw: Draw, visit: DrawVisit) -> list[Task]:
    """The visit's tasks (rows of the draw's plan), in the visit's order."""
    rows = {t.code: t for t in session.exec(select(Task).where(Task.plan_id == draw.plan_id,
                                                               Task.code.in_(visit.tasks or [])))}
    return [rows[c] for c in visit.tasks or [] if c in rows]


def lead_department(session: Session, draw: Draw, visit: DrawVisit) -> str | None:
    tasks = visit_tasks(session, draw, visit)
    if tasks:
        return tasks[0].department
    return (visit.departments or [None])[0]


def lead_inspector(session: Session, draw: Draw, visit: DrawVisit) -> str | None:
    """The team's lead: the first member of the lead department."""
    department = lead_department(session, draw, visit)
    team = list(visit.team or [])
    if not team:
        return None
    depts = dict(session.exec(select(Inspector.id, Inspector.department).where(Inspector.id.in_(team))).all())
    for member in team:
        if depts.get(member) == department:
            return member
    return team[0]
