"""Review (审核) of the teams' submitted results, and each draw's progress.

* A planner of the visit's **lead department** (the lead department of its
  first task, :func:`..visit_access.lead_department`) or an admin reviews
  the visit's current result while it is ``submitted``: **approve** (the
  record becomes publishable) or **return** it with a reason (the team
  corrects the same revision and submits again). Refusals of who may act
  are :class:`~.scope.ScopeError`; a result in another state, or one that
  another reviewer handled a moment earlier (a conditional UPDATE decides),
  is a :class:`ReviewError`.
* Approving publishes the result (:mod:`.publication`) in the same
  transaction, and opens a :class:`~..visit_models.Rectification` (``pending``)
  for every item ordered corrected by a deadline (``rectify_by``). An item
  coded ``06`` (不配合检查情节严重) opens nothing by itself: the planner marks
  the entity for the credit system explicitly
  (:func:`.rectification.mark_credit`).
* :func:`draw_progress` counts a draw's live visits (the sealed draw and its
  sealed redraws' current visits) by result state, with the publication
  deadline of each completed check: 20 working days after completion
  (:data:`PUBLICATION_DAYS`), on the working-day calendar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import Draw, DrawVisit, User, utcnow
from ..visit_models import ItemResult, Rectification, ResultEvent, VisitResult
from . import calendar as calendar_service
from .batch import gc_paused
from . import audit, scope, visit_access
from .messages import _
from .text_rules import TextError, check_text
from .text_rules import message as text_message

PUBLICATION_DAYS = 20  # results published within 20 working days after the check (企业信息公示暂行条例 art. 6)
SOON_DAYS = 5  # a deadline this many working days ahead or fewer is flagged
REASON_MAX = 500
REFUSED_CODE = "06"


class ReviewError(ValueError):
    """A review step refused for the state of the result (shown to the user)."""


class ResultNotFound(LookupError):
    """No live visit (or no result) with this id: views answer 404."""

    def __init__(self) -> None:
        super().__init__(_("没有找到这项检查"))


def actor_of(user: User | None) -> str | None:
    return user.username if user is not None else None


def live_visit(session: Session, visit_pk: int) -> tuple[DrawVisit, Draw]:
    """The visit and its draw if the visit counts (sealed, not cancelled,
    current); else :class:`ResultNotFound`."""
    visit = session.get(DrawVisit, visit_pk)
    draw = session.get(Draw, visit.draw_id) if visit is not None else None
    if visit is None or not visit_access.is_live(draw, visit):
        raise ResultNotFound()
    return visit, draw


def current_result(session: Session, visit_pk: int) -> VisitResult | None:
    return session.exec(select(VisitResult).where(VisitResult.visit_pk == visit_pk,
                                                  VisitResult.current.is_(True))).first()


def revisions(session: Session, visit_pk: int) -> list[VisitResult]:
    return list(session.exec(select(VisitResult).where(VisitResult.visit_pk == visit_pk)
                             .order_by(VisitResult.revision)))


def items(session: Session, result: VisitResult | None) -> list[ItemResult]:
    if result is None:
        return []
    return list(session.exec(select(ItemResult).where(ItemResult.result_id == result.id).order_by(ItemResult.id)))


def trail(session: Session, visit_pk: int) -> list[ResultEvent]:
    return list(session.exec(select(ResultEvent).where(ResultEvent.visit_pk == visit_pk).order_by(ResultEvent.id)))


def review_department(session: Session, draw: Draw, visit: DrawVisit) -> str | None:
    return visit_access.lead_department(session, draw, visit)


def require_reviewer(session: Session, user: User | None, draw: Draw, visit: DrawVisit) -> str | None:
    """Refuse (:class:`ScopeError`) unless ``user`` is a planner of the
    visit's lead department, an admin or the system."""
    department = review_department(session, draw, visit)
    scope.require_member(user)
    if not scope.can_act_for(user, department):
        raise scope.ScopeError(_("检查 %(v)s 由%(d)s牵头，只有该部门的计划员可以审核（您的部门：%(own)s）",
                                 v=visit.visit_id, d=scope._department_name(session, department),
                                 own=user.department))
    return department


def may_review(session: Session, user: User | None, draw: Draw, visit: DrawVisit) -> bool:
    try:
        require_reviewer(session, user, draw, visit)
    except scope.ScopeError:
        return False
    return True


def event(session: Session, visit_pk: int, result_id: int | None, action: str, actor: str | None, **detail) -> None:
    """A step of the visit's trail and its audit row (``result.<action>``)."""
    detail = {k: v for k, v in detail.items() if v is not None}
    session.add(ResultEvent(visit_pk=visit_pk, result_id=result_id, action=action, actor=actor, detail=detail))
    audit.record(session, actor=actor, action=f"result.{action}", object_type="visit", object_id=visit_pk,
                 details=dict(detail, result=result_id))


def N_(message: str) -> str:
    """Marks a msgid for extraction; translated where it is shown."""
    return message


_STATE_NAMES = {"draft": N_("填写中"), "submitted": N_("已提交待审核"), "returned": N_("已退回修改"),
                "approved": N_("已审核通过")}


def state_name(state: str | None) -> str:
    return _(_STATE_NAMES[state]) if state in _STATE_NAMES else _("未填写")


def _submitted_result(session: Session, visit: DrawVisit) -> VisitResult:
    result = current_result(session, visit.id)
    if result is None:
        raise ReviewError(_("检查 %(v)s 还没有提交检查结果", v=visit.visit_id))
    if result.state != "submitted":
        raise ReviewError(_("检查 %(v)s 的结果当前为“%(s)s”，只能审核已提交的结果",
                            v=visit.visit_id, s=state_name(result.state)))
    return result


def _claim(session: Session, visit: DrawVisit, result: VisitResult, **values) -> None:
    """Move ``result`` out of ``submitted`` unless someone else did first."""
    done = session.execute(sa.update(VisitResult)
                           .where(VisitResult.id == result.id, VisitResult.state == "submitted",
                                  VisitResult.current.is_(True))
                           .values(**values))
    if done.rowcount != 1:
        session.rollback()
        now = current_result(session, visit.id)
        raise ReviewError(_("检查 %(v)s 的结果刚刚已被处理（当前为“%(s)s”），请刷新页面",
                            v=visit.visit_id, s=state_name(now.state if now else None)))


def approve(session: Session, user: User | None, visit_pk: int, today: date | None = None) -> VisitResult:
    """Approve the visit's submitted result; open the rectifications its
    items order; publish it (:func:`.publication.publish`, same
    transaction). Returns the approved result."""
    visit, draw = live_visit(session, visit_pk)
    require_reviewer(session, user, draw, visit)
    result = _submitted_result(session, visit)
    today = today or visit_access._today()
    now, actor = utcnow(), actor_of(user)
    _claim(session, visit, result, state="approved", reviewed_at=now, reviewed_by=actor, updated_at=now,
           updated_by=actor)
    opened = 0
    refused = False
    for item in items(session, result):
        refused = refused or item.code == REFUSED_CODE
        if item.rectify_by is None:
            continue
        existing = session.exec(select(Rectification).where(Rectification.visit_pk == visit.id,
                                                            Rectification.item_id == item.item_id)).first()
        if existing is None:
            session.add(Rectification(visit_pk=visit.id, item_id=item.item_id, uscc=visit.uscc,
                                      department=item.department, deadline=item.rectify_by))
            opened += 1
        elif existing.state == "pending" and existing.deadline != item.rectify_by:  # a later revision moved it
            existing.deadline = item.rectify_by
            session.add(existing)
    event(session, visit.id, result.id, "approved", actor, revision=result.revision, rectifications=opened,
          refused=refused or None, on=today.isoformat())
    from .publication import publish  # publication imports this module

    publish(session, result, actor, today)  # public at once, in the approval's transaction
    session.commit()
    session.refresh(result)
    return result


def check_reason(reason, field_label: str, required: bool = True, error=None) -> str:
    """A required one-line text of at most 500 characters (a reason, a note);
    refusals are ``error`` (default :class:`ReviewError`) naming the field."""
    error = error or ReviewError
    if isinstance(reason, str):  # stored on one line (a String column): line breaks become spaces
        reason = re.sub(r"\r\n|\r|\n", " ", reason)
    try:
        text = check_text(reason if reason is not None else "", field="reason", max_length=REASON_MAX)
    except TextError as problem:
        raise error(text_message(problem, field_label)) from None
    if required and not text:
        raise error(_("请填写%(f)s", f=field_label))
    return text


def return_result(session: Session, user: User | None, visit_pk: int, reason) -> VisitResult:
    """Send the visit's submitted result back to the team with ``reason``."""
    visit, draw = live_visit(session, visit_pk)
    require_reviewer(session, user, draw, visit)
    reason = check_reason(reason, _("退回原因"))
    result = _submitted_result(session, visit)
    now, actor = utcnow(), actor_of(user)
    _claim(session, visit, result, state="returned", return_reason=reason, reviewed_at=now, reviewed_by=actor,
           updated_at=now, updated_by=actor)
    event(session, visit.id, result.id, "returned", actor, revision=result.revision, reason=reason)
    session.commit()
    session.refresh(result)
    return result


# --- per-draw progress ---

STATUS_FILTERS = ("open", "draft", "submitted", "returned", "approved", "overdue", "deadline")


@dataclass(slots=True)
class ProgressRow:
    visit_pk: int
    visit_id: str
    uscc: str
    entity_name: str
    day: date
    state: str | None  # the current result's state; None: nothing recorded
    revision: int | None
    completed_on: date | None
    done: bool = False
    overdue: bool = False
    deadline: date | None = None
    deadline_unknown: bool = False
    flag: str | None = None  # "past" or "soon" (not yet approved); None otherwise


@dataclass
class Progress:
    draw: Draw
    today: date
    rows: list[ProgressRow]
    counts: dict[str, int] = field(default_factory=dict)

    def filtered(self, status: str | None) -> list[ProgressRow]:
        if not status:
            return self.rows
        if status == "open":
            return [r for r in self.rows if r.state is None]
        if status == "overdue":
            return [r for r in self.rows if r.overdue]
        if status == "deadline":
            return [r for r in self.rows if r.flag]
        return [r for r in self.rows if r.state == status]


def chain_draw_ids(session: Session, draw: Draw) -> list[int]:
    """The draws whose current visits count for ``draw``: it and its sealed
    redraws (the schedule's chain, :func:`.schedule._chain_key`), none
    cancelled."""
    from .draws import history

    return [d.id for d in history(session, draw) if d.state == "sealed" and d.cancelled_at is None]


def publication_deadlines(session: Session, days) -> dict[date, date | None]:
    """The publication deadline of each completion day (None: the calendar
    of a year it runs into is not known). One calendar read for all the
    days when their years are known; else one computation per distinct day
    (:func:`.calendar.add_working_days`)."""
    days = sorted(set(days))
    if not days:
        return {}
    import bisect

    end = days[-1] + timedelta(days=7 * PUBLICATION_DAYS // 5 + 60)  # room for the longest holidays
    try:
        working = calendar_service.working_days(session, days[0] + timedelta(days=1), end)
    except calendar_service.CalendarUnknown:
        working = None
    out: dict[date, date | None] = {}
    for day in days:
        if working is not None:
            k = bisect.bisect_right(working, day) + PUBLICATION_DAYS - 1
            if k < len(working):
                out[day] = working[k]
                continue
        try:
            out[day] = calendar_service.add_working_days(session, day, PUBLICATION_DAYS)
        except calendar_service.CalendarUnknown:
            out[day] = None
    return out


def _soon_limit(session: Session, today: date) -> date:
    try:
        return calendar_service.add_working_days(session, today, SOON_DAYS)
    except calendar_service.CalendarUnknown:
        return today + timedelta(days=7)


def draw_progress(session: Session, draw: Draw, today: date | None = None) -> Progress | None:
    """The progress of a sealed draw's checks (None for a draw that is not
    sealed, or cancelled: nothing to count). One query reads every live
    visit with its current result's state."""
    if draw is None or draw.state != "sealed" or draw.cancelled_at is not None:
        return None
    today = today or visit_access._today()
    v, r = DrawVisit.__table__.c, VisitResult.__table__.c
    query = (sa.select(v.id, v.visit_id, v.uscc, v.entity_name, v.day, r.state, r.revision, r.completed_on,
                       r.submitted_at)
             .select_from(DrawVisit.__table__.outerjoin(
                 VisitResult.__table__, sa.and_(r.visit_pk == v.id, r.current.is_(True))))
             .where(v.draw_id.in_(chain_draw_ids(session, draw)), v.current.is_(True))
             .order_by(v.day, v.visit_id, v.id))
    with gc_paused():  # 15,000 rows of small objects: no collection midway
        raw = session.execute(query).all()
    deadlines = publication_deadlines(session, {r[7] for r in raw if r[7] is not None and r[5] is not None})
    soon = _soon_limit(session, today)
    counts = dict.fromkeys(("visits", "done", "open", "draft", "submitted", "returned", "approved", "overdue",
                            "deadline_past", "deadline_soon", "deadline_unknown"), 0)
    counts["visits"] = len(raw)
    rows = []
    for pk, visit_id, uscc, name, day, state, revision, completed_on, submitted_at in raw:
        row = ProgressRow(pk, visit_id, uscc, name, day, state, revision, completed_on)
        counts[state or "open"] += 1
        if state is not None and (state != "draft" or (revision or 1) > 1 or submitted_at is not None):
            row.done = True
            counts["done"] += 1
            if completed_on is not None:
                row.deadline = deadline = deadlines.get(completed_on)
                if deadline is None:
                    row.deadline_unknown = True
                    counts["deadline_unknown"] += 1
                elif state != "approved":
                    if deadline < today:
                        row.flag = "past"
                        counts["deadline_past"] += 1
                    elif deadline <= soon:
                        row.flag = "soon"
                        counts["deadline_soon"] += 1
        elif day < today:
            row.overdue = True
            counts["overdue"] += 1
        rows.append(row)
    return Progress(draw, today, rows, counts)
