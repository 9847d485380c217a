"""Planner pages of the results (issue 9): a sealed draw's results overview
(progress and publication deadlines), the review page of one visit
(approve, return with a reason, credit mark), the rectifications list with
its follow-up form, and the credit marks with their XLSX export.

The rules are in :mod:`...services.review`, :mod:`...services.rectification`
and :mod:`...services.credit`; a refusal of who may act is a ScopeError (the
blueprint's 403 page), one of state or input a flash on the page."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import select

from ...db import get_session
from ...models import CheckItem, Department, Draw, Inspector, Plan, ResultCode
from ...security import role_required
from ...visit_models import Rectification
from ...services import credit, publication, rectification, review, review_progress
from ...services.scope import ScopeError
from ...validation import arg_int
from . import bp

PAGE = 200  # visits per page of the results overview


@bp.route("/draws/<int:draw_id>/results")
@role_required("planner")
def draw_results(draw_id: int):
    session = get_session()
    status = request.args.get("state") or None
    if status not in review.STATUS_FILTERS:
        status = None
    draw = session.get(Draw, draw_id)
    found = review_progress.progress_page(session, draw, status, arg_int("page", maximum=100_000), PAGE)
    if found is None:
        abort(404)
    return render_template("planner/results/overview.html", draw=draw, progress=found, status=status,
                           rows=found.rows, page=found.page, pages=found.pages,
                           filters=review.STATUS_FILTERS, state_name=review.state_name,
                           plan=session.get(Plan, draw.plan_id))


def _visit_or_404(visit_pk: int):
    try:
        return review.live_visit(get_session(), visit_pk)
    except review.ResultNotFound:
        abort(404)


def action_names() -> dict[str, str]:
    return {"opened": _("开始填写"), "saved": _("草稿已保存"), "submitted": _("提交"), "returned": _("退回修改"), "approved": _("审核通过"),
            "revised": _("更正（新版本）"), "rectification": _("整改跟进"), "credit_marked": _("信用标记"),
            "feedback": _("检查对象反馈")}


@bp.route("/results/<int:visit_pk>")
@role_required("planner")
def result_review(visit_pk: int):
    session = get_session()
    visit, draw = _visit_or_404(visit_pk)
    result = review.current_result(session, visit.id)
    items = review.items(session, result)
    item_names = {i.id: i for i in session.exec(select(CheckItem).where(
        CheckItem.id.in_([x.item_id for x in items])))} if items else {}
    codes = {}
    if result is not None:
        codes = {c.code: c for c in session.exec(select(ResultCode).where(
            ResultCode.version == result.code_version))}
    team = {i.id: i for i in session.exec(select(Inspector).where(Inspector.id.in_(list(visit.team or []))))}
    rects = list(session.exec(select(Rectification).where(Rectification.visit_pk == visit.id)
                              .order_by(Rectification.id)))
    return render_template(
        "planner/results/review.html", visit=visit, draw=draw, result=result, items=items, item_names=item_names,
        codes=codes, team=team, revisions=review.revisions(session, visit.id), trail=review.trail(session, visit.id),
        rectifications=rects, marks=credit.marks_of_visit(session, visit.id),
        eligible=credit.eligible_reasons(session, visit.id), reason_name=credit.reason_name,
        may_review=review.may_review(session, g.user, draw, visit), state_name=review.state_name,
        department=review.review_department(session, draw, visit), actions=action_names(),
        departments=_department_names(session), published=publication.current_record(session, visit.id))


def _department_names(session) -> dict[str, str]:
    return dict(session.exec(select(Department.id, Department.name)).all())


def _back(visit_pk: int):
    return redirect(url_for("planner.result_review", visit_pk=visit_pk))


@bp.route("/results/<int:visit_pk>/approve", methods=["POST"])
@role_required("planner")
def result_approve(visit_pk: int):
    session = get_session()
    _visit_or_404(visit_pk)
    try:
        review.approve(session, g.user, visit_pk)
    except review.ReviewError as error:
        session.rollback()
        flash(str(error), "error")
    else:
        flash(_("检查结果已审核通过"), "ok")
    return _back(visit_pk)


@bp.route("/results/<int:visit_pk>/return", methods=["POST"])
@role_required("planner")
def result_return(visit_pk: int):
    session = get_session()
    _visit_or_404(visit_pk)
    try:
        review.return_result(session, g.user, visit_pk, request.form.get("reason", ""))
    except review.ReviewError as error:
        session.rollback()
        flash(str(error), "error")
    else:
        flash(_("检查结果已退回检查组修改"), "ok")
    return _back(visit_pk)


@bp.route("/results/<int:visit_pk>/credit", methods=["POST"])
@role_required("planner")
def credit_mark(visit_pk: int):
    session = get_session()
    _visit_or_404(visit_pk)
    try:
        credit.mark_credit(session, g.user, visit_pk, request.form.get("reason_code", ""),
                           request.form.get("reason", ""))
    except (credit.CreditError, review.ReviewError) as error:
        session.rollback()
        flash(str(error), "error")
    else:
        flash(_("已标记，将列入信用推送名单"), "ok")
    return _back(visit_pk)


@bp.route("/rectifications")
@role_required("planner")
def rectifications():
    session = get_session()
    state = request.args.get("state") or None
    if state not in ("pending", "rectified", "not_rectified"):
        state = None
    rows = rectification.for_planner(session, g.user, state=state)
    return render_template("planner/results/rectifications.html", rows=rows, state=state,
                           overdue=rectification.overdue(session, g.user),
                           counts=rectification.counts(session, g.user), limit=rectification.LIST_LIMIT)


@bp.route("/rectifications/<int:rect_id>", methods=["POST"])
@role_required("planner")
def rectification_followup(rect_id: int):
    session = get_session()
    try:
        rectification.record_followup(session, g.user, rect_id, request.form.get("state", ""),
                                      request.form.get("done_on") or None, request.form.get("note", ""))
    except rectification.RectificationNotFound:
        abort(404)
    except rectification.RectificationError as error:
        session.rollback()
        flash(str(error), "error")
    else:
        flash(_("整改跟进已记录"), "ok")
    return redirect(url_for("planner.rectifications"))


@bp.route("/credit")
@role_required("planner")
def credit_list():
    session = get_session()
    department = None
    if g.user.role == "admin" and request.args.get("department"):
        department = request.args.get("department")[:32]
    rows = credit.credit_marks(session, g.user, department, limit=rectification.LIST_LIMIT)
    return render_template("planner/results/credit.html", rows=rows, reason_name=credit.reason_name,
                           counts=rectification.counts(session, g.user, department),
                           departments=_department_names(session),
                           department=department, limit=rectification.LIST_LIMIT)


@bp.route("/credit/export.xlsx")
@role_required("planner")
def credit_export():
    session = get_session()
    department = None
    if g.user.role == "admin" and request.args.get("department"):
        department = request.args.get("department")[:32]
    try:
        data = credit.credit_export(session, g.user, department)
    except ScopeError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for("planner.credit_list"))
    name = f"credit-marks-{department or g.user.department or 'all'}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

