"""Public documents (PDF): a published plan, a draw's public record (what
the register shows at this moment), a task's results bulletin (the
published record; rendered in the background) and the year's summary (the
figures page as a document). The same answer for everyone, logged in or
not; nothing unpublished or unrevealed. The rules are
``services/documents/access.py``'s, shared with the API."""

from __future__ import annotations

from flask import request

from ..db import get_session
from ..services.documents import access
from .pdf import answer_wanted
from .public import bp


@bp.route("/plans/<int:plan_id>/document.pdf")
def plan_document(plan_id: int):
    return answer_wanted(lambda: access.plan(get_session(), plan_id, drafts=False))


@bp.route("/draws/<code>/record.pdf")
def draw_record_document(code: str):
    return answer_wanted(lambda: access.public_draw_record(get_session(), code))


@bp.route("/results/tasks/<int:task_id>/bulletin.pdf")
def bulletin_document(task_id: int):
    return answer_wanted(lambda: access.bulletin(get_session(), task_id))


@bp.route("/figures/<int:year>/summary.pdf")
def year_summary_document(year: int):
    """The year's summary (年度抽查工作总结): the figures page as a document;
    404 for what the page 404s (a year out of range, an unknown department),
    and for a year with neither a published plan nor a published record
    (nothing to sum up: no rendering, no stored row, whatever year is asked)."""
    department = request.args.get("department", "").strip() or None
    return answer_wanted(lambda: access.year_summary(get_session(), year, department))
