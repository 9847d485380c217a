"""Printable documents (PDF) through the API (issues 11 and 12): the same
documents, the same renderings (``services/documents/cache.py``) and the
same permission rules (``services/documents/access.py``) as the pages.

Published content is public (no token): a published plan, a draw's public
record, a task's results bulletin, a year's summary. A plan including
drafts and a draw's full record are for planners and admins; a visit's
inspection notice for the visit's team.

A document rendered in the background (the bulletin) answers 202 with
``{state, status_url, retry_after}`` (and ``Location`` and ``Retry-After``
headers) until it is ready; ``status_url`` is the document's own URL, which
then answers the PDF. A rendering that failed answers 503
``document_failed`` (its reason only to planners and admins, as on the
pages) and is tried again after a minute.
"""

from __future__ import annotations

import logging
from typing import Annotated

from flask import request
from pydantic import Field

from ...db import get_session
from ...services.documents import access
from ...services.documents.cache import RETRY_AFTER, DocumentFailed
from ...services.documents.render import FontsMissing
from ..inspector.check_code_image import public_url
from ..pdf import REFRESH_SECONDS, STAFF, pdf_response
from . import INSPECTOR, PLANNER, auth, bp, current_user
from .problems import ApiProblem
from .schemas import Input, Output

log = logging.getLogger(__name__)
TAG = "Documents"
PDF = {"content_type": "application/pdf", "description": "The document (PDF)"}
PENDING = {202: "Rendering in the background: `{state, status_url, retry_after}`; poll `status_url`",
           503: "The rendering failed (`document_failed`); it is tried again after a minute"}


class Pending(Output):
    state: str = Field(description="pending or running")
    status_url: str
    retry_after: int


class SummaryQuery(Input):
    department: Annotated[str, Field(max_length=40)] | None = None


def _answer(find, public: bool | None = None):
    try:
        wanted = find()
    except access.DocumentNotFound:
        raise ApiProblem(404, "not_found", "No such document (or not one the caller may have).") from None
    user = current_user()
    try:
        outcome = wanted.obtain()
    except (DocumentFailed, FontsMissing) as error:
        log.error("document %s could not be rendered: %s", wanted.filename, error)
        raise _failed(user, str(error)) from None
    if outcome.state == "done":
        return pdf_response(outcome.pdf, wanted.filename, wanted.public if public is None else public)
    if outcome.state == "failed":
        raise _failed(user, outcome.error or "")
    url = request.full_path.rstrip("?")
    body = Pending(state=outcome.state, status_url=url, retry_after=REFRESH_SECONDS).model_dump()
    return body, 202, {"Location": url, "Retry-After": str(REFRESH_SECONDS)}


def _failed(user, reason: str) -> ApiProblem:
    detail = "The document could not be rendered; try again later."
    if user is not None and user.role in STAFF:
        detail += f" ({reason.strip().splitlines()[-1][:300] if reason.strip() else 'no reason recorded'})"
    return ApiProblem(503, "document_failed", detail,
                      headers={"Retry-After": str(int(RETRY_AFTER.total_seconds()))})


@bp.get("/plans/<int:plan_id>/document")
@bp.auth_required(auth, roles=PLANNER)
@bp.output({}, **PDF)
@bp.doc(tags=[TAG], summary="A plan's document (年度抽查工作计划), drafts too (marked as such)")
def plan_document(plan_id: int):
    return _answer(lambda: access.plan(get_session(), plan_id, drafts=True), public=False)


@bp.get("/draws/<int:draw_id>/record")
@bp.auth_required(auth, roles=PLANNER)
@bp.output({}, **PDF)
@bp.doc(tags=[TAG], summary="A draw's full record with its trail (抽取记录)")
def draw_record_document(draw_id: int):
    return _answer(lambda: access.full_draw_record(get_session(), draw_id))


@bp.get("/my/visits/<int:visit_pk>/notice")
@bp.auth_required(auth, roles=INSPECTOR)
@bp.output({}, **PDF)
@bp.doc(tags=[TAG], summary="The inspection notice (检查通知书) of one of the caller's visits",
        description="The visit's team only, from the day the visit is visible (as `/my/visits/{id}`); "
                    "anyone else's visit is a 404. It carries the visit's check code.")
def visit_notice(visit_pk: int):
    return _answer(lambda: access.visit_notice(get_session(), current_user(), visit_pk, public_url))


@bp.get("/public/plans/<int:plan_id>/document")
@bp.output({}, **PDF)
@bp.doc(tags=[TAG], summary="A published plan's document (no token)", responses={404: "No published plan"})
def public_plan_document(plan_id: int):
    return _answer(lambda: access.plan(get_session(), plan_id, drafts=False))


@bp.get("/public/draws/<code>/record")
@bp.output({}, **PDF)
@bp.doc(tags=[TAG], summary="A draw's public record: what the register shows (no token)")
def public_draw_record_document(code: str):
    return _answer(lambda: access.public_draw_record(get_session(), code[:40]))


@bp.get("/public/results/tasks/<int:task_id>/bulletin")
@bp.output({}, **PDF)
@bp.doc(tags=[TAG], summary="A task's results bulletin (结果公告) as a PDF (no token), once published",
        description="Rendered in the background: 202 with a status URL until it is ready.",
        responses={**PENDING, 404: "No public task"})
def public_bulletin_document(task_id: int):
    return _answer(lambda: access.bulletin(get_session(), task_id))


@bp.get("/public/figures/<int:year>/summary")
@bp.input(SummaryQuery, location="query", arg_name="query_data")
@bp.output({}, **PDF)
@bp.doc(tags=[TAG], summary="A year's summary (年度抽查工作总结, no token), optionally for one department",
        responses={404: "A year out of range or with nothing published, or an unknown department"})
def public_year_summary(year: int, query_data: SummaryQuery):
    department = (query_data.department or "").strip() or None
    return _answer(lambda: access.year_summary(get_session(), year, department))
