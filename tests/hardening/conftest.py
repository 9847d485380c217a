"""Fixtures of the hardening tests (issue 8): the app of tests/conftest.py
with the draw documents in the test's own folder and draw jobs run inline
(in the request), so that a test can walk a whole ceremony."""

from __future__ import annotations

import pytest

from draw_fixtures import inline_jobs, sealed_draw


@pytest.fixture
def app(app, tmp_path):
    return inline_jobs(app, tmp_path)


@pytest.fixture
def sealed(app, db_session):
    """A sealed draw of the two-task plan: (session, plan, tasks, draw)."""
    return sealed_draw(db_session, app)
