"""Issue 8, item 11: redirects to a user-supplied target stay on this site.

``GET /login?next=%2F%09%2Fevil.example%2Fphish`` then logging in used to
answer ``Location: //evil.example/phish`` (browsers drop the TAB). Login and
the language switch now share ``security.safe_target``."""

from __future__ import annotations

from urllib.parse import quote


HOSTILE = [
    "/\t/evil.example/phish",
    "/\n/evil.example/phish",
    "/\r/evil.example",
    "//evil.example/phish",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    " //evil.example",
    "/%09/evil.example",  # a path on this site (the TAB stays encoded): kept, and harmless
    "evil.example",
    "",
]


def _location(response) -> str:
    return response.headers.get("Location", "")


def _leaves_site(location: str) -> bool:
    cleaned = "".join(c for c in location if c not in "\t\r\n").replace("\\", "/")
    return cleaned.startswith("//") or "://" in cleaned or cleaned.lower().startswith("javascript:") \
        or not cleaned.startswith("/")


def test_login_never_redirects_off_site(app, auth):
    auth.create("planner", "planner")
    for target in HOSTILE:
        client = app.test_client()
        r = client.post("/login?next=" + quote(target, safe=""),
                        data={"username": "planner", "password": "correct-horse"})
        assert r.status_code == 302
        location = _location(r)
        assert not _leaves_site(location), (target, location)
        if target != "/%09/evil.example":
            assert location == "/planner/", (target, location)
    # an internal target is kept
    r = app.test_client().post("/login?next=" + quote("/planner/plans?page=2", safe=""),
                               data={"username": "planner", "password": "correct-horse"})
    assert _location(r) == "/planner/plans?page=2"


def test_the_reported_url(client, auth):
    auth.create("planner", "planner")
    r = client.post("/login?next=%2F%09%2Fevil.example%2Fphish",
                    data={"username": "planner", "password": "correct-horse"})
    assert r.status_code == 302 and _location(r) == "/planner/"


def test_language_switch_never_redirects_off_site(client):
    for target in HOSTILE:
        r = client.post("/lang/en", data={"next": target})
        assert r.status_code == 302
        assert not _leaves_site(_location(r)), (target, _location(r))
    # an internal target is kept
    assert _location(client.post("/lang/en", data={"next": "/plans?year=2030"})) == "/plans?year=2030"


def test_safe_target_unit():
    from inspect_app.security import safe_target

    for target in HOSTILE:
        assert safe_target(target, "/home") in ("/home", "/%09/evil.example")
    assert safe_target("/a/b?c=d#e", "/home") == "/a/b?c=d#e"
    assert safe_target(None, "/home") == "/home"
