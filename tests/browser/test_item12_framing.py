"""Issue 8, item 12, in a real browser: a page on another origin cannot
frame a planner page (clickjacking). Chromium refuses the frame because of
the app's ``Content-Security-Policy: frame-ancestors 'none'``, and the frame
shows none of the planner's page although the planner is logged in (the
attacker's origin differs only in its port, so it is same-site and the
SameSite=Lax session cookie alone would not stop it)."""

from __future__ import annotations

import http.server
import threading

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "browser-password-1"


@pytest.fixture(scope="module")
def planner(live_server):
    from inspect_app.services.accounts import create_account

    with live_server.app.app_context():
        create_account(live_server.session(), "framed", PASSWORD, "planner")
    return live_server


@pytest.fixture
def attacker(planner):
    """A tiny site on another 127.0.0.1 port whose page frames the planner's
    dashboard."""
    target = f"{planner.url}/planner/"
    body = (f'<!doctype html><meta charset="utf-8"><title>prize</title>'
            f'<h1>Click to win</h1><iframe id="victim" src="{target}" width="900" height="500"></iframe>'
            ).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's API
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", target
    server.shutdown()
    thread.join(timeout=10)


def test_another_origin_cannot_frame_a_planner_page(planner, attacker, page, shot):
    attack_url, target = attacker
    # the planner is logged in in this browser
    page.goto(f"{planner.url}/login")
    page.fill("input[name=username]", "framed")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    assert page.url.endswith("/planner/")
    assert "framed" in page.inner_text("header")  # the dashboard renders when opened directly

    console = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(attack_url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(1000)
    shot(page, "item12-framing-refused")

    frame = page.frame_locator("#victim")
    victim = next((f for f in page.frames if f != page.main_frame), None)
    assert victim is not None
    # The frame does not hold the planner's page: Chromium replaced it with
    # its error page instead of rendering it.
    assert not victim.url.startswith(planner.url), victim.url
    assert frame.locator("header .who").count() == 0
    content = victim.content()
    assert "framed" not in content and "工作台" not in content
    assert any("frame-ancestors" in text for text in console), console
