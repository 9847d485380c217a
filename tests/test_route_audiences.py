"""Every route of the app is tried by some test for every role and
anonymous access (the house rule for new routes).

The sweeps walk ``app.url_map`` per blueprint: ``public`` in
tests/publication/test_public_sweep.py, ``planner``, ``admin`` and
``inspector`` in tests/test_access.py, ``check`` in
tests/checkcode/test_check_code_routes.py, and ``auth`` here. A blueprint
that none of them walks — a new audience, e.g. an API — fails
:func:`test_every_blueprint_is_swept` with its endpoints named, until it is
added to a sweep and to :data:`SWEPT`.
"""

from __future__ import annotations

import pytest

PASSWORD = "correct-horse"

# blueprint → the test that tries each of its routes for every role and anonymous
SWEPT = {
    "public": "tests/publication/test_public_sweep.py",
    "planner": "tests/test_access.py",
    "admin": "tests/test_access.py",
    "inspector": "tests/test_access.py",
    "check": "tests/checkcode/test_check_code_routes.py",
    "auth": "tests/test_route_audiences.py",
    "api": "tests/api/test_api_matrix.py",  # every operation × six callers; docs and spec here
    "openapi": "tests/test_route_audiences.py",  # apiflask's /api/v1/openapi.json
}
NOT_A_PAGE = {"static"}  # the static files (CSS, JS, fonts): the same for everyone


def unswept(app) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_A_PAGE:
            continue
        blueprint = rule.endpoint.split(".", 1)[0] if "." in rule.endpoint else "(no blueprint)"
        if blueprint not in SWEPT:
            out.setdefault(blueprint, []).append(f"{rule.endpoint} {rule.rule}")
    return out


def test_every_blueprint_is_swept(app):
    missing = unswept(app)
    assert not missing, "routes no access sweep tries for every role and anonymous " \
        "(add them to a sweep and to SWEPT): " + "; ".join(f"{b}: {', '.join(sorted(e))}" for b, e in missing.items())
    # the sweeps' own checks that they still find their blueprints' routes
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for blueprint in SWEPT:
        assert any(e.startswith(blueprint + ".") for e in endpoints), f"no route of {blueprint}: SWEPT is stale"


def test_a_new_blueprint_is_caught(app):
    from flask import Blueprint

    partner = Blueprint("partner", __name__)
    partner.add_url_rule("/partner/draws/<code>", "draw", lambda code: {"code": code})
    app.register_blueprint(partner)
    app.add_url_rule("/bare", "bare", lambda: "bare")
    assert unswept(app) == {"partner": ["partner.draw /partner/draws/<code>"], "(no blueprint)": ["bare /bare"]}


@pytest.fixture
def clients(app, auth):
    """A client per role (None: anonymous), each logged in through the form."""
    from inspect_app.db import get_session
    from inspect_app.models import Department, District, Inspector

    with app.app_context():
        session = get_session()
        session.add(Department(id="SCJG", name="市场监督管理局"))
        session.add(District(code="350181", name="福清市", level=3))
        session.add(Inspector(id="E001", name="张三", department="SCJG", district="350181"))
        session.commit()
    auth.create("inspector", "inspector", inspector="E001")
    auth.create("planner", "planner", department="SCJG")
    auth.create("admin", "admin")
    out = {}
    for who in (None, "inspector", "planner", "admin"):
        out[who] = c = app.test_client()
        if who is not None:
            assert c.post("/login", data={"username": who, "password": PASSWORD}).status_code == 302
    return out


def test_auth_routes_for_every_role(app, clients):
    """Login is open; the password page is for logged-in users only; the
    language switch and logout are harmless for anyone (a redirect to a
    path of this site)."""
    rules = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("auth.")}
    assert rules == {"auth.login", "auth.logout", "auth.password", "auth.set_language", "auth.tokens",
                     "auth.revoke_token"}, "a new auth route: add its expectations below"
    seen = {}
    for who, c in clients.items():
        seen[who or "anonymous"] = (
            c.get("/account/tokens").status_code,
            c.post("/account/tokens/999999/revoke").status_code,  # nobody's token: 404 for the logged-in
            c.get("/login").status_code,
            c.get("/account/password").status_code,
            c.post("/account/password", data={}).status_code,  # 400 names the empty form's reason
            c.post("/lang/xx", data={"next": "//evil.example"}).headers.get("Location"),
            c.post("/logout").headers.get("Location"),
            c.get("/account/password").headers.get("Location", "").split("?")[0],  # after logout
        )
    assert seen == {
        "anonymous": (302, 302, 200, 302, 302, "/", "/", "/login"),
        "inspector": (200, 404, 200, 200, 400, "/", "/", "/login"),
        "planner": (200, 404, 200, 200, 400, "/", "/", "/login"),
        "admin": (200, 404, 200, 200, 400, "/", "/", "/login"),
    }


def test_the_api_description_is_public_and_the_same_for_everyone(app, clients):
    """The OpenAPI document and its page hold no data: every caller gets the same."""
    answers = {}
    for who, c in clients.items():
        spec, page = c.get("/api/v1/openapi.json"), c.get("/api/v1/docs")
        assert spec.status_code == 200 and page.status_code == 200, who
        answers[who] = (spec.get_data(), page.status_code)
    assert len({a[0] for a in answers.values()}) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_check_code_routes_answer_an_unknown_code_alike_for_everyone(app, clients, method):
    """The deep per-role sweep of the check-code pages is in
    tests/checkcode; here: every check route, every role, one answer to a
    code that does not exist."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("check.") and method in r.methods]
    assert rules
    for who, c in clients.items():
        for rule in rules:
            r = c.open(rule.rule.replace("<code>", "AAAABBBBCCCCDDDDEEEEFFFFGGGG"), method=method, data={})
            assert r.status_code == 404 and "no-store" in r.headers["Cache-Control"], (who, rule.rule)
