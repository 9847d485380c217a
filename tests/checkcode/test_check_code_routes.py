"""Check codes (issue 9, 扫码入企), the routes: the public page shows its
visit and nothing else, refuses unknown codes and bursts of guesses alike,
takes the entity's confirmation or report (shown on /planner/feedback), and
the team's QR image goes to the team only. Every route × role."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from checkcode.helpers import code_of, joint_visit, on_visit_day, set_today, single_department_visit, submit, visits_of
from inspect_app.models import Department, Inspector
from inspect_app.services import check_code_limits, check_codes, draws, visit_access
from inspect_app.visit_models import VisitFeedback



def page_text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def ready(sealed, monkeypatch):
    """(session, draw, a SCJG-only visit, its code), today on its visible day."""
    s, _plan, _tasks, draw = sealed
    visit = single_department_visit(s, draw)
    on_visit_day(monkeypatch, s, visit)
    return s, draw, visit, code_of(visit, draw)


def test_the_page_shows_its_visit_and_nothing_of_any_other(sealed, client, monkeypatch):
    s, plan, tasks, draw = sealed
    visit = joint_visit(s, draw)
    on_visit_day(monkeypatch, s, visit)
    r = client.get(f"/c/{code_of(visit, draw)}")
    assert r.status_code == 200
    html = page_text(r)
    assert "已登记的双随机抽查" in html
    assert visit.entity_name in html and visit.uscc in html and visit.day.isoformat() in html
    assert plan.number in html
    for t in tasks:
        if t.code in visit.tasks:
            assert t.name in html
    assert "企业公示信息" in html and "门前三包" in html  # the joint task's items
    team = s.exec(select(Inspector).where(Inspector.id.in_(visit.team))).all()
    for person in team:
        assert person.name in html and person.certificate_no in html
    for d in s.exec(select(Department)).all():
        assert d.name in html
    assert "0591-00000000" in html and "0591-11111111" in html  # per-department phones
    others = [v for v in visits_of(s, draw) if v.id != visit.id]
    for other in others:
        assert other.entity_name not in html and other.uscc not in html
    for person in s.exec(select(Inspector).where(Inspector.id.not_in(visit.team))).all():
        assert person.name not in html and person.certificate_no not in html
    assert draw.code not in html and str(len(others) + 1) + " " not in html
    assert r.headers["Cache-Control"] == "no-store" and "noindex" in r.headers["X-Robots-Tag"]
    assert "script-src 'self'" in r.headers["Content-Security-Policy"] and "style=" not in html


def test_the_page_is_in_english_on_request(ready, client):
    _s, _draw, _visit, code = ready
    r = client.get(f"/c/{code}?lang=en")
    html = page_text(r)
    assert r.status_code == 200 and "Registered random check" in html and "Inspectors and their certificate numbers" in html and "已登记的双随机抽查" not in html
    r = client.post("/lang/en", data={"next": f"/c/{code}"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/c/{code}")
    assert "Office phone" in page_text(client.get(f"/c/{code}"))


def test_case_dashes_and_groups_open_the_same_page(ready, client):
    _s, _draw, visit, code = ready
    for spelling in (code.lower(), "-".join(code[i:i + 4] for i in range(0, 28, 4))):
        r = client.get(f"/c/{spelling}")
        assert r.status_code == 200 and visit.entity_name in page_text(r)


def test_unknown_malformed_and_not_yet_valid_codes_get_one_answer(sealed, client, monkeypatch):
    s, _plan, _tasks, draw = sealed
    visit = max(visits_of(s, draw), key=lambda v: v.day)
    set_today(monkeypatch, visit_access.visible_from(s, visit.day) - timedelta(days=1))
    answers = set()
    for code in ("0" * 28, "abc", "x" * 65, "%21" * 30, code_of(visit, draw)):
        r = client.get(f"/c/{code}")
        # the language switch's "next" field echoes the path asked for; all else is one answer
        answers.add((r.status_code, re.sub(r'name="next" value="[^"]*"', "", page_text(r))))
    assert len(answers) == 1
    status, html = answers.pop()
    assert status == 404 and "检查码无效" in html and visit.entity_name not in html


def test_a_burst_of_guesses_is_refused_and_then_even_a_valid_code(ready, client):
    _s, _draw, visit, code = ready
    for k in range(check_code_limits.DEFAULT_MAX_FAILURES):
        assert client.get(f"/c/{'0' * 27}{k % 10}").status_code == 404
    r = client.get("/c/" + "1" * 28)
    assert r.status_code == 429 and "查询过于频繁" in page_text(r) and r.headers["Retry-After"] == "600"
    r = client.get(f"/c/{code}")
    assert r.status_code == 429 and visit.entity_name not in page_text(r)
    assert client.post(f"/c/{code}/confirm").status_code == 429
    other = client.application.test_client()
    r = other.get(f"/c/{code}", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert r.status_code == 200  # another address is not limited


def test_failed_feedback_posts_count_as_guesses(ready, client):
    _s, _draw, _visit, code = ready
    for _ in range(check_code_limits.DEFAULT_MAX_FAILURES):
        assert client.post("/c/" + "0" * 28 + "/report", data={"message": "x"}).status_code == 404
    assert client.get(f"/c/{code}").status_code == 429


def test_after_submission_the_page_says_completed_with_the_date(ready, client):
    s, _draw, visit, code = ready
    submit(s, visit, visit.day)
    r = client.get(f"/c/{code}")
    html = page_text(r)
    assert r.status_code == 200 and "检查已完成" in html and visit.day.isoformat() in html
    assert "confirm-visit" not in html  # nothing left to confirm; a problem can still be reported


def test_a_cancelled_draw_says_no_longer_valid(ready, client):
    s, draw, visit, code = ready
    draws.cancel(s, draw, "计划调整，重新抽取", confirmed=True)
    r = client.get(f"/c/{code}")
    html = page_text(r)
    assert r.status_code == 410 and "此检查码已失效" in html and visit.entity_name not in html
    assert client.post(f"/c/{code}/confirm").status_code == 410
    assert s.exec(select(VisitFeedback)).all() == []


def test_confirm_and_report_are_recorded_and_shown_to_the_planner(ready, client, auth):
    s, _draw, visit, code = ready
    r = client.post(f"/c/{code}/confirm")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/c/{code}")
    assert "已收到您的确认" in page_text(client.get(f"/c/{code}"))
    r = client.post(f"/c/{code}/report", data={"message": ""})
    assert r.status_code == 400 and "请填写问题说明" in page_text(r)
    r = client.post(f"/c/{code}/report", data={"message": "人" * 501})
    assert r.status_code == 400 and "最多 500" in page_text(r)
    r = client.post(f"/c/{code}/report", data={"message": "上门人员与登记的检查人员不符"})
    assert r.status_code == 302
    rows = s.exec(select(VisitFeedback).order_by(VisitFeedback.id)).all()
    assert [(f.kind, f.message, f.visit_pk) for f in rows] == [
        ("confirmed", None, visit.id), ("problem", "上门人员与登记的检查人员不符", visit.id)]
    auth.login("planner", role="planner")  # SCJG: the visit's department
    html = page_text(client.get("/planner/feedback"))
    assert "上门人员与登记的检查人员不符" in html and visit.entity_name in html
    assert html.index("feedback-problem") < html.index("feedback-confirmed")  # newest first, highlighted
    problem = rows[1]
    r = client.post(f"/planner/feedback/{problem.id}/seen")
    assert r.status_code == 302
    s.expire_all()
    assert s.get(VisitFeedback, problem.id).seen_at is not None
    assert s.get(VisitFeedback, problem.id).seen_by == "planner"


def test_forms_carry_csrf_tokens_and_need_them(ready, app, client):
    s, _draw, _visit, code = ready
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/c/{code}/confirm").status_code == 400
    html = page_text(client.get(f"/c/{code}"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post(f"/c/{code}/confirm", data={"csrf_token": token}).status_code == 302
    assert len(s.exec(select(VisitFeedback)).all()) == 1


def feedback_on(s, visit):
    s.add(VisitFeedback(visit_pk=visit.id, kind="problem", message="门口的人不是登记的检查人员"))
    s.commit()
    return s.exec(select(VisitFeedback).where(VisitFeedback.visit_pk == visit.id)).first()


def test_planner_feedback_by_department_and_role(ready, app, client, auth):
    s, _draw, visit, _code = ready  # a SCJG-only visit
    row = feedback_on(s, visit)
    assert client.get("/planner/feedback").headers["Location"].split("?")[0].endswith("/login")
    assert client.post(f"/planner/feedback/{row.id}/seen").headers["Location"].split("?")[0].endswith("/login")
    auth.create("insp", "inspector", inspector=visit.team[0])
    auth.login("insp")
    assert client.get("/planner/feedback").status_code == 403
    assert client.post(f"/planner/feedback/{row.id}/seen").status_code == 403
    client.post("/logout")
    auth.login("cgj", role="planner", department="CGJ")  # another department
    html = page_text(client.get("/planner/feedback"))
    assert "门口的人不是登记的检查人员" not in html and visit.entity_name not in html
    assert client.post(f"/planner/feedback/{row.id}/seen").status_code == 404
    client.post("/logout")
    auth.login("planner", role="planner")  # SCJG
    assert "门口的人不是登记的检查人员" in page_text(client.get("/planner/feedback"))
    client.post("/logout")
    auth.login("admin", role="admin")
    assert "门口的人不是登记的检查人员" in page_text(client.get("/planner/feedback"))
    assert client.post(f"/planner/feedback/{row.id}/seen").status_code == 302
    assert client.post("/planner/feedback/999999/seen").status_code == 404


def test_joint_visit_feedback_shows_to_each_department(sealed, client, auth, monkeypatch):
    s, _plan, _tasks, draw = sealed
    visit = joint_visit(s, draw)
    feedback_on(s, visit)
    auth.login("cgj", role="planner", department="CGJ")
    assert "门口的人不是登记的检查人员" in page_text(client.get("/planner/feedback"))


def test_the_public_page_is_the_same_for_every_role(ready, client, auth):
    s, _draw, visit, code = ready
    other = next(v for v in visits_of(s, _draw) if v.team and visit.team[0] not in v.team)
    auth.create("insp", "inspector", inspector=visit.team[0])
    auth.create("other", "inspector", inspector=other.team[0])
    for login in (None, ("insp", "inspector"), ("other", "inspector"), ("planner", "planner"),
                  ("cgj", "planner"), ("admin", "admin")):
        client.post("/logout")
        if login:
            kw = {"department": "CGJ"} if login[0] == "cgj" else {}
            auth.login(login[0], role=login[1], **kw)
        r = client.get(f"/c/{code}")
        assert r.status_code == 200 and visit.entity_name in page_text(r), login
        assert client.get("/c/" + "0" * 28).status_code == 404


def test_the_qr_image_goes_to_the_team_only(ready, client, auth):
    s, draw, visit, code = ready
    other = next(v for v in visits_of(s, draw) if v.team and visit.team[0] not in v.team)
    url = f"/inspector/visits/{visit.id}/check-code.svg"
    r = client.get(url)
    assert r.status_code == 302 and r.headers["Location"].split("?")[0].endswith("/login")
    auth.create("insp", "inspector", inspector=visit.team[0])
    auth.create("other", "inspector", inspector=other.team[0])
    auth.login("insp")
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "image/svg+xml" and r.data.startswith(b"<svg")
    assert r.headers["Cache-Control"] == "no-store"
    assert client.get("/inspector/visits/999999/check-code.svg").status_code == 404
    assert client.get(f"/inspector/visits/{other.id}/check-code.svg").status_code == 404
    client.post("/logout")
    auth.login("other")
    assert client.get(url).status_code == 404
    assert client.get(f"/inspector/visits/{other.id}/check-code.svg").status_code in (200, 404)
    for name, role, kw in (("planner", "planner", {}), ("cgj", "planner", {"department": "CGJ"}),
                           ("admin", "admin", {})):
        client.post("/logout")
        auth.login(name, role=role, **kw)
        assert client.get(url).status_code in (403, 404), name


def test_the_qr_image_is_hidden_before_the_visible_date(sealed, client, auth, monkeypatch):
    s, _plan, _tasks, draw = sealed
    visit = max(visits_of(s, draw), key=lambda v: v.day)
    set_today(monkeypatch, visit_access.visible_from(s, visit.day) - timedelta(days=1))
    auth.create("insp", "inspector", inspector=visit.team[0])
    auth.login("insp")
    assert client.get(f"/inspector/visits/{visit.id}/check-code.svg").status_code == 404


def test_the_team_partial_shows_image_url_and_grouped_code(ready, app, client, auth):
    from flask import g, render_template_string

    from inspect_app.db import get_session
    from inspect_app.models import Draw, DrawVisit, User

    s, draw, visit, code = ready
    auth.create("insp", "inspector", inspector=visit.team[0])
    with app.test_request_context("/inspector/"):
        session = get_session()
        g.user = session.exec(select(User).where(User.username == "insp")).one()
        html = render_template_string('{% include "inspector/_check_code.html" ignore missing %}',
                                      visit=session.get(DrawVisit, visit.id), draw=session.get(Draw, draw.id))
    assert f'src="/inspector/visits/{visit.id}/check-code.svg"' in html
    assert check_codes.grouped(code) in html and f"http://localhost/c/{code}" in html
    app.config["CHECK_CODE_BASE_URL"] = "https://jc.example.gov.cn/"
    with app.test_request_context("/inspector/"):
        session = get_session()
        html = render_template_string('{% include "inspector/_check_code.html" %}',
                                      visit=session.get(DrawVisit, visit.id), draw=session.get(Draw, draw.id))
    assert f"https://jc.example.gov.cn/c/{code}" in html


def test_the_svg_encodes_the_public_url(ready, app, client, auth):
    s, _draw, visit, code = ready
    auth.create("insp", "inspector", inspector=visit.team[0])
    auth.login("insp")
    svg = client.get(f"/inspector/visits/{visit.id}/check-code.svg").data
    assert svg == check_codes.qr_svg(f"http://localhost/c/{code}")
