"""Department scope in the planner pages (the rule is in
:mod:`inspect_app.services.scope`): a refused change becomes a 403 page with
the service's message, and templates ask the same service whether to offer
edit buttons (``may_edit(department)``, ``may_edit_plan(plan)``,
``may_edit_draw(draw)``)."""

from __future__ import annotations

from flask import g, render_template

from ...db import get_session
from ...services import scope
from ...services.scope import ScopeError
from . import bp


@bp.errorhandler(ScopeError)
def _out_of_scope(error: ScopeError):
    get_session().rollback()
    return render_template("planner/out_of_scope.html", message=str(error)), 403


def require(department: str | None) -> None:
    """For form pages (GET): the same refusal as the service would give."""
    scope.require_department(g.get("user"), department, get_session())


@bp.app_context_processor
def _scope_helpers():
    user = g.get("user")
    if user is None or user.role not in ("planner", "admin"):
        return {}
    return {
        "may_edit": lambda department: scope.can_act_for(user, department),
        "may_edit_plan": lambda plan: scope.can_act_for_plan(user, plan),
        "may_edit_draw": lambda draw: scope.can_act_for_draw(get_session(), user, draw),
        "may_change": user.role == "admin" or bool(user.department),
        "own_department": user.department,
    }
