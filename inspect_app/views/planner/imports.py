"""Registry uploads (issue 8, items 6, 10, 19): the upload form queues a
background import job (:mod:`inspect_app.services.import_jobs`), and the
job's page shows its progress (polled by ``static/import_job.js``), the
column-mapping form for unknown headers, a sync import's preview with its
confirmation, and the report. Registry uploads may be as large as
``REGISTRY_UPLOAD_MAX_BYTES``; every other request is held to
``MAX_CONTENT_LENGTH``; a request over its limit gets a page saying so (413).
"""

from __future__ import annotations

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from ...db import get_session
from ...security import role_required
from ...services import import_jobs
from . import bp
from .registries import spec_or_404

# Endpoints that accept a registry file, with the larger request limit.
UPLOAD_ENDPOINTS = frozenset({"planner.registry_upload"})


def _upload_limit() -> None:
    """Runs before every other before-request function (CSRF reads the form)."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["REGISTRY_UPLOAD_MAX_BYTES"]


@bp.record_once
def _install_upload_limit(state) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


@bp.app_errorhandler(RequestEntityTooLarge)
def request_too_large(error):
    upload = request.endpoint in UPLOAD_ENDPOINTS
    limit = request.max_content_length or current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return render_template("errors/413.html", upload=upload, limit_mb=f"{limit / 2**20:,.0f}"), 413


@bp.context_processor
def _import_state_names():
    from flask_babel import lazy_gettext as _l

    return {"import_state_names": {
        "pending": _l("排队中"), "running": _l("进行中"), "mapping": _l("等待对应列名"), "done": _l("已完成"),
        "confirmed": _l("已确认"), "failed": _l("失败"), "cancelled": _l("已取消")}}


def _job_or_404(kind: str, job_id: int):
    from flask import abort

    job = import_jobs.get_job(get_session(), job_id, kind)
    if job is None:
        abort(404)
    return job


def _actor() -> str | None:
    user = g.get("user")
    return user.username if user is not None else None


@bp.route("/registries/upload/<kind>", methods=["GET", "POST"])
@role_required("planner")
def registry_upload(kind: str):
    from ...i18n import select_locale
    from ...jobs.launcher import launch_import
    from .registry_forms import UploadForm

    spec = spec_or_404(kind)
    form = UploadForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        session = get_session()
        try:
            job = import_jobs.create_job(session, kind, upload.stream, upload.filename or "upload",
                                         sync=bool(form.sync.data), actor=_actor(), locale=select_locale(),
                                         user=g.user)
        except import_jobs.ImportJobError as error:
            form.file.errors = [str(error)]
            status = 422
        else:
            launch_import(job.id)
            return redirect(url_for("planner.import_job", kind=kind, job_id=job.id), 303)
    elif request.method == "POST":
        status = 400
    return render_template("planner/registries/upload.html", form=form, spec=spec, kind=kind,
                           jobs=import_jobs.recent_jobs(get_session(), kind)), status


@bp.route("/registries/upload/<kind>/jobs/<int:job_id>")
@role_required("planner")
def import_job(kind: str, job_id: int):
    spec = spec_or_404(kind)
    job = _job_or_404(kind, job_id)
    session = get_session()
    applied = None
    if job.state == "confirmed":
        from sqlmodel import select

        from ...models import ImportJob

        applied = session.exec(select(ImportJob).where(ImportJob.confirms_id == job.id)).first()
    return render_template("planner/registries/import_job.html", spec=spec, kind=kind, job=job,
                           report=import_jobs.report_of(job), progress=import_jobs.progress_data(job),
                           applied=applied, preview=session.get(type(job), job.confirms_id) if job.confirms_id else None)


@bp.route("/registries/upload/<kind>/jobs/<int:job_id>/progress.json")
@role_required("planner")
def import_job_progress(kind: str, job_id: int):
    spec_or_404(kind)
    return jsonify(import_jobs.progress_data(_job_or_404(kind, job_id)))


@bp.route("/registries/upload/<kind>/jobs/<int:job_id>/cancel", methods=["POST"])
@role_required("planner")
def import_job_cancel(kind: str, job_id: int):
    spec_or_404(kind)
    job = _job_or_404(kind, job_id)
    try:
        import_jobs.cancel(get_session(), job)
        flash(_("已取消导入，名录保持不变。") if job.state == "cancelled" else _("正在取消导入…"), "ok")
    except import_jobs.ImportJobError as error:
        flash(str(error), "error")
    return redirect(url_for("planner.import_job", kind=kind, job_id=job.id), 303)


@bp.route("/registries/upload/<kind>/jobs/<int:job_id>/mapping", methods=["POST"])
@role_required("planner")
def import_job_mapping(kind: str, job_id: int):
    from ...jobs.launcher import launch_import

    spec_or_404(kind)
    job = _job_or_404(kind, job_id)
    report = import_jobs.report_of(job)
    headers = report.unknown_headers if report else []
    choices = {}
    for index, header in enumerate(headers):
        choices[header] = request.form.get(f"map-{index}", "")
    try:
        import_jobs.set_mapping(get_session(), job, choices, _actor())
    except import_jobs.ImportJobError as error:
        flash(str(error), "error")
        return redirect(url_for("planner.import_job", kind=kind, job_id=job.id), 303)
    launch_import(job.id)
    return redirect(url_for("planner.import_job", kind=kind, job_id=job.id), 303)


@bp.route("/registries/upload/<kind>/jobs/<int:job_id>/confirm", methods=["POST"])
@role_required("planner")
def import_job_confirm(kind: str, job_id: int):
    from ...jobs.launcher import launch_import

    spec_or_404(kind)
    preview = _job_or_404(kind, job_id)
    try:
        job = import_jobs.confirm(get_session(), preview, _actor())
    except import_jobs.ImportJobError as error:
        flash(str(error), "error")
        return render_template("planner/registries/import_job.html", spec=spec_or_404(kind), kind=kind, job=preview,
                               report=import_jobs.report_of(preview), progress=import_jobs.progress_data(preview),
                               applied=None, preview=None), 409
    launch_import(job.id)
    return redirect(url_for("planner.import_job", kind=kind, job_id=job.id), 303)
