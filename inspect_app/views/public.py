"""The public site."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("public", __name__)


@bp.route("/")
def index():
    return render_template("public/index.html")


# --- published plans and the draw register (see services/draw_register.py) ---

from flask import Response, abort  # noqa: E402

from ..db import get_session  # noqa: E402
from ..models import Plan  # noqa: E402
from ..services import draw_register, register_file  # noqa: E402
from ..services.draws import reveal_after  # noqa: E402


@bp.route("/plans/")
def plans():
    return render_template("public/plans.html", plans=draw_register.published_plans(get_session()))


@bp.route("/plans/<int:plan_id>")
def plan(plan_id: int):
    session = get_session()
    plan = session.get(Plan, plan_id)
    if plan is None or plan.status == "draft":
        abort(404)
    return render_template("public/plan.html", plan=plan, tasks=draw_register.plan_tasks(session, plan))


@bp.route("/draws/")
def draws():
    return render_template("public/draws.html", entries=draw_register.public_draws(get_session()))


@bp.route("/draws/<code>")
def draw(code: str):
    entry = draw_register.public_draw(get_session(), code)
    if entry is None:
        abort(404)
    return render_template("public/draw.html", e=entry, documents=draw_register.DOCUMENTS,
                           reveal_after=reveal_after)


@bp.route("/draws/<code>/register.json")
def draw_register_file(code: str):
    """The values the register published (inspect-register/1), for
    ``python -m solver verify --register``; from the commitment on."""
    data = register_file.register_bytes(get_session(), code)
    if data is None:
        abort(404)
    return Response(data, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{code}-register.json"'})


@bp.route("/draws/<code>/<name>")
def draw_document(code: str, name: str):
    entry = draw_register.public_draw(get_session(), code)
    if entry is None:
        abort(404)
    data = draw_register.document(entry, name)
    if data is None:
        abort(404)
    mimetype = "application/json" if name.endswith(".json") else "text/plain"
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{code}-{name}"'})


from . import public_results  # noqa: E402,F401  (the published results and bulletins, 一公开)
