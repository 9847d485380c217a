"""Fixtures of the hardening tests (issue 8): the app of tests/conftest.py
with the draw documents in the test's own folder and draw jobs run inline
(in the request), so that a test can walk a whole ceremony."""

from __future__ import annotations

import pytest

from draw_fixtures import published_plan, run_ceremony, seed_registries
from inspect_app.services import draws


@pytest.fixture
def app(app, tmp_path):
    app.config.update(DRAW_STORE=str(tmp_path / "store"), DRAW_RUNNER="inline")
    return app


@pytest.fixture
def sealed(app, db_session):
    """A sealed draw of the two-task plan: (session, plan, tasks, draw)."""
    seed_registries(db_session)
    plan, tasks = published_plan(db_session)
    draw = run_ceremony(db_session, plan, tasks, app)
    draws.seal(db_session, draw)
    return db_session, plan, tasks, draw
