"""Who gets which document (issue 11), every new route × anonymous,
inspector, planner, admin:

* planner documents (plan, full draw record): planners and admins; an
  inspector 403; anonymous to the login page;
* the notice: only an inspector on the visit's team, from the day the visit
  page shows (``services/visit_access.py``); another inspector and an
  unknown id 404; planners and admins 403; anonymous to the login page;
* public documents: the same answer for everyone; a draft plan, a draw
  without a commitment and a task without published results are 404 for
  everyone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from checkcode.helpers import on_visit_day, set_today
from documents.conftest import publish, visits_of
from inspect_app.models import Draw, Plan
from inspect_app.services import plans as plan_service
from inspect_app.services import visit_access
from inspect_app.services.accounts import create_account

PASSWORD = "correct-horse"
ROLES = ("anonymous", "inspector", "planner", "admin")


@pytest.fixture
def accounts(sealed):
    s, _plan, _tasks, draw = sealed
    visit = next(v for v in visits_of(s, draw) if v.team)
    outsider = next(i for i in ("SCJG07", "SCJG06", "CGJ07", "CGJ06") if i not in visit.team)
    create_account(s, "team", PASSWORD, "inspector", inspector=visit.team[0])
    create_account(s, "outsider", PASSWORD, "inspector", inspector=outsider)
    create_account(s, "planner", PASSWORD, "planner", department="SCJG")
    create_account(s, "boss", PASSWORD, "admin")
    return visit


def as_role(client, role: str) -> None:
    client.post("/logout")
    username = {"inspector": "team", "planner": "planner", "admin": "boss"}.get(role)
    if username:
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def status(client, role, url) -> int | str:
    as_role(client, role)
    r = client.get(url)
    if r.status_code in (302, 303):
        return "login" if "/login" in r.headers["Location"] else r.headers["Location"]
    return r.status_code


def test_planner_documents(sealed, accounts, client):
    s, plan, _tasks, draw = sealed
    for url in (f"/planner/plans/{plan.id}/document.pdf", f"/planner/draws/{draw.id}/record.pdf"):
        got = {role: status(client, role, url) for role in ROLES}
        assert got == {"anonymous": "login", "inspector": 403, "planner": 200, "admin": 200}, url
    for url in ("/planner/plans/999/document.pdf", "/planner/draws/999/record.pdf"):
        assert status(client, "planner", url) == 404


def test_a_draft_plan_is_printed_for_planners_only(sealed, accounts, client):
    s, plan, _tasks, _draw = sealed
    draft = plan_service.new_version(s, plan, "补充任务", actor="planner")
    assert draft.status == "draft"
    as_role(client, "planner")
    r = client.get(f"/planner/plans/{draft.id}/document.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    for role in ROLES:
        assert status(client, role, f"/plans/{draft.id}/document.pdf") == 404, role


def test_the_notice(sealed, accounts, client, monkeypatch):
    s, _plan, _tasks, draw = sealed
    visit = accounts
    url = f"/inspector/visits/{visit.id}/notice.pdf"
    first = visit_access.visible_from(s, visit.day)
    set_today(monkeypatch, first - timedelta(days=1))
    assert status(client, "inspector", url) == 404  # not yet visible to its team
    on_visit_day(monkeypatch, s, visit)
    got = {role: status(client, role, url) for role in ROLES}
    assert got == {"anonymous": "login", "inspector": 200, "planner": 403, "admin": 403}
    client.post("/logout")
    client.post("/login", data={"username": "outsider", "password": PASSWORD})
    assert client.get(url).status_code == 404  # another team's visit: as if it did not exist
    assert client.get("/inspector/visits/99999/notice.pdf").status_code == 404
    r = client.get(url)
    assert r.headers.get("Cache-Control") != "public, max-age=300"


def test_public_documents(sealed, accounts, client):
    s, plan, tasks, draw = sealed
    publish(s, draw, tasks[0], rows=3)
    urls = [f"/plans/{plan.id}/document.pdf", f"/draws/{draw.code}/record.pdf",
            f"/results/tasks/{tasks[0].id}/bulletin.pdf"]
    for url in urls:
        bodies = set()
        for role in ROLES:
            as_role(client, role)
            r = client.get(url)
            assert r.status_code == 200 and r.mimetype == "application/pdf", (role, url)
            bodies.add(r.data)
        assert len(bodies) == 1, url  # the same document for everyone
    # a draw before its commitment is not on the register
    pending = Draw(plan_id=plan.id, window_start=draw.window_start, window_end=draw.window_end,
                   entropy_source="x", code="D2030-0999", state="freezing")
    s.add(pending)
    s.commit()
    missing = ["/draws/D2030-0999/record.pdf", "/draws/nothing/record.pdf", "/plans/999/document.pdf",
               f"/results/tasks/{tasks[1].id}/bulletin.pdf", "/results/tasks/999/bulletin.pdf"]
    for url in missing:
        for role in ROLES:
            assert status(client, role, url) == 404, (role, url)
    assert s.get(Plan, plan.id).status == "published"


def test_the_pages_link_their_documents(sealed, accounts, client, monkeypatch):
    s, plan, tasks, draw = sealed
    visit = accounts
    html = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert f"/plans/{plan.id}/document.pdf" in html and "bulletin.pdf" not in html  # nothing published yet
    publish(s, draw, tasks[0], rows=1)
    html = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert f"/results/tasks/{tasks[0].id}/bulletin.pdf" in html
    assert f"/results/tasks/{tasks[1].id}/bulletin.pdf" not in html
    assert f"/draws/{draw.code}/record.pdf" in client.get(f"/draws/{draw.code}").get_data(as_text=True)
    as_role(client, "planner")
    assert f"/planner/plans/{plan.id}/document.pdf" in client.get(f"/planner/plans/{plan.id}").get_data(as_text=True)
    assert f"/planner/draws/{draw.id}/record.pdf" in client.get(f"/planner/draws/{draw.id}").get_data(as_text=True)
    on_visit_day(monkeypatch, s, visit)
    as_role(client, "inspector")
    assert f"/inspector/visits/{visit.id}/notice.pdf" in client.get(f"/inspector/visits/{visit.id}").get_data(as_text=True)


def test_a_failed_rendering_names_its_reason_to_staff_only(sealed, accounts, client, monkeypatch):
    """The failure page showed the exception's text (server paths, the
    fonts' location) to anyone; now only planners and admins see it."""
    from inspect_app.services.documents import cache

    s, plan, _tasks, _draw = sealed
    detail = "/srv/inspect/fonts/NotoSerifCJK-Regular.ttc unreadable"

    def broken(_template, _data):
        raise OSError(detail)

    monkeypatch.setattr(cache, "render_pdf", broken)
    url = f"/plans/{plan.id}/document.pdf"
    for role in ROLES:
        as_role(client, role)
        r = client.get(url)
        body = r.get_data(as_text=True)
        assert r.status_code == 503 and "文档生成失败" in body and "请联系管理员" in body, role
        assert (detail in body) == (role in ("planner", "admin")), role
