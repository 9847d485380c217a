"""The planner's printable documents (PDF): the annual plan (a draft too,
marked as such) and a draw's full record with its trail. The same rights as
the plan and draw pages (any planner reads); the rule is
``services/documents/access.py``'s, shared with the API."""

from __future__ import annotations

from ...db import get_session
from ...security import role_required
from ...services.documents import access
from ..pdf import answer_wanted
from . import bp


@bp.route("/plans/<int:plan_id>/document.pdf")
@role_required("planner")
def plan_document(plan_id: int):
    return answer_wanted(lambda: access.plan(get_session(), plan_id, drafts=True), public=False)


@bp.route("/draws/<int:draw_id>/record.pdf")
@role_required("planner")
def draw_record_document(draw_id: int):
    return answer_wanted(lambda: access.full_draw_record(get_session(), draw_id))
