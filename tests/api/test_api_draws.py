"""The draw ceremony through the API beyond the whole year: refusals,
redraw of one visit with a reason, cancellation, the trail; and every
endpoint that takes a body refuses malformed JSON, wrong types and unknown
fields with a problem document, changing nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from draw_fixtures import inline_jobs, published_plan, seed_registries
from inspect_app.db import get_session
from inspect_app.models import Draw, DrawEvent, DrawVisit, Plan, Task
from inspect_app.services import draws
from inspect_app.token_models import ApiToken
from inspect_app.visit_models import Rectification, ResultEvent, VisitResult

from .api_fixtures import bearer, token_for
from .test_api_matrix import operations


@pytest.fixture
def ceremony(app, db_session, tmp_path, monkeypatch):
    inline_jobs(app, tmp_path)
    seed_registries(db_session)
    plan, tasks = published_plan(db_session)
    from datetime import date

    monkeypatch.setattr(draws, "_today", lambda: date(2030, 2, 1))
    return plan, tasks, token_for(app, "root", "admin")


def start(client, token, plan, tasks):
    response = client.post(f"/api/v1/plans/{plan.id}/draws", headers=bearer(token), json={
        "tasks": [t.id for t in tasks], "entropy_source": "公证员现场掷骰"})
    assert response.status_code == 202, response.get_json()
    return response.get_json()["draw"]["id"]


def test_ceremony_steps_refuse_out_of_order_and_redraw_one_visit(app, client, ceremony):
    plan, tasks, admin = ceremony
    draw_id = start(client, admin, plan, tasks)
    again = client.post(f"/api/v1/plans/{plan.id}/draws", headers=bearer(admin), json={
        "tasks": [t.id for t in tasks], "entropy_source": "x"})
    assert again.status_code == 409 and again.get_json()["code"] == "conflict"
    early = client.get(f"/api/v1/draws/{draw_id}/outcome", headers=bearer(admin))
    assert early.status_code == 422 and early.get_json()["code"] == "rule_refused"
    assert client.post(f"/api/v1/draws/{draw_id}/seal", headers=bearer(admin)).status_code == 422
    no_witness = client.post(f"/api/v1/draws/{draw_id}/entropy", headers=bearer(admin),
                             json={"entropy": "123456", "witnesses": []})
    assert no_witness.status_code == 422
    drawn = client.post(f"/api/v1/draws/{draw_id}/entropy", headers=bearer(admin), json={
        "entropy": "123456", "witnesses": [{"name": "王公证", "role": "公证员"}, {"name": "李见证", "role": "见证人"}]})
    assert drawn.status_code == 202 and drawn.get_json()["draw"]["state"] == "drawn"
    assert drawn.get_json()["draw"].get("secret_sealed") is None and "instance_path" not in drawn.get_json()["draw"]
    pages, cursor = [], None
    while True:
        page = client.get(f"/api/v1/draws/{draw_id}/outcome?limit=7" + (f"&cursor={cursor}" if cursor else ""),
                          headers=bearer(admin)).get_json()
        pages += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    with app.app_context():
        stored = get_session().exec(select(DrawVisit).where(DrawVisit.draw_id == draw_id)).all()
    assert sorted(v["visit_id"] for v in pages) == sorted(v.visit_id for v in stored)
    assert client.post(f"/api/v1/draws/{draw_id}/seal", headers=bearer(admin)).get_json()["draw"]["state"] == "sealed"
    visit = pages[0]
    no_reason = client.post(f"/api/v1/draws/{draw_id}/redraw", headers=bearer(admin), json={
        "visit_id": visit["visit_id"], "cause": "entity", "reason": "", "entropy_source": "骰子"})
    assert no_reason.status_code == 422
    redraw = client.post(f"/api/v1/draws/{draw_id}/redraw", headers=bearer(admin), json={
        "visit_id": visit["visit_id"], "cause": "entity", "reason": "检查对象已注销", "entropy_source": "公证员掷骰"})
    assert redraw.status_code == 202, redraw.get_json()
    child = redraw.get_json()["draw"]
    assert child["parent_id"] == draw_id and child["redraw_visit"] == visit["visit_id"]
    assert child["redraw_reason"] == "检查对象已注销"
    trail = client.get(f"/api/v1/draws/{draw_id}/trail", headers=bearer(admin)).get_json()["items"]
    requested = [e for e in trail if e["action"] == "redraw_requested"]
    assert len(requested) == 1 and requested[0]["detail"]["reason"] == "检查对象已注销"
    assert client.post(f"/api/v1/draws/{draw_id}/reveal", headers=bearer(admin),
                       json={"reason": "提前", "confirm": True}).status_code == 422  # the window is still open


def test_cancel_needs_a_reason_and_confirmation(app, client, ceremony):
    plan, tasks, admin = ceremony
    draw_id = start(client, admin, plan, tasks)
    url = f"/api/v1/draws/{draw_id}/cancel"
    assert client.post(url, headers=bearer(admin), json={"reason": "录入错误", "confirm": False}).status_code == 422
    assert client.post(url, headers=bearer(admin), json={"reason": "", "confirm": True}).status_code == 422
    done = client.post(url, headers=bearer(admin), json={"reason": "录入错误", "confirm": True})
    assert done.status_code == 200 and done.get_json()["draw"]["cancel_reason"] == "录入错误"


def _snapshot(app) -> list:
    with app.app_context():
        s = get_session()
        return [s.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
                for m in (Plan, Task, Draw, DrawEvent, VisitResult, ResultEvent, ApiToken, Rectification)]


BAD_BODIES = [(b'{"broken', "malformed_json", 400), (b'[1, 2]', "validation_failed", 422),
              (b'{"unknown_field_x": 1}', "validation_failed", 422), (b'"text"', "validation_failed", 422)]


def test_every_body_endpoint_refuses_bad_bodies_and_changes_nothing(app, client, ceremony):
    plan, tasks, admin = ceremony
    draw_id = start(client, admin, plan, tasks)
    with app.app_context():
        visit_pk = get_session().exec(select(DrawVisit.id)).first() or 1
    inspector = token_for(app, "u_insp", "inspector", inspector="SCJG03")
    values = {"draw_id": draw_id, "plan_id": plan.id, "task_id": tasks[0].id, "visit_pk": visit_pk, "token_id": 1,
              "published_id": 1, "code": "X", "kind": "entities", "name": "outcome_json", "rect_id": 1, "key": "X"}
    before = _snapshot(app)
    checked = 0
    from flask import url_for

    for rule, method, secured, roles in operations(app):
        view = app.view_functions[rule.endpoint]
        if method not in ("POST", "PUT", "PATCH") or not view._spec.get("body"):
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
        token = inspector if "inspector" in roles else admin
        for body, code, status in BAD_BODIES:
            response = client.open(url, method=method, data=body, headers={
                **bearer(token), "Content-Type": "application/json"})
            assert response.status_code == status, (url, body, response.get_json())
            assert response.mimetype == "application/problem+json"
            assert response.get_json()["code"] == code, (url, body)
        checked += 1
    assert checked >= 12
    assert _snapshot(app) == before
