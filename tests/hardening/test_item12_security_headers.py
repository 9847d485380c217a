"""Issue 8, item 12: clickjacking and security headers.

Every response carries a Content Security Policy that forbids framing
(``frame-ancestors 'none'``, plus ``X-Frame-Options: DENY`` for old
browsers) and inline script and style, ``X-Content-Type-Options``,
``Referrer-Policy``; pages for a logged-in user and all non-public pages are
``Cache-Control: no-store``; the app sends no ``Server`` banner. The
browser half (a page on another origin cannot frame a planner page) is
``tests/browser/test_item12_framing.py``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from draw_fixtures import published_plan, seed_registries
from inspect_app.services import draws

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def csp(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    out = {}
    for part in header.split(";"):
        if part.strip():
            name, _, value = part.strip().partition(" ")
            out[name] = value
    return out


def assert_hardened(response):
    policy = csp(response)
    assert policy.get("frame-ancestors") == "'none'", response.headers
    assert policy.get("default-src") == "'self'"
    assert policy.get("script-src") == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy.get("style-src") == "'self'"
    assert policy.get("object-src") == "'none'" and policy.get("base-uri") == "'none'"
    assert policy.get("form-action") == "'self'"
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")
    assert "Server" not in response.headers and "X-Powered-By" not in response.headers


def no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


@pytest.fixture
def planner_data(app, db_session, tmp_path):
    app.config.update(DRAW_STORE=str(tmp_path / "store"), DRAW_RUNNER="worker")
    seed_registries(db_session, entities=30, inspectors_per_dept=3)
    plan, tasks = published_plan(db_session)
    return plan, tasks


def test_anonymous_pages_are_hardened_and_public_ones_cacheable(client):
    public = client.get("/")
    assert public.status_code == 200
    assert_hardened(public)
    assert not no_store(public)  # public pages may be cached
    login = client.get("/login")
    assert_hardened(login)
    assert no_store(login)
    redirect = client.get("/planner/")
    assert redirect.status_code == 302
    assert_hardened(redirect)
    assert no_store(redirect)
    assert_hardened(client.get("/no-such-page"))
    assert_hardened(client.get("/static/app.css"))


def test_every_page_of_a_logged_in_user_is_no_store(client, auth, planner_data):
    plan, _tasks = planner_data
    auth.login("root", role="admin")
    for url in ("/", "/planner/", f"/planner/plans/{plan.id}", "/admin/users", "/plans/"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert_hardened(r)
        assert no_store(r), url


def test_a_planner_draw_page_cannot_be_framed_and_is_not_stored(app, client, auth, planner_data, db_session):
    plan, tasks = planner_data
    # DRAW_RUNNER="worker": the job stays pending, so the page shows its progress script
    draw, _job = draws.start_draw(db_session, plan, [tasks[0].id], "掷骰", actor="planner")
    auth.login("planner")
    r = client.get(f"/planner/draws/{draw.id}")
    assert r.status_code == 200
    assert_hardened(r)
    assert no_store(r)
    page = r.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts and all("src=" in s for s in scripts), scripts
    src = re.search(r'<script src="([^"]+)"', page).group(1)
    js = client.get(src)
    assert js.status_code == 200 and "fetch(" in js.get_data(as_text=True)


def test_plan_page_loads_its_preview_from_a_static_script(client, auth, planner_data):
    plan, _tasks = planner_data
    auth.login("planner")
    page = client.get(f"/planner/plans/{plan.id}").get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts and all("src=" in s for s in scripts), scripts


def test_no_template_has_inline_script_or_style():
    """What the CSP would block: inline <script> blocks, style= attributes,
    <style> elements, on*= handlers and javascript: URLs."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.parent.name == "documents":  # rendered to PDF by WeasyPrint, never served as a page
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\sstyle\s*=", r"<style\b", r"\son[a-z]+\s*=",
                        r"javascript:"):
            for m in re.finditer(pattern, text, flags=re.IGNORECASE):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {m.group(0).strip()}")
    assert offenders == []
