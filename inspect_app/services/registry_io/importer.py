"""``import_file``: validate a whole registry file, then upsert it in one
transaction — or, if anything is wrong, change nothing.

The upsert compares each row with what is stored (loaded in one pass), so
the report can say exactly what was inserted, updated or left unchanged, and
unchanged rows are not written at all. Check items are versioned: a changed
published item becomes a new version (see :mod:`.items`).
"""

from __future__ import annotations

from operator import itemgetter
from typing import BinaryIO

import sqlalchemy as sa

from ...models import utcnow
from .bulk import indexes_dropped
from .fields import same_list, same_ratio
from .items import write_items
from .messages import tr
from .readers import FileProblem, read_rows
from .report import ImportReport
from .specs import REGISTRIES, RegistrySpec
from .validate import LOOKUP_CHUNK, ParsedFile, check_references, parse_file
from .writers import insert_rows, sqlite_cache, update_rows

# Above this many rows (or in sync mode) the stored rows are read in one
# scan instead of being looked up by key in chunks.
FULL_SCAN_ROWS = 50_000
STORED_FETCH = 50_000  # rows fetched at a time when reading the stored registry


def import_file(session, kind: str, stream: BinaryIO, filename: str, *, sync: bool = False,
                encoding: str | None = None) -> ImportReport:
    """Import one registry file (format from the suffix: .csv or .xlsx).

    Raises ``ValueError`` for an unknown kind or sync mode on a registry
    without it; every problem with the file itself ends up in the report.
    """
    spec = REGISTRIES.get(kind)
    if spec is None:
        raise ValueError(f"unknown registry {kind!r}; one of {', '.join(REGISTRIES)}")
    if sync and not spec.sync:
        raise ValueError(f"sync mode is only for {', '.join(k for k, s in REGISTRIES.items() if s.sync)}")
    report = ImportReport(kind, filename, sync=sync)
    try:
        parsed = parse_file(spec, read_rows(stream, filename, encoding), report)
    except FileProblem as e:
        report.add_error(e.row, "", "", tr(e.msgid, **e.params))
        return report
    if parsed is not None:
        check_references(session, spec, parsed, report)
    if not report.ok:
        report.sort_errors()
        session.rollback()
        return report
    try:
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            # One import of a registry at a time: the comparison with the
            # stored rows must still hold when the writes land. Readers go on.
            conn.exec_driver_sql(f'LOCK TABLE "{spec.table.name}" IN SHARE ROW EXCLUSIVE MODE')
        if spec.versioned:
            write_items(conn, spec, parsed, report)
        else:
            upsert(conn, spec, parsed, report, sync=sync)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report


def upsert(conn: sa.Connection, spec: RegistrySpec, parsed: ParsedFile, report: ImportReport, *,
           sync: bool = False) -> None:
    table = spec.table
    columns = parsed.columns
    names = [c.key for c in columns]
    key_pos = [names.index(k) for k in spec.key]
    key_of = itemgetter(*key_pos)
    stored = load_stored(conn, spec, names, [key_of(r) for r in parsed.rows],
                         everything=sync or len(parsed.rows) > FULL_SCAN_ROWS)
    same = _comparators(columns)

    inserts, updates = [], []
    for row in parsed.rows:
        old = stored.get(key_of(row))
        if old is None:
            inserts.append(row)
        elif old != row and not all(eq(a, b) for eq, a, b in zip(same, old, row)):
            updates.append(row)
    stamp = {spec.touch: utcnow()} if spec.touch else {}
    # Inserts: the file's columns; defaults for the columns it lacks.
    absent = {c.key: c.default for c in spec.columns if c.key not in names}
    deactivate = []
    if sync:
        active_pos = names.index("active")
        seen = set(map(key_of, parsed.rows))
        deactivate = [key if isinstance(key, tuple) else (key,) for key, old in stored.items()
                      if key not in seen and old[active_pos]]

    written = len(inserts) + len(updates) + len(deactivate)
    with sqlite_cache(conn, written), indexes_dropped(conn, table, written, len(stored)):
        insert_rows(conn, table, names, inserts, absent | stamp)
        for set_names, rows in _update_groups(conn, names, key_pos, updates, stored, same, key_of):
            update_rows(conn, table, set_names, list(spec.key), rows, stamp)
        update_rows(conn, table, [], list(spec.key), deactivate, {"active": False} | stamp)

    report.inserted = len(inserts)
    report.updated = len(updates)
    report.unchanged = len(parsed.rows) - len(inserts) - len(updates)
    report.deactivated = len(deactivate)


def _update_groups(conn, names, key_pos, updates, stored, same, key_of):
    """(columns to set, rows of their new values followed by the key) for
    the changed rows. On SQLite rows are grouped by which columns changed,
    because an UPDATE maintains every index (and the name-search trigger) of
    the columns it sets, changed or not; PostgreSQL gets one group."""
    value_pos = [i for i in range(len(names)) if i not in key_pos]
    if not updates or not value_pos:
        return []
    if conn.dialect.name != "sqlite":
        return [([names[i] for i in value_pos],
                 [tuple(row[i] for i in value_pos) + tuple(row[i] for i in key_pos) for row in updates])]
    groups: dict[tuple[int, ...], list[tuple]] = {}
    for row in updates:
        old = stored[key_of(row)]
        changed = tuple(i for i in value_pos if old[i] != row[i] and not same[i](old[i], row[i]))
        groups.setdefault(changed, []).append(tuple(row[i] for i in changed) + tuple(row[i] for i in key_pos))
    return [([names[i] for i in changed], rows) for changed, rows in groups.items()]


def _comparators(columns):
    def plain(a, b):
        return a == b

    return [same_list if c.kind == "list" else same_ratio if c.kind == "ratio" else plain for c in columns]


def load_stored(conn: sa.Connection, spec: RegistrySpec, names: list[str], keys: list, *,
                everything: bool) -> dict:
    """key -> stored row (a tuple in ``names`` order, list columns as JSON
    text) for the given keys, or for all rows with ``everything``."""
    table = spec.table
    selected = [sa.cast(table.c[n], sa.Text) if isinstance(table.c[n].type, sa.JSON) else table.c[n]
                for n in names]
    key_pos = [names.index(k) for k in spec.key]
    key_of = itemgetter(*key_pos)
    query = sa.select(*selected)
    if spec.versioned:
        query = query.where(table.c.current.is_(True))
    stored: dict = {}
    if everything:
        result = conn.execute(query, execution_options={"yield_per": STORED_FETCH})
        for part in result.partitions():
            stored.update((key_of(row), tuple(row)) for row in part)
        return stored
    key_cols = [table.c[k] for k in spec.key]
    match = key_cols[0] if len(key_cols) == 1 else sa.tuple_(*key_cols)
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), LOOKUP_CHUNK):
        for row in conn.execute(query.where(match.in_(unique[start:start + LOOKUP_CHUNK]))):
            stored[key_of(row)] = tuple(row)
    return stored
