"""UI polish found by walking the app as a new user (after issue 8).

* A new task's lead department defaults to the planner's own department, so
  the first "save" of a new planner is not refused as another department's
  task (the select used to fall back to the first department, CGJ).
* A draw's background job shows its state in words of the page's language
  (the page and its progress JSON used to show the raw ``pending`` /
  ``running`` and stage ``schedule visits``, also on the Chinese page).
* The review page's visits-per-day calendar speaks the page's language (it
  kept 月, 一/三/五 and 少/多 on the English page; the schedule page's did not),
  and its exclusions are named in words (were the codes ``recent_check`` …).
* A draw's heading reads "Draw D…" in English (was the nav's plural
  "Draws"), and the public page's register line has no Chinese punctuation.
* The workload histogram's y-axis label stays inside the chart ("Inspectors"
  was cut to "ectors": it was right-aligned to the axis at x = 32).
* 403 and 404 are pages of the site (layout, language, a way home), not
  werkzeug's bare English "Forbidden" / "Not Found".
* A year without a holiday arrangement is named in the page's language with
  where to import it (the page showed "2027年… / the 2027 holiday …" in both).
* Every page names its icon (browsers asked for /favicon.ico, a 404 in the
  console of every first visit).
"""

from __future__ import annotations

import re

from flask_babel import refresh

from draw_fixtures import YEAR, published_plan, run_ceremony, seed_registries
from inspect_app.services import charts, draws, plans


def _selected_department(page: str) -> str | None:
    select = re.search(r'<select name="department">(.*?)</select>', page, re.S)
    assert select, page[:500]
    chosen = re.findall(r'<option value="([^"]+)" selected', select.group(1))
    return chosen[0] if chosen else None


def test_new_task_form_defaults_to_own_department(app, client, db_session, auth):
    seed_registries(db_session)
    plan = plans.create_plan(db_session, "榕市监〔2030〕9号", "默认部门", YEAR)
    auth.create("cgj", "planner", department="CGJ")
    auth.login("scjg", department="SCJG")
    page = client.get(f"/planner/plans/{plan.id}/tasks/new").get_data(as_text=True)
    assert _selected_department(page) == "SCJG"
    client.post("/logout")
    client.post("/login", data={"username": "cgj", "password": "correct-horse"})
    page = client.get(f"/planner/plans/{plan.id}/tasks/new").get_data(as_text=True)
    assert _selected_department(page) == "CGJ"


def test_draw_job_state_in_words(app, client, db_session, auth):
    seed_registries(db_session)
    plan, tasks = published_plan(db_session, joint=False)
    draw, _job = draws.start_draw(db_session, plan, [t.id for t in tasks], "公证员现场掷骰", actor="planner")
    auth.login()
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert '<span id="job-state">排队中</span>' in page
    assert client.get(f"/planner/draws/{draw.id}/progress.json").get_json()["job"]["state_text"] == "排队中"
    r = client.post("/lang/en", data={"next": "/"})
    assert r.status_code == 302
    refresh()  # db_session's app context is shared with the requests: drop Babel's cached locale
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert '<span id="job-state">queued</span>' in page
    assert client.get(f"/planner/draws/{draw.id}/progress.json").get_json()["job"]["state_text"] == "queued"
    _job.stage = "schedule visits"
    db_session.add(_job)
    db_session.commit()
    assert '<span id="job-stage">scheduling the visits</span>' in client.get(f"/planner/draws/{draw.id}").get_data(
        as_text=True)
    assert client.get(f"/planner/draws/{draw.id}/progress.json").get_json()["job"]["stage_text"] == \
        "scheduling the visits"


def test_every_draw_stage_has_words():
    """Each stage name the draw's code reports (solver/, services/) is named
    on the draw page; the registry importer's own stages are not shown there."""
    from pathlib import Path

    from inspect_app.views.planner.draws import _job_stage_names

    root = Path(__file__).resolve().parents[1]
    stages = set()
    for path in [*(root / "solver").rglob("*.py"), *(root / "inspect_app" / "services").rglob("*.py")]:
        if path.name == "importer.py":
            continue
        stages.update(re.findall(r'\.stage\("([^"]+)"', path.read_text(encoding="utf-8")))
    assert stages and not stages - set(_job_stage_names()), stages - set(_job_stage_names())


def test_review_calendar_in_english(app, client, db_session, auth):
    app.config.update(DRAW_RUNNER="inline")
    seed_registries(db_session)
    plan, tasks = published_plan(db_session, joint=False)
    draw = run_ceremony(db_session, plan, tasks, app)
    auth.login()
    client.post("/lang/en", data={"next": "/"})
    refresh()
    page = client.get(f"/planner/draws/{draw.id}/review").get_data(as_text=True)
    calendar = re.search(r'<svg[^>]*class="chart calendar-heatmap".*?</svg>', page, re.S)
    assert calendar, page[:500]
    words = re.findall(r"<text[^>]*>([^<]*)</text>", calendar.group(0))
    assert "2030-03" in words and "Mon" in words and "fewer" in words, words
    assert not [w for w in words if re.search(r"[\u4e00-\u9fff]", w)], words
    excluded = re.search(r'<td id="excluded">([^<]*)</td>', page)
    assert excluded and "checked recently" in excluded.group(1), page[:300]
    assert "recent_check" not in excluded.group(1) and "frequency_cap" not in excluded.group(1)


def test_draw_heading_and_register_line_in_english(app, client, db_session, auth):
    app.config.update(DRAW_RUNNER="inline")
    seed_registries(db_session)
    plan, tasks = published_plan(db_session, joint=False)
    draw = run_ceremony(db_session, plan, tasks, app)
    auth.login()
    client.post("/lang/en", data={"next": "/"})
    refresh()
    public = client.get(f"/draws/{draw.code}").get_data(as_text=True)
    assert f"<h1>Draw {draw.code}</h1>" in public
    line = re.search(r'<p id="register-file">(.*?)</p>', public, re.S).group(1)
    assert "Register file: <a" in line and not re.search(r"[：（）]", line), line
    planner = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert f"<h1>Draw {draw.code} · " in planner and f"<title>Draw {draw.code}</title>" in planner


def test_pages_name_an_icon_that_exists(client):
    page = client.get("/").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert icon, page[:400]
    r = client.get(icon.group(1))
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"


def test_histogram_y_label_inside_the_chart():
    import xml.etree.ElementTree as ET

    svg = ET.fromstring(str(charts.load_histogram([1, 2, 2, 5], title="Workload", x_label="Visits",
                                                  y_label="Inspectors")))
    label = [t for t in svg.iter("{http://www.w3.org/2000/svg}text") if t.text == "Inspectors"]
    assert len(label) == 1
    x, anchor = float(label[0].get("x")), label[0].get("text-anchor", "start")
    left_edge = x - charts.text_width("Inspectors", 11) if anchor == "end" else x
    assert left_edge >= 0, (x, anchor)


def test_forbidden_and_not_found_pages_in_the_site_layout(app, client, auth):
    auth.login()  # a planner: the admin pages are not theirs
    r = client.get("/admin/users")
    assert r.status_code == 403
    body = r.get_data(as_text=True)
    assert "<h1>无权访问</h1>" in body and 'id="lang-switch"' in body and 'href="/"' in body
    r = client.get("/draws/NO-SUCH-DRAW")
    assert r.status_code == 404 and "<h1>页面不存在</h1>" in r.get_data(as_text=True)
    client.post("/lang/en", data={"next": "/"})
    refresh()
    assert "<h1>Access denied</h1>" in client.get("/admin/users").get_data(as_text=True)


def test_a_form_address_followed_as_a_link_gets_the_site_page(app, client):
    """GET /logout (a form's address) was werkzeug's bare English 405 page."""
    r = client.get("/logout")
    assert r.status_code == 405 and r.headers["Allow"].split(", ").count("POST") == 1
    body = r.get_data(as_text=True)
    assert "<h1>请求方式不正确</h1>" in body and 'id="lang-switch"' in body and 'href="/"' in body
    assert "Method Not Allowed" not in body
    client.post("/lang/en", data={"next": "/"})
    assert "<h1>Method not allowed</h1>" in client.get("/logout").get_data(as_text=True)


def _failing_app(app, message: str):
    """The app with a route that raises, and exceptions handled as in
    production (tests propagate them)."""
    def broken():
        raise RuntimeError(message)

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_a_server_error_is_the_site_page_without_its_detail(app):
    secret = "/srv/inspect/instance/seal-key value 4711"
    client = _failing_app(app, secret).test_client()
    r = client.get("/broken-for-test")
    assert r.status_code == 500
    body = r.get_data(as_text=True)
    assert "<h1>服务器内部错误</h1>" in body and 'id="lang-switch"' in body and 'href="/"' in body
    assert secret not in body and "RuntimeError" not in body and "Traceback" not in body
    client.post("/lang/en", data={"next": "/"})
    assert "<h1>Internal server error</h1>" in client.get("/broken-for-test").get_data(as_text=True)


def test_a_server_error_whose_page_fails_too_is_plain_text(app, monkeypatch):
    from inspect_app import views

    def no_page(*_args):
        raise RuntimeError("the layout cannot be rendered")

    monkeypatch.setattr(views, "_status_page", no_page)
    r = _failing_app(app, "first failure").test_client().get("/broken-for-test")
    assert r.status_code == 500 and r.mimetype == "text/plain"
    assert r.get_data(as_text=True) == views.PLAIN_SERVER_ERROR


def test_missing_holiday_year_in_the_pages_language(app):
    from inspect_app.services.calendar import CalendarUnknown

    with app.test_request_context("/"):
        zh = str(CalendarUnknown([2099]))
    assert zh == "2099年的节假日安排尚未导入，请管理员在“节假日安排”页面导入"
    with app.test_request_context("/?lang=en"):
        en = str(CalendarUnknown([2099]))
    assert en.startswith("the 2099 holiday arrangement has not been imported") and "年" not in en
    assert "/ the 2099" in str(CalendarUnknown([2099]))  # the CLI keeps both languages


def test_draw_job_kind_reads_drawing(app, client, db_session, auth):
    """The queued draw job is "Drawing", not the nav's plural "Draws"."""
    from inspect_app.jobs.runner import run_job

    seed_registries(db_session)
    plan, tasks = published_plan(db_session, joint=False)
    draw, job = draws.start_draw(db_session, plan, [t.id for t in tasks], "公证员现场掷骰", actor="planner")
    assert run_job(app, job.id)
    db_session.expire_all()
    draws.enter_entropy(db_session, db_session.get(type(draw), draw.id), "314159", [("王公证", "公证员")],
                        actor="planner")
    auth.login()
    client.post("/lang/en", data={"next": "/"})
    refresh()
    page = client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    assert '<span id="job-kind">Drawing</span>' in page, page[page.find('id="progress"'):][:400]
