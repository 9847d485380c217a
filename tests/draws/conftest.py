"""Fixtures of the draw tests: the app with a draw store of the test's own and
draws run inline, and registries with a published plan."""

import pytest
from draw_fixtures import published_plan, seed_registries


@pytest.fixture
def app(app, tmp_path):
    app.config.update(DRAW_STORE=str(tmp_path / "store"), DRAW_RUNNER="inline")
    return app


@pytest.fixture
def ready(db_session):
    """(session, plan, tasks): the registries seeded and a published plan."""
    seed_registries(db_session)
    plan, tasks = published_plan(db_session)
    return db_session, plan, tasks
