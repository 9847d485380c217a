"""The scheduler's wiring, without sleeping: every job registered under its
fixed id with the job defaults and Asia/Shanghai time; the web app starts
no scheduler; the entry point records a run; the command runs one job."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import select

from inspect_app.models import SchedulerRun
from inspect_app.scheduler import runs
from inspect_app.scheduler.jobs import JOBS
from inspect_app.scheduler.setup import ENTRY, JOB_DEFAULTS, build_scheduler

IDS = ["reveal-due", "publish-due", "certificate-warnings", "draw-reminders", "requeue-stale", "prune-runs",
       "audit-checkpoint"]


def started_paused(app, **kw):
    scheduler = build_scheduler(app, BackgroundScheduler, **kw)
    scheduler.start(paused=True)  # jobs go to their store with the defaults applied; nothing runs
    return scheduler


def test_jobs_registered_with_fixed_ids_and_defaults(app):
    assert JOB_DEFAULTS == {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    scheduler = started_paused(app)
    try:
        assert str(scheduler.timezone) == "Asia/Shanghai"
        found = {job.id: job for job in scheduler.get_jobs()}
        assert sorted(found) == sorted(IDS) == sorted(j.id for j in JOBS)
        for job_id, job in found.items():
            assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
            assert job.func_ref == ENTRY and job.args == (job_id,)
            assert str(job.trigger.timezone) == "Asia/Shanghai"
            assert job.next_run_time is not None  # a first run shortly after start
        assert isinstance(found["reveal-due"].trigger, IntervalTrigger)
        assert found["reveal-due"].trigger.interval == timedelta(minutes=10)
        assert isinstance(found["certificate-warnings"].trigger, CronTrigger)
        assert "hour='7'" in str(found["certificate-warnings"].trigger)
        # building again replaces, never duplicates
        for spec in JOBS:
            scheduler.add_job(ENTRY, trigger="interval", minutes=5, args=[spec.id], id=spec.id, replace_existing=True)
        assert len(scheduler.get_jobs()) == len(IDS)
    finally:
        scheduler.shutdown(wait=False)


def test_short_interval_for_tests_and_demos(app):
    app.config["SCHEDULER_INTERVAL"] = 3
    scheduler = started_paused(app)
    try:
        assert {j.trigger.interval for j in scheduler.get_jobs()} == {timedelta(seconds=3)}
    finally:
        scheduler.shutdown(wait=False)


def test_the_web_app_starts_no_scheduler(app, client):
    import apscheduler.schedulers.base as base

    created = []
    original = base.BaseScheduler.__init__

    def spy(self, *a, **kw):
        created.append(self)
        original(self, *a, **kw)

    base.BaseScheduler.__init__ = spy
    try:
        from inspect_app import create_app

        web = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": app.config["DATABASE_URL"],
                          "DATABASE_ENGINE": app.extensions["db_engine"]})
        web.test_client().get("/")
    finally:
        base.BaseScheduler.__init__ = original
    assert created == []


def test_the_entry_point_runs_and_records(app, db_session):
    runs.bind(app)
    try:
        runs.scheduled("requeue-stale")
    finally:
        runs.bind(None)
    [record] = db_session.exec(select(SchedulerRun)).all()
    assert (record.job, record.state, record.trigger) == ("requeue-stale", "ok", "schedule")


def test_run_once_command(app, runner, db_session):
    result = runner.invoke(args=["scheduler", "run-once", "draw-reminders", "--today", "2030-02-22"])
    assert result.exit_code == 0, result.output
    assert "draw-reminders: ok" in result.output
    [record] = db_session.exec(select(SchedulerRun)).all()
    assert record.trigger == "manual" and record.summary["until"] == "2030-03-01"
    bad = runner.invoke(args=["scheduler", "run-once", "no-such-job"])
    assert bad.exit_code != 0 and "requeue-stale" in bad.output
    listing = runner.invoke(args=["scheduler", "jobs"])
    assert all(job_id in listing.output for job_id in IDS)
