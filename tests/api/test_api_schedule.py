"""A draw's schedule through the API: the schedule pages' service and
filters; bad queries are problem+json."""

from __future__ import annotations

import pytest
from sqlmodel import select

from draw_fixtures import inline_jobs, sealed_draw
from inspect_app.models import DrawVisit

from .api_fixtures import bearer, token_for


@pytest.fixture
def app(app, tmp_path):
    return inline_jobs(app, tmp_path)


@pytest.fixture
def world(app, db_session):
    s, _plan, _tasks, draw = sealed_draw(db_session, app)
    visits = s.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id, DrawVisit.current.is_(True))).all()
    return draw, visits, token_for(app, "p_scjg", "planner", department="SCJG")


def test_the_whole_schedule_and_filters(client, world):
    draw, visits, token = world
    body = client.get(f"/api/v1/draws/{draw.id}/schedule?limit=1000", headers=bearer(token)).get_json()
    assert body["visits"] == len(visits) == len(body["items"]) and body["pages"] == 1
    assert {i["visit"] for i in body["items"]} == {v.id for v in visits}
    assert sum(body["per_day"].values()) == len(visits)
    assert body["joint"] == sum(1 for v in visits if len(v.departments) > 1)
    cgj = client.get(f"/api/v1/draws/{draw.id}/schedule?department=CGJ&limit=1000", headers=bearer(token)).get_json()
    assert {i["visit"] for i in cgj["items"]} == {v.id for v in visits if "CGJ" in v.departments}
    member = visits[0].team[0]
    one = client.get(f"/api/v1/draws/{draw.id}/schedule?inspector={member}&limit=1000",
                     headers=bearer(token)).get_json()
    assert {i["visit"] for i in one["items"]} == {v.id for v in visits if member in v.team}
    day = visits[0].day
    on_day = client.get(f"/api/v1/draws/{draw.id}/schedule?day={day.isoformat()}", headers=bearer(token)).get_json()
    assert on_day["visits"] == sum(1 for v in visits if v.day == day)
    paged = client.get(f"/api/v1/draws/{draw.id}/schedule?limit=2&page=2", headers=bearer(token)).get_json()
    assert paged["page"] == 2 and len(paged["items"]) == 2
    assert [i["visit"] for i in paged["items"]] == [i["visit"] for i in body["items"][2:4]]


@pytest.mark.parametrize("query", ["day=2030-13-01", "limit=0", "limit=1001", "page=0", "unknown=1",
                                   "district=" + "1" * 13])
def test_bad_queries(client, world, query):
    draw, _visits, token = world
    r = client.get(f"/api/v1/draws/{draw.id}/schedule?{query}", headers=bearer(token))
    assert r.status_code == 422 and r.get_json()["code"] == "validation_failed"


def test_unknown_draw(client, world):
    _draw, _visits, token = world
    r = client.get("/api/v1/draws/99999/schedule", headers=bearer(token))
    assert r.status_code == 404 and r.get_json()["code"] == "not_found"
