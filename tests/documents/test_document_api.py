"""Documents through the API (issues 11 and 12): the same rules as the
pages (``services/documents/access.py``), PDF bodies, 202 with a status URL
while the bulletin renders in the background, 503 problem+json when a
rendering failed, 404 problem+json for what the caller may not have."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.api_fixtures import bearer, token_for
from checkcode.helpers import on_visit_day, set_today
from documents.conftest import publish, visits_of
from inspect_app.document_models import Document
from inspect_app.jobs.documents import run_document_job
from inspect_app.services import plans as plan_service
from inspect_app.services import visit_access
from inspect_app.services.documents import cache
from sqlmodel import select

ROLES = ("anonymous", "team", "outsider", "planner", "admin")


@pytest.fixture
def tokens(app, sealed):
    s, _plan, _tasks, draw = sealed
    visit = next(v for v in visits_of(s, draw) if v.team)
    outsider = next(i for i in ("SCJG07", "SCJG06", "CGJ07", "CGJ06") if i not in visit.team)
    return visit, {"anonymous": None,
                   "team": token_for(app, "team", "inspector", inspector=visit.team[0]),
                   "outsider": token_for(app, "outsider", "inspector", inspector=outsider),
                   "planner": token_for(app, "planner", "planner", department="SCJG"),
                   "admin": token_for(app, "boss", "admin")}


def statuses(client, url, tokens) -> dict:
    out = {}
    for who, token in tokens.items():
        r = client.get(url, headers=bearer(token))
        if r.status_code == 200:
            assert r.mimetype == "application/pdf" and r.data.startswith(b"%PDF"), (url, who)
        else:
            assert r.mimetype == "application/problem+json", (url, who, r.data[:200])
        out[who] = r.status_code
    return out


def test_planner_documents(sealed, tokens, client):
    s, plan, _tasks, draw = sealed
    _visit, tok = tokens
    for url in (f"/api/v1/plans/{plan.id}/document", f"/api/v1/draws/{draw.id}/record"):
        assert statuses(client, url, tok) == {"anonymous": 401, "team": 403, "outsider": 403, "planner": 200,
                                              "admin": 200}, url
        r = client.get(url, headers=bearer(tok["planner"]))
        assert r.headers["Cache-Control"] == "no-store"
    for url in ("/api/v1/plans/999/document", "/api/v1/draws/999/record"):
        r = client.get(url, headers=bearer(tok["planner"]))
        assert r.status_code == 404 and r.get_json()["code"] == "not_found"


def test_the_same_rendering_as_the_page(sealed, tokens, client):
    s, plan, _tasks, draw = sealed
    _visit, tok = tokens
    api = client.get(f"/api/v1/public/plans/{plan.id}/document").data
    page = client.get(f"/plans/{plan.id}/document.pdf").data
    assert api == page and len(s.exec(select(Document).where(Document.kind == "plan")).all()) == 1


def test_a_draft_plan_for_planners_only(sealed, tokens, client):
    s, plan, _tasks, _draw = sealed
    _visit, tok = tokens
    draft = plan_service.new_version(s, plan, "补充任务", actor="planner")
    assert client.get(f"/api/v1/plans/{draft.id}/document", headers=bearer(tok["planner"])).status_code == 200
    for token in tok.values():
        r = client.get(f"/api/v1/public/plans/{draft.id}/document", headers=bearer(token))
        assert r.status_code == 404 and r.get_json()["code"] == "not_found"


def test_the_notice_for_the_team_only(sealed, tokens, client, monkeypatch):
    s, _plan, _tasks, _draw = sealed
    visit, tok = tokens
    url = f"/api/v1/my/visits/{visit.id}/notice"
    set_today(monkeypatch, visit_access.visible_from(s, visit.day) - timedelta(days=1))
    assert client.get(url, headers=bearer(tok["team"])).status_code == 404  # not yet visible
    on_visit_day(monkeypatch, s, visit)
    assert statuses(client, url, tok) == {"anonymous": 401, "team": 200, "outsider": 404, "planner": 403,
                                          "admin": 403}
    missing = client.get("/api/v1/my/visits/99999/notice", headers=bearer(tok["team"]))
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"


def test_public_documents_and_what_is_not_public(sealed, tokens, client):
    s, plan, tasks, draw = sealed
    _visit, tok = tokens
    bulletin = f"/api/v1/public/results/tasks/{tasks[0].id}/bulletin"
    assert client.get(bulletin).status_code == 404  # nothing published yet: no bulletin
    assert client.get(f"/api/v1/public/figures/{plan.year}/summary").status_code == 200  # a published plan
    publish(s, draw, tasks[0], rows=3)
    for url in (f"/api/v1/public/plans/{plan.id}/document", f"/api/v1/public/draws/{draw.code}/record",
                bulletin, f"/api/v1/public/figures/{plan.year}/summary",
                f"/api/v1/public/figures/{plan.year}/summary?department=SCJG"):
        assert set(statuses(client, url, tok).values()) == {200}, url
        assert client.get(url).headers["Cache-Control"] == "no-store"
    for url in (f"/api/v1/public/results/tasks/{tasks[1].id}/bulletin", "/api/v1/public/results/tasks/999/bulletin",
                "/api/v1/public/draws/NO-SUCH/record", "/api/v1/public/plans/999/document",
                "/api/v1/public/figures/1999/summary", f"/api/v1/public/figures/{plan.year}/summary?department=XX",
                "/api/v1/public/figures/99999999999/summary"):
        r = client.get(url)
        assert r.status_code == 404 and r.get_json()["code"] == "not_found", url


@pytest.mark.parametrize("query", ["department=" + "x" * 41, "unknown=1"])
def test_bad_summary_query(sealed, client, query):
    _s, plan, _tasks, _draw = sealed
    r = client.get(f"/api/v1/public/figures/{plan.year}/summary?{query}")
    assert r.status_code == 422 and r.get_json()["code"] == "validation_failed"


def test_the_bulletin_answers_202_while_rendering(app, sealed, client, monkeypatch):
    s, _plan, tasks, draw = sealed
    publish(s, draw, tasks[0], rows=3)
    launched = []
    monkeypatch.setattr(cache, "_launch", launched.append)  # the worker has not run yet
    url = f"/api/v1/public/results/tasks/{tasks[0].id}/bulletin"
    r = client.get(url)
    assert r.status_code == 202 and r.mimetype == "application/json"
    body = r.get_json()
    assert body == {"state": "pending", "status_url": url, "retry_after": 5}
    assert r.headers["Location"] == url and r.headers["Retry-After"] == "5"
    assert len(launched) == 1
    assert client.get(body["status_url"]).status_code == 202 and len(launched) == 1  # queued once
    assert run_document_job(app, launched[0])
    done = client.get(body["status_url"])
    assert done.status_code == 200 and done.data.startswith(b"%PDF")


def test_a_failed_rendering_is_a_503_problem(app, sealed, tokens, client, monkeypatch):
    s, _plan, tasks, draw = sealed
    _visit, tok = tokens
    publish(s, draw, tasks[0], rows=3)
    launched = []
    monkeypatch.setattr(cache, "_launch", launched.append)
    url = f"/api/v1/public/results/tasks/{tasks[0].id}/bulletin"
    assert client.get(url).status_code == 202
    cache.fail(s.get_bind(), launched[0], "Traceback\nOSError: /srv/secret/path missing")
    for who in ("anonymous", "planner"):
        r = client.get(url, headers=bearer(tok[who]))
        assert r.status_code == 503 and r.get_json()["code"] == "document_failed", who
        assert r.headers["Retry-After"] == "60"
        assert ("/srv/secret/path" in r.get_json()["detail"]) is False  # public endpoint: no user, no reason
