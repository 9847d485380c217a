"""Planner pages for annual plans and their tasks: list, create, task forms,
the pre-draw preview (strata, expected visits, capacity), publish and new
versions. Logic lives in :mod:`inspect_app.services.plans` and
:mod:`inspect_app.services.plan_preview`."""

from __future__ import annotations

from datetime import date, datetime, timezone

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import select

from ...db import get_session
from ...models import RISK_CLASSES, Department, Task
from ...security import role_required
from ...services import draws as draw_service
from ...services import plans as plan_service
from ...services import scope
from ...services.plan_preview import preview_plan
from ...services.text_rules import TextError
from ...services.text_rules import message as text_message
from ...validation import ParameterError, id_list, int_value
from . import bp


def _actor() -> str | None:
    return g.user.username if g.get("user") else None


def _plan_or_404(plan_id: int):
    plan = plan_service.get_plan(get_session(), plan_id)
    if plan is None:
        abort(404)
    return plan


@bp.route("/plans/")
@role_required("planner")
def plans():
    return render_template("planner/plans/index.html", plans=plan_service.list_plans(get_session()),
                           this_year=date.today().year)


@bp.route("/plans/", methods=["POST"])
@role_required("planner")
def plan_create():
    session = get_session()
    try:
        plan = plan_service.create_plan(session, request.form.get("number", ""), request.form.get("name", ""),
                                        _int(request.form.get("year"), "year"), actor=_actor(),
                                        user=g.user)
    except (plan_service.PlanError, TextError) as error:
        session.rollback()
        flash(_error_text(error), "error")
        return render_template("planner/plans/index.html", plans=plan_service.list_plans(session),
                               this_year=date.today().year, form=request.form), 400
    flash(_("计划已创建"), "ok")
    return redirect(url_for("planner.plan", plan_id=plan.id))


# Bounds of the form's integers (the service checks the narrower rules).
INT_BOUNDS = {"year": (1, 9999), "count": (1, 1_000_000), "inspectors_per_visit": (1, 1000)}


def _error_text(error: Exception) -> str:
    """A refusal for the flash message: a PlanError names its field; a
    TextError from the storage check names ``table.column``."""
    return text_message(error) if isinstance(error, TextError) else str(error)


def _int(value, fieldname: str) -> int:
    """A form integer within :data:`INT_BOUNDS`, else a field error (``1e20``,
    ``²`` and numbers beyond the bounds are refused, never stored)."""
    low, high = INT_BOUNDS[fieldname]
    try:
        return int_value(value, fieldname, minimum=low, maximum=high)
    except ParameterError as error:
        if error.code == "range":
            raise plan_service.PlanError(_("请填写 %(a)s 到 %(b)s 之间的整数", a=low, b=high), fieldname) from None
        raise plan_service.PlanError(_("请填写整数"), fieldname) from None


def _ids(values, fieldname: str) -> list[int]:
    try:
        return id_list(values, fieldname)
    except ParameterError:
        raise plan_service.PlanError(_("所选编号无效"), fieldname) from None


@bp.route("/plans/<int:plan_id>")
@role_required("planner")
def plan(plan_id: int):
    session = get_session()
    plan = _plan_or_404(plan_id)
    tasks = plan_service.plan_tasks(session, plan.id)
    drawn = draw_service.drawn_task_keys(session)
    return render_template("planner/plans/plan.html", plan=plan, tasks=tasks,
                           versions=plan_service.plan_versions(session, plan),
                           draws=draw_service.list_draws(session, plan.id),
                           drawn={t.id: drawn.get(plan_service.task_key(plan, t)) for t in tasks},
                           items={i.id: i for t in tasks for i in plan_service.task_items(session, t)})


@bp.route("/plans/<int:plan_id>/preview")
@role_required("planner")
def plan_preview(plan_id: int):
    """Population per stratum, expected visits and capacity; the plan page
    loads it asynchronously (``?fragment=1``), it also stands alone."""
    session = get_session()
    plan = _plan_or_404(plan_id)
    preview = preview_plan(session, plan_service.plan_tasks(session, plan.id), refresh=bool(request.args.get("refresh")))
    template = "planner/plans/_preview.html" if request.args.get("fragment") else "planner/plans/preview.html"
    return render_template(template, plan=plan, preview=preview,
                           counted_at=datetime.fromtimestamp(preview.counted_at, timezone.utc))


@bp.route("/plans/<int:plan_id>/publish", methods=["POST"])
@role_required("planner")
def plan_publish(plan_id: int):
    session = get_session()
    try:
        plan_service.publish_plan(session, _plan_or_404(plan_id), user=g.user)
        flash(_("计划已公布，并已冻结；之后的修改将形成新版本"), "ok")
    except plan_service.PlanError as error:
        session.rollback()
        flash(str(error), "error")
    return redirect(url_for("planner.plan", plan_id=plan_id))


@bp.route("/plans/<int:plan_id>/version", methods=["POST"])
@role_required("planner")
def plan_new_version(plan_id: int):
    session = get_session()
    try:
        copy = plan_service.new_version(session, _plan_or_404(plan_id), request.form.get("change_note", ""),
                                        actor=_actor(), user=g.user)
    except plan_service.PlanError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for("planner.plan", plan_id=plan_id))
    flash(_("已创建第 %(v)s 版草稿", v=copy.version), "ok")
    return redirect(url_for("planner.plan", plan_id=copy.id))


def task_input(form) -> plan_service.TaskInput:
    """Parse the task form into plain values (errors name the field)."""
    def dates(name: str) -> date:
        try:
            return date.fromisoformat(form.get(name, "").strip())
        except ValueError:
            raise plan_service.PlanError(_("日期格式应为 YYYY-MM-DD"), name) from None

    def words(name: str) -> list[str]:
        raw = " ".join(form.getlist(name))
        return [w for w in raw.replace("，", ",").replace(",", " ").split() if w]

    mode = form.get("mode", "ratio")
    ratio = {r: form.get(f"ratio_{r}", "") for r in RISK_CLASSES} if mode == "ratio" else None
    count = _int(form.get("count"), "count") if mode == "count" else None
    list_ratio = {}
    if form.get("list_name", "").strip():
        list_ratio[form["list_name"].strip()] = form.get("list_ratio", "")
    flt = {"tags_any": words("tags_any"), "districts": words("districts"), "industries": words("industries"),
           "types": words("types"), "risks": form.getlist("risks"), "lists_any": words("lists_any")}
    return plan_service.TaskInput(
        name=form.get("name", ""), code=form.get("code", ""), department=form.get("department", ""),
        participating=form.getlist("participating"), items=_ids(form.getlist("items"), "items"),
        window_start=dates("window_start"), window_end=dates("window_end"), filter=flt, ratio=ratio,
        count=count, list_ratio=list_ratio, inspectors_per_visit=_int(form.get("inspectors_per_visit", "2"),
                                                                       "inspectors_per_visit"))


def _task_form(plan, task: Task | None, form=None, status: int = 200):
    session = get_session()
    return render_template("planner/plans/task_form.html", plan=plan, task=task, form=form,
                           departments=list(session.exec(select(Department).order_by(Department.id))),
                           items=plan_service.publishable_items(session), risks=RISK_CLASSES), status


@bp.route("/plans/<int:plan_id>/tasks/new", methods=["GET", "POST"])
@role_required("planner")
def task_new(plan_id: int):
    session = get_session()
    plan = _plan_or_404(plan_id)
    if request.method == "POST":
        try:
            plan_service.add_task(session, plan, task_input(request.form), user=g.user)
        except (plan_service.PlanError, TextError) as error:
            session.rollback()
            flash(_error_text(error), "error")
            return _task_form(plan, None, request.form, 400)
        flash(_("任务已添加"), "ok")
        return redirect(url_for("planner.plan", plan_id=plan.id))
    scope.require_member(g.user)
    return _task_form(plan, None)


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@role_required("planner")
def task_edit(task_id: int):
    session = get_session()
    task = session.get(Task, task_id) or abort(404)
    plan = _plan_or_404(task.plan_id)
    if request.method == "POST":
        try:
            plan_service.update_task(session, task, task_input(request.form), user=g.user)
        except (plan_service.PlanError, TextError) as error:
            session.rollback()
            flash(_error_text(error), "error")
            return _task_form(plan, task, request.form, 400)
        flash(_("任务已保存"), "ok")
        return redirect(url_for("planner.plan", plan_id=plan.id))
    scope.require_task(session, g.user, task)
    return _task_form(plan, task)


@bp.route("/tasks/<int:task_id>/delete", methods=["POST"])
@role_required("planner")
def task_delete(task_id: int):
    session = get_session()
    task = session.get(Task, task_id) or abort(404)
    plan_id = task.plan_id
    try:
        plan_service.remove_task(session, task, user=g.user)
        flash(_("任务已删除"), "ok")
    except plan_service.PlanError as error:
        session.rollback()
        flash(str(error), "error")
    return redirect(url_for("planner.plan", plan_id=plan_id))
