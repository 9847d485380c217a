"""Fixtures of the public search tests (issue 10): ``pub``, a
:class:`public_search_fixtures.Published` on the test's database."""

from __future__ import annotations

import pytest

from public_search_fixtures import Published, comparable, main_part  # noqa: F401


@pytest.fixture
def pub(app, db_session) -> Published:
    p = Published(db_session)
    db_session.commit()
    return p
