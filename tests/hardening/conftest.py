"""Fixtures of the hardening tests (issue 8): the app of tests/conftest.py
with the draw documents in the test's own folder and draw jobs run inline
(in the request), so that a test can walk a whole ceremony."""

from __future__ import annotations

import pytest


@pytest.fixture
def app(app, tmp_path):
    app.config.update(DRAW_STORE=str(tmp_path / "store"), DRAW_RUNNER="inline")
    return app
