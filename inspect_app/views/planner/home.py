"""The planner's start page: registry sizes at a glance."""

from __future__ import annotations

from flask import current_app, render_template

from ...db import get_session
from ...security import role_required
from ...services.registry_stats import registry_counts
from . import bp


@bp.route("/")
@role_required("planner")
def index():
    return render_template("planner/index.html", counts=registry_counts(
        get_session(), max_age=current_app.config["REGISTRY_COUNTS_TTL"]))
