"""The planners' view of publication (公示及时率): per department, the
completed checks whose result is still unpublished with the deadline passed
or at most 5 working days away, and the "publication on time" figure —
records published, on time, late, and the on-time share — for a plan year.

A record counts for its lead department (the lead department of the visit's
first task) and its plan's year; a correction is not a new publication, so
the figure counts current records with the ``on_time`` of their first
publication. A record whose deadline was unknown (no working-day calendar)
counts as published but neither on time nor late.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from ..models import Plan, PublishedResult
from .publication import Pending, pending


@dataclass
class DepartmentFigure:
    department: str
    published: int = 0
    on_time: int = 0
    late: int = 0
    unknown: int = 0
    past: list[Pending] = field(default_factory=list)  # unpublished, deadline passed
    soon: list[Pending] = field(default_factory=list)  # unpublished, deadline within 5 working days

    @property
    def share(self) -> float | None:
        """The on-time share in percent (None: nothing with a known deadline)."""
        known = self.on_time + self.late
        return round(100 * self.on_time / known, 1) if known else None


def years(session: Session, today: date) -> list[int]:
    """The years to choose from: plan years and ``today``'s, newest first."""
    found = set(session.execute(sa.select(Plan.year).where(Plan.status != "draft").distinct()).scalars())
    return sorted(found | {today.year}, reverse=True)


def figures(session: Session, year: int, today: date) -> list[DepartmentFigure]:
    """One row per department with records or flagged checks in ``year``,
    by department id."""
    c = PublishedResult.__table__.c
    rows: dict[str, DepartmentFigure] = {}

    def row(department: str | None) -> DepartmentFigure:
        key = department or "—"
        return rows.setdefault(key, DepartmentFigure(key))

    query = (sa.select(c.lead_department, c.on_time, sa.func.count())
             .where(c.current.is_(True), c.year == year).group_by(c.lead_department, c.on_time))
    for department, on_time, n in session.execute(query).all():
        r = row(department)
        r.published += n
        if on_time is True:
            r.on_time += n
        elif on_time is False:
            r.late += n
        else:
            r.unknown += n
    for p in pending(session, today, year=year, only_flagged=True):
        (row(p.department).past if p.flag == "past" else row(p.department).soon).append(p)
    return [rows[k] for k in sorted(rows)]
