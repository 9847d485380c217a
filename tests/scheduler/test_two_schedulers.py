"""Two scheduler processes by mistake: both run the same jobs at the same
moment (separate processes, released together by a barrier before each
job) against one database — a shared SQLite file, and PostgreSQL — and
every notice is issued once and every stale job re-queued once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from draw_fixtures import inline_jobs
from scheduler_fixtures import WARNED, due_world, run_in_processes

from inspect_app.models import DrawJob, ImportJob, Notice, SchedulerRun

JOBS = ["certificate-warnings", "draw-reminders", "requeue-stale"]
PROCESSES = 2


def test_two_processes_do_each_thing_once(app, database, db_session, backend, tmp_path):
    inline_jobs(app, tmp_path)
    world = due_world(db_session)
    results = run_in_processes(database, backend, JOBS, PROCESSES)
    assert all(state == "ok" for _, state, _, _ in results), [r for r in results if r[1] != "ok"]
    by_job = {job: [summary for j, _, summary, _ in results if j == job] for job in JOBS}

    issued = [i for s in by_job["certificate-warnings"] for i in s["issued"]]
    assert sorted(issued) == sorted(WARNED)  # each warning issued by exactly one process
    reminded = [i for s in by_job["draw-reminders"] for i in s["issued"]]
    assert sorted(reminded) == ["榕市监〔2030〕1号/T1", "榕市监〔2030〕1号/T2"]
    draw_jobs = [i for s in by_job["requeue-stale"] for i in s["draw_jobs"]]
    import_jobs = [i for s in by_job["requeue-stale"] for i in s["import_jobs"]]
    assert draw_jobs == [world["draw_job"].id] and import_jobs == [world["import_job"].id]

    db_session.expire_all()
    kinds = db_session.execute(sa.select(Notice.kind, sa.func.count()).group_by(Notice.kind)).all()
    assert dict(kinds) == {"certificate": 3, "draw_date": 2}
    jobs = db_session.exec(select(DrawJob).where(DrawJob.draw_id == world["draw"].id).order_by(DrawJob.id)).all()
    assert [(j.state, j.attempt) for j in jobs] == [("interrupted", 1), ("pending", 2)]
    assert db_session.get(ImportJob, world["import_job"].id).attempt == 2
    runs = db_session.exec(select(SchedulerRun)).all()
    assert len(runs) == PROCESSES * len(JOBS) and len({r.worker for r in runs}) == PROCESSES
