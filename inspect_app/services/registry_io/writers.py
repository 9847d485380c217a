"""Bulk writes of plain tuples, the fastest way each database offers.

* SQLite: ``executemany`` of one prepared INSERT or UPDATE on the DBAPI
  cursor (values already in their stored form; dates go through
  SQLAlchemy's own bind processors).
* PostgreSQL: psycopg 3 ``COPY`` straight into the table for inserts; for
  updates ``COPY`` into a temporary table and one ``UPDATE … FROM``.

Values are in the form the converters produce: list columns as JSON text,
booleans, dates, and for the timestamp column an aware datetime. Everything
runs on the caller's connection, inside its transaction.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Sequence

import sqlalchemy as sa

CHUNK = 20_000  # rows per executemany call (bounds the driver's buffers)
SQLITE_CACHE_KIB = 256 * 1024


def _quote(conn: sa.Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _sqlite_processors(conn: sa.Connection, table: sa.Table, columns: Sequence[str]):
    """Bind processors for the columns that need one on SQLite: dates and
    timestamps. JSON values arrive serialized and sqlite3 stores bools."""
    dialect = conn.dialect
    procs = []
    for name in columns:
        col_type = table.c[name].type
        if isinstance(col_type, (sa.JSON, sa.Boolean)):
            procs.append(None)
        else:
            procs.append(col_type.dialect_impl(dialect).bind_processor(dialect))
    return procs


def _sqlite_rows(procs, rows):
    positions = [(i, p) for i, p in enumerate(procs) if p is not None]
    if not positions:
        return rows
    memo: dict = {}  # dates and the import's timestamp repeat a lot
    out = []
    for row in rows:
        values = list(row)
        for i, proc in positions:
            value = values[i]
            if value is not None:
                stored = memo.get(value)
                if stored is None:
                    stored = memo[value] = proc(value)
                values[i] = stored
        out.append(values)
    return out


@contextmanager
def sqlite_cache(conn: sa.Connection, rows: int):
    """A bigger page cache for big writes: with the default 2 MB, inserting
    a million rows into a table with six indexes thrashes the cache."""
    if conn.dialect.name != "sqlite" or rows < 10_000:
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


def _sqlite_literal(conn: sa.Connection, table: sa.Table, name: str, value: Any) -> str:
    """A constant as an SQL literal, after the column's bind processing."""
    if value is not None and not isinstance(table.c[name].type, (sa.JSON, sa.Boolean)):
        proc = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        value = proc(value) if proc else value
    if value is None:
        return "NULL"
    if isinstance(value, (bool, int, float)):
        return str(int(value) if isinstance(value, bool) else value)
    return "'" + str(value).replace("'", "''") + "'"


def insert_rows(conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: list[tuple],
                constants: dict[str, Any] | None = None) -> None:
    """Insert ``rows`` (values of ``columns``); ``constants`` are the same
    for every row (defaults, the import's timestamp)."""
    if not rows:
        return
    constants = constants or {}
    q = lambda name: _quote(conn, name)  # noqa: E731
    names = ", ".join(q(c) for c in [*columns, *constants])
    if conn.dialect.name == "postgresql":
        tail = tuple(constants.values())
        _copy(conn, f"COPY {q(table.name)} ({names}) FROM STDIN", (row + tail for row in rows))
        return
    values = ["?"] * len(columns) + [_sqlite_literal(conn, table, c, v) for c, v in constants.items()]
    sql = f"INSERT INTO {q(table.name)} ({names}) VALUES ({', '.join(values)})"
    _sqlite_executemany(conn, sql, _sqlite_processors(conn, table, columns), rows)


def update_rows(conn: sa.Connection, table: sa.Table, set_columns: Sequence[str], key_columns: Sequence[str],
                rows: list[tuple], constants: dict[str, Any] | None = None) -> None:
    """Each row is the new values of ``set_columns`` followed by the key;
    ``constants`` are set on every row."""
    if not rows:
        return
    constants = constants or {}
    q = lambda name: _quote(conn, name)  # noqa: E731
    if conn.dialect.name == "postgresql":
        columns = [*set_columns, *key_columns]
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE registry_import_update ON COMMIT DROP AS "
                             f"SELECT {', '.join(q(c) for c in columns)} FROM {q(table.name)} WITH NO DATA")
        _copy(conn, f"COPY registry_import_update ({', '.join(q(c) for c in columns)}) FROM STDIN", rows)
        assignments = [f"{q(c)} = u.{q(c)}" for c in set_columns]
        assignments += [f"{q(c)} = %(c{i})s" for i, c in enumerate(constants)]
        match = " AND ".join(f"t.{q(c)} = u.{q(c)}" for c in key_columns)
        conn.exec_driver_sql(f"UPDATE {q(table.name)} AS t SET {', '.join(assignments)} "
                             f"FROM registry_import_update AS u WHERE {match}",
                             {f"c{i}": v for i, v in enumerate(constants.values())})
        conn.exec_driver_sql("DROP TABLE registry_import_update")
        return
    assignments = [f"{q(c)} = ?" for c in set_columns]
    assignments += [f"{q(c)} = {_sqlite_literal(conn, table, c, v)}" for c, v in constants.items()]
    match = " AND ".join(f"{q(c)} = ?" for c in key_columns)
    sql = f"UPDATE {q(table.name)} SET {', '.join(assignments)} WHERE {match}"
    _sqlite_executemany(conn, sql, _sqlite_processors(conn, table, [*set_columns, *key_columns]), rows)


def _sqlite_executemany(conn: sa.Connection, sql: str, procs, rows: list[tuple]) -> None:
    cursor = conn.connection.driver_connection.cursor()
    try:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(sql, _sqlite_rows(procs, rows[start:start + CHUNK]))
    finally:
        cursor.close()


def _copy(conn: sa.Connection, statement: str, rows: Iterable[tuple]) -> None:
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)
    finally:
        cursor.close()
