"""The process set of the Procfile, started with honcho as scripts/dev-up
does (tests/process_set.py): the web answers (gunicorn, two workers), the
worker runs a queued job, the scheduler records a run of every job, and
stopping honcho stops all of them. 127.0.0.1 only; every wait is bounded."""

from __future__ import annotations

import time

import pytest
from sqlmodel import Session, select

from process_set import app_for, started, wait_for

from inspect_app.models import ImportJob, SchedulerRun
from inspect_app.scheduler.jobs import JOBS


@pytest.fixture(scope="module")
def process_set(tmp_path_factory):
    with started(tmp_path_factory.mktemp("procs"), interval=2) as the_set:
        yield the_set


def test_web_worker_and_scheduler_run_and_stop(process_set):
    commands = process_set.processes().values()
    assert sum("gunicorn" in c for c in commands) >= 3, commands  # the master and two workers
    assert any("draws work" in c for c in commands), commands
    assert any("scheduler run" in c for c in commands), commands

    app = app_for(process_set.database_url)
    with app.app_context():
        from inspect_app.db import get_engine

        engine = get_engine()
        # the worker: a queued import job whose upload is gone is claimed and fails
        with Session(engine) as session:
            job = ImportJob(kind="entities", filename="gone.csv", path=str(process_set.root / "gone.csv"))
            session.add(job)
            session.commit()
            job_id = job.id

        def finished_import():
            with Session(engine) as session:
                row = session.get(ImportJob, job_id)
                return row if row.state not in ("pending", "running") else None

        done = wait_for(finished_import, 60, "the worker to run the import job")
        assert done.state == "failed" and done.error == "the uploaded file is missing" and done.worker

        # the scheduler: every job has run (every 2 s here), each recorded
        def every_job_ran():
            with Session(engine) as session:
                runs = session.exec(select(SchedulerRun).where(SchedulerRun.state != "running")).all()
                return runs if {r.job for r in runs} >= {j.id for j in JOBS} else None

        runs = wait_for(every_job_ran, 60, "a run of every scheduler job", interval=1)
    for run in runs:
        assert run.state == "ok", (run.job, run.error)
    assert len({r.worker for r in runs}) == 1  # one scheduler process

    pids = list(process_set.processes())
    process_set.process.terminate()  # honcho stops its processes on SIGTERM
    process_set.process.wait(timeout=30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.2)
    assert not [pid for pid in pids if _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
