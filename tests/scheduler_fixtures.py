"""Data and helpers for the scheduler's tests (tests/scheduler/).

The dates lie in 2030, whose working days the draw fixtures declare
(Monday–Friday): the plan's window is 1–29 March 2030
(``draw_fixtures.WINDOW``). :func:`due_world` builds, on a frozen
``TODAY`` (Friday 22 February 2030), one of each thing the jobs claim:
three certificates to warn of, two undrawn tasks whose window starts within
five working days, a stale draw job and a stale import job.

:func:`process_main` is the body of a separate process (multiprocessing,
"spawn") that runs jobs against a shared database, for the tests that two
schedulers still do each thing once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlmodel import Session

TODAY = date(2030, 2, 22)  # a Friday; the window opens on Friday 1 March, 5 working days on
NOW = datetime(2030, 2, 22, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai
STALE_BEAT = NOW - timedelta(minutes=10)

# inspector -> certificate expiry (seed_registries gives 2031-12-31 to all)
EXPIRIES = {
    "SCJG02": date(2030, 3, 10),  # within 30 days of TODAY
    "SCJG03": date(2030, 3, 27),  # after 30 days, but before the end of T1's window (29 March)
    "CGJ03": date(2030, 3, 25),  # CGJ joins T2: before its window's end
    "CGJ04": date(2030, 4, 30),  # after the window and the 30 days: no warning
    "SCJG05": date(2030, 3, 1),  # inactive (set below): no warning
}
WARNED = {"SCJG02", "SCJG03", "CGJ03"}


def set_expiries(session: Session) -> None:
    from inspect_app.models import Inspector

    for inspector_id, expires in EXPIRIES.items():
        inspector = session.get(Inspector, inspector_id)
        inspector.certificate_expires = expires
        if inspector_id == "SCJG05":
            inspector.active = False
    session.commit()


def stale_draw_job(session: Session, plan, tasks):
    """A draw over ``tasks`` whose freeze job's worker died (running, its
    heartbeat 10 minutes before ``NOW``)."""
    import sqlalchemy as sa

    from inspect_app.models import DrawJob
    from inspect_app.services import draws

    draw, job = draws.start_draw(session, plan, [t.id for t in tasks], "公证员现场掷骰六次的点数", actor="planner",
                                 today=TODAY)
    session.execute(sa.update(DrawJob).where(DrawJob.id == job.id)
                    .values(state="running", worker="gone:1", started_at=STALE_BEAT, heartbeat=STALE_BEAT))
    session.commit()
    return draw, job


def stale_import_job(session: Session):
    from inspect_app.models import ImportJob

    job = ImportJob(kind="entities", filename="entities.csv", state="running", worker="gone:2",
                    started_at=STALE_BEAT, heartbeat=STALE_BEAT)
    session.add(job)
    session.commit()
    return job


def due_world(session: Session) -> dict:
    """Registries, a published plan (T1, T2) and a second published plan
    whose task is held by a draw with a stale job; see the module doc."""
    from draw_fixtures import item_id, published_plan, seed_registries

    from inspect_app.services import plans

    seed_registries(session)
    set_expiries(session)
    plan, tasks = published_plan(session)
    other = plans.create_plan(session, "榕市监〔2030〕2号", "2030年度第二批", 2030, actor="planner")
    held = plans.add_task(session, other, plans.TaskInput(
        name="企业公示信息抽查", department="SCJG", items=[item_id(session, "SCJG-02")],
        window_start=date(2030, 3, 1), window_end=date(2030, 3, 29), count=3))
    plans.publish_plan(session, other)
    draw, job = stale_draw_job(session, other, [held])
    imp = stale_import_job(session)
    return {"plan": plan, "tasks": tasks, "draw": draw, "draw_job": job, "import_job": imp}


def process_main(url: str, search_path: str | None, job_ids: list[str], barrier, results,
                 today: date = TODAY, now: datetime = NOW) -> None:
    """One 'scheduler' process: its own app and engine on the shared
    database; waits at ``barrier`` before each job, so that both processes
    run the same job at the same time; puts (job, state, summary, error)."""
    from inspect_app import create_app
    from inspect_app.db import make_engine
    from inspect_app.scheduler.runs import run

    kwargs = {"connect_args": {"options": f"-csearch_path={search_path}"}} if search_path else {}
    engine = make_engine(url, **kwargs)
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url, "DATABASE_ENGINE": engine})
    for job_id in job_ids:
        barrier.wait(timeout=120)
        record = run(app, job_id, today=today, now=now)
        results.put((job_id, record.state, record.summary, record.error))
    engine.dispose()


def run_in_processes(database, backend: str, job_ids: list[str], processes: int = 2, today: date = TODAY,
                     now: datetime = NOW) -> list[tuple]:
    """Run ``job_ids`` in ``processes`` separate processes at once (see
    :func:`process_main`) on the test's database; return every run's
    (job, state, summary, error)."""
    import multiprocessing

    url, engine = database
    search_path = None
    if backend == "postgresql":
        with engine.connect() as conn:
            search_path = conn.exec_driver_sql("SHOW search_path").scalar().replace(" ", "")
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no engine or connection inherited
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    procs = [ctx.Process(target=process_main, args=(url, search_path, job_ids, barrier, results, today, now))
             for _ in range(processes)]
    for p in procs:
        p.start()
    out = [results.get(timeout=240) for _ in range(processes * len(job_ids))]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out
