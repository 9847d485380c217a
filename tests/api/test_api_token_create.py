"""POST /api/v1/tokens: a token holder creates a token for themselves,
shown once, stored hashed, audit-logged; the account page's rules; bad
bodies are problem+json and change nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import func, select

from inspect_app.db import get_session
from inspect_app.models import AuditEntry
from inspect_app.services import api_tokens
from inspect_app.token_models import ApiToken

from .api_fixtures import bearer, token_for


def counts(app) -> tuple[int, int]:
    with app.app_context():
        s = get_session()
        return (s.exec(select(func.count()).select_from(ApiToken)).one(),
                s.exec(select(func.count()).select_from(AuditEntry)).one())


@pytest.mark.parametrize("role", ["planner", "admin"])
def test_create_for_oneself_shown_once(app, client, role):
    token = token_for(app, f"who_{role}", role)
    before = counts(app)
    day = date.today() + timedelta(days=30)
    r = client.post("/api/v1/tokens", json={"name": "  platform  ", "expires_on": day.isoformat()},
                    headers=bearer(token))
    assert r.status_code == 201, r.data
    body = r.get_json()
    secret = body["token"]
    assert secret.startswith("insp_") and body["prefix"] == secret[:12] and body["name"] == "platform"
    assert body["active"] is True and "token_hash" not in body
    assert counts(app) == (before[0] + 1, before[1] + 1)
    with app.app_context():
        s = get_session()
        row = s.get(ApiToken, body["id"])
        assert row.token_hash == api_tokens.digest(secret) and secret not in (row.name, row.prefix)
        assert api_tokens._aware(row.expires_at) == api_tokens.end_of_day(day)
        entry = s.exec(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry.action == "account.token_created" and str(body["id"]) == entry.object_id
        assert secret not in entry.details
    me = client.get("/api/v1/me", headers=bearer(secret)).get_json()
    assert me["username"] == f"who_{role}"  # the new token works, as its creator
    listed = client.get("/api/v1/tokens", headers=bearer(token)).get_data(as_text=True)
    assert secret not in listed and body["prefix"] in listed


@pytest.mark.parametrize("body, path", [
    ({}, "name"),
    ({"name": 5}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "ok", "expires_on": "2026-13-01"}, "expires_on"),
    ({"name": "ok", "expires_on": 20260101}, "expires_on"),
    ({"name": "ok", "user": "root"}, "user"),
    (["name"], ""),
])
def test_bad_bodies_change_nothing(app, client, body, path):
    token = token_for(app, "p1", "planner")
    before = counts(app)
    r = client.post("/api/v1/tokens", json=body, headers=bearer(token))
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    problem = r.get_json()
    assert problem["code"] == "validation_failed"
    assert any(path in e["path"] for e in problem["errors"]), problem
    assert counts(app) == before


def test_malformed_json_changes_nothing(app, client):
    token = token_for(app, "p1", "planner")
    before = counts(app)
    r = client.post("/api/v1/tokens", data=b'{"name": ', headers={**bearer(token), "Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json()["code"] == "malformed_json"
    assert counts(app) == before


@pytest.mark.parametrize("body, path", [
    ({"name": "x" * 65}, "$.name"),
    ({"name": "bad\x07name"}, "$.name"),
    ({"name": "   "}, "$.name"),
    ({"name": "past", "expires_on": "2020-01-01"}, "$.expires_on"),
    ({"name": "far", "expires_on": (date.today() + timedelta(days=800)).isoformat()}, "$.expires_on"),
])
def test_the_services_rules_refuse(app, client, body, path):
    token = token_for(app, "p1", "planner")
    before = counts(app)
    r = client.post("/api/v1/tokens", json=body, headers=bearer(token))
    assert r.status_code == 422 and r.get_json()["code"] == "rule_refused"
    assert [e["path"] for e in r.get_json()["errors"]] == [path]
    assert counts(app) == before


def test_at_most_twenty_active(app, client):
    token = token_for(app, "p1", "planner")
    for n in range(api_tokens.MAX_ACTIVE_TOKENS - 1):
        assert client.post("/api/v1/tokens", json={"name": f"t{n}"}, headers=bearer(token)).status_code == 201
    before = counts(app)
    r = client.post("/api/v1/tokens", json={"name": "one too many"}, headers=bearer(token))
    assert r.status_code == 422 and r.get_json()["code"] == "rule_refused"
    assert counts(app) == before


def test_anonymous_and_revoked_cannot_create(app, client):
    token = token_for(app, "p1", "planner")
    before = counts(app)
    assert client.post("/api/v1/tokens", json={"name": "x"}).status_code == 401
    with app.app_context():
        s = get_session()
        row = s.exec(select(ApiToken).where(ApiToken.token_hash == api_tokens.digest(token))).one()
        api_tokens.revoke_token(s, s.get(api_tokens.User, row.user_id), row.id,
                                now=datetime.now(timezone.utc))
    before = counts(app)
    assert client.post("/api/v1/tokens", json={"name": "x"}, headers=bearer(token)).status_code == 401
    assert counts(app) == before
