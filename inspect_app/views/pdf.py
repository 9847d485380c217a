"""Answers of the document routes: the PDF, or the page that waits for a
document rendered in the background (refreshing itself), or a failure."""

from __future__ import annotations

from flask import Response, render_template
from flask_babel import gettext as _

from ..services.documents.cache import DocumentFailed, Outcome
from ..services.documents.render import FontsMissing

REFRESH_SECONDS = 5


def pdf_response(pdf: bytes, filename: str, public: bool = False) -> Response:
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "public, max-age=300" if public else "private, no-store",
    })


def answer(get_outcome, filename: str, public: bool = False):
    """``get_outcome()`` → the PDF, the waiting page (202) or a failure page (503)."""
    try:
        outcome: Outcome = get_outcome()
    except (DocumentFailed, FontsMissing) as error:
        return render_template("errors/status.html", heading=_("文档生成失败"),
                               message=_("请稍后再试；如仍失败，请联系管理员。（%(e)s）", e=str(error)[:300])), 503
    if outcome.state == "done":
        return pdf_response(outcome.pdf, filename, public)
    return render_template("document_pending.html", outcome=outcome, refresh=REFRESH_SECONDS), \
        (503 if outcome.state == "failed" else 202)
