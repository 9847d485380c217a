"""The planners' publication page (公示及时率): unpublished results that are
overdue or due soon, and each department's publication-on-time figure, for
a plan year (``services/publication_stats.py``)."""

from __future__ import annotations

from flask import render_template

from ...db import get_session
from ...security import role_required
from ...services import publication_stats, review
from ...services.messages import department_names
from ...services.visit_access import _today
from ...validation import arg_int
from . import bp


@bp.route("/publication")
@role_required("planner")
def publication():
    session = get_session()
    today = _today()
    year = arg_int("year", today.year, minimum=2000, maximum=2100)
    return render_template("planner/publication.html", year=year, today=today,
                           years=publication_stats.years(session, today),
                           rows=publication_stats.figures(session, year, today),
                           names=department_names(session), state_name=review.state_name)
