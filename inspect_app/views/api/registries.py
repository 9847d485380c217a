"""Registries through the API: keyset-paginated reads with the pages'
filters (``services/registry_views.py``, ``services/search.py``), and bulk
upserts that run the registry import itself (``services/registry_io``):
the same validation, the same scope rule and the same all-or-nothing
commit as an uploaded file (``services/registry_json.py`` turns the JSON
rows into the import's rows)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date
from typing import Annotated, Literal

from flask import current_app
from pydantic import BaseModel, Field, create_model

from ...db import get_session
from ...models import (CheckItem, Conflict, Department, District, Entity, Inspector, InspectorLeave,
                       PairConflict)
from ...services import registry_json, registry_views
from ...services.registry_io import REGISTRIES
from ...services.scope import ScopeError
from ...services.search import entity_statement, keyset_page
from . import PLANNER, auth, bp, current_user
from .problems import ApiProblem
from .schemas import Cursor, Input, Output, out_model

Short = Annotated[str, Field(max_length=200)]


def page_model(row_model: type[BaseModel]) -> type[BaseModel]:
    return create_model(f"{row_model.__name__}Page", __base__=Output, items=(list[row_model], ...),
                        next_cursor=(str | None, Field(default=None, description="Pass as `cursor` for the "
                                                       "next page; null on the last page")))


class PageParams(Input):
    limit: int = Field(default=50, ge=1, le=200)
    cursor: Cursor | None = None


class EntityQuery(PageParams):
    q: Short | None = Field(default=None, description="USCC, or part of the name")
    district: Short | None = Field(default=None, description="District code or its prefix")
    risk: Literal["A", "B", "C", "D"] | None = None
    status: Short | None = None
    active: bool | None = None
    industry: Short | None = None
    list: Short | None = Field(default=None, description="A list name (经营异常名录 …), or * for any")


class InspectorQuery(PageParams):
    q: Short | None = None
    department: Short | None = None
    district: Short | None = None
    qualification: Short | None = None
    certificate: Literal[registry_views.CERTIFICATE_STATES] | None = None  # type: ignore[valid-type]
    active: bool | None = None


class ItemQuery(PageParams):
    q: Short | None = None
    department: Short | None = None
    published: bool | None = None
    current_only: bool = True


class NameQuery(PageParams):
    q: Short | None = None


class DistrictQuery(PageParams):
    q: Short | None = None
    parent: Short | None = None
    level: int | None = Field(default=None, ge=0, le=9)


class ConflictQuery(PageParams):
    inspector: Short | None = None
    uscc: Short | None = None


class PairQuery(PageParams):
    inspector: Short | None = None


class LeaveQuery(PageParams):
    inspector: Short | None = None
    on: date | None = None


def _entities(session, query: EntityQuery):
    stmt, where, _order, _mode, _notes = entity_statement(
        session, query.q, district=query.district, risk=query.risk, status=query.status, active=query.active,
        industry=query.industry, list_name=query.list)
    return stmt.where(*where), [Entity.id]


# kind -> (table model, query model, statement builder)
READS = {
    "entities": (Entity, EntityQuery, _entities),
    "inspectors": (Inspector, InspectorQuery, lambda s, q: registry_views.inspectors_query(
        s, q=q.q, department=q.department, district=q.district, qualification=q.qualification,
        certificate=q.certificate, active=q.active)),
    "items": (CheckItem, ItemQuery, lambda s, q: registry_views.items_query(
        s, q=q.q, department=q.department, published=q.published, current_only=q.current_only)),
    "departments": (Department, NameQuery, lambda s, q: registry_views.departments_query(s, q=q.q)),
    "districts": (District, DistrictQuery, lambda s, q: registry_views.districts_query(
        s, q=q.q, parent=q.parent, level=q.level)),
    "conflicts": (Conflict, ConflictQuery, lambda s, q: registry_views.conflicts_query(
        s, inspector=q.inspector, uscc=q.uscc)),
    "pair_conflicts": (PairConflict, PairQuery, lambda s, q: registry_views.pair_conflicts_query(
        s, inspector=q.inspector)),
    "leaves": (InspectorLeave, LeaveQuery, lambda s, q: registry_views.leaves_query(
        s, inspector=q.inspector, on=q.on)),
}


def encode_cursor(key: tuple) -> str:
    values = [v.isoformat() if isinstance(v, date) else v for v in key]
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text: str, order: list) -> tuple:
    """The key a cursor names; a malformed cursor is a 422 naming ``query.cursor``."""
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not isinstance(values, list) or len(values) != len(order):
            raise ValueError
        key = []
        for col, value in zip(order, values):
            expected = col.type.python_type
            if expected is date:
                value = date.fromisoformat(value)
            elif not isinstance(value, expected) or isinstance(value, bool):
                raise ValueError
            key.append(value)
        return tuple(key)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ApiProblem(422, "validation_failed", "The cursor is not one this endpoint issued.",
                         errors=[{"path": "query.cursor", "message": "invalid cursor"}]) from None


def _read_view(kind: str, table_model, query_model, build):
    row_model = out_model(table_model)

    def view(query_data):
        session = get_session()
        stmt, order = build(session, query_data)
        after = decode_cursor(query_data.cursor, order) if query_data.cursor else None
        rows, next_key = keyset_page(session, stmt, order, after, query_data.limit)
        return {"items": [row.model_dump() for row in rows],
                "next_cursor": encode_cursor(next_key) if next_key else None}

    view.__name__ = f"registry_{kind}"
    view = bp.doc(tags=["Registries"], summary=f"Read the {REGISTRIES[kind].en if kind in REGISTRIES else kind}",
                  description="Filters as on the planner's registry pages; keyset pagination by the "
                              "registry's key (`cursor`).")(view)
    view = bp.output(page_model(row_model))(view)
    view = bp.input(query_model, location="query", arg_name="query_data")(view)
    view = bp.auth_required(auth, roles=PLANNER)(view)
    bp.get(f"/registries/{kind}", endpoint=f"registry_{kind}")(view)


for _kind, (_table, _query, _build) in READS.items():
    _read_view(_kind, _table, _query, _build)


# --- bulk upsert -------------------------------------------------------------

Cell = Annotated[
    Annotated[str, Field(max_length=registry_json.MAX_TEXT)] | bool | int | float | None
    | Annotated[list[Annotated[str, Field(max_length=registry_json.MAX_TEXT)]], Field(max_length=registry_json.MAX_LIST)],
    Field(union_mode="left_to_right")]


class UpsertBody(Input):
    rows: list[dict[Annotated[str, Field(max_length=64)], Cell]] = Field(
        ..., min_length=1, max_length=registry_json.MAX_ROWS,
        description="Objects keyed by the registry's column keys (the English headers of the import)")
    sync: bool = Field(default=False, description="Full registry: rows missing from it become inactive "
                                                  "(entities, inspectors)")
    dry_run: bool = Field(default=False, description="Validate and count; change nothing")


class UpsertRowError(Output):
    index: int | None = Field(description="Index of the row in `rows` (null: the request as a whole)")
    field: str
    value: str
    reason: str
    path: str


class UpsertResult(Output):
    kind: str
    total_rows: int
    inserted: int
    updated: int
    unchanged: int
    deactivated: int
    versioned: int
    dry_run: bool


@bp.post("/registries/<any(" + ",".join(REGISTRIES) + "):kind>/upsert", endpoint="registry_upsert")
@bp.auth_required(auth, roles=PLANNER)
@bp.input(UpsertBody, arg_name="body")
@bp.output(UpsertResult)
@bp.doc(tags=["Registries"], summary="Bulk upsert of a registry (all or nothing)",
        description="Runs the registry import on the rows: the same validation, references, scope and "
                    "all-or-nothing commit as an uploaded file. With any bad row nothing changes and the "
                    "422 `rows_invalid` answer lists every bad row (index, field, value, reason). "
                    f"Kinds: {', '.join(REGISTRIES)}.",
        responses={403: "Outside the caller's department (check items)"})
def registry_upsert(kind: str, body: UpsertBody):
    limit = current_app.config["API_BULK_MAX_ROWS"]
    if len(body.rows) > limit:
        raise ApiProblem(413, "payload_too_large", f"At most {limit:,} rows per request.")
    session = get_session()
    try:
        report = registry_json.upsert(session, kind, body.rows, sync=body.sync, dry_run=body.dry_run,
                                      user=current_user())
    except ScopeError as e:
        raise ApiProblem(403, "out_of_scope", e.message) from None
    except ValueError as e:  # sync on a registry without it
        raise ApiProblem(422, "validation_failed", str(e), errors=[{"path": "$.sync", "message": str(e)}]) \
            from None
    if not report.ok:
        errors = registry_json.row_errors(report)
        raise ApiProblem(422, "rows_invalid", f"{report.error_count} problem(s); nothing was changed.",
                         errors=errors, extra={"errors_omitted": report.errors_omitted})
    return {"kind": kind, "total_rows": report.total_rows, "inserted": report.inserted, "updated": report.updated,
            "unchanged": report.unchanged, "deactivated": report.deactivated, "versioned": report.versioned,
            "dry_run": report.dry_run}
