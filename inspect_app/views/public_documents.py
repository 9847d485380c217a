"""Public documents (PDF): a published plan, a draw's public record (what
the register shows at this moment), a task's results bulletin (the
published record; rendered in the background) and the year's summary (the
figures page as a document). The same answer for everyone, logged in or
not; nothing unpublished or unrevealed."""

from __future__ import annotations

from flask import abort, request

from ..db import get_session
from ..models import Plan, Task
from ..services import draw_register, year_figures
from ..services.documents import bulletin, cache, draw_record, year_summary
from ..services.documents.common import department_names
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


@bp.route("/figures/<int:year>/summary.pdf")
def year_summary_document(year: int):
    """The year's summary (年度抽查工作总结): the figures page as a document;
    404 for what the page 404s (a year out of range, an unknown department),
    and for a year with neither a published plan nor a published record
    (nothing to sum up: no rendering, no stored row, whatever year is asked)."""
    session = get_session()
    department = request.args.get("department", "").strip() or None
    if not year_figures.valid_year(year) or (department is not None
                                             and department not in department_names(session)):
        abort(404)
    if year not in year_figures.years(session):
        abort(404)

    def outcome():
        with chinese():
            data = year_summary.data(session, year, department)
        return cache.obtain(session, "year_summary", year_summary.key(year, department), data)

    return answer(outcome, year_summary.filename(year, department), public=True)
