"""The inspection notice of one of the inspector's visits (检查通知书,
PDF): the same visibility rule as the visit page
(``services/visit_access.py``); anyone else's visit is a 404."""

from __future__ import annotations

from flask import abort, g

from ...db import get_session
from ...security import role_required
from ...services import check_codes, my_visits, visit_access
from ...services.calendar import CalendarUnknown
from ...services.documents import cache, notice
from ...services.documents.render import chinese
from ..pdf import answer
from . import bp
from .check_code_image import public_url


@bp.route("/visits/<int:visit_pk>/notice.pdf")
@role_required("inspector")
def visit_notice(visit_pk: int):
    session = get_session()
    try:
        detail = my_visits.visit_detail(session, g.user, visit_pk)
    except (visit_access.VisitNotFound, CalendarUnknown):
        abort(404)
    code = check_codes.code_for(session, detail.visit, detail.draw)

    def outcome():
        with chinese():
            data = notice.data(session, detail, code, public_url(code) if code else None)
        return cache.obtain(session, "notice", f"visit:{detail.visit.id}", data)

    return answer(outcome, notice.filename(detail))
