"""Import of the check-item list, which is versioned.

An item whose current version is published is never edited: a changed row
in the file creates version n + 1 (current) and the old row stays, no longer
current, for the tasks that used it. Unpublished items are updated in place.
"""

from __future__ import annotations

import sqlalchemy as sa

from .fields import same_ratio
from .report import ImportReport
from .specs import RegistrySpec
from .validate import LOOKUP_CHUNK, ParsedFile


def write_items(conn: sa.Connection, spec: RegistrySpec, parsed: ParsedFile, report: ImportReport) -> None:
    table = spec.table
    names = [c.key for c in parsed.columns]
    ratio = {c.key for c in parsed.columns if c.kind == "ratio"}
    codes = list(dict.fromkeys(row[names.index("code")] for row in parsed.rows))
    current: dict[str, sa.Row] = {}
    latest: dict[str, int] = {}
    for start in range(0, len(codes), LOOKUP_CHUNK):
        chunk = codes[start:start + LOOKUP_CHUNK]
        current.update((r.code, r) for r in conn.execute(
            sa.select(table).where(table.c.code.in_(chunk), table.c.current.is_(True))))
        latest.update((code, version) for code, version in conn.execute(
            sa.select(table.c.code, sa.func.max(table.c.version)).where(table.c.code.in_(chunk))
            .group_by(table.c.code)))
    defaults = {c.key: c.default for c in spec.columns}

    for row in parsed.rows:
        values = dict(zip(names, row))
        old = current.get(values["code"])
        if old is None:
            version = latest.get(values["code"], 0) + 1
            conn.execute(table.insert().values({**defaults, **values, "version": version, "current": True}))
            report.inserted += 1
            continue
        changed = any(not (same_ratio(old._mapping[k], v) if k in ratio else old._mapping[k] == v)
                      for k, v in values.items())
        if not changed:
            report.unchanged += 1
        elif old.published:
            kept = {k: v for k, v in old._mapping.items() if k not in ("id", "version", "current")}
            conn.execute(table.update().where(table.c.id == old.id).values(current=False))
            conn.execute(table.insert().values({**kept, **values, "version": latest[old.code] + 1,
                                                "current": True}))
            report.updated += 1
            report.versioned += 1
        else:
            conn.execute(table.update().where(table.c.id == old.id).values(values))
            report.updated += 1
