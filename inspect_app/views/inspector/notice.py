"""The inspection notice of one of the inspector's visits (检查通知书,
PDF): the same visibility rule as the visit page
(``services/documents/access.visit_notice``, shared with the API); anyone
else's visit is a 404."""

from __future__ import annotations

from flask import g

from ...db import get_session
from ...security import role_required
from ...services.documents import access
from ..pdf import answer_wanted
from . import bp
from .check_code_image import public_url


@bp.route("/visits/<int:visit_pk>/notice.pdf")
@role_required("inspector")
def visit_notice(visit_pk: int):
    return answer_wanted(lambda: access.visit_notice(get_session(), g.user, visit_pk, public_url))
