"""The API's foundation (issue 12): the OpenAPI document and page, tokens
(account page, hashing, expiry, revoke, admin revoke), bearer-only
authentication, CSRF, rate limits and problem+json errors."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Blueprint
from openapi_spec_validator import validate
from sqlmodel import select

from inspect_app import create_app
from inspect_app.db import get_session
from inspect_app.services.rate_limit import WindowLimiter
from inspect_app.token_models import ApiToken

from .api_fixtures import PASSWORD, bearer, make_user, token_for, utc

# Routes under /api/v1/ that are not operations of the document: the
# document itself and the page rendered from it.
NOT_OPERATIONS = {"/api/v1/openapi.json", "/api/v1/docs"}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule)


def api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.rule not in NOT_OPERATIONS:
            yield rule


def undocumented(app, spec) -> list[str]:
    """Every route under /api/v1/ (but the document and its page) whose path
    or method the OpenAPI document lacks."""
    missing = []
    for rule in api_rules(app):
        path = _openapi_path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in spec["paths"].get(path, {}):
                missing.append(f"{method} {rule.rule}")
    return missing


def test_openapi_document_validates_and_lists_every_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert "BearerAuth" in spec["components"]["securitySchemes"]
    assert list(api_rules(app)), "the API has routes"
    assert undocumented(app, spec) == []
    for rule in api_rules(app):
        path = _openapi_path(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            op = spec["paths"][path][method.lower()]
            assert {"200", "201", "202", "204"} & op["responses"].keys(), f"{method} {path}: no success response"
            view = app.view_functions[rule.endpoint]
            secured = bool(getattr(view, "_spec", {}).get("auth"))
            assert bool(op.get("security")) == secured, f"{method} {path}: security"
            for status, response in op["responses"].items():
                if status[0] in "45":
                    assert "application/problem+json" in response["content"], (path, status)


def test_the_completeness_check_catches_an_undocumented_route(database):
    url, engine = database
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": url, "DATABASE_ENGINE": engine})
    extra = Blueprint("extra", __name__)  # a plain blueprint: apiflask leaves it out of the document
    extra.add_url_rule("/api/v1/hidden-extra", "hidden_extra", lambda: {}, methods=["GET", "POST"])
    app.register_blueprint(extra)
    with app.app_context():
        spec = app.spec
    assert undocumented(app, spec) == ["GET /api/v1/hidden-extra", "POST /api/v1/hidden-extra"]


def test_api_page_renders_every_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    for path in spec["paths"]:
        assert f"<code>{path}</code>" in text
    assert "rate_limited" in text  # the error codes are listed


def _create_on_page(client, name="province", expires=""):
    return client.post("/account/tokens", data={"name": name, "expires_at": expires})


def test_token_shown_once_stored_hashed_and_works(app, client, auth):
    auth.login("planner", PASSWORD)
    page = _create_on_page(client)
    assert page.status_code == 200
    secret = re.search(r'id="token-value">(insp_[A-Za-z0-9_-]+)<', page.get_data(as_text=True)).group(1)
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and secret[:12] in again  # only the prefix is shown later
    with app.app_context():
        stored = get_session().exec(select(ApiToken)).one()
        assert stored.token_hash != secret and secret not in (stored.token_hash, stored.prefix)
        assert len(stored.token_hash) == 64
    client.post("/logout")
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200 and me.get_json()["username"] == "planner"
    assert me.headers["Cache-Control"] == "no-store"


def test_token_page_shows_beijing_time(app, client, auth):
    from datetime import date, datetime, timedelta, timezone

    expires = (date.today() + timedelta(days=60)).isoformat()
    auth.login("planner", PASSWORD)
    _create_on_page(client, expires=expires)
    with app.app_context():
        session = get_session()
        stored = session.exec(select(ApiToken)).one()
        stored.created_at = datetime(2026, 12, 7, 20, 30, tzinfo=timezone.utc)  # 04:30 the next day in Beijing
        session.add(stored)
        session.commit()
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "2026-12-08 04:30" in page and "2026-12-07 20:30" not in page
    assert f"{expires} 23:59" in page  # the expiry is the end of that day in Beijing


def test_token_form_refuses_bad_input(client, auth):
    auth.login("planner", PASSWORD)
    assert _create_on_page(client, name="").status_code == 400
    assert _create_on_page(client, name="x" * 65).status_code == 400
    assert _create_on_page(client, expires="2001-01-01").status_code == 400
    assert _create_on_page(client, expires="not a date").status_code == 400
    assert "insp_" not in client.get("/account/tokens").get_data(as_text=True)


def test_revoked_expired_and_inactive_tokens_are_refused(app, client, auth):
    from inspect_app.services import accounts, api_tokens

    revoked = token_for(app, "p1")
    expired = token_for(app, "p2", expires_at=utc(2020, 1, 2), now=utc(2020, 1, 1))
    inactive = token_for(app, "p3")
    live = token_for(app, "p4")
    with app.app_context():
        session = get_session()
        token = session.exec(select(ApiToken).where(ApiToken.token_hash == api_tokens.digest(revoked))).one()
        owner = accounts.get_user(session, token.user_id)
        api_tokens.revoke_token(session, owner, token.id)
        admin_id = make_user(app, "root", "admin")
        accounts.set_active(session, accounts.find_user(session, "p3").id, False, acting_user_id=admin_id)
    for secret in (revoked, expired, inactive, "insp_unknown", "garbage", None):
        response = client.get("/api/v1/me", headers=bearer(secret))
        assert response.status_code == 401, secret
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/me", headers=bearer(live)).status_code == 200


def test_only_owner_or_admin_revokes(app, client, auth):
    mine = token_for(app, "alice")
    other = token_for(app, "bob")
    admin = token_for(app, "root", "admin")
    bob_tokens = client.get("/api/v1/tokens", headers=bearer(other)).get_json()["items"]
    assert client.delete(f"/api/v1/tokens/{bob_tokens[0]['id']}", headers=bearer(mine)).status_code == 404
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{bob_tokens[0]['id']}", headers=bearer(admin))
    assert revoked.status_code == 200 and revoked.get_json()["revoked_by"] == "root"
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 401


def test_admin_page_lists_and_revokes_anyones_token(app, client, auth):
    secret = token_for(app, "carol")
    auth.login("root", PASSWORD, role="admin")
    with app.app_context():
        token = get_session().exec(select(ApiToken)).one()
    page = client.get(f"/admin/users/{token.user_id}").get_data(as_text=True)
    assert token.prefix in page
    assert client.post(f"/admin/users/{token.user_id}/tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert client.post(f"/admin/users/{token.user_id}/tokens/99999/revoke").status_code == 404


def test_account_page_revokes_only_own_tokens(app, client, auth):
    other = token_for(app, "dave")
    auth.login("planner", PASSWORD)
    with app.app_context():
        token = get_session().exec(select(ApiToken)).one()
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_a_session_cookie_does_not_authenticate_the_api(client, auth):
    auth.login("planner", PASSWORD)
    assert client.get("/planner/").status_code == 200
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


@pytest.fixture
def csrf_app(database, tmp_path):
    url, engine = database
    return create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url, "DATABASE_ENGINE": engine,
                       "WTF_CSRF_ENABLED": True})


def test_csrf_guards_cookie_forms_and_not_bearer_calls(csrf_app):
    client = csrf_app.test_client()
    secret = token_for(csrf_app, "erin")
    tokens = client.get("/api/v1/tokens", headers=bearer(secret)).get_json()["items"]
    # A bearer call changes state without a CSRF token …
    assert client.delete(f"/api/v1/tokens/{tokens[0]['id']}", headers=bearer(secret)).status_code == 200
    # … a cookie-authenticated form without one is refused.
    make_user(csrf_app, "frank", "planner")
    login_page = client.get("/login").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    assert client.post("/login", data={"username": "frank", "password": PASSWORD,
                                       "csrf_token": csrf_token}).status_code == 302
    assert client.post("/account/tokens", data={"name": "x"}).status_code == 400
    with csrf_app.app_context():
        assert get_session().exec(select(ApiToken).where(ApiToken.name == "x")).first() is None


def test_errors_are_problem_documents(app, client):
    secret = token_for(app, "gina")
    cases = [
        (client.get("/api/v1/no-such-thing"), 404, "not_found"),
        (client.post("/api/v1/me", headers=bearer(secret)), 405, "method_not_allowed"),
        (client.delete("/api/v1/tokens/424242", headers=bearer(secret)), 404, "not_found"),
        (client.get("/api/v1/tokens/x", headers=bearer(secret)), 404, "not_found"),
    ]
    for response, status, code in cases:
        assert response.status_code == status
        assert response.mimetype == "application/problem+json"
        body = response.get_json()
        assert body["code"] == code and body["status"] == status
        assert {"type", "title", "detail"} <= body.keys()
    # The pages keep their HTML error pages.
    assert client.get("/no-such-page").mimetype == "text/html"


def test_unexpected_errors_are_problem_documents(app, client, monkeypatch):
    from inspect_app.services import api_tokens

    secret = token_for(app, "hank")

    def broken(*_args, **_kw):
        raise RuntimeError("boom: secret internals")

    monkeypatch.setattr(api_tokens, "tokens_of", broken)
    response = client.get("/api/v1/tokens", headers=bearer(secret))
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert "boom" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)


def test_rate_limit_per_token(app, client):
    app.config["API_RATE_LIMIT"] = (3, 60)
    first, second = token_for(app, "ivy"), token_for(app, "jack")
    assert [client.get("/api/v1/me", headers=bearer(first)).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/v1/me", headers=bearer(first))
    assert refused.status_code == 429 and refused.get_json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200  # per token


def test_window_limiter_is_bounded_and_resets():
    limiter = WindowLimiter(2, 10, max_keys=3)
    assert limiter.hit("a", 0)[0] and limiter.hit("a", 1)[0]
    allowed, retry = limiter.hit("a", 2)
    assert not allowed and retry == 8
    assert limiter.hit("a", 10)[0]  # a new window
    for key in "bcdef":
        limiter.hit(key, 11)
    assert len(limiter) == 3


def test_token_expiry_bounds(app):
    from inspect_app.services import api_tokens

    user_id = make_user(app, "kim", "planner")
    with app.app_context():
        session = get_session()
        user = session.get(api_tokens.User, user_id)
        now = utc(2026, 12, 7)
        with pytest.raises(api_tokens.TokenError):
            api_tokens.create_token(session, user, "far", now + timedelta(days=api_tokens.MAX_DAYS + 1), now=now)
        for n in range(api_tokens.MAX_ACTIVE_TOKENS):
            api_tokens.create_token(session, user, f"t{n}", now=now)
        with pytest.raises(api_tokens.TokenError):
            api_tokens.create_token(session, user, "one too many", now=now)
