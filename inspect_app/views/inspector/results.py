"""The results form of a visit (检查结果): the page, the autosave endpoint
(JSON from ``static/results_form.js``, or the plain form without
JavaScript), submission by the team's lead and a correction (new revision).
The rules are in ``services/results.py``; another team's visit is a 404."""

from __future__ import annotations

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...db import get_session
from ...security import role_required
from ...services import result_codes, visit_access
from ...services.accounts import N_
from ...services import results as service
from ...services.messages import department_names
from ...services.result_checks import ITEMS_MAX
from . import bp

STATE_LABELS = {"draft": N_("草稿"), "submitted": N_("已提交"), "returned": N_("已退回"), "approved": N_("已审核通过")}


def _form_data() -> tuple[dict, str | None]:
    """The plain form as a save's data: completed_on, code-<id>,
    remark-<id>, rectify_by-<id> (bounded to ITEMS_MAX items)."""
    form = request.form
    data: dict = {"items": {}}
    if "completed_on" in form:
        data["completed_on"] = form.get("completed_on", "")
    for key in form:
        name, _sep, item = key.partition("-")
        if name in ("code", "remark", "rectify_by") and item.isdigit() and len(item) < 12:
            if item not in data["items"] and len(data["items"]) >= ITEMS_MAX:
                continue
            data["items"].setdefault(item, {})[name] = form.get(key, "")
    return data, form.get("seq")


def _errors_by_field(errors) -> dict[str, str]:
    return {f"{e.item if e.item is not None else ''}:{e.field}": e.message for e in errors or []}


def _department_names(session) -> dict[str, str]:
    """Department id → its name in the page's language (an item shows who checks it)."""
    return department_names(session)


def _page(visit_pk: int, status: int = 200, errors=None, posted: dict | None = None):
    session = get_session()
    try:
        visit, draw = visit_access.team_visit(session, g.user, visit_pk)
        result = service.open_result(session, g.user, visit_pk)
    except visit_access.VisitNotFound:
        abort(404)
    codes = result_codes.code_set(session, result.code_version)
    items = {i.id: i for i in service.visit_items(session, draw, visit)}
    rows = []
    posted_items = (posted or {}).get("items", {})
    for row in service.items_of(session, result):
        values = {"code": row.code, "remark": row.remark or "",
                  "rectify_by": row.rectify_by.isoformat() if row.rectify_by else ""}
        values.update(posted_items.get(str(row.item_id), {}))
        rows.append({"row": row, "item": items.get(row.item_id), "v": values})
    completed_on = result.completed_on.isoformat() if result.completed_on else ""
    if posted and "completed_on" in posted:
        completed_on = posted["completed_on"]
    return render_template(
        "inspector/results.html", visit=visit, draw=draw, result=result, rows=rows, codes=codes,
        rules=result_codes.RULES, completed_on=completed_on, errors=_errors_by_field(errors),
        error_list=errors or [], is_lead=service.is_lead(session, g.user, draw, visit),
        editable=result.state in service.EDITABLE, revisable=result.state in service.REVISABLE,
        history=service.history(session, visit.id), state_labels=STATE_LABELS,
        departments=_department_names(session),
        today=service._today().isoformat()), status


@bp.route("/visits/<int:visit_pk>/results")
@role_required("inspector")
def results(visit_pk: int):
    return _page(visit_pk)


def _json_answer(status: int, saved, state, errors=(), message: str | None = None):
    body = {"saved": saved, "state": state, "errors": [e.as_dict() for e in errors]}
    if message:
        body["message"] = message
    return jsonify(body), status


def _json_object() -> dict | None:
    """The autosave's JSON object, or None when the body is not JSON, not an
    object, or nested deeper than any JSON this service reads (the parser
    would run into Python's recursion limit: an HTTP 500 for a 2,000-level
    body well within the request size limit)."""
    from solver.jsontext import MAX_DEPTH, nested_deeper_than

    if nested_deeper_than(request.get_data(cache=True), MAX_DEPTH):
        return None
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # whatever the depth check lets through is never an HTTP 500
        return None
    return body if isinstance(body, dict) else None


@bp.route("/visits/<int:visit_pk>/results/draft", methods=["POST"])
@role_required("inspector")
def results_draft(visit_pk: int):
    session = get_session()
    as_json = request.is_json
    if as_json:
        body = _json_object()
        if body is None:
            return _json_answer(400, None, None, message=_("数据格式不正确"))
        data, seq = body, body.get("seq")
    else:
        data, seq = _form_data()
    try:
        outcome = service.save_draft(session, g.user, visit_pk, data, seq)
    except visit_access.VisitNotFound:
        abort(404)
    except service.ResultInvalid as error:
        session.rollback()
        if as_json:
            return _json_answer(400, error.saved, error.state, error.errors, str(error))
        flash(str(error), "error")
        return _page(visit_pk, 400, error.errors, data)
    except service.ResultError as error:
        session.rollback()
        if as_json:
            result = service.current_result(session, visit_pk)
            return _json_answer(error.status, result.saved_seq if result else None,
                                result.state if result else None, message=str(error))
        flash(str(error), "error")
        return _page(visit_pk, error.status)
    if as_json:
        return _json_answer(200, outcome.saved, outcome.state)
    if not outcome.changed:  # a stale page: someone saved since it was loaded
        flash(str(service.StalePage()), "error")
        return _page(visit_pk, 409, None, data)
    flash(_("已保存"), "ok")
    return redirect(url_for("inspector.results", visit_pk=visit_pk), 303)


@bp.route("/visits/<int:visit_pk>/results/submit", methods=["POST"])
@role_required("inspector")
def results_submit(visit_pk: int):
    """Submit (the lead); the form's values, if it carries any, are saved
    first, so that submitting works without JavaScript."""
    session = get_session()
    data, seq = _form_data()
    try:
        with_values = bool(seq) and (bool(data["items"]) or "completed_on" in data)
        service.submit(session, g.user, visit_pk, data=data if with_values else None,
                       seq=seq if with_values else None)
    except visit_access.VisitNotFound:
        abort(404)
    except service.ResultError as error:
        session.rollback()
        flash(str(error), "error")
        return _page(visit_pk, error.status, getattr(error, "errors", None), data)
    flash(_("检查结果已提交"), "ok")
    return redirect(url_for("inspector.results", visit_pk=visit_pk), 303)


@bp.route("/visits/<int:visit_pk>/results/revise", methods=["POST"])
@role_required("inspector")
def results_revise(visit_pk: int):
    session = get_session()
    try:
        service.revise(session, g.user, visit_pk, request.form.get("reason", ""))
    except visit_access.VisitNotFound:
        abort(404)
    except service.ResultError as error:
        session.rollback()
        flash(str(error), "error")
        return _page(visit_pk, error.status, getattr(error, "errors", None))
    flash(_("已开始更正：新的修订版本为草稿"), "ok")
    return redirect(url_for("inspector.results", visit_pk=visit_pk), 303)
