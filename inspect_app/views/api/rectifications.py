"""Rectification (整改) follow-ups through the API: the planner's list
(their department's; admins all) with the figures, the team's list of its
own visits' open rectifications, and recording a follow-up — the pages'
service (``services/rectification.py``): the same rules, the same trail
event. Another team's or department's rectification is a 404 or 403 as on
the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from ...db import get_session
from ...services import rectification
from . import INSPECTOR, PLANNER, auth, bp, current_user
from .problems import ApiProblem
from .schemas import Input, Output

TAG = "Rectification"
STATES = ("pending", "rectified", "not_rectified")


class RectQuery(Input):
    state: Annotated[str, Field(max_length=16, description="pending, rectified or not_rectified")] | None = None


class FollowUp(Input):
    state: Annotated[str, Field(max_length=16, description="rectified or not_rectified")]
    done_on: Annotated[str, Field(max_length=10, description="YYYY-MM-DD; required when rectified")] | None = None
    note: Annotated[str, Field(max_length=2000)] = ""


class RectOut(Output):
    id: int
    visit: int
    visit_id: str
    entity_name: str
    uscc: str
    day: date
    item: int
    item_name: str
    department: str
    deadline: date
    overdue: bool
    state: str
    done_on: date | None = None
    note: str | None = None
    recorded_at: datetime | None = None
    recorded_by: str | None = None


class RectList(Output):
    items: list[RectOut]
    limit: int = Field(description="At most this many rows (as the pages)")


class PlannerRectList(RectList):
    overdue: list[RectOut]
    counts: dict[str, int]


def _out(row) -> dict:
    r = row.rectification
    return {"id": r.id, "visit": r.visit_pk, "visit_id": row.visit_id, "entity_name": row.entity_name,
            "uscc": r.uscc, "day": row.day, "item": r.item_id, "item_name": row.item_name,
            "department": r.department, "deadline": r.deadline, "overdue": row.overdue, "state": r.state,
            "done_on": r.done_on, "note": r.note, "recorded_at": r.recorded_at, "recorded_by": r.recorded_by}


@bp.get("/rectifications")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(RectQuery, location="query", arg_name="query_data")
@bp.output(PlannerRectList)
@bp.doc(tags=[TAG], summary="The caller's department's rectifications, the overdue ones and the figures")
def planner_rectifications(query_data: RectQuery):
    if query_data.state is not None and query_data.state not in STATES:
        raise ApiProblem(422, "validation_failed", "Unknown state.",
                         errors=[{"path": "query.state", "message": f"one of {', '.join(STATES)}"}])
    session, user = get_session(), current_user()
    return {"items": [_out(r) for r in rectification.for_planner(session, user, state=query_data.state)],
            "overdue": [_out(r) for r in rectification.overdue(session, user)],
            "counts": rectification.counts(session, user), "limit": rectification.LIST_LIMIT}


@bp.get("/my/rectifications")
@bp.auth_required(auth, roles=INSPECTOR)
@bp.output(RectList)
@bp.doc(tags=[TAG], summary="The open rectifications of the caller's own visits, by deadline")
def my_rectifications():
    return {"items": [_out(r) for r in rectification.for_team(get_session(), current_user())],
            "limit": rectification.LIST_LIMIT}


@bp.post("/rectifications/<int:rect_id>/followup")
@bp.auth_required(auth, roles=[*INSPECTOR, *PLANNER])
@bp.input(FollowUp, arg_name="body")
@bp.output(RectOut)
@bp.doc(tags=[TAG], summary="Record a rectification's follow-up (the visit's team, or planners of its department)",
        description="`rectified` needs `done_on` (not before the visit, not in the future). A rectified one "
                    "cannot change again. Refusals: 422 `rule_refused`; another team's: 404; another "
                    "department's: 403 `out_of_scope`.")
def rectification_followup(rect_id: int, body: FollowUp):
    session, user = get_session(), current_user()
    try:
        rect = rectification.record_followup(session, user, rect_id, body.state, body.done_on or None, body.note)
    except rectification.RectificationNotFound:
        raise ApiProblem(404, "not_found", "No such rectification.") from None
    except rectification.RectificationError as error:
        raise ApiProblem(422, "rule_refused", str(error)) from None
    return _out(rectification.row_of(session, rect))
