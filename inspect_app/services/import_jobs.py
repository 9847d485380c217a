"""Registry imports as background jobs: the rules of the upload page.

An upload is saved under the instance folder (``IMPORT_STORE``, default
``instance/imports``; the file is created with mode 0600) and becomes an
``import_job`` row that a worker runs (:mod:`inspect_app.jobs.imports`).

* A plain import validates and writes in one transaction, all or nothing.
* A sync import ("完整名录") first runs as a dry run: the page shows how many
  rows would be inserted, updated and marked inactive, and only
  :func:`confirm` (which the planner must ask for) queues the applying job,
  which refuses to write if the registry changed since the preview
  (``registry_fingerprint``).
* A header the registry does not know stops the job in state ``mapping``;
  :func:`set_mapping` records the planner's choice per header (remembered for
  the next upload of the same registry) and queues the job again.
* :func:`cancel` stops a job: a pending one at once, a running one between
  blocks of rows; nothing is changed either way.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session, select

from ..models import ImportHeaderMapping, ImportJob, utcnow
from . import audit, scope
from .messages import _
from .registry_io.readers import FileProblem, file_format
from .registry_io.report import ImportReport
from .registry_io.specs import REGISTRIES, normalize_header

COPY_CHUNK = 1 << 20
KEEP_UPLOADS = timedelta(days=1)  # a preview's file waits this long for its confirmation
ACTIVE_STATES = ("pending", "running")


class ImportJobError(ValueError):
    """A refused step; the message (user's language) says why."""


def store_dir() -> Path:
    root = current_app.config.get("IMPORT_STORE") or os.path.join(current_app.instance_path, "imports")
    path = Path(root)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def save_upload(stream: BinaryIO, suffix: str) -> tuple[str, int]:
    """Copy the upload into a new file readable by this user only; (path, size)."""
    directory = store_dir()
    for attempt in range(100):
        path = directory / f"upload-{os.urandom(8).hex()}{suffix}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 64 random bits
        raise OSError("no free upload file name")
    size = 0
    with os.fdopen(fd, "wb") as out:
        while block := stream.read(COPY_CHUNK):
            out.write(block)
            size += len(block)
    return str(path), size


def remembered_mapping(session: Session, kind: str) -> dict[str, str]:
    rows = session.exec(select(ImportHeaderMapping).where(ImportHeaderMapping.kind == kind))
    return {m.header: m.column for m in rows}


def create_job(session: Session, kind: str, stream: BinaryIO, filename: str, *, sync: bool, actor: str | None,
               locale: str = "zh_CN", user=None) -> ImportJob:
    """Save the upload and queue its job (a dry run for a sync import).
    ``user`` (None: the system) must belong to a department
    (:func:`.scope.require_member`, raises ``ScopeError``); the job applies
    the rest of the department rule to the file's rows."""
    scope.require_member(user)
    spec = REGISTRIES[kind]
    try:
        suffix = "." + file_format(filename)
    except FileProblem as e:
        raise ImportJobError(_(e.msgid, **e.params)) from None
    prune(session)
    path, size = save_upload(stream, suffix)
    sync = bool(sync and spec.sync)
    job = ImportJob(kind=kind, filename=filename[:255], path=path, size=size, sync=sync, dry_run=sync,
                    mapping=remembered_mapping(session, kind), locale=locale, actor=actor)
    session.add(job)
    session.flush()
    _audit(session, job, "import.uploaded", actor, filename=job.filename, size=size, sync=sync)
    session.commit()
    return job


def _audit(session: Session, job: ImportJob, action: str, actor: str | None = None, **details) -> None:
    audit.record(session, actor=actor, action=action, object_type="import_job", object_id=job.id,
                 details=dict(details, registry=job.kind))


def get_job(session: Session, job_id: int, kind: str | None = None) -> ImportJob | None:
    job = session.get(ImportJob, job_id)
    if job is None or (kind is not None and job.kind != kind):
        return None
    return job


def report_of(job: ImportJob) -> ImportReport | None:
    return ImportReport.from_dict(job.report) if job.report else None


def cancel(session: Session, job: ImportJob) -> None:
    """A pending (or waiting) job is cancelled at once; a running one is
    asked to stop, which it does before it writes anything it keeps."""
    if job.state in ("pending", "mapping"):
        result = session.execute(sa.update(ImportJob).where(ImportJob.id == job.id,
                                                            ImportJob.state.in_(("pending", "mapping")))
                                 .values(state="cancelled", cancel_requested=True, finished_at=utcnow()))
        if result.rowcount == 1:
            _audit(session, job, "import.cancelled", state=job.state)
        session.commit()
        if result.rowcount == 1:
            session.refresh(job)
            discard_upload(session, job)
            return
        session.refresh(job)
    if job.state == "running":
        session.execute(sa.update(ImportJob).where(ImportJob.id == job.id).values(cancel_requested=True))
        _audit(session, job, "import.cancel_requested")
        session.commit()
        return
    if job.state == "done" and job.dry_run:
        # A preview nobody will confirm: forget it.
        session.execute(sa.update(ImportJob).where(ImportJob.id == job.id, ImportJob.state == "done")
                        .values(state="cancelled"))
        _audit(session, job, "import.cancelled", state="preview")
        session.commit()
        session.refresh(job)
        discard_upload(session, job)
        return
    raise ImportJobError(_("该导入任务已结束，不能取消"))


def set_mapping(session: Session, job: ImportJob, choices: dict[str, str], actor: str | None) -> None:
    """``choices``: header as written -> column key or "" (ignore). The
    choices are remembered for this registry, and the job runs again."""
    if job.state != "mapping":
        raise ImportJobError(_("该导入任务不在等待列映射"))
    spec = REGISTRIES[job.kind]
    keys = {c.key for c in spec.columns}
    mapping = dict(job.mapping or {})
    now = utcnow()
    for header, key in choices.items():
        if key and key not in keys:
            raise ImportJobError(_("未知的列：%(key)s", key=key))
        normal = normalize_header(header)
        if not normal or spec.header_column(header) is not None:
            continue
        mapping[normal] = key
        stored = session.exec(select(ImportHeaderMapping).where(ImportHeaderMapping.kind == job.kind,
                                                                ImportHeaderMapping.header == normal)).first()
        if stored is None:
            session.add(ImportHeaderMapping(kind=job.kind, header=normal[:200], column=key, actor=actor,
                                            updated_at=now))
        else:
            stored.column, stored.actor, stored.updated_at = key, actor, now
    result = session.execute(sa.update(ImportJob).where(ImportJob.id == job.id, ImportJob.state == "mapping")
                             .values(mapping=mapping, state="pending", report=None, stage=None, rows_read=0,
                                     bytes_read=0, attempt=ImportJob.attempt + 1))
    if result.rowcount != 1:
        session.rollback()
        raise ImportJobError(_("该导入任务不在等待列映射"))
    _audit(session, job, "import.mapping_set", actor, mapping=mapping)
    session.commit()
    session.refresh(job)


def confirm(session: Session, preview: ImportJob, actor: str | None) -> ImportJob:
    """Queue the applying job of a sync preview; refused if the preview
    found problems, was confirmed already, or the registry has changed
    since (the applying job checks that again inside its transaction)."""
    from .registry_io.importer import registry_fingerprint

    report = report_of(preview)
    if not (preview.dry_run and preview.state == "done" and report is not None and report.ok):
        raise ImportJobError(_("只能确认一次成功的预览"))
    if not preview.path or not Path(preview.path).exists():
        raise ImportJobError(_("上传的文件已不在，请重新上传"))
    spec = REGISTRIES[preview.kind]
    if registry_fingerprint(session.connection(), spec) != preview.fingerprint:
        session.rollback()
        raise ImportJobError(_("预览之后名录已被修改，未导入任何数据；请重新上传并确认"))
    result = session.execute(sa.update(ImportJob).where(ImportJob.id == preview.id, ImportJob.state == "done")
                             .values(state="confirmed"))
    if result.rowcount != 1:
        session.rollback()
        raise ImportJobError(_("只能确认一次成功的预览"))
    job = ImportJob(kind=preview.kind, filename=preview.filename, path=preview.path, size=preview.size, sync=True,
                    dry_run=False, confirms_id=preview.id, fingerprint=preview.fingerprint,
                    mapping=preview.mapping, locale=preview.locale, actor=actor)
    session.add(job)
    session.flush()
    _audit(session, job, "import.confirmed", actor, preview=preview.id, fingerprint=preview.fingerprint)
    session.commit()
    session.refresh(preview)
    return job


def discard_upload(session: Session, job: ImportJob) -> None:
    if job.path:
        try:
            os.unlink(job.path)
        except FileNotFoundError:
            pass
        session.execute(sa.update(ImportJob).where(ImportJob.path == job.path).values(path=None))
        session.commit()
        job.path = None


def prune(session: Session) -> None:
    """Remove the files of finished jobs older than ``KEEP_UPLOADS``."""
    cutoff = utcnow() - KEEP_UPLOADS
    old = session.exec(select(ImportJob).where(ImportJob.path.is_not(None),
                                               ImportJob.state.in_(("done", "failed", "cancelled", "mapping")),
                                               ImportJob.created_at < cutoff)).all()
    for job in old:
        discard_upload(session, job)


def is_stale(job: ImportJob) -> bool:
    from .draws import job_is_stale

    return job_is_stale(job)  # the same rule as draw jobs: running, heartbeat too old


def progress_data(job: ImportJob) -> dict:
    """What the upload page polls."""
    stale = is_stale(job)
    return {"id": job.id, "kind": job.kind, "state": job.state, "stage": job.stage, "rows": job.rows_read,
            "bytes": job.bytes_read, "total_bytes": job.size, "cancel_requested": job.cancel_requested,
            "stale": stale, "busy": job.state in ACTIVE_STATES and not stale}


def recent_jobs(session: Session, kind: str, limit: int = 5) -> list[ImportJob]:
    return list(session.exec(select(ImportJob).where(ImportJob.kind == kind)
                             .order_by(ImportJob.id.desc()).limit(limit)))
