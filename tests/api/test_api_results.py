"""Results through the API: an inspector's own visits, drafts (idempotent
by seq), submission (idempotent by key), a planner's review, and the public
record — the same rules as the pages."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import select

from draw_fixtures import inline_jobs, sealed_draw
from inspect_app.models import DrawVisit, Inspector, PublishedResult
from inspect_app.services import draws, results, visit_access
from inspect_app.visit_models import ResultEvent, VisitResult

from .api_fixtures import bearer, token_for


@pytest.fixture
def app(app, tmp_path):
    return inline_jobs(app, tmp_path)


@dataclass
class Team:
    session: object
    draw: object
    visit: DrawVisit
    lead: str
    member: str
    outsider: str
    planner: str  # a planner of the lead department (SCJG)
    other_planner: str  # a planner of CGJ
    items: list[int]


@pytest.fixture
def team(app, db_session, monkeypatch) -> Team:
    session, _plan, _tasks, draw = sealed_draw(db_session, app)
    visits = session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id)
                          .order_by(DrawVisit.day, DrawVisit.id)).all()
    visit = next(v for v in visits if "T2" in (v.tasks or []) and len(v.team or []) >= 2)
    monkeypatch.setattr(draws, "_today", lambda: visit.day)
    lead_id = visit_access.lead_inspector(session, draw, visit)
    member_id = next(m for m in visit.team if m != lead_id)
    outsider_id = next(i for i in session.exec(select(Inspector.id).order_by(Inspector.id)) if i not in visit.team)
    tokens = [token_for(app, f"u{i.lower()}", "inspector", inspector=i) for i in (lead_id, member_id, outsider_id)]
    items = [i.id for i in results.visit_items(session, draw, visit)]
    return Team(session, draw, visit, *tokens, token_for(app, "p_scjg", "planner", department="SCJG"),
                token_for(app, "p_cgj", "planner", department="CGJ"), items)


def draft(client, team, token, seq, codes=None, **extra):
    body = {"seq": seq, "completed_on": team.visit.day.isoformat(),
            "items": {str(i): {"code": (codes or {}).get(i, "01")} for i in team.items}, **extra}
    return client.post(f"/api/v1/my/visits/{team.visit.id}/draft", json=body, headers=bearer(token))


def test_my_visits_lists_only_the_team_and_hides_others(client, team):
    mine = client.get("/api/v1/my/visits", headers=bearer(team.lead)).get_json()
    assert team.visit.id in [v["id"] for v in mine["items"]]
    detail = client.get(f"/api/v1/my/visits/{team.visit.id}", headers=bearer(team.member)).get_json()
    assert detail["i_lead"] is False and detail["result"] is None
    assert sorted(i["id"] for i in detail["items"]) == sorted(team.items)
    outsider = client.get(f"/api/v1/my/visits/{team.visit.id}", headers=bearer(team.outsider))
    missing = client.get("/api/v1/my/visits/999999", headers=bearer(team.outsider))
    assert outsider.status_code == missing.status_code == 404
    assert outsider.get_json() == missing.get_json()  # the answer does not confirm the visit exists
    assert team.visit.id not in [v["id"] for v in client.get(
        "/api/v1/my/visits", headers=bearer(team.outsider)).get_json()["items"]]
    assert client.get("/api/v1/my/visits", headers=bearer(team.planner)).status_code == 403


def test_before_the_visible_day_the_visit_is_hidden(client, team, monkeypatch):
    from datetime import timedelta

    monkeypatch.setattr(draws, "_today", lambda: team.visit.day - timedelta(days=30))
    assert client.get(f"/api/v1/my/visits/{team.visit.id}", headers=bearer(team.lead)).status_code == 404
    assert team.visit.id not in [v["id"] for v in client.get(
        "/api/v1/my/visits", headers=bearer(team.lead)).get_json()["items"]]


def test_drafts_are_idempotent_by_seq_and_validated(client, team):
    first = draft(client, team, team.member, 1)
    assert first.status_code == 200 and first.get_json() == {"saved": 1, "state": "draft", "changed": True}
    again = draft(client, team, team.member, 1, codes={team.items[0]: "04"})
    assert again.get_json() == {"saved": 1, "state": "draft", "changed": False}
    bad = draft(client, team, team.member, 2, codes={team.items[0]: "99"})
    assert bad.status_code == 422 and bad.get_json()["code"] == "rule_refused"
    assert bad.get_json()["errors"][0]["path"] == f"$.items.{team.items[0]}.code"
    stored = results.current_result(team.session, team.visit.id)
    team.session.refresh(stored)
    assert stored.saved_seq == 1
    unknown = client.post(f"/api/v1/my/visits/{team.visit.id}/draft", json={"seq": 3, "colour": 1},
                          headers=bearer(team.member))
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["path"] == "$.colour"
    assert draft(client, team, team.outsider, 5).status_code == 404


def test_submit_by_the_lead_is_idempotent_by_key(client, team):
    assert draft(client, team, team.member, 1).status_code == 200
    url = f"/api/v1/my/visits/{team.visit.id}/submit"
    refused = client.post(url, json={"idempotency_key": "k1"}, headers=bearer(team.member))
    assert refused.status_code == 403
    first = client.post(url, json={"idempotency_key": "k1"}, headers=bearer(team.lead))
    assert first.status_code == 200 and first.get_json()["state"] == "submitted"
    replay = client.post(url, json={"idempotency_key": "k1"}, headers=bearer(team.lead))
    assert replay.status_code == 200 and replay.get_json() == first.get_json()
    other = client.post(url, json={"idempotency_key": "k2"}, headers=bearer(team.lead))
    assert other.status_code == 409 and other.get_json()["code"] == "conflict"
    events = team.session.exec(select(ResultEvent).where(ResultEvent.visit_pk == team.visit.id,
                                                         ResultEvent.action == "submitted")).all()
    assert len(events) == 1
    assert draft(client, team, team.member, 9).status_code == 409  # locked after submission
    assert client.post(url, json={}, headers=bearer(team.lead)).status_code == 422


def test_incomplete_results_are_refused_with_every_field(client, team):
    client.post(f"/api/v1/my/visits/{team.visit.id}/draft", json={"seq": 1}, headers=bearer(team.lead))
    response = client.post(f"/api/v1/my/visits/{team.visit.id}/submit", json={"idempotency_key": "k"},
                           headers=bearer(team.lead))
    assert response.status_code == 422
    assert "$.completed_on" in [e["path"] for e in response.get_json()["errors"]]
    assert results.current_result(team.session, team.visit.id).state == "draft"


def _submitted(client, team):
    draft(client, team, team.member, 1)
    response = client.post(f"/api/v1/my/visits/{team.visit.id}/submit", json={"idempotency_key": "s"},
                           headers=bearer(team.lead))
    assert response.status_code == 200


def test_review_return_then_approve_publishes(client, team):
    _submitted(client, team)
    review = client.get(f"/api/v1/results/{team.visit.id}", headers=bearer(team.planner)).get_json()
    assert review["may_review"] is True and review["result"]["state"] == "submitted"
    assert [e["action"] for e in review["trail"]][-1] == "submitted"
    progress = client.get(f"/api/v1/draws/{team.draw.id}/results?state=submitted",
                          headers=bearer(team.planner)).get_json()
    assert [r["visit"] for r in progress["items"]] == [team.visit.id]
    # Another department's planner may read but not decide.
    assert client.post(f"/api/v1/results/{team.visit.id}/approve", headers=bearer(team.other_planner)).status_code \
        == 403
    returned = client.post(f"/api/v1/results/{team.visit.id}/return", json={"reason": "请补充备注"},
                           headers=bearer(team.planner))
    assert returned.status_code == 200 and returned.get_json()["state"] == "returned"
    assert client.post(f"/api/v1/results/{team.visit.id}/approve", headers=bearer(team.planner)).status_code == 409
    assert draft(client, team, team.member, 2).get_json()["state"] == "returned"
    assert client.post(f"/api/v1/my/visits/{team.visit.id}/submit", json={"idempotency_key": "s2"},
                       headers=bearer(team.lead)).status_code == 200
    public_before = client.get("/api/v1/public/results").get_json()
    assert all(t["records"] == 0 for p in public_before["items"] for t in p["tasks"])
    approved = client.post(f"/api/v1/results/{team.visit.id}/approve", headers=bearer(team.planner))
    assert approved.status_code == 200 and approved.get_json()["state"] == "approved"
    record_id = client.get(f"/api/v1/results/{team.visit.id}", headers=bearer(team.planner)).get_json()["published"]
    record = client.get(f"/api/v1/public/results/{record_id}").get_json()
    assert record["record"]["uscc"] == team.visit.uscc and record["record"]["items"]
    assert all(i["result"] for i in record["record"]["items"])
    task_ids = [t["id"] for p in client.get("/api/v1/public/results").get_json()["items"] for t in p["tasks"]
                if t["records"]]
    assert task_ids
    bulletin = client.get(f"/api/v1/public/results/tasks/{task_ids[0]}").get_json()
    assert [r["id"] for r in bulletin["records"]] == [record_id] and bulletin["title"]


def test_unpublished_results_do_not_leak_publicly(client, team):
    _submitted(client, team)
    assert client.get("/api/v1/public/results/1").status_code == 404
    assert team.session.exec(select(PublishedResult)).first() is None
    index = client.get("/api/v1/public/results")
    text = index.get_data(as_text=True)
    assert team.visit.uscc not in text and team.visit.entity_name not in text
    for task in [t for p in index.get_json()["items"] for t in p["tasks"]]:
        page = client.get(f"/api/v1/public/results/tasks/{task['id']}").get_data(as_text=True)
        assert team.visit.uscc not in page


def test_revise_makes_a_new_draft_revision(client, team):
    _submitted(client, team)
    url = f"/api/v1/my/visits/{team.visit.id}/revise"
    assert client.post(url, json={"reason": ""}, headers=bearer(team.lead)).status_code == 422
    revised = client.post(url, json={"reason": "记错了日期"}, headers=bearer(team.lead))
    assert revised.status_code == 200 and revised.get_json()["revision"] == 2
    assert team.session.exec(select(VisitResult).where(VisitResult.visit_pk == team.visit.id)).all()
