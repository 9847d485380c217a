"""Every endpoint of the API × every kind of caller (issue 12): anonymous,
inspector, planner, admin, a revoked token and an expired token. The
endpoints come from ``app.url_map`` and the roles each declares to apiflask,
so a new endpoint cannot be forgotten. No response may carry an unrevealed
draw's outcome or secret, nor a result that is not published, to anyone
not allowed to see it."""

from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlmodel import select

from documents.pdf_checks import text_of
from draw_fixtures import inline_jobs, sealed_draw
from inspect_app.db import get_session
from inspect_app.models import DrawVisit, Inspector, User
from inspect_app.services import api_tokens, draw_runs, draws, results, visit_access
from inspect_app.token_models import ApiToken
from inspect_app.visit_models import VisitFeedback

from .api_fixtures import bearer, token_for, utc
from .test_api_foundation import NOT_OPERATIONS

ROLES = ("anonymous", "inspector", "planner", "admin", "revoked", "expired")
UNPUBLISHED = "UNPUBLISHED-REMARK-7d1c"


@pytest.fixture
def world(app, db_session, tmp_path, monkeypatch):
    inline_jobs(app, tmp_path)
    session, plan, tasks, draw = sealed_draw(db_session, app)
    visits = session.exec(select(DrawVisit).where(DrawVisit.draw_id == draw.id).order_by(DrawVisit.day)).all()
    visit = visits[0]
    monkeypatch.setattr(draws, "_today", lambda: visit.day)
    lead = visit_access.lead_inspector(session, draw, visit)
    tokens = {
        "anonymous": None,
        "inspector": token_for(app, "u_lead", "inspector", inspector=lead),
        "planner": token_for(app, "p_scjg", "planner", department="SCJG"),
        "admin": token_for(app, "root", "admin"),
        "revoked": token_for(app, "p_revoked", "planner", department="SCJG"),
        "expired": token_for(app, "p_expired", "planner", department="SCJG", expires_at=utc(2020, 1, 2),
                             now=utc(2020, 1, 1)),
    }
    spare = token_for(app, "spare", "planner", department="SCJG")
    with app.app_context():
        s = get_session()
        feedback = VisitFeedback(visit_pk=visit.id, kind="confirmed")
        s.add(feedback)
        s.commit()
        feedback_id = feedback.id
        row = s.exec(select(ApiToken).where(ApiToken.token_hash == api_tokens.digest(tokens["revoked"]))).one()
        api_tokens.revoke_token(s, s.get(User, row.user_id), row.id)
        spare_id = s.exec(select(ApiToken.id).where(ApiToken.token_hash == api_tokens.digest(spare))).one()
        # A submitted, unapproved result with a remark only the team and planners may read.
        user = s.exec(select(User).where(User.username == "u_lead")).one()
        items = [i.id for i in results.visit_items(s, draw, visit)]
        results.save_draft(s, user, visit.id, {"completed_on": visit.day.isoformat(), "items": {
            str(i): {"code": "0304", "remark": UNPUBLISHED} for i in items}}, 1)
        results.submit(s, user, visit.id)
    values = {"draw_id": draw.id, "plan_id": plan.id, "task_id": tasks[0].id, "visit_pk": visit.id,
              "token_id": spare_id, "published_id": 1, "code": draw.code, "kind": "entities", "year": plan.year,
              "feedback_id": feedback_id, "rect_id": 1, "key": "X",
              "name": "outcome_json"}
    secret = draw_runs.secret_of(draw).hex()
    drawn = [v.uscc for v in visits]
    team_visible = {v.uscc for v in visits if lead in v.team}
    return tokens, values, {"secret": secret, "drawn": drawn, "team_visible": team_visible, "draw": draw,
                            "visit": visit}


def operations(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1/") or rule.rule in NOT_OPERATIONS:
            continue
        spec = getattr(app.view_functions[rule.endpoint], "_spec", {})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, bool(spec.get("auth")), tuple(spec.get("roles") or ())


def expected(secured: bool, roles: tuple, who: str) -> str:
    """'ok' (anything but 401 or a role refusal), 401 or 403."""
    if not secured:
        return "ok"
    if who in ("anonymous", "revoked", "expired"):
        return "401"
    if not roles:
        return "ok"
    allowed = set(roles) | ({"admin"} if "planner" in roles else set())
    return "ok" if who in allowed else "403"


def test_every_endpoint_for_every_caller(app, client, world):
    tokens, values, confidential = world
    seen = pdfs = 0
    app.config["API_RATE_LIMIT"] = (10_000, 60)
    for rule, method, secured, roles in operations(app):
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
        for who in ROLES:
            kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
            if who == "admin" and method == "DELETE" and "tokens" in rule.rule:
                continue  # would revoke the spare token mid-walk; revocation is tested elsewhere
            response = client.open(url, method=method, headers=bearer(tokens[who]), **kwargs)
            status = response.status_code
            if response.mimetype == "application/pdf":  # a document: its text is what could leak
                assert status == 200 and response.data.startswith(b"%PDF"), f"{method} {url} as {who}"
                body, pdfs = text_of(response.data), pdfs + 1
            else:
                body = response.get_data(as_text=True)
            want = expected(secured, roles, who)
            where = f"{method} {url} as {who}: {status} {body[:300]}"
            assert status < 500, where
            if want == "401":
                assert status == 401, where
            elif want == "403":
                assert status == 403 and response.get_json()["code"] == "forbidden", where
            else:
                assert status != 401 and not (status == 403 and response.get_json()["code"] == "forbidden"), where
            if status >= 400 or response.mimetype == "application/json":
                assert response.mimetype in ("application/json", "application/problem+json"), where
            assert_no_leak(who, body, confidential, url)
            seen += 1
    assert seen >= 6 * 40
    # the public plan, draw record and year summary for all six callers (the bulletin: nothing published),
    # the plan and full record for planners and admins, the notice for the visit's team
    assert pdfs >= 3 * 6 + 2 * 2 + 1


def assert_no_leak(who: str, body: str, confidential: dict, url: str) -> None:
    assert confidential["secret"] not in body, f"{url} as {who}: the draw's secret"
    if who in ("planner", "admin"):
        return  # planners review the outcome and the submitted results (as on the pages)
    allowed = confidential["team_visible"] if who == "inspector" else set()
    for uscc in confidential["drawn"]:
        if uscc not in allowed:
            assert uscc not in body, f"{url} as {who}: an unrevealed draw's entity {uscc}"
    if who != "inspector":
        assert UNPUBLISHED not in body, f"{url} as {who}: an unpublished result"


def test_public_endpoints_leak_nothing_before_reveal(app, client, world):
    _tokens, _values, confidential = world
    code = confidential["draw"].code
    for name in ("instance_json", "secret_txt", "outcome_json"):
        assert client.get(f"/api/v1/public/draws/{code}/documents/{name}").status_code == 404
    missing = client.get("/api/v1/public/draws/NO-SUCH/documents/outcome_json")
    assert missing.status_code == 404
    register = client.get(f"/api/v1/public/draws/{code}").get_json()
    assert register["documents"] == [] and register["revealed"] is False
    everything = client.get("/api/v1/public/draws").get_data(as_text=True) + \
        client.get("/api/v1/public/results").get_data(as_text=True)
    for uscc in confidential["drawn"]:
        assert uscc not in everything
    assert UNPUBLISHED not in everything


def test_an_inspector_outside_the_team_sees_nothing_of_the_visit(app, client, world):
    _tokens, _values, confidential = world
    visit = confidential["visit"]
    with app.app_context():
        outsider = next(i for i in get_session().exec(select(Inspector.id)) if i not in visit.team)
    token = token_for(app, "u_out", "inspector", inspector=outsider)
    for url in (f"/api/v1/my/visits/{visit.id}", f"/api/v1/draws/{visit.draw_id}/outcome",
                f"/api/v1/results/{visit.id}", f"/api/v1/draws/{visit.draw_id}"):
        response = client.get(url, headers=bearer(token))
        assert response.status_code in (403, 404)
        assert visit.uscc not in response.get_data(as_text=True) and UNPUBLISHED not in response.get_data(as_text=True)
    listed = client.get("/api/v1/my/visits", headers=bearer(token)).get_data(as_text=True)
    assert visit.uscc not in listed


def test_matrix_covers_every_api_rule(app):
    rules = {r.rule for r, *_ in operations(app)}
    assert rules == {r.rule for r in app.url_map.iter_rules()
                     if r.rule.startswith("/api/v1/") and r.rule not in NOT_OPERATIONS}
    assert all(re.match(r"^/api/v1/", r) for r in rules)
