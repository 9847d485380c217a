"""Administration: the audit log (``/admin/audit``), paged and filtered by
object and action, with the latest verify result and a button that runs
verify now (services/audit.py, services/audit_verify.py, docs/audit.md).
Admins only: the log names every change of every department."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..db import get_session
from ..security import role_required
from ..services import audit, audit_verify, notices
from ..validation import arg_int
from .admin import bp

FILTERS = {"object_type": 32, "object_id": 120, "action": 64}


def _filters() -> dict[str, str]:
    """The filters given (characters are checked for every parameter by
    the before-request hook; values longer than the column match nothing)."""
    out = {}
    for name, limit in FILTERS.items():
        value = (request.args.get(name) or "").strip()[:limit]
        if value:
            out[name] = value
    return out


@bp.route("/audit")
@role_required("admin")
def audit_log():
    session = get_session()
    filters = _filters()
    page = arg_int("page")
    rows, total = audit.entries(session, page=page, **filters)
    pages = max(1, -(-total // audit.PER_PAGE))
    return render_template("admin/audit.html", rows=rows, total=total, page=page, pages=pages, filters=filters,
                           object_types=audit.OBJECT_TYPES, head=audit.head(session),
                           verification=audit_verify.latest_verification(session),
                           checkpoints=audit_verify.checkpoints(session)[:5], details_of=audit.details_of,
                           local=notices.shanghai)


@bp.route("/audit/verify", methods=["POST"])
@role_required("admin")
def audit_verify_now():
    session = get_session()
    report = audit_verify.verify(session)
    session.rollback()
    audit_verify.save(session, report, g.user.username)
    if report.ok:
        flash(_("审计链验证通过：%(n)s 条记录，%(c)s 个检查点一致", n=report.rows, c=report.checkpoints))
    else:
        flash(_("审计链已被破坏：第 %(s)s 条起不一致（%(p)s）", s=report.first_broken, p=report.problem))
    return redirect(url_for("admin.audit_log"))
