"""Rectification (整改) follow-ups of approved results, and the counts the
seed reports quote ("发现问题71个，责令整改71个").

A :class:`~..visit_models.Rectification` is opened (``pending``) when a
result whose items order a correction by a deadline is approved
(:func:`.review.approve`). Its follow-up is recorded by a member of the
visit's team or a planner of its department (the item's department, or the
visit's lead department): **rectified** on a date (not in the future, not
before the check) with a note, or **not rectified** with a note. A
``not_rectified`` follow-up may later become ``rectified`` (the entity
corrected late); a rectified one is final. Every follow-up is a
:class:`~..visit_models.ResultEvent`.

Credit-system marks (信用监管) are in :mod:`.credit` and re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import CheckItem, Draw, DrawVisit, User, utcnow
from ..visit_models import ItemResult, Rectification, VisitResult
from . import scope, visit_access
from .credit import credit_counts, credit_export, credit_marks, mark_credit  # noqa: F401  (re-exported)
from .messages import _
from .review import actor_of, check_reason, event

NOTE_MAX = 500
FOLLOWUP_STATES = ("rectified", "not_rectified")
PROBLEM_CODES = ("02", "03", "0301", "0302", "0303", "0304")  # 发现问题 (with its sub-codes)
LIST_LIMIT = 500  # rows a list page shows


class RectificationError(ValueError):
    """A refused follow-up (the message names the field and the reason)."""


class RectificationNotFound(LookupError):
    """No such rectification for this user: views answer 404."""

    def __init__(self) -> None:
        super().__init__(_("没有找到这项整改"))


@dataclass
class RectificationRow:
    rectification: Rectification
    visit_id: str
    entity_name: str
    day: date
    item_name: str
    overdue: bool


def _visit_of(session: Session, rect: Rectification) -> tuple[DrawVisit, Draw]:
    visit = session.get(DrawVisit, rect.visit_pk)
    draw = session.get(Draw, visit.draw_id) if visit is not None else None
    if visit is None or not visit_access.is_live(draw, visit):
        raise RectificationNotFound()
    return visit, draw


def may_follow_up(session: Session, user: User | None, rect: Rectification, visit: DrawVisit, draw: Draw) -> bool:
    """A member of the visit's team, a planner of the rectification's (or
    the visit's lead) department, an admin or the system."""
    if scope.acts_for_all(user):
        return True
    me = visit_access.inspector_of(user)
    if me is not None:
        return me in (visit.team or [])
    return any(scope.can_act_for(user, d)
               for d in (rect.department, visit_access.lead_department(session, draw, visit)))


def get_for(session: Session, user: User | None, rectification_id: int) -> tuple[Rectification, DrawVisit, Draw]:
    """The rectification if ``user`` may see it: an inspector off the team
    gets :class:`RectificationNotFound` (ids confirm nothing); a planner of
    another department gets a :class:`ScopeError` when acting."""
    rect = session.get(Rectification, rectification_id)
    if rect is None:
        raise RectificationNotFound()
    visit, draw = _visit_of(session, rect)
    if user is not None and user.role == "inspector" and not may_follow_up(session, user, rect, visit, draw):
        raise RectificationNotFound()
    return rect, visit, draw


def _check_date(session: Session, visit: DrawVisit, done_on, today: date) -> date:
    if done_on in (None, ""):
        raise RectificationError(_("请填写整改完成日期"))
    if isinstance(done_on, str):
        try:
            done_on = date.fromisoformat(done_on.strip())
        except ValueError:
            raise RectificationError(_("整改完成日期格式不正确：%(v)s（应为 YYYY-MM-DD）", v=done_on[:20])) from None
    if done_on > today:
        raise RectificationError(_("整改完成日期 %(d)s 不能晚于今天", d=done_on.isoformat()))
    result = session.exec(select(VisitResult).where(VisitResult.visit_pk == visit.id,
                                                    VisitResult.current.is_(True))).first()
    checked = (result.completed_on if result is not None and result.completed_on else None) or visit.day
    if done_on < checked:
        raise RectificationError(_("整改完成日期 %(d)s 不能早于检查日期 %(c)s", d=done_on.isoformat(),
                                   c=checked.isoformat()))
    return done_on


def record_followup(session: Session, user: User | None, rectification_id: int, state: str, done_on,
                    note, today: date | None = None) -> Rectification:
    """Record the follow-up of a rectification (see the module docstring)."""
    rect, visit, draw = get_for(session, user, rectification_id)
    if not may_follow_up(session, user, rect, visit, draw):
        scope.require_member(user)
        raise scope.ScopeError(_("该整改属于%(d)s，您只能跟进本部门（%(own)s）的整改",
                                 d=scope._department_name(session, rect.department), own=user.department))
    if state not in FOLLOWUP_STATES:
        raise RectificationError(_("请选择整改结果：已整改或未整改"))
    if rect.state == "rectified":
        raise RectificationError(_("该整改已记录为已整改，不能再修改"))
    note = check_reason(note, _("整改说明"), error=RectificationError)
    today = today or visit_access._today()
    done = _check_date(session, visit, done_on, today) if state == "rectified" else None
    now, actor, previous = utcnow(), actor_of(user), rect.state
    changed = session.execute(sa.update(Rectification)
                              .where(Rectification.id == rect.id, Rectification.state == previous)
                              .values(state=state, done_on=done, note=note, recorded_at=now, recorded_by=actor))
    if changed.rowcount != 1:
        session.rollback()
        raise RectificationError(_("该整改刚刚已被他人更新，请刷新页面"))
    event(session, visit.id, None, "rectification", actor, item_id=rect.item_id, state=state,
          done_on=done.isoformat() if done else None, note=note, previous=previous)
    session.commit()
    session.refresh(rect)
    return rect


# --- lists ---

def _rows(session: Session, query, today: date) -> list[RectificationRow]:
    rects = list(session.exec(query.limit(LIST_LIMIT)))
    if not rects:
        return []
    visits = {v.id: v for v in session.exec(select(DrawVisit).where(DrawVisit.id.in_({r.visit_pk for r in rects})))}
    names = dict(session.exec(select(CheckItem.id, CheckItem.name).where(
        CheckItem.id.in_({r.item_id for r in rects}))).all())
    out = []
    for r in rects:
        v = visits[r.visit_pk]
        out.append(RectificationRow(r, v.visit_id, v.entity_name, v.day, names.get(r.item_id, ""),
                                    r.state == "pending" and r.deadline < today))
    return out


def row_of(session: Session, rect: Rectification, today: date | None = None) -> RectificationRow:
    """One rectification as a list row (after a follow-up, for the API)."""
    return _rows(session, select(Rectification).where(Rectification.id == rect.id),
                 today or visit_access._today())[0]


def _live_visit_ids():
    d, v = Draw.__table__.c, DrawVisit.__table__.c
    return (sa.select(v.id).select_from(DrawVisit.__table__.join(Draw.__table__, d.id == v.draw_id))
            .where(v.current.is_(True), d.state == "sealed", d.cancelled_at.is_(None)))


def _department_filter(user: User | None, department: str | None):
    """The department a list shows: a planner's own; an admin's or the
    system's choice (None: all)."""
    if user is not None and user.role == "planner":
        return user.department or ""
    return department or None


def for_planner(session: Session, user: User | None, today: date | None = None, department: str | None = None,
                state: str | None = None) -> list[RectificationRow]:
    """The department's rectifications: overdue first (oldest deadline
    first), then pending by deadline, then the recorded ones."""
    today = today or visit_access._today()
    dept = _department_filter(user, department)
    query = select(Rectification).where(Rectification.visit_pk.in_(_live_visit_ids()))
    if dept is not None:
        query = query.where(Rectification.department == dept)
    if state in ("pending", "rectified", "not_rectified"):
        query = query.where(Rectification.state == state)
    pending_first = sa.case((Rectification.state == "pending", 0), else_=1)
    return _rows(session, query.order_by(pending_first, Rectification.deadline, Rectification.id), today)


def overdue(session: Session, user: User | None = None, today: date | None = None,
            department: str | None = None) -> list[RectificationRow]:
    """Pending rectifications past their deadline (the planner's list)."""
    today = today or visit_access._today()
    dept = _department_filter(user, department)
    query = select(Rectification).where(Rectification.state == "pending", Rectification.deadline < today,
                                        Rectification.visit_pk.in_(_live_visit_ids()))
    if dept is not None:
        query = query.where(Rectification.department == dept)
    return _rows(session, query.order_by(Rectification.deadline, Rectification.id), today)


def for_team(session: Session, user: User | None, today: date | None = None) -> list[RectificationRow]:
    """The pending (and not rectified) rectifications of the inspector's own
    live visits, by deadline."""
    me = visit_access.inspector_of(user)
    if me is None:
        return []
    today = today or visit_access._today()
    query = (select(Rectification).where(Rectification.state.in_(("pending", "not_rectified")),
                                         Rectification.visit_pk.in_(_live_visit_ids()))
             .order_by(Rectification.deadline, Rectification.id))
    rows = _rows(session, query, today)
    teams = dict(session.exec(select(DrawVisit.id, DrawVisit.team).where(
        DrawVisit.id.in_({r.rectification.visit_pk for r in rows}))).all()) if rows else {}
    return [r for r in rows if me in (teams.get(r.rectification.visit_pk) or [])]


# --- counts ---

def counts(session: Session, user: User | None = None, department: str | None = None) -> dict[str, int]:
    """The figures of the seed reports over approved results: problems
    found (items coded 发现问题), ordered corrected (rectifications
    opened), rectified, not rectified, and the credit marks."""
    dept = _department_filter(user, department)
    live = _live_visit_ids()
    problems = (sa.select(sa.func.count()).select_from(ItemResult.__table__.join(
        VisitResult.__table__, VisitResult.__table__.c.id == ItemResult.__table__.c.result_id))
        .where(VisitResult.current.is_(True), VisitResult.state == "approved", VisitResult.visit_pk.in_(live),
               ItemResult.code.in_(PROBLEM_CODES)))
    rect = (sa.select(Rectification.state, sa.func.count()).where(Rectification.visit_pk.in_(live))
            .group_by(Rectification.state))
    if dept is not None:
        problems = problems.where(ItemResult.department == dept)
        rect = rect.where(Rectification.department == dept)
    by_state = dict(session.execute(rect).all())
    out = {"problems": session.execute(problems).scalar_one(), "ordered": sum(by_state.values()),
           "rectified": by_state.get("rectified", 0), "not_rectified": by_state.get("not_rectified", 0),
           "pending": by_state.get("pending", 0)}
    out.update(credit_counts(session, dept))
    return out
