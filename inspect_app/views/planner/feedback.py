"""What entities said through the check codes (扫码入企), for the planners
of the visits' departments (admins: all). Rules in
``services/check_feedback.py``."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...db import get_session
from ...security import role_required
from ...services import check_feedback
from ...services.messages import department_names
from . import bp


@bp.route("/feedback")
@role_required("planner")
def feedback():
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and len(page) <= 6 else 1
    size = current_app.config["PAGE_SIZE"]
    session = get_session()
    entries, total = check_feedback.feedback_list(session, g.user, page, size)
    names = department_names(session)
    return render_template("planner/feedback.html", entries=entries, total=total, page=page,
                           pages=max(1, (total + size - 1) // size), department_names=names)


@bp.route("/feedback/<int:feedback_id>/seen", methods=["POST"])
@role_required("planner")
def feedback_seen(feedback_id: int):
    try:
        check_feedback.mark_seen(get_session(), g.user, feedback_id)
    except LookupError:
        abort(404)
    flash(_("已标记为已读"))
    page = request.form.get("page", "1")
    return redirect(url_for("planner.feedback", page=int(page) if page.isdigit() and len(page) <= 6 else 1))
