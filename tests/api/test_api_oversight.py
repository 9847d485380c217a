"""The planner's oversight through the API: entities' feedback (the
planners of the visit's departments, admins all; marking seen is
audit-logged once) and the publication figures — the pages' services."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from draw_fixtures import inline_jobs, sealed_draw
from inspect_app.models import AuditEntry, DrawVisit
from inspect_app.visit_models import VisitFeedback

from .api_fixtures import bearer, token_for


@pytest.fixture
def app(app, tmp_path):
    return inline_jobs(app, tmp_path)


@pytest.fixture
def world(app, db_session):
    s, _plan, _tasks, draw = sealed_draw(db_session, app)
    visits = s.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id).order_by(DrawVisit.id)).all()
    only_scjg = next(v for v in visits if v.departments == ["SCJG"])
    feedback = VisitFeedback(visit_pk=only_scjg.id, kind="problem", message="检查人员未出示证件")
    s.add(feedback)
    s.commit()
    return s, feedback, only_scjg, {
        "scjg": token_for(app, "p_scjg", "planner", department="SCJG"),
        "cgj": token_for(app, "p_cgj", "planner", department="CGJ"),
        "admin": token_for(app, "root", "admin")}


def audit_count(s) -> int:
    s.expire_all()
    return s.exec(select(func.count()).select_from(AuditEntry)).one()


def test_feedback_for_the_visits_departments(client, world):
    s, feedback, visit, tok = world
    for who in ("scjg", "admin"):
        body = client.get("/api/v1/feedback", headers=bearer(tok[who])).get_json()
        assert body["total"] == 1 and body["items"][0]["id"] == feedback.id
        assert body["items"][0]["uscc"] == visit.uscc and body["items"][0]["message"] == "检查人员未出示证件"
    other = client.get("/api/v1/feedback", headers=bearer(tok["cgj"])).get_json()
    assert other == {"total": 0, "page": 1, "pages": 1, "items": []}
    before = audit_count(s)
    r = client.post(f"/api/v1/feedback/{feedback.id}/seen", headers=bearer(tok["cgj"]))
    assert r.status_code == 404 and r.get_json()["code"] == "not_found" and audit_count(s) == before
    r = client.post(f"/api/v1/feedback/{feedback.id}/seen", headers=bearer(tok["scjg"]))
    assert r.status_code == 200 and r.get_json()["seen_by"] == "p_scjg" and audit_count(s) == before + 1
    again = client.post(f"/api/v1/feedback/{feedback.id}/seen", headers=bearer(tok["admin"])).get_json()
    assert again["seen_by"] == "p_scjg" and audit_count(s) == before + 1  # already seen: nothing changes
    assert client.post("/api/v1/feedback/99999/seen", headers=bearer(tok["admin"])).status_code == 404


@pytest.mark.parametrize("query", ["page=0", "page=x", "page=100001", "unknown=1"])
def test_feedback_bad_query(client, world, query):
    _s, _f, _v, tok = world
    r = client.get(f"/api/v1/feedback?{query}", headers=bearer(tok["scjg"]))
    assert r.status_code == 422 and r.get_json()["code"] == "validation_failed"


def test_publication_figures(client, world):
    _s, _f, _v, tok = world
    body = client.get("/api/v1/publication?year=2030", headers=bearer(tok["scjg"])).get_json()
    assert body["year"] == 2030 and 2030 in body["years"]
    assert isinstance(body["departments"], list)
    for query in ("year=1999", "year=2101", "year=abc", "other=1"):
        r = client.get(f"/api/v1/publication?{query}", headers=bearer(tok["scjg"]))
        assert r.status_code == 422 and r.get_json()["code"] == "validation_failed", query
