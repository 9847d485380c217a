"""The check-code page (扫码入企), public: the entity scans the team's QR
code (or types the code) and sees that this is a registered, approved check,
with this visit's departments, tasks, check items, date and inspectors —
nothing of any other visit, entity or draw. Rules in
``services/check_codes.py``; the rate limit in
``services/check_code_limits.py``; feedback in ``services/check_feedback.py``."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..db import get_session
from ..services import check_code_limits as limits
from ..services import check_codes, check_feedback

bp = Blueprint("check", __name__)


def _private(response, status: int | None = None):
    """Check-code pages are never cached nor indexed, and send no referrer
    (the URL is the code)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    if status is not None:
        response.status_code = status
    return response


def _render(template: str, status: int, **context):
    return _private(make_response(render_template(template, **context)), status)


def _limited():
    seconds = int(limits.window().total_seconds())
    response = _render("check/limited.html", 429, minutes=max(1, seconds // 60))
    response.headers["Retry-After"] = str(seconds)
    return response


def _unknown(session):
    """Unknown, malformed and not-yet-valid codes: one answer (and one
    failure counted against the address)."""
    limits.record_failure(session, request.remote_addr)
    return _render("check/unknown.html", 404)


def _page(session, code: str, view, error: str | None = None, message: str = "", status: int = 200):
    if view.status == "unknown":
        return _unknown(session)
    if view.status == "void":
        return _render("check/void.html", 410)
    return _render("check/visit.html", status, v=view, code=code, error=error, message=message,
                   message_max=check_feedback.MESSAGE_MAX)


@bp.route("/c/<code>")
def page(code: str):
    session = get_session()
    if limits.is_limited(session, request.remote_addr):
        return _limited()
    return _page(session, code, check_codes.lookup(session, code))


def _feedback(code: str, kind: str):
    session = get_session()
    if limits.is_limited(session, request.remote_addr):
        return _limited()
    message = request.form.get("message", "")
    try:
        check_feedback.add_feedback(session, code, kind, message)
    except LookupError:
        return _page(session, code, check_codes.lookup(session, code))
    except check_feedback.FeedbackError as error:
        return _page(session, code, check_codes.lookup(session, code), error=error.message,
                     message=message[:check_feedback.MESSAGE_MAX * 2], status=400)
    flash(_("已收到您的确认，谢谢。") if kind == "confirmed" else _("已收到您反映的问题，我们会尽快核实处理。"))
    return redirect(url_for("check.page", code=code))


@bp.route("/c/<code>/confirm", methods=["POST"])
def confirm(code: str):
    return _feedback(code, "confirmed")


@bp.route("/c/<code>/report", methods=["POST"])
def report(code: str):
    return _feedback(code, "problem")
