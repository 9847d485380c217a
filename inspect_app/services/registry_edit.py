"""Editing one registry record from a form, with the import's rules.

A form submits text per field, like a cell of an import file; each field goes
through the same converter as the import column of that name
(:mod:`inspect_app.services.registry_io.fields`, specs in
:mod:`inspect_app.services.registry_io.specs`), and references (department,
district) are checked the same way. Problems come back per field, in the
current language, and nothing is written unless every field is valid.

Editing a published check item never changes it: the edit becomes a new
version (same code, version + 1) and the old row stays as it was, no longer
current. Unpublished items are edited in place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ..models import CheckItem, Entity, Inspector, utcnow
from . import audit, scope
from .registry_io.fields import column_converter
from .registry_io.messages import tr
from .registry_io.specs import REFERENCE_TARGETS, REGISTRIES
from .registry_io.validate import existing_values

# The fields each edit form offers (the key is not editable).
EDITABLE = {
    "entities": ("name", "type", "legal_rep", "address", "district", "industry", "status", "risk",
                 "lists", "tags", "active"),
    "inspectors": ("name", "department", "district", "certificate_no", "certificate_expires",
                   "qualifications", "specialities", "active", "max_visits"),
    "items": ("department", "name", "legal_basis", "content", "method", "qualification",
              "ratio_a", "ratio_b", "ratio_c", "ratio_d", "frequency", "published"),
}
_REFERENCE_REASONS = {
    "department": "部门不存在：%(value)s",
    "district": "行政区划不存在：%(value)s",
    "inspector": "检查人员不存在：%(value)s",
    "entity": "检查对象名录库中没有该主体：%(value)s",
}


@dataclass
class EditResult:
    """``errors`` maps a field to its problem; ``record`` is the saved row
    (for items, possibly a new version) when there was none."""

    errors: dict[str, str] = field(default_factory=dict)
    record: Any = None
    new_version: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_fields(session: Session, kind: str, texts: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Convert the submitted ``texts`` of the fields of ``EDITABLE[kind]``
    with the import rules. Returns (values ready to store, errors)."""
    spec = REGISTRIES[kind]
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in EDITABLE[kind]:
        col = spec.column(key)
        convert = column_converter(col.kind, required=col.required, default=col.default,
                                   max_length=spec.max_length(col), choices=col.choices)
        (value,), problems = convert([texts.get(key, "")])  # a column of one cell
        if problems:
            problem = problems[0][1]
            errors[key] = tr(problem.msgid, **problem.params)
            continue
        if col.kind == "list":
            value = json.loads(value) if isinstance(value, str) else list(value or [])
        values[key] = value
    conn = session.connection()
    for key, value in values.items():
        col = spec.column(key)
        if col.ref is None or value in (None, [], ""):
            continue
        table, ref_key = REFERENCE_TARGETS[col.ref]
        wanted = set(value) if isinstance(value, list) else {value}
        missing = sorted(wanted - existing_values(conn, table.c[ref_key], wanted))
        if missing:
            errors[key] = tr(_REFERENCE_REASONS[col.ref], value=missing[0])
    return values, errors


def _apply(record, values: dict[str, Any]) -> list[str]:
    """Set the values that differ; return their field names."""
    changed = []
    for key, value in values.items():
        if getattr(record, key) != value:
            setattr(record, key, value)
            changed.append(key)
    return changed


def _audit(session: Session, kind: str, key: str, fields: list[str], **extra) -> None:
    """The edit's audit row: which fields changed (not their values)."""
    audit.record(session, action=f"registry.{kind}_edited", object_type=kind, object_id=key,
                 details=dict(fields=sorted(fields), **extra))


def edit_entity(session: Session, uscc: str, texts: dict[str, str], user=None) -> EditResult:
    scope.require_member(user)
    entity = session.exec(sa.select(Entity).where(Entity.uscc == uscc)).scalars().one()
    values, errors = validate_fields(session, "entities", texts)
    if errors:
        return EditResult(errors=errors, record=entity)
    changed = _apply(entity, values)
    if changed:
        entity.updated_at = utcnow()
        _audit(session, "entity", uscc, changed)
    session.commit()
    return EditResult(record=entity)


def edit_inspector(session: Session, inspector_id: str, texts: dict[str, str], user=None) -> EditResult:
    scope.require_member(user)
    inspector = session.get(Inspector, inspector_id)
    if inspector is None:
        raise LookupError(inspector_id)
    values, errors = validate_fields(session, "inspectors", texts)
    if errors:
        return EditResult(errors=errors, record=inspector)
    changed = _apply(inspector, values)
    if changed:
        inspector.updated_at = utcnow()
        _audit(session, "inspector", inspector_id, changed)
    session.commit()
    return EditResult(record=inspector)


def current_item(session: Session, code: str) -> CheckItem | None:
    return session.exec(sa.select(CheckItem).where(CheckItem.code == code, CheckItem.current.is_(True))
                        ).scalars().first()


def edit_item(session: Session, code: str, texts: dict[str, str], user=None) -> EditResult:
    """Edit the current version of item ``code``; a published item gets a new
    version instead (only if something actually changed). Only its
    department's planners (and admins) may, and not hand it to another
    department (:mod:`.scope`)."""
    item = current_item(session, code)
    if item is None:
        raise LookupError(code)
    scope.require_department(user, item.department, session)
    values, errors = validate_fields(session, "items", texts)
    if errors:
        return EditResult(errors=errors, record=item)
    scope.require_department(user, values.get("department", item.department), session)
    changed = {k: v for k, v in values.items() if getattr(item, k) != v}
    if not changed:
        return EditResult(record=item)
    if not item.published:
        _apply(item, changed)
        _audit(session, "item", code, list(changed), version=item.version)
        session.commit()
        return EditResult(record=item)
    fields = {k: getattr(item, k) for k in CheckItem.model_fields if k not in ("id", "version", "current")}
    new = CheckItem(**(fields | changed), version=item.version + 1, current=True)
    item.current = False
    session.add(item)
    session.flush()  # the old row stops being current before the new one arrives
    session.add(new)
    _audit(session, "item", code, list(changed), version=new.version, new_version=True)
    session.commit()
    return EditResult(record=new, new_version=True)


def form_texts(kind: str, record) -> dict[str, str]:
    """The stored values of ``record`` as form text (lists joined with '；',
    booleans as 1/0, dates ISO)."""
    texts = {}
    for key in EDITABLE[kind]:
        value = getattr(record, key)
        if isinstance(value, list):
            texts[key] = "；".join(value)
        elif isinstance(value, bool):
            texts[key] = "1" if value else "0"
        elif value is None:
            texts[key] = ""
        else:
            texts[key] = str(value.isoformat() if hasattr(value, "isoformat") else value)
    return texts
