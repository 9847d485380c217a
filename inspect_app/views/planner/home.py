"""The planner's start page: registry sizes at a glance, and the scheduler's
warnings and reminders (certificates, draw dates, publication deadlines)."""

from __future__ import annotations

from flask import current_app, g, render_template

from ...db import get_session
from ...security import role_required
from ...services import notices
from ...services.registry_stats import registry_counts
from . import bp


@bp.route("/")
@role_required("planner")
def index():
    from ...scheduler.runs import shanghai_today

    session = get_session()
    return render_template("planner/index.html", counts=registry_counts(
        session, max_age=current_app.config["REGISTRY_COUNTS_TTL"]),
        notices=notices.for_user(session, g.user, shanghai_today()), notice_text=notices.text)
