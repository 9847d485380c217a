"""Sizes of the registries, for dashboards."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from ..models import CheckItem, Conflict, Department, Entity, Inspector


def registry_counts(session: Session) -> dict[str, int]:
    def count(model, *where) -> int:
        return session.exec(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()

    return {
        "departments": count(Department),
        "items": count(CheckItem, CheckItem.current.is_(True)),
        "items_published": count(CheckItem, CheckItem.current.is_(True), CheckItem.published.is_(True)),
        "entities": count(Entity),
        "inspectors": count(Inspector),
        "conflicts": count(Conflict),
    }
