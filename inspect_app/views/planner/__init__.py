"""Planner pages. Every view here requires the planner (or admin) role;
``tests/test_access.py`` walks the URL map to prove it for every route."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("planner", __name__, url_prefix="/planner")

from . import home, registries  # noqa: E402,F401  (registers routes)
from . import schedule  # noqa: E402,F401  (schedule review pages)
from . import draws, plans  # noqa: E402,F401  (plans, tasks and the draw ceremony)
from . import scope_pages  # noqa: E402,F401  (department scope: 403 page, template helpers)
from . import results  # noqa: E402,F401  (results review, rectifications, credit marks)
from . import feedback  # noqa: E402,F401  (entities' feedback through the check codes)
from . import documents  # noqa: E402,F401  (printable plan and draw record, PDF)
from . import publication  # noqa: E402,F401  (publication on time: overdue results, per-department figure)
