"""Browser-test fixtures: a live server and Debian's Chromium via Playwright.

* ``live_server``: the app on a fresh, migrated SQLite file, served by
  werkzeug's ``make_server`` in a thread on a free 127.0.0.1 port, with CSRF
  and the production cookie flags on and the draw's background jobs started the
  production way: a detached ``python -m inspect_app.jobs`` subprocess per
  job (``DRAW_RUNNER`` left at its default), sharing the SQLite file and the
  draw store.
* ``browser``: ``/usr/bin/chromium`` (installed by ``.ci/browser-deps``;
  never ``playwright install``), headless.
* ``page``: a fresh browser context per test; the ``shot`` fixture saves
  full-page screenshots under ``test-artifacts/``.

Without /usr/bin/chromium the browser tests are skipped, except under CI
(``CI=true``), where that fails.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class LiveServer:
    url: str
    app: object
    db_path: Path

    def session(self):
        """A database session (inside an app context) for setting up what an
        installer would: the admin account and the working-day calendar."""
        from inspect_app.db import get_session

        return get_session()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    from werkzeug.serving import make_server

    from inspect_app import create_app
    from inspect_app.db import make_engine, upgrade

    root = tmp_path_factory.mktemp("live")
    db_path = root / "live.sqlite"
    engine = make_engine(f"sqlite:///{db_path}")
    upgrade(engine)
    engine.dispose()
    app = create_app({
        "SECRET_KEY": "browser-test-secret",
        "DATABASE_URL": f"sqlite:///{db_path}",
        "DRAW_STORE": str(root / "draws"),
        # Production cookie flags (HttpOnly, SameSite=Lax, Secure): Chromium
        # keeps Secure cookies on http://127.0.0.1, so the browser tests run
        # the hardened set-up.
        "SESSION_COOKIE_SECURE": True,
    })
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, db_path)
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: run .ci/browser-deps")
        pytest.skip(f"{CHROMIUM} is missing: run `bash .ci/browser-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def take_screenshot(page, name: str) -> Path:
    """A full-page screenshot ``test-artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def shot():
    """``shot(page, name)``: save a full-page screenshot as
    ``test-artifacts/<name>.png``."""
    return take_screenshot
