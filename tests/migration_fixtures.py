"""A database migrated up to a given revision (not to head), for tests of
what a later migration does with the rows it finds: on SQLite a file in the
test's folder, on PostgreSQL a private schema dropped afterwards."""

from __future__ import annotations

import uuid
from contextlib import contextmanager


@contextmanager
def migrated_to(revision: str, backend: str, tmp_path, request):
    from inspect_app.db import make_engine, upgrade

    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
        upgrade(engine, revision)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    pg = request.getfixturevalue("pg_engine")  # skips without a server
    schema = f"m_{uuid.uuid4().hex[:12]}"
    with pg.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = make_engine(pg.url.render_as_string(hide_password=False),
                         connect_args={"options": f"-csearch_path={schema},public"})
    try:
        upgrade(engine, revision)
        yield engine
    finally:
        engine.dispose()
        with pg.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
