"""What the inspected entity tells us through the check code, and the
planner's list of it.

* ``confirmed``: the visit took place; ``problem``: something is wrong,
  with a message (required, at most 500 characters), e.g. "上门人员与登记的
  检查人员不符". Both are recorded with their time (``visit_feedback``) and
  in the visit's trail (a ``feedback`` result event, with no actor: the
  entity is anonymous towards the department).
* Only a code that is valid or completed takes feedback; at most
  :data:`MAX_PER_VISIT` rows per visit, so that nobody can flood a visit.
* A planner sees the feedback on the visits of their department (the
  visit's lead department or any department of the visit); admins see all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import Draw, DrawVisit, User, utcnow
from ..visit_models import FEEDBACK_KINDS, ResultEvent, VisitFeedback
from . import audit, check_codes, visit_access
from .messages import _

MESSAGE_MAX = 500
MAX_PER_VISIT = 20
LIST_MAX = 2000  # newest feedback rows the planner's list reads


class FeedbackError(ValueError):
    """Feedback refused; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def add_feedback(session: Session, code: str | None, kind: str, message: str | None = None,
                 today: date | None = None) -> VisitFeedback:
    """Record ``kind`` feedback through ``code``. A code that does not take
    feedback (unknown, not yet valid, void) is a :class:`LookupError`."""
    if kind not in FEEDBACK_KINDS:
        raise FeedbackError(_("反馈类型无效"))
    view = check_codes.lookup(session, code, today)
    if not view.accepts_feedback:
        raise LookupError(view.status)
    text = (message or "").strip()
    if kind == "problem":
        if not text:
            raise FeedbackError(_("请填写问题说明"))
        if len(text) > MESSAGE_MAX:
            raise FeedbackError(_("问题说明最多 %(n)s 个字符（现有 %(m)s 个）", n=MESSAGE_MAX, m=len(text)))
    else:
        text = ""
    # Serialise feedback on one visit (PostgreSQL row lock; SQLite writes one at a time).
    session.exec(select(DrawVisit.id).where(DrawVisit.id == view.visit_pk).with_for_update()).one()
    count = session.execute(sa.select(sa.func.count()).select_from(VisitFeedback)
                            .where(VisitFeedback.visit_pk == view.visit_pk)).scalar_one()
    if count >= MAX_PER_VISIT:
        session.rollback()
        raise FeedbackError(_("本次检查已收到 %(n)s 条反馈，不再接收；如有问题请致电办公室", n=MAX_PER_VISIT))
    now = utcnow()
    row = VisitFeedback(visit_pk=view.visit_pk, kind=kind, message=text or None, at=now)
    session.add(row)
    session.add(ResultEvent(visit_pk=view.visit_pk, at=now, actor=None, action="feedback", detail={"kind": kind}))
    audit.record(session, actor="check_code", action="feedback.added", object_type="visit",
                 object_id=view.visit_pk, details={"kind": kind})
    session.commit()
    session.refresh(row)
    return row


@dataclass
class FeedbackEntry:
    feedback: VisitFeedback
    visit: DrawVisit
    draw_code: str | None
    departments: list[str]


def _sees(session: Session, user: User | None, draw: Draw, visit: DrawVisit) -> bool:
    if user is None or user.role == "admin":
        return True
    if user.role != "planner" or not user.department:
        return False
    if user.department in (visit.departments or []):
        return True
    return visit_access.lead_department(session, draw, visit) == user.department


def feedback_list(session: Session, user: User | None, page: int = 1,
                  page_size: int = 50) -> tuple[list[FeedbackEntry], int]:
    """The feedback ``user`` may see, newest first: (one page, total)."""
    rows = session.exec(select(VisitFeedback, DrawVisit, Draw)
                        .join(DrawVisit, DrawVisit.id == VisitFeedback.visit_pk)
                        .join(Draw, Draw.id == DrawVisit.draw_id)
                        .order_by(VisitFeedback.at.desc(), VisitFeedback.id.desc()).limit(LIST_MAX)).all()
    mine = [FeedbackEntry(f, v, d.code, list(v.departments or [])) for f, v, d in rows if _sees(session, user, d, v)]
    page = max(1, page)
    return mine[(page - 1) * page_size: page * page_size], len(mine)


def mark_seen(session: Session, user: User | None, feedback_id: int) -> VisitFeedback:
    """Mark one feedback row as seen by ``user``. Feedback outside the
    user's departments is a :class:`LookupError` (the same as none)."""
    row = session.get(VisitFeedback, feedback_id)
    visit = session.get(DrawVisit, row.visit_pk) if row is not None else None
    draw = session.get(Draw, visit.draw_id) if visit is not None else None
    if row is None or draw is None or not _sees(session, user, draw, visit):
        raise LookupError(feedback_id)
    if row.seen_at is None:
        row.seen_at, row.seen_by = utcnow(), (user.username if user is not None else None)
        session.add(row)
        audit.record(session, action="feedback.seen", object_type="visit", object_id=row.visit_pk,
                     details={"feedback": row.id})
        session.commit()
    return row
