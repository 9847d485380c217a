"""Keeping the entity name-search index right during bulk imports.

SQLite: the FTS5 table ``entity_fts`` is fed by triggers (migration 0001).
For a large insert, per-row trigger work is slower than one full 'rebuild',
so the triggers are dropped inside the import transaction, the rows are
written, the index is rebuilt and the triggers are recreated from their
stored SQL — all in the same transaction, so a failure leaves everything as
it was. PostgreSQL's pg_trgm index needs no help here.
"""

from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa

# Rebuild instead of triggers when inserting at least this many rows and at
# least as many as are already stored (a rebuild re-reads the whole table).
REBUILD_MIN_ROWS = 50_000


@contextmanager
def maintained(conn: sa.Connection, spec, inserting: int, stored: int):
    if not (conn.dialect.name == "sqlite" and spec.table.name == "entity"
            and inserting >= REBUILD_MIN_ROWS and inserting >= stored):
        yield
        return
    triggers = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entity' "
        "AND sql LIKE '%entity_fts%'").all()
    if not triggers:
        yield
        return
    for name, _sql in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    conn.exec_driver_sql("INSERT INTO entity_fts(entity_fts) VALUES ('rebuild')")
    for _name, sql in triggers:
        conn.exec_driver_sql(sql)
