"""Plans and tasks through the API: the planner pages' rules (drafts only,
scope of the owner department, published items only), preview, publish and
new version."""

from __future__ import annotations

import pytest
from sqlmodel import select

from draw_fixtures import WINDOW, YEAR, item_id, seed_registries
from inspect_app.models import Plan, Task

from .api_fixtures import bearer, token_for


@pytest.fixture
def setup(app, db_session):
    seed_registries(db_session)
    return (db_session, token_for(app, "p_scjg", "planner", department="SCJG"),
            token_for(app, "p_cgj", "planner", department="CGJ"))


def task_body(session, **over):
    body = {"name": "食品经营抽查", "department": "SCJG", "items": [item_id(session, "SCJG-01")],
            "window_start": WINDOW[0].isoformat(), "window_end": WINDOW[1].isoformat(),
            "filter": {"tags_any": ["restaurant"]}, "ratio": {"A": "0.1", "B": "0.2", "C": "0.3", "D": "0.5"},
            "list_ratio": {"abnormal": "1"}}
    return body | over


def test_plan_lifecycle(client, setup):
    session, scjg, cgj = setup
    created = client.post("/api/v1/plans", json={"number": "榕市监〔2030〕1号", "name": "2030年度计划", "year": YEAR},
                          headers=bearer(scjg))
    assert created.status_code == 201
    plan_id = created.get_json()["plan"]["id"]
    assert created.get_json()["plan"]["status"] == "draft"
    empty = client.post(f"/api/v1/plans/{plan_id}/publish", headers=bearer(scjg))
    assert empty.status_code == 422 and empty.get_json()["code"] == "rule_refused"
    task = client.post(f"/api/v1/plans/{plan_id}/tasks", json=task_body(session), headers=bearer(scjg))
    assert task.status_code == 201, task.get_json()
    task_id = task.get_json()["id"]
    edited = client.put(f"/api/v1/tasks/{task_id}", json=task_body(session, name="食品经营许可抽查"),
                        headers=bearer(scjg))
    assert edited.status_code == 200 and edited.get_json()["name"] == "食品经营许可抽查"
    preview = client.get(f"/api/v1/plans/{plan_id}/preview", headers=bearer(scjg)).get_json()
    assert preview["tasks"][0]["population"] > 0 and preview["tasks"][0]["expected_visits"] > 0
    assert client.post(f"/api/v1/plans/{plan_id}/publish", headers=bearer(cgj)).status_code == 403
    published = client.post(f"/api/v1/plans/{plan_id}/publish", headers=bearer(scjg))
    assert published.status_code == 200 and published.get_json()["plan"]["status"] == "published"
    frozen = client.put(f"/api/v1/tasks/{task_id}", json=task_body(session, name="改"), headers=bearer(scjg))
    assert frozen.status_code == 422 and frozen.get_json()["errors"][0]["path"] == "$.plan"
    assert client.delete(f"/api/v1/tasks/{task_id}", headers=bearer(scjg)).status_code == 422
    no_note = client.post(f"/api/v1/plans/{plan_id}/versions", json={"change_note": " "}, headers=bearer(scjg))
    assert no_note.status_code == 422
    version = client.post(f"/api/v1/plans/{plan_id}/versions", json={"change_note": "调整比例"}, headers=bearer(scjg))
    assert version.status_code == 201
    copy = version.get_json()
    assert copy["plan"]["version"] == 2 and len(copy["tasks"]) == 1 and len(copy["versions"]) == 2
    copy_task = copy["tasks"][0]["id"]
    assert client.delete(f"/api/v1/tasks/{copy_task}", headers=bearer(scjg)).status_code == 204
    listed = client.get("/api/v1/plans", headers=bearer(scjg)).get_json()["items"]
    assert {p["version"] for p in listed} == {1, 2}


def test_task_refusals_change_nothing(client, setup):
    session, scjg, cgj = setup
    plan_id = client.post("/api/v1/plans", json={"number": "N1", "name": "计划", "year": YEAR},
                          headers=bearer(scjg)).get_json()["plan"]["id"]
    cases = [
        (task_body(session, items=[item_id(session, "SCJG-99")]), 422),  # unpublished item
        (task_body(session, window_end="2030-02-01"), 422),  # window ends before it starts
        (task_body(session, ratio={"A": "2"}), 422),
        (task_body(session, department="CGJ"), 403),  # outside the caller's department
        (task_body(session, colour="red"), 422),
        (task_body(session, window_start="not a date"), 422),
        (task_body(session, items="1"), 422),
    ]
    for body, status in cases:
        response = client.post(f"/api/v1/plans/{plan_id}/tasks", json=body, headers=bearer(scjg))
        assert response.status_code == status, (body, response.get_json())
        assert response.mimetype == "application/problem+json"
    session.expire_all()
    assert session.exec(select(Task)).all() == []
    duplicate = client.post("/api/v1/plans", json={"number": "N1", "name": "计划", "year": YEAR}, headers=bearer(scjg))
    assert duplicate.status_code == 422
    assert len(session.exec(select(Plan)).all()) == 1
    assert client.get("/api/v1/plans/424242", headers=bearer(scjg)).status_code == 404


def test_huge_ids_are_validation_problems(client, setup):
    session, scjg, _cgj = setup
    plan_id = client.post("/api/v1/plans", json={"number": "N9", "name": "计划", "year": YEAR},
                          headers=bearer(scjg)).get_json()["plan"]["id"]
    for items in ([2**70], [0], [-1]):
        response = client.post(f"/api/v1/plans/{plan_id}/tasks", json=task_body(session, items=items),
                               headers=bearer(scjg))
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
    draw = client.post(f"/api/v1/plans/{plan_id}/draws", json={"tasks": [2**63], "entropy_source": "x"},
                       headers=bearer(scjg))
    assert draw.status_code == 422
