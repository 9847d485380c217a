"""``import_file``: validate a whole registry file, then upsert it in one
transaction — or, if anything is wrong, change nothing.

The upsert compares each row with what is stored (loaded in one pass), so
the report can say exactly what was inserted, updated or left unchanged, and
unchanged rows are not written at all. Check items are versioned: a changed
published item becomes a new version (see :mod:`.items`).

``dry_run`` computes the counts (and a sample of names per kind of change)
and writes nothing: a sync import is previewed so, and then applied with
``expected_fingerprint`` — the registry's :func:`registry_fingerprint` when
the preview ran; if it changed meanwhile, the import is refused. A
``progress`` object (see :class:`Progress`) hears how far reading got and may
cancel the import by raising from ``check``; nothing is changed then.
"""

from __future__ import annotations

import hashlib
from operator import itemgetter
from typing import BinaryIO

import sqlalchemy as sa

from ...models import utcnow
from .. import audit, scope
from ..batch import gc_paused
from .bulk import indexes_dropped
from .fields import same_list, same_ratio
from .items import write_items
from .messages import tr
from .readers import FileProblem, read_rows
from .report import SAMPLE_SIZE, ImportReport
from .specs import REGISTRIES, RegistrySpec
from .validate import LOOKUP_CHUNK, ParsedFile, check_references, parse_file
from .writers import insert_rows, sqlite_cache, update_rows

# Above this many rows (or in sync mode) the stored rows are read in one
# scan instead of being looked up by key in chunks.
FULL_SCAN_ROWS = 50_000
STORED_FETCH = 50_000  # rows fetched at a time when reading the stored registry


class Progress:
    """What an import tells its caller; this one listens to nothing."""

    def stage(self, name: str) -> None:
        """A new stage: reading, references, writing."""

    def rows(self, number: int) -> None:
        """Rows read so far; may raise to cancel."""

    def check(self) -> None:
        """Raise to cancel (called between stages and before the commit)."""


def import_file(session, kind: str, stream: BinaryIO, filename: str, *, sync: bool = False,
                encoding: str | None = None, mapping: dict[str, str] | None = None, dry_run: bool = False,
                expected_fingerprint: str | None = None, max_errors: int | None = None,
                progress: Progress | None = None, user=None) -> ImportReport:
    """Import one registry file (format from the suffix: .csv or .xlsx).

    ``mapping``: normalised header -> column key ("" to ignore) for headers
    the spec does not know. Raises ``ValueError`` for an unknown kind or sync
    mode on a registry without it; every problem with the file itself ends up
    in the report. Whatever ``progress`` raises propagates, after a rollback.
    ``user`` (None: the system/CLI) must be allowed to import it
    (:func:`..scope.check_import`, raises ``ScopeError``).
    """
    scope.check_import(session, user, kind, stream, filename, encoding, mapping)
    spec = REGISTRIES.get(kind)
    if spec is None:
        raise ValueError(f"unknown registry {kind!r}; one of {', '.join(REGISTRIES)}")
    if sync and not spec.sync:
        raise ValueError(f"sync mode is only for {', '.join(k for k, s in REGISTRIES.items() if s.sync)}")
    report = ImportReport(kind, filename, sync=sync, dry_run=dry_run)
    if max_errors is not None:
        report.max_errors = max_errors
    with gc_paused():
        try:
            return _import(session, spec, stream, filename, report, encoding, mapping, expected_fingerprint,
                           progress or Progress(), user)
        except BaseException:
            session.rollback()
            raise


def _import(session, spec: RegistrySpec, stream: BinaryIO, filename: str, report: ImportReport,
            encoding: str | None, mapping, expected_fingerprint: str | None, progress: Progress,
            user=None) -> ImportReport:
    progress.stage("reading")
    try:
        parsed = parse_file(spec, read_rows(stream, filename, encoding), report, mapping, progress.rows)
    except FileProblem as e:
        report.add_error(e.row, "", "", tr(e.msgid, **e.params))
        report.sort_errors()
        return report
    if parsed is not None and not report.stopped:
        progress.stage("references")
        check_references(session, spec, parsed, report)
    if not report.ok:
        report.sort_errors()
        session.rollback()
        return report
    progress.check()
    progress.stage("writing")
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # One import of a registry at a time: the comparison with the
        # stored rows must still hold when the writes land. Readers go on.
        conn.exec_driver_sql(f'LOCK TABLE "{spec.table.name}" IN SHARE ROW EXCLUSIVE MODE')
    fingerprint = registry_fingerprint(conn, spec)
    if expected_fingerprint is not None and fingerprint != expected_fingerprint:
        report.add_error(0, "", "", tr("预览之后名录已被修改，未导入任何数据；请重新上传并确认"))
        session.rollback()
        return report
    report.fingerprint = fingerprint
    if spec.versioned:
        write_items(conn, spec, parsed, report)
    else:
        upsert(conn, spec, parsed, report, sync=report.sync, dry_run=report.dry_run)
    if report.dry_run:
        session.rollback()
        return report
    progress.check()
    audit.record(session, actor=user.username if user is not None else None, action=f"registry.{spec.kind}_imported",
                 object_type="registry", object_id=spec.kind,
                 details={"filename": filename, "sha256": file_digest(stream), "sync": report.sync,
                          "rows": report.total_rows, "inserted": report.inserted, "updated": report.updated,
                          "unchanged": report.unchanged, "deactivated": report.deactivated,
                          "versioned": report.versioned, "fingerprint_before": fingerprint})
    session.commit()
    return report


def file_digest(stream: BinaryIO) -> str | None:
    """SHA-256 of the whole uploaded file (read again from its start, then
    put back where it was); None for a stream that cannot seek."""
    try:
        position = stream.tell()
        stream.seek(0)
        hasher = hashlib.sha256()
        for block in iter(lambda: stream.read(1 << 20), b""):
            hasher.update(block if isinstance(block, bytes) else block.encode("utf-8"))
        stream.seek(position)
    except (OSError, ValueError, AttributeError):
        return None
    return hasher.hexdigest()


def registry_fingerprint(conn: sa.Connection, spec: RegistrySpec) -> str:
    """A summary of a registry's state that any import or edit changes: the
    row count, the active count and the latest timestamp (or greatest key)."""
    table = spec.table
    parts = [sa.func.count()]
    if "active" in table.c:
        parts.append(sa.func.count().filter(table.c.active.is_(True)))
    if spec.touch:
        parts.append(sa.func.max(table.c[spec.touch]))
    parts += [sa.func.max(table.c[k]) for k in spec.key]
    row = conn.execute(sa.select(*parts).select_from(table)).one()
    return "|".join("" if v is None else str(v) for v in row)


def upsert(conn: sa.Connection, spec: RegistrySpec, parsed: ParsedFile, report: ImportReport, *,
           sync: bool = False, dry_run: bool = False) -> None:
    table = spec.table
    columns = parsed.columns
    names = [c.key for c in columns]
    key_pos = [names.index(k) for k in spec.key]
    key_of = itemgetter(*key_pos)
    stored = load_stored(conn, spec, names, [key_of(r) for r in parsed.rows],
                         everything=sync or len(parsed.rows) > FULL_SCAN_ROWS)
    # Columns whose stored form may differ in text but not in value.
    fuzzy = {i: same_list if c.kind == "list" else same_ratio
             for i, c in enumerate(columns) if c.kind in ("list", "ratio")}
    positions = range(len(names))

    inserts, updates = [], []  # updates: (row, positions of the changed columns)
    for row in parsed.rows:
        old = stored.get(key_of(row))
        if old is None:
            inserts.append(row)
        elif old != row:
            changed = tuple(i for i, a, b in zip(positions, old, row)
                            if a != b and (i not in fuzzy or not fuzzy[i](a, b)))
            if changed:
                updates.append((row, changed))
    stamp = {spec.touch: utcnow()} if spec.touch else {}
    # Inserts: the file's columns; defaults for the columns it lacks.
    absent = {c.key: c.default for c in spec.columns if c.key not in names}
    deactivate = []
    if sync:
        active_pos = names.index("active")
        seen = set(map(key_of, parsed.rows))
        deactivate = [key if isinstance(key, tuple) else (key,) for key, old in stored.items()
                      if key not in seen and old[active_pos]]

    report.inserted = len(inserts)
    report.updated = len(updates)
    report.unchanged = len(parsed.rows) - len(inserts) - len(updates)
    report.deactivated = len(deactivate)
    if dry_run:
        _samples(spec, names, key_of, inserts, updates, deactivate, stored, report)
        return

    if len(inserts) > 1:
        # Key order: the unique index on the key then fills sequentially
        # instead of at random pages (a large difference at a million rows).
        inserts.sort(key=key_of)
    written = len(inserts) + len(updates) + len(deactivate)
    with sqlite_cache(conn, written), indexes_dropped(conn, table, written, len(stored)):
        insert_rows(conn, table, names, inserts, absent | stamp)
        for set_names, rows in _update_groups(conn, names, key_pos, updates):
            update_rows(conn, table, set_names, list(spec.key), rows, stamp)
        update_rows(conn, table, [], list(spec.key), deactivate, {"active": False} | stamp)


def _samples(spec, names, key_of, inserts, updates, deactivate, stored, report: ImportReport) -> None:
    """A few names (with their keys) for each kind of change, for the preview."""
    name_pos = names.index("name") if "name" in names else None

    def shown(key, row) -> str:
        key_text = key if isinstance(key, str) else " / ".join(map(str, key))
        return f"{row[name_pos]}（{key_text}）" if name_pos is not None and row is not None else key_text

    report.samples = {
        "inserted": [shown(key_of(r), r) for r in inserts[:SAMPLE_SIZE]],
        "updated": [shown(key_of(r), r) for r, _ in updates[:SAMPLE_SIZE]],
        "deactivated": [shown(k[0] if len(k) == 1 else k, stored.get(k[0] if len(k) == 1 else k))
                        for k in deactivate[:SAMPLE_SIZE]],
    }


def _update_groups(conn, names, key_pos, updates):
    """(columns to set, rows of their new values followed by the key) for
    the changed rows. On SQLite rows are grouped by which columns changed,
    because an UPDATE maintains every index (and the name-search trigger) of
    the columns it sets, changed or not; PostgreSQL gets one group."""
    if not updates:
        return []
    if conn.dialect.name != "sqlite":
        value_pos = [i for i in range(len(names)) if i not in key_pos]
        return [([names[i] for i in value_pos],
                 [tuple(row[i] for i in value_pos) + tuple(row[i] for i in key_pos) for row, _ in updates])]
    groups: dict[tuple[int, ...], list[tuple]] = {}
    for row, changed in updates:
        groups.setdefault(changed, []).append(tuple(row[i] for i in changed) + tuple(row[i] for i in key_pos))
    return [([names[i] for i in changed], rows) for changed, rows in groups.items()]


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
        for batch in _scan(conn, spec, names):
            stored.update(zip(map(key_of, batch), batch))
        return stored
    key_cols = [table.c[k] for k in spec.key]
    match = key_cols[0] if len(key_cols) == 1 else sa.tuple_(*key_cols)
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), LOOKUP_CHUNK):
        for row in conn.execute(query.where(match.in_(unique[start:start + LOOKUP_CHUNK]))):
            stored[key_of(row)] = tuple(row)
    return stored


def _scan(conn: sa.Connection, spec: RegistrySpec, names: list[str]):
    """All stored rows as plain driver tuples, in batches: a million rows
    without building a SQLAlchemy row for each. Only SQLite dates need
    converting (they are stored as text); booleans come back as 0/1, which
    compare equal to False/True."""
    table, dialect = spec.table, conn.dialect
    q = dialect.identifier_preparer.quote
    columns = ", ".join(f"CAST({q(n)} AS TEXT)" if isinstance(table.c[n].type, sa.JSON) else q(n) for n in names)
    where = f" WHERE {q('current')}" if spec.versioned else ""
    procs = []
    if dialect.name == "sqlite":
        for n in names:
            col_type = table.c[n].type
            dated = isinstance(col_type, (sa.Date, sa.DateTime)) or \
                isinstance(getattr(col_type, "impl", None), (sa.Date, sa.DateTime))
            procs.append(col_type.dialect_impl(dialect).result_processor(dialect, None) if dated else None)
    convert = [(i, p) for i, p in enumerate(procs) if p is not None]
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(f"SELECT {columns} FROM {q(table.name)}{where}")
        while batch := cursor.fetchmany(STORED_FETCH):
            if convert:
                batch = [tuple(_converted(row, convert)) for row in batch]
            yield batch
    finally:
        cursor.close()


def _converted(row: tuple, convert) -> list:
    values = list(row)
    for i, proc in convert:
        if values[i] is not None:
            values[i] = proc(values[i])
    return values
