"""Entity search for the registry pages: USCC lookup, name search, filters.

How a query ``q`` is answered
-----------------------------
* **USCC**: 18 characters from the USCC alphabet (letters upper-cased) are an
  exact lookup on the unique ``entity.uscc`` index.
* **Name, 3 characters or more**: the name index of migration 0001 —
  on SQLite the FTS5 table ``entity_fts`` (trigram tokenizer, the query is one
  quoted phrase, so it matches any substring of the name, case-insensitively);
  on PostgreSQL ``name ILIKE '%q%'``, which the pg_trgm GIN index answers.
* **Name, 1–2 characters**: a trigram index cannot answer these (it has
  nothing shorter than three characters to look up). We fall back to a
  substring scan of ``entity`` in id order that stops as soon as the page is
  full: fast for common fragments (``科技``), a full scan for rare ones, and
  no total count is computed for it (the page only says whether there is a
  next page). The page hints that three characters use the index. On
  PostgreSQL a fragment without letters that have case (Chinese) is matched
  with ``strpos``, several times cheaper per row than ``ILIKE``.

Filters (district prefix, risk class, registration status, active flag,
industry, list membership) combine with any of these. Rows are always in
ascending ``entity.id`` order (import order), which is deterministic and
index-backed on both databases.

Pages are fetched with a deferred join: the page's ids are selected first
(an index covering the filters, such as ``ix_entity_district_risk``, answers
that without touching the table), then only those rows are read.

Counting
--------
An exact ``COUNT(*)`` over a million rows on every page is what makes such
lists slow. :func:`search_entities` counts at most ``count_cap`` matches
(10,000 by default): below the cap the total is exact, above it the page
shows "10,000+" and offers next/previous plus a jump to any page number.
Short-fragment scans are not counted at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session

from ..models import Entity

USCC_SHAPE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{18}$")
COUNT_CAP = 10_000
# Pseudo list name: "on any list".
ANY_LIST = "*"

_fts = sa.table("entity_fts", sa.column("rowid", sa.Integer), sa.column("name", sa.String))


@dataclass
class Page:
    """One page of a list. ``total`` is None when not counted; when
    ``total_capped`` is true the real total is larger than ``total``."""

    items: list[Any]
    page: int
    page_size: int
    has_next: bool
    total: int | None = None
    total_capped: bool = False
    mode: str = "list"
    notes: list[str] = field(default_factory=list)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def last_page(self) -> int | None:
        """The last page number when the total is known exactly."""
        if self.total is None or self.total_capped:
            return None
        return max(1, -(-self.total // self.page_size))

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.page_size + 1


def looks_like_uscc(q: str) -> bool:
    return bool(USCC_SHAPE.match(q.strip().upper()))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_phrase(text: str) -> str:
    """``text`` as one FTS5 phrase (double quotes doubled inside)."""
    return '"' + text.replace('"', '""') + '"'


def prefix_range(column, prefix: str):
    """``column LIKE 'prefix%'`` as a range, which any B-tree index serves
    whatever the collation (district codes are digits; callers validate
    them). The upper bound increments the last character that can be
    incremented: ``chr(0x10FFFF + 1)`` does not exist, so trailing U+10FFFF
    are dropped first (no upper bound if nothing is left), and the
    surrogates (not storable) are skipped."""
    stem = prefix.rstrip(chr(0x10FFFF))
    if not stem:
        return column >= prefix
    after = ord(stem[-1]) + 1
    upper = stem[:-1] + chr(0xE000 if 0xD800 <= after <= 0xDFFF else after)  # no lone surrogates
    return sa.and_(column >= prefix, column < upper)


def json_array_contains(column, value: str, dialect: str):
    """``value`` is one of the strings in the JSON array ``column``."""
    if dialect == "postgresql":
        return sa.cast(column, JSONB).contains(sa.cast(sa.func.jsonb_build_array(value), JSONB))
    each = sa.func.json_each(column).table_valued("value")
    return sa.exists(sa.select(1).select_from(each).where(each.c.value == value))


def json_array_nonempty(column, dialect: str):
    if dialect == "postgresql":
        return sa.func.jsonb_array_length(sa.cast(column, JSONB)) > 0
    return sa.func.json_array_length(column) > 0


def entity_filters(dialect: str, district: str | None = None, risk: str | None = None,
                   status: str | None = None, active: bool | None = None,
                   industry: str | None = None, list_name: str | None = None) -> list:
    where = []
    if district:
        where.append(prefix_range(Entity.district, district))
    if risk:
        where.append(Entity.risk == risk)
    if status:
        where.append(Entity.status == status)
    if active is not None:
        where.append(Entity.active.is_(active))
    if industry:
        where.append(Entity.industry == industry)
    if list_name == ANY_LIST:
        where.append(json_array_nonempty(Entity.lists, dialect))
    elif list_name:
        where.append(json_array_contains(Entity.lists, list_name, dialect))
    return where


def entity_statement(session: Session, q: str | None = None, district: str | None = None,
                     risk: str | None = None, status: str | None = None, active: bool | None = None,
                     industry: str | None = None, list_name: str | None = None):
    """(statement, where clauses, order, mode, notes) of an entity search: the
    query ``q`` read as a USCC, a name (full text) or a short name fragment,
    and the filters. Shared by :func:`search_entities` (pages) and the API's
    keyset pages (``Entity.id`` order: the FTS rowid is the entity's id)."""
    dialect = session.get_bind().dialect.name
    q = (q or "").strip()
    where = entity_filters(dialect, district=district, risk=risk, status=status, active=active,
                           industry=industry, list_name=list_name)
    stmt = sa.select(Entity)
    order = Entity.id
    notes: list[str] = []

    if q and looks_like_uscc(q):
        mode = "uscc"
        where.append(Entity.uscc == q.upper())
    elif len(q) >= 3:
        mode = "name"
        if dialect == "sqlite":
            match = sa.literal_column("entity_fts").op("MATCH")(fts_phrase(q))
            stmt = stmt.join(_fts, _fts.c.rowid == Entity.id).where(match)
            order = _fts.c.rowid  # FTS5 yields rowids in order: LIMIT stops early
        else:
            where.append(Entity.name.ilike("%" + escape_like(q) + "%", escape="\\"))
    elif q:
        mode = "short"
        notes.append("short_query")
        pattern = "%" + escape_like(q) + "%"
        if dialect == "sqlite":
            where.append(Entity.name.like(pattern, escape="\\"))
        elif q.lower() == q.upper():
            # Nothing to case-fold (Chinese): strpos is 4-5x cheaper per row than ILIKE.
            where.append(sa.func.strpos(Entity.name, q) > 0)
        else:
            where.append(Entity.name.ilike(pattern, escape="\\"))
    else:
        mode = "list"

    return stmt, where, order, mode, notes


def search_entities(session: Session, q: str | None = None, district: str | None = None,
                    risk: str | None = None, status: str | None = None, active: bool | None = None,
                    industry: str | None = None, list_name: str | None = None,
                    page: int = 1, page_size: int = 50, count_cap: int = COUNT_CAP) -> Page:
    """One page of entities matching ``q`` and the filters; see the module
    docstring for how each kind of query is answered."""
    page = max(1, int(page))
    stmt, where, order, mode, notes = entity_statement(session, q, district=district, risk=risk, status=status,
                                                       active=active, industry=industry, list_name=list_name)
    count_from = None  # a select of matching rows for the capped count; None = not counted
    stmt = stmt.where(*where)
    if mode != "short":
        count_from = stmt.with_only_columns(Entity.id).order_by(None)

    # Deferred join: pick the page's ids first (from an index where one
    # covers the filters), then fetch only those rows.
    ids = (stmt.with_only_columns(Entity.id).order_by(order)
           .offset((page - 1) * page_size).limit(page_size + 1))
    rows = list(session.exec(sa.select(Entity).where(Entity.id.in_(ids)).order_by(Entity.id)).scalars())
    has_next = len(rows) > page_size
    rows = rows[:page_size]

    total, capped = None, False
    if count_from is not None:
        if mode == "uscc":
            total = len(rows)
        else:
            sub = count_from.limit(count_cap + 1).subquery()
            n = session.exec(sa.select(sa.func.count()).select_from(sub)).scalar_one()
            total, capped = (count_cap, True) if n > count_cap else (n, False)
    return Page(items=rows, page=page, page_size=page_size, has_next=has_next,
                total=total, total_capped=capped, mode=mode, notes=notes)


def keyset_page(session: Session, stmt, order: list, after: tuple | None, limit: int) -> tuple[list, tuple | None]:
    """One page of ``stmt`` in ``order`` (columns forming a unique key)
    after the key ``after``: (rows, the key to continue after, or None on
    the last page). Keyset pagination: each page costs the same however far
    the caller has read, and rows inserted meanwhile are neither skipped nor
    repeated."""
    if after is not None:
        if len(after) != len(order):
            raise ValueError("cursor does not match the order")
        stmt = stmt.where(sa.tuple_(*order) > sa.tuple_(*[sa.bindparam(None, value, type_=col.type)
                                                          for col, value in zip(order, after)]))
    rows = list(session.exec(stmt.order_by(*order).limit(limit + 1)).scalars())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, tuple(getattr(rows[-1], col.key) for col in order)
