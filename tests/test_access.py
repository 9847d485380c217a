"""Every planner and admin route refuses those who may not use it.

The test walks ``app.url_map`` — not a list kept by hand — so routes that are
added later are covered automatically. For every rule of the ``planner`` and
``admin`` blueprints it builds a URL (dummy values for the URL variables) and
sends every method the rule allows:

* anonymous → a redirect to the login page;
* an inspector → 403;
* a planner → 403 on admin routes (and never a redirect to login on planner
  routes, i.e. the planner is recognised).

Every rule of the ``inspector`` blueprint likewise: anonymous → login; a
planner and an admin → 403 (a visit is confidential to its team: admins may
do what planners may, not what inspectors may).
"""

from __future__ import annotations

import uuid

from werkzeug.routing import converters

GUARDED_BLUEPRINTS = ("planner", "admin")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def dummy_value(converter):
    if isinstance(converter, converters.AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, converters.IntegerConverter):
        return 1
    if isinstance(converter, converters.FloatConverter):
        return 1.0
    if isinstance(converter, converters.UUIDConverter):
        return uuid.UUID(int=1)
    return "x"


def guarded_requests(app, blueprints=GUARDED_BLUEPRINTS):
    """(endpoint, method, url) for every method of every guarded rule."""
    out = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            blueprint = rule.endpoint.split(".", 1)[0] if "." in rule.endpoint else None
            if blueprint not in blueprints:
                continue
            values = {name: dummy_value(conv) for name, conv in rule._converters.items()}
            url = app.url_for(rule.endpoint, **values)
            for method in sorted(set(rule.methods) & set(METHODS)):
                out.append((rule.endpoint, method, url))
    return out


def send(client, method, url):
    return client.open(url, method=method, data={"csrf_token": "x"})


def test_walk_covers_both_blueprints(app):
    endpoints = {endpoint for endpoint, _, _ in guarded_requests(app)}
    # the walk finds the routes (so the checks below cannot pass vacuously)
    assert {"planner.index", "admin.users", "admin.reset_password"} <= endpoints


def anonymous_failures(app, client) -> list[str]:
    failures = []
    for endpoint, method, url in guarded_requests(app):
        r = send(client, method, url)
        location = r.headers.get("Location", "")
        if r.status_code not in (302, 303) or not location.split("?")[0].endswith("/login"):
            failures.append(f"{method} {url} ({endpoint}) → {r.status_code} {location}")
    return failures


def test_anonymous_users_are_sent_to_login_everywhere(app, client):
    failures = anonymous_failures(app, client)
    assert not failures, "\n".join(failures)


def test_the_walk_catches_an_unguarded_route(app, client):
    """A route added without ``role_required`` is found and reported."""
    app.add_url_rule("/planner/leak/<int:draw_id>", endpoint="planner.leak", view_func=lambda draw_id: "open",
                     methods=["GET", "POST"])
    failures = anonymous_failures(app, client)
    assert failures == ["GET /planner/leak/1 (planner.leak) → 200 ", "POST /planner/leak/1 (planner.leak) → 200 "]


def test_inspectors_are_refused_everywhere(app, client, auth):
    from inspect_app.db import get_session
    from inspect_app.models import Department, District, Inspector

    with app.app_context():
        session = get_session()
        session.add(Department(id="SCJG", name="市场监督管理局"))
        session.add(District(code="350181", name="福清市", level=3))
        session.add(Inspector(id="E001", name="张三", department="SCJG", district="350181"))
        session.commit()
    auth.create("insp", "inspector", inspector="E001")
    assert auth.login("insp").status_code == 302
    failures = []
    for endpoint, method, url in guarded_requests(app):
        r = send(client, method, url)
        if r.status_code != 403:
            failures.append(f"{method} {url} ({endpoint}) → {r.status_code}")
    assert not failures, "\n".join(failures)


def test_planners_are_refused_on_admin_routes(app, client, auth):
    assert auth.login("planner", role="planner").status_code == 302
    failures = []
    for endpoint, method, url in guarded_requests(app):
        if not endpoint.startswith("admin."):
            continue
        r = send(client, method, url)
        if r.status_code != 403:
            failures.append(f"{method} {url} ({endpoint}) → {r.status_code}")
    assert not failures, "\n".join(failures)


def test_planners_are_recognised_on_planner_routes(app, client, auth):
    """The planner is never sent to the login page nor refused on planner
    GET routes, and a dummy id is an answer (a 404, or the page), never a
    server error: the walk used to pass over an exception in the view as
    "past the role check", hiding any HTTP 500 it found."""
    assert auth.login("planner", role="planner").status_code == 302
    failures = []
    for endpoint, method, url in guarded_requests(app):
        if not endpoint.startswith("planner.") or method != "GET":
            continue
        r = send(client, method, url)
        if r.status_code == 403 or "/login" in r.headers.get("Location", "") or r.status_code >= 500:
            failures.append(f"{method} {url} ({endpoint}) → {r.status_code}")
    assert not failures, "\n".join(failures)


def test_inspector_routes_refuse_anonymous_planners_and_admins(app, client, auth):
    requests = guarded_requests(app, ("inspector",))
    assert {"inspector.index", "inspector.visit"} <= {endpoint for endpoint, _, _ in requests}
    failures = []
    for endpoint, method, url in requests:
        r = send(client, method, url)
        if r.status_code not in (302, 303) or not r.headers.get("Location", "").split("?")[0].endswith("/login"):
            failures.append(f"anonymous {method} {url} ({endpoint}) → {r.status_code}")
    for username, role in (("planner", "planner"), ("boss", "admin")):
        assert auth.login(username, role=role).status_code == 302
        for endpoint, method, url in requests:
            r = send(client, method, url)
            if r.status_code != 403:
                failures.append(f"{role} {method} {url} ({endpoint}) → {r.status_code}")
        client.post("/logout")
    assert not failures, "\n".join(failures)
