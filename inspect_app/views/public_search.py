"""Public search and an entity's published check history (一公开): no login,
the same answer for everyone (services/public_search.py holds the rules)."""

from __future__ import annotations

from flask import abort, render_template, request

from ..db import get_session
from ..services import public_search
from ..validation import arg_int
from .public import bp


@bp.route("/search")
def search():
    session = get_session()
    result = public_search.search(session, request.args.get("q", ""), arg_int("page"))
    districts = public_search.district_names(session, {h.district for h in result.hits})
    return render_template("public/search.html", r=result, districts=districts,
                           max_query=public_search.MAX_QUERY, max_candidates=public_search.MAX_CANDIDATES)


@bp.route("/entities/<code>")
def entity(code: str):
    history = public_search.entity_history(get_session(), code)
    if history is None:
        abort(404)
    return render_template("public/entity.html", h=history)
