"""Queries behind the planner's registry pages: filtered, paginated lists of
the smaller registries (inspectors, check items, departments, districts,
conflicts, pair conflicts, leaves) and the detail of each record.

These registries hold thousands of rows at most, so lists count exactly.
The entity registry, with millions of rows, has its own search in
:mod:`inspect_app.services.search`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from ..models import (CheckItem, CheckRecord, Conflict, Department, District, Entity, Inspector,
                      InspectorLeave, PairConflict)
from .search import Page, escape_like, json_array_contains, prefix_range

EXPIRING_DAYS = 90
CERTIFICATE_STATES = ("valid", "expiring", "expired", "missing")


def _page(session: Session, stmt, order, page: int, page_size: int) -> Page:
    page = max(1, int(page))
    total = session.exec(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = list(session.exec(stmt.order_by(*order).offset((page - 1) * page_size).limit(page_size)).scalars())
    return Page(items=rows, page=page, page_size=page_size, has_next=page * page_size < total, total=total)


def _contains(column, q: str):
    return column.ilike("%" + escape_like(q) + "%", escape="\\")


def certificate_state(expires: date | None, today: date) -> str:
    """valid / expiring (within 90 days) / expired / missing."""
    if expires is None:
        return "missing"
    if expires < today:
        return "expired"
    if expires <= today + timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return "valid"


def inspectors_query(session: Session, q: str | None = None, department: str | None = None,
                     district: str | None = None, qualification: str | None = None, certificate: str | None = None,
                     active: bool | None = None, today: date | None = None):
    """The filtered statement and its order (a unique key) behind :func:`list_inspectors`."""
    today = today or date.today()
    dialect = session.get_bind().dialect.name
    stmt = sa.select(Inspector)
    if q:
        stmt = stmt.where(sa.or_(Inspector.id == q.strip(), _contains(Inspector.name, q.strip()),
                                 Inspector.certificate_no == q.strip()))
    if department:
        stmt = stmt.where(Inspector.department == department)
    if district:
        stmt = stmt.where(prefix_range(Inspector.district, district))
    if qualification:
        stmt = stmt.where(json_array_contains(Inspector.qualifications, qualification, dialect))
    if active is not None:
        stmt = stmt.where(Inspector.active.is_(active))
    soon = today + timedelta(days=EXPIRING_DAYS)
    if certificate == "expired":
        stmt = stmt.where(Inspector.certificate_expires < today)
    elif certificate == "expiring":
        stmt = stmt.where(Inspector.certificate_expires >= today, Inspector.certificate_expires <= soon)
    elif certificate == "valid":
        stmt = stmt.where(Inspector.certificate_expires > soon)
    elif certificate == "missing":
        stmt = stmt.where(Inspector.certificate_expires.is_(None))
    return stmt, [Inspector.id]


def list_inspectors(session: Session, q: str | None = None, department: str | None = None,
                    district: str | None = None, qualification: str | None = None,
                    certificate: str | None = None, active: bool | None = None,
                    today: date | None = None, page: int = 1, page_size: int = 50) -> Page:
    stmt, order = inspectors_query(
        session, q=q, department=department, district=district, qualification=qualification, certificate=certificate,
        active=active, today=today)
    return _page(session, stmt, order, page, page_size)


def items_query(session: Session, q: str | None = None, department: str | None = None, published: bool | None = None,
                current_only: bool = True):
    """The filtered statement and its order (a unique key) behind :func:`list_items`."""
    stmt = sa.select(CheckItem)
    if q:
        stmt = stmt.where(sa.or_(CheckItem.code == q.strip(), _contains(CheckItem.name, q.strip())))
    if department:
        stmt = stmt.where(CheckItem.department == department)
    if published is not None:
        stmt = stmt.where(CheckItem.published.is_(published))
    if current_only:
        stmt = stmt.where(CheckItem.current.is_(True))
    return stmt, [CheckItem.code, CheckItem.version]


def list_items(session: Session, q: str | None = None, department: str | None = None,
               published: bool | None = None, current_only: bool = True,
               page: int = 1, page_size: int = 50) -> Page:
    stmt, order = items_query(
        session, q=q, department=department, published=published, current_only=current_only)
    return _page(session, stmt, order, page, page_size)


def departments_query(session: Session, q: str | None = None):
    """The filtered statement and its order (a unique key) behind :func:`list_departments`."""
    stmt = sa.select(Department)
    if q:
        stmt = stmt.where(sa.or_(Department.id == q.strip(), _contains(Department.name, q.strip())))
    return stmt, [Department.id]


def list_departments(session: Session, q: str | None = None, page: int = 1, page_size: int = 50) -> Page:
    return _page(session, *departments_query(session, q=q), page, page_size)


def districts_query(session: Session, q: str | None = None, parent: str | None = None, level: int | None = None):
    """The filtered statement and its order (a unique key) behind :func:`list_districts`."""
    stmt = sa.select(District)
    if q:
        q = q.strip()
        stmt = stmt.where(sa.or_(prefix_range(District.code, q) if q.isascii() and q.isdigit() else sa.false(),
                                 _contains(District.name, q)))
    if parent:
        stmt = stmt.where(District.parent_code == parent)
    if level:
        stmt = stmt.where(District.level == level)
    return stmt, [District.code]


def list_districts(session: Session, q: str | None = None, parent: str | None = None,
                   level: int | None = None, page: int = 1, page_size: int = 50) -> Page:
    return _page(session, *districts_query(session, q=q, parent=parent, level=level), page, page_size)


def conflicts_query(session: Session, inspector: str | None = None, uscc: str | None = None):
    """The filtered statement and its order (a unique key) behind :func:`list_conflicts`."""
    stmt = sa.select(Conflict)
    if inspector:
        stmt = stmt.where(Conflict.inspector == inspector.strip())
    if uscc:
        stmt = stmt.where(Conflict.uscc == uscc.strip().upper())
    return stmt, [Conflict.inspector, Conflict.uscc]


def list_conflicts(session: Session, inspector: str | None = None, uscc: str | None = None,
                   page: int = 1, page_size: int = 50) -> Page:
    return _page(session, *conflicts_query(session, inspector=inspector, uscc=uscc), page, page_size)


def pair_conflicts_query(session: Session, inspector: str | None = None):
    """The filtered statement and its order (a unique key) behind :func:`list_pair_conflicts`."""
    stmt = sa.select(PairConflict)
    if inspector:
        stmt = stmt.where(sa.or_(PairConflict.a == inspector.strip(), PairConflict.b == inspector.strip()))
    return stmt, [PairConflict.a, PairConflict.b]


def list_pair_conflicts(session: Session, inspector: str | None = None,
                        page: int = 1, page_size: int = 50) -> Page:
    return _page(session, *pair_conflicts_query(session, inspector=inspector), page, page_size)


def leaves_query(session: Session, inspector: str | None = None, on: date | None = None):
    """The filtered statement and its order (a unique key) behind :func:`list_leaves`."""
    stmt = sa.select(InspectorLeave)
    if inspector:
        stmt = stmt.where(InspectorLeave.inspector == inspector.strip())
    if on:
        stmt = stmt.where(InspectorLeave.start <= on, InspectorLeave.end >= on)
    return stmt, [InspectorLeave.inspector, InspectorLeave.start, InspectorLeave.id]


def list_leaves(session: Session, inspector: str | None = None, on: date | None = None,
                page: int = 1, page_size: int = 50) -> Page:
    return _page(session, *leaves_query(session, inspector=inspector, on=on), page, page_size)


# --- details -----------------------------------------------------------------

@dataclass
class EntityDetail:
    entity: Entity
    district: District | None
    conflicts: list[Conflict]
    checks: list[CheckRecord]


@dataclass
class InspectorDetail:
    inspector: Inspector
    department: Department | None
    district: District | None
    certificate: str
    leaves: list[InspectorLeave]
    conflicts: list[Conflict]
    pair_conflicts: list[PairConflict]


def entity_detail(session: Session, uscc: str) -> EntityDetail | None:
    entity = session.exec(sa.select(Entity).where(Entity.uscc == uscc.upper())).scalars().first()
    if entity is None:
        return None
    conflicts = session.exec(sa.select(Conflict).where(Conflict.uscc == entity.uscc)
                             .order_by(Conflict.inspector)).scalars().all()
    checks = session.exec(sa.select(CheckRecord).where(CheckRecord.uscc == entity.uscc)
                          .order_by(CheckRecord.checked_on.desc(), CheckRecord.id.desc())).scalars().all()
    return EntityDetail(entity, session.get(District, entity.district), list(conflicts), list(checks))


def inspector_detail(session: Session, inspector_id: str, today: date | None = None) -> InspectorDetail | None:
    inspector = session.get(Inspector, inspector_id)
    if inspector is None:
        return None
    leaves = session.exec(sa.select(InspectorLeave).where(InspectorLeave.inspector == inspector.id)
                          .order_by(InspectorLeave.start.desc())).scalars().all()
    conflicts = session.exec(sa.select(Conflict).where(Conflict.inspector == inspector.id)
                             .order_by(Conflict.uscc)).scalars().all()
    pairs = session.exec(sa.select(PairConflict).where(sa.or_(PairConflict.a == inspector.id,
                                                              PairConflict.b == inspector.id))
                         .order_by(PairConflict.a, PairConflict.b)).scalars().all()
    return InspectorDetail(inspector, session.get(Department, inspector.department),
                           session.get(District, inspector.district),
                           certificate_state(inspector.certificate_expires, today or date.today()),
                           list(leaves), list(conflicts), list(pairs))


def item_versions(session: Session, code: str) -> list[CheckItem]:
    """All versions of a check item, newest first."""
    return list(session.exec(sa.select(CheckItem).where(CheckItem.code == code)
                             .order_by(CheckItem.version.desc())).scalars())


def department_summary(session: Session, department_id: str) -> dict | None:
    dept = session.get(Department, department_id)
    if dept is None:
        return None

    def count(model, *where):
        return session.exec(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()

    return {
        "department": dept,
        "inspectors": count(Inspector, Inspector.department == dept.id),
        "active_inspectors": count(Inspector, Inspector.department == dept.id, Inspector.active.is_(True)),
        "items": count(CheckItem, CheckItem.department == dept.id, CheckItem.current.is_(True)),
        "published_items": count(CheckItem, CheckItem.department == dept.id, CheckItem.current.is_(True),
                                 CheckItem.published.is_(True)),
    }


def district_summary(session: Session, code: str) -> dict | None:
    district = session.get(District, code)
    if district is None:
        return None
    children = session.exec(sa.select(District).where(District.parent_code == code)
                            .order_by(District.code)).scalars().all()
    ancestors = []
    parent = district.parent_code
    while parent:
        node = session.get(District, parent)
        if node is None or len(ancestors) > 8:
            break
        ancestors.insert(0, node)
        parent = node.parent_code
    return {"district": district, "children": list(children), "ancestors": ancestors}


def departments(session: Session) -> list[Department]:
    return list(session.exec(sa.select(Department).order_by(Department.id)).scalars())


def district_choices(session: Session, max_level: int = 3) -> list[District]:
    """Districts down to county level, for filter pickers (streets are typed)."""
    return list(session.exec(sa.select(District).where(District.level <= max_level)
                             .order_by(District.code)).scalars())
