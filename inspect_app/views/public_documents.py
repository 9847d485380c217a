"""Public documents (PDF): a published plan, a draw's public record (what
the register shows at this moment) and a task's results bulletin (the
published record; rendered in the background). The same answer for
everyone, logged in or not; nothing unpublished or unrevealed."""

from __future__ import annotations

from flask import abort

from ..db import get_session
from ..models import Plan, Task
from ..services import draw_register
from ..services.documents import bulletin, cache, draw_record
from ..services.documents import plan as plan_doc
from ..services.documents.render import chinese
from .pdf import answer
from .public import bp


@bp.route("/plans/<int:plan_id>/document.pdf")
def plan_document(plan_id: int):
    session = get_session()
    plan = session.get(Plan, plan_id)
    if plan is None or plan.status == "draft":
        abort(404)

    def outcome():
        with chinese():
            data = plan_doc.data(session, plan)
        return cache.obtain(session, "plan", plan_doc.key(plan), data)

    return answer(outcome, plan_doc.filename(plan), public=True)


@bp.route("/draws/<code>/record.pdf")
def draw_record_document(code: str):
    session = get_session()
    entry = draw_register.public_draw(session, code)  # None before the commitment
    if entry is None:
        abort(404)

    def outcome():
        with chinese():
            data = draw_record.data(session, entry.draw, "public")
        return cache.obtain(session, "draw_record", draw_record.key(entry.draw, "public"), data)

    return answer(outcome, draw_record.filename(entry.draw, "public"), public=True)


@bp.route("/results/tasks/<int:task_id>/bulletin.pdf")
def bulletin_document(task_id: int):
    session = get_session()
    task = session.get(Task, task_id)
    if not bulletin.is_public(session, task):
        abort(404)

    def outcome():
        with chinese():
            data = bulletin.data(session, task)
        return cache.obtain(session, "bulletin", bulletin.key(task), data)

    return answer(outcome, bulletin.filename(task), public=True)
