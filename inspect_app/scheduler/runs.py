"""Run one scheduler job and record it (``scheduler_run``): a row with the
start is committed first, so a run that hangs or dies is visible as
``running``; the end, what the job did (its summary) or the error follow in
a second transaction. A run that did something (:func:`.audit.did_something`)
appends one ``scheduler.run`` row to the audit log in the job's own
transaction; what the job changed is audited by the services it calls, as
``scheduler``. A failing job never stops the scheduler. A job that
loses a lock race (``OperationalError``, e.g. SQLite's "database is
locked" when two schedulers write at once) runs again, up to
``LOCK_ATTEMPTS`` times: it claims only what is still due."""

from __future__ import annotations

import logging
import time
import traceback
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from ..db import get_engine
from ..models import SchedulerRun, utcnow
from ..services import audit
from .jobs import JOBS_BY_ID, Context

log = logging.getLogger(__name__)
TIMEZONE = ZoneInfo("Asia/Shanghai")
LOCK_ATTEMPTS = 3  # a job that loses a lock race runs again, at most this often

_app = None  # the app the scheduled entries run in (set by setup.build_scheduler)


def shanghai_today() -> date:
    return datetime.now(TIMEZONE).date()


def bind(app) -> None:
    global _app
    _app = app


def scheduled(job_id: str) -> None:
    """The scheduler's entry point (``inspect_app.scheduler.runs:scheduled``)."""
    app = _app
    if app is None:
        from .. import create_app

        app = create_app()
        bind(app)
    run(app, job_id)


def run(app, job_id: str, today: date | None = None, now: datetime | None = None,
        trigger: str = "schedule") -> SchedulerRun:
    """Run job ``job_id`` in its own app context and session; return its
    record. ``today``/``now`` freeze the clock (default: now, and today in
    Asia/Shanghai)."""
    from ..jobs.runner import worker_name

    job = JOBS_BY_ID[job_id]
    now = now or datetime.now(timezone.utc)
    today = today or now.astimezone(TIMEZONE).date()
    with app.app_context():
        engine = get_engine()
        with Session(engine, expire_on_commit=False) as session:
            record = SchedulerRun(job=job_id, trigger=trigger, worker=worker_name(), started_at=utcnow())
            session.add(record)
            session.commit()
        state, summary, error = "ok", {}, None
        for attempt in range(1, LOCK_ATTEMPTS + 1):
            with Session(engine, expire_on_commit=False) as session:
                try:
                    with audit.acting_as("scheduler"):
                        summary = job.func(Context(session, today, now, record.id)) or {}
                        if audit.did_something(summary):
                            audit.record(session, action="scheduler.run", object_type="scheduler_job",
                                         object_id=job_id, details={"run": record.id, "trigger": trigger,
                                                                    "summary": audit.plain(summary)})
                        session.commit()
                except sa.exc.OperationalError as lost:
                    # A lock race with another process (SQLite: "database is
                    # locked"): the jobs claim only what is still due, so
                    # running again does nothing twice.
                    session.rollback()
                    if attempt < LOCK_ATTEMPTS:
                        log.warning("scheduler job %s: %s; running it again", job_id, lost.orig)
                        time.sleep(attempt * 0.5)
                        continue
                    log.exception("scheduler job %s failed", job_id)
                    state, error = "error", traceback.format_exc(limit=8)
                except Exception:
                    session.rollback()
                    log.exception("scheduler job %s failed", job_id)
                    state, error = "error", traceback.format_exc(limit=8)
                if attempt > 1 and state == "ok":
                    summary = dict(summary, attempts=attempt)
                break
        with Session(engine, expire_on_commit=False) as session:
            session.execute(sa.update(SchedulerRun).where(SchedulerRun.id == record.id)
                            .values(state=state, summary=summary, error=error, finished_at=utcnow()))
            session.commit()
            record = session.get(SchedulerRun, record.id)
        if state == "ok":
            log.info("scheduler job %s: %s", job_id, summary)
    return record
