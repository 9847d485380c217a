"""A draw end to end in a real browser against the production process set
started the README's way (``honcho start`` with the Procfile: gunicorn with
two workers, ``flask draws work``, ``flask scheduler run``;
tests/process_set.py), not the in-process test server: the planner logs
in, uses the published plan, starts the draw, enters the witnesses' digits,
waits for the worker (the web only queues: ``DRAW_RUNNER=worker``), reviews
and seals; the admin then sees the scheduler's runs."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from browser.test_planner_workflow import login, logout, run_ceremony
from process_set import app_for, started

PLANNER, PLANNER_PW = "planner1", "planner-password-1"
ADMIN, ADMIN_PW = "admin", "admin-password-1"
pytestmark = pytest.mark.browser


def prepare(database_url: str) -> None:
    """What an installer and a planner did before: registries, a published
    plan (window in March 2030, a Monday-to-Friday year) and the accounts."""
    from draw_fixtures import published_plan, seed_registries

    from inspect_app.db import get_session
    from inspect_app.services.accounts import create_account

    app = app_for(database_url)
    with app.app_context():
        session = get_session()
        seed_registries(session)
        published_plan(session)
        create_account(session, PLANNER, PLANNER_PW, "planner", department="SCJG")
        create_account(session, ADMIN, ADMIN_PW, "admin")
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module")
def process_set(tmp_path_factory, browser):
    with started(tmp_path_factory.mktemp("procs"), interval=5, prepare=prepare) as the_set:
        yield the_set


def test_a_draw_end_to_end_against_the_process_set(process_set, page, shot):
    from inspect_app.db import get_session
    from inspect_app.models import Draw, DrawJob, Plan

    base = process_set.url
    login(page, base, PLANNER, PLANNER_PW)
    page.wait_for_url(f"{base}/planner/")
    shot(page, "procs-01-planner-home")

    app = app_for(process_set.database_url)
    with app.app_context():
        plan_id = get_session().exec(select(Plan.id)).one()
    page.goto(f"{base}/planner/plans/{plan_id}")
    for box in page.locator("input[name=tasks]").all():
        box.check()
    page.fill("input[name=entropy_source]", "公证员现场掷骰六次的点数")
    page.click("button:has-text('冻结输入并生成承诺值')")
    page.wait_for_url(re.compile(r".*/planner/draws/\d+$"))
    draw_id = int(page.url.rstrip("/").split("/")[-1])
    run_ceremony(page, shot, "procs-draw", 2)

    with app.app_context():
        session = get_session()
        draw = session.get(Draw, draw_id)
        assert draw.state == "sealed"
        jobs = session.exec(select(DrawJob).where(DrawJob.draw_id == draw_id).order_by(DrawJob.id)).all()
    # both jobs were run by the worker process of the set (the web only queued them)
    workers = {p: c for p, c in process_set.processes().items() if "draws work" in c}
    assert [(j.kind, j.state) for j in jobs] == [("freeze", "done"), ("draw", "done")]
    assert {int(j.worker.rsplit(":", 1)[1]) for j in jobs} <= set(workers), (jobs, workers)

    logout(page)
    login(page, base, ADMIN, ADMIN_PW)
    page.goto(f"{base}/admin/scheduler")
    page.wait_for_selector("#scheduler-runs tr.run-ok")
    assert "certificate-warnings" in page.inner_text("#scheduler-runs")
    shot(page, "procs-07-admin-scheduler")
    app.extensions["db_engine"].dispose()
