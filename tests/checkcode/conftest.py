"""Fixtures of the check-code tests (issue 9, 扫码入企): the app of
tests/conftest.py with the draw documents in the test's own folder, draw
jobs run inline and a fixed check-code key, and a sealed draw. Helpers
(today moved to a visit's date, codes, submitted results) in helpers.py."""

from __future__ import annotations

import pytest

from checkcode.helpers import KEY
from draw_fixtures import inline_jobs, sealed_draw


@pytest.fixture
def app(app, tmp_path):
    return inline_jobs(app, tmp_path, CHECK_CODE_KEY=KEY, OFFICE_PHONE="0591-00000000",
                       OFFICE_PHONES={"CGJ": "0591-11111111"})


@pytest.fixture
def sealed(app, db_session):
    """A sealed draw of the two-task plan: (session, plan, tasks, draw)."""
    return sealed_draw(db_session, app)
