"""A planner's review through the API: a sealed draw's results progress,
one visit's result with its revisions and trail, approve (which publishes)
and return. The rules are ``services/review.py``'s: any planner reads;
only planners of the visit's lead department (or admins) decide."""

from __future__ import annotations

from ...db import get_session
from ...models import Draw
from ...services import publication, review, review_progress
from . import PLANNER, auth, bp, current_user
from .problems import ApiProblem
from .schemas_results import ProgressOut, ReasonBody, ResultOut, ReviewOut, StateQuery
from .visits import result_out

TAG = "Review"


@bp.get("/draws/<int:draw_id>/results")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(StateQuery, location="query", arg_name="query_data")
@bp.output(ProgressOut)
@bp.doc(tags=[TAG], summary="Results progress of a sealed draw (its visits and their states)",
        description=f"`state` filters: {', '.join(review.STATUS_FILTERS)}; `page` of `limit` visits (as the "
                    "planner's overview page). 404 for a draw that is not sealed.")
def draw_results(draw_id: int, query_data: StateQuery):
    session = get_session()
    if query_data.state is not None and query_data.state not in review.STATUS_FILTERS:
        raise ApiProblem(422, "validation_failed", "Unknown state filter.",
                         errors=[{"path": "query.state", "message": f"one of {', '.join(review.STATUS_FILTERS)}"}])
    found = review_progress.progress_page(session, session.get(Draw, draw_id), query_data.state, query_data.page,
                                          query_data.limit)
    if found is None:
        raise ApiProblem(404, "not_found", "No sealed draw with this id.")
    return {"draw": draw_id, "today": found.today, "counts": found.counts, "page": found.page, "pages": found.pages,
            "items": [{"visit": r.visit_pk, "visit_id": r.visit_id, "uscc": r.uscc, "entity_name": r.entity_name,
                       "day": r.day, "state": r.state, "revision": r.revision, "completed_on": r.completed_on,
                       "overdue": r.overdue, "deadline": r.deadline, "flag": r.flag}
                      for r in found.rows]}


@bp.get("/results/<int:visit_pk>")
@bp.auth_required(auth, roles=PLANNER)
@bp.output(ReviewOut)
@bp.doc(tags=[TAG], summary="A visit's result for review: current result, revisions, trail")
def result_review(visit_pk: int):
    session = get_session()
    visit, draw = review.live_visit(session, visit_pk)
    record = publication.current_record(session, visit.id)
    return {"visit": visit.id, "visit_id": visit.visit_id, "uscc": visit.uscc, "entity_name": visit.entity_name,
            "review_department": review.review_department(session, draw, visit),
            "may_review": review.may_review(session, current_user(), draw, visit),
            "result": result_out(session, review.current_result(session, visit.id)),
            "revisions": [result_out(session, r) for r in review.revisions(session, visit.id)],
            "trail": [{"at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail}
                      for e in review.trail(session, visit.id)],
            "published": record.id if record is not None else None}


@bp.post("/results/<int:visit_pk>/approve")
@bp.auth_required(auth, roles=PLANNER)
@bp.output(ResultOut)
@bp.doc(tags=[TAG], summary="Approve a submitted result (and publish it)",
        description="Planners of the visit's lead department or admins. 409 unless the result is submitted.")
def result_approve(visit_pk: int):
    session = get_session()
    return result_out(session, review.approve(session, current_user(), visit_pk))


@bp.post("/results/<int:visit_pk>/return")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(ReasonBody, arg_name="body")
@bp.output(ResultOut)
@bp.doc(tags=[TAG], summary="Return a submitted result to the team with a reason")
def result_return(visit_pk: int, body: ReasonBody):
    session = get_session()
    return result_out(session, review.return_result(session, current_user(), visit_pk, body.reason))
