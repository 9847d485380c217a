"""Credit marks (信用监管) through the API: the marks of the caller's
department (an admin: any department or all) with the figures, a visit's
marks and the reasons it may be marked for, and marking it — the pages'
service (``services/credit.py``): only a reviewer of the visit, only for an
eligible reason, once per reason."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from ...db import get_session
from ...services import credit, rectification, review
from . import PLANNER, auth, bp, current_user
from .problems import ApiProblem
from .schemas import Input, Output

TAG = "Credit"


class DepartmentQuery(Input):
    department: Annotated[str, Field(max_length=32, description="Admins only (planners: their own)")] | None = None


class MarkBody(Input):
    reason_code: Annotated[str, Field(max_length=16, description="refused or unrectified")]
    reason: Annotated[str, Field(max_length=2000)]


class MarkOut(Output):
    id: int
    visit: int
    uscc: str
    department: str
    reason_code: str
    reason: str
    marked_at: datetime
    marked_by: str | None = None
    exported_at: datetime | None = None


class MarkRow(MarkOut):
    visit_id: str
    entity_name: str


class MarkList(Output):
    items: list[MarkRow]
    counts: dict[str, int]
    limit: int


class VisitMarks(Output):
    visit: int
    marks: list[MarkOut]
    eligible: list[str] = Field(description="The reasons the visit may be marked for now")


def _mark(m) -> dict:
    return {"id": m.id, "visit": m.visit_pk, "uscc": m.uscc, "department": m.department,
            "reason_code": m.reason_code, "reason": m.reason, "marked_at": m.marked_at, "marked_by": m.marked_by,
            "exported_at": m.exported_at}


@bp.get("/credit")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(DepartmentQuery, location="query", arg_name="query_data")
@bp.output(MarkList)
@bp.doc(tags=[TAG], summary="Credit marks of the caller's department (admins: `department` or all), newest first")
def credit_marks(query_data: DepartmentQuery):
    session, user = get_session(), current_user()
    department = query_data.department if user.role == "admin" else None
    rows = credit.credit_marks(session, user, department, limit=rectification.LIST_LIMIT)
    return {"items": [{**_mark(m), "visit_id": v.visit_id, "entity_name": v.entity_name} for m, v in rows],
            "counts": rectification.counts(session, user, department), "limit": rectification.LIST_LIMIT}


@bp.get("/results/<int:visit_pk>/credit")
@bp.auth_required(auth, roles=PLANNER)
@bp.output(VisitMarks)
@bp.doc(tags=[TAG], summary="A visit's credit marks and the reasons it may be marked for")
def visit_credit(visit_pk: int):
    session = get_session()
    visit, _draw = review.live_visit(session, visit_pk)
    return {"visit": visit.id, "marks": [_mark(m) for m in credit.marks_of_visit(session, visit.id)],
            "eligible": credit.eligible_reasons(session, visit.id)}


@bp.post("/results/<int:visit_pk>/credit")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(MarkBody, arg_name="body")
@bp.output(MarkOut, status_code=201)
@bp.doc(tags=[TAG], summary="Mark a visit's entity for the credit system",
        description="Reviewers of the visit (planners of its lead department, admins); `refused` needs an "
                    "approved result with an item coded 06, `unrectified` a rectification not rectified or "
                    "overdue; once per reason. Refusals: 422 `rule_refused`.")
def mark_credit(visit_pk: int, body: MarkBody):
    try:
        mark = credit.mark_credit(get_session(), current_user(), visit_pk, body.reason_code, body.reason)
    except credit.CreditError as error:
        raise ApiProblem(422, "rule_refused", str(error)) from None
    return _mark(mark)
