"""A planner's oversight through the API: the publication page's figures
(公示及时率, ``services/publication_stats.py``) and what entities said
through the check codes (``services/check_feedback.py``: the planners of
the visits' departments, admins all) — the same services as the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from flask import current_app
from pydantic import Field

from ...db import get_session
from ...models import Draw, DrawVisit
from ...services import check_feedback, publication_stats
from ...services.visit_access import _today
from . import PLANNER, auth, bp, current_user
from .problems import ApiProblem
from .schemas import Input, Output

TAG = "Oversight"


class YearQuery(Input):
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None


class PageQuery(Input):
    page: int = Field(default=1, ge=1, le=100_000)


class PendingOut(Output):
    visit: int
    visit_id: str
    draw: int
    uscc: str
    entity_name: str
    department: str | None = None
    state: str
    completed_on: date
    deadline: date | None = None
    flag: str | None = None


class DepartmentFigureOut(Output):
    department: str
    published: int
    on_time: int
    late: int
    unknown: int
    on_time_percent: float | None = None
    past: list[PendingOut]
    soon: list[PendingOut]


class PublicationOut(Output):
    year: int
    today: date
    years: list[int]
    departments: list[DepartmentFigureOut]


class FeedbackOut(Output):
    id: int
    visit: int
    visit_id: str
    uscc: str
    entity_name: str
    draw_code: str | None = None
    departments: list[str]
    kind: str
    message: str | None = None
    at: datetime
    seen_at: datetime | None = None
    seen_by: str | None = None


class FeedbackList(Output):
    total: int
    page: int
    pages: int
    items: list[FeedbackOut]


def _pending(p) -> dict:
    return {"visit": p.visit_pk, "visit_id": p.visit_id, "draw": p.draw_id, "uscc": p.uscc,
            "entity_name": p.entity_name, "department": p.department, "state": p.state,
            "completed_on": p.completed_on, "deadline": p.deadline, "flag": p.flag}


@bp.get("/publication")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(YearQuery, location="query", arg_name="query_data")
@bp.output(PublicationOut)
@bp.doc(tags=[TAG], summary="Publication on time per department, and unpublished results past or near "
                            "their deadline (the planner's publication page)")
def publication_overview(query_data: YearQuery):
    session = get_session()
    today = _today()
    year = query_data.year or today.year
    return {"year": year, "today": today, "years": publication_stats.years(session, today),
            "departments": [{"department": f.department, "published": f.published, "on_time": f.on_time,
                             "late": f.late, "unknown": f.unknown, "on_time_percent": f.share,
                             "past": [_pending(p) for p in f.past], "soon": [_pending(p) for p in f.soon]}
                            for f in publication_stats.figures(session, year, today)]}


def _feedback(entry) -> dict:
    f, v = entry.feedback, entry.visit
    return {"id": f.id, "visit": v.id, "visit_id": v.visit_id, "uscc": v.uscc, "entity_name": v.entity_name,
            "draw_code": entry.draw_code, "departments": entry.departments, "kind": f.kind, "message": f.message,
            "at": f.at, "seen_at": f.seen_at, "seen_by": f.seen_by}


@bp.get("/feedback")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(PageQuery, location="query", arg_name="query_data")
@bp.output(FeedbackList)
@bp.doc(tags=[TAG], summary="Entities' feedback through the check codes, newest first (the caller's departments' "
                            "visits; admins: all)")
def feedback_list(query_data: PageQuery):
    size = current_app.config["PAGE_SIZE"]
    entries, total = check_feedback.feedback_list(get_session(), current_user(), query_data.page, size)
    return {"total": total, "page": query_data.page, "pages": max(1, -(-total // size)),
            "items": [_feedback(e) for e in entries]}


@bp.post("/feedback/<int:feedback_id>/seen")
@bp.auth_required(auth, roles=PLANNER)
@bp.output(FeedbackOut)
@bp.doc(tags=[TAG], summary="Mark a feedback as seen (audit-logged; again: no change)",
        responses={404: "No such feedback, or outside the caller's departments"})
def feedback_seen(feedback_id: int):
    session = get_session()
    try:
        row = check_feedback.mark_seen(session, current_user(), feedback_id)
    except LookupError:
        raise ApiProblem(404, "not_found", "No such feedback.") from None
    visit = session.get(DrawVisit, row.visit_pk)
    draw = session.get(Draw, visit.draw_id)
    return _feedback(check_feedback.FeedbackEntry(row, visit, draw.code, list(visit.departments or [])))
