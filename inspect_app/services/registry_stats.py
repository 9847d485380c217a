"""Sizes of the registries, for dashboards.

Counting a registry of millions of rows costs tens to hundreds of
milliseconds on every page view, so the caller may accept counts up to
``max_age`` seconds old (config ``REGISTRY_COUNTS_TTL``, default 30); a
dashboard may lag an import by that long.

The counts are a :class:`RegistryCounts` with attributes, not a dict: a
template's ``counts.items`` on a dict is the dict's ``items`` method (the
planner's home page once showed "<built-in method items of dict object>").
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from ..models import CheckItem, Conflict, Department, Entity, Inspector


@dataclass(frozen=True)
class RegistryCounts:
    departments: int
    items: int  # current check items
    items_published: int
    entities: int
    inspectors: int
    conflicts: int

    def __getitem__(self, name: str) -> int:  # counts["items"] reads the same number
        return getattr(self, name)


_cache: dict[str, tuple[float, RegistryCounts]] = {}
_lock = threading.Lock()


def registry_counts(session: Session, *, max_age: float = 0.0) -> RegistryCounts:
    key = str(session.get_bind().url)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[0] < max_age:
        return hit[1]
    counts = _count(session)
    with _lock:
        _cache[key] = (now, counts)
    return counts


def _count(session: Session) -> RegistryCounts:
    def count(model, *where) -> int:
        return session.exec(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()

    return RegistryCounts(
        departments=count(Department),
        items=count(CheckItem, CheckItem.current.is_(True)),
        items_published=count(CheckItem, CheckItem.current.is_(True), CheckItem.published.is_(True)),
        entities=count(Entity),
        inspectors=count(Inspector),
        conflicts=count(Conflict),
    )
