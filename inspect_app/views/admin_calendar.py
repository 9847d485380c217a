"""Administration: the working-day calendar (issue 8, item 22).

The admin uploads a new year's State Council notice in the format of
``flask calendar import YEAR FILE --source ...``
(:func:`inspect_app.services.calendar.parse_notice`), sees which dates become
holidays and which weekend days become working days (for a known year: what
changes), then confirms; the confirmation re-checks the same text and imports
it with :func:`~inspect_app.services.calendar.import_notice`, like the CLI.
Routes live on the admin blueprint, so ``tests/test_access.py`` walks them.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import select

from ..db import get_session
from ..models import CalendarDay, CalendarYear
from ..security import role_required
from ..services import calendar as cal
from ..services.text_rules import TextError, check_text, message
from .admin import bp

MAX_NOTICE_BYTES = 64 * 1024  # a notice has a few dozen rows


class _FormProblem(ValueError):
    def __init__(self, field: str, text: str) -> None:
        super().__init__(text)
        self.field, self.text = field, text


def _years() -> list[dict]:
    """Known years with their source and the count of exceptions."""
    session = get_session()
    rows = []
    for y in session.exec(select(CalendarYear).order_by(CalendarYear.year.desc())):
        days = session.exec(select(CalendarDay.kind).where(CalendarDay.day >= date(y.year, 1, 1),
                                                           CalendarDay.day <= date(y.year, 12, 31))).all()
        rows.append({"year": y.year, "source": y.source, "imported_at": y.imported_at,
                     "holidays": days.count(cal.HOLIDAY), "workdays": days.count(cal.WORKDAY)})
    return rows


def _page(status: int = 200, **context):
    context.setdefault("form", {})
    context.setdefault("errors", {})
    context.setdefault("row_errors", [])
    return render_template("admin/calendar.html", years=_years(), max_kb=MAX_NOTICE_BYTES // 1024,
                           **context), status


def _year(text: str | None) -> int:
    text = (text or "").strip()
    if not text.isdigit() or not 1949 < int(text) < 2200:
        raise _FormProblem("year", _("请填写有效的年份（如 2027）"))
    return int(text)


def _source(text: str | None) -> str:
    try:
        value = check_text(text or "", field="source", max_length=cal.SOURCE_MAX)
    except TextError as e:
        raise _FormProblem("source", message(e, _("来源（通知名称）"))) from None
    if not value:
        raise _FormProblem("source", _("请填写来源（通知名称）"))
    return value


def _notice_text(raw: bytes) -> str:
    """The uploaded bytes as text (UTF-8 or GBK, like the CLI), size-bound."""
    if len(raw) > MAX_NOTICE_BYTES:
        raise _FormProblem("file", _("文件过大：最多 %(n)s KB", n=MAX_NOTICE_BYTES // 1024))
    if not raw.strip():
        raise _FormProblem("file", _("请选择通知文件（CSV）"))
    try:
        return _lines(cal.decode_notice(raw))
    except cal.CalendarImportError as e:
        raise _FormProblem("file", e.errors[0].reason) from None


def _lines(text: str) -> str:
    """One newline convention: a browser sends the confirmation's text with
    CRLF whatever the file had."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _digest(year: int, source: str, text: str) -> str:
    """Binds the confirmation to the previewed year, source and text."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"calendar\n{year}\n{source}\n{text}".encode(), hashlib.sha256).hexdigest()


@bp.route("/calendar")
@role_required("admin")
def calendar():
    return _page()


@bp.route("/calendar/preview", methods=["POST"])
@role_required("admin")
def calendar_preview():
    """Check the uploaded notice and show what importing it would change;
    nothing is written."""
    form = {"year": request.form.get("year", ""), "source": request.form.get("source", "")}
    try:
        year, source = _year(form["year"]), _source(form["source"])
        upload = request.files.get("file")
        if upload is None:
            raise _FormProblem("file", _("请选择通知文件（CSV）"))
        text = _notice_text(upload.stream.read(MAX_NOTICE_BYTES + 1))
    except _FormProblem as p:
        return _page(400, form=form, errors={p.field: p.text})
    try:
        notice = cal.parse_notice(year, text, source)
    except cal.CalendarImportError as e:
        return _page(422, form=form, row_errors=e.errors)
    session = get_session()
    changes = cal.notice_changes(session, notice)
    existing = session.get(CalendarYear, year)
    return render_template("admin/calendar_preview.html", notice=notice, changes=changes, existing=existing,
                           text=text, digest=_digest(year, notice.source, text),
                           holidays=sorted(d for d, r in notice.days.items() if r["kind"] == cal.HOLIDAY),
                           workdays=sorted(d for d, r in notice.days.items() if r["kind"] == cal.WORKDAY))


@bp.route("/calendar/import", methods=["POST"])
@role_required("admin")
def calendar_import():
    """Import the previewed notice (the same text, checked again)."""
    form = {"year": request.form.get("year", ""), "source": request.form.get("source", "")}
    try:
        year, source = _year(form["year"]), _source(form["source"])
        text = _lines(request.form.get("notice", ""))
        if len(text.encode("utf-8")) > 2 * MAX_NOTICE_BYTES:  # UTF-8 of a GBK file may be 1.5x longer
            raise _FormProblem("file", _("文件过大：最多 %(n)s KB", n=MAX_NOTICE_BYTES // 1024))
        if not text.strip():
            raise _FormProblem("file", _("请选择通知文件（CSV）"))
    except _FormProblem as p:
        return _page(400, form=form, errors={p.field: p.text})
    if not hmac.compare_digest(request.form.get("digest", ""), _digest(year, source, text)):
        abort(400)  # not what the preview showed
    session = get_session()
    try:
        counts = cal.import_notice(session, year, text, source)
    except cal.CalendarImportError as e:
        session.rollback()
        return _page(422, form=form, row_errors=e.errors)
    flash(_("已导入 %(y)s 年的节假日安排：%(h)s 个工作日放假，%(w)s 个周末调休上班",
            y=year, h=counts["holidays"], w=counts["workdays"]), "ok")
    return redirect(url_for("admin.calendar"))
