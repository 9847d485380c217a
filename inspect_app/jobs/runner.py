"""Claim and run one draw job (see the package docstring). ``claim`` and
``Heartbeat`` serve the registry import jobs too (:mod:`.imports`)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback

import sqlalchemy as sa
from sqlmodel import Session, select

from ..db import get_engine
from ..models import Draw, DrawJob, utcnow
from ..services import draw_runs, draws
from ..services.calendar import CalendarUnknown
from ..services.instance_builder import BuildError
from ..services.solver_adapter import InputError

log = logging.getLogger(__name__)

# Errors that come from the inputs themselves: running again cannot help, so
# the draw is marked failed with the message. Anything else (a crash, a lost
# database connection) fails only the job; the planner may run it again.
INPUT_ERRORS = (draw_runs.RunError, BuildError, InputError, CalendarUnknown)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(engine: sa.Engine, job_id: int, model=DrawJob) -> bool:
    """``pending`` → ``running``; True for the one caller that wins.
    ``model``: the job table (``DrawJob`` or ``ImportJob``)."""
    now = utcnow()
    with engine.begin() as conn:
        result = conn.execute(sa.update(model).where(model.id == job_id, model.state == "pending")
                              .values(state="running", worker=worker_name(), started_at=now, heartbeat=now))
        return result.rowcount == 1


def pending_jobs(engine: sa.Engine) -> list[int]:
    with Session(engine) as session:
        return list(session.exec(select(DrawJob.id).where(DrawJob.state == "pending").order_by(DrawJob.id)))


def stale_jobs(engine: sa.Engine) -> list[int]:
    with Session(engine) as session:
        return [job.id for job in session.exec(select(DrawJob).where(DrawJob.state == "running"))
                if draws.job_is_stale(job)]


class DatabaseProgress:
    """solver.progress.Progress that writes stage/done/total to the job row,
    at most every ``interval`` seconds (and at every stage change)."""

    def __init__(self, engine: sa.Engine, job_id: int, interval: float = 0.5) -> None:
        self.engine, self.job_id, self.interval = engine, job_id, interval
        self.name, self.total, self.count, self._last = None, None, 0, 0.0

    def stage(self, name: str, total: int | None = None) -> None:
        self.name, self.total, self.count = name, total, 0
        self._write(force=True)

    def advance(self, n: int = 1) -> None:
        self.count += n
        self._write()

    def done(self) -> None:
        self._write(force=True)

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        write_progress(self.engine, DrawJob, self.job_id, stage=self.name, done=self.count, total=self.total)


def write_progress(engine: sa.Engine, model, job_id: int, **values) -> None:
    """Write ``values`` and a heartbeat to a running job's row (a draw or an
    import job), in a transaction of its own; best effort: a locked
    database only delays the next report."""
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(model).where(model.id == job_id, model.state == "running")
                         .values(heartbeat=utcnow(), **values))
    except sa.exc.OperationalError as error:
        log.warning("%s %s: progress not written: %s", model.__tablename__, job_id, error)


class Heartbeat(threading.Thread):
    """Updates the job's heartbeat every ``interval`` seconds until stopped."""

    def __init__(self, engine: sa.Engine, job_id: int, interval: float, model=DrawJob) -> None:
        super().__init__(daemon=True, name=f"{model.__tablename__}-{job_id}-heartbeat")
        self.engine, self.job_id, self.interval, self.model = engine, job_id, interval, model
        self.stopped = threading.Event()

    def run(self) -> None:
        model = self.model
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.update(model).where(model.id == self.job_id, model.state == "running")
                                 .values(heartbeat=utcnow()))
            except sa.exc.OperationalError as error:
                log.warning("draw job %s: heartbeat not written: %s", self.job_id, error)

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def run_job(app, job_id: int) -> bool:
    """Claim ``job_id`` and run it to the end; False if someone else has it."""
    with app.app_context():
        engine = get_engine()
        if not claim(engine, job_id):
            return False
        interval = app.config.get("DRAW_HEARTBEAT_SECONDS", draws.HEARTBEAT_SECONDS)
        beat = Heartbeat(engine, job_id, interval)
        beat.start()
        try:
            _execute(engine, job_id)
        finally:
            beat.stop()
        return True


def _execute(engine: sa.Engine, job_id: int) -> None:
    with Session(engine, expire_on_commit=False) as session:
        job = session.get(DrawJob, job_id)
        draw = session.get(Draw, job.draw_id)
        step = draw_runs.freeze if job.kind == "freeze" else draw_runs.run
        try:
            step(session, draw, job, DatabaseProgress(engine, job_id))
            session.commit()
            log.info("draw %s: %s job %s done", draw.code, job.kind, job_id)
        except INPUT_ERRORS as error:
            session.rollback()
            _fail(session, job_id, draw.id, str(error), fail_draw=True)
        except Exception:
            session.rollback()
            log.exception("draw %s: %s job %s crashed", draw.code, job.kind, job_id)
            _fail(session, job_id, draw.id, traceback.format_exc(limit=5), fail_draw=False)


def _fail(session: Session, job_id: int, draw_id: int, message: str, fail_draw: bool) -> None:
    now = utcnow()
    session.execute(sa.update(DrawJob).where(DrawJob.id == job_id)
                    .values(state="failed", error=message, finished_at=now))
    if fail_draw:
        draw = session.get(Draw, draw_id)
        result = session.execute(sa.update(Draw).where(Draw.id == draw_id, Draw.state.in_(("freezing", "queued")))
                                 .values(state="failed", error=message))
        if result.rowcount == 1:
            draws.event(session, draw, "failed", None, error=message)
    session.commit()


REVEAL_DUE_SECONDS = 60


def reveal_due_when_idle(app, last: float | None) -> float | None:
    """Run :func:`services.draw_reveal.reveal_due` if it has not run in the
    last ``REVEAL_DUE_SECONDS`` (config; default one minute); return when it
    last ran. A failure is logged, never stops the worker. (Until the
    scheduler of the documents and jobs issue takes this over.)"""
    from ..services import draw_reveal

    now = time.monotonic()
    if last is not None and now - last < app.config.get("REVEAL_DUE_SECONDS", REVEAL_DUE_SECONDS):
        return last
    with app.app_context(), Session(get_engine(), expire_on_commit=False) as session:
        try:
            for draw in draw_reveal.reveal_due(session):
                log.info("draw %s revealed: window closed, every visit done", draw.code)
        except Exception:
            session.rollback()
            log.exception("reveal-due failed; trying again in a minute")
    return now


def work(app, once: bool = False, interval: float = 2.0, stop: threading.Event | None = None) -> int:
    """The worker loop: re-queue stale jobs, run pending ones (draw jobs,
    then registry import jobs); while idle, reveal the draws that are due
    (:func:`reveal_due_when_idle`, at most once a minute); return the number
    of jobs run. With ``once``, stop when nothing is pending (after one
    reveal-due pass)."""
    from . import imports

    count = 0
    last_reveal: float | None = None
    stop = stop or threading.Event()
    while not stop.is_set():
        with app.app_context():
            engine = get_engine()
            for job_id in stale_jobs(engine):
                _requeue(job_id)
            imports.requeue_stale(engine)
            todo = pending_jobs(engine)
            import_todo = imports.pending_jobs(engine)
        for job_id in todo:
            if run_job(app, job_id):
                count += 1
        for job_id in import_todo:
            if imports.run_import_job(app, job_id):
                count += 1
        todo = todo + import_todo
        if not todo:
            last_reveal = reveal_due_when_idle(app, last_reveal)
        if once and not todo:
            break
        if not todo:
            stop.wait(interval)
    return count


def _requeue(job_id: int) -> None:
    from ..db import get_session

    session = get_session()
    job = session.get(DrawJob, job_id)
    draw = session.get(Draw, job.draw_id)
    try:
        draws.retry_job(session, draw, actor="worker")
    except draws.DrawError as error:
        session.rollback()
        log.warning("stale job %s not re-queued: %s", job_id, error)
