"""Fixtures of the check-code tests (issue 9, 扫码入企): the app of
tests/conftest.py with the draw documents in the test's own folder, draw
jobs run inline and a fixed check-code key, and a sealed draw. Helpers
(today moved to a visit's date, codes, submitted results) in helpers.py."""

from __future__ import annotations

import pytest

from checkcode.helpers import KEY
from draw_fixtures import published_plan, run_ceremony, seed_registries
from inspect_app.services import draws


@pytest.fixture
def app(app, tmp_path):
    app.config.update(DRAW_STORE=str(tmp_path / "store"), DRAW_RUNNER="inline", CHECK_CODE_KEY=KEY,
                      OFFICE_PHONE="0591-00000000", OFFICE_PHONES={"CGJ": "0591-11111111"})
    return app


@pytest.fixture
def sealed(app, db_session):
    """A sealed draw of the two-task plan: (session, plan, tasks, draw)."""
    seed_registries(db_session)
    plan, tasks = published_plan(db_session)
    draw = run_ceremony(db_session, plan, tasks, app)
    draws.seal(db_session, draw)
    return db_session, plan, tasks, draw
