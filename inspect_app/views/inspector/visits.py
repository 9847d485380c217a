"""The inspector's visit list (``/inspector/``, the landing page of an
inspector account) and the page of one visit. Only the inspector role (not
planners, not admins: a visit is confidential to its team); another team's
visit, one not live or not yet visible and an unknown id are the same 404."""

from __future__ import annotations

from flask import abort, g, render_template
from flask_babel import gettext as _

from ...db import get_session
from ...security import role_required
from ...services import my_visits as svc
from ...services import results
from ...services import visit_access
from ...services.calendar import CalendarUnknown
from . import bp


def _weekday_labels() -> list[str]:
    return [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


def _result_states() -> dict[str, str]:
    return {"draft": _("草稿"), "submitted": _("已提交"), "returned": _("已退回"), "approved": _("已审核通过")}


@bp.route("/")
@role_required("inspector")
def index():
    try:
        visits = svc.my_visits(get_session(), g.user)
        error = None
    except CalendarUnknown as e:
        visits, error = None, str(e)
    return render_template("inspector/index.html", visits=visits, error=error, weekdays=_weekday_labels())


@bp.route("/visits/<int:visit_pk>")
@role_required("inspector")
def visit(visit_pk: int):
    session = get_session()
    try:
        detail = svc.visit_detail(session, g.user, visit_pk)
    except visit_access.VisitNotFound:
        abort(404)
    except CalendarUnknown as e:
        return render_template("errors/status.html", heading=_("无法显示这项检查"), message=str(e)), 409
    result = results.current_result(session, detail.visit.id)  # a returned one shows its reason here
    return render_template("inspector/visit.html", detail=detail, visit=detail.visit, draw=detail.draw,
                           weekdays=_weekday_labels(), result=result, result_states=_result_states())
