"""Claim and run one registry import job (``import_job``), with the draw
jobs' machinery: the conditional-update claim and the heartbeat thread of
:mod:`.runner`, progress in short separate transactions, the report and the
final state in one last transaction.

The job streams its stored upload (rows read and bytes read are written
at most every ``interval`` seconds) and reads its cancel flag at the same
moments and once more before committing; a cancelled job rolls back, so
nothing changes. The report's messages are in the language of the planner
who uploaded the file.
"""

from __future__ import annotations

import logging
import time
import traceback

import sqlalchemy as sa
from sqlmodel import Session, select

from ..db import get_engine
from ..models import ImportJob, User, utcnow
from ..services import draws
from ..services.messages import _
from ..services.registry_io.importer import Progress, import_file
from ..services.scope import ScopeError
from .runner import Heartbeat, claim, write_progress

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """The planner cancelled the job."""


class JobProgress(Progress):
    """Rows and bytes read, written to the job row; raises ``Cancelled``
    when the planner has asked to stop."""

    def __init__(self, engine: sa.Engine, job_id: int, stream, interval: float = 0.5) -> None:
        self.engine, self.job_id, self.stream, self.interval = engine, job_id, stream, interval
        self.name, self.count, self._last = None, 0, 0.0

    def stage(self, name: str) -> None:
        self.name = name
        self._write(force=True)

    def rows(self, number: int) -> None:
        self.count = number
        self._write()

    def check(self) -> None:
        # Only a read: on SQLite the import's own connection may hold the
        # write lock by now.
        with self.engine.connect() as conn:
            cancelled = conn.execute(sa.select(ImportJob.cancel_requested).where(ImportJob.id == self.job_id)).scalar()
        if cancelled:
            raise Cancelled

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        try:
            position = self.stream.tell()
        except (OSError, ValueError):
            position = 0
        write_progress(self.engine, ImportJob, self.job_id, stage=self.name, rows_read=self.count,
                       bytes_read=position)
        self.check()


def pending_jobs(engine: sa.Engine) -> list[int]:
    with Session(engine) as session:
        return list(session.exec(select(ImportJob.id).where(ImportJob.state == "pending").order_by(ImportJob.id)))


def requeue_stale(engine: sa.Engine, now=None) -> list[int]:
    """Running jobs whose worker died run again (an import is all or nothing,
    so a second attempt starts from a clean slate). A conditional update per
    job: of two callers at once (the worker, the scheduler) one re-queues it.
    Returns the ids this call re-queued."""
    requeued = []
    with Session(engine) as session:
        for job in session.exec(select(ImportJob).where(ImportJob.state == "running")).all():
            if draws.job_is_stale(job, now):
                won = session.execute(sa.update(ImportJob).where(ImportJob.id == job.id, ImportJob.state == "running",
                                                                 ImportJob.attempt == job.attempt)
                                      .values(state="pending", attempt=job.attempt + 1, worker=None)).rowcount
                session.commit()
                if won == 1:
                    requeued.append(job.id)
                    log.warning("import job %s: stale, queued again", job.id)
    return requeued


def run_import_job(app, job_id: int) -> bool:
    """Claim ``job_id`` and run it to the end; False if someone else has it."""
    with app.app_context():
        engine = get_engine()
        if not claim(engine, job_id, ImportJob):
            return False
        interval = app.config.get("DRAW_HEARTBEAT_SECONDS", draws.HEARTBEAT_SECONDS)
        beat = Heartbeat(engine, job_id, interval, ImportJob)
        beat.start()
        try:
            _execute(app, engine, job_id)
        finally:
            beat.stop()
        return True


def _uploader(session: Session, actor: str | None) -> User | None:
    """The account that uploaded the file, whose department rules apply
    (None: the system, e.g. the command line)."""
    if actor is None:
        return None
    user = session.exec(select(User).where(User.username == actor)).first()
    if user is None or not user.active:
        raise ScopeError(_("上传文件的账号 %(u)s 已不存在或已停用", u=actor))
    return user


def _execute(app, engine: sa.Engine, job_id: int) -> None:
    with Session(engine, expire_on_commit=False) as session:
        job = session.get(ImportJob, job_id)
        session.expunge(job)
    state, report, error = "failed", None, None
    try:
        # The report in the uploader's language (messages come from gettext).
        with app.test_request_context(f"/?lang={job.locale}"), \
                Session(engine, expire_on_commit=False) as session, open(job.path or "", "rb") as stream:
            result = import_file(session, job.kind, stream, job.filename, sync=job.sync, mapping=job.mapping,
                                 dry_run=job.dry_run, expected_fingerprint=job.fingerprint if job.confirms_id else None,
                                 max_errors=app.config.get("IMPORT_MAX_ERRORS"),
                                 progress=JobProgress(engine, job_id, stream), user=_uploader(session, job.actor))
            report = result.to_dict()
            state = "mapping" if result.unknown_headers else "done"
            log.info("import job %s: %s", job_id, result.summary())
    except ScopeError as refused:  # the uploader may not import this file (services/scope.py)
        error = refused.message
        log.info("import job %s: refused: %s", job_id, error)
    except Cancelled:
        state = "cancelled"
        log.info("import job %s: cancelled; nothing changed", job_id)
    except FileNotFoundError:
        error = "the uploaded file is missing"
        log.error("import job %s: %s", job_id, error)
    except Exception:
        log.exception("import job %s crashed", job_id)
        error = traceback.format_exc(limit=5)
    keep = state == "mapping" or (state == "done" and job.dry_run and report and not report["errors"])
    with Session(engine) as session:
        session.execute(sa.update(ImportJob).where(ImportJob.id == job_id)
                        .values(state=state, report=report, error=error, finished_at=utcnow(), stage=None,
                                rows_read=(report or {}).get("total_rows", 0) if report else ImportJob.rows_read,
                                **({"fingerprint": report.get("fingerprint")} if job.dry_run and report else {})))
        session.commit()
        if not keep and job.path:
            from ..services.import_jobs import discard_upload

            discard_upload(session, session.get(ImportJob, job_id))
