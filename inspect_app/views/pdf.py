"""Answers of the document routes: the PDF, or the page that waits for a
document rendered in the background (refreshing itself), or a failure."""

from __future__ import annotations

import logging

from flask import Response, abort, g, render_template
from flask_babel import gettext as _

from ..services.documents.access import DocumentNotFound, Wanted
from ..services.documents.cache import DocumentFailed, Outcome
from ..services.documents.render import FontsMissing

REFRESH_SECONDS = 5
STAFF = ("planner", "admin")  # see why a rendering failed (the others: that it failed)
log = logging.getLogger(__name__)


def pdf_response(pdf: bytes, filename: str, public: bool = False) -> Response:
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "public, max-age=300" if public else "private, no-store",
    })


def answer(get_outcome, filename: str, public: bool = False):
    """``get_outcome()`` → the PDF, the waiting page (202) or a failure page
    (503; the error's text, which may name server paths, only for planners
    and admins — it is logged for everyone)."""
    try:
        outcome: Outcome = get_outcome()
    except (DocumentFailed, FontsMissing) as error:
        log.error("document %s could not be rendered: %s", filename, error)
        user = g.get("user")
        if user is not None and user.role in STAFF:  # the reason (it may name server paths) for staff only
            message = _("请稍后再试；如仍失败，请联系管理员。（%(e)s）", e=str(error)[:300])
        else:
            message = _("请稍后再试；如仍失败，请联系管理员。")
        return render_template("errors/status.html", heading=_("文档生成失败"), message=message), 503
    if outcome.state == "done":
        return pdf_response(outcome.pdf, filename, public)
    return render_template("document_pending.html", outcome=outcome, refresh=REFRESH_SECONDS), \
        (503 if outcome.state == "failed" else 202)


def answer_wanted(find, public: bool | None = None):
    """``find()`` → a :class:`Wanted` (``services/documents/access.py``) or
    :class:`DocumentNotFound` (404). ``public`` overrides the document's own
    cacheability (the planner's copy of a published plan stays private)."""
    try:
        wanted: Wanted = find()
    except DocumentNotFound:
        abort(404)
    return answer(wanted.obtain, wanted.filename, wanted.public if public is None else public)
