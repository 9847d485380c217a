"""Administration: the scheduler's runs (``/admin/scheduler``): each job,
its period and latest run, and the latest runs with what they did or their
error (inspect_app/scheduler)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from ..db import get_session
from ..scheduler.jobs import JOBS, JOBS_BY_ID
from ..security import role_required
from ..services import notices
from .admin import bp


@bp.route("/scheduler")
@role_required("admin")
def scheduler():
    session = get_session()
    job = request.args.get("job")
    if job not in JOBS_BY_ID:
        job = None
    names = {"running": _("运行中"), "ok": _("完成"), "error": _("出错")}
    return render_template("admin/scheduler.html", jobs=JOBS, last=notices.last_runs(session), job=job,
                           runs=notices.recent_runs(session, job), run_state=lambda s: names.get(s, s), local=notices.shanghai)
