"""What people see of the scheduled work: the admin page of runs
(/admin/scheduler, admins only) and the notices on the planner's home page
(own department; Chinese first, English with the switch)."""

from __future__ import annotations

from draw_fixtures import inline_jobs, published_plan, seed_registries
from scheduler_fixtures import NOW, TODAY, set_expiries

from inspect_app.scheduler.runs import run


def english_please(client) -> None:
    """Switch to English. The test's app context (``db_session``) is
    shared by the client's requests, so Flask-Babel's cached catalogue of
    the earlier Chinese pages is dropped too."""
    from flask_babel import refresh

    client.post("/lang/en", data={"next": "/"})
    refresh()


def test_admin_sees_every_run_with_its_result_and_error(app, client, auth, db_session, monkeypatch):
    from inspect_app.scheduler import jobs

    seed_registries(db_session)
    set_expiries(db_session)
    run(app, "certificate-warnings", today=TODAY, now=NOW)

    def broken(ctx):
        raise RuntimeError("no route to the registry")

    monkeypatch.setitem(jobs.JOBS_BY_ID, "draw-reminders", jobs.Job("draw-reminders", broken, "cron", {}, "", ""))
    run(app, "draw-reminders", today=TODAY, now=NOW)
    auth.login("root", role="admin")
    page = client.get("/admin/scheduler").get_data(as_text=True)
    assert 'id="scheduler-runs"' in page and "certificate-warnings" in page and "SCJG02" in page
    assert "no route to the registry" in page and "出错" in page and "每 10 分钟" in page
    only = client.get("/admin/scheduler?job=draw-reminders").get_data(as_text=True)
    assert "no route to the registry" in only and "SCJG02" not in only
    english_please(client)
    english = client.get("/admin/scheduler").get_data(as_text=True)
    assert "Scheduled jobs" in english and "every 10 minutes" in english and "Failed" in english


def test_admin_page_before_any_run(client, auth):
    auth.login("root", role="admin")
    page = client.get("/admin/scheduler").get_data(as_text=True)
    assert "还没有运行记录" in page and "尚未运行" in page


def test_planner_and_inspector_refused(client, auth):
    auth.login("planner", role="planner")
    assert client.get("/admin/scheduler").status_code == 403


def test_planner_home_shows_own_departments_notices(app, client, auth, db_session, tmp_path, monkeypatch):
    from inspect_app.scheduler import runs

    inline_jobs(app, tmp_path)
    seed_registries(db_session)
    set_expiries(db_session)
    published_plan(db_session)
    run(app, "certificate-warnings", today=TODAY, now=NOW)
    run(app, "draw-reminders", today=TODAY, now=NOW)
    monkeypatch.setattr(runs, "shanghai_today", lambda: TODAY)
    auth.login("planner", role="planner")  # of SCJG
    page = client.get("/planner/").get_data(as_text=True)
    assert 'id="notices"' in page
    assert "SCJG检查员2（SCJG02）的执法证将于 2030-03-10 到期" in page
    assert "早于任务 T1「食品经营抽查」（榕市监〔2030〕1号）检查时段的结束日 2030-03-29" in page
    assert "任务 T2「市场与城管联合抽查」（榕市监〔2030〕1号）的检查时段将于 2030-03-01 开始，尚未抽取" in page
    assert "CGJ03" not in page  # another department's inspector
    english_please(client)
    english = client.get("/planner/").get_data(as_text=True)
    assert "certificate expires on 2030-03-10" in english and "has not been drawn" in english
    # long after their dates the notices leave the home page
    monkeypatch.setattr(runs, "shanghai_today", lambda: TODAY.replace(year=2031))
    assert 'id="notices"' not in client.get("/planner/").get_data(as_text=True)


def test_admin_home_shows_every_department(app, client, auth, db_session):
    from inspect_app.scheduler import runs

    seed_registries(db_session)
    set_expiries(db_session)
    published_plan(db_session)
    run(app, "certificate-warnings", today=TODAY, now=NOW)
    runs_today = runs.shanghai_today
    try:
        runs.shanghai_today = lambda: TODAY
        auth.login("root", role="admin")
        page = client.get("/planner/").get_data(as_text=True)
    finally:
        runs.shanghai_today = runs_today
    assert "CGJ03" in page and "SCJG03" in page
