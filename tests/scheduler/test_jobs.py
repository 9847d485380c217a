"""Each scheduler job's effect with a frozen clock, on SQLite and
PostgreSQL, and the run records (inspect_app/scheduler)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import select

from draw_fixtures import inline_jobs, published_plan, seed_registries
from scheduler_fixtures import NOW, TODAY, WARNED, due_world, set_expiries, stale_draw_job, stale_import_job

from inspect_app.models import DrawJob, ImportJob, Inspector, Notice, SchedulerRun
from inspect_app.scheduler import jobs
from inspect_app.scheduler.runs import run


def notices(session, kind):
    session.expire_all()
    return session.exec(select(Notice).where(Notice.kind == kind).order_by(Notice.id)).all()


def test_certificate_warnings_once_per_inspector_and_expiry(app, db_session, tmp_path):
    inline_jobs(app, tmp_path)
    seed_registries(db_session)
    set_expiries(db_session)
    published_plan(db_session)
    first = run(app, "certificate-warnings", today=TODAY, now=NOW)
    assert first.state == "ok", first.error
    assert set(first.summary["issued"]) == WARNED, first.summary
    found = notices(db_session, "certificate")
    assert {n.subject for n in found} == WARNED
    by = {n.subject: n for n in found}
    assert by["SCJG03"].params["task"] == "T1" and by["SCJG03"].params["window_end"] == "2030-03-29"
    assert by["CGJ03"].department == "CGJ" and by["CGJ03"].params["task"] == "T2"
    assert by["SCJG02"].due == date(2030, 3, 10) and by["SCJG02"].run_id == first.id
    # the next day: the same warnings are due, none is issued again
    again = run(app, "certificate-warnings", today=TODAY + timedelta(days=1), now=NOW + timedelta(days=1))
    assert again.summary["issued"] == [] and again.summary["due"] == 3
    # a renewed certificate that still expires too early is a new warning
    db_session.get(Inspector, "SCJG02").certificate_expires = date(2030, 3, 12)
    db_session.commit()
    renewed = run(app, "certificate-warnings", today=TODAY + timedelta(days=2), now=NOW + timedelta(days=2))
    assert renewed.summary["issued"] == ["SCJG02"]
    assert len(notices(db_session, "certificate")) == 4


def test_certificate_warnings_without_plans_only_the_30_days(app, db_session):
    seed_registries(db_session)
    set_expiries(db_session)
    record = run(app, "certificate-warnings", today=TODAY, now=NOW)
    assert record.summary["issued"] == ["SCJG02"]  # 10 March: within 30 days; the others need a window


def test_draw_reminders_for_undrawn_tasks_near_their_window(app, db_session, tmp_path):
    inline_jobs(app, tmp_path)
    seed_registries(db_session)
    plan, tasks = published_plan(db_session)
    early = run(app, "draw-reminders", today=TODAY - timedelta(days=7), now=NOW - timedelta(days=7))
    assert early.summary == {"due": 0, "issued": [], "until": "2030-02-22"}  # 5 working days on: not yet
    stale_draw_job(db_session, plan, tasks[:1])  # T1 is being drawn
    record = run(app, "draw-reminders", today=TODAY, now=NOW)
    assert record.state == "ok", record.error
    assert record.summary["until"] == "2030-03-01" and record.summary["issued"] == ["榕市监〔2030〕1号/T2"]
    [notice] = notices(db_session, "draw_date")
    assert notice.due == date(2030, 3, 1) and notice.department == "SCJG" and notice.params["task"] == "T2"
    assert run(app, "draw-reminders", today=TODAY, now=NOW).summary["issued"] == []


def test_requeue_stale_draw_and_import_jobs(app, db_session, tmp_path):
    inline_jobs(app, tmp_path)
    seed_registries(db_session)
    plan, tasks = published_plan(db_session)
    draw, job = stale_draw_job(db_session, plan, tasks)
    imp = stale_import_job(db_session)
    # a minute after the last heartbeat is not yet stale (DRAW_STALE_SECONDS = 60)
    fresh = run(app, "requeue-stale", today=TODAY, now=NOW - timedelta(minutes=9, seconds=30))
    assert fresh.summary == {"draw_jobs": [], "import_jobs": [], "document_jobs": []}
    record = run(app, "requeue-stale", today=TODAY, now=NOW)
    assert record.summary == {"draw_jobs": [job.id], "import_jobs": [imp.id], "document_jobs": []}
    db_session.expire_all()
    rows = db_session.exec(select(DrawJob).where(DrawJob.draw_id == draw.id).order_by(DrawJob.id)).all()
    assert [(j.state, j.attempt) for j in rows] == [("interrupted", 1), ("pending", 2)]
    assert (db_session.get(ImportJob, imp.id).state, db_session.get(ImportJob, imp.id).attempt) == ("pending", 2)
    assert run(app, "requeue-stale", today=TODAY, now=NOW).summary == {"draw_jobs": [], "import_jobs": [], "document_jobs": []}


def test_every_run_is_recorded_and_a_failure_does_not_escape(app, db_session, monkeypatch):
    seed_registries(db_session)
    ok = run(app, "certificate-warnings", today=TODAY, now=NOW, trigger="manual")
    assert (ok.job, ok.state, ok.trigger, ok.error) == ("certificate-warnings", "ok", "manual", None)
    assert ok.finished_at >= ok.started_at and ":" in ok.worker

    def broken(ctx):
        ctx.session.add(Notice(kind="certificate", dedup_key="half-done", subject="x"))
        ctx.session.flush()
        raise RuntimeError("the registry is on fire")

    monkeypatch.setitem(jobs.JOBS_BY_ID, "certificate-warnings",
                        jobs.Job("certificate-warnings", broken, "interval", {"minutes": 1}, "", ""))
    failed = run(app, "certificate-warnings", today=TODAY, now=NOW)
    assert failed.state == "error" and "the registry is on fire" in failed.error and failed.finished_at
    assert notices(db_session, "certificate") == []  # rolled back
    db_session.expire_all()
    assert [r.state for r in db_session.exec(select(SchedulerRun).order_by(SchedulerRun.id))] == ["ok", "error"]


def test_prune_runs_keeps_90_days(app, db_session):
    old = NOW - timedelta(days=91)
    db_session.add(SchedulerRun(job="reveal-due", state="ok", started_at=old, finished_at=old))
    db_session.add(SchedulerRun(job="reveal-due", state="ok", started_at=NOW - timedelta(days=89)))
    db_session.commit()
    record = run(app, "prune-runs", today=TODAY, now=NOW)
    assert record.summary == {"deleted": 1}
    db_session.expire_all()
    assert db_session.execute(sa.select(sa.func.count()).select_from(SchedulerRun)).scalar() == 2  # + this run


def test_the_due_world_has_one_of_each(app, db_session, tmp_path):
    """The data of the two-process tests, run by one process: what each
    job claims there (the other tests run it twice at once)."""
    inline_jobs(app, tmp_path)
    world = due_world(db_session)
    summaries = {j: run(app, j, today=TODAY, now=NOW).summary
                 for j in ("certificate-warnings", "draw-reminders", "requeue-stale")}
    assert set(summaries["certificate-warnings"]["issued"]) == WARNED
    assert len(summaries["draw-reminders"]["issued"]) == 2  # T1 and T2; the other plan's task is held
    assert summaries["requeue-stale"] == {"draw_jobs": [world["draw_job"].id], "import_jobs": [world["import_job"].id], "document_jobs": []}


def test_draw_reminders_for_a_window_already_open(app, db_session, tmp_path):
    from inspect_app.services import notices as notice_service

    inline_jobs(app, tmp_path)
    seed_registries(db_session)
    published_plan(db_session)
    record = run(app, "draw-reminders", today=date(2030, 3, 4), now=NOW + timedelta(days=10))
    assert len(record.summary["issued"]) == 2
    texts = [notice_service.text(n) for n in notices(db_session, "draw_date")]
    assert all("的检查时段已于 2030-03-01 开始，尚未抽取" in t for t in texts), texts
    # after the window's end nothing is due any more
    assert run(app, "draw-reminders", today=date(2030, 3, 30), now=NOW + timedelta(days=40)).summary["due"] == 0
