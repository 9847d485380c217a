"""Database engine, per-request sessions and migrations.

One engine per application. Views and services get a session with
:func:`get_session`; it is closed at the end of the request. Schema changes go
through Alembic (``migrations/``); :func:`upgrade` runs them programmatically
so that the CLI, the demo set-up and the tests use the same path.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, g
from sqlmodel import Session

from . import validation as _validation

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# Every ORM flush, in requests, jobs, the CLI and tests, checks string
# values against their columns (lengths and characters, inspect_app.validation).
_validation.install_flush_check(Session)


def make_engine(url: str, **kwargs) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        path = sqlite_path(url)
        if path is not None:
            # Before SQLite opens (and would create) the file: create it 0600.
            sa.event.listen(engine, "do_connect", lambda *_args: create_private_file(path))
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other URLs and in-memory)."""
    if not url.startswith("sqlite:///"):
        return None
    name = url[len("sqlite:///"):].split("?", 1)[0]
    return None if name in ("", ":memory:") else Path(name)


def create_private_file(path: Path) -> None:
    """Creates ``path`` empty with mode 0600 unless it exists, so SQLite
    opens an owner-only file (it gives its -wal and -shm files the mode of
    the database file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def init_app(app) -> None:
    url = app.config["DATABASE_URL"]
    app.extensions["db_engine"] = app.config.get("DATABASE_ENGINE") or make_engine(url)
    app.teardown_appcontext(_close_session)
    from .services import audit  # noqa: F401  (its commit hook appends the audit rows)


def get_engine() -> sa.Engine:
    return current_app.extensions["db_engine"]


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def is_postgres(engine: sa.Engine | None = None) -> bool:
    return (engine or get_engine()).dialect.name == "postgresql"


def alembic_config(engine: sa.Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
