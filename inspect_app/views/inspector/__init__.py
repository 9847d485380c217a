"""Inspector pages (phone first): the inspector's own visits and their
results. Every view requires the inspector role and shows only visits the
user's inspector record is on the team of (``services/visit_access.py``);
anyone else's visit is a 404, so that ids do not confirm existence."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("inspector", __name__, url_prefix="/inspector")

from . import visits  # noqa: E402,F401  (my visits: the list and a visit's page)
from . import rectification  # noqa: E402,F401  (the team's rectification follow-ups)
from . import check_code_image  # noqa: E402,F401  (the check code's QR image and template global)
from . import results  # noqa: E402,F401  (registers the results routes)
from . import notice  # noqa: E402,F401  (the visit's inspection notice, PDF)
