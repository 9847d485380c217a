"""The public record through the API (no token): the results index, a
task's results bulletin and one published record with its revisions —
exactly what the public pages show (``services/public_results.py``):
published results of public plans only, individual businesses masked."""

from __future__ import annotations

from ...db import get_session
from ...services import public_results
from . import bp
from .problems import ApiProblem
from .schemas_results import BulletinOut, BulletinQuery, PublicIndex, RecordOut

TAG = "Public record"


def record_out(record, labels) -> dict:
    return {"id": record.id, "revision": record.revision, "current": record.current,
            "correction_reason": record.correction_reason, "published_at": record.published_at,
            "uscc": record.uscc, "entity_name": record.entity_name, "entity_type": record.entity_type,
            "district": record.district, "plan_id": record.plan_id, "year": record.year,
            "directed": record.directed, "departments": list(record.departments), "joint": record.joint,
            "completed_on": record.completed_on, "problems": record.problems,
            "items": [{"item": i.get("item"), "task": i.get("task"), "department": i.get("department"),
                       "name": i.get("name"), "code": i.get("code"),
                       "result": labels.get((record.code_version, i.get("code")))} for i in record.items]}


def task_out(task, number: int, records: int) -> dict:
    return {"id": task.id, "number": number, "code": task.code, "name": task.name, "directed": task.directed,
            "records": records}


@bp.get("/public/results")
@bp.output(PublicIndex)
@bp.doc(tags=[TAG], summary="Public plans and their tasks with the number of published records")
def public_results_index():
    return {"items": [{"id": p.plan.id, "number": p.plan.number, "name": p.plan.name, "year": p.plan.year,
                       "version": p.plan.version, "status": p.plan.status,
                       "tasks": [task_out(t, n, c) for n, t, c in p.tasks]}
                      for p in public_results.results_index(get_session())]}


@bp.get("/public/results/tasks/<int:task_id>")
@bp.input(BulletinQuery, location="query", arg_name="query_data")
@bp.output(BulletinOut)
@bp.doc(tags=[TAG], summary="A task's results bulletin (结果公告), 50 records a page")
def public_bulletin(task_id: int, query_data: BulletinQuery):
    session = get_session()
    found = public_results.bulletin(session, task_id, query_data.page)
    if found is None:
        raise ApiProblem(404, "not_found", "No public task with this id.")
    counts = public_results.record_counts(session, [task_id])
    return {"task": task_out(found.task, found.number, counts.get(task_id, 0)), "plan": found.plan.id,
            "title": found.title, "authority": found.authority, "total": found.total, "page": found.page,
            "pages": found.pages, "records": [record_out(r, found.labels) for r in found.records]}


@bp.get("/public/results/<int:published_id>")
@bp.output(RecordOut)
@bp.doc(tags=[TAG], summary="One published record with every revision")
def public_record(published_id: int):
    found = public_results.record_page(get_session(), published_id)
    if found is None:
        raise ApiProblem(404, "not_found", "No published record with this id.")
    return {"record": record_out(found.record, found.labels),
            "revisions": [record_out(r, found.labels) for r in found.revisions],
            "draw_code": found.draw_code, "authority": found.authority,
            "bulletins": [title for _task, _n, title in found.tasks]}
