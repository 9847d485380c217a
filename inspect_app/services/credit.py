"""Credit-system marks (信用监管): an entity that refused the check or stays
unrectified is marked, explicitly, by a planner of the visit's lead
department, and pushed to the credit platform (信用中国) as a list export.

* ``refused``: only when an item of the visit's approved result is coded
  ``06`` (不配合检查情节严重).
* ``unrectified``: only when a rectification of the visit is recorded
  not rectified, or is still pending past its deadline.
* One mark per visit and reason (a unique constraint backs the check when
  two planners mark at once).
* :func:`credit_export` writes the department's marks as XLSX (every text
  cell through :mod:`.spreadsheet`) and stamps ``exported_at`` on the marks
  exported for the first time.
"""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlmodel import Session, select

from ..models import Department, DrawVisit, User, utcnow
from ..visit_models import CREDIT_REASONS, CreditMark, ItemResult, Rectification
from . import review, scope, visit_access
from .messages import _
from .spreadsheet import xlsx_row

EXPORT_LIMIT = 100_000


class CreditError(ValueError):
    """A refused credit mark (shown to the user)."""


def reason_name(code: str) -> str:
    return {"refused": _("不配合检查情节严重"), "unrectified": _("逾期未整改")}.get(code, code)


def eligible_reasons(session: Session, visit_pk: int, today: date | None = None) -> list[str]:
    """The reasons for which the visit's entity may be marked now."""
    today = today or visit_access._today()
    out = []
    result = review.current_result(session, visit_pk)
    if result is not None and result.state == "approved" and session.exec(
            select(ItemResult.id).where(ItemResult.result_id == result.id,
                                        ItemResult.code == review.REFUSED_CODE)).first() is not None:
        out.append("refused")
    unrectified = session.exec(select(Rectification.id).where(
        Rectification.visit_pk == visit_pk,
        sa.or_(Rectification.state == "not_rectified",
               sa.and_(Rectification.state == "pending", Rectification.deadline < today)))).first()
    if unrectified is not None:
        out.append("unrectified")
    return out


def marks_of_visit(session: Session, visit_pk: int) -> list[CreditMark]:
    return list(session.exec(select(CreditMark).where(CreditMark.visit_pk == visit_pk).order_by(CreditMark.id)))


def mark_credit(session: Session, user: User | None, visit_pk: int, reason_code: str, reason,
                today: date | None = None) -> CreditMark:
    """Mark the visit's entity for the credit system (see the module docstring)."""
    visit, draw = review.live_visit(session, visit_pk)
    department = review.require_reviewer(session, user, draw, visit)
    if reason_code not in CREDIT_REASONS:
        raise CreditError(_("请选择标记原因"))
    reason = review.check_reason(reason, _("标记说明"), error=CreditError)
    if reason_code not in eligible_reasons(session, visit.id, today):
        if reason_code == "refused":
            raise CreditError(_("只有审核通过的检查结果中有“不配合检查情节严重”的事项，才能以此原因标记"))
        raise CreditError(_("只有整改记录为未整改或已逾期的检查，才能以“逾期未整改”标记"))
    if session.exec(select(CreditMark.id).where(CreditMark.visit_pk == visit.id,
                                                CreditMark.reason_code == reason_code)).first() is not None:
        raise CreditError(_("该检查对象已因“%(r)s”标记过", r=reason_name(reason_code)))
    actor = review.actor_of(user)
    mark = CreditMark(visit_pk=visit.id, uscc=visit.uscc, department=department or visit.departments[0],
                      reason_code=reason_code, reason=reason, marked_by=actor)
    session.add(mark)
    try:
        session.flush()
    except sa.exc.IntegrityError:  # another planner marked it a moment earlier
        session.rollback()
        raise CreditError(_("该检查对象已因“%(r)s”标记过", r=reason_name(reason_code))) from None
    review.event(session, visit.id, None, "credit_marked", actor, reason_code=reason_code, reason=reason)
    session.commit()
    session.refresh(mark)
    return mark


def _department_of(user: User | None, department: str | None) -> str | None:
    """A planner's own department ("" without one: nothing); an admin's or
    the system's choice (None: all)."""
    if user is not None and user.role == "planner":
        return user.department or ""
    return department or None


def credit_marks(session: Session, user: User | None = None, department: str | None = None,
                 limit: int = EXPORT_LIMIT) -> list[tuple[CreditMark, DrawVisit]]:
    """The marks (with their visits) of the user's department (an admin:
    ``department`` or all), newest first."""
    dept = _department_of(user, department)
    query = select(CreditMark, DrawVisit).join(DrawVisit, DrawVisit.id == CreditMark.visit_pk)
    if dept is not None:
        query = query.where(CreditMark.department == dept)
    return list(session.exec(query.order_by(CreditMark.marked_at.desc(), CreditMark.id.desc()).limit(limit)))


def credit_counts(session: Session, department: str | None) -> dict[str, int]:
    query = sa.select(sa.func.count(), sa.func.count(sa.distinct(CreditMark.uscc)))
    if department is not None:
        query = query.where(CreditMark.department == department)
    marks, entities = session.execute(query).one()
    return {"credit_marks": marks, "credit_entities": entities}


# The list goes to the credit platform: always in Chinese, whatever the page language.
EXPORT_REASONS = {"refused": "不配合检查情节严重", "unrectified": "逾期未整改"}
EXPORT_HEADER = ("统一社会信用代码", "名称", "部门", "原因类别", "原因", "标记日期", "检查编号", "标记人")


def credit_export(session: Session, user: User | None = None, department: str | None = None) -> bytes:
    """The marks as an XLSX list for the credit platform; marks exported
    for the first time get ``exported_at``. A planner without a department
    is refused (:class:`~.scope.ScopeError`)."""
    scope.require_member(user)
    rows = credit_marks(session, user, department)
    names = dict(session.exec(select(Department.id, Department.name)).all())
    book = Workbook(write_only=True)
    sheet = book.create_sheet("失信推送名单")
    sheet.append(xlsx_row(sheet, EXPORT_HEADER, font=Font(bold=True)))
    for mark, visit in rows:
        sheet.append(xlsx_row(sheet, [mark.uscc, visit.entity_name, names.get(mark.department, mark.department),
                                      EXPORT_REASONS.get(mark.reason_code, mark.reason_code), mark.reason,
                                      mark.marked_at.date().isoformat(), visit.visit_id, mark.marked_by or ""]))
    out = io.BytesIO()
    book.save(out)
    fresh = [mark.id for mark, _v in rows if mark.exported_at is None]
    if fresh:
        now = utcnow()
        for at in range(0, len(fresh), 500):
            session.execute(sa.update(CreditMark).where(CreditMark.id.in_(fresh[at:at + 500]),
                                                        CreditMark.exported_at.is_(None)).values(exported_at=now))
        session.commit()
    return out.getvalue()
