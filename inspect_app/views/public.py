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
from ..services.draw_reveal import SYSTEM, reveal_reason_text  # noqa: E402


@bp.app_template_filter("reveal_reason")
def reveal_reason_filter(draw) -> str:
    """A revealed draw's reason in words (a system code rendered)."""
    return reveal_reason_text(draw)


@bp.app_template_filter("actor_name")
def actor_name_filter(actor: str | None) -> str:
    """Who did a step: a user name, or "系统" for the system."""
    from ..services.messages import _

    return _("系统") if actor in (None, SYSTEM) else actor


@bp.route("/plans/")
def plans():
    return render_template("public/plans.html", plans=draw_register.published_plans(get_session()))


@bp.route("/plans/<int:plan_id>")
def plan(plan_id: int):
    session = get_session()
    plan = session.get(Plan, plan_id)
    if plan is None or plan.status == "draft":
        abort(404)
    from ..services.documents import bulletin

    tasks = draw_register.plan_tasks(session, plan)
    return render_template("public/plan.html", plan=plan, tasks=tasks,
                           bulletins={t.id for t in tasks if bulletin.is_public(session, t)})


@bp.route("/draws/")
def draws():
    return render_template("public/draws.html", entries=draw_register.public_draws(get_session()))


@bp.route("/draws/<code>")
def draw(code: str):
    entry = draw_register.public_draw(get_session(), code)
    if entry is None:
        abort(404)
    return render_template("public/draw.html", e=entry, documents=draw_register.DOCUMENTS)


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


from . import public_documents  # noqa: E402,F401  (the public PDFs: plan, draw record, results bulletin, year summary)

# --- the year in figures (services/year_figures.py) ---

from flask import redirect, request, url_for  # noqa: E402

from ..services import year_figures  # noqa: E402


@bp.route("/figures/")
def figures_index():
    """The current year's figures, or ``?year=`` (the page's selector)."""
    year = request.args.get("year", "").strip()
    year = int(year) if year.isascii() and year.isdigit() and len(year) == 4 else year_figures.default_year()
    return redirect(url_for("public.figures", year=year, **_department_arg()))


def _department_arg() -> dict:
    department = request.args.get("department", "").strip()
    return {"department": department} if department else {}


@bp.route("/figures/<int:year>")
def figures(year: int):
    """The year's figures from published records only; the same page for
    everyone (anonymous, inspector, planner, admin)."""
    from ..services.messages import department_names
    from ..services.year_figure_charts import figure_charts

    session = get_session()
    department = request.args.get("department", "").strip() or None
    names = department_names(session)
    if not year_figures.valid_year(year) or (department is not None and department not in names):
        abort(404)
    data = year_figures.figures(session, year, department)
    years = sorted(set(year_figures.years(session)) | {year}, reverse=True)
    per_department = [] if department is not None else [
        (names.get(d, d), n) for d, n in year_figures.checks_per_department(session, year)]
    return render_template("public/figures.html", f=data, years=years, department_names=names,
                           charts=figure_charts(data, per_department), per_department=per_department)


# --- public search and an entity's history (views/public_search.py) ---

from . import public_search  # noqa: E402,F401
from . import public_results  # noqa: E402,F401  (the published results and bulletins, 一公开)


# --- the audit trail's daily checkpoints (services/audit_verify.py, docs/audit.md) ---

@bp.route("/audit/checkpoints")
def audit_checkpoints():
    """The published checkpoints: each day's head sequence number and hash.
    Nothing of the log itself is public."""
    from ..services import audit_verify

    return render_template("public/audit_checkpoints.html",
                           checkpoints=audit_verify.checkpoints(get_session()))


@bp.route("/audit/checkpoints.json")
def audit_checkpoints_json():
    """The same checkpoints as JSON (day, seq, hash), to keep a copy."""
    import json

    from ..services import audit_verify

    data = [{"day": c.day.isoformat(), "seq": c.seq, "hash": c.hash}
            for c in audit_verify.checkpoints(get_session())]
    return Response(json.dumps({"format": "inspect-audit-checkpoints/1", "checkpoints": data}, ensure_ascii=False),
                    mimetype="application/json")
