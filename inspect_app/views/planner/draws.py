"""Planner pages of the draw ceremony: start a draw over a batch, the draw's
page (digests, commitment, entropy form, progress, trail, history), the
progress JSON the page polls, review, seal, reveal, cancel, retry and redraw.

Background work is started with :func:`inspect_app.jobs.launcher.launch`;
the views never run the solver."""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...db import get_session
from ...jobs.launcher import launch
from ...models import Draw, Inspector, Plan
from ...security import role_required
from ...services import draw_review, redraws
from ...services import draws as draw_service
from ...services import plans as plan_service
from ...validation import arg_int, id_list
from . import bp


REVIEW_PAGE = 200  # visits per page of the review table
REDRAW_SELECT_LIMIT = 2000  # up to this many current visits the redraw form offers a list


def _actor() -> str | None:
    return g.user.username if g.get("user") else None


def _draw_or_404(draw_id: int) -> Draw:
    draw = draw_service.get_draw(get_session(), draw_id)
    if draw is None:
        abort(404)
    return draw


@bp.route("/draws/")
@role_required("planner")
def draws():
    session = get_session()
    rows = draw_service.list_draws(session)
    plans = {p.id: p for p in plan_service.list_plans(session)}
    return render_template("planner/draws/index.html", draws=rows, plans=plans)


@bp.route("/plans/<int:plan_id>/draws", methods=["POST"])
@role_required("planner")
def draw_start(plan_id: int):
    session = get_session()
    plan = plan_service.get_plan(session, plan_id) or abort(404)
    task_ids = id_list(request.form.getlist("tasks"), "tasks")  # not ids: ParameterError, a 400 page
    try:
        draw, job = draw_service.start_draw(session, plan, task_ids, request.form.get("entropy_source", ""),
                                            actor=_actor(), user=g.user)
    except draw_service.DrawConflict as error:
        session.rollback()
        flash(str(error), "error")
        if error.draw is not None:
            return redirect(url_for("planner.draw", draw_id=error.draw.id))
        return redirect(url_for("planner.plan", plan_id=plan_id))
    except draw_service.DrawError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for("planner.plan", plan_id=plan_id))
    launch(job.id)
    flash(_("抽取 %(c)s 已创建：正在冻结输入数据并生成承诺值", c=draw.code), "ok")
    return redirect(url_for("planner.draw", draw_id=draw.id))


@bp.route("/draws/<int:draw_id>")
@role_required("planner")
def draw(draw_id: int):
    session = get_session()
    draw = _draw_or_404(draw_id)
    job = draw_service.latest_job(session, draw)
    choices = None
    if draw.state == "sealed" and draw.cancelled_at is None and (draw.stats or {}).get("visits", 0) <= REDRAW_SELECT_LIMIT:
        choices = [v for v in draw_service.visits(session, draw) if v.current]
    return render_template("planner/draws/draw.html", draw=draw, job=job, redraw_choices=choices,
                           stale=job is not None and draw_service.job_is_stale(job),
                           plan=session.get(Plan, draw.plan_id), events=draw_service.events(session, draw),
                           witnesses=draw_service.witnesses(session, draw),
                           history=draw_service.history(session, draw),
                           revealed=draw_service.is_revealed(draw, session=session),
                           window_closed=draw_service.revealable(draw), reveal_after=draw_service.reveal_after(draw),
                           **_reveal_state(session, draw),
                           describe=draw_service.describe, action_label=draw_service.action_label)


def _reveal_state(session, draw) -> dict:
    """When a sealed, unrevealed draw will be revealed, how many of its
    chain's visits are not done yet and which draws it waits for
    (services/draw_reveal.py)."""
    from ...services import draw_reveal

    if draw.state != "sealed" or draw.revealed_at is not None:
        return {"reveal_from": None, "pending_visits": 0, "waiting": []}
    return {"reveal_from": draw_reveal.first_reveal_day(session, draw),
            "pending_visits": draw_reveal.pending_chain_visits(session, draw),
            "waiting": [d.code for d in draw_reveal.waiting_for(session, draw)]}


def _job_state_names():
    from flask_babel import lazy_gettext as _l

    return {"pending": _l("排队中"), "running": _l("进行中"), "done": _l("已完成"), "failed": _l("失败"),
            "interrupted": _l("已中断")}


def _job_stage_names():
    """The stages the draw job reports (solver and services ``progress.stage``)."""
    from flask_babel import lazy_gettext as _l

    return {
        "read": _l("读取数据"), "parse": _l("解析数据"), "write": _l("写入结果"), "save": _l("保存结果"),
        "read, digest and parse entities": _l("读取检查对象、计算摘要并解析"), "digest": _l("计算摘要"),
        "conflicts": _l("读取回避关系"), "history": _l("读取检查历史"), "entities": _l("汇总检查对象"),
        "sampling: registry columns": _l("抽样：名录字段"), "sampling: populations": _l("抽样：总体"),
        "sampling: u-values": _l("抽样：随机值"), "sampling: strata": _l("抽样：分层"), "visits": _l("汇总检查"),
        "teams: requests": _l("组队：需求"), "form teams": _l("组成检查组"),
        "resolve pair conflicts": _l("处理检查人员回避"), "schedule visits": _l("安排检查日期"),
        "accept visits": _l("确认检查安排"), "verify: visits": _l("核验：检查"), "verify: rules": _l("核验：规则"),
        "verify: certificate": _l("核验：最优性证书"), "verify: rules and teams": _l("核验：规则与检查组"),
    }


def _stage_text(stage: str | None) -> str:
    return str(_job_stage_names().get(stage, stage)) if stage else ""


@bp.context_processor
def _job_state_context():
    return {"job_state_names": _job_state_names(), "job_stage_text": _stage_text}


@bp.route("/draws/<int:draw_id>/progress.json")
@role_required("planner")
def draw_progress(draw_id: int):
    session = get_session()
    draw = _draw_or_404(draw_id)
    job = draw_service.latest_job(session, draw)
    data = {"draw": draw.code, "state": draw.state, "error": draw.error, "job": None}
    if job is not None:
        data["job"] = {"id": job.id, "kind": job.kind, "state": job.state, "attempt": job.attempt,
                       "stage": job.stage, "done": job.done, "total": job.total,
                       "heartbeat": job.heartbeat.isoformat() if job.heartbeat else None,
                       "stale": draw_service.job_is_stale(job), "error": job.error,
                       "state_text": str(_job_state_names().get(job.state, job.state)),
                       "stage_text": _stage_text(job.stage)}
    data["busy"] = draw.state in ("freezing", "queued") and job is not None and job.state in ("pending", "running") \
        and not data["job"]["stale"]
    return jsonify(data)


@bp.route("/draws/<int:draw_id>/entropy", methods=["POST"])
@role_required("planner")
def draw_entropy(draw_id: int):
    session = get_session()
    draw = _draw_or_404(draw_id)
    names, roles = request.form.getlist("witness_name"), request.form.getlist("witness_role")
    people = [(n, roles[k] if k < len(roles) else "") for k, n in enumerate(names)]
    try:
        job = draw_service.enter_entropy(session, draw, request.form.get("external_entropy", ""), people,
                                         actor=_actor(), user=g.user)
    except draw_service.DrawError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for("planner.draw", draw_id=draw_id))
    launch(job.id)
    flash(_("外部随机数已记录，正在后台抽取"), "ok")
    return redirect(url_for("planner.draw", draw_id=draw_id))


@bp.route("/draws/<int:draw_id>/retry", methods=["POST"])
@role_required("planner")
def draw_retry(draw_id: int):
    session = get_session()
    draw = _draw_or_404(draw_id)
    try:
        job = draw_service.retry_job(session, draw, actor=_actor(), user=g.user)
    except draw_service.DrawError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for("planner.draw", draw_id=draw_id))
    launch(job.id)
    flash(_("后台任务已重新运行"), "ok")
    return redirect(url_for("planner.draw", draw_id=draw_id))


@bp.route("/draws/<int:draw_id>/review")
@role_required("planner")
def draw_review_page(draw_id: int):
    session = get_session()
    draw = _draw_or_404(draw_id)
    try:
        draw_review.require_outcome(draw)
    except draw_service.DrawError as error:
        flash(str(error), "error")
        return redirect(url_for("planner.draw", draw_id=draw_id))
    page = arg_int("page")
    review = draw_review.review(session, draw, page=page, per_page=REVIEW_PAGE,
                               unfilled_page=arg_int("unfilled_page"))
    return render_template("planner/draws/review.html", draw=draw, review=review, page=page)


@bp.route("/draws/<int:draw_id>/seal", methods=["POST"])
@role_required("planner")
def draw_seal(draw_id: int):
    session = get_session()
    draw = _draw_or_404(draw_id)
    try:
        draw_service.seal(session, draw, actor=_actor(), user=g.user)
        flash(_("抽取结果已确认封存，结果摘要已公示"), "ok")
    except draw_service.DrawError as error:
        session.rollback()
        flash(str(error), "error")
    return redirect(url_for("planner.draw", draw_id=draw_id))


@bp.route("/draws/<int:draw_id>/reveal", methods=["POST"])
@role_required("planner")
def draw_reveal(draw_id: int):
    session = get_session()
    draw = _draw_or_404(draw_id)
    try:
        draw_service.reveal(session, draw, request.form.get("reason", ""),
                            confirmed=request.form.get("confirm") == "yes", actor=_actor(), user=g.user)
        flash(_("抽取的输入、密钥和结果已公开，任何人都可以验证"), "ok")
    except draw_service.DrawError as error:
        session.rollback()
        flash(str(error), "error")
    return redirect(url_for("planner.draw", draw_id=draw_id))


@bp.route("/draws/<int:draw_id>/cancel", methods=["POST"])
@role_required("planner")
def draw_cancel(draw_id: int):
    session = get_session()
    draw = _draw_or_404(draw_id)
    try:
        draw_service.cancel(session, draw, request.form.get("reason", ""),
                            confirmed=request.form.get("confirm") == "yes", actor=_actor(), user=g.user)
        flash(_("抽取 %(c)s 已作废，作废原因已公示；其任务可以重新抽取", c=draw.code), "ok")
    except draw_service.DrawError as error:
        session.rollback()
        flash(str(error), "error")
    return redirect(url_for("planner.draw", draw_id=draw_id))


@bp.route("/draws/<int:draw_id>/redraw", methods=["POST"])
@role_required("planner")
def draw_redraw(draw_id: int):
    session = get_session()
    parent = _draw_or_404(draw_id)
    form = request.form
    try:
        draw, job = redraws.request_redraw(session, parent, form.get("visit_id", ""), form.get("cause", ""),
                                           form.get("reason", ""), form.get("entropy_source", ""),
                                           inspector=form.get("inspector") or None, actor=_actor(),
                                           user=g.user)
    except draw_service.DrawError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for("planner.draw", draw_id=draw_id))
    launch(job.id)
    flash(_("重抽 %(c)s 已创建", c=draw.code), "ok")
    return redirect(url_for("planner.draw", draw_id=draw.id))


@bp.app_template_filter("inspector_name")
def inspector_name(inspector_id: str) -> str:
    row = get_session().get(Inspector, inspector_id)
    return f"{row.name}（{inspector_id}）" if row else inspector_id
