"""A draw's schedule through the API (the planner's schedule pages,
``services/schedule.py``): the figures of the filtered schedule (per
inspector, day, district, department, task) and a page of its visits —
the same filters, the same cached read. Planners and admins (like the
outcome). A redraw's id leads to its original draw, as on the pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from ...db import get_session
from ...services import schedule as svc
from . import PLANNER, auth, bp
from .problems import ApiProblem
from .schemas import Input, Output

Code = Annotated[str, Field(max_length=40)]


class ScheduleQuery(Input):
    department: Code = ""
    district: Annotated[str, Field(max_length=12, description="A district code prefix")] = ""
    task: Code = ""
    inspector: Code = ""
    day: date | None = None
    page: int = Field(default=1, ge=1, le=100_000)
    limit: int = Field(default=200, ge=1, le=1000)


class ScheduleVisitOut(Output):
    visit: int
    visit_id: str
    uscc: str
    entity_name: str
    district: str
    tasks: list[str]
    departments: list[str]
    team: list[str]
    day: date
    draw: int
    replaces_visit: str | None = None


class ScheduleOut(Output):
    draw: int
    code: str
    state: str
    window_start: date
    window_end: date
    visits: int
    joint: int
    single: int
    days: int
    entities: int
    per_inspector: dict[str, int]
    per_day: dict[str, int]
    per_district: dict[str, int]
    per_department: dict[str, int]
    per_task: dict[str, int]
    page: int
    pages: int
    items: list[ScheduleVisitOut]


@bp.get("/draws/<int:draw_id>/schedule")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(ScheduleQuery, location="query", arg_name="query_data")
@bp.output(ScheduleOut)
@bp.doc(tags=["Draws"], summary="A drawn or sealed draw's schedule: figures and visits, filtered as on the pages",
        responses={404: "No draw with a schedule (unknown, or not drawn yet)"})
def draw_schedule(draw_id: int, query_data: ScheduleQuery):
    session = get_session()
    try:
        draw = svc.get_schedule_draw(session, draw_id)
    except svc.ScheduleError:
        raise ApiProblem(404, "not_found", "No draw with a schedule with this id.") from None
    flt = svc.ScheduleFilter(department=query_data.department.strip(), district=query_data.district.strip(),
                             task=query_data.task.strip(), inspector=query_data.inspector.strip(),
                             day=query_data.day)
    summary = svc.summary_for(session, draw, flt)
    rows = svc.filtered_visits(session, draw, flt)
    pages = max(1, -(-len(rows) // query_data.limit))
    page = min(query_data.page, pages)
    return {"draw": draw.id, "code": draw.code, "state": draw.state, "window_start": draw.window_start,
            "window_end": draw.window_end, "visits": summary.visits, "joint": summary.joint,
            "single": summary.single, "days": summary.days, "entities": summary.entities,
            "per_inspector": summary.per_inspector,
            "per_day": {d.isoformat(): n for d, n in summary.per_day.items()},
            "per_district": summary.per_district, "per_department": summary.per_department,
            "per_task": summary.per_task, "page": page, "pages": pages,
            "items": [{"visit": v.row_id, "visit_id": v.visit_id, "uscc": v.uscc, "entity_name": v.entity_name,
                       "district": v.district, "tasks": list(v.tasks), "departments": list(v.departments),
                       "team": list(v.team), "day": v.day, "draw": v.draw_id, "replaces_visit": v.replaces_visit}
                      for v in rows[(page - 1) * query_data.limit:page * query_data.limit]]}
