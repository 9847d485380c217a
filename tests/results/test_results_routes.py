"""The results routes (views/inspector/results.py): every route × role, the
JSON autosave (idempotent, errors per item and field, 409 once locked), the
CSRF header, and the plain form without JavaScript (save, submit by the
lead, revise)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from inspect_app.services import results
from inspect_app.visit_models import VisitResult

from .conftest import PASSWORD

ROUTES = [("GET", "/inspector/visits/{pk}/results"), ("POST", "/inspector/visits/{pk}/results/draft"),
          ("POST", "/inspector/visits/{pk}/results/submit"), ("POST", "/inspector/visits/{pk}/results/revise")]


def login(client, user):
    r = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert r.status_code in (302, 303), r.text


def send(client, method, url):
    return client.open(url, method=method, data={"csrf_token": "x", "reason": "r"})


def current(team) -> VisitResult:
    team.session.expire_all()
    return results.current_result(team.session, team.visit.id)


@pytest.mark.parametrize("method, path", ROUTES)
def test_anonymous_goes_to_login(team, client, method, path):
    r = send(client, method, path.format(pk=team.visit.id))
    assert r.status_code in (302, 303) and r.headers["Location"].split("?")[0].endswith("/login")


@pytest.mark.parametrize("method, path", ROUTES)
def test_another_teams_inspector_gets_404_like_a_missing_id(team, client, method, path):
    login(client, team.outsider)
    assert send(client, method, path.format(pk=team.visit.id)).status_code == 404
    assert send(client, method, path.format(pk=987654)).status_code == 404
    assert team.session.exec(select(VisitResult)).all() == []


@pytest.mark.parametrize("role", ["planner", "admin"])
@pytest.mark.parametrize("method, path", ROUTES)
def test_planners_and_admins_are_refused_inspector_pages(team, auth, client, method, path, role):
    auth.login(role, role=role)  # the planner of the lead department SCJG
    assert send(client, method, path.format(pk=team.visit.id)).status_code == 403


def test_planner_of_another_department_is_refused_too(team, auth, client):
    auth.login("cgj-planner", role="planner", department="CGJ")
    for method, path in ROUTES:
        assert send(client, method, path.format(pk=team.visit.id)).status_code == 403


def test_team_member_sees_the_form_without_the_submit_button(team, client):
    login(client, team.member)
    r = client.get(f"/inspector/visits/{team.visit.id}/results")
    assert r.status_code == 200
    for item in team.items:
        assert f'name="code-{item}"' in r.text and f'name="remark-{item}"' in r.text
    assert 'id="submit-results"' not in r.text and 'id="lead-submits"' in r.text
    assert "results_form.js" in r.text and "<script>" not in r.text
    assert 'data-text-offline="未保存：网络中断，将自动重试"' in r.text
    login(client, team.lead)
    assert 'id="submit-results"' in client.get(f"/inspector/visits/{team.visit.id}/results").text


def test_json_autosave_is_idempotent_and_names_errors(team, client):
    login(client, team.member)
    url = f"/inspector/visits/{team.visit.id}/results/draft"
    a, b = team.items[0], team.items[1]
    body = {"seq": 1, "completed_on": team.visit.day.isoformat(), "items": {str(a): {"code": "04"}}}
    assert client.post(url, json=body).json == {"saved": 1, "state": "draft", "errors": []}
    body["items"][str(a)]["code"] = "06"
    assert client.post(url, json=body).json == {"saved": 1, "state": "draft", "errors": []}  # a retry
    assert {r.code for r in results.items_of(team.session, current(team)) if r.item_id == a} == {"04"}
    r = client.post(url, json={"seq": 2, "items": {str(b): {"code": "01", "rectify_by": "2030-04-01"}}})
    assert r.status_code == 400
    assert r.json["saved"] == 1 and r.json["state"] == "draft"
    assert [(e["item"], e["field"]) for e in r.json["errors"]] == [(b, "rectify_by")]
    assert client.post(url, data="not json", content_type="application/json").status_code == 400
    r = client.post(url, json={"seq": 3, "items": {str(a): {"remark": "铃\u0007声"}}})
    assert r.status_code == 400 and [(e["item"], e["field"]) for e in r.json["errors"]] == [(a, "remark")]
    assert "U+0007" in r.json["errors"][0]["message"]
    r = client.post(url, json={"seq": 3, "items": {str(a): {"remark": "第一行\n第二行"}}})
    assert r.status_code == 200 and r.json["saved"] == 3


def test_a_deeply_nested_autosave_is_a_400_not_a_500(team, client):
    """2,000 levels of nesting (8 KB, far below the request limit) ran the
    JSON parser into the recursion limit: HTTP 500."""
    login(client, team.member)
    url = f"/inspector/visits/{team.visit.id}/results/draft"
    for body in ('{"seq": 1, "items": ' + '{"a": ' * 2000 + "1" + "}" * 2001, "[" * 100_000 + "]" * 100_000,
                 '{"seq": 1, "items": ' + '{"a": ' * 2000, "[" * 100_000):  # closed, and never closed
        r = client.post(url, data=body, content_type="application/json")
        assert r.status_code == 400 and r.json["message"] == "数据格式不正确", body[:20]
    assert current(team) is None or current(team).saved_seq == 0  # nothing saved
    shallow = {"seq": 1, "items": {str(team.items[0]): {"code": "04"}}}
    assert client.post(url, json=shallow).json == {"saved": 1, "state": "draft", "errors": []}


def test_csrf_header_is_required_for_the_autosave(team, app, client):
    login(client, team.member)
    page = client.get(f"/inspector/visits/{team.visit.id}/results").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/inspector/visits/{team.visit.id}/results/draft"
    assert client.post(url, json={"seq": 1, "items": {}}).status_code == 400
    r = client.post(url, json={"seq": 1, "items": {}}, headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.json["saved"] == 1


def test_plain_form_saves_and_the_lead_submits_without_javascript(team, client):
    a = team.items[0]
    form = {"seq": "1", "completed_on": team.visit.day.isoformat(), f"code-{a}": "02", f"remark-{a}": "无证经营",
            f"rectify_by-{a}": ""}
    login(client, team.member)
    r = client.post(f"/inspector/visits/{team.visit.id}/results/draft", data=form)
    assert r.status_code == 303 and current(team).saved_seq == 1
    r = client.post(f"/inspector/visits/{team.visit.id}/results/submit", data=dict(form, seq="2"))
    assert r.status_code == 403 and "组长" in r.text and current(team).state == "draft"
    login(client, team.lead)
    r = client.post(f"/inspector/visits/{team.visit.id}/results/submit", data=dict(form, seq="2"))
    assert r.status_code == 400 and "责令改正时必须填写整改期限" in r.text
    assert ">无证经营<" in r.text, r.text[r.text.find("remark-"):][:400]  # the input is kept
    deadline = (team.visit.day + timedelta(days=30)).isoformat()
    r = client.post(f"/inspector/visits/{team.visit.id}/results/submit",
                    data=dict(form, seq="3", **{f"rectify_by-{a}": deadline}))
    assert r.status_code == 303
    result = current(team)
    assert (result.state, result.saved_seq) == ("submitted", 3)
    page = client.get(f"/inspector/visits/{team.visit.id}/results").text
    assert "已提交" in page and 'id="submit-results"' not in page and 'id="revise-form"' in page


def test_saves_after_submission_are_refused_with_409(team, client):
    login(client, team.lead)
    url = f"/inspector/visits/{team.visit.id}/results"
    client.post(url + "/draft", json={"seq": 1, "completed_on": team.visit.day.isoformat(), "items": {}})
    assert client.post(url + "/submit", data={}).status_code == 303
    r = client.post(url + "/draft", json={"seq": 2, "items": {str(team.items[0]): {"code": "04"}}})
    assert r.status_code == 409 and "已提交" in r.json["message"] and r.json["state"] == "submitted"
    r = client.post(url + "/draft", data={"seq": "2", f"code-{team.items[0]}": "04"})
    assert r.status_code == 409 and "已提交" in r.text


def test_revise_by_form_and_the_history_shows_both(team, client):
    login(client, team.lead)
    url = f"/inspector/visits/{team.visit.id}/results"
    client.post(url + "/draft", json={"seq": 1, "completed_on": team.visit.day.isoformat(), "items": {}})
    client.post(url + "/submit", data={})
    assert client.post(url + "/revise", data={"reason": ""}).status_code == 400
    assert client.post(url + "/revise", data={"reason": "完成日期填错"}).status_code == 303
    page = client.get(url).text
    assert "第 2 版" in page and "第 1 版" in page and "完成日期填错" in page
    assert [h.revision for h in results.history(team.session, team.visit.id)] == [1, 2]


def test_a_returned_result_shows_its_reason(team, client):
    import sqlalchemy as sa

    login(client, team.lead)
    url = f"/inspector/visits/{team.visit.id}/results"
    client.post(url + "/draft", json={"seq": 1, "completed_on": team.visit.day.isoformat(), "items": {}})
    client.post(url + "/submit", data={})
    team.session.execute(sa.update(VisitResult).values(state="returned", return_reason="请补充第一项的备注"))
    team.session.commit()
    page = client.get(url).text
    assert 'id="return-reason"' in page and "请补充第一项的备注" in page and 'id="submit-results"' in page


def test_the_form_shows_the_stored_values(team, client):
    login(client, team.member)
    a, b = team.items[0], team.items[1]
    url = f"/inspector/visits/{team.visit.id}/results"
    body = {"seq": 1, "completed_on": team.visit.day.isoformat(),
            "items": {str(a): {"code": "0302", "remark": "年报虚假", "rectify_by": "2030-04-15"}}}
    assert client.post(url + "/draft", json=body).status_code == 200
    page = client.get(url).text
    select_a = page[page.index(f'name="code-{a}"'):page.index(f'name="remark-{a}"')]
    assert re.search(r'value="0302"\s+selected', select_a) and not re.search(r'value="01"\s+selected', select_a)
    select_b = page[page.index(f'name="code-{b}"'):page.index(f'name="remark-{b}"')]
    assert re.search(r'value="01"\s+selected', select_b)
    assert ">年报虚假</textarea>" in page and 'value="2030-04-15"' in page
    assert f'name="completed_on" value="{team.visit.day.isoformat()}"' in page


def test_before_the_visibility_date_the_team_gets_404_too(team, client, monkeypatch):
    from inspect_app.services import draws

    login(client, team.member)
    url = f"/inspector/visits/{team.visit.id}/results"
    assert client.get(url).status_code == 200
    monkeypatch.setattr(draws, "_today", lambda: team.visit.day - timedelta(days=30))
    assert client.get(url).status_code == 404
    assert client.post(url + "/draft", json={"seq": 9, "items": {}}).status_code == 404


def test_the_form_in_english(team, client):
    login(client, team.member)
    client.post("/lang/en", data={"next": "/"})
    page = client.get(f"/inspector/visits/{team.visit.id}/results").text
    assert "No problem found" in page and "Violated other provisions" in page
    assert 'data-text-offline="Not saved: connection lost, retrying automatically"' in page
    assert "未发现问题" not in page and "保存草稿" not in page


def test_a_stale_plain_form_is_neither_saved_nor_submitted(team, client):
    a = team.items[0]
    url = f"/inspector/visits/{team.visit.id}/results"
    login(client, team.member)
    client.post(url + "/draft", json={"seq": 4, "completed_on": team.visit.day.isoformat(), "items": {}})
    login(client, team.lead)
    stale = {"seq": "2", "completed_on": team.visit.day.isoformat(), f"code-{a}": "04"}
    r = client.post(url + "/draft", data=stale)
    assert r.status_code == 409 and "页面已过期" in r.text
    assert re.search(r'value="04"\s+selected', r.text)  # the posted values are shown again
    r = client.post(url + "/submit", data=stale)
    assert r.status_code == 409 and current(team).state == "draft"
    r = client.post(url + "/submit", data=dict(stale, seq="5"))
    assert r.status_code == 303 and current(team).state == "submitted"
    assert {i.code for i in results.items_of(team.session, current(team)) if i.item_id == a} == {"04"}


def test_invalid_plain_form_keeps_the_input(team, client):
    a = team.items[0]
    login(client, team.member)
    r = client.post(f"/inspector/visits/{team.visit.id}/results/draft",
                    data={"seq": "1", f"code-{a}": "0301", f"remark-{a}": "未公示年报",
                          "completed_on": (team.visit.day + timedelta(days=1)).isoformat()})
    assert r.status_code == 400 and "完成日期不能晚于今天" in r.text
    assert ">未公示年报</textarea>" in r.text and re.search(r'value="0301"\s+selected', r.text)
    assert current(team).saved_seq == 0
