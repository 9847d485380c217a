"""The planner's printable documents (PDF): the annual plan (a draft too,
marked as such) and a draw's full record with its trail. The same rights as
the plan and draw pages (any planner reads)."""

from __future__ import annotations

from ...db import get_session
from ...security import role_required
from ...services import draws as draw_service
from ...services import plans as plan_service
from ...services.documents import cache, draw_record
from ...services.documents import plan as plan_doc
from ...services.documents.render import chinese
from ..pdf import answer
from . import bp
from flask import abort


@bp.route("/plans/<int:plan_id>/document.pdf")
@role_required("planner")
def plan_document(plan_id: int):
    session = get_session()
    plan = plan_service.get_plan(session, plan_id) or abort(404)

    def outcome():
        with chinese():
            data = plan_doc.data(session, plan)
        return cache.obtain(session, "plan", plan_doc.key(plan), data)

    return answer(outcome, plan_doc.filename(plan))


@bp.route("/draws/<int:draw_id>/record.pdf")
@role_required("planner")
def draw_record_document(draw_id: int):
    session = get_session()
    draw = draw_service.get_draw(session, draw_id) or abort(404)

    def outcome():
        with chinese():
            data = draw_record.data(session, draw, "full")
        return cache.obtain(session, "draw_record", draw_record.key(draw, "full"), data)

    return answer(outcome, draw_record.filename(draw, "full"))
