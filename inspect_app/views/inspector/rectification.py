"""The team's side of rectification (整改) follow-ups: the pending
rectifications of the inspector's own visits, with a follow-up form. Another
team's rectification id is a 404 (:class:`RectificationNotFound`), so that
ids confirm nothing."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...db import get_session
from ...security import role_required
from ...services import rectification
from ...validation import int_value
from . import bp


@bp.route("/rectifications", methods=["GET", "POST"])
@role_required("inspector")
def rectifications():
    session = get_session()
    error, values = None, {}
    if request.method == "POST":
        rect_id = int_value(request.form.get("rectification"), "rectification")
        values = {"id": rect_id, "state": request.form.get("state", ""), "done_on": request.form.get("done_on", ""),
                  "note": request.form.get("note", "")}
        try:
            rectification.record_followup(session, g.user, rect_id, values["state"], values["done_on"] or None,
                                          values["note"])
        except rectification.RectificationNotFound:
            abort(404)
        except rectification.RectificationError as problem:
            session.rollback()
            error = str(problem)
        else:
            flash(_("整改跟进已记录"), "ok")
            return redirect(url_for("inspector.rectifications"))
    rows = rectification.for_team(session, g.user)
    return render_template("inspector/rectifications.html", rows=rows, error=error, values=values), \
        (400 if error else 200)
