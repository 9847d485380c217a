"""An inspector's own visits and their results through the API: the list
(``services/my_visits``), one visit with its current result, draft saves
(idempotent by ``seq``), submission by the lead (idempotent by the
client's key) and a correction. The team and visibility rules are the
inspector pages' (``services/visit_access``): anyone else's visit, or one
not yet visible, is a 404."""

from __future__ import annotations

from ...db import get_session
from ...services import my_visits, results
from . import INSPECTOR, auth, bp, current_user
from .schemas_results import (DraftBody, ReasonBody, ResultOut, SaveOut, SubmitBody, VisitList, VisitOut)

TAG = "Inspector visits"


def result_out(session, result) -> dict | None:
    if result is None:
        return None
    return {"visit": result.visit_pk, "revision": result.revision, "state": result.state,
            "saved_seq": result.saved_seq, "completed_on": result.completed_on, "submitted_at": result.submitted_at,
            "submitted_by": result.submitted_by, "return_reason": result.return_reason,
            "revision_reason": result.revision_reason,
            "items": [{"item_id": i.item_id, "department": i.department, "code": i.code, "remark": i.remark,
                       "rectify_by": i.rectify_by} for i in results.items_of(session, result)]}


@bp.get("/my/visits")
@bp.auth_required(auth, roles=INSPECTOR)
@bp.output(VisitList)
@bp.doc(tags=[TAG], summary="The caller's visits (today and later, then earlier ones)",
        description="Only live visits of the caller's team from the day they become visible.")
def my_visit_list():
    mine = my_visits.my_visits(get_session(), current_user())
    rows = [v for g in mine.upcoming + mine.earlier for v in g.visits]
    return {"inspector": mine.inspector.id if mine.inspector else None, "today": mine.today,
            "visible_days": mine.visible_days,
            "items": [{"id": v.pk, "visit_id": v.visit_id, "day": v.day, "entity_name": v.entity_name,
                       "uscc": v.uscc, "district": v.district, "tasks": v.tasks, "departments": v.departments,
                       "joint": v.joint, "draw_code": v.draw_code, "lead": v.lead} for v in rows]}


@bp.get("/my/visits/<int:visit_pk>")
@bp.auth_required(auth, roles=INSPECTOR)
@bp.output(VisitOut)
@bp.doc(tags=[TAG], summary="One of the caller's visits with its current result")
def my_visit(visit_pk: int):
    session = get_session()
    detail = my_visits.visit_detail(session, current_user(), visit_pk)
    items = {i.id: i for t in detail.tasks for i in t.items}
    return {"id": detail.visit.id, "visit_id": detail.visit.visit_id, "day": detail.day,
            "draw_code": detail.draw.code,
            "entity": {"name": detail.entity.name, "uscc": detail.entity.uscc, "address": detail.entity.address,
                       "district": detail.entity.district, "district_name": detail.entity.district_name,
                       "type": detail.entity.type},
            "tasks": [{"code": t.code, "name": t.name, "directed": t.directed, "department": t.department,
                       "items": [i.id for i in t.items]} for t in detail.tasks],
            "team": [{"id": m.id, "name": m.name, "department": m.department, "lead": m.lead} for m in detail.team],
            "items": [{"id": i.id, "code": i.code, "name": i.name, "legal_basis": i.legal_basis,
                       "content": i.content, "method": i.method, "department": i.department}
                      for i in items.values()],
            "i_lead": detail.i_lead, "result": result_out(session, results.current_result(session, visit_pk))}


@bp.post("/my/visits/<int:visit_pk>/draft")
@bp.auth_required(auth, roles=INSPECTOR)
@bp.input(DraftBody, arg_name="body")
@bp.output(SaveOut)
@bp.doc(tags=[TAG], summary="Save a draft of the visit's results (any team member)",
        description="Only the fields present change. Idempotent by `seq`: a save whose seq is not above the "
                    "stored one changes nothing and answers `changed: false`. 409 once submitted.")
def my_visit_draft(visit_pk: int, body: DraftBody):
    data = body.model_dump(exclude_unset=True, exclude={"seq"})
    if "items" in data:
        data["items"] = {k: v for k, v in data["items"].items()}
    outcome = results.save_draft(get_session(), current_user(), visit_pk, data, body.seq)
    return {"saved": outcome.saved, "state": outcome.state, "changed": outcome.changed}


@bp.post("/my/visits/<int:visit_pk>/submit")
@bp.auth_required(auth, roles=INSPECTOR)
@bp.input(SubmitBody, arg_name="body")
@bp.output(ResultOut)
@bp.doc(tags=[TAG], summary="Submit the visit's results (the team's lead)",
        description="After the full check (422 `rule_refused` lists every field to fix). Idempotent by "
                    "`idempotency_key`.")
def my_visit_submit(visit_pk: int, body: SubmitBody):
    session = get_session()
    result = results.submit(session, current_user(), visit_pk, key=body.idempotency_key)
    return result_out(session, result)


@bp.post("/my/visits/<int:visit_pk>/revise")
@bp.auth_required(auth, roles=INSPECTOR)
@bp.input(ReasonBody, arg_name="body")
@bp.output(ResultOut)
@bp.doc(tags=[TAG], summary="Correct submitted results: a new draft revision (the team's lead)")
def my_visit_revise(visit_pk: int, body: ReasonBody):
    session = get_session()
    return result_out(session, results.revise(session, current_user(), visit_pk, body.reason))
