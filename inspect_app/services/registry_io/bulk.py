"""Index handling for big writes.

Maintaining every secondary index row by row is the slowest part of loading
a large registry: the SQLite FTS5 name index fed by triggers (migration
0001), the PostgreSQL pg_trgm GIN index and the plain B-tree indexes. When
an import writes many rows relative to the table's size, the secondary
indexes and the FTS triggers are dropped inside the import transaction,
the rows are written, and the indexes are recreated from their own stored
definitions (SQLite: the FTS table is rebuilt). Both databases have
transactional DDL, so a failure leaves everything as it was, and readers
never see the table without its indexes. Unique indexes (the upsert keys)
are kept.
"""

from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa

BULK_MIN_ROWS = 50_000  # never for fewer rows written
BULK_SHARE = 0.25  # … nor when writing less than this share of the table


def worthwhile(written: int, table_rows: int) -> bool:
    return written >= BULK_MIN_ROWS and written >= BULK_SHARE * table_rows


@contextmanager
def indexes_dropped(conn: sa.Connection, table: sa.Table, written: int, table_rows: int):
    """Run the block with ``table``'s secondary indexes dropped, when that
    pays off (see :func:`worthwhile`); they are recreated afterwards."""
    if not worthwhile(written, table_rows):
        yield
        return
    if conn.dialect.name == "sqlite":
        with _sqlite(conn, table.name):
            yield
    elif conn.dialect.name == "postgresql":
        with _postgresql(conn, table.name):
            yield
    else:
        yield


@contextmanager
def _sqlite(conn: sa.Connection, name: str):
    # Indexes with SQL text are the ones created by CREATE INDEX; unique
    # constraints' automatic indexes have none and stay.
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
        "AND sql NOT LIKE 'CREATE UNIQUE%'", (name,)).all()
    triggers = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND sql LIKE '%_fts%'",
        (name,)).all()
    fts_tables = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%' "
        "AND sql LIKE ?", (f"%content='{name}'%",)).scalars().all()
    for index, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{index}"')
    for trigger, _sql in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{trigger}"')
    yield
    for _index, sql in indexes:
        conn.exec_driver_sql(sql)
    for fts in fts_tables:
        conn.exec_driver_sql(f"INSERT INTO \"{fts}\"(\"{fts}\") VALUES ('rebuild')")
    for _trigger, sql in triggers:
        conn.exec_driver_sql(sql)


@contextmanager
def _postgresql(conn: sa.Connection, name: str):
    indexes = conn.exec_driver_sql(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.oid = to_regclass(%(table)s) AND NOT x.indisunique AND NOT x.indisprimary",
        {"table": name}).all()
    for index, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{index}"')
    yield
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")  # the GIN build uses it all
    for _index, sql in indexes:
        conn.exec_driver_sql(sql)
