"""Shared fixtures (after Flask's tutorial): an app per test on a migrated
database, on SQLite and on PostgreSQL.

* SQLite: the migrations run once into a template file; each test gets a copy.
* PostgreSQL (``TEST_DATABASE_URL``, default the CI server's ``test``
  database): the migrations run once per test process into a private schema;
  each test starts from truncated tables (reference data seeded by migrations
  is kept). Without a reachable server the PostgreSQL half is skipped, except
  under CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
import sqlalchemy as sa

from inspect_app import create_app
from inspect_app.db import make_engine, upgrade

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Tables filled by migrations (reference data) survive the per-test cleanup.
SEEDED_TABLES = {"alembic_version", "result_code", "result_code_set"}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_engine():
    try:
        probe = make_engine(PG_URL)
        with probe.begin() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except sa.exc.OperationalError as e:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {e.orig}")
    except sa.exc.IntegrityError:  # another test process created it concurrently
        pass
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with probe.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema},public"})
    upgrade(engine)
    yield engine
    engine.dispose()
    with probe.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    probe.dispose()


def _truncate(engine) -> None:
    with engine.begin() as conn:
        names = [t for t in sa.inspect(conn).get_table_names() if t not in SEEDED_TABLES]
        conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def database(backend, request, tmp_path):
    """(url, engine) of a freshly migrated, empty database."""
    if backend == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        yield f"sqlite:///{path}", engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("pg_engine")
        _truncate(engine)
        yield PG_URL, engine


@pytest.fixture
def app(database, tmp_path):
    url, engine = database
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "DATABASE_URL": url,
        "DATABASE_ENGINE": engine,
        "WTF_CSRF_ENABLED": False,
        "REGISTRY_COUNTS_TTL": 0,
    })
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db_session(app):
    from inspect_app.db import get_session

    with app.app_context():
        yield get_session()


class AuthActions:
    """Create accounts and log in through the real login form."""

    def __init__(self, app, client):
        self.app, self.client = app, client

    def create(self, username: str, role: str, password: str = "correct-horse", **kw):
        from inspect_app.db import get_session
        from inspect_app.services.accounts import create_account as create_user

        with self.app.app_context():
            create_user(get_session(), username, password, role, **kw)

    def login(self, username: str = "planner", password: str = "correct-horse", role: str = "planner", **kw):
        from inspect_app.db import get_session
        from inspect_app.models import Department, User
        from sqlmodel import select

        with self.app.app_context():
            if get_session().exec(select(User).where(User.username == username)).first() is None:
                if role == "planner" and "department" not in kw and get_session().get(Department, "SCJG"):
                    kw["department"] = "SCJG"  # a planner acts for its department (services/scope.py)
                self.create(username, role, password, **kw)
        return self.client.post("/login", data={"username": username, "password": password})


@pytest.fixture
def auth(app, client):
    return AuthActions(app, client)
